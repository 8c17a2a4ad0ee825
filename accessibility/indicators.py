"""The plan's indicator table, computed from the layers: baseline, target, value by subdistrict, status.

For each spatially meaningful indicator of 《运城市"十四五"公共服务和社会保障事业规划》
(:data:`layers.plan.INDICATORS`: 7, 9, 12, 15, 19, 22 ...) and each text target
(:data:`layers.plan.TARGETS`: 毛入园率 99.8 %, public kindergartens 55 %, 50 study rooms, nursing
beds 55 %, a care site in every community over 10,000, a 普惠 childcare centre in every subdistrict)
one row: the 2020 baseline, the 2025 target, the value the layers give for the whole area and for
every subdistrict, and a status:

* ``met`` / ``not met`` — the value compared with the target (``comparison``: ``>=``);
* ``not comparable`` — with the ``reason``: no layer holds the data (doctors, destitute care), the
  target is city-wide (the 50 study rooms: a district is not pro-rated), the layer holds only part of
  what the plan counts (sports area: the plan counts all venues, school grounds included — the
  public fitness sites are a lower bound, so the row is ``met`` only when even they reach the target).

Conventions (NORMS.md):

* **City-wide ratios are ratios** — beds per 1,000, childcare places per 1,000, cultural floor area
  per 10,000, sports area per person are capacity in the area (or subdistrict) over its residents,
  not a 2SFCA within a walking catchment. A service's facilities and their capacity by subdistrict
  follow the one rule of :mod:`accessibility.capacity` (as the seat balance): the polygon holding
  a facility, else the nearest within 100 m, else outside every subdistrict (in the area's value,
  in no subdistrict's).
* **Walking measures beside them**, labelled as what they are (``walking``): the share of the
  service's demand cohort within the service's own norm minutes (its GB 50180-2018 tier), by the
  coverage engine (:func:`accessibility.coverage.service_coverage`).
* **Proxies are labelled**: places ÷ children aged 3-5 is a proxy of the gross enrolment rate
  (毛入园率), not the rate; 普惠 and public shares are shares of *places*, a proxy of the shares of
  children enrolled.

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
from accessibility.services import service_facilities
from layers.families import SERVICES
from layers.plan import INDICATORS, PLAN_TITLE, TARGETS
from layers.schema import CAPACITY_COLUMNS, derive_age_60_plus

__all__ = ["MET", "NOT_MET", "NOT_COMPARABLE", "STATUSES", "indicator_table", "indicator_frame", "facility_districts"]

MET, NOT_MET, NOT_COMPARABLE = "met", "not met", "not comparable"
STATUSES = (MET, NOT_MET, NOT_COMPARABLE)

#: Words of the reasons and labels, zh / en (presentation picks one; JSON carries both).
_T = {
    "no_data": ("现有图层没有此项数据", "no layer holds these data"),
    "no_pop": ("无人口", "no residents"),
    "city_wide": ("目标为全市总量，区/街道不按比例分摊", "the target is a city-wide total; a district is not pro-rated"),
    "sports_partial": ("规划口径含全部体育场地（含学校操场），图层仅含公共健身设施：现值为下限",
                       "the plan counts all sports venues (school grounds included); the layer holds public "
                       "fitness sites only, so the value is a lower bound"),
    "no_ownership": ("图层未标注举办性质/普惠", "the layer gives no ownership / 普惠 status"),
    "no_bed_type": ("图层未标注床位类型", "the layer gives no bed type"),
    "no_communities": ("研究范围没有社区图层", "the study area has no communities layer"),
    "no_target": ("规划未设此比例目标（其目标为护理型床位占比）",
                  "the plan sets no target for this ratio (its target is the nursing-bed share)"),
    "no_capacity": ("图层中没有此类设施", "no such facilities in the layers"),
}


def _both(key: str) -> dict:
    zh, en = _T[key]
    return {"zh": zh, "en": en}


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

    def fam(self, service):
        """The facilities supplying ``service`` (the one selection, :func:`accessibility.services.service_facilities`)."""
        return service_facilities(self.fac, SERVICES[service])

    def capacity(self, service) -> pd.Series:
        """The capacity of ``service``'s facilities (its registry capacity column; the one selection)."""
        return service_capacity(self.fac, SERVICES[service])

    def by_district(self, values: pd.Series) -> pd.Series:
        """Sum ``values`` (indexed like the facilities) per district id, every district present."""
        return values.groupby(self.fac_district.reindex(values.index)).sum().reindex(self.ids, fill_value=0.0)


