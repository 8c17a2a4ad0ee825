"""Shared widgets: folium maps rendered once per map object (:func:`show_map`), tables, charts, the
share colour ramp, the seat-balance grid, the candidate-sites map and map-click handling.
"""

from __future__ import annotations

import threading

import branca.colormap
import folium
import numpy as np
import pandas as pd
import streamlit as st

from presentation import controls
from presentation.i18n import CATALOGUE, display_names, t
from webapp.cached import sites_base_cached, sites_layers_cached
from webapp.state import area, area_spec, demo_scale, lang, tr


@st.cache_resource(show_spinner=False)
def _payload_lock() -> threading.Lock:
    """The one lock, per process, under which a cached map is rendered for the browser.

    Not a module-level ``threading.Lock()``: Streamlit runs app.py afresh for every rerun of every session,
    and while this code lived there each run made its own lock (kept a process resource here, so a module
    executed again still shares it) and two sessions rendering the same cached map at once (the warm-up of
    ``hedong app`` and the first visitor; two people opening the app together) each held a different one.
    folium's rendering writes into the map's page as it goes, and the two renders interleaved: the map
    script sent to one browser lost its layers' definitions ("geo_json_... is not defined", a blank map).
    """
    return threading.Lock()


def folium_payload(m) -> dict:
    """What ``st_folium`` derives from a folium map (HTML, header, Leaflet script, links, bounds), computed
    once per map object and kept on it.

    ``st_folium`` renders the whole folium tree two to three times on every rerun (about 1 s for the
    2 MB overview map of the full demo) even when the map is a cached resource that has not changed;
    this does that work once. The steps are those of ``streamlit_folium.st_folium`` 0.27 (checked by
    ``tests/test_app.py::test_folium_payload_matches_st_folium``).
    """
    pre = getattr(m, "_hedong_payload", None)
    if pre is not None:
        return pre
    # lazy (issue 13, first paint): streamlit_folium adds ~0.2 s on top of streamlit; imported at the first
    # map, after the sidebar, title and metrics have been sent to the browser
    import streamlit_folium as sf

    with _payload_lock():
        pre = getattr(m, "_hedong_payload", None)
        if pre is not None:
            return pre
        m.get_root().render()
        m.render()
        html, header = sf._get_html(m), sf._get_header(m)
        leaflet = sf._get_map_string(m)

        def walk(fig):
            if isinstance(fig, (branca.colormap.ColorMap, folium.elements.JSCSSMixin)):
                yield fig
            for child in getattr(fig, "_children", {}).values():
                yield from walk(child)

        css = list(dict.fromkeys(h for e in walk(m) for _, h in getattr(e, "default_css", [])))
        js = list(dict.fromkeys(u for e in walk(m) for _, u in getattr(e, "default_js", [])))
        (s_, w_), (n_, e_) = m.get_bounds()
        pre = {"script": leaflet, "header": header, "html": html, "id": sf.get_full_id(m), "css_links": css,
               "js_links": js, "zoom": m.options.get("zoom"), "hashes": {},
               "bounds": {"_southWest": {"lat": s_, "lng": w_}, "_northEast": {"lat": n_, "lng": e_}}}
        m._hedong_payload = pre
        return pre


def show_map(m, key: str, height: int = 620, returned=None, layers: str | None = None):
    """Render a folium map (assets already pointed at /app/static) and return what the browser sent back.

    Same component and return value as ``streamlit_folium.st_folium`` (``returned`` objects only), with
    the map's rendering done once per map object (:func:`folium_payload`): a rerun that does not change
    the map costs milliseconds instead of a second. Falls back to ``st_folium`` if its internals moved.

    ``layers``: a script (``{map}`` for the map) run on the drawn map, e.g.
    :func:`presentation.map_scripts.overview_layers_js`. It goes to the browser as streamlit-folium's
    "feature group" argument: the component's key depends on the map only, so the browser keeps the map
    and runs the new script when only the layers change (no new frame, no map rebuilt or re-downloaded).
    """
    # lazy (issue 13, first paint): streamlit_folium adds ~0.2 s on top of streamlit; imported at the first
    # map, after the sidebar, title and metrics have been sent to the browser
    import streamlit_folium as sf

    returned = list(returned if returned is not None else [])
    if not all(hasattr(sf, n) for n in ("_component_func", "_get_map_string", "_get_html", "_get_header",
                                        "generate_js_hash", "get_full_id")):
        if layers:  # the layers go into the map itself (replacing the ones of the previous choice)
            old = getattr(m, "_hedong_layers_script", None)
            if old is not None:
                m._children.pop(old.get_name(), None)
            m._hedong_layers_script = controls.add_script(m, layers)
        return sf.st_folium(m, key=key, height=height, use_container_width=True, returned_objects=returned)
    pre = folium_payload(m)
    hash_key = pre["hashes"].get(key)
    if hash_key is None:
        hash_key = pre["hashes"][key] = sf.generate_js_hash(pre["script"], key, False)
    all_defaults = {"last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
                    "last_object_clicked_tooltip": None, "last_object_clicked_popup": None, "all_drawings": None,
                    "last_active_drawing": None, "bounds": pre["bounds"], "zoom": pre["zoom"],
                    "last_circle_radius": None, "last_circle_polygon": None, "selected_layers": None,
                    "selected_tags": None, "last_geocoder_result": None}
    defaults = {k: v for k, v in all_defaults.items() if k in returned}

    def _on_change():
        st.session_state[key] = st.session_state.get(hash_key, {})

    return sf._component_func(
        script=pre["script"], header=pre["header"], html=pre["html"], id=pre["id"], key=hash_key, height=height,
        width=None, returned_objects=returned, default=defaults, zoom=None, center=None,
        # the script ends with ";" and a newline: the component appends its layer-control string (null)
        feature_group=None if layers is None else layers.replace("{map}", "map_div") + ";\n",
        return_on_hover=False, layer_control=None, pixelated=False, css_links=pre["css_links"],
        js_links=pre["js_links"], on_change=_on_change, wrap_longitude=False)


