"""Published maps: standalone HTML files a planner can e-mail, put on an intranet or open with a double click.

:func:`publish` writes, for one study area (and optionally one scenario):

- ``coverage-<service>.html`` for every service of the family registry (:data:`layers.families.SERVICES`) — the N-minute
  circles along the street network, the population cells left outside them, the facilities;
- ``life-circle.html`` — the 15-minute community life-circle index (15分钟社区生活圈, TD/T 1062-2021): every population
  cell coloured by how many of the life-circle services (:data:`layers.families.LIFE_CIRCLE_SERVICES`)
  are within the minutes (15 by default), with what is missing there in the tooltip;
- ``seats-<year>.html`` for each year of the plan's school programme (2021-2025), 2026 (when the
  projects started in 2025 open) and 2030 (the evaluation horizon) — the seat balance by district
  first (seats per child, seats - enrolment), then the share seated within the walking limit
  (a norm check); primary / junior / kindergarten choropleths, switchable, and the schools open
  that year, coloured by utilisation;
- ``index.html`` linking them, with the headline numbers, the plan indicators and the sources.

Every page is self-contained: Leaflet is inlined (:mod:`presentation.assets`), layers are vectors (no
base tiles unless asked), geometries are simplified and coordinates rounded, population cells
are aggregated, so each file stays within a few MB and needs no server, no Python and no
internet. Each map has a legend, the 演示数据（生成） notice when the data are generated and the
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
from layers.plan import OPENING_LAG, SCHOOL_PROGRAMME
from presentation import controls, geojson, i18n, legends, map_scripts, styles, webmap
from presentation.i18n import CATALOGUE, LANGS, cohort_label, display_names, indicator_unit, t
from scenarios.evaluate import evaluate
from scenarios.model import PLAN_YEARS

#: Years of the seat maps: the years of the plan's school programme (layers.plan).
YEARS = (*sorted(SCHOOL_PROGRAMME["schedule"]), max(SCHOOL_PROGRAMME["schedule"]) + OPENING_LAG, PLAN_YEARS[-1])



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
    stats = f"{pt('share', lang)}: {share:.1%}"
    if svc.demand != "pop_total" and np.isfinite(res.cohort_share):  # schools, childcare, elderly care: also
        # among the people the service is for
        stats += f" · {cohort_label(svc.demand, lang)}: {res.cohort_share:.1%}"
    med_txt = fmt_num(med, ".1f")
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
               "cohort_share": float(res.cohort_share) if np.isfinite(res.cohort_share) else None}


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
    title = pt("seat_title", lang, year=year, scenario=getattr(scenario, "name", scenario))
    summary = {"year": year, "levels": {}}
    levels = [lv for lv in LEVELS if lv in ev.levels]
    shown = level if level in levels else levels[0]
    for lv in levels:
        lr = ev.levels[lv]
        fg = webmap.add_seat_choropleth(m, area, lr.by_district, lv, year)
        fg.show = lv == shown
        fg.overlay = len(levels) == 1  # several levels are alternatives: radio buttons in the layer switch
        # the evaluation's figures, not recomputed here; "coverage" is the share seated within the norm walk,
        # the walking norm check's own figure (walk_share), whatever rule colours the schools (scenarios.one_rule)
        summary["levels"][lv] = {"demand": float(lr.summary["demand"]), "seats": float(lr.summary["seats"]),
                                 "minutes": lr.minutes, "balance": float(lr.summary["balance"]),
                                 "seat_ratio": lr.summary["seat_ratio"], "coverage": lr.summary["walk_share"]}
    for lv in levels:
        schools = school_points(ev, lv)
        if len(schools):
            fg = webmap.add_schools(m, schools, name=f"{t('schools', lang)} · {SERVICES[lv].label(lang)}")
            fg.show = lv == shown
    lines = [f"{SERVICES[lv].label(lang)}: " + _seat_cell(v, lang) for lv, v in summary["levels"].items()]
    if compact:
        legends.add_notice(m, area, title=title, subtitle="; ".join(lines), collapsed=True)
    else:
        legends.add_notice(m, area, title=title + " — " + "; ".join(lines))
    return summary, title


def _seat_legend_blocks(lang: str, compact: bool) -> list[str]:
    return [legends.coverage_legend(lang, compact=compact), legends.utilisation_legend(lang, compact=compact)]


def add_seat_frame(m, area, *, compact: bool = False, legend: bool = True) -> list:
    """The part of a seat map that no evaluation changes: district outlines and names, the boundary,
    the legends (unless ``legend=False``: the page shows :func:`seat_legend_html` beside the map) and the
    sources. Returns the switchable layers as ``[(key, FeatureGroup)]``."""
    lang = getattr(m, "_hedong_lang", "zh")
    districts = webmap.add_districts(m, area, population=False)
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
    """'130% (68,220 / 52,539) 余缺 +15,681 · 10分钟内入学（规范核查）28%': the seat balance (seats per
    child, seats - enrolment), then the share seated in reach, labelled as the norm check it is."""
    ratio = "—" if v.get("seat_ratio") is None else f"{v['seat_ratio']:.0%}"
    seated = "—" if v.get("coverage") is None else f"{v['coverage']:.0%}"
    bal = v.get("balance", v["seats"] - v["demand"])
    return (f"{ratio} ({v['seats']:,.0f} / {v['demand']:,.0f}) {pt('balance', lang)} {bal:+,.0f} · "
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
        f'<td>{fmt_num(c["population_share"], ".1%")}</td>'
        f'<td>{_cohort_cell(c, lang)}</td>'
        f'<td>{fmt_num(c["median_minutes"], ".1f")}</td>'
        f'<td>{c["uncovered_population"]:,}</td></tr>'
        for fn, c in coverage)
    seat_rows = "".join(
        f'<tr><td><a href="{esc(fn)}">{s["year"]}</a></td>'
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
    seat_sec = (f'<h2>{esc(pt("seat_maps", lang, scenario=scenario))}</h2><table><tr><th>{hdr[5]}</th>{lvl_heads}</tr>'
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
<h2>{esc(pt("coverage_maps", lang, minutes="N"))}</h2><table><tr><th>{hdr[0]}</th><th>{hdr[1]}</th><th>{hdr[2]}</th><th>{esc(t("col.cohort_covered", lang))}</th><th>{hdr[3]}</th><th>{hdr[4]}</th></tr>{cov_rows}</table>
{seat_sec}
<h2>{esc(pt("indicators", lang))}</h2><table><tr><th>#</th><th>{hdr[6]}</th><th>{hdr[7]}</th><th>{hdr[8]}</th><th>{hdr[9]}</th><th>{hdr[10]}</th><th>{hdr[11]}</th><th>{hdr[12]}</th></tr>{ind_rows}</table>
{_indicator_district_table(indicators, lang, area.districts)}
<h2>{esc(pt("sources", lang))}</h2><ul>{src_rows}<li>Leaflet 1.9.4 (BSD-2-Clause), jQuery 3.7.1 (MIT) — embedded</li></ul>
</body></html>"""


