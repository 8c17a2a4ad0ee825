"""Hedong Planner (河东规划) — the Streamlit app. Run: ``hedong app`` (or ``streamlit run app.py``).

Thin by design: every number comes from the packages (``accessibility``, ``scenarios``,
``presentation.publish``) and is cached — the study area and its network with ``st.cache_resource``,
results with ``st.cache_data`` — so switching service, year or scenario answers in about a second.
Maps are folium/Leaflet with assets served from ``./static`` (no CDN; see ``gis/assets.py``).

Environment:
``HEDONG_DEMO_SCALE`` — scale of the Yuncheng demo (default 1; the tests use 0.15 to run fast).
``HEDONG_AREA`` — study area selected at start (default ``yuncheng-demo``); a folder path works too.
``HEDONG_AREAS`` — more study-area folders for the selector, separated by ``os.pathsep`` (a folder
can also be typed into the sidebar).
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import branca.colormap
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from accessibility.coverage import coverage_report, life_circle, service_coverage
from accessibility.equity import lorenz
from accessibility.fca import METHODS, fca
from accessibility.norm_check import norm_gaps
from accessibility.place import BANDS as PLACE_BANDS
from accessibility.place import place_isochrone, place_minutes, point_in_area_crs
from demo.yuncheng import scale_from_env
from gis.areas import BUILTIN_AREAS, load_area, load_area_cached
from gis.crs import gcj02_to_wgs84, wgs84_to_gcj02
from layers import families as registry
from layers.errors import InfeasibleModelError, InputError
from layers.families import FAMILIES, LEVELS, LIFE_CIRCLE_SERVICES, SERVICES, TYPE_CAPACITY
from presentation import publish as pub
from presentation import controls, geojson, i18n, legends, map_scripts, styles, webmap
from presentation.i18n import (CATALOGUE, LANG_NAMES, LANGS, cohort_label, display_names, indicator_unit,
                               subtype_label, t, unit_label)
from presentation.i18n import service_label as _service_label
from scenarios import store
from scenarios.candidates import load_candidates
from scenarios.compare import action_diff, delta
from scenarios.enrolment import enrolment_table
from scenarios.evaluate import evaluate
from scenarios.model import (
    PLAN_YEARS,
    YEAR_MAX,
    YEAR_MIN,
    available_names,
    facilities_for,
    resolve_scenario,
    save_scenario,
    shipped_names,
)
from scenarios.optimize import MODEL_HELP_KEYS, objective_unit_key, optimize_area
from scenarios.sites import check_sites

st.set_page_config(page_title="河东规划 Hedong Planner", page_icon="🗺️", layout="wide")

AREAS = BUILTIN_AREAS
PAGES = ("map", "place", "coverage", "schools", "indicators", "publish")

def tr(key: str, lang_: str | None = None, **kw) -> str:
    """UI text in the session's language or ``lang_`` (catalogue key ``app.<key>``, :mod:`presentation.i18n`)."""
    return t(f"app.{key}", lang_ or st.session_state.get("lang", "zh"), **kw)


# ---------------------------------------------------------------- cached data (all numbers from the packages)


def demo_scale() -> float:
    """Demo scale from ``HEDONG_DEMO_SCALE`` (default 1; the demo loader's own rule)."""
    return scale_from_env()


@st.cache_resource(show_spinner=False)
def get_area(spec: str, scale: float):
    """The study area (and, through its cache, its travel network), loaded once per process.

    At the demo scale of the environment this is the process's own copy (:func:`gis.areas.load_area_cached`),
    which ``hedong app`` loads while the server starts (:func:`hedong.cmd_app.prepare`)."""
    if scale == scale_from_env():
        return load_area_cached(spec)
    return load_area(spec, scale=scale) if spec == "yuncheng-demo" else load_area(spec)


def area_spec() -> str:
    """The selected study area as an ``--area`` spec: a built-in name or a folder path (a folder
    area's ``name`` is only its last path component, so never use ``a.name`` to reload it)."""
    return st.session_state.get("area", AREAS[0])


def area() -> object:
    """The selected study area."""
    return get_area(area_spec(), demo_scale())


def area_options(extra: str = "") -> list[str]:
    """The areas the selector offers: the built-in ones, then user study-area folders —
    ``HEDONG_AREA``, ``HEDONG_AREAS`` (paths separated by ``os.pathsep``) and one typed in."""
    out = list(AREAS)
    folders = [os.environ.get("HEDONG_AREA", ""), *os.environ.get("HEDONG_AREAS", "").split(os.pathsep), extra]
    for f in folders:
        f = f.strip()
        if f and f not in out and Path(f).is_dir():
            out.append(f)
    return out


@st.cache_resource(show_spinner=False)
def _fingerprints() -> dict:
    """id(scenario) -> (scenario, fingerprint), for the process (the script's own globals are reset per run)."""
    return {}


def scenario_key(scen) -> str:
    """A cache key for a scenario: its name plus a hash of its content (edited copies differ, and the
    same scenario read twice is the same key — see :meth:`scenarios.model.Scenario.fingerprint`).

    The hash is kept per scenario object (a page asks for it several times per run, and the objects are
    cached): scenarios are never changed in place here — an edit makes a new copy first (``working_copy``).
    """
    if scen is None:
        return "none"
    memo = _fingerprints()
    hit = memo.get(id(scen))
    if hit is None or hit[0] is not scen:
        if len(memo) > 512:
            memo.clear()
        hit = memo[id(scen)] = (scen, scen.fingerprint())  # the object is kept: its id cannot be reused meanwhile
    return f"{scen.name}:{hit[1]}"


def scenario_version(a, name: str) -> str:
    """What a scenario read under ``name`` depends on: ``shipped`` (built from the area), or the stored
    file's modification time and size (a save by anyone changes it)."""
    if name in shipped_names(a):
        return "shipped"
    path = store.stored_paths(a).get(name)
    try:
        s_ = path.stat()
    except (AttributeError, OSError):  # no such stored scenario: resolving says so
        return "missing"
    return f"{s_.st_mtime_ns}:{s_.st_size}"


@st.cache_resource(show_spinner=False, max_entries=64)
def scenario_cached(spec: str, scale: float, name: str, version: str):
    """A shipped or stored scenario, read once per version of its source (:func:`scenario_version`)."""
    return resolve_scenario(get_area(spec, scale), name)


#: Suffix of the working copy an edit creates (``plan`` -> ``plan-edited``, a valid scenario name).
EDITED_SUFFIX = "-edited"


def working_copies() -> dict:
    """Edited scenarios of this session: ``{(area, name): Scenario}`` (not saved until the user saves)."""
    return st.session_state.setdefault("edited", {})


def scenario_names(a) -> list[str]:
    """Shipped and stored scenarios, then this session's working copies (re-read on every rerun, so a
    scenario saved a moment ago is listed at once)."""
    names = available_names(a)
    return names + [n for (ar, n) in working_copies() if ar == a.name and n not in names]


def scenario_label(name: str, lang_: str | None = None, working=None) -> str:
    """``plan-edited`` (a working copy of this session; ``working``: their names) shown as "plan (edited)"."""
    working = working if working is not None else {n for (_, n) in working_copies()}
    if name.endswith(EDITED_SUFFIX) and name in working:
        return tr("edited_name", lang_, name=name[: -len(EDITED_SUFFIX)])
    return name


def get_scenario(a, name: str):
    """A scenario by name: this session's working copy if there is one, else the shipped / stored one."""
    w = working_copies().get((a.name, name))
    return w if w is not None else safe_resolve(a, name)


def working_copy(a, scen):
    """The working copy an edit of ``scen`` goes into (``<name>-edited``; an edited copy edits itself)."""
    if scen.name.endswith(EDITED_SUFFIX) and (a.name, scen.name) in working_copies():
        return working_copies()[(a.name, scen.name)].copy()
    return scen.copy(scen.name + EDITED_SUFFIX)


def _original_of(name: str) -> str:
    """The scenario a working copy was made from (``plan-edited`` -> ``plan``)."""
    return name[: -len(EDITED_SUFFIX)] if name.endswith(EDITED_SUFFIX) else name


def keep_working_copy(a, new, original: str | None):
    """Store an edited copy, select it and compare it with its original (applied on the next rerun)."""
    working_copies()[(a.name, new.name)] = new
    st.session_state["_select"] = {"scenario": new.name, **({"compare": original} if original else {})}


def current_scenario():
    """The scenario chosen on the schools page (a working copy if the user edited one)."""
    a = area()
    name = st.session_state.get("scenario") or ("plan" if len(a.projects) else "existing")
    return get_scenario(a, name)


def safe_resolve(a, name: str):
    """``resolve_scenario``, or — for a stored scenario that cannot be read (a zero-byte file) — the
    error in one line and the ``existing`` scenario instead of a traceback."""
    try:
        return scenario_cached(area_spec(), demo_scale(), name, scenario_version(a, name))
    except InputError as e:
        st.error(tr("bad_scenario", name="existing", why=e.one_line()))
        return resolve_scenario(a, "existing")


@st.cache_data(show_spinner=False, max_entries=128)
def service_cached(spec: str, scale: float, service: str, minutes: float, mode: str | None, skey: str,
                   year: int | None, _fac=None) -> dict:
    """Coverage of one service among the people it is for — the children of a school level, older residents
    for elderly care, all residents otherwise (issue 13: a school's share of all residents said little):
    the cohort, its share covered, median minutes, people not covered and share by subdistrict, the
    minute histogram of the same people, and each cell's ``covered`` flag (for the map's layers)."""
    a = get_area(spec, scale)
    res = service_coverage(a, service, minutes=minutes, mode=mode, facilities=_fac)
    dt = res.district_table
    return {"covered": res.covered, "cohort": res.service.demand, "cohort_share": res.cohort_share,
            "cohort_median": res.cohort_median_minutes, "cohort_uncovered": float(res.cohort - res.cohort_covered),
            "cohort_by_district": dict(zip(dt["name"].astype(str), dt["cohort_share"].astype(float))),
            "histogram": pub.minute_distribution(a, res, column=res.service.demand)}


