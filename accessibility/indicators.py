"""The plan's indicator table, computed from the layers: baseline, target, value by subdistrict, status.

For each spatially meaningful indicator of 《运城市"十四五"公共服务和社会保障事业规划》
(:data:`layers.plan.INDICATORS`: 7, 9, 11, 12, 15, 16, 19, 22, 28, with the seed's exact label and its
指标性质 ``nature``, 约束性 / 预期性) and each text target (:data:`layers.plan.TARGETS` and
:data:`layers.plan.TEXT_TARGETS`: 毛入园率 99.8 %, public kindergartens 55 %, nursing beds 55 % of
养老机构 beds, 50 study rooms, a care site in every community of 10,000 or more, a 普惠 childcare centre
in every township, fitness centres in every town, a stadium and a fitness centre per county,
special-education schools in every county of 300,000+, a football pitch in every new community,
16 community workers per 10,000, senior-secondary enrolment 95 %) one row: the 2020 baseline, the
2025 target, the value the layers give for the whole area and for every subdistrict, and a status:

* ``met`` / ``not met`` — the value compared with the target (``comparison``: ``>=`` / ``<=``);
* ``not comparable`` — with the ``reason``: no layer holds the data (doctors, destitute care,
  community workers, senior-secondary seats), the target is a total for an area the study area is
  not (the 50 study rooms), the layer holds only part of what the plan counts (sports area: a lower
  bound, so ``met`` only when even it reaches the target), a rule that does not apply here;
* ``for information`` (:data:`INFO`) — a subdistrict's value of an area-wide ratio.

Each row carries its **scope** (:mod:`accessibility.indicator_scope`): an area-wide ratio is judged
once, for the area (subdistricts for information: hospitals serve the whole city); a rule per unit
(every community, township, county) is judged unit by unit and the area row counts the units that
fail — the same quantity at every level; the target's area (全市 / 中心城区 / each county) and
whether the study area is it; a 乡镇 rule applied to 街道 is labelled an extension. Per-capita rows
state their **population base**: the tool divides by residents (常住); the plan's own base where it
says (row 11's implies the registered 户籍 population, 537.3万).

Conventions (NORMS.md):

* **City-wide ratios are ratios** — beds per 1,000, childcare places per 1,000, cultural floor area
  per 10,000, sports area per person are capacity in the area (or subdistrict) over its residents,
  not a 2SFCA within a walking catchment. A facility counts in the subdistrict whose polygon holds it
  (the nearest one when it lies in none).
* **Walking measures beside them**, labelled as what they are (``walking``): the share of the
  service's demand cohort within the service's tier minutes, with the speed and the distance that
  implies (a minutes view, not the norm check), by :func:`accessibility.coverage.service_coverage`.
* **Proxies are labelled** (``measure`` = ``proxied``): places ÷ children aged 3-5 is a proxy of the
  gross enrolment rate (毛入园率); 普惠 and public shares are shares of *places*, a proxy of the
  shares of children enrolled; a sports park stands for a stadium.
* **Scenario years have their own people**: ``cohorts`` (the seat-planning projection of children for
  the year) replace the base year's children in the denominators; residents and people aged 60+ stay
  at the base year, and ``population`` says so.

The analysis lives here; the CLI (``hedong indicators``), the app and the published index only
present :func:`indicator_table`.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd

from accessibility.capacity import facility_districts as _facility_districts
from accessibility.capacity import service_capacity
from accessibility.coverage import service_coverage
from accessibility.indicator_scope import is_county_level, population_base, scope_of, study_area_kind, town_ids
from layers.families import SERVICES
from layers.norms import (CHILDCARE_CLASS_LABELS, CHILDCARE_CLASS_MAX, CHILDCARE_NEW_SITE_CLASSES,
                          CHILDCARE_NEW_SITE_PLACES, NATIONAL_CHILDCARE_PER_1000_2025, minutes_view)
from layers.plan import (INDICATORS, PLAN_TITLE, PROJECT_YEARS, REGISTERED_POPULATION_IMPLIED, SPORTS_PARTICIPANTS_2020,
                         TARGETS, TEXT_TARGETS)
from layers.schema import CAPACITY_COLUMNS, derive_age_60_plus
from layers.words import both

__all__ = ["MET", "NOT_MET", "NOT_COMPARABLE", "INFO", "STATUSES", "indicator_table", "indicator_frame",
           "facility_districts"]

MET, NOT_MET, NOT_COMPARABLE = "met", "not met", "not comparable"
#: A subdistrict's value of an area-wide ratio: shown for information, never met / not met (NORMS.md).
INFO = "for information"
STATUSES = (MET, NOT_MET, NOT_COMPARABLE, INFO)
#: The population layers describe the plan's first year.
POPULATION_BASE_YEAR = PROJECT_YEARS[0]
#: A housing site counts as having a football pitch when one lies within this straight-line distance
#: (the proxy of "every new residential community gets a pitch"; 300 m is the 5-minute tier's distance,
#: where GB 50180-2018 puts 室外综合健身场地).
PITCH_PROXY_M = 300.0

def _both(key: str, **params) -> dict:
    """Reason ``key`` (``ind.reason.<key>`` of :data:`layers.words.WORDS`) as ``{zh, en}``."""
    return both(f"ind.reason.{key}", **params)


def _label(key: str) -> dict:
    """The ``zh`` / ``en`` label of a row the plan's tables do not name (``ind.label.<key>``), as ``_row`` keywords."""
    return both(f"ind.label.{key}")