def _row(key, *, no=None, zh, en, unit, baseline=None, target=None, comparison=">=", kind="ratio", value=None,
         status=None, reason=None, by_district=None, walking=None, detail=None, note=None) -> dict:
    return {"key": key, "no": no, "zh": zh, "en": en, "unit": unit, "baseline_2020": baseline,
            "target_2025": target, "comparison": comparison, "kind": kind, "value": _value(value),
            "status": status if status is not None else _status(value, target, comparison),
            "reason": reason, "by_district": by_district or {}, "walking": walking, "detail": detail, "note": note}


def _district_rows(c: _Ctx, num: pd.Series, den: pd.Series, factor: float, target, comparison=">=",
                   status_fn=None) -> dict:
    out = {}
    for d in c.ids:
        v = float(num.get(d, 0.0)) / float(den[d]) * factor if den[d] > 0 else None
        st = status_fn(v) if status_fn else _status(v, target, comparison)
        out[c.names[d]] = {"value": _num(v), "status": st,
                           **({"reason": _both("no_pop")} if v is None else {})}
    return out


def _walking(area, c: _Ctx, service: str, facilities) -> dict:
    """The walking measure shown beside a ratio: demand share within the service's norm minutes."""
    svc = SERVICES[service]
    cov = service_coverage(area, svc, minutes=svc.minutes, facilities=facilities)
    tab = cov.district_table
    return {"measure": {"zh": f"{svc.minutes:g}分钟步行可达的需求人口比例（{svc.zh}）",
                        "en": f"share of {svc.demand} within {svc.minutes:g} min walk ({svc.en})"},
            "minutes": svc.minutes, "cohort": svc.demand, "value": _num(cov.cohort_share),
            "by_district": {str(n): _num(v) for n, v in zip(tab["name"], tab["cohort_share"])}}


def _ratio(c, key, num: pd.Series, den_col: str, factor: float, *, unit, rec=None, zh=None, en=None, no=None,
           target=None, baseline=None, walking=None, note=None, kind="ratio", status_fn=None, reason_fn=None):
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
                by_district=byd, walking=walking, note=note)


def _share_rows(c, key, service: str, flag, *, rec, target, unit="%", no=None, zh=None, en=None, note=None,
                known=None):
    """Share (%) of ``service``'s capacity in sites where ``flag`` holds; not comparable where the
    attribute is unknown."""
    f = c.fam(service)
    capv = c.capacity(service)
    if known is not None and not known(f).any():
        byd = {c.names[d]: {"value": None, "status": NOT_COMPARABLE, "reason": rec["reason"]} for d in c.ids}
        return _row(key, no=no, zh=zh, en=en, unit=unit, baseline=rec.get("2020"), target=target, kind="share",
                    status=NOT_COMPARABLE, reason=rec["reason"], by_district=byd, note=note)
    num = capv.where(flag(f), 0.0)
    tot, part = c.by_district(capv), c.by_district(num)
    value = float(num.sum()) / float(capv.sum()) * 100 if capv.sum() > 0 else None
    byd = {}
    for d in c.ids:
        v = float(part[d]) / float(tot[d]) * 100 if tot[d] > 0 else None
        byd[c.names[d]] = {"value": _num(v), "status": _status(v, target),
                           **({"reason": _both("no_capacity")} if v is None else {})}
    return _row(key, no=no, zh=zh, en=en, unit=unit, baseline=rec.get("2020"), target=target, kind="share",
                value=value, reason=None if value is not None else _both("no_capacity"), by_district=byd, note=note)


def _not_comparable(key, rec, reason) -> dict:
    return _row(key, no=rec.get("no"), zh=rec["zh"], en=rec["en"], unit=rec["unit"], baseline=rec.get("2020"),
                target=rec.get("2025"), comparison=rec.get("comparison", ">="), kind="none", status=NOT_COMPARABLE,
                reason=_both(reason))


def _care_sites_per_community(area, c: _Ctx) -> dict:
    """Communities over the plan's 10,000 residents without an elderly-care site inside them."""
    limit = TARGETS["elderly_site_min_community_pop"]
    base = dict(key="care_site_per_large_community", zh=f"常住人口{limit:,}人以上城镇社区均有养老服务站点",
                en=f"An elderly-care site in every community over {limit:,} residents", unit="communities",
                target=0, comparison="<=", kind="rule",
                note={"zh": "现值 = 未设站点的大社区数", "en": "value = large communities without a site"})
    com = getattr(area, "communities", None)
    if com is None or len(com) == 0:
        return _row(**base, status=NOT_COMPARABLE, reason=_both("no_communities"))
    sites = c.fam("elderly_care")
    big = com[com["pop_total"].astype(float) > limit]
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
    detail = {"large_communities": int(len(big)), "without_site": [
        {"community_id": str(r["community_id"]), "name": str(r.get("name", "")),
         "name_en": None if pd.isna(r.get("name_en")) or not str(r.get("name_en")).strip() else str(r["name_en"]),
         "district": c.names.get(str(
            r.get("district_id", "")), str(r.get("district_id", ""))), "pop_total": float(r["pop_total"])}
        for _, r in missing.sort_values("pop_total", ascending=False).iterrows()]}
    return _row(**base, value=int(len(missing)), by_district=byd, detail=detail)