@st.cache_resource(show_spinner=False, max_entries=8)
def overview_base_cached(spec: str, scale: float, display: str, lang_: str):
    """The main map's unchanging part (:func:`presentation.webmap.overview_base`), built and drawn once:
    the browser keeps it while the user changes service, minutes, mode, tiles or families."""
    return webmap.finish(webmap.overview_base(get_area(spec, scale), lang=lang_, display=display), "served")


@st.cache_data(show_spinner=False, max_entries=64)
def overview_layers_cached(spec: str, scale: float, service: str, minutes: float, mode: str | None, tiles: str,
                           tk: str | None, fams: tuple, lang_: str) -> str:
    """The main map's changing layers for these choices as a script run on the drawn base map
    (:func:`presentation.map_scripts.overview_layers_js`): homes within reach and beyond it as dissolved cells,
    tiles, legend and layer switch — tens of kilobytes instead of a new map."""
    display = styles.TILES[tiles]["display"]
    return map_scripts.overview_layers_js(get_area(spec, scale), service, minutes, None, lang=lang_, display=display,
                                     tiles=tiles, tianditu_key=tk, families=list(fams),
                                     overlays=coverage_overlays_cached(spec, scale, service, minutes, mode, display,
                                                                       lang_), in_map_legend=False)


@st.cache_resource(show_spinner=False, max_entries=64)  # resource: shared GeoJSON, read only
def coverage_overlays_cached(spec: str, scale: float, service: str, minutes: float, mode: str | None, display: str,
                             lang_: str) -> list:
    """The dissolved areas within and beyond reach (:func:`presentation.geojson.coverage_overlays`): computed
    once per service, minutes and mode, whatever base map or families are chosen."""
    res = service_cached(spec, scale, service, minutes, mode, "none", None)
    return geojson.coverage_overlays(get_area(spec, scale), service, minutes, res["covered"], lang=lang_,
                                    display=display)


@st.cache_data(show_spinner=False, max_entries=32)
def report_cached(spec: str, scale: float, minutes: float, mode: str, skey: str, year: int | None, _fac=None):
    """The CONTRACT coverage report (all services + life-circle index)."""
    return coverage_report(get_area(spec, scale), minutes, mode, _fac)


@st.cache_data(show_spinner=False, max_entries=8)
def norm_gaps_cached(spec: str, scale: float) -> pd.DataFrame:
    """Residents beyond each norm radius, by level and district (:func:`accessibility.norm_check.norm_gaps`).

    Network walking distance to the nearest facility of each level: minutes and mode do not enter.
    """
    return norm_gaps(get_area(spec, scale))


@st.cache_data(show_spinner=False, max_entries=64)
def fca_cached(spec: str, scale: float, minutes: float, mode: str, service: str, method: str) -> dict:
    """2SFCA-family supply within reach of one service (:func:`accessibility.fca.fca`): the district table
    and the demand-weighted study-area value, per 1,000 demand."""
    r = fca(get_area(spec, scale), service, method=method, minutes=minutes, mode=mode)
    dem = r.cells["demand"].to_numpy(float)
    whole = float((r.cells["access"] * dem).sum() * 1000.0 / dem.sum()) if dem.sum() > 0 else float("nan")
    return {"districts": r.districts, "per_1000": whole, "capacity": r.capacity, "demand": r.demand,
            "target": SERVICES[service].per_1000}


@st.cache_resource(show_spinner=False, max_entries=16)
def life_circle_cached(spec: str, scale: float, minutes: float, mode: str | None):
    """The life-circle index (per-cell services within reach)."""
    return life_circle(get_area(spec, scale), minutes, mode)


@st.cache_resource(show_spinner=False, max_entries=16)
def life_circle_map_cached(spec: str, scale: float, minutes: float, mode: str | None, lang_: str):
    """The life-circle map and its summary for these choices (built once, reused across reruns)."""
    return pub.life_circle_map(get_area(spec, scale), minutes=minutes, mode=mode, lang=lang_, assets="served",
                               lc=life_circle_cached(spec, scale, minutes, mode))


@st.cache_resource(show_spinner=False, max_entries=128)  # resource: the result holds the evaluator, never pickle it
def evaluation_cached(spec: str, scale: float, skey: str, year: int, level: str, _scen=None, assign: str = "walk"):
    """Scenario evaluation of one year and school level as (json dict, :class:`scenarios.evaluate.Evaluation`).

    One level, the one on the screen: levels are evaluated independently (the same numbers as evaluating
    all three, ``tests/test_evaluate.py``), and a new year then costs a third of a full evaluation."""
    ev = evaluate(get_area(spec, scale), _scen if _scen is not None else "existing", year, levels=(level,),
                  assign=assign)
    return ev.to_json(), ev


@st.cache_data(show_spinner=False, max_entries=16)
def enrolment_cached(spec: str, scale: float, level: str) -> pd.DataFrame:
    """Projected enrolment of one level per district, 2021-2030 (:func:`scenarios.enrolment.enrolment_table`)."""
    return enrolment_table(get_area(spec, scale), levels=(level,))


@st.cache_resource(show_spinner=False, max_entries=4)
def seat_map_base_cached(spec: str, scale: float, lang_: str):
    """The seat map's unchanging part (:func:`presentation.publish.seat_map_base`), drawn once in the browser."""
    return pub.seat_map_base(get_area(spec, scale), lang=lang_)


@st.cache_data(show_spinner=False, max_entries=64)
def seat_layers_cached(spec: str, scale: float, skey: str, year: int, level: str, assign: str, lang_: str, _scen=None,
                       _ev=None):
    """The seat map of one scenario-year-level and assignment rule (``_ev`` was evaluated with it) as a script
    run on the drawn base map (:func:`presentation.publish.seat_map_layers`): a new year or level redraws
    these layers only."""
    return pub.seat_map_layers(seat_map_base_cached(spec, scale, lang_), get_area(spec, scale),
                               getattr(_scen, "name", "existing"), year, _ev, level=level)


@st.cache_resource(show_spinner=False, max_entries=16)
def projects_wgs84_cached(spec: str, scale: float, skey: str, _scen=None):
    """A scenario's projects in WGS84 lon/lat (the edit form's coordinates); shared, never modified."""
    return _scen.projects.to_crs(4326)


@st.cache_resource(show_spinner=False, max_entries=16)
def edit_map_cached(spec: str, scale: float, skey: str, lang_: str, _scen=None):
    """The small map of a scenario's projects on which a click picks a new site, drawn once; the chosen
    project and its proposed site are a script run on it (:func:`edit_layers_cached`)."""
    a = get_area(spec, scale)
    em = webmap.base_map(a, lang=lang_)
    layers = [("districts", webmap.add_districts(em, a, labels=False, population=False))]
    layers += [(f"family:{f}", fg) for f, fg in webmap.add_facilities(em, _scen.projects, planned=True).items()]
    legends.add_attribution(em, a)
    controls.register_layers(em, layers)
    return webmap.finish(em, "served")


@st.cache_data(show_spinner=False, max_entries=64)
def edit_layers_cached(spec: str, scale: float, skey: str, lang_: str, at: tuple, to: tuple | None, _scen=None) -> str:
    """The project being edited, ringed at its site ``at`` (lat, lon), and — when the planner has picked
    another — its proposed site ``to`` with a dashed line from the old one, as a script for the drawn
    :func:`edit_map_cached`: the planner sees which project moves, and where to, before applying."""
    scratch = map_scripts.scratch_map(edit_map_cached(spec, scale, skey, lang_, _scen=_scen))
    fg = folium.FeatureGroup(name=tr("edit_now", lang_), show=True, control=False)
    folium.CircleMarker(list(at), radius=13, color="#111111", weight=3, fill=False,
                        tooltip=tr("edit_now", lang_)).add_to(fg)
    if to is not None and tuple(to) != tuple(at):
        folium.PolyLine([list(at), list(to)], color="#111111", weight=2, dash_array="5 4").add_to(fg)
        folium.CircleMarker(list(to), radius=8, color="#111111", weight=2, fill=True, fill_color="#ffd400",
                            fill_opacity=1.0, tooltip=tr("edit_to", lang_)).add_to(fg)
    fg.add_to(scratch)
    return map_scripts.layers_script(scratch)


@st.cache_data(show_spinner=False, max_entries=8)
def indicators_cached(spec: str, scale: float, lang: str):
    """The plan's indicator rows computed from the current layers (publish.indicator_rows)."""
    return pub.indicator_rows(get_area(spec, scale), lang=lang)


@st.cache_data(show_spinner=False, max_entries=4)
def publish_cached(spec: str, scale: float, skey: str, lang: str, _scen=None) -> bytes:
    """The published maps of the area as a zip (same as ``hedong publish``)."""
    return pub.publish_zip(get_area(spec, scale), scenario=getattr(_scen, "name", None), lang=lang)


# ---------------------------------------------------------------- shared widgets