def facility_districts(area, fac: gpd.GeoDataFrame) -> pd.Series:
    """District id of every facility by the one rule (:func:`accessibility.capacity.facility_districts`:
    the polygon holding it, else the nearest within 100 m, else ``""`` — outside every district)."""
    return _facility_districts(fac, area.districts)


def _status(value, target, comparison=">=") -> str:
    if value is None or target is None or not np.isfinite(value):
        return NOT_COMPARABLE
    ok = value >= target - 1e-9 if comparison == ">=" else value <= target + 1e-9
    return MET if ok else NOT_MET


def _num(x):
    return None if x is None or not np.isfinite(x) else float(x)


def _value(x):
    """Counts stay integers; other numbers are floats (None when not finite)."""
    return int(x) if isinstance(x, (int, np.integer)) and not isinstance(x, bool) else _num(x)


class _Ctx:
    """What every row reads: the facilities with their district, residents and cohorts by district."""

    def __init__(self, area, facilities):
        self.area = area
        fac = area.facilities if facilities is None else facilities
        # Layers made before the attributes existed (or a scenario's projects) carry none: unknown.
        fac = fac.assign(**{c: fac[c].fillna(d) if c in fac else d
                            for c, d in (("ownership", ""), ("puhui", False), ("bed_type", ""))})
        for col in CAPACITY_COLUMNS:
            fac[col] = fac[col].fillna(0.0) if col in fac else 0.0
        self.fac = fac
        self.fac_district = facility_districts(area, self.fac)
        self.names = area.district_names()
        pop = area.population
        if "age_60_plus" not in pop:
            pop = pop.copy()
            derive_age_60_plus(pop)
        self.ids = list(self.names)
        self.by_d = pop.groupby(pop["district_id"].astype(str)).sum(numeric_only=True).reindex(self.ids, fill_value=0)
        self.total = pop.sum(numeric_only=True)

    def fam(self, family, subtypes=None):
        """The facilities of ``family`` (of ``subtypes`` when given) — for attributes other than capacity."""
        sel = self.fac["family"] == family
        if subtypes is not None:
            sel &= self.fac["subtype"].isin(subtypes)
        return self.fac[sel]

    def capacity(self, service) -> pd.Series:
        """The capacity of ``service``'s facilities (its registry capacity column; the one selection,
        :func:`accessibility.capacity.service_capacity`, as the seat balance)."""
        return service_capacity(self.fac, SERVICES[service])

    def by_district(self, values: pd.Series) -> pd.Series:
        """Sum ``values`` (indexed like the facilities) per district id, every district present."""
        return values.groupby(self.fac_district.reindex(values.index)).sum().reindex(self.ids, fill_value=0.0)


def _row(key, *, no=None, zh, en, unit, baseline=None, target=None, comparison=">=", kind="ratio", value=None,
         status=None, reason=None, by_district=None, walking=None, detail=None, note=None, nature=None, scope=None,
         population_base=None, measure=None, **extra) -> dict:
    st = status if status is not None else _status(value, target, comparison)
    if measure is None:  # how the row's value was got: computed, proxied, or not comparable (with the reason)
        measure = NOT_COMPARABLE if value is None else ("proxied" if kind == "proxy" else "computed")
    return {"key": key, "no": no, "zh": zh, "en": en, "unit": unit, "baseline_2020": baseline,
            "target_2025": target, "comparison": comparison, "kind": kind, "value": _value(value),
            "status": st, "reason": reason, "by_district": by_district or {}, "walking": walking, "detail": detail,
            "note": note, "nature": nature, "scope": scope, "population_base": population_base, "measure": measure,
            **extra}


def _district_rows(c: _Ctx, num: pd.Series, den: pd.Series, factor: float, target, comparison=">=",
                   status_fn=None, judged: bool = False) -> dict:
    """Per-district values of a ratio; ``judged`` False (area-wide ratios): status :data:`INFO`, no verdict."""
    out = {}
    for d in c.ids:
        v = float(num.get(d, 0.0)) / float(den[d]) * factor if den[d] > 0 else None
        if not judged:
            st = INFO if v is not None else NOT_COMPARABLE
        else:
            st = status_fn(v) if status_fn else _status(v, target, comparison)
        out[c.names[d]] = {"value": _num(v), "status": st,
                           **({"reason": _both("no_pop")} if v is None else {})}
    return out


