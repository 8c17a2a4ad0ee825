"""Published maps: standalone HTML files a planner can e-mail, put on an intranet or open with a double click.

:func:`publish` writes, for one study area (and optionally one scenario):

- ``coverage-<service>.html`` for every service of the family registry (:data:`layers.families.SERVICES`) — the N-minute
  circles along the street network, the population cells left outside them, the facilities;
- ``life-circle.html`` — the 15-minute community life-circle index (15分钟社区生活圈, TD/T 1062-2021): every population
  cell coloured by how many of the life-circle services (:data:`layers.families.LIFE_CIRCLE_SERVICES`)
  are within the minutes (15 by default), with what is missing there in the tooltip;
- ``seats-<year>.html`` for each year from the plan's school programme (2021) to the evaluation
  horizon (2030), 2027-2029 included — the seat balance by district
  first (seats per child, seats - enrolment), then the share seated within the walking limit
  (a norm check); primary / junior / kindergarten choropleths, switchable, and the schools open
  that year, coloured by utilisation;
- ``index.html`` linking them, with the headline numbers, the plan indicators and the sources.

What every map needs alike — Leaflet, the streets, the "my place" data, the population cells'
squares — is written once into ``data/*.js`` (:mod:`presentation.publish_shared`) and loaded with a
relative ``<script src>``, which browsers follow from ``file://``: the folder needs no server, no
Python and no internet (``share=False`` inlines everything into each page, as before). Layers are
vectors (no base tiles unless asked), geometries are simplified and coordinates rounded. Each map has a legend, the 演示数据（生成） notice when the data are generated and the
sources / licences. The whole folder is written to a temporary sibling and renamed into place
(atomic: a reader never sees half a publication).
"""

from __future__ import annotations

import html as _html
import io
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from accessibility.circles import circles_gdf
from accessibility.coverage import DEFAULT_MINUTES, life_circle, service_coverage
from accessibility.indicators import MET, NOT_MET, indicator_table
from layers.errors import InputError
from layers.families import LEVELS, LIFE_CIRCLE_SERVICES, SERVICE_COLOR, SERVICES
from layers.plan import SCHOOL_PROGRAMME
from presentation import controls, geojson, i18n, legends, map_scripts, styles, webmap
from presentation import publish_shared as _shared
from presentation.publish_folder import (  # noqa: F401 - is_publication re-exported (callers import it from here)
    _TMP_PREFIX, GENERATOR_META, _clean_stale_tmp, _manifest_meta, check_out_dir, is_publication, published_files)
from presentation.i18n import LANGS, cohort_label, display_names, indicator_unit, scenario_name, t
from scenarios.catchments import catchment_layer
from scenarios.evaluate import evaluate
from scenarios.model import PLAN_YEARS

#: Years of the seat maps: the years of the plan's school programme (layers.plan).
YEARS = tuple(range(min(SCHOOL_PROGRAMME["schedule"]), PLAN_YEARS[-1] + 1))



def pt(key: str, lang: str = "zh", **kw) -> str:
    """A phrase of the published pages in ``lang`` (catalogue key ``page.<key>``, :mod:`presentation.i18n`)."""
    return t(f"page.{key}", lang, **kw)


# ---------------------------------------------------------------- numbers for the pages


def minute_distribution(area, result, max_minutes: float = 30.0, column: str = "pop_total") -> pd.DataFrame:
    """People by whole minutes to the nearest facility (``minutes``, ``people``: the count of ``column``),
    beyond-limit binned last.

    Parameters
    ----------
    area : StudyArea
    result : accessibility.coverage.ServiceCoverage
        Its ``cell_minutes`` are weighted by the area's population ``column``.
    column : str
        ``pop_total`` (residents) or the service's cohort (``result.service.demand``: the children of a
        school level, older residents for elderly care).
    """
    mm = result.cell_minutes.to_numpy(float)
    pop = area.population[column].to_numpy(float)
    top = int(max_minutes)
    idx = np.where(np.isfinite(mm), np.clip(np.floor(mm), 0, top), top).astype(int)
    counts = np.bincount(idx, weights=pop, minlength=top + 1)
    labels = [f"{k:02d}" for k in range(top)] + [f">{top}"]
    return pd.DataFrame({"minutes": labels, "people": np.round(counts).astype(int)})


# ---------------------------------------------------------------- plan indicators computed from layers


def indicator_rows(area, facilities: gpd.GeoDataFrame | None = None, lang: str = "zh", *, table=None) -> list[dict]:
    """The plan's indicator table (:func:`accessibility.indicators.indicator_table`) as display rows.

    Parameters
    ----------
    area : StudyArea
    facilities : GeoDataFrame, optional
        Facilities to count (e.g. a scenario-year's); default the area's.
    table : dict, optional
        An indicator table already computed (the app and the published index show the same one).

    Returns
    -------
    list of dict
        ``key``, ``no``, ``indicator``, ``unit``, ``baseline_2020``, ``target_2025``, ``comparison``,
        ``value`` (None when not computable), ``status`` (met / not met / not comparable), ``met``
        (True / False / None), ``note`` (the reason, else the note; then the scope's note when the
        study area is not the target's area, and the population base), ``by_district`` (name -> value,
        status), ``walking`` (the walking measure beside a ratio, or None), ``nature``, ``scope``,
        ``measure``, ``population_base`` (as in the table).
    """
    tab = table if table is not None else indicator_table(
        area, None if facilities is None else geojson.as_facilities(facilities))
    rows = []
    for r in tab["indicators"]:
        why = r["reason"] or r["note"] or {}
        sc, pb = r.get("scope") or {}, r.get("population_base") or {}
        # the note says when the study area is not the target's area, and the population base
        extra = [x for x in ((sc.get("note") or {}).get(lang, ""),
                             (t("col.population_base", lang) + ": " + pb[f"used_{lang}"]) if pb else "") if x]
        note = "; ".join([why.get(lang, "")] * bool(why) + extra) if (why or extra) else ""
        rows.append({"key": r["key"], "no": r["no"], "indicator": r[lang], "unit": r["unit"],
                     "baseline_2020": r["baseline_2020"], "target_2025": r["target_2025"],
                     "comparison": r["comparison"], "value": r["value"], "status": r["status"],
                     "met": {MET: True, NOT_MET: False}.get(r["status"]), "note": note,
                     "by_district": r["by_district"], "walking": r["walking"], "detail": r["detail"],
                     "nature": r.get("nature"), "scope": sc, "measure": r.get("measure"),
                     "population_base": pb})
    return rows