@st.cache_resource(show_spinner=False)
def _payload_lock() -> threading.Lock:
    """The one lock, per process, under which a cached map is rendered for the browser.

    Not a module-level ``threading.Lock()``: Streamlit runs app.py afresh for every rerun of every session,
    so each run made its own lock and two sessions rendering the same cached map at once (the warm-up of
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


def lang() -> str:
    """The session language, ``zh`` or ``en``."""
    return st.session_state.get("lang", "zh")


def service_label(k: str, lang_: str | None = None) -> str:
    """A service's display name in the session's language (or ``lang_``)."""
    return _service_label(k, lang_ or lang())


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


# ---------------------------------------------------------------- pages


def page_map():
    """Map page: districts, density, six families, circles of one service, uncovered homes."""
    a = area()
    spec, sc = area_spec(), demo_scale()
    c1, c2, c3, c4 = st.columns([2, 1, 1, 2])
    keys = list(SERVICES)  # read at render time: a family registered at run time is offered
    service = c1.selectbox(tr("service"), keys, format_func=lambda k, L=lang(): service_label(k, L), key="map_service",
                           index=keys.index("fitness") if "fitness" in keys else 0)
    mode = c2.radio(tr("mode"), ["walk", "bike"], format_func=lambda k, L=lang(): tr(k, L), key="map_mode", horizontal=True)
    minutes = float(c3.slider(tr("minutes"), 5, 30, int(SERVICES[service].minutes), step=5, key="map_minutes"))
    tiles = c4.selectbox(tr("tiles"), list(styles.TILES), format_func=lambda k, L=lang(): t(f"tiles.{k}", L),
                         key="map_tiles")
    tk = st.text_input(tr("tk"), key="tk", type="password") if tiles == "tianditu" else None
    fams = st.multiselect(tr("families"), list(FAMILIES), default=list(FAMILIES),
                          format_func=lambda f, L=lang(): i18n.family_label(f, L), key="map_families")
    m_mode = None if mode == "walk" and SERVICES[service].mode != "walk" else mode
    res = service_cached(spec, sc, service, minutes, m_mode, "none", None)
    cohort = cohort_label(res["cohort"], lang())
    k1, k2, k3 = st.columns(3)
    k1.metric(tr("share_of", cohort=cohort), f"{res['cohort_share']:.1%}", help=tr("cohort_share_help"))
    k2.metric(tr("median"), f"{res['cohort_median']:.1f}")
    k3.metric(tr("uncovered_of", cohort=cohort), f"{res['cohort_uncovered']:,.0f}")
    if tiles == "tianditu" and not tk:
        st.warning(tr("tk_missing"))
        tiles = "none"
    display = styles.TILES[tiles]["display"]
    m = overview_base_cached(spec, sc, display, lang())
    layers = overview_layers_cached(spec, sc, service, minutes, m_mode, tiles, tk, tuple(fams), lang())
    st.caption(tr("click_hint") + " " + tr("layers_hint"))
    show_map(m, key=f"map_{a.name}", layers=layers)
    st.html(legends.overview_legend_row(service, minutes, lang()))  # under the map, where it hides nothing


def page_coverage():
    """Coverage dashboard: share per service and district, minute distributions, the life-circle index."""
    area()  # loads (or fails on) the study area before any widget is drawn
    spec, sc = area_spec(), demo_scale()
    c1, c2 = st.columns(2)
    mode = c1.radio(tr("mode"), ["walk", "bike"], format_func=lambda k, L=lang(): tr(k, L), key="cov_mode", horizontal=True)
    minutes = float(c2.slider(tr("minutes"), 5, 30, 15, step=5, key="cov_minutes"))
    rows, dist = [], {}
    for s in SERVICES:
        r = service_cached(spec, sc, s, minutes, mode, "none", None)
        # each service for the people it serves (children of the level, older residents, or everyone)
        rows.append({tr("service"): service_label(s), tr("cohort"): cohort_label(r["cohort"], lang()),
                     tr("share_col"): round(r["cohort_share"], 3), tr("median"): r["cohort_median"],
                     tr("uncovered_n"): round(r["cohort_uncovered"])})
        dist[service_label(s)] = r["cohort_by_district"]
    st.subheader(tr("share_by_service"))
    st.caption(tr("cohort_share_help"))
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="cov_services",
                 column_config={tr("share_col"): st.column_config.ProgressColumn(format="percent", min_value=0,
                                                                                 max_value=1),
                                tr("median"): st.column_config.NumberColumn(format="%.1f"),
                                tr("uncovered_n"): st.column_config.NumberColumn(format="localized")})
    if dist:
        st.subheader(tr("by_district"))
        piv = pd.DataFrame(dist)  # subdistricts down, services across in the registry's order
        piv.index = district_labels(piv.index).to_numpy()
        piv.index.name = tr("district")
        # Coloured by share with a hand-made red-yellow-green ramp (pandas' background_gradient needs
        # matplotlib, which is not a runtime dependency).
        st.dataframe(piv.style.format("{:.0%}", na_rep="—").map(share_cell_style),
                     width="stretch", key="cov_district_table")
    st.subheader(tr("minute_dist"))
    s = st.selectbox(tr("service"), list(SERVICES), format_func=lambda k, L=lang(): service_label(k, L), key="cov_service")
    r = service_cached(spec, sc, s, minutes, mode, "none", None)
    chart(r["histogram"], "bar", "minutes", "people", x_title=tr("minutes"),
          y_title=cohort_label(r["cohort"], lang()), x_type="ordinal", key="minute_chart")
    st.metric(f"{service_label(s)} · {tr('share_of', cohort=cohort_label(r['cohort'], lang()))}",
              f"{r['cohort_share']:.1%}")
    tiered_section(spec, sc, minutes, mode)
    st.subheader(tr("life_circle"))
    lc = report_cached(spec, sc, minutes, mode, "none", None)["life_circle"]
    k1, k2 = st.columns(2)
    k1.metric(tr("all_services"), f"{lc['all_services_share']:.1%}")
    k2.metric(tr("mean_within"), f"{lc['mean_services_within']:.2f}")
    m, summ = life_circle_map_cached(spec, sc, minutes, mode, lang())
    left, right = st.columns([3, 1])
    with left:
        show_map(m, key="lc_map", height=600)
    with right:
        total = len(LIFE_CIRCLE_SERVICES)
        whole = sum(summ["by_n"].values()) or 1.0
        st.caption(tr("lc_classes"))
        st.dataframe(pd.DataFrame({tr("services_n"): list(range(total, -1, -1)),
                                   tr("residents"): [round(summ["by_n"].get(n, 0.0)) for n in range(total, -1, -1)],
                                   tr("share_col"): [round(summ["by_n"].get(n, 0.0) / whole, 3)
                                                     for n in range(total, -1, -1)]}),
                     hide_index=True, width="stretch", key="lc_classes",
                     column_config={tr("share_col"): st.column_config.NumberColumn(format="percent"),
                                    tr("residents"): st.column_config.NumberColumn(format="localized")})
    lcd = lc["by_district"]
    if lcd:
        st.caption(tr("lc_by_district"))
        st.dataframe(district_frame(lcd), hide_index=True, width="stretch", key="lc_district_table",
                     column_config={tr("share_col"): st.column_config.NumberColumn(format="percent")})
    equity_section(spec, sc, minutes, mode)
    gaps_section(spec, sc)
    fca_section(spec, sc, minutes, mode)


def tiered_section(spec: str, sc: float, minutes: float, mode: str):
    """The 15分钟社区生活圈 with each service at its GB 50180-2018 tier (shown before the one-threshold index)."""
    lt = report_cached(spec, sc, minutes, mode, "none", None)["life_circle_tiered"]
    lg = lang()
    st.subheader(lt["name"][lg] + tr("tiered_suffix"))
    st.caption(lt["source"])
    k1, k2 = st.columns(2)
    k1.metric(tr("tiered_all"), f"{lt['all_services_share']:.1%}")
    k2.metric(tr("tiered_mean"), f"{lt['mean_services_within']:.2f}")
    st.dataframe(pd.DataFrame([{tr("service"): service_label(k), tr("minutes"): v["tier_minutes"],
                                tr("share"): round(v["population_share"], 3)}
                               for k, v in lt["by_service"].items()]), hide_index=True, width="stretch",
                 key="lct_services", column_config={tr("share"): st.column_config.NumberColumn(format="percent")})
    st.dataframe(district_frame(lt["by_district"]), hide_index=True, width="stretch", key="lct_district_table",
                 column_config={tr("share_col"): st.column_config.NumberColumn(format="percent")})


@st.cache_data(show_spinner=False, max_entries=16)
def lorenz_cached(spec: str, scale: float, service: str, minutes: float, mode: str) -> pd.DataFrame:
    """Lorenz curve of residents' minutes to the nearest facility (accessibility.equity.lorenz)."""
    a = get_area(spec, scale)
    p, L = lorenz(service_coverage(a, service, minutes, mode).cell_minutes.to_numpy(), a.population["pop_total"])
    return pd.DataFrame({"residents": p, "minutes": L, "equality": p})