def _walking(area, c: _Ctx, service: str, facilities) -> dict:
    """The walking measure shown beside a ratio: demand share within the service's tier minutes (a minutes
    view: it says its speed and the distance that implies, beside the norm distance)."""
    svc = SERVICES[service]
    cov = service_coverage(area, svc, minutes=svc.minutes, facilities=facilities)
    tab = cov.district_table
    view = minutes_view(svc.minutes, cov.mode, svc.radius_m)
    return {"measure": both("ind.walking", who={**both("ind.demand_people"), "en": svc.demand}, minutes=svc.minutes,
                            service={"zh": svc.zh, "en": svc.en}, speed=view["speed_m_per_min"],
                            distance=view["implied_distance_m"]),
            "minutes": svc.minutes, "cohort": svc.demand, "value": _num(cov.cohort_share),
            "speed_m_per_min": view["speed_m_per_min"], "implied_distance_m": view["implied_distance_m"],
            "norm_distance_m": view["norm_distance_m"],
            "by_district": {str(n): _num(v) for n, v in zip(tab["name"], tab["cohort_share"])}}


def _ratio(c, key, num: pd.Series, den_col: str, factor: float, *, unit, rec=None, zh=None, en=None, no=None,
           target=None, baseline=None, walking=None, note=None, kind="ratio", status_fn=None, reason_fn=None,
           scope=None, **extra):
    rec = rec or {}
    target = rec.get("2025") if target is None else target
    baseline = rec.get("2020") if baseline is None else baseline
    cmp_ = rec.get("comparison", ">=")
    den_total = float(c.total.get(den_col, 0.0))
    value = float(num.sum()) / den_total * factor if den_total > 0 else None
    byd = _district_rows(c, c.by_district(num), c.by_d[den_col], factor, target, cmp_, status_fn)
    status = status_fn(value) if status_fn else None
    return _row(key, no=rec.get("no", no), zh=rec.get("zh", zh), en=rec.get("en", en), unit=unit, baseline=baseline,
                target=target, comparison=cmp_, kind=kind, value=value, status=status,
                reason=reason_fn(value) if reason_fn else (None if value is not None else _both("no_pop")),
                by_district=byd, walking=walking, note=note, nature=rec.get("nature"),
                scope=scope, population_base={**population_base(rec.get("plan_base")), "column": den_col,
                                              "projected": den_col in c.projected}, **extra)


def _share_rows(c, key, fam: str, cap: str, flag, *, rec, target, unit="%", no=None, zh=None, en=None, note=None,
                known=None, subtypes=None, scope=None, **extra):
    """Share (%) of ``cap`` in sites (of ``subtypes``) where ``flag`` holds; not comparable where the
    attribute is unknown. An area-wide share: subdistrict values are for information (:data:`INFO`)."""
    f = c.fam(fam, subtypes)
    capv = f[cap].astype(float)
    common = dict(no=no, zh=zh, en=en, unit=unit, baseline=rec.get("2020"), target=target, kind="share", note=note,
                  nature=rec.get("nature"), scope=scope, **extra)
    if known is not None and not known(f).any():
        byd = {c.names[d]: {"value": None, "status": NOT_COMPARABLE, "reason": rec["reason"]} for d in c.ids}
        return _row(key, status=NOT_COMPARABLE, reason=rec["reason"], by_district=byd, **common)
    num = capv.where(flag(f), 0.0)
    tot, part = c.by_district(capv), c.by_district(num)
    value = float(num.sum()) / float(capv.sum()) * 100 if capv.sum() > 0 else None
    byd = {}
    for d in c.ids:
        v = float(part[d]) / float(tot[d]) * 100 if tot[d] > 0 else None
        byd[c.names[d]] = {"value": _num(v), "status": INFO if v is not None else NOT_COMPARABLE,
                           **({"reason": _both("no_capacity")} if v is None else {})}
    detail = {"numerator": float(num.sum()), "denominator": float(capv.sum())}
    return _row(key, value=value, reason=None if value is not None else _both("no_capacity"), by_district=byd,
                detail=detail, **common)


def _not_comparable(key, rec, reason, scope=None) -> dict:
    return _row(key, no=rec.get("no"), zh=rec["zh"], en=rec["en"], unit=rec.get("unit", ""), baseline=rec.get("2020"),
                target=rec.get("2025", rec.get("target")), comparison=rec.get("comparison", ">="), kind="none",
                status=NOT_COMPARABLE, reason=_both(reason), nature=rec.get("nature"), scope=scope,
                population_base=population_base(rec["plan_base"]) if rec.get("plan_base") else None,
                measure=NOT_COMPARABLE, quote=rec.get("quote"))