#: How a status is marked (published index and app; its words are the catalogue's ``status.<status>``).
STATUS_MARK = {"met": "✔", "not met": "✘", "not comparable": "—", "for information": "·"}


def fmt_value(v) -> str:
    """An indicator value as shown: integers as they are, other numbers with two decimals."""
    if v is None:
        return "—"
    return f"{v:,}" if isinstance(v, int) else fmt_num(v, ",.2f")


def fmt_num(v, spec: str) -> str:
    """``format(v, spec)``, or "—" for no value: None, NaN or infinity (the median minutes of a service
    with no facility was "inf" on the published index)."""
    if v is None:
        return "—"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "—"
    return format(f, spec) if np.isfinite(f) else "—"


def _indicator_district_table(indicators, lang, districts=None) -> str:
    """Subdistrict x indicator table of the published index (value and status mark per cell); the
    subdistricts named in ``lang`` when ``districts`` (the layer) carries their English names."""
    esc = _html.escape
    rows = [r for r in indicators if r["by_district"]]
    if not rows:
        return ""
    names = list(rows[0]["by_district"])
    shown = dict(zip(districts["name"].astype(str), display_names(districts, lang))) if districts is not None else {}
    head = "".join(f"<th>{esc(shown.get(str(n), str(n)))}</th>" for n in names)
    body = "".join(
        f'<tr><td>{esc(str(r["indicator"]))}</td>' + "".join(
            f'<td>{esc(fmt_value(r["by_district"].get(n, {}).get("value")))} '
            f'{STATUS_MARK.get(r["by_district"].get(n, {}).get("status"), "")}</td>' for n in names) + "</tr>"
        for r in rows)
    cap = pt("by_subdistrict", lang)
    return f"<h3>{esc(cap)}</h3><table><tr><th></th>{head}</tr>{body}</table>"


# ---------------------------------------------------------------- seats


def school_points(ev, level: str = "primary") -> gpd.GeoDataFrame:
    """Schools of one level of an :class:`scenarios.evaluate.Evaluation`, with ``seats`` and ``is_project``
    added to its ``capacity``, ``assigned``, ``utilisation``.

    An evaluation with the 划片 assignment (``assign="catchment"``) gives each school its catchment load
    as ``assigned`` and ``utilisation``: the rule the user chose, as the district table shows it. (The
    walking assignment's load, the norm check, would show the schools of an over-subscribed subdistrict
    as half empty.)"""
    lr = ev.levels[level]
    s = lr.schools.copy()
    if lr.catchment is not None:  # the evaluation's 划片 load and seat utilisation per school
        s["assigned"] = s["catchment_assigned"]
        s["utilisation"] = s["seat_utilisation"] = s["catchment_seat_utilisation"]
    s["seats"] = s["capacity"]
    s["is_project"] = s["project_id"].astype(str).str.len().gt(0)
    return s


# ---------------------------------------------------------------- pages