#: Written into every ``index.html`` we publish: a folder whose index carries it may be republished.
GENERATOR_META = '<meta name="generator" content="hedong-planner">'
#: Index titles of publications made before the marker existed (also ours to republish).
_LEGACY_TITLES = tuple(f"<title>{e}" for e in CATALOGUE["page.index_title"].values())
#: Name of the manifest meta tag in ``index.html``: the files this publication wrote (JSON list).
MANIFEST_META = "hedong-files"
#: Names this module writes; without a manifest (an older publication) only these are replaced.
_OUR_NAMES = re.compile(r"index\.html|life-circle\.html|coverage-[\w-]+\.html|seats-\d{4}\.html")
#: Prefix of the temp folder a publication is written into, inside the target folder.
_TMP_PREFIX = ".hedong-publish.tmp-"


def _manifest_meta(files) -> str:
    names = ["index.html", *(f["file"] for f in files if f["file"] != "index.html")]
    return f'<meta name="{MANIFEST_META}" content="{styles.esc(json.dumps(names))}">'


def _head(folder) -> str:
    index = Path(folder) / "index.html"
    if not index.is_file():
        return ""
    with index.open("r", encoding="utf-8", errors="replace") as f:
        return f.read(16384)


def is_publication(folder) -> bool:
    """True when ``folder`` holds an earlier publication of ours (its ``index.html`` has our marker)."""
    head = _head(folder)
    return GENERATOR_META in head or any(t_ in head for t_ in _LEGACY_TITLES)