def _unit_rule_rows(c: _Ctx, count: pd.Series, units: list[str], *, judged_units: set[str]) -> dict:
    """Per-district rows of a rule "at least one per unit": value = 1 when the district lacks one (the
    same quantity as the area row, which counts the units lacking one), status judged for the units the
    rule applies to and :data:`INFO` for the others; ``sites`` = how many it has."""
    out = {}
    for d in units:
        lacking = int(count[d] < 1)
        out[c.names[d]] = {"value": lacking, "sites": int(count[d]),
                           "status": (MET if not lacking else NOT_MET) if d in judged_units else INFO}
    return out


def _care_sites_per_community(area, c: _Ctx) -> dict:
    """Communities of the plan's 10,000 residents or more (1万人以上: inclusive) without an elderly-care site inside."""
    rec = TEXT_TARGETS["care_site_per_large_community"]
    limit = rec["threshold"]
    base = dict(key="care_site_per_large_community", zh=rec["zh"], en=rec["en"], unit="communities",
                target=0, comparison="<=", kind="rule", quote=rec["quote"],
                scope=scope_of(area, "unit_rule", rec["area"], units="communities"),
                note=both("ind.note.care_site_per_large_community"))
    com = getattr(area, "communities", None)
    if com is None or len(com) == 0:
        return _row(**base, status=NOT_COMPARABLE, reason=_both("no_communities"))
    sites = c.fam("elderly_care")
    big = com[com["pop_total"].astype(float) >= limit]
    if len(sites):
        hit = gpd.sjoin(sites[["geometry"]], big[["geometry"]], how="inner", predicate="within")
        with_site = set(hit["index_right"])
    else:
        with_site = set()
    missing = big[~big.index.isin(with_site)]
    dist_of = missing["district_id"].astype(str) if "district_id" in missing else pd.Series("", index=missing.index)
    byd = {}
    for d in c.ids:
        n_big = int((big["district_id"].astype(str) == d).sum()) if "district_id" in big else 0
        n_miss = int((dist_of == d).sum())
        byd[c.names[d]] = {"value": n_miss, "status": MET if n_miss == 0 else NOT_MET, "large_communities": n_big}
    detail = {"large_communities": int(len(big)), "threshold": limit, "inclusive": True, "without_site": [
        {"community_id": str(r["community_id"]), "name": str(r.get("name", "")),
         "name_en": None if pd.isna(r.get("name_en")) or not str(r.get("name_en")).strip() else str(r["name_en"]),
         "district": c.names.get(str(
            r.get("district_id", "")), str(r.get("district_id", ""))), "pop_total": float(r["pop_total"])}
        for _, r in missing.sort_values("pop_total", ascending=False).iterrows()]}
    return _row(**base, value=int(len(missing)), by_district=byd, detail=detail)


def _town_rule(area, c: _Ctx, key: str, rec: dict, count: pd.Series, thing: str, status=None, reason=None) -> dict:
    """A 乡镇 rule ("at least one in every township"): judged over the study area's towns; where it has
    none, over its 街道 as a labelled extension (the plan says 乡镇). Area value = units lacking one."""
    towns = town_ids(area)
    extension = not towns
    judged = set(towns) if towns else set(c.ids)
    byd = _unit_rule_rows(c, count, c.ids, judged_units=judged)
    without = [c.names[d] for d in c.ids if d in judged and count[d] < 1]
    unit = "towns" if towns else "subdistricts"
    note = both("ind.note.town_rule" if towns else "ind.note.town_rule_extended", thing=both(f"ind.thing.{thing}"))
    return _row(key, zh=rec["zh"], en=rec["en"], unit=unit, target=0, comparison="<=", kind="rule",
                value=None if status == NOT_COMPARABLE else len(without), status=status, reason=reason,
                by_district=byd if status != NOT_COMPARABLE else {},
                detail={"without": without, "towns": [c.names[d] for d in towns], "units_judged": len(judged)},
                note=note, quote=rec["quote"],
                scope=scope_of(area, "unit_rule", rec["area"], units=unit, extension=extension))


def _puhui_childcare_per_township(area, c: _Ctx) -> dict:
    """Townships without a 普惠 childcare centre (the plan: 每个乡镇普惠婴幼儿照护机构不少于1家)."""
    rec = TEXT_TARGETS["puhui_childcare_per_township"]
    f = c.fam("childcare")
    n = c.by_district(f["puhui"].astype(bool).astype(float))
    if len(f) and not (f["ownership"].astype(str).ne("") | f["puhui"].astype(bool)).any():
        return _town_rule(area, c, "puhui_childcare_per_subdistrict", rec, n, "puhui_childcare",
                          status=NOT_COMPARABLE, reason=_both("no_ownership"))
    return _town_rule(area, c, "puhui_childcare_per_subdistrict", rec, n, "puhui_childcare")