def district_frame(by_district: dict) -> pd.DataFrame:
    """A by-district share (district name -> share) as a DataFrame with the session's column labels."""
    # shares to 0.1 % (the grid shows as many decimals as a value has: 16.36% beside 8.6%)
    return pd.DataFrame({tr("district"): district_labels(list(by_district)).to_numpy(),
                         tr("share_col"): np.round(np.asarray(list(by_district.values()), float), 3)})


def chart(data: pd.DataFrame, mark: str, x: str, y: str, color: str | None = None, *, x_title: str = "",
          y_title: str = "", x_type: str = "quantitative", height: int = 260, key: str | None = None):
    """A line or bar chart of long-format ``data`` as a plain Vega-Lite spec.

    ``st.line_chart`` / ``st.bar_chart`` build and validate an Altair chart on every rerun (0.1-0.2 s each
    on the schools page, most of a cached rerun); the spec below is what they send, written once.
    """
    enc = {"x": {"field": x, "type": x_type, "title": x_title},
           "y": {"field": y, "type": "quantitative", "title": y_title}}
    if color:
        enc["color"] = {"field": color, "type": "nominal", "title": None}
    spec = {"mark": {"type": mark, "tooltip": True}, "encoding": enc}
    return st.vega_lite_chart(data, spec, height=height, width="stretch", key=key)


#: Red → yellow → green stops of the share colour ramp (ColorBrewer RdYlGn end and mid points).
_RAMP = ((0.0, (215, 48, 39)), (0.5, (255, 255, 191)), (1.0, (26, 152, 80)))


def share_cell_style(v) -> str:
    """CSS for a table cell holding a share in 0..1: a red-yellow-green background (blank for NaN)."""
    try:
        x = min(max(float(v), 0.0), 1.0)
    except (TypeError, ValueError):
        return ""
    if x != x:  # NaN
        return ""
    (x0, c0), (x1, c1) = (_RAMP[0], _RAMP[1]) if x <= 0.5 else (_RAMP[1], _RAMP[2])
    f = (x - x0) / (x1 - x0)
    r, g, b = (round(a + (b_ - a) * f) for a, b_ in zip(c0, c1))
    text = "#000" if 0.25 < x < 0.85 else "#fff"
    return f"background-color: #{r:02x}{g:02x}{b:02x}; color: {text}"


def district_labels(names) -> pd.Series:
    """Subdistrict names (as the layer's ``name`` column gives them) in the session's language."""
    d, L = area().districts, lang()
    names = pd.Series(names).astype(str)
    return names.map(dict(zip(d["name"].astype(str), display_names(d, L)))).fillna(names)


def labelled(df: pd.DataFrame, drop=("district_id",)) -> tuple[pd.DataFrame, dict]:
    """A result table with localised column labels, and a column_config with thousands separators,
    shares as percent and minutes to one decimal."""
    L = lang()
    out = df.drop(columns=[c for c in drop if c in df.columns]).copy()
    if "district" in out:  # subdistrict names in the session's language
        out["district"] = district_labels(out["district"])
    cfg = {}
    for c in out.columns:
        label = t(f"col.{c}", L) if f"col.{c}" in CATALOGUE else c
        if c in ("coverage", "utilisation"):  # to 0.1 %: the grid shows as many decimals as a value has
            out[c] = pd.to_numeric(out[c], errors="coerce").round(3)
            cfg[label] = st.column_config.NumberColumn(format="percent")
        elif c in ("median_minutes",):
            cfg[label] = st.column_config.NumberColumn(format="%.1f")
        elif c in ("lon", "lat", "lon_gcj02", "lat_gcj02"):
            cfg[label] = st.column_config.NumberColumn(format="%.6f")
        elif c == "open_year" and pd.api.types.is_numeric_dtype(out[c]):
            cfg[label] = st.column_config.NumberColumn(format="%d")
        elif pd.api.types.is_numeric_dtype(out[c]):
            cfg[label] = st.column_config.NumberColumn(format="localized")
        out = out.rename(columns={c: label})
    return out, cfg


