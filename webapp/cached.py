"""Cached results for the pages: every number comes from the packages (``accessibility``, ``scenarios``,
``presentation``) and is cached here — shared resources with ``st.cache_resource``, results with
``st.cache_data`` — keyed by area spec, demo scale and content keys (never an object's ``id()``).
"""

from __future__ import annotations

import json
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from accessibility.coverage import coverage_report, life_circle, service_coverage
from accessibility.equity import lorenz
from accessibility.fca import fca
from accessibility.norm_check import norm_gaps
from accessibility.place import place_isochrone, place_routes, point_in_area_crs
from layers.errors import InputError
from layers.families import SERVICES
from presentation import controls, geojson, legends, map_scripts, styles, webmap
from presentation import publish as pub
from scenarios.enrolment import enrolment_table
from scenarios.evaluate import evaluate
from scenarios.sites import check_sites
from webapp.state import get_area, tr
from webapp.upload import parse_upload


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
    return {"districts": r.districts, "per_1000": r.per_1000, "capacity": r.capacity, "demand": r.demand,
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
    # names written on the map, no hover box: a subdistrict's tooltip hid the site being chosen (issue 26 #8)
    layers = [("districts", webmap.add_districts(em, a, hover=False))]
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
    # tooltips above their marker, off the sites (the legend under the map says what each is)
    def tip(key):
        return folium.Tooltip(tr(key, lang_), direction="top", offset=(0, -14))

    folium.CircleMarker(list(at), radius=13, color="#111111", weight=3, fill=False, tooltip=tip("edit_now")).add_to(fg)
    if to is not None and tuple(to) != tuple(at):
        folium.PolyLine([list(at), list(to)], color="#111111", weight=2, dash_array="5 4").add_to(fg)
        folium.CircleMarker(list(to), radius=8, color="#111111", weight=2, fill=True, fill_color="#ffd400",
                            fill_opacity=1.0, tooltip=tip("edit_to")).add_to(fg)
    fg.add_to(scratch)
    return map_scripts.layers_script(scratch)


@st.cache_data(show_spinner=False, max_entries=8)
def indicators_cached(spec: str, scale: float, lang: str):
    """The plan's indicator rows computed from the current layers (publish.indicator_rows)."""
    return pub.indicator_rows(get_area(spec, scale), lang=lang)


@st.cache_data(show_spinner=False, max_entries=4)
def publish_cached(spec: str, scale: float, skey: str, lang: str, _scen=None, langs: tuple = (),
                   years: tuple = (), scenarios: tuple = (), _scens: tuple = ()) -> bytes:
    """The published maps of the area as a zip (same as ``hedong publish``): in ``langs`` (default
    ``lang``), for the seat-map ``years`` (default all) and ``scenarios`` (their cache keys,
    :func:`webapp.state.scenario_key`; ``_scens`` the scenarios themselves, working copies included;
    default the current one, ``_scen``)."""
    kw = {"years": list(years)} if years else {}
    scen = list(_scens) or _scen
    return pub.publish_zip(get_area(spec, scale), scenario=scen, lang=list(langs) or lang, **kw)


@st.cache_data(show_spinner=False, max_entries=16)
def lorenz_cached(spec: str, scale: float, service: str, minutes: float, mode: str) -> pd.DataFrame:
    """Lorenz curve of residents' minutes to the nearest facility (accessibility.equity.lorenz)."""
    a = get_area(spec, scale)
    p, L = lorenz(service_coverage(a, service, minutes, mode).cell_minutes.to_numpy(), a.population["pop_total"])
    return pd.DataFrame({"residents": p, "minutes": L, "equality": p})


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


@st.cache_resource(show_spinner=False, max_entries=4)
def sites_base_cached(spec: str, scale: float, lang_: str):
    """The optimiser's map without sites (districts and boundary for orientation), drawn once in the browser;
    candidates and chosen sites are a layers script run on it (:func:`sites_layers_cached`)."""
    a = get_area(spec, scale)
    m = webmap.base_map(a, lang=lang_)
    districts = webmap.add_districts(m, a)
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
              ("districts", webmap.add_districts(m, a)), ("boundary", webmap.add_boundary(m, a))]
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
        bounds = [[lat - 0.004, lon - 0.005], [lat + 0.004, lon + 0.005]]  # ~1 km around a place with no area
        if not iso.is_empty:
            g = styles.to_display(gpd.GeoDataFrame(geometry=[iso], crs=a.crs), "wgs84", simplify_m=5)
            # drawn strongly (a 3 px edge, 30 % fill): under the area's ~500 facility markers a thin 15 % fill
            # was hard to see (issue 26 #9)
            folium.GeoJson(geojson.geojson_features(g, []), interactive=False,
                           style_function=lambda f: {"color": "#1f5fbf", "weight": 3, "fillColor": "#1f5fbf",
                                                     "fillOpacity": 0.3}).add_to(fg)
            x0, y0, x1, y1 = (float(v) for v in g.total_bounds)
            bounds = [[y0, x0], [y1, x1]]
        fg.add_to(scratch)
        # the way to the nearest facility of each service, drawn under the marker
        webmap.add_routes(scratch, place_routes(a, point_in_area_crs(a, lon, lat)), a.crs, lang=lang_)
        mark = folium.FeatureGroup(name="●", show=True, control=False)
        folium.CircleMarker([lat, lon], radius=8, color="#111111", weight=2, fill=True, fill_color="#ffd400",
                            fill_opacity=1.0).add_to(mark)
        mark.add_to(scratch)
        # zoom to the place and its walking area (the map stayed on the whole study area)
        controls.Script("{map}.fitBounds(" + json.dumps(bounds) + ", {padding: [24, 24], maxZoom: 16});").add_to(scratch)
    return map_scripts.layers_script(scratch)