def _county_rows(area, c: _Ctx) -> list[dict]:
    """The plan's county-level rules: one stadium and one fitness centre per county; special-education
    schools in every county of 300,000 people or more (30万以上: inclusive)."""
    rows = []
    county = is_county_level(area)
    fit = c.fam("fitness")
    for key, subtype, kind, rsn in (("county_fitness_centre", "fitness_centre", "count", None),
                                    ("county_stadium", "sports_park", "proxy", "stadium_proxy")):
        rec = TEXT_TARGETS[key]
        scope = scope_of(area, "unit_rule", "county", units="county")
        n = int((fit["subtype"] == subtype).sum())
        if not county:
            rows.append(_row(key, zh=rec["zh"], en=rec["en"], unit="sites", target=1, kind=kind, status=NOT_COMPARABLE,
                             reason=_both("not_county"), quote=rec["quote"], scope=scope, measure=NOT_COMPARABLE,
                             detail={"sites": n}))
            continue
        rows.append(_row(key, zh=rec["zh"], en=rec["en"], unit="sites", target=1, kind=kind, value=n,
                         reason=_both(rsn) if rsn else None, quote=rec["quote"], scope=scope,
                         detail={"subtype": subtype}))
    rec = TEXT_TARGETS["special_education_per_county"]
    pop = float(c.total.get("pop_total", 0.0))
    applies = pop >= rec["threshold"]
    rows.append(_row("special_education_per_county", zh=rec["zh"], en=rec["en"], unit="schools", target=1,
                     kind="rule", status=NOT_COMPARABLE, measure=NOT_COMPARABLE, quote=rec["quote"],
                     reason=_both("no_special_education" if (applies and county) else
                                  ("not_county" if not county else "below_threshold")),
                     scope=scope_of(area, "unit_rule", "county", units="county"),
                     detail={"population": pop, "threshold": rec["threshold"], "inclusive": True,
                             "rule_applies": bool(applies and county)}))
    return rows


def _football_pitch_rows(area, c: _Ctx) -> dict:
    """A non-standard football pitch in every new residential community of the central city: proxied by
    the housing layer's sites (new dwellings) with a pitch within 300 m straight-line; else not comparable."""
    rec = TEXT_TARGETS["football_pitch_per_new_community"]
    scope = scope_of(area, "unit_rule", rec["area"], units="new residential communities")
    hh = getattr(area, "housing", None)
    if hh is None or len(hh) == 0:
        return _row("football_pitch_per_new_community", zh=rec["zh"], en=rec["en"], unit="communities", target=0,
                    comparison="<=", kind="rule", status=NOT_COMPARABLE, reason=_both("no_new_communities"),
                    quote=rec["quote"], scope=scope, measure=NOT_COMPARABLE)
    pitches = c.fam("fitness", ["pitch"])
    if len(pitches):
        j = gpd.sjoin_nearest(hh[["geometry"]], pitches[["geometry"]], how="left", max_distance=PITCH_PROXY_M)
        has = j["index_right"].notna().groupby(level=0).any().reindex(hh.index, fill_value=False)
    else:
        has = pd.Series(False, index=hh.index)
    return _row("football_pitch_per_new_community", zh=rec["zh"], en=rec["en"], unit="communities", target=0,
                comparison="<=", kind="proxy", value=int((~has).sum()), quote=rec["quote"], scope=scope,
                reason=_both("pitch_proxy"),
                detail={"housing_sites": int(len(hh)), "without_pitch": [str(x) for x in hh.loc[~has.to_numpy(),
                        "housing_id"]] if "housing_id" in hh else [], "within_m": PITCH_PROXY_M})


def _baseline_rows(area, c: _Ctx) -> list[dict]:
    """The plan's 2020 elderly-care baselines (176 institutions, 17,094 beds, 1,457 day-care centres, 全市)
    beside the study area's counts; the plan sets no 2025 number for them."""
    nh, dc = c.fam("elderly_care", ["nursing_home"]), c.fam("elderly_care", ["day_care"])
    out = []
    for key, unit, base, series in (
            ("elderly_institutions", "sites",
             TARGETS["elderly_institutions_2020"], pd.Series(1.0, index=nh.index)),
            ("elderly_institution_beds", "beds",
             TARGETS["elderly_beds_2020"], nh["beds"].astype(float)),
            ("day_care_centres", "sites",
             TARGETS["day_care_centres_2020"], pd.Series(1.0, index=dc.index))):
        per = c.by_district(series)
        val = float(series.sum())
        out.append(_row(key, **_label(key), unit=unit, baseline=base, kind="count",
                        value=int(round(val)) if unit == "sites" else val, status=NOT_COMPARABLE,
                        reason=_both("baseline_only"), measure="computed",
                        scope=scope_of(area, "city_count", "city"),
                        by_district={c.names[d]: {"value": float(per[d]), "status": INFO} for d in c.ids}))
    return out