def equity_section(spec: str, sc: float, minutes: float, mode: str):
    """Equity of access: Gini / Theil (between / within subdistricts) per service, and a Lorenz chart."""
    st.subheader(tr("equity"))
    eq = report_cached(spec, sc, minutes, mode, "none", None)["equity"]
    rows = []
    for k, v in eq["services"].items():
        m, sp = v["minutes"]["population"], (v.get("supply_per_1000") or {}).get("population", {})
        rows.append({tr("service"): service_label(k), tr("eq_gini_min"): m["gini"], tr("eq_theil_min"): m["theil"],
                     tr("eq_theil_between"): m["theil_between"], tr("eq_theil_within"): m["theil_within"],
                     tr("eq_top_bottom"): m["top_bottom_10_ratio"], tr("eq_gini_fca"): sp.get("gini"),
                     tr("eq_theil_fca"): sp.get("theil")})
    three = st.column_config.NumberColumn(format="%.3f")  # indices in 0..1 (Theil up to ln n)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="equity_table",
                 column_config={**{tr(k): three for k in ("eq_gini_min", "eq_theil_min", "eq_theil_between",
                                                          "eq_theil_within", "eq_gini_fca", "eq_theil_fca")},
                                tr("eq_top_bottom"): st.column_config.NumberColumn(format="%.1f")})
    st.caption(tr("eq_definition", minutes=minutes))  # the report's own definition is English (a JSON key)
    s = st.selectbox(tr("service"), list(SERVICES), format_func=lambda k, L=lang(): service_label(k, L), key="lorenz_service")
    names = {"minutes": tr("curve_minutes"), "equality": tr("curve_equality")}
    lz = lorenz_cached(spec, sc, s, minutes, mode).melt(id_vars="residents", value_vars=["minutes", "equality"],
                                                         var_name="curve", value_name="share")
    lz["curve"] = lz["curve"].map(names)
    chart(lz, "line", "residents", "share", "curve", x_title=tr("lorenz_x"), y_title=tr("lorenz_y"), key="lorenz_chart")


def gaps_section(spec: str, sc: float):
    """Residents (their cohort) beyond each facility level's norm radius; one level by district."""
    st.subheader(tr("gaps"))
    st.caption(tr("gaps_help"))
    g = norm_gaps_cached(spec, sc)
    tot = g[g["district_id"] == "*"]
    name = "zh" if lang() == "zh" else "en"
    loc = st.column_config.NumberColumn(format="localized")
    pct = {tr("pct_beyond"): st.column_config.NumberColumn(format="%.1f%%"), tr("cohort_n"): loc,
           tr("cohort_beyond"): loc}
    st.dataframe(pd.DataFrame({
        tr("gap_level"): tot[name].to_numpy(), tr("radius"): tot["radius_m"].to_numpy(),
        tr("mark"): tot["mark"].to_numpy(), tr("facilities_n"): tot["facilities"].to_numpy(),
        tr("cohort"): [cohort_label(c, lang()) for c in tot["demand_column"]],
        tr("cohort_n"): tot["demand"].round().astype(int).to_numpy(),
        tr("cohort_beyond"): tot["demand_beyond"].round().astype(int).to_numpy(),
        tr("pct_beyond"): 100 * tot["demand_share_beyond"].to_numpy()}),
        hide_index=True, width="stretch", key="gap_levels_table", column_config=pct)
    levels = dict(zip(tot["level"], tot[name]))
    level = st.selectbox(tr("gap_level"), list(levels), format_func=levels.get, key="gap_level")
    rows = g[(g["level"] == level) & (g["district_id"] != "*")]
    st.dataframe(pd.DataFrame({
        tr("district"): district_labels(rows["district"]).to_numpy(),
        tr("cohort_n"): rows["demand"].round().astype(int).to_numpy(),
        tr("cohort_beyond"): rows["demand_beyond"].round().astype(int).to_numpy(),
        tr("pct_beyond"): 100 * rows["demand_share_beyond"].to_numpy()}),
        hide_index=True, width="stretch", key="gap_district_table", column_config=pct)


def fca_section(spec: str, sc: float, minutes: float, mode: str):
    """Capacity (seats, places, beds, m²) within reach per 1,000 demand, by district, for one service."""
    st.subheader(tr("fca"))
    c1, c2 = st.columns([2, 3])
    fca_services = [k for k, s in SERVICES.items() if s.capacity]  # services with a capacity column
    service = c1.selectbox(tr("service"), fca_services, key="fca_service",
                           format_func=lambda k, L=lang(): f"{service_label(k, L)} · {unit_label(SERVICES[k].capacity, L)}")
    method = c2.radio(tr("method"), list(METHODS), key="fca_method", horizontal=True,
                      format_func=lambda k, L=lang(): tr(f"method.{k}", L))
    r = fca_cached(spec, sc, minutes, mode, service, method)
    st.caption(tr("fca_help", minutes=minutes, unit=unit_label(r["capacity"], lang()),
                  cohort=cohort_label(r["demand"], lang())))
    k1, k2 = st.columns(2)
    k1.metric(tr("fca_area"), f"{r['per_1000']:,.1f}")
    k2.metric(tr("fca_target"), "—" if r["target"] is None else f"{r['target']:,.0f}",
              help=None if r["target"] is not None else tr("no_target"))
    d = r["districts"]
    table = {tr("district"): district_labels(d["name"]).to_numpy(), tr("cohort_n"): d["demand"].round().astype(int).to_numpy(),
             tr("fca_reach"): d["per_1000"].to_numpy(), tr("fca_local"): d["local_per_1000"].to_numpy()}
    if r["target"] is not None:
        table[tr("fca_target")] = d["target_per_1000"].to_numpy()
    num = st.column_config.NumberColumn(format="%.1f")
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", key="fca_table",
                 column_config={tr("fca_reach"): num, tr("fca_local"): num, tr(
                     "cohort_n"): st.column_config.NumberColumn(format="localized")})




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


def show_table(df: pd.DataFrame, key: str, **kw):
    """:func:`labelled` then ``st.dataframe``."""
    t_, cfg = labelled(df)
    st.dataframe(t_, hide_index=True, width="stretch", key=key, column_config=cfg, **kw)


def _apply_pending_selection():
    """Selections an action asked for (a new working copy and its original): set before the widgets exist."""
    for k, v in (st.session_state.pop("_select", None) or {}).items():
        st.session_state[k] = v


def page_schools():
    """Schools & scenarios: seat balance by district first (seats, enrolment, balance, utilisation,
    classes), the enrolment projection, then the walking check; utilisation, compare, edit, optimise."""
    a = area()
    _apply_pending_selection()
    names = scenario_names(a)
    if st.session_state.get("scenario") not in names:
        st.session_state.pop("scenario", None)
    c1, _ = st.columns([2, 8])
    st.session_state.setdefault("scenario", "plan" if "plan" in names else names[0])
    c1.selectbox(tr("scenario"), names, key="scenario",
                 format_func=lambda n, L=lang(), W=frozenset(n for (_, n) in working_copies()): scenario_label(n, L, W))
    scen = current_scenario()
    if (a.name, scen.name) in working_copies():
        st.caption(f"{scenario_label(scen.name)} · {tr('edited')}")
    if st.session_state.get("_saved_msg"):
        st.success(st.session_state.pop("_saved_msg"))
    schools_view(a, scen, names)
    edit_section(a, scen)
    actions_section(a, scen)
    optimise_section(a)