def published_files(folder) -> list[str]:
    """The files an earlier publication in ``folder`` wrote: its manifest, or for a publication
    older than the manifest the files named as this module names them. Nothing else is ours."""
    head = _head(folder)
    m = re.search(rf'<meta name="{MANIFEST_META}" content="([^"]*)">', head)
    if m:
        try:
            names = json.loads(_html.unescape(m.group(1)))
        except ValueError:
            names = []
        return [n for n in names if isinstance(n, str) and _OUR_NAMES.fullmatch(n)]
    folder = Path(folder)
    return sorted(p.name for p in folder.iterdir() if p.is_file() and _OUR_NAMES.fullmatch(p.name)) \
        if is_publication(folder) else []


def check_out_dir(out_dir, field: str = "out_dir") -> Path:
    """Refuse an output folder that publishing would spoil; returns it as a Path.

    Publishing writes into a folder that does not exist, an empty one, or an earlier publication
    (:func:`is_publication`) — there it replaces only the files the earlier publication wrote
    (:func:`published_files`) and keeps everything else a planner added (notes, photos). A folder
    holding other work and no publication is refused.

    Raises
    ------
    layers.errors.InputError
        When ``out_dir`` is a file, or a folder holding anything but an earlier publication.
    """
    p = Path(out_dir)
    if p.exists() and not p.is_dir():
        raise InputError("the output path exists and is not a folder; choose a folder for the maps", file=p,
                         field=field)
    if p.is_dir() and any(not c.name.startswith(_TMP_PREFIX) for c in p.iterdir()) and not is_publication(p):
        raise InputError("the folder holds other files and no earlier publication; choose an empty or new folder "
                         "(or an earlier publication)", file=p, field=field)
    return p


def _clean_stale_tmp(folder: Path, max_age_s: float = 3600.0) -> None:
    """Remove temp folders a killed publication left (older than an hour: never one in progress)."""
    now = time.time()
    for c in folder.iterdir():
        if c.name.startswith(_TMP_PREFIX) and c.is_dir():
            try:
                if now - c.stat().st_mtime > max_age_s:
                    shutil.rmtree(c, ignore_errors=True)
            except OSError:
                pass


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
    html = m.get_root().render()
    return set_title(html, getattr(m, "_hedong_title", None) or pt("index_title", lang))


def set_title(html: str, title: str) -> str:
    """Put ``title`` (escaped) into the page's <title> (folium writes none)."""
    tag = f"<title>{_html.escape(title)}</title>"
    if re.search(r"<title>.*?</title>", html, flags=re.S):
        return re.sub(r"<title>.*?</title>", lambda _: tag, html, count=1, flags=re.S)
    return html.replace("<head>", "<head>\n    " + tag, 1)