def coverage_map(area, service: str, *, minutes: float | None = None, mode: str | None = None, facilities=None,
                 lang: str = "zh", tiles: str = "none", assets: str = "inline", agg_m: float | None = None):
    """The published coverage map of one service: circles, uncovered cells, facilities, legend, notice.

    Returns
    -------
    (folium.Map, dict)
        The map and a summary: ``service``, ``minutes``, ``population_share``, ``median_minutes``,
        ``uncovered_population``.
    """
    mins = float(minutes if minutes is not None else SERVICES[service].minutes)
    res = service_coverage(area, service, minutes=mins, mode=mode, facilities=facilities)
    circles = circles_gdf(area, service, mins, mode=mode, facilities=facilities)
    unc = res.uncovered
    share, med = res.population_share, res.median_minutes
    svc = SERVICES[service]
    title = pt("coverage_title", lang, service=svc.label(lang), minutes=int(mins))
    fac = geojson.as_facilities(facilities) if facilities is not None else area.facilities
    m = webmap.base_map(area, tiles=tiles, lang=lang)
    add_fams = list(svc.families)
    webmap.add_districts(m, area)
    webmap.add_boundary(m, area)
    webmap.add_circles(m, circles, service, mins)
    webmap.add_uncovered(m, unc, area.cell_size or 100.0, agg_m=agg_m, area=area)
    fac_svc = fac[fac["family"].isin(add_fams)]
    if svc.subtypes is not None:
        fac_svc = fac_svc[fac_svc["subtype"].isin(svc.subtypes)]
    webmap.add_facilities(m, fac_svc, families=add_fams)
    items = [(legends.swatch(SERVICE_COLOR.get(service, "#3366cc"), opacity=0.35),
              t("circles", lang, minutes=int(mins), service=svc.label(lang))),
             (legends.swatch(styles.UNCOVERED_COLOR), t("uncovered_legend", lang, minutes=int(mins), service=svc.label(lang)))]
    items += [(styles.marker_svg(f, 14), i18n.family_label(f, lang)) for f in add_fams]
    items.append((legends.swatch("#333333", "line"), t("boundary", lang)))
    # One population base per question (issue 26 item 2): the headline is the share of the people the service
    # is for (children of the level, older residents; everyone for the rest), as in the app and the CLI; the
    # share of all residents is labelled beside it
    c_share = float(res.cohort_share) if np.isfinite(res.cohort_share) else float("nan")
    c_med = float(res.cohort_median_minutes) if np.isfinite(res.cohort_median_minutes) else med
    stats = f"{pt('share', lang)}（{cohort_label(svc.demand, lang)}）: {c_share:.1%}" if lang == "zh" else (
        f"{pt('share', lang)} ({cohort_label(svc.demand, lang)}): {c_share:.1%}")
    if svc.demand != "pop_total":
        stats += f" · {cohort_label('pop_total', lang)}: {share:.1%}"
    med_txt = fmt_num(c_med, ".1f")
    stats += f" · {pt('median', lang)}: {med_txt}" + (" min" if med_txt != "—" else "")
    body = [legends.legend_html(stats, items)]
    legends.add_legend(m, body)
    legends.add_notice(m, area, title=title)
    legends.add_attribution(m, area)
    controls.add_layer_control(m, collapsed=True)
    webmap.finish(m, assets)
    m._hedong_title = f"{title} — {pt('index_title', lang)}"
    upop = float(unc["pop_total"].sum())
    return m, {"service": service, "minutes": mins, "population_share": share,
               "median_minutes": float(med) if med is not None and np.isfinite(med) else None,
               "uncovered_population": round(upop), "cohort": svc.demand,
               "cohort_share": float(res.cohort_share) if np.isfinite(res.cohort_share) else None,
               "cohort_uncovered": round(float(res.cohort - res.cohort_covered)),
               "cohort_median_minutes": c_med if np.isfinite(c_med) else None}


def life_circle_map(area, *, minutes: float | None = None, mode: str | None = None, facilities=None,
                    lang: str = "zh", tiles: str = "none", assets: str = "inline", lc=None):
    """The published life-circle map: cells coloured by how many of the six services are within reach.

    Parameters
    ----------
    minutes : float, optional
        Threshold for every service (default 15, the quarter hour).
    mode : str, optional
        ``walk`` / ``bike`` / None (each service's own mode).
    lc : LifeCircle, optional
        A life-circle result already computed for these arguments.

    Returns
    -------
    (folium.Map, dict)
        The map and ``{"minutes", "all_services_share", "mean_services_within", "by_n": {n: residents},
        "share_by_n": {n: share of residents}}`` (``n`` services within reach, 0 to all of them).
    """
    if lc is None:
        lc = life_circle(area, DEFAULT_MINUTES if minutes is None else float(minutes), mode, facilities)
    mins = float(lc.minutes)
    covered = {k: np.asarray(c.covered, dtype=bool) for k, c in lc.services.items()}
    n = len(covered)
    stats = (f"{pt('all_share', lang, n=n)}: {lc.all_services_share:.1%} · "
             f"{pt('mean_within', lang)}: {lc.mean_services_within:.2f}")
    m = webmap.life_circle_map(area, covered, mins, lang=lang, tiles=tiles, facilities=facilities,
                               title=pt("life_circle_title", lang, minutes=int(mins)), stats=stats, assets=assets)
    m._hedong_title = f"{pt('life_circle_title', lang, minutes=int(mins))} — {pt('index_title', lang)}"
    pop = area.population["pop_total"].to_numpy(float)
    by_n = {int(k): float(pop[lc.counts.to_numpy() == k].sum()) for k in range(n + 1)}
    whole = sum(by_n.values()) or 1.0
    return m, {"minutes": mins, "all_services_share": lc.all_services_share,
               "mean_services_within": lc.mean_services_within, "by_n": by_n,
               "share_by_n": {k: v / whole for k, v in by_n.items()}}


def seat_map(area, scenario, year: int, *, ev=None, lang: str = "zh", tiles: str = "none",
             assets: str = "inline", level: str = "primary", compact: bool = False):
    """The published school seat map of one year: choropleth per level (switchable) and schools.

    The levels are those ``ev`` evaluated (all three unless it was made for fewer: the app evaluates
    the level on its screen only). ``compact`` (the app's seat map, in a column of the page that shows
    the numbers and the notice already): a one-line title that unfolds, one-row legends, so the map
    stays visible.

    Returns
    -------
    (folium.Map, dict)
        The map and ``{"year", "levels": {level: {"demand", "seats", "coverage"}}}``.
    """
    ev = ev if ev is not None else evaluate(area, scenario, int(year), assign="catchment")
    m = webmap.base_map(area, tiles=tiles, lang=lang)
    summary, title = add_seat_layers(m, area, scenario, year, ev, level=level, compact=compact)
    add_seat_frame(m, area, compact=compact)
    controls.add_layer_control(m, collapsed=True)
    webmap.finish(m, assets)
    m._hedong_title = f"{title} — {pt('index_title', lang)}"
    return m, summary