@st.fragment
def schools_view(a, scen, names: list[str]):
    """The schools page for one year, level and assignment rule: seat balance, seat map, enrolment, per-school
    table and the comparison. A fragment: a new year or level reruns this part only, not the edit, action
    and optimiser sections below (nor redraws their maps)."""
    spec, sc = area_spec(), demo_scale()
    c2, c3, c4 = st.columns([3, 2, 3])
    year = c2.slider(tr("year"), PLAN_YEARS[0], PLAN_YEARS[-1], 2025, key="year")
    level = c3.radio(tr("level"), list(LEVELS), format_func=lambda k, L=lang(): service_label(k, L), key="level",
                     horizontal=True)
    assign = c4.radio(tr("assign"), ["catchment", "walk"], format_func=lambda k, L=lang(): tr(f"assign_{k}", L),
                      key="assign")
    skey = scenario_key(scen)
    ev_json, ev = evaluation_cached(spec, sc, skey, int(year), level, _scen=scen, assign=assign)
    lv = ev.levels[level].summary
    # Seat balance first: what the education bureau signs; the walking share is the norm check.
    k1, k2, k3, k4, k5, k6 = st.columns(6)
    k1.metric(t("seats", lang()), f"{lv['seats']:,.0f}")
    k2.metric(t("demand", lang()), f"{lv['demand']:,.0f}")
    # short labels (the long ones were cut off in six columns); the full wording is the metric's help
    k3.metric(tr("balance_short"), f"{lv['balance']:+,.0f}", help=tr("balance"))
    k4.metric(tr("utilisation"), "—" if not lv["seats"] else f"{lv['utilisation']:.0%}")
    k5.metric(tr("per_class"), "—" if not lv["classes"] else f"{lv['pupils_per_class']:.1f}")
    k6.metric(tr("walk_share_short"), "—" if not lv["demand"] else f"{lv['assigned'] / lv['demand']:.1%}",
              help=tr("walk_share"))
    st.caption(tr("catchment_help") + " " + tr("years_note", year=int(year)))
    if ev_json["building"]:
        b_ = pd.DataFrame(ev_json["building"])
        st.caption(tr("building", year=int(year), names=", ".join(
            f"{n} ({by}→{oy})" for n, by, oy in zip(display_names(b_, lang()), b_["build_year"], b_["open_year"]))))
    st.subheader(tr("seat_balance"))
    bal = balance_frame(ev_json["levels"][level])
    st.dataframe(balance_styled(bal), hide_index=True, width="stretch", key="seat_table",
                 column_config=balance_config(bal))
    left, right = st.columns([3, 2])
    with left:
        m = seat_map_base_cached(spec, sc, lang())
        show_map(m, key="seat_map", height=520,
                 layers=seat_layers_cached(spec, sc, skey, int(year), level, assign, lang(), _scen=scen, _ev=ev))
        st.html(pub.seat_legend_html(lang()))  # under the map, where it hides no subdistrict
    with right:
        st.caption(tr("enrolment_chart"))
        en = enrolment_cached(spec, sc, level)
        if len(en):
            # subdistricts named in the session's language; years as text (not "2,021" on the axis)
            en_ = en.assign(district=district_labels(en["district"]).to_numpy(), year=en["year"].astype(str))
            chart(en_[["year", "district", "enrolment"]], "line", "year", "enrolment", "district",
                  x_title=tr("year"), x_type="ordinal", key="enrolment_chart")
            st.caption(tr("enrolment_help", mode=en["mode"].iloc[0]) if en["mode"].iloc[0] == "cohort"
                       else tr("enrolment_growth") if en["mode"].iloc[0] == "growth" else en["mode"].iloc[0])
        schools = pub.school_points(ev, level)
        if len(schools):
            st.caption(tr("per_school"))
            rows = pd.DataFrame(ev_json["levels"][level]["schools"])
            rows["name"] = display_names(rows, lang())
            cols = [c for c in ("name", "subtype", "build_year", "open_year", "seats", "classes", "assigned",
                                "catchment_assigned", "utilisation", "pupils_per_class", "class_flag", "changes")
                    if c in rows]
            if "build_year" in rows:  # existing schools have none: an empty cell (the grid shows a null as "None")
                rows["build_year"] = [str(int(v)) if v == v else "" for v in
                                      pd.to_numeric(rows["build_year"], errors="coerce")]
            if "subtype" in rows:
                rows["subtype"] = [subtype_label(v, lang()) for v in rows["subtype"]]
            if "open_year" in rows:  # same as the build year: a blank, not "None", where there is none
                rows["open_year"] = [str(int(v)) if v == v else "" for v in
                                     pd.to_numeric(rows["open_year"], errors="coerce")]
            if "catchment_assigned" in rows:
                # 划片 chosen: a school's load, utilisation and class size are those of the catchment
                # assignment (as the district table and the map); "seated within the limit" stays the norm check
                rows["utilisation"] = pd.to_numeric(rows["catchment_utilisation"], errors="coerce")
                rows["pupils_per_class"] = pd.to_numeric(rows["catchment_pupils_per_class"], errors="coerce")
                rows["class_flag"] = rows["catchment_class_flag"]
                st.caption(tr("catchment_school_help"))
            if "class_flag" in rows:
                rows["class_flag"] = rows["class_flag"].map(lambda f: class_flag_label(f, lang()))
            table_, cfg = labelled(rows[cols])
            cfg[t("col.utilisation", lang())] = st.column_config.ProgressColumn(format="percent", min_value=0,
                                                                                max_value=1.5)
            cfg[t("col.pupils_per_class", lang())] = st.column_config.NumberColumn(format="%.1f")
            st.dataframe(table_, hide_index=True, width="stretch", height=260, key="school_table", column_config=cfg)
    cc = ev_json["class_checks"]
    if cc["outside_range"]:
        with st.expander(f"{tr('class_checks')}: {cc['outside_range']}", expanded=False):
            st.caption(cc["source"])
            flagged = pd.DataFrame([c for c in cc["schools"] if c["flag"]])
            flagged["name"] = display_names(flagged, lang())
            st.dataframe(flagged.drop(columns=["name_en"], errors="ignore"), hide_index=True, width="stretch")
    compare_section(a, scen, ev, ev_json, int(year), level, names, assign)


def compare_section(a, scen, ev, ev_json, year: int, level: str, names: list[str], assign: str = "walk"):
    """The chosen scenario against a baseline: "scenario − baseline" totals and districts, and a gains map."""
    spec, sc = area_spec(), demo_scale()
    st.subheader(tr("compare_with"))
    others = [n for n in names if n != scen.name] or names
    if st.session_state.get("compare") not in others:
        st.session_state.pop("compare", None)
    base_default = scen.name[: -len(EDITED_SUFFIX)] if scen.name.endswith(EDITED_SUFFIX) else "existing"
    st.session_state.setdefault("compare", base_default if base_default in others else others[0])
    other = st.selectbox(tr("compare_with"), others, key="compare", format_func=lambda n, L=lang(), W=frozenset(n for (_, n) in working_copies()): scenario_label(n, L, W))
    o = get_scenario(a, other)
    o_json, o_ev = evaluation_cached(spec, sc, scenario_key(o), year, level, _scen=o, assign=assign)
    d = delta(o_json, ev_json)[level]  # second minus first: scenario − baseline
    head = tr("delta", scen=scenario_label(scen.name), base=scenario_label(other))
    st.markdown(f"**{head}** · {t('seats', lang())} {d['seats']:+,.0f} · "
                f"{tr('balance')} {d['balance']:+,.0f} · {t('col.assigned', lang())} {d['assigned']:+,.0f} · "
                f"{t('unserved', lang())} {d['unserved']:+,.0f}")
    st.caption(tr("delta_help"))
    acts = action_diff(o, scen)  # what the scenario does that the baseline does not
    if acts:
        st.caption(f"{tr('actions')}: " + "; ".join(f"{r['action_id']} {r['change']}: {r['details']}" for r in acts))
    left, right = st.columns([3, 2])
    with right:
        show_table(pd.DataFrame(d["by_district"]), key="delta_table")
    with left:
        st.caption(tr("gains", level=service_label(level)) + " — " + tr("gains_help"))
        layers, changed = gains_layers_cached(spec, sc, scenario_key(o), scenario_key(scen), year, level, assign,
                                              lang(), _base=o_ev, _scen=ev)
        if not changed:
            st.info(tr("no_change"))
        show_map(gains_base_cached(spec, sc, lang()), key="gains_map", height=420, layers=layers)


@st.cache_resource(show_spinner=False, max_entries=4)
def gains_base_cached(spec: str, scale: float, lang_: str):
    """The gains map's unchanging part (:func:`presentation.webmap.gains_map_base`), drawn once in the browser."""
    return webmap.gains_map_base(get_area(spec, scale), lang=lang_)


@st.cache_data(show_spinner=False, max_entries=32)
def gains_layers_cached(spec: str, scale: float, base_key: str, scen_key: str, year: int, level: str, assign: str,
                        lang_: str, _base=None, _scen=None):
    """The gains of ``_scen`` against ``_base`` (cells and districts coloured by the change in children
    seated within the walking limit; both evaluated with the ``assign`` rule) as a script for the drawn
    gains map, and whether anything changed."""
    a = get_area(spec, scale)
    rb, rs = _base.levels[level], _scen.levels[level]
    diff = rs.assignment.assigned_cell.astype(float) - rb.assignment.assigned_cell.astype(float)
    sq = rs._evaluator.cell_squares()
    js = webmap.gains_map_layers(gains_base_cached(spec, scale, lang_), a, sq, diff, rs.by_district, rb.by_district,
                                 title=tr("gains", lang_, level=SERVICES[level].label(lang_)))
    return js, bool(np.any(np.abs(diff) > 1e-9))


def class_flag_label(flag: str | None, lang_: str | None = None) -> str:
    """A class-size flag (:func:`scenarios.evaluate.class_flag`: ``super_large``, ``large``, ``over_norm``
    or empty) in the session's language (or ``lang_``); empty for none."""
    return t(f"class_flag.{flag}", lang_ or lang()) if flag else ""


def balance_frame(level_json: dict) -> pd.DataFrame:
    """The seat-balance table of one level, in reading order (catchment columns when present)."""
    rows = []
    cat = {r["district_id"]: r for r in (level_json.get("catchment") or {}).get("by_district", [])}
    for r in level_json["by_district"]:
        row = {tr("district"): r["district"], t("seats", lang()): r["seats"],
               t("demand", lang()): r["enrolment"], tr("balance"): r["balance"],
               tr("utilisation"): r["utilisation"], tr("classes"): r["classes"],
               tr("per_class"): r["pupils_per_class"], t("col.class_flag", lang()): class_flag_label(r["class_flag"])}
        if cat:
            c = cat.get(r["district_id"], {})
            row[tr("assign_catchment").split("（")[0].split(" (")[0]] = c.get("assigned")
            row[t("col.median_minutes", lang())] = c.get("median_walk_minutes")
        row[tr("walk_share")] = r["walk_share"]
        rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):  # subdistrict names in the session's language
        out[tr("district")] = district_labels(out[tr("district")]).to_numpy()
    return out


def balance_formats(df: pd.DataFrame) -> dict:
    """Display format of each numeric column of :func:`balance_frame`: shares as percent to 0.1, per-class
    and minutes to one decimal, counts with thousands separators."""
    L = lang()
    fmt = {c: "{:,.0f}" for c in df.columns if pd.api.types.is_numeric_dtype(df[c])}
    fmt.update({c: "{:.1%}" for c in (tr("utilisation"), tr("walk_share"))})
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