def _puhui_childcare_per_district(c: _Ctx) -> dict:
    """Subdistricts without a 普惠 childcare centre (the plan: at least one in every township / subdistrict)."""
    f = c.fam("childcare")
    base = dict(key="puhui_childcare_per_subdistrict", zh="每个乡镇（街道）至少1个普惠托育机构",
                en="At least one 普惠 childcare centre in every subdistrict", unit="subdistricts", target=0,
                comparison="<=", kind="rule",
                note={"zh": "现值 = 没有普惠托育机构的街道数", "en": "value = subdistricts without one"})
    if len(f) and not (f["ownership"].astype(str).ne("") | f["puhui"].astype(bool)).any():
        return _row(**base, status=NOT_COMPARABLE, reason=_both("no_ownership"))
    n = c.by_district(f["puhui"].astype(bool).astype(float))
    byd = {c.names[d]: {"value": int(n[d]), "status": MET if n[d] >= 1 else NOT_MET} for d in c.ids}
    without = [c.names[d] for d in c.ids if n[d] < 1]
    return _row(**base, value=len(without), by_district=byd, detail={"without": without})


def indicator_table(area, facilities: gpd.GeoDataFrame | None = None, *, walking: bool = True) -> dict:
    """The plan's indicator table computed from ``area``'s layers (see the module notes).

    Parameters
    ----------
    area : StudyArea
    facilities : GeoDataFrame, optional
        A facility layer replacing ``area.facilities`` (a scenario's, in a year).
    walking : bool
        Also compute the walking measures shown beside the ratios (one shortest-path run per
        service); False skips them (``walking`` is then None).

    Returns
    -------
    dict
        ``{"area", "plan", "synthetic", "statuses", "indicators": [row ...], "seconds"}``. A row:
        ``key``, ``no`` (the plan's indicator number or None for a text target), ``zh``, ``en``,
        ``unit``, ``baseline_2020``, ``target_2025``, ``comparison`` (``>=`` / ``<=``), ``kind``
        (``ratio``, ``proxy``, ``share``, ``count``, ``rule``, ``none``), ``value`` (whole area;
        None when not computable), ``status`` (:data:`STATUSES`), ``reason`` ({zh, en} or None),
        ``by_district`` (name -> ``{"value", "status"[, "reason"]}``), ``walking`` (None or
        ``{"measure", "minutes", "cohort", "value", "by_district"}``), ``detail``, ``note``.
    """
    t0 = time.perf_counter()
    c = _Ctx(area, facilities)
    fac = c.fac

    def walk(service):
        return _walking(area, c, service, facilities) if walking else None

    rows = []
    ind = INDICATORS
    # 7: 普惠 kindergarten coverage (share of places, a proxy of the share of children)
    rows.append(_share_rows(
        c, "kindergarten_puhui_share", "kindergarten", lambda f: f["puhui"].astype(bool),
        rec={**ind["kindergarten_puhui_share"], "reason": _both("no_ownership")}, no=7,
        zh=ind["kindergarten_puhui_share"]["zh"], en=ind["kindergarten_puhui_share"]["en"],
        target=ind["kindergarten_puhui_share"]["2025"],
        known=lambda f: f["ownership"].astype(str).ne("") | f["puhui"].astype(bool),
        note={"zh": "按学位计（在园幼儿占比的代理）", "en": "share of places (a proxy of the share of children enrolled)"}))
    # 9: public cultural floor area per 10,000 (culture + Hedong Study Rooms)
    cul = pd.concat([c.capacity("culture"), c.capacity("study_room")])
    rows.append(_ratio(c, "culture_area_per_10k", cul, "pop_total", 10000.0, unit="m2 / 10,000",
                       rec=ind["culture_area_per_10k"], walking=walk("culture"),
                       note={"zh": "公共文化设施建筑面积 + 河东书房面积，按常住人口", "en": "cultural floor area + study rooms, over residents"}))
    # 11: sports participation — not spatial
    rows.append(_not_comparable("sports_population_share", ind["sports_population_share"], "no_data"))

    # 12: sports area per person — the layer is a lower bound of what the plan counts
    rec12 = ind["sports_area_per_capita"]

    def sports_status(v):
        return MET if v is not None and v >= rec12["2025"] else NOT_COMPARABLE

    rows.append(_ratio(c, "sports_area_per_capita", c.capacity("fitness"), "pop_total", 1.0,
                       unit="m2", rec=rec12, walking=walk("fitness"), status_fn=sports_status,
                       reason_fn=lambda v: None if sports_status(v) == MET else _both("sports_partial"),
                       note={"zh": rec12.get("note", ""), "en": rec12.get("note", "")}))
    # 15: beds per 1,000 (a city-wide ratio, not a 2SFCA)
    rows.append(_ratio(c, "beds_per_1000", c.capacity("clinic"), "pop_total", 1000.0, unit="beds",
                       rec=ind["beds_per_1000"], walking=walk("clinic")))
    rows.append(_not_comparable("doctors_per_1000", ind["doctors_per_1000"], "no_data"))
    # 19: childcare places per 1,000 residents
    rows.append(_ratio(c, "childcare_per_1000", c.capacity("childcare"), "pop_total",
                       1000.0, unit="places", rec=ind["childcare_per_1000"], walking=walk("childcare")))
    rows.append(_not_comparable("destitute_care_share", ind["destitute_care_share"], "no_data"))
    rows.append(_not_comparable("old_housing_renewal", ind["old_housing_renewal"], "no_data"))

    # Text targets
    rows.append(_ratio(c, "kindergarten_gross_enrolment_proxy", c.capacity("kindergarten"),
                       "age_3_5", 100.0, unit="%", zh="学前三年毛入园率（代理：学位 ÷ 3-5岁儿童）",
                       en="Gross kindergarten enrolment (proxy: places / children aged 3-5)",
                       target=TARGETS["kindergarten_gross_enrolment_pct"], kind="proxy", walking=walk("kindergarten"),
                       note={"zh": "毛入园率的代理指标，并非毛入园率本身", "en": "a proxy of the gross enrolment rate (毛入园率), not the rate itself"}))
    rows.append(_share_rows(
        c, "public_kindergarten_share", "kindergarten",
        lambda f: f["ownership"].astype(str).eq("public"), rec={"reason": _both("no_ownership")},
        zh="公办幼儿园占比（按学位）", en="Public kindergartens (share of places)",
        target=TARGETS["public_kindergarten_share_pct"], known=lambda f: f["ownership"].astype(str).ne("")))
    rows.append(_share_rows(
        c, "nursing_bed_share", "elderly_care", lambda f: f["bed_type"].astype(str).eq("nursing"),
        rec={"reason": _both("no_bed_type")}, zh="护理型床位占比", en="Nursing-type share of elderly-care beds",
        target=TARGETS["nursing_bed_share_pct"], known=lambda f: f["bed_type"].astype(str).ne("")))
    rows.append(_ratio(c, "elderly_beds_per_1000_60plus", c.capacity("elderly_care"), "age_60_plus",
                       1000.0, unit="beds", zh="每千名老年人（60岁以上）养老床位", en="Elderly-care beds per 1,000 aged 60+",
                       kind="ratio", status_fn=lambda v: NOT_COMPARABLE, reason_fn=lambda v: _both("no_target"),
                       walking=walk("elderly_care"),
                       note={"zh": "按60岁以上人口（中国床位口径）", "en": "over people aged 60+ (the Chinese bed-ratio base)"}))
    n_rooms = int(len(c.fam("study_room")))
    rooms_byd = c.by_district(pd.Series(1.0, index=c.fam("study_room").index))
    rows.append(_row("study_rooms_2025", zh="河东书房数量（全市）", en="Hedong Study Rooms (city-wide)", unit="rooms",
                     target=TARGETS["study_rooms_2025"], kind="count", value=n_rooms, status=NOT_COMPARABLE,
                     reason=_both("city_wide"),
                     by_district={c.names[d]: {"value": int(rooms_byd[d]), "status": NOT_COMPARABLE,
                                               "reason": _both("city_wide")} for d in c.ids}))
    rows.append(_care_sites_per_community(area, c))
    rows.append(_puhui_childcare_per_district(c))
    return {"area": area.name, "plan": PLAN_TITLE, "synthetic": bool(getattr(area, "synthetic", False)),
            "statuses": list(STATUSES), "facilities": int(len(fac)), "indicators": rows,
            "seconds": round(time.perf_counter() - t0, 3)}


def indicator_frame(table: dict, lang: str = "zh", *, districts: bool = True) -> pd.DataFrame:
    """The table as one row per indicator and place (``area`` first, then each subdistrict), for CSV and the app.

    Columns: ``key``, ``no``, ``indicator``, ``unit``, ``place``, ``baseline_2020``, ``target_2025``,
    ``comparison``, ``value``, ``status``, ``reason``, ``kind``, ``walking_measure``, ``walking_value``.
    """
    recs = []
    for r in table["indicators"]:
        lab = r["zh"] if lang == "zh" else r["en"]
        wk = r.get("walking") or {}
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
                         "walking_value": wv})
    return pd.DataFrame(recs)