def _apply_population(c: _Ctx, area, cohorts: dict | None) -> None:
    """Replace the denominators of ``cohorts``' columns (per-cell arrays of a projected year) in ``c``."""
    c.projected = set(cohorts or ())
    if not cohorts:
        return
    did = area.population["district_id"].astype(str).to_numpy()
    for col, arr in cohorts.items():
        s = pd.Series(np.asarray(arr, float), index=area.population.index)
        c.by_d[col] = s.groupby(did).sum().reindex(c.ids, fill_value=0.0).to_numpy()
        c.total[col] = float(s.sum())


def indicator_table(area, facilities: gpd.GeoDataFrame | None = None, *, walking: bool = True,
                    year: int | None = None, cohorts: dict | None = None) -> dict:
    """The plan's indicator table computed from ``area``'s layers (see the module notes).

    Parameters
    ----------
    area : StudyArea
    facilities : GeoDataFrame, optional
        A facility layer replacing ``area.facilities`` (a scenario's, in a year).
    walking : bool
        Also compute the walking measures shown beside the ratios (one shortest-path run per
        service); False skips them (``walking`` is then None).
    year : int, optional
        The scenario year the table is for (labels the population base).
    cohorts : dict, optional
        Population column -> per-cell array of that year (the seat-planning projection of children,
        :func:`scenarios.demand.children`), replacing the base year's in the denominators. Columns
        not given (residents, people aged 60+) stay at the base year, and the table says so.

    Returns
    -------
    dict
        ``{"area", "plan", "synthetic", "statuses", "indicators": [row ...], "seconds", "population"}``.
        A row: ``key``, ``no`` (the plan's indicator number or None for a text target), ``zh`` (the
        seed's exact label), ``en``, ``unit``, ``baseline_2020``, ``target_2025``, ``comparison``
        (``>=`` / ``<=``), ``kind`` (``ratio``, ``proxy``, ``share``, ``count``, ``rule``, ``none``),
        ``value`` (whole area; None when not computable), ``status`` (:data:`STATUSES`), ``reason``
        ({zh, en} or None), ``by_district`` (name -> ``{"value", "status"[, "reason"]}``; ``status`` is
        :data:`INFO` for area-wide ratios), ``walking`` (None or ``{"measure", "minutes", "cohort",
        "value", "by_district", "speed_m_per_min", "implied_distance_m", "norm_distance_m"}``),
        ``detail``, ``note``; and (added) ``nature`` (约束性 / 预期性 for the table's rows, None for text
        targets), ``scope`` (:func:`accessibility.indicator_scope.scope_of`), ``population_base``
        (per-capita rows), ``measure`` (computed / proxied / not comparable), ``quote`` (text targets).
    """
    t0 = time.perf_counter()
    c = _Ctx(area, facilities)
    _apply_population(c, area, cohorts)
    fac = c.fac

    def walk(service):
        return _walking(area, c, service, facilities) if walking else None

    def city(rec, units=None):
        return scope_of(area, rec.get("scope", "city_ratio"), rec.get("area", "city"), units=units)

    rows = []
    ind = INDICATORS
    # 7: 普惠 kindergarten coverage (share of places, a proxy of the share of children)
    r7 = ind["kindergarten_puhui_share"]
    rows.append(_share_rows(
        c, "kindergarten_puhui_share", "kindergarten", "places_kindergarten", lambda f: f["puhui"].astype(bool),
        rec={**r7, "reason": _both("no_ownership")}, no=7, zh=r7["zh"], en=r7["en"], target=r7["2025"],
        known=lambda f: f["ownership"].astype(str).ne("") | f["puhui"].astype(bool), scope=city(r7),
        note=both("ind.note.kindergarten_puhui_share")))
    rows[-1]["measure"] = "proxied" if rows[-1]["value"] is not None else NOT_COMPARABLE
    # 9: public cultural floor area per 10,000 (culture + Hedong Study Rooms)
    cul = pd.concat([c.capacity("culture"), c.capacity("study_room")])
    rows.append(_ratio(c, "culture_area_per_10k", cul, "pop_total", 10000.0, unit="m2 / 10,000",
                       rec=ind["culture_area_per_10k"], walking=walk("culture"), scope=city(ind["culture_area_per_10k"]),
                       note=both("ind.note.culture_area_per_10k")))
    # 11: sports participation — not spatial
    rows.append(_not_comparable("sports_population_share", ind["sports_population_share"], "no_data",
                                scope=city(ind["sports_population_share"])))
    rows[-1]["detail"] = {"participants_2020": SPORTS_PARTICIPANTS_2020,
                          "implied_base_2020": REGISTERED_POPULATION_IMPLIED}

    # 12: sports area per person — the layer is a lower bound of what the plan counts
    rec12 = ind["sports_area_per_capita"]

    def sports_status(v):
        return MET if v is not None and v >= rec12["2025"] else NOT_COMPARABLE

    rows.append(_ratio(c, "sports_area_per_capita", c.capacity("fitness"), "pop_total", 1.0,
                       unit="m2", rec=rec12, walking=walk("fitness"), status_fn=sports_status, scope=city(rec12),
                       reason_fn=lambda v: None if sports_status(v) == MET else _both("sports_partial"),
                       note={"zh": rec12.get("note", ""), "en": rec12.get("note", "")}, alt_target_2025=rec12["alt_2025"]))
    rows[-1]["measure"] = "proxied" if rows[-1]["value"] is not None else NOT_COMPARABLE
    # 15: beds per 1,000 (a city-wide ratio, not a 2SFCA)
    rows.append(_ratio(c, "beds_per_1000", c.capacity("clinic"), "pop_total", 1000.0, unit="beds",
                       rec=ind["beds_per_1000"], walking=walk("clinic"), scope=city(ind["beds_per_1000"])))
    rows.append(_not_comparable("doctors_per_1000", ind["doctors_per_1000"], "no_data",
                                scope=city(ind["doctors_per_1000"])))
    # 19: childcare places per 1,000 residents, the national 4.5 beside the plan's 5
    rows.append(_ratio(c, "childcare_per_1000", c.capacity("childcare"), "pop_total",
                       1000.0, unit="places", rec=ind["childcare_per_1000"], walking=walk("childcare"),
                       scope=city(ind["childcare_per_1000"]), national_target_2025=NATIONAL_CHILDCARE_PER_1000_2025,
                       class_norms={"max_per_class": dict(CHILDCARE_CLASS_MAX),
                                    "labels": {k: {"zh": z, "en": e} for k, (z, e) in CHILDCARE_CLASS_LABELS.items()},
                                    "new_site_classes": dict(CHILDCARE_NEW_SITE_CLASSES),
                                    "new_site_places": CHILDCARE_NEW_SITE_PLACES,
                                    "source": "托育机构设置标准（试行）(2019)"}))
    rows[-1]["status_national"] = _status(rows[-1]["value"], NATIONAL_CHILDCARE_PER_1000_2025)
    rows.append(_not_comparable("destitute_care_share", ind["destitute_care_share"], "no_data",
                                scope=city(ind["destitute_care_share"])))
    rows.append(_not_comparable("old_housing_renewal", ind["old_housing_renewal"], "no_data",
                                scope=city(ind["old_housing_renewal"])))

    # Text targets
    kg = {"scope": "city_ratio", "area": "city"}
    rows.append(_ratio(c, "kindergarten_gross_enrolment_proxy", c.capacity("kindergarten"),
                       "age_3_5", 100.0, unit="%", **_label("kindergarten_gross_enrolment_proxy"),
                       target=TARGETS["kindergarten_gross_enrolment_pct"], kind="proxy", walking=walk("kindergarten"),
                       scope=city(kg),
                       note=both("ind.note.kindergarten_gross_enrolment_proxy")))
    rows.append(_share_rows(
        c, "public_kindergarten_share", "kindergarten", "places_kindergarten",
        lambda f: f["ownership"].astype(str).eq("public"), rec={"reason": _both("no_ownership")},
        **_label("public_kindergarten_share"), scope=city(kg),
        target=TARGETS["public_kindergarten_share_pct"], known=lambda f: f["ownership"].astype(str).ne("")))
    # 养老机构护理型床位占比: nursing-type beds over the beds of care institutions (养老机构) only —
    # day-care places are not institutional beds (NORMS.md turn 3)
    rows.append(_share_rows(
        c, "nursing_bed_share", "elderly_care", "beds", lambda f: f["bed_type"].astype(str).eq("nursing"),
        rec={"reason": _both("no_bed_type")}, **_label("nursing_bed_share"), subtypes=["nursing_home"], scope=city(kg),
        target=TARGETS["nursing_bed_share_pct"], known=lambda f: f["bed_type"].astype(str).ne(""),
        quote="养老机构护理型床位占比提高到55%",
        note=both("ind.note.nursing_bed_share")))
    rows.append(_ratio(c, "elderly_beds_per_1000_60plus", c.capacity("elderly_care"), "age_60_plus",
                       1000.0, unit="beds", **_label("elderly_beds_per_1000_60plus"),
                       kind="ratio", status_fn=lambda v: NOT_COMPARABLE, reason_fn=lambda v: _both("no_target"),
                       walking=walk("elderly_care"), scope=city(kg),
                       note=both("ind.note.elderly_beds_per_1000_60plus")))
    rows.extend(_baseline_rows(area, c))
    n_rooms = int(len(c.fam("study_room")))
    rooms_byd = c.by_district(pd.Series(1.0, index=c.fam("study_room").index))
    rooms_scope = scope_of(area, "city_count", "city")
    rooms_judged = rooms_scope["study_area_is_target_area"] is True
    rows.append(_row("study_rooms_2025", **_label("study_rooms_2025"), unit="rooms",
                     target=TARGETS["study_rooms_2025"], kind="count", value=n_rooms,
                     status=None if rooms_judged else NOT_COMPARABLE,
                     reason=None if rooms_judged else _both("not_target_area"), scope=rooms_scope, measure="computed",
                     by_district={c.names[d]: {"value": int(rooms_byd[d]), "status": INFO,
                                               "reason": _both("city_wide")} for d in c.ids}))
    rows.append(_care_sites_per_community(area, c))
    rows.append(_puhui_childcare_per_township(area, c))
    fc = c.by_district(pd.Series(1.0, index=c.fam("fitness", ["fitness_centre"]).index))
    rows.append(_town_rule(area, c, "town_fitness_centre", TEXT_TARGETS["town_fitness_centre"], fc, "fitness_centre"))
    rows.extend(_county_rows(area, c))
    rows.append(_football_pitch_rows(area, c))
    for key, reason in (("community_workers_per_10k", "no_workers"), ("high_school_gross_enrolment", "no_senior")):
        rec = TEXT_TARGETS[key]
        rows.append(_not_comparable(key, {**rec, "unit": "workers per 10,000" if key.startswith("community")
                                          else "%"}, reason, scope=city(rec)))
    for r in rows:  # one plan-area note on the table's rows that compare with a 全市 figure
        r.setdefault("plan_area", (r.get("scope") or {}).get("target_area"))
    children_cols = sorted(cohorts) if cohorts else []
    population = {"year": year, "base_year": POPULATION_BASE_YEAR,
                  "projected_columns": children_cols,
                  "note": (both("ind.population.projected", year=year, columns=", ".join(children_cols),
                                     base_year=POPULATION_BASE_YEAR) if cohorts else
                           both("ind.population.base", base_year=POPULATION_BASE_YEAR))}
    return {"area": area.name, "plan": PLAN_TITLE, "synthetic": bool(getattr(area, "synthetic", False)),
            "statuses": list(STATUSES), "facilities": int(len(fac)), "indicators": rows,
            "study_area": {"kind": study_area_kind(area), "county_level": is_county_level(area),
                           "towns": [c.names[d] for d in town_ids(area)]},
            "population": population, "seconds": round(time.perf_counter() - t0, 3)}