def actions_section(a, scen):
    """Add or remove actions on existing schools (expand / close-merge / convert) in the edited copy."""
    with st.expander(tr("actions"), expanded=False):
        if len(scen.actions):
            st.dataframe(scen.actions, hide_index=True, width="stretch", key="actions_table")
        sch = a.facilities[a.facilities["family"].isin(["school", "kindergarten"])]
        ids = [*sch["facility_id"].astype(str), *scen.projects["project_id"].astype(str)]
        label = dict(zip(sch["facility_id"].astype(str), display_names(sch, lang()))) | dict(
            zip(scen.projects["project_id"].astype(str), display_names(scen.projects, lang())))
        c1, c2, c3 = st.columns(3)
        kind = c1.selectbox(tr("action_kind"), ["expand", "close", "convert"], format_func=lambda k, L=lang(): tr(f"kind_{k}", L),
                            key="act_kind")
        fid = c2.selectbox(tr("action_fac"), ids, format_func=lambda i: f"{i} · {label.get(i, '')}", key="act_fac")
        yr = c3.number_input(tr("year"), YEAR_MIN, YEAR_MAX, 2025, key="act_year")
        c4, c5, c6 = st.columns(3)
        lvl = c4.selectbox(tr("level"), list(LEVELS), format_func=lambda k, L=lang(): service_label(k, L), key="act_level")
        ncls = c5.number_input(tr("classes"), 0, 60, 6, key="act_classes")
        into = c6.selectbox(tr("into"), ["", *ids], format_func=lambda i: f"{i} · {label.get(i, '')}" if i else "—",
                            key="act_into")
        beds = st.number_input(tr("beds"), 0, 2000, 0, key="act_beds")
        b1, b2 = st.columns([1, 2])
        if b1.button(tr("add_action"), key="act_add"):
            try:
                new = working_copy(a, scen)
                new.add_action(kind, fid, int(yr), level=lvl if kind == "expand" else None,
                               classes=int(ncls) if kind == "expand" else 0, into=into if kind == "close" else "",
                               beds=int(beds) if kind == "convert" else 0)
                facilities_for(a, new, int(yr))  # a school without the level, or an unknown one, fails here
                keep_working_copy(a, new, _original_of(scen.name))
                st.rerun()
            except InputError as e:
                st.error(e.one_line())
        if len(scen.actions):
            rid = b2.selectbox(tr("remove_action"), scen.actions["action_id"].astype(str).tolist(), key="act_rm_id")
            if b2.button(tr("remove_action"), key="act_rm"):
                new = working_copy(a, scen)
                new.remove_action(rid)
                keep_working_copy(a, new, _original_of(scen.name))
                st.rerun()



@st.fragment
def edit_section(a, scen):
    """Edit a scenario: click the map (or type lon/lat) to move a project, change seats / year; the edit
    goes into a working copy ``<name>-edited`` that is selected and compared with its original."""
    st.subheader(tr("edit"))
    if len(scen.projects) == 0:
        st.caption("—")
    else:
        p = projects_wgs84_cached(area_spec(), demo_scale(), scenario_key(scen), _scen=scen)
        ids = p["project_id"].astype(str).tolist()
        names_ = dict(zip(ids, display_names(p, lang())))
        pid = st.selectbox(tr("project"), ids, key="edit_pid", format_func=lambda i: f"{i} · {names_[i]}")
        row = p[p["project_id"].astype(str) == pid].iloc[0]
        st.caption(tr("working_note", name=scenario_label(working_copy(a, scen).name)) + " " + tr("place_hint"))
        # The form's keys carry the scenario's content hash: when the stored file changes (another
        # edit landed), the fields start from the new values, not stale ones.
        ver = scenario_key(scen).split(":")[-1]
        lon_k, lat_k = f"edit_lon_{pid}_{ver}", f"edit_lat_{pid}_{ver}"
        at = (round(float(row.geometry.y), 6), round(float(row.geometry.x), 6))
        to = ((round(float(st.session_state[lat_k]), 6), round(float(st.session_state[lon_k]), 6))
              if lat_k in st.session_state and lon_k in st.session_state else None)
        em = edit_map_cached(area_spec(), demo_scale(), scenario_key(scen), lang(), _scen=scen)
        out = show_map(em, key="edit_map", height=380, returned=["last_clicked", "last_object_clicked"],
                       layers=edit_layers_cached(area_spec(), demo_scale(), scenario_key(scen), lang(), at, to,
                                                 _scen=scen))
        clicked = apply_map_click(st.session_state, out)
        if clicked:
            # a new click: it sets the coordinates (widget state written before the widgets exist), and
            # the map, drawn before the click was read, is redrawn with the proposed site
            st.session_state[lat_k], st.session_state[lon_k] = clicked
            st.rerun(scope="fragment")
        click = st.session_state.get("edit_click")
        c1, c2, c3, c4 = st.columns(4)
        lon = c1.number_input(tr("lon"), value=float(click[1] if click else row.geometry.x), format="%.6f", key=lon_k)
        lat = c2.number_input(tr("lat"), value=float(click[0] if click else row.geometry.y), format="%.6f", key=lat_k)
        if click:  # the last click (the run that read it reran to redraw the map with it)
            st.caption(f"{tr('clicked_at')}: {click[1]:.6f}, {click[0]:.6f} (WGS84)")
        yr = c3.number_input(tr("year"), YEAR_MIN, YEAR_MAX, int(row["open_year"]), key=f"edit_year_{pid}_{ver}",
                             format="%d")
        # The project type's first capacity column (a nine-year school: its primary seats).
        cap_col = TYPE_CAPACITY[row["type"]][0]
        level = registry.main_level(row["type"])
        seats = c4.number_input(t("seats", lang()), 0, 10000, int(row[cap_col]),
                                step=(SERVICES[level].class_size or 1) if level else 1,
                                key=f"edit_seats_{pid}_{ver}")
        if st.button(tr("apply"), key="edit_apply", type="primary"):
            try:
                new = working_copy(a, scen)
                new.move(pid, lon, lat, crs="EPSG:4326")
                new.set_year(pid, int(yr))
                new.set_seats(pid, **{cap_col: int(seats)})
                original = scen.name[: -len(EDITED_SUFFIX)] if scen.name.endswith(EDITED_SUFFIX) else scen.name
                keep_working_copy(a, new, original)
                st.session_state.pop("edit_click", None)
                st.rerun()
            except InputError as e:
                st.error(e.one_line())
    c1, c2 = st.columns([3, 1])
    new_name = c1.text_input(tr("new_name"), key="new_name")
    if c2.button(tr("save"), key="save_scenario") and new_name:
        try:
            path = save_from_app(a, scen, new_name)
            st.session_state["_saved_msg"] = tr("saved_listed", name=new_name) + f" ({path})"
            st.session_state["_select"] = {"scenario": new_name}
            st.rerun()
        except store.ScenarioChangedError as e:
            # Drop the stale edited copy: the next run shows the stored file as it is now, and the
            # planner applies the change to that.
            working_copies().pop((a.name, scen.name), None)
            st.error(e.one_line())
        except InputError as e:
            st.error(e.one_line())


def save_from_app(a, scen, new_name: str):
    """Save the (edited) scenario: under a new name, or over the stored scenario it was read from —
    only if nobody saved that file since it was read (else ScenarioChangedError, shown to the
    planner: reload and apply the change again). The CLI's edits use the same lock."""
    stored = store.stored_paths(a).get(new_name)
    meta = scen.meta or {}
    version, read_from = meta.get("file_version"), meta.get("file_path")
    if stored is not None and version and read_from and Path(read_from).resolve() == stored.resolve():
        return save_scenario(scen.copy(new_name), stored, overwrite=True, expected_version=version)
    return save_scenario(scen.copy(new_name))


#: Largest candidate-site upload accepted (bytes).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: Upload types accepted (read by pandas / pyogrio through scenarios.candidates; never pickle or eval).
UPLOAD_TYPES = ("csv", "geojson", "json", "gpkg")


def parse_upload(data: bytes, filename: str, crs):
    """Candidate sites from uploaded bytes, or the one-line message saying why not.

    Parameters
    ----------
    data : bytes
        The file's content (at most :data:`MAX_UPLOAD_BYTES`).
    filename : str
        Its name; the extension must be one of :data:`UPLOAD_TYPES`.
    crs : str
        The study area's CRS (candidates are projected to it).

    Returns
    -------
    (GeoDataFrame, None) or (None, str)
        Validated sites (:func:`scenarios.candidates.load_candidates`), or an error message naming
        the file, row and field at fault. Nothing else is touched.
    """
    name = Path(str(filename or "upload")).name
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in UPLOAD_TYPES:
        return None, InputError(f"file type .{suffix or '?'} is not accepted: use {', '.join(UPLOAD_TYPES)}",
                                file=name).one_line()
    if len(data) > MAX_UPLOAD_BYTES:
        return None, InputError(f"file is {len(data) / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB",
                                file=name).one_line()
    if not data:
        return None, InputError("file is empty", file=name).one_line()
    with tempfile.TemporaryDirectory(prefix="hedong-upload-") as d:
        path = Path(d) / f"candidates.{suffix}"
        path.write_bytes(data)
        try:
            return load_candidates(path, crs), None
        except InputError as e:
            return None, InputError(e.reason, file=name, row=e.row, field=e.field).one_line()
        except Exception as e:  # noqa: BLE001 - a reader's own error on a malformed file is the user's input error
            return None, InputError(f"cannot read the file ({type(e).__name__}: {str(e).splitlines()[0][:200]})",
                                    file=name).one_line()


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