#: Width in pixels of the page's main column at 1280 px (the sidebar open) and of a 3:2 split's parts: tables
#: are fitted to these (issue 26 #4: columns on the right were cut off at 1280 px).
MAIN_PX, LEFT_PX, RIGHT_PX, HALF_PX = 800, 470, 310, 395


def _text_px(text: str) -> float:
    """Rough width of ``text`` in the grid's 14 px font: wide (CJK) characters ~14 px, others ~7.5 px."""
    return sum(14.0 if ord(ch) > 0x2E80 else 7.5 for ch in str(text))


def _cell_text(v) -> str:
    if isinstance(v, float):
        return "—" if v != v else f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def fitted_columns(data, column_config: dict | None = None, box_px: int = MAIN_PX, hide_index: bool = True) -> dict:
    """``column_config`` with pixel widths that fit the table into ``box_px`` when its columns' natural widths
    (header or the longest usual cell, whichever is wider) would not: the widest columns are narrowed first, to
    no less than 48 px; their text ends in "…" and shows whole on hover. A table that fits is left as it is."""
    df = data.data if hasattr(data, "data") and not isinstance(data, pd.DataFrame) else data  # a Styler
    cfg = dict(column_config or {})
    columns = {str(c): df[c].tolist()[:400] for c in df.columns}
    if not hide_index:  # the index is a column too ("_index" in column_config)
        columns = {"_index": list(df.index[:400]), **columns}
    cols, natural = list(columns), []
    for c, values in columns.items():
        cells = sorted(_text_px(_cell_text(v)) for v in values) or [0.0]
        usual = cells[int(0.9 * (len(cells) - 1))]
        head = _text_px(df.index.name or "") if c == "_index" else _text_px(c)
        natural.append(min(max(head, usual) + 24, 420))
    room = box_px - 2
    if sum(natural) <= room:
        return cfg
    lo, hi = 48.0, max(natural)  # 48 px: a wide table (the per-school one has ~17 columns) still fits
    for _ in range(30):  # the cap c with sum(min(w, c)) == room, by bisection
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if sum(min(w, mid) for w in natural) <= room else (lo, mid)
    for c, w in zip(cols, natural):
        spec = dict(cfg.get(str(c)) or cfg.get(c) or {})
        spec["width"] = int(min(w, lo))
        cfg[str(c)] = spec
    return cfg


def dataframe(data, *, key: str | None = None, column_config: dict | None = None, box_px: int = MAIN_PX,
              hide_index: bool = True, where=None, **kw):
    """``st.dataframe`` stretched to its box with columns fitted to it (:func:`fitted_columns`); ``where``: the
    container to draw it in (default: the current one)."""
    return (where or st).dataframe(data, hide_index=hide_index, width="stretch", key=key,
                        column_config=fitted_columns(data, column_config, box_px, hide_index), **kw)


def show_table(df: pd.DataFrame, key: str, **kw):
    """:func:`labelled` then :func:`dataframe` (``kw``: ``box_px``, ``where`` …)."""
    t_, cfg = labelled(df)
    dataframe(t_, key=key, column_config=cfg, **kw)


def balance_frame(level_json: dict) -> pd.DataFrame:
    """The seat-balance table of one level, in reading order, under the run's rule (one rule per run:
    ``assigned`` / ``unserved`` are the rule's). A district shows its seat balance, shortfall (学位缺口)
    and 学位预警, never a district pupils-per-class (a shortfall is not a class): class sizes are per
    school, in the schools table. With 划片 the median walk of the seated children is shown. Then the norm
    check (规范核查: children within the standard's metres of an open school, ``norm_share``) and the
    walking-minutes share (``walk_share``), each labelled with its unit."""
    rows = []
    norm = level_json.get("norm_check")
    norm_col = tr("norm_share_short", radius=f"{norm['radius_m']:,.0f}") if norm else None
    cat = {r["district_id"]: r for r in (level_json.get("catchment") or {}).get("by_district", [])}
    for r in level_json["by_district"]:
        row = {tr("district"): r["district"], t("seats", lang()): r["seats"],
               t("demand", lang()): r["enrolment"], tr("balance"): r["balance"],
               tr("shortfall"): r.get("shortfall", max(0, -r["balance"])),
               tr("utilisation"): r["utilisation"], tr("warning"): warning_label(r.get("warning")),
               tr("seated"): r["assigned"], tr("without_seat"): r["unserved"], tr("classes"): r["classes"]}
        if cat:
            c = cat.get(r["district_id"], {})
            row[t("col.median_minutes", lang())] = c.get("median_walk_minutes")
        if norm_col:  # the norm check (规范核查, metres) per subdistrict, as the level's metric above the table
            row[norm_col] = r.get("norm_share")
        row[tr("walk_share")] = r["walk_share"]  # the walking-minutes share, labelled in minutes
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["pct"] = [c for c in (norm_col,) if c]
    if len(out):  # subdistrict names in the session's language
        out[tr("district")] = district_labels(out[tr("district")]).to_numpy()
    return out