def add_seat_layers(m, area, scenario, year: int, ev, *, level: str = "primary", compact: bool = False):
    """What a seat map shows of one evaluation: the choropleth of each level evaluated (``level`` shown,
    the others switchable), the schools, and the title with the levels' seat balance.

    Returns ``(summary, title)`` (see :func:`seat_map`)."""
    lang = getattr(m, "_hedong_lang", "zh")
    title = pt("seat_title", lang, year=year, scenario=scenario_name(getattr(scenario, "name", scenario), lang))
    summary = {"year": year, "levels": {}}
    levels = [lv for lv in LEVELS if lv in ev.levels]
    shown = level if level in levels else levels[0]
    for lv in levels:
        lr = ev.levels[lv]
        fg = webmap.add_seat_choropleth(m, area, lr.by_district, lv, year)
        fg.show = lv == shown
        fg.overlay = len(levels) == 1  # several levels are alternatives: radio buttons in the layer switch
        # the evaluation's figures, not recomputed here: "norm_share" the norm check (规范核查, metres:
        # accessibility.norm_check.norm_share), "coverage" the share seated within the walking minutes
        # (walk_share, a minutes view), whatever rule colours the schools (scenarios.one_rule)
        norm = getattr(lr, "norm_check", None) or {}
        summary["levels"][lv] = {"demand": float(lr.summary["demand"]), "seats": float(lr.summary["seats"]),
                                 "minutes": lr.minutes, "balance": float(lr.summary["balance"]),
                                 "seat_ratio": lr.summary["seat_ratio"], "coverage": lr.summary["walk_share"],
                                 "norm_share": norm.get("share"), "norm_m": norm.get("radius_m")}
    for lv in levels:  # the catchments (学区图) under the evaluation's rule, switched on by the reader
        webmap.add_catchments(m, catchment_layer(ev.levels[lv]), show=False,
                              name=t("catchments.layer", lang, level=SERVICES[lv].label(lang)))
    for lv in levels:
        schools = school_points(ev, lv)
        if len(schools):
            fg = webmap.add_schools(m, schools, name=f"{t('schools', lang)} · {SERVICES[lv].label(lang)}")
            fg.show = lv == shown
    lines = [f"{SERVICES[lv].label(lang)}: " + _seat_cell(v, lang) for lv, v in summary["levels"].items()]
    if compact:
        legends.add_notice(m, area, title=title, subtitle="; ".join(lines), collapsed=True)
    else:
        legends.add_notice(m, area, title=title + " — " + "; ".join(lines), short=title)
    return summary, title


def _seat_legend_blocks(lang: str, compact: bool) -> list[str]:
    # the dashed study-area boundary too: it runs far outside the populated subdistricts (issue 26 #5)
    return [legends.coverage_legend(lang, compact=compact), legends.utilisation_legend(lang, compact=compact),
            legends.legend_html("", [(legends.swatch("#333333", "line"), t("boundary", lang))])]


def add_seat_frame(m, area, *, compact: bool = False, legend: bool = True) -> list:
    """The part of a seat map that no evaluation changes: district outlines and names, the boundary,
    the legends (unless ``legend=False``: the page shows :func:`seat_legend_html` beside the map) and the
    sources. Returns the switchable layers as ``[(key, FeatureGroup)]``."""
    lang = getattr(m, "_hedong_lang", "zh")
    districts = webmap.add_districts(m, area)
    boundary = webmap.add_boundary(m, area)
    if legend:
        legends.add_legend(m, _seat_legend_blocks(lang, compact), compact=compact)
    legends.add_attribution(m, area)
    return [("districts", districts), ("boundary", boundary)]


def seat_legend_html(lang: str = "zh") -> str:
    """The seat map's legend (seats per child, school utilisation) as one row of HTML for the page under
    the app's seat map (:func:`presentation.legends.legend_row`)."""
    return legends.legend_row(_seat_legend_blocks(lang, True))


def seat_map_base(area, *, lang: str = "zh", assets: str = "served") -> folium.Map:
    """The app's seat map without its evaluation (:func:`add_seat_frame`, compact, with no legend: the
    app shows :func:`seat_legend_html` under it), drawn once in the browser; each scenario, year and
    level is then a script of :func:`seat_map_layers` run on it."""
    m = webmap.base_map(area, lang=lang)
    controls.register_layers(m, add_seat_frame(m, area, compact=True, legend=False))
    return webmap.finish(m, assets)


def seat_map_layers(base, area, scenario, year: int, ev, *, level: str = "primary") -> str:
    """The app's seat map layers of one evaluation (:func:`add_seat_layers`, compact) as a script for a
    drawn :func:`seat_map_base` (:func:`presentation.map_scripts.layers_script`)."""
    scratch = map_scripts.scratch_map(base)
    add_seat_layers(scratch, area, scenario, year, ev, level=level, compact=True)
    return map_scripts.layers_script(scratch)


def _seat_cell(v: dict, lang: str) -> str:
    """'130% (68,220 / 52,539) 余缺 +15,681 · 500米内（规范核查）14.3% · 10分钟步行内入学（按分钟）28%': the
    seat balance (seats per child, seats - enrolment), the norm check in metres (the same figure as the
    app's and the CLI's ``norm_check``), then the share seated within the walking minutes, labelled so."""
    ratio = "—" if v.get("seat_ratio") is None else f"{v['seat_ratio']:.0%}"
    seated = "—" if v.get("coverage") is None else f"{v['coverage']:.0%}"
    bal = v.get("balance", v["seats"] - v["demand"])
    norm = "" if v.get("norm_m") is None else (
        f"{pt('norm_within', lang, radius=format(v['norm_m'], ',.0f'))} "
        f"{'—' if v.get('norm_share') is None else format(v['norm_share'], '.1%')} · ")
    return (f"{ratio} ({v['seats']:,.0f} / {v['demand']:,.0f}) {pt('balance', lang)} {bal:+,.0f} · {norm}"
            f"{pt('seated', lang, minutes=format(v.get('minutes', 0), 'g'))} {seated}")