def publish(area, out_dir, scenario: str | None = None, lang: str = "zh", *, minutes: float | None = None,
            mode: str | None = None, years=YEARS, services=None, tiles: str = "none",
            life_circle: bool = True, progress=None) -> dict:
    """Write the standalone HTML maps of a study area into ``out_dir`` (atomically).

    Parameters
    ----------
    area : StudyArea
    out_dir : str or Path
        Target folder. It must not exist, be empty, or hold an earlier publication
        (:func:`check_out_dir`): anything else is refused. Each map is moved into place atomically;
        only the files the earlier publication wrote are replaced or removed, the rest is kept.
    scenario : str, optional
        Scenario for the seat maps (default ``plan`` when the area has projects, else
        ``existing``). The coverage and life-circle maps show the area's existing facilities.
    lang : {"zh", "en"}
    minutes, mode : optional
        Override the norms' thresholds / travel mode for the coverage maps.
    years : iterable of int
        Years of the seat maps.
    services : iterable of str, optional
        Services with a coverage map (default all of :data:`layers.families.SERVICES`).
    tiles : str
        Base tiles (``none``: vector only, offline).
    life_circle : bool
        Also write ``life-circle.html`` (the 15-minute community life-circle index at ``minutes``, default 15).
    progress : callable, optional
        Called with ``(done, total, name)`` after each file.

    Returns
    -------
    dict
        ``{"out": str, "files": [{"file", "kind", "bytes", ...}], "seconds": float}``.

    Raises
    ------
    layers.errors.InputError
        Bad ``lang``, or an ``out_dir`` holding other work (nothing is written then).
    """
    if lang not in LANGS:
        raise InputError("language must be zh or en", field="lang")
    t0 = time.perf_counter()
    out_dir = check_out_dir(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    scenario = scenario or ("plan" if _has_scenarios(area) else "existing")
    services = list(services or SERVICES)
    years = list(years)
    total = len(services) + len(years) + 1 + int(bool(life_circle))
    # "my place" in every map: minutes on foot from every home cell to each service (own walking speed)
    place = place_minutes_by_cell(area)
    place_cache: dict = {}  # the "my place" script, the same in every map
    out_dir.mkdir(exist_ok=True)
    _clean_stale_tmp(out_dir)
    # The temp folder sits inside the target (same file system, works for --out .): each file is
    # moved into place atomically; files of the earlier publication no longer written are removed;
    # anything else in the folder is the planner's and stays.
    tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=out_dir))
    files, coverage, seats = [], [], []
    life = None
    done = 0
    try:
        if life_circle:
            m, summ = life_circle_map(area, minutes=minutes, mode=mode, lang=lang, tiles=tiles)
            fn = "life-circle.html"
            (tmp / fn).write_text(_offline_page(m, area, place, lang, place_cache), encoding="utf-8")
            life = (fn, summ)
            files.append({"file": fn, "kind": "life_circle", **summ})
            done += 1
            if progress:
                progress(done, total, "life-circle.html")
        for svc in services:
            m, summ = coverage_map(area, svc, minutes=minutes, mode=mode, lang=lang, tiles=tiles)
            fn = f"coverage-{svc}.html"
            (tmp / fn).write_text(_offline_page(m, area, place, lang, place_cache), encoding="utf-8")
            coverage.append((fn, summ))
            files.append({"file": fn, "kind": "coverage", **summ})
            done += 1
            if progress:
                progress(done, total, fn)
        seat_ok = _has_scenarios(area) or scenario != "plan"
        for year in years if seat_ok else []:
            ev = evaluate(area, scenario, int(year), assign="catchment")
            m, summ = seat_map(area, scenario, year, ev=ev, lang=lang, tiles=tiles)
            fn = f"seats-{year}.html"
            (tmp / fn).write_text(_offline_page(m, area, place, lang, place_cache), encoding="utf-8")
            seats.append((fn, summ))
            files.append({"file": fn, "kind": "seats", **summ})
            done += 1
            if progress:
                progress(done, total, fn)
        inds = indicator_rows(area, lang=lang)
        (tmp / "index.html").write_text(_index_html(area, scenario, lang, coverage, seats, inds, files, life), encoding="utf-8")
        files.insert(0, {"file": "index.html", "kind": "index"})
        for f in files:
            f["bytes"] = (tmp / f["file"]).stat().st_size
        check_out_dir(out_dir)  # again: the folder may have been filled while we worked
        before = published_files(out_dir)
        new = [f["file"] for f in files]
        for fn in new[1:] + ["index.html"]:  # index last: it carries the manifest
            os.replace(tmp / fn, out_dir / fn)
        for fn in set(before) - set(new):
            (out_dir / fn).unlink(missing_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if progress:
        progress(total, total, "index.html")
    return {"out": str(out_dir), "area": area.name, "scenario": scenario, "lang": lang, "files": files,
            "seconds": round(time.perf_counter() - t0, 2)}


def publish_zip(area, scenario: str | None = None, lang: str = "zh", **kwargs) -> bytes:
    """The same publication as :func:`publish`, as the bytes of a zip archive (the app's download button)."""
    with tempfile.TemporaryDirectory(prefix="hedong-publish-") as d:
        out = Path(d) / "maps"
        publish(area, out, scenario=scenario, lang=lang, **kwargs)
        buf = io.BytesIO()
        # Level 1: a third of the time of the default level 6 for a zip about a quarter larger
        # (measured on the demo's maps: 2.7 against 2.2 MB, 0.15 against 0.39 s).
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for p in sorted(out.iterdir()):
                z.write(p, f"hedong-maps/{p.name}")
        return buf.getvalue()