def warning_label(w: str | None, lang_: str | None = None) -> str:
    """A 学位预警 level (``red`` / ``amber`` / ``green``, :mod:`scenarios.seat_warnings`) in the session's language."""
    return t(f"report.warn.{w}", lang_ or lang()) if w else ""


def balance_formats(df: pd.DataFrame) -> dict:
    """Display format of each numeric column of :func:`balance_frame`: shares as percent to 0.1, per-class
    and minutes to one decimal, counts with thousands separators."""
    L = lang()
    fmt = {c: "{:,.0f}" for c in df.columns if pd.api.types.is_numeric_dtype(df[c])}
    fmt.update({c: "{:.1%}" for c in (tr("utilisation"), tr("walk_share"), *df.attrs.get("pct", ()))})
    fmt.update({c: "{:.1f}" for c in (tr("per_class"), t("col.median_minutes", L))})
    return {k: v for k, v in fmt.items() if k in df.columns}


def balance_styled(df: pd.DataFrame):
    """:func:`balance_frame` formatted for the grid, a district with no seats or no classes showing "—".

    The grid draws a missing number as "None" whatever its format says, so a column with a gap is sent
    as text (formatted here); the others stay numbers, formatted by the Styler, and sort as numbers."""
    fmt = balance_formats(df)
    out = df.copy()
    for c, f in list(fmt.items()):
        if out[c].isna().any():
            out[c] = [("—" if v != v else f.format(v)) for v in out[c].to_numpy(float)]
            del fmt[c]
    return out.style.format(fmt)


def balance_config(df: pd.DataFrame) -> dict:
    """Column settings of :func:`balance_frame` beside its formats (:func:`balance_styled`): the class-size
    check wide enough to read."""
    cfg = {t("col.class_flag", lang()): st.column_config.TextColumn(width="medium")}
    return {k: v for k, v in cfg.items() if k in df.columns}


def sites_map(cands, sites: pd.DataFrame | None = None):
    """The optimiser's map: uploaded candidates (grey) and chosen sites (yellow) as layers on a map drawn
    once, so that a result appears on the map already on the screen."""
    cand = ()
    if cands is not None and len(cands):
        ll = cands.geometry.to_crs(4326)
        cand = tuple((str(i), round(float(x), 6), round(float(y), 6))
                     for i, x, y in zip(cands["candidate_id"], ll.x, ll.y))
    chosen = () if sites is None or not len(sites) else tuple(
        (str(i), float(x), float(y)) for i, x, y in zip(sites["candidate_id"], sites["lon"], sites["lat"]))
    show_map(sites_base_cached(area_spec(), demo_scale(), lang()), key="opt_map", height=360,
             layers=sites_layers_cached(area_spec(), demo_scale(), lang(), cand, chosen))


def newest_click(out, seen: dict) -> tuple[float, float] | None:
    """(lon, lat) of the newest click on a map — on the map or on one of its objects — or None.

    Leaflet gives a click on a marker to the marker, not the map: on the "My place" map, dense with
    facilities (and the edit map, with projects), a click on one's spot often lands on a marker, and the
    map's own ``last_clicked`` did not change. Both are watched; ``seen`` (kept in the session) holds
    what was already used, so a rerun that reports the same clicks again yields nothing."""
    if not isinstance(out, dict):
        return None
    new = None
    for k in ("last_clicked", "last_object_clicked"):
        c = out.get(k)
        if isinstance(c, dict) and c.get("lat") is not None and c.get("lng") is not None:
            v = (round(float(c["lng"]), 6), round(float(c["lat"]), 6))
            if seen.get(k) != v:
                seen[k] = v
                new = v
    return new


def apply_map_click(state, out) -> tuple[float, float] | None:
    """Keep a new click on the edit map — on the map or on a project's marker (:func:`newest_click`) — in
    ``state['edit_click']`` as (lat, lon); returns it, or None when the map reports nothing new."""
    new = newest_click(out, state.setdefault("_edit_seen", {}))
    if new is None:
        return None
    state["edit_click"] = (new[1], new[0])
    return state["edit_click"]