def _life_circle_section(lang, life) -> str:
    if not life:
        return ""
    esc = styles.esc
    fn, s = life
    total = max(s["by_n"]) if s["by_n"] else len(LIFE_CIRCLE_SERVICES)
    heads = "".join(f"<th>{n}</th>" for n in range(total, -1, -1))
    cells = "".join(f"<td>{s['share_by_n'].get(n, 0):.0%}</td>" for n in range(total, -1, -1))
    cap = pt("lc_caption", lang)
    return (f'<h2>{esc(pt("life_circle_sec", lang))}</h2><p><a href="{esc(fn)}">'
            f'{esc(pt("life_circle_title", lang, minutes=int(s["minutes"])))}</a></p>'
            f'<p>{esc(pt("all_share", lang, n=total))}: <b>{s["all_services_share"]:.1%}</b> · '
            f'{esc(pt("mean_within", lang))}: <b>{s["mean_services_within"]:.2f}</b></p>'
            f'<table><tr><th>{esc(cap)}</th>{heads}</tr><tr><td></td>{cells}</tr></table>')


def _minutes(v) -> str:
    """Minutes to one decimal, "—" for none (no facility: not "inf")."""
    return "—" if v is None or v != v or v == float("inf") else format(v, ".1f")


def _cohort_cell(c: dict, lang: str) -> str:
    """'20.4%（6-11岁儿童）': a service's coverage among the people it serves (escaped HTML)."""
    share = c.get("cohort_share")
    if share is None or share != share:
        return "—"
    return styles.esc(f"{share:.1%} ({cohort_label(c.get('cohort', 'pop_total'), lang)})")


def _index_html(area, scenario, lang, coverage, seats, indicators, files, life=None) -> str:
    esc = styles.esc
    notice = (f'<p class="notice">⚠ {esc(legends.notice_text(area, lang))}</p>' if getattr(area, "synthetic", False) else "")
    cov_rows = "".join(
        f'<tr><td><a href="{esc(fn)}">{esc(SERVICES[c["service"]].label(lang))}</a></td><td>{int(c["minutes"])}</td>'
        # the people the service is for first (share, median, uncovered), as on every page; residents beside
        f'<td>{_cohort_cell(c, lang)}</td>'
        f'<td>{_minutes(c.get("cohort_median_minutes", c["median_minutes"]))}</td>'
        f'<td>{fmt_num(c.get("cohort_uncovered", c["uncovered_population"]), ",.0f")}</td>'
        f'<td>{fmt_num(c["population_share"], ".1%")}</td></tr>'
        for fn, c in coverage)
    seat_rows = "".join(
        f'<tr><td><a href="{esc(fn)}">{esc(s.get("label", s["year"]))}</a></td>'
        + "".join(f'<td>{esc(_seat_cell(v, lang))}</td>' for v in s["levels"].values())
        + "</tr>" for fn, s in seats)
    ind_rows = "".join(
        f'<tr><td>{esc(str(r["no"] or ""))}</td><td>{esc(str(r["indicator"]))}</td><td>{esc(indicator_unit(r["unit"], lang))}</td>'
        f'<td>{"" if r["baseline_2020"] is None else esc(str(r["baseline_2020"]))}</td>'
        f'<td>{"" if r["target_2025"] is None else esc(r["comparison"] + " " + format(r["target_2025"], "g"))}</td>'
        f'<td>{esc(fmt_value(r["value"]))}</td>'
        f'<td>{STATUS_MARK[r["status"]]} {esc(t("status." + r["status"], lang))}</td><td><small>{esc(str(r["note"]))}</small></td></tr>'
        for r in indicators)
    src_rows = legends.source_items_html(area.sources)
    lvl_heads = "".join(f"<th>{esc(SERVICES[lv].label(lang))}</th>" for lv in LEVELS)
    hdr = [t(f"col.{k}", lang) for k in ("service", "minutes", "covered", "median", "uncovered", "year", "indicator",
                                          "unit", "2020", "target", "now", "status", "note")]
    seat_sec = (f'<h2>{esc(pt("seat_maps", lang, scenario=", ".join(scenario_name(x.strip(), lang) for x in str(scenario).split(","))))}</h2><table><tr><th>{hdr[5]}</th>{lvl_heads}</tr>'
                f"{seat_rows}</table>") if seats else ""
    return f"""<!doctype html><html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">{GENERATOR_META}{_manifest_meta(files)}<title>{esc(pt("index_title", lang))} — {esc(area.name)}</title>
<style>body{{font:14px/1.55 'Microsoft YaHei','PingFang SC','WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif;
max-width:1000px;margin:24px auto;padding:0 16px;color:#222}} table{{border-collapse:collapse;margin:8px 0 18px}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}} th{{background:#f0f3f8}}
.notice{{color:#a50026;font-weight:600;border:1px solid #a50026;padding:6px 10px;border-radius:4px;background:#fff5f5}}</style>
</head><body><h1>{esc(pt("index_title", lang))}</h1><p>{esc(area.name)} · {esc(pt("generated_at", lang))}: {time.strftime("%Y-%m-%d %H:%M")}</p>
{notice}<p>{esc(pt("offline", lang))}</p>
{_life_circle_section(lang, life)}
<h2>{esc(pt("coverage_maps", lang, minutes="N"))}</h2><table><tr><th>{hdr[0]}</th><th>{hdr[1]}</th><th>{esc(t("col.cohort_covered", lang))}</th><th>{hdr[3]}</th><th>{esc(t("col.cohort_uncovered", lang))}</th><th>{hdr[2]}</th></tr>{cov_rows}</table>
{seat_sec}
<h2>{esc(pt("indicators", lang))}</h2><table><tr><th>#</th><th>{hdr[6]}</th><th>{hdr[7]}</th><th>{hdr[8]}</th><th>{hdr[9]}</th><th>{hdr[10]}</th><th>{hdr[11]}</th><th>{hdr[12]}</th></tr>{ind_rows}</table>
{_indicator_district_table(indicators, lang, area.districts)}
<h2>{esc(pt("sources", lang))}</h2><ul>{src_rows}<li>Leaflet 1.9.4 (BSD-2-Clause), jQuery 3.7.1 (MIT) — embedded</li></ul>
</body></html>"""