def indicator_frame(table: dict, lang: str = "zh", *, districts: bool = True) -> pd.DataFrame:
    """The table as one row per indicator and place (``area`` first, then each subdistrict), for CSV and the app.

    Columns: ``key``, ``no``, ``indicator``, ``unit``, ``place``, ``baseline_2020``, ``target_2025``,
    ``comparison``, ``value``, ``status``, ``reason``, ``kind``, ``walking_measure``, ``walking_value``;
    and (added) ``nature``, ``scope``, ``target_area``, ``population_base``, ``measure``.
    """
    recs = []
    for r in table["indicators"]:
        lab = r["zh"] if lang == "zh" else r["en"]
        wk = r.get("walking") or {}
        sc = r.get("scope") or {}
        pb = r.get("population_base") or {}
        places = [("area", r["value"], r["status"], r["reason"], wk.get("value"))]
        if districts:
            places += [(n, v.get("value"), v.get("status"), v.get("reason"), (wk.get("by_district") or {}).get(n))
                       for n, v in r["by_district"].items()]
        for place, value, status, reason, wv in places:
            recs.append({"key": r["key"], "no": r["no"], "indicator": lab, "unit": r["unit"], "place": place,
                         "baseline_2020": r["baseline_2020"], "target_2025": r["target_2025"],
                         "comparison": r["comparison"], "value": value, "status": status,
                         "reason": (reason or {}).get(lang, "") if isinstance(reason, dict) else (reason or ""),
                         "kind": r["kind"], "walking_measure": (wk.get("measure") or {}).get(lang, ""),
                         "walking_value": wv, "nature": r.get("nature") or "",
                         "scope": sc.get(lang, ""), "target_area": sc.get(f"target_area_{lang}", ""),
                         "population_base": pb.get(f"used_{lang}", ""), "measure": r.get("measure", "")})
    return pd.DataFrame(recs)