@st.fragment
def optimise_section(a):
    """Upload candidate sites (or use generated ones) and run the optimiser; the chosen sites on a map
    with lon/lat (WGS84 and GCJ-02) and district, each one addable to the working scenario."""
    st.subheader(tr("optimise"))
    up = st.file_uploader(tr("upload"), type=list(UPLOAD_TYPES), key="cand_upload",
                          max_upload_size=MAX_UPLOAD_BYTES // 2**20, help=tr("upload_help"))
    cands, refused = None, None
    if up is not None:
        cands, refused = upload_cached(up.getvalue(), up.name, area_spec(), demo_scale())
        if refused:
            st.error(f"{tr('upload_refused')} {refused}")
        else:
            st.success(tr("upload_ok", n=len(cands)))
    else:
        st.caption(tr("generated_candidates"))
    c1, c2, c3 = st.columns([1, 2, 1])
    level = c1.selectbox(tr("level"), list(LEVELS), format_func=lambda k, L=lang(): service_label(k, L),
                         key="opt_level")
    model = c2.selectbox(tr("model"), list(MODEL_HELP_KEYS), key="opt_model",
                         format_func=lambda k, L=lang(): f"{k} · {t(MODEL_HELP_KEYS[k], L).split('：')[0].split(':')[0]}")
    p = c3.number_input(tr("p"), 1, 20, 2, key="opt_p")
    st.caption(t(MODEL_HELP_KEYS[model], lang()))
    # A refused upload stops here: never a silent fall-back to generated candidates.
    if st.button(tr("optimise"), key="opt_run", disabled=bool(refused), type="primary"):
        scen = current_scenario()
        try:
            with st.spinner(tr("solving")):
                res = optimize_area(a, level, model=model, p=int(p), candidates=cands, scenario=scen,
                                    year=int(st.session_state.get("year", PLAN_YEARS[-1])))
        except InfeasibleModelError as e:  # no solution for these settings: say so, no CLI flags
            st.session_state.pop("opt_result", None)
            st.error(e.reason)
            return
        except InputError as e:
            st.session_state.pop("opt_result", None)
            st.error(f"{tr('upload_refused') if cands is not None else ''} {e.one_line()}".strip())
            return
        st.session_state["opt_result"] = {**res, "_scenario": scen.name}
    r = st.session_state.get("opt_result")
    if not r:
        sites_map(cands)  # the candidates before any run; the chosen sites are drawn on the same map
        return
    unit = t(objective_unit_key(r["model"]), lang())
    value = float(r.get("objective_value", r["objective"]))
    # the unit goes with the label (in the value it pushed the number out of a narrow column: "15,576.0
    # child…"); counts of children or schools are whole numbers, minutes keep a decimal
    whole = r["model"] in ("mclp", "cmclp", "lscp")
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    c1.metric(f"{tr('objective')} · {unit}", f"{value:,.0f}" if whole else f"{value:,.1f}")
    c2.metric(tr("unserved_before"), f"{r.get('unserved_before', 0):,}")
    c3.metric(tr("unserved_after"), f"{r.get('unserved_after', 0):,}",
              delta=f"{r.get('unserved_after', 0) - r.get('unserved_before', 0):+,}", delta_color="inverse")
    c4.metric(tr("solve_time"), f"{r.get('solve_seconds', r['seconds']):.2f} s")
    sites = pd.DataFrame(r.get("chosen_sites", []))
    if not len(sites):
        sites_map(cands)
        return
    st.markdown(f"**{tr('chosen')}**")
    left, right = st.columns([3, 2])
    with right:
        show_table(sites[[c for c in ("candidate_id", "district", "lon", "lat", "lon_gcj02", "lat_gcj02", "seats")
                          if c in sites]], key="opt_sites")
        cid = st.selectbox(tr("add_site"), sites["candidate_id"].tolist(), key="opt_add_pick")
        if st.button(tr("add_site_btn"), key="opt_add"):
            s = sites[sites["candidate_id"] == cid].iloc[0]
            lvl = r["level"]
            try:
                new = working_copy(a, current_scenario())
                new.add_project(f"new-{lvl}-{cid}", tr("new_site_name", cid=cid), lvl, float(s["lon"]),
                                float(s["lat"]), int(st.session_state.get("year", PLAN_YEARS[-1])),
                                **{SERVICES[lvl].capacity: int(s["seats"])})
                base = current_scenario().name
                keep_working_copy(a, new, base[: -len(EDITED_SUFFIX)] if base.endswith(EDITED_SUFFIX) else base)
                st.rerun()
            except InputError as e:
                st.error(e.one_line())
    with left:
        sites_map(cands, sites)


@st.cache_data(show_spinner=False, max_entries=8)
def upload_cached(data: bytes, filename: str, spec: str, scale: float):
    """:func:`parse_upload` once per uploaded file (a rerun does not re-read it), then the site checks:
    a candidate outside the study area or far from any street refuses the file, naming its row."""
    a = get_area(spec, scale)
    cands, err = parse_upload(data, filename, a.crs)
    if err:
        return None, err
    try:
        check_sites(a, cands.geometry, file=Path(str(filename)).name, field="geometry", what="candidate",
                    labels=cands["candidate_id"].astype(str).tolist())
    except InputError as e:
        return None, e.one_line()
    return cands, None


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


@st.cache_resource(show_spinner=False, max_entries=4)
def sites_base_cached(spec: str, scale: float, lang_: str):
    """The optimiser's map without sites (districts and boundary for orientation), drawn once in the browser;
    candidates and chosen sites are a layers script run on it (:func:`sites_layers_cached`)."""
    a = get_area(spec, scale)
    m = webmap.base_map(a, lang=lang_)
    districts = webmap.add_districts(m, a, population=False)
    boundary = webmap.add_boundary(m, a)
    legends.add_notice(m, a, collapsed=True)  # under the page's own notice: one line that unfolds
    legends.add_attribution(m, a)
    controls.register_layers(m, [("districts", districts), ("boundary", boundary)])
    return webmap.finish(m, "served")


@st.cache_data(show_spinner=False, max_entries=16)
def sites_layers_cached(spec: str, scale: float, lang_: str, candidates: tuple, chosen: tuple) -> str:
    """Candidate sites (grey) and chosen or suggested sites (yellow), each ``(id, lon, lat)`` in WGS84, as
    a layers script for the drawn optimiser map: a new upload or result redraws these only."""
    scratch = map_scripts.scratch_map(sites_base_cached(spec, scale, lang_))  # a WGS84 map (no GCJ-02 tiles)
    for name, sites, style in ((tr("candidates_layer", lang_), candidates,
                                dict(radius=5, color="#555555", weight=1, fill_color="#bbbbbb", fill_opacity=0.9)),
                               (tr("chosen", lang_), chosen,
                                dict(radius=9, color="#111111", weight=2, fill_color="#ffd400", fill_opacity=0.95))):
        if not sites:
            continue
        fg = folium.FeatureGroup(name=f"{name} ({len(sites)})", show=True)
        for cid, lon, lat in sites:  # the ids come from the user's file: escaped (a tooltip is HTML)
            folium.CircleMarker([lat, lon], fill=True, tooltip=f"{styles.esc(cid)}: {lon:.6f}, {lat:.6f}",
                                **style).add_to(fg)
        fg.add_to(scratch)
    return map_scripts.layers_script(scratch)


@st.cache_resource(show_spinner=False, max_entries=4)
def place_base_cached(spec: str, scale: float, lang_: str):
    """The "My place" map's unchanging part, drawn once in the browser: the study area's own streets (to
    find one's home with no tiles, offline), subdistricts, boundary, facilities, notice and sources. A
    chosen point and its isochrone are a script run on it (:func:`place_layers_cached`)."""
    a = get_area(spec, scale)
    m = webmap.base_map(a, lang=lang_)
    layers = [("streets", webmap.add_streets(m, a, lang=lang_)),
              ("districts", webmap.add_districts(m, a, population=False)), ("boundary", webmap.add_boundary(m, a))]
    layers += [(f"family:{f}", fg) for f, fg in webmap.add_facilities(m, a.facilities).items()]
    legends.add_notice(m, a)
    legends.add_attribution(m, a)  # the sources, as on every other map
    controls.register_layers(m, layers)
    return webmap.finish(m, "served")


@st.cache_data(show_spinner=False, max_entries=64)
def place_layers_cached(spec: str, scale: float, lon: float | None, lat: float | None, minutes: float,
                        lang_: str) -> str:
    """For a chosen point (WGS84; none: only the base-map switch): its walking isochrone and a marker, as a
    script for the drawn :func:`place_base_cached` — a click sends kilobytes, not the streets again."""
    a = get_area(spec, scale)
    scratch = map_scripts.scratch_map(place_base_cached(spec, scale, lang_))
    map_scripts.add_tile_choice(scratch, lang_)
    if lon is not None:
        iso = place_isochrone(a, point_in_area_crs(a, lon, lat), minutes)
        fg = folium.FeatureGroup(name=tr("isochrone", lang_, minutes=f"{minutes:g}"), show=True)
        if not iso.is_empty:
            g = gpd.GeoDataFrame(geometry=[iso], crs=a.crs)
            folium.GeoJson(geojson.geojson_features(styles.to_display(g, "wgs84", simplify_m=5), []), interactive=False,
                           style_function=lambda f: {"color": "#1f5fbf", "weight": 1, "fillColor": "#1f5fbf",
                                                     "fillOpacity": 0.15}).add_to(fg)
        folium.CircleMarker([lat, lon], radius=8, color="#111111", weight=2, fill=True, fill_color="#ffd400",
                            fill_opacity=1.0).add_to(fg)
        fg.add_to(scratch)
    return map_scripts.layers_script(scratch)


def parse_lonlat(text: str, coords: str) -> tuple[float, float]:
    """``"lon, lat"`` (also space- or full-width-comma-separated) in ``coords`` (wgs84 / gcj02) to WGS84."""
    parts = [p for p in text.replace("，", ",").replace(",", " ").split() if p]
    if len(parts) != 2:
        raise InputError("type two numbers: longitude, latitude (e.g. 111.0075, 35.0265)", field="lon,lat")
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        raise InputError("longitude and latitude must be numbers", field="lon,lat") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError("longitude must be in -180..180 and latitude in -90..90 (lon first)", field="lon,lat")
    if coords == "gcj02":
        lon, lat = (float(v) for v in gcj02_to_wgs84(lon, lat))
    return lon, lat


def page_place():
    """My place: click the map, type lon/lat (WGS84 or GCJ-02) or pick a facility -> minutes on foot to the
    nearest facility of every service, which are within 5 / 10 / 15 minutes, and the walking isochrone."""
    a = area()
    spec, sc = area_spec(), demo_scale()
    st.caption(tr("place_help"))
    how = st.radio(tr("place_how"), ["click", "type", "facility"], key="place_how", horizontal=True,
                   format_func=lambda k, L=lang(): tr(f"place_{k}", L))
    point = st.session_state.get("place_point")
    if how == "type":
        c1, c2 = st.columns([3, 1])
        text = c1.text_input(tr("place_lonlat"), key="place_text", placeholder="111.0075, 35.0265")
        coords = c2.radio(tr("place_coords"), ["wgs84", "gcj02"], key="place_coords", horizontal=True,
                          format_func=lambda k: {"wgs84": "WGS84", "gcj02": "GCJ-02"}[k])
        if text:
            try:
                point = parse_lonlat(text, coords)
            except InputError as e:
                st.error(e.one_line())
    elif how == "facility":
        f = a.facilities.to_crs(4326)
        labels = [f"{n} · {i18n.family_label(fam, lang())}" for n, fam in zip(display_names(f, lang()), f["family"])]
        i = st.selectbox(tr("place_facility"), list(range(len(f))), key="place_fac", index=None,
                         format_func=lambda i, L=labels: L[i])
        if i is not None:
            point = (float(f.geometry.iloc[i].x), float(f.geometry.iloc[i].y))
    minutes = float(st.select_slider(tr("place_iso"), [5, 10, 15, 20, 30], 15, key="place_iso_min"))
    outside = False
    if point is not None:  # a place outside the study area is an error, not an answer (the site checks' rule)
        try:
            check_sites(a, [point_in_area_crs(a, *point)], snap=False, what="place")
        except InputError:
            outside = True
    shown = None if point is None or outside else point
    left, right = st.columns([3, 2])
    with left:
        layers = place_layers_cached(spec, sc, None if shown is None else round(shown[0], 6),
                                     None if shown is None else round(shown[1], 6), minutes, lang())
        out = show_map(place_base_cached(spec, sc, lang()), key="place_map", height=520,
                       returned=["last_clicked", "last_object_clicked"], layers=layers)
        st.html(legends.legend_row([legends.facility_legend_row(lang())]))  # the symbols, under the map
        new = newest_click(out, st.session_state.setdefault("_place_seen", {}))
        if how == "click" and new is not None and new != st.session_state.get("place_point"):
            st.session_state["place_point"] = new
            st.rerun()
    if point is not None and how != "click":
        st.session_state["place_point"] = point
    with right:
        if point is None:
            st.info(tr("place_none"))
            return
        lon, lat = point
        if outside:
            st.error(tr("place_outside", lon=f"{lon:.6f}", lat=f"{lat:.6f}", area=a.name))
            return
        glon, glat = (float(v) for v in wgs84_to_gcj02(lon, lat))
        st.markdown(f"**{tr('place_at')}** WGS84 {lon:.6f}, {lat:.6f} · GCJ-02 {glon:.6f}, {glat:.6f}")
        mins = place_minutes(a, point_in_area_crs(a, lon, lat))
        rows = []
        for s, v in mins.items():
            ok = np.isfinite(v)
            rows.append({tr("service"): service_label(s), tr("place_minutes"): round(v, 1) if ok else None,
                         **{f"≤ {b} {tr('min_short')}": ("✔" if ok and v <= b else "—") for b in PLACE_BANDS}})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="place_table",
                     column_config={tr("place_minutes"): st.column_config.NumberColumn(format="%.1f")})
        st.caption(tr("place_note"))