def _has_scenarios(area) -> bool:
    return len(getattr(area, "projects", [])) > 0


def place_minutes_by_cell(area) -> dict:
    """Minutes on foot from every population cell to the nearest facility of each service (the data of
    the offline "my place" click, :func:`presentation.map_scripts.add_place_finder`)."""
    return {s: service_coverage(area, s).cell_minutes.to_numpy(float) for s in SERVICES}


def _offline_page(m, area, place: dict, lang: str, cache: dict | None = None) -> str:
    """A published map's HTML with the street network as a base layer and the offline "my place" click,
    and a <title>. ``cache``: kept across the maps of one publication (the "my place" script is built
    once)."""
    webmap.add_streets(m, area, lang=lang)
    map_scripts.add_place_finder(m, area, place, lang=lang, cache=cache)
    html = m.get_root().render().replace("</head>", PHONE_CSS + "\n</head>", 1)
    return set_title(html, getattr(m, "_hedong_title", None) or pt("index_title", lang))


#: The published maps on a phone (<= 400 px wide): the title keeps clear of the zoom buttons and the
#: layer switch (left column) and is folded into a line of at most two (the title without its figures,
#: the generated-data mark beside it; a tap opens the full bar, :func:`presentation.legends.title_box_html`:
#: unfolded, a seat map's bar took 28 % of a 390 x 844 screen), the legend is folded into its "图例 / Legend" button (a tap opens it:
#: open, it covered a fifth of the map's best part) and, open, shares the bottom edge with the "click
#: anywhere" hint side by side, each scrolling within its box rather than covering the other (checked
#: by element boxes in tests/test_publish_browser.py at 390 px).
PHONE_CSS = """<style>@media (max-width: 400px){
.hedong-title-control{max-width:calc(100vw - 74px)!important;margin-left:0!important}
.hedong-title-control>div{max-width:none!important;max-height:45vh;overflow:auto;font-size:11px!important;
 position:relative;cursor:pointer;padding:4px 8px!important}
.hedong-title-toggle{display:flex!important;align-items:flex-start;gap:5px;width:100%;border:0;background:none;
 padding:0;margin:0;font:inherit;color:inherit;text-align:left;cursor:pointer}
.hedong-title-caret{flex:none;color:#555}
.hedong-title-line{flex:1 1 auto;min-width:0;font-weight:700;font-size:12px;line-height:1.35;display:-webkit-box;
 -webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden;overflow-wrap:anywhere}
.hedong-title-mark{flex:none;max-width:36%;color:#a50026;font-weight:600;font-size:10px;line-height:1.35}
.hedong-title-control:not(.hedong-title-open) .hedong-title-full{display:none}
.hedong-title-open .hedong-title-line,.hedong-title-open .hedong-title-mark{display:none}
.hedong-title-open .hedong-title-toggle{position:absolute;top:4px;right:5px;width:auto}
.hedong-title-open .hedong-title-caret{display:inline-block;transform:rotate(90deg)}
.hedong-title-open .hedong-title-full{padding-right:12px}
.hedong-legend-control{max-width:54vw!important;display:flex;flex-direction:column;align-items:flex-end;gap:3px}
.hedong-legend-control>div{max-width:none!important;max-height:36vh;overflow:auto;font-size:10px!important}
.hedong-legend-toggle{display:block!important}
.hedong-legend-control:not(.hedong-legend-open)>.hedong-legend{display:none!important}
.hedong-place-hint{max-width:38vw!important}
.leaflet-control-attribution{max-width:52vw!important}
.hedong-place-hint>div{max-width:none!important;font-size:10px!important}
}</style>"""


def set_title(html: str, title: str) -> str:
    """Put ``title`` (escaped) into the page's <title> (folium writes none)."""
    tag = f"<title>{_html.escape(title)}</title>"
    if re.search(r"<title>.*?</title>", html, flags=re.S):
        return re.sub(r"<title>.*?</title>", lambda _: tag, html, count=1, flags=re.S)
    return html.replace("<head>", "<head>\n    " + tag, 1)


def parse_list(value, allowed=None, what: str = "value") -> list:
    """``"zh,en"`` / ``["zh", "en"]`` / None as a list without repeats; every item in ``allowed`` if given.

    Raises
    ------
    layers.errors.InputError
        An item not in ``allowed``, naming the field.
    """
    if value is None:
        return []
    items = [x.strip() for x in value.split(",")] if isinstance(value, str) else [str(x).strip() for x in value]
    items = list(dict.fromkeys(x for x in items if x))
    bad = [x for x in items if allowed is not None and x not in allowed]
    if bad:
        raise InputError(f"unknown {what} {bad[0]!r}; one of {', '.join(map(str, allowed))}", field=what)
    return items


def _file_name(base: str, lang: str, langs: list) -> str:
    """``base.html`` in the first language, ``base.<lang>.html`` in the others."""
    return f"{base}.html" if lang == langs[0] else f"{base}.{lang}.html"


def _slug(name: str) -> str:
    return re.sub(r"[^\w-]+", "_", str(name)).strip("_") or "scenario"


def publish(area, out_dir, scenario=None, lang="zh", *, minutes: float | None = None,
            mode: str | None = None, years=YEARS, services=None, tiles: str = "none",
            life_circle: bool = True, progress=None, dry_run: bool = False, confirm=None,
            share: bool = True) -> dict:
    """Write the standalone HTML maps of a study area into ``out_dir`` (atomically).

    Parameters
    ----------
    area : StudyArea
    out_dir : str or Path
        Target folder. It must not exist, be empty, or hold an earlier publication
        (:func:`check_out_dir`): anything else is refused. Each map is moved into place atomically;
        only the files the earlier publication wrote are replaced or removed, the rest is kept.
    scenario : str, Scenario or list of them, optional
        Scenario(s) of the seat maps (default ``plan`` when the area has projects, else ``existing``);
        several give ``seats-<scenario>-<year>.html``. Names are shipped or stored scenarios; a
        :class:`scenarios.model.Scenario` is published as it is (the app's edited working copy). The coverage and life-circle maps show the
        area's existing facilities.
    lang : str or list of str
        ``zh``, ``en`` or both (``"zh,en"``): the first language's files keep their names, the others
        get ``.<lang>.html`` (``index.en.html`` ...); each index links the other languages.
    minutes, mode : optional
        Override the norms' thresholds / travel mode for the coverage maps.
    years : iterable of int
        Years of the seat maps (default :data:`YEARS`: the programme's years, 2026-2029 and 2030).
    services : iterable of str, optional
        Services with a coverage map (default all of :data:`layers.families.SERVICES`).
    tiles : str
        Base tiles (``none``: vector only, offline).
    life_circle : bool
        Also write ``life-circle.html`` (the 15-minute community life-circle index at ``minutes``, default 15).
    progress : callable, optional
        Called with ``(done, total, name)`` after each file.
    dry_run : bool
        Build everything and report the files and sizes; write nothing.
    confirm : callable, optional
        Called with the result (files and ``bytes``) once every file is built, before any is moved
        into place (the CLI prints the size there).
    share : bool
        Write Leaflet, the streets, the "my place" data, the walking routes, the cells' squares and the
        shapes of every layer once into ``data/`` (:mod:`presentation.publish_shared`) instead of into
        every map: a second language then adds only its words.

    Returns
    -------
    dict
        ``{"out", "area", "scenario", "scenarios", "lang", "langs", "files": [{"file", "kind", "bytes", ...}],
        "bytes", "largest_map_bytes", "dry_run", "seconds"}``.

    Raises
    ------
    layers.errors.InputError
        Bad ``lang`` / service, or an ``out_dir`` holding other work (nothing is written then).
    """
    langs = parse_list(lang, LANGS, "lang") or ["zh"]
    t0 = time.perf_counter()
    out_dir = check_out_dir(out_dir).resolve()
    if scenario is not None and not isinstance(scenario, str):  # Scenario objects (the app's working copies)
        seq = list(scenario) if isinstance(scenario, (list, tuple)) else [scenario]
        objs = {x.name: x for x in seq if not isinstance(x, str) and hasattr(x, "name")}
        scenario = [x if isinstance(x, str) else getattr(x, "name", str(x)) for x in seq]
    else:
        objs = {}
    scenarios = parse_list(scenario) or ["plan" if _has_scenarios(area) else "existing"]
    services = parse_list(services, list(SERVICES), "service") or list(SERVICES)
    years = [int(y) for y in years]
    per_lang = len(services) + len(years) * len(scenarios) + 1 + int(bool(life_circle))
    total = per_lang * len(langs)
    # "my place" in every map: minutes on foot from every home cell to each service (own walking speed)
    place = place_minutes_by_cell(area)
    place_cache: dict = {}  # the "my place" script, the same in every map
    shared = _shared.SharedData() if share else None
    token = _shared.CURRENT.set(shared)
    if not dry_run:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        out_dir.mkdir(exist_ok=True)
        _clean_stale_tmp(out_dir)
    # The temp folder sits inside the target (same file system, works for --out .): each file is
    # moved into place atomically; files of the earlier publication no longer written are removed;
    # anything else in the folder is the planner's and stays.
    tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=out_dir if not dry_run else None))
    files = []
    done = 0

    def page(m, fn, lg):
        html = _offline_page(m, area, place, lg, place_cache)
        if shared is not None:
            html = shared.apply(html, _shared_texts(area, place_cache, lg, styles.TILES.get(tiles, {}).get("display", "wgs84")),
                                lang=lg, page=fn)
        (tmp / fn).write_text(html, encoding="utf-8")

    def step(fn):
        nonlocal done
        done += 1
        if progress:
            progress(done, total, fn)

    evs = {}
    try:
        for lg in langs:
            coverage, seats, lang_files, life = [], [], [], None
            if shared is not None:  # the walking routes of the "my place" click: once, their words per language
                display = styles.TILES.get(tiles, {}).get("display", "wgs84")
                if f"routes-{display}.js" not in shared.globals:
                    shared.set_global(f"routes-{display}.js", "HEDONG_ROUTES",
                                      _js_literal(geojson.route_payload(area, display)))
                shared.set_global(f"route-names-{lg}.js", "HEDONG_ROUTE_NAMES",
                                  _js_literal(geojson.route_names(area, lg)), lang=lg)
            if life_circle:
                m, summ = life_circle_map(area, minutes=minutes, mode=mode, lang=lg, tiles=tiles)
                fn = _file_name("life-circle", lg, langs)
                page(m, fn, lg)
                life = (fn, summ)
                lang_files.append({"file": fn, "kind": "life_circle", "lang": lg, **summ})
                step(fn)
            for svc in services:
                m, summ = coverage_map(area, svc, minutes=minutes, mode=mode, lang=lg, tiles=tiles)
                fn = _file_name(f"coverage-{svc}", lg, langs)
                page(m, fn, lg)
                coverage.append((fn, summ))
                lang_files.append({"file": fn, "kind": "coverage", "lang": lg, **summ})
                step(fn)
            for scn in scenarios:
                if not (_has_scenarios(area) or scn != "plan"):
                    continue
                for year in years:
                    ev = evs.get((scn, year))
                    if ev is None:
                        ev = evs[(scn, year)] = evaluate(area, objs.get(scn, scn), int(year), assign="catchment")
                    m, summ = seat_map(area, objs.get(scn, scn), year, ev=ev, lang=lg, tiles=tiles)
                    base = f"seats-{year}" if len(scenarios) == 1 else f"seats-{_slug(scn)}-{year}"
                    fn = _file_name(base, lg, langs)
                    page(m, fn, lg)
                    summ = {**summ, "scenario": scn, "label": str(year) if len(scenarios) == 1 else f"{scn} {year}"}
                    seats.append((fn, summ))
                    lang_files.append({"file": fn, "kind": "seats", "lang": lg, **summ})
                    step(fn)
            inds = indicator_rows(area, lang=lg)
            idx = _file_name("index", lg, langs)
            links = " · ".join(f'<a href="{_file_name("index", o, langs)}">{"中文" if o == "zh" else "English"}</a>'
                               for o in langs if o != lg)
            files += [{"file": idx, "kind": "index", "lang": lg, "_links": links,
                       "_args": (coverage, seats, inds, life)}] + lang_files
            step(idx)
        if shared is not None:  # which shared geometry file each shape is in is known now
            for f in files:
                if f["kind"] != "index":
                    p = tmp / f["file"]
                    p.write_text(shared.finish_page(p.read_text(encoding="utf-8"), f["file"]), encoding="utf-8")
        data_rows = shared.write(tmp) if shared is not None else []
        files += data_rows
        for f in files:  # the indexes last: they carry the manifest of every file
            if f["kind"] == "index":
                coverage, seats, inds, life = f.pop("_args")
                html = _index_html(area, ", ".join(scenarios), f["lang"], coverage, seats, inds, files, life)
                html = html.replace("</h1>", "</h1>" + (f"<p>{f['_links']}</p>" if f["_links"] else ""), 1)
                f.pop("_links")
                (tmp / f["file"]).write_text(html, encoding="utf-8")
        for f in files:
            f["bytes"] = (tmp / f["file"]).stat().st_size
        maps = [f["bytes"] for f in files if f["kind"] not in ("data", "index")]
        result = {"out": str(out_dir), "area": area.name, "scenario": scenarios[0], "scenarios": scenarios,
                  "lang": langs[0], "langs": langs, "files": files, "bytes": sum(f["bytes"] for f in files),
                  "largest_map_bytes": max(maps) if maps else 0, "dry_run": bool(dry_run)}
        if confirm:
            confirm(result)
        if not dry_run:
            check_out_dir(out_dir)  # again: the folder may have been filled while we worked
            before = published_files(out_dir)
            new = [f["file"] for f in files]
            first = _file_name("index", langs[0], langs)
            for fn in [n for n in new if n != first] + [first]:  # the first index last: it carries the manifest
                (out_dir / fn).parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp / fn, out_dir / fn)
            for fn in set(before) - set(new):
                (out_dir / fn).unlink(missing_ok=True)
    finally:
        _shared.CURRENT.reset(token)
        shutil.rmtree(tmp, ignore_errors=True)
    if progress:
        progress(total, total, "index.html")
    return {**result, "seconds": round(time.perf_counter() - t0, 2)}