def page_indicators():
    """The plan's indicator table (accessibility.indicators, the same rows as ``hedong indicators`` and the
    published index): baseline, target, value for the area and by subdistrict, status with the reason."""
    lg = lang()
    st.caption(tr("indicator_help"))
    rows = indicators_cached(area_spec(), demo_scale(), lg)
    names = ["#", *(t(f"col.{k}", lg) for k in ("indicator", "unit", "baseline", "target", "now", "status", "note"))]

    def plan_figure(v):  # the plan's own figures as it prints them (93, 102.7); none is a blank
        return "" if v is None else format(v, "g")

    # values as the published index shows them (pub.fmt_value: two decimals, — for none), units in words
    show = pd.DataFrame([[r["no"] or "", r["indicator"], indicator_unit(r["unit"], lg), plan_figure(r["baseline_2020"]),
                          plan_figure(r["target_2025"]), pub.fmt_value(r["value"]),
                          f'{pub.STATUS_MARK[r["status"]]} {t("status." + r["status"], lg)}', r["note"]]
                         for r in rows], columns=names)
    st.dataframe(show, hide_index=True, width="stretch", key="indicator_table")
    st.subheader(tr("by_subdistrict"))
    byd = pd.DataFrame({r["indicator"]: {n: f'{pub.fmt_value(v.get("value"))} {pub.STATUS_MARK.get(v.get("status"), "")}'
                                         for n, v in r["by_district"].items()} for r in rows if r["by_district"]})
    if len(byd):
        byd.index = district_labels(byd.index).to_numpy()  # the subdistricts in the session's language
        byd.index.name = tr("district")
    st.dataframe(byd, width="stretch", key="indicator_districts")
    walk = [{names[1]: r["indicator"], t("col.walk_measure", lg): r["walking"]["measure"][lg],
             tr("share_col"): round(r["walking"]["value"], 3)} for r in rows if r["walking"]]
    if walk:
        st.caption(tr("walking_beside"))
        st.dataframe(pd.DataFrame(walk), hide_index=True, width="stretch", key="indicator_walking",
                     column_config={tr("share_col"): st.column_config.NumberColumn(format="percent")})
    for r in rows:
        missing = (r.get("detail") or {}).get("without_site")
        if missing:
            st.caption(r["indicator"])
            miss = pd.DataFrame(missing)
            miss["name"] = display_names(miss, lg)
            table_, cfg = labelled(miss.drop(columns=["name_en"], errors="ignore"), drop=())  # headers in words
            st.dataframe(table_, hide_index=True, width="stretch", key=f"detail_{r['key']}", column_config=cfg)


def page_publish():
    """Build the published maps (same as ``hedong publish``) and offer them as a zip."""
    a = area()
    st.write(tr("publish_help"))
    if st.button(tr("make_zip"), key="make_zip"):
        with st.spinner("…"):
            scen = current_scenario() if len(a.projects) else None
            st.session_state["zip"] = publish_cached(area_spec(), demo_scale(), scenario_key(scen), lang(), _scen=scen)
    if st.session_state.get("zip"):
        st.download_button(tr("download"), st.session_state["zip"], file_name=f"hedong-maps-{a.name}.zip",
                           mime="application/zip", key="download_zip")


# ---------------------------------------------------------------- layout


def keep_choices():
    """On a language switch, keep every choice the user made (the language radio's ``on_change``).

    Streamlit keeps a selectbox's, radio's or multiselect's choice as the label it showed: after a switch
    the old labels match none of the new ones, so a choice came back as a raw label (a KeyError on the
    map page after 中文 → English → 中文) or empty (no facilities drawn). Here, before the run in the new
    language, each choice is set again as its value (read with the labels of the run that showed it).
    Only text values and lists of them are choices or typed text; the app's own state (keys starting
    with ``_``), buttons, uploads and numbers are left alone.
    """
    for key in list(st.session_state.keys()):
        if key == "lang" or str(key).startswith("_"):
            continue
        v = st.session_state[key]
        if isinstance(v, str) or (isinstance(v, list) and v and all(isinstance(x, str) for x in v)):
            st.session_state[key] = v


def main():
    """Sidebar (language, study area, page) and the chosen page."""
    with st.sidebar:
        st.radio(t("app.lang", "zh"), list(LANGS), format_func=LANG_NAMES.get, key="lang",
                 horizontal=True, on_change=keep_choices)
        typed = st.session_state.get("area_folder", "").strip()
        options = area_options(typed)
        if typed and typed in options and st.session_state.get("_area_folder_applied") != typed:
            st.session_state["area"] = typed  # a folder just typed in becomes the selection
            st.session_state["_area_folder_applied"] = typed
        default_area = os.environ.get("HEDONG_AREA", AREAS[0]).strip()
        st.selectbox(tr("area"), options, index=options.index(default_area) if default_area in options else 0,
                     key="area")
        st.text_input(tr("area_folder"), key="area_folder")
        if typed and typed not in options:
            st.error(f"{typed}: not a folder")
        page = st.radio(tr("page"), PAGES, format_func=lambda k, L=lang(): tr(k, L), key="page")
    st.title(tr("title"))
    with st.spinner(tr("loading")):
        a = area()
    if getattr(a, "synthetic", False):
        st.warning(legends.notice_text(a, lang()), icon="⚠️")  # the notice starts with 演示数据（生成）
    elif legends.estimate_text(a, lang()):  # real data with estimated layers (Helsinki's population)
        st.info(legends.estimate_text(a, lang()), icon="ℹ️")
    {"map": page_map, "place": page_place, "coverage": page_coverage, "schools": page_schools, "indicators": page_indicators,
     "publish": page_publish}[page]()
    with st.sidebar:
        st.caption(legends.attribution_text(a, lang()))
        if getattr(a, "sources", None):
            with st.expander(t("page.sources", lang())):  # each layer's source and licence, as the area states it
                # plain escaped HTML: a grid here loaded the data-grid's code on every first page (~0.1 s)
                st.html(f'<ul class="hedong-sources" style="font-size:12px;padding-left:16px;margin:0">'
                        f"{legends.source_items_html(a.sources)}</ul>")


if __name__ == "__main__":  # streamlit runs the script as __main__; tests import its functions
    main()