def _js_literal(data) -> str:
    """``data`` as a JS literal safe inside ``<script>`` (no ``</``)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _shared_texts(area, place_cache: dict, lang: str, display: str = "wgs84") -> dict:
    """The texts a published page shares (name -> text): the streets of the display datum, the "my
    place" payload of the language."""
    out = {f"streets-{display}-{i}": text for i, text in enumerate(webmap.street_texts(area, display))}
    pay = place_cache.get(("payload", display))
    if pay:  # the numbers of "my place", the same in every language
        out[f"place-{display}"] = pay
    return out


def publish_zip(area, scenario: str | None = None, lang: str = "zh", **kwargs) -> bytes:
    """The same publication as :func:`publish`, as the bytes of a zip archive (the app's download button)."""
    with tempfile.TemporaryDirectory(prefix="hedong-publish-") as d:
        out = Path(d) / "maps"
        publish(area, out, scenario=scenario, lang=lang, **kwargs)
        buf = io.BytesIO()
        # Level 1: a third of the time of the default level 6 for a zip about a quarter larger
        # (measured on the demo's maps: 2.7 against 2.2 MB, 0.15 against 0.39 s).
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for p in sorted(q for q in out.rglob("*") if q.is_file()):  # data/ included
                z.write(p, f"hedong-maps/{p.relative_to(out).as_posix()}")
        return buf.getvalue()
