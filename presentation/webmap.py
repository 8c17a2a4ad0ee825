"""folium map builders for the app and the published maps — vector layers that work offline.

Every builder takes a map made by :func:`base_map` and GeoDataFrames in the study area's
projected CRS, and adds one layer (a ``folium.FeatureGroup`` listed in the layer switch).
Geometries are reprojected for display, simplified and rounded so a map stays small:

- display coordinates are WGS84 — or GCJ-02 when the chosen base tiles are Amap's, because
  Amap/Tencent tiles are themselves in GCJ-02: the *data* is shifted onto the tiles, never the
  other way round (:func:`gis.crs.wgs84_to_gcj02`);
- coordinates are rounded to 5 decimals (about 1 m) and polygons simplified (default 5 m);
- population cells are aggregated into coarser squares (default 200 m) for the density layer.

No element here loads anything from a CDN: markers are ``L.circleMarker`` or ``L.divIcon``
holding inline SVG (no Font Awesome), the legend, the generated-data notice and attribution are
plain Leaflet controls, and :func:`finish` points the page at the vendored Leaflet
(:mod:`presentation.assets`): served by the app, or inlined into a standalone file.

The builders' parts live by concern: :mod:`presentation.styles` (palettes, colour classes,
markers, tiles, display CRS), :mod:`presentation.geojson` (GeoJSON builders, data shaping, the
static layers kept on the area's compute context), :mod:`presentation.legends` (legends, notice,
attribution), :mod:`presentation.controls` (Leaflet controls and scripts) and
:mod:`presentation.map_scripts` (the page scripts of maps drawn once).

Typical use::

    m = base_map(area, lang="zh")
    add_boundary(m, area); add_districts(m, area)
    add_facilities(m, area.facilities)
    legends.add_notice(m, area); legends.add_legend(m, ...); controls.add_layer_control(m)
    html = finish(m, assets="inline").get_root().render()
"""

from __future__ import annotations

import json

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from accessibility.context import ComputeContext
from layers.families import FAMILIES, LIFE_CIRCLE_SERVICES, SERVICE_COLOR, SERVICES
from presentation import assets as _assets
from presentation.controls import LayerRegistry, Script, add_layer_control, register_layers
from presentation.folium_render import FixedStyleGeoJson
from presentation.geojson import (
    as_facilities, cell_rows_of, cell_square_texts, cell_squares, district_population, facility_table, geojson_features,
    life_circle_cells, static_layer, street_features)
from presentation.i18n import display_names, family_label, t
from presentation.legends import (
    add_attribution, add_legend, add_notice, density_legend, facility_legend, legend_html,
    life_circle_legend, swatch)
from presentation.map_scripts import layers_script, overview_layers_js, scratch_map
from presentation import publish_shared as _shared
from presentation.styles import (
    BOUNDARY_STYLE, DENSITY_COLORS, GAIN_COLOR, LOSS_COLOR, TILES, UNCOVERED_COLOR, catchment_colors, class_breaks,
    class_of, coverage_color, display_crs, esc, life_circle_colors, marker_svg, tile_specs,
    to_display, utilisation_color)


def base_map(area, *, tiles: str = "none", lang: str = "zh", tianditu_key: str | None = None,
             height: str = "100%", add_tiles: bool = True) -> folium.Map:
    """An empty map fitted to the study area, with the chosen base tiles (none by default).

    Parameters
    ----------
    area : gis.study_area.StudyArea
    tiles : {"none", "osm", "tianditu", "amap"}
        ``none``: vectors only, works offline. ``osm``: OpenStreetMap tiles (internet).
        ``tianditu``: 天地图 vector tiles + labels (internet and the user's key). ``amap``: 高德
        tiles, which are in GCJ-02: every layer added later is shifted to GCJ-02 for display.
    lang : {"zh", "en"}
    tianditu_key : str, optional
        The user's Tianditu key (``tk``); required for ``tiles="tianditu"``.
    add_tiles : bool
        False: only the display datum of ``tiles``, no tile layer (a script adds them later).

    Returns
    -------
    folium.Map
        With ``_hedong_display`` set to the display datum and ``_hedong_lang`` to ``lang``.

    Raises
    ------
    layers.errors.InputError
        Unknown ``tiles`` or a Tianditu map without a key.
    """
    tile_specs(tiles, lang, tianditu_key)  # checks the choice before any work
    display = TILES[tiles]["display"]
    # Fit to the subdistricts (the planned city) when there are any, else to the whole boundary.
    frame = area.districts if len(getattr(area, "districts", [])) else area.boundary
    b = to_display(frame[["geometry"]], display)
    minx, miny, maxx, maxy = b.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=12, tiles=None,
                   control_scale=False, prefer_canvas=True, height=height, zoom_snap=0.25)
    m._hedong_display = display
    m._hedong_lang = lang
    for spec in tile_specs(tiles, lang, tianditu_key) if add_tiles else []:
        folium.TileLayer(tiles=spec["url"], attr=spec["attr"], name=spec["name"], control=False,
                         **({"subdomains": spec["subdomains"]} if spec.get("subdomains") else {})).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    # A map first drawn in a hidden or zero-size frame (a folded expander, a tab) would stay zoomed
    # out to the world: refit to the study area once the frame gets its size.
    # The fit leaves the title bar's height free at the top: the title (top right) covered the area's
    # north-eastern subdistricts (issue 26 #5, the development zone on the seat map).
    Script("(function(map){var b=L.latLngBounds(" + json.dumps([[miny, minx], [maxy, maxx]]) + ");"
            # fitted again until the title is there (it may be drawn after the first fit) or 0.3 s have passed
            # a zoom animation still running (folium's own first fit animates) would end on its own target
            # after this fit and undo the title's padding (1 load in 4 on a desktop): fit once it has ended
            "var done=false;function fit(last){if(map._animatingZoom){map.once('zoomend',function(){fit(last);});return;}"
            "var s=map.getSize();if(!done&&s.x>0&&s.y>0){map.invalidateSize();"
            "var c=map.getContainer(),t=c.querySelector('.hedong-title-control'),top=0;"
            "if(t){top=Math.min(s.y/3,t.getBoundingClientRect().bottom-c.getBoundingClientRect().top+4);}"
            "map.fitBounds(b,{paddingTopLeft:[0,Math.max(0,top)],animate:false});done=!!t||last===true;}}"
            "if(window.ResizeObserver){new ResizeObserver(fit).observe(map.getContainer());}"
            # and once more at 0.3 s, whatever came before: a fit during the page's first layout kept no padding;
            # then every 0.1 s until the title is there (up to 3 s: a publication's shared data scripts load
            # first, so its title may come after 0.3 s)
            "setTimeout(fit,50);var n=0;setTimeout(function again(){var t=map.getContainer()"
            ".querySelector('.hedong-title-control');done=false;fit(true);if(!t&&n++<30){setTimeout(again,100);}},300);"
            "})({map});").add_to(m)
    m.get_root().header.add_child(folium.Element(PHONE_CSS), name="hedong_phone_css")
    Script(f"{{map}}.getContainer().style.background = '{'#f4f3ef' if tiles == 'none' else '#ffffff'}';").add_to(m)
    # metric scale bar only (the imperial line ran into the attribution), small attribution text
    Script("L.control.scale({imperial: false, position: 'bottomleft'}).addTo({map});"
            "{map}.attributionControl.getContainer().style.fontSize = '10px';").add_to(m)
    return m


#: On a phone (≤ 480 px) no box covers a control or another box: the title keeps clear of the zoom and layer
#: buttons (top left), the legend (bottom right) and the my-place hint (bottom left) take half the width
#: each, and a long legend scrolls (issue 26 #5: the title covered the zoom buttons, the legend the hint).
PHONE_CSS = ("<style>@media (max-width:480px){"
             ".hedong-title-control>div{max-width:calc(100vw - 100px)!important;box-sizing:border-box;"
             "font-size:11px!important}"
             ".hedong-title-control{margin-left:0!important}"
             ".hedong-legend-control>div,.hedong-place-hint>div{max-width:calc(50vw - 22px)!important;"
             "box-sizing:border-box}"
             ".hedong-legend-control>div{max-height:40vh;overflow:auto}"
             ".hedong-place-hint>div{font-size:10px!important}"
             ".leaflet-control-attribution{max-width:calc(50vw - 10px)!important;font-size:9px!important}}</style>")


def add_boundary(m: folium.Map, area, *, lang: str | None = None) -> folium.FeatureGroup:
    """The study-area boundary as a dark outline (no fill)."""
    lang = lang or getattr(m, "_hedong_lang", "zh")
    fg = folium.FeatureGroup(name=t("boundary", lang), show=True)
    g = to_display(area.boundary, display_crs(m), simplify_m=20)
    FixedStyleGeoJson(geojson_features(g, []), BOUNDARY_STYLE, name=t("boundary", lang), interactive=False).add_to(fg)
    fg.add_to(m)
    return fg


def _district_outlines(features: dict, lang: str, fields=("label", "pop")) -> folium.GeoJson:
    """Subdistrict outlines with a name (``label``) and, when the features carry it, population (``pop``) tooltip."""
    aliases = {"label": t("district", lang), "pop": t("population_n", lang)}
    return FixedStyleGeoJson(
        features, {"color": "#555555", "weight": 1.2, "fillOpacity": 0.0, "fillColor": "#ffffff"},
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(list(fields), aliases=[aliases[f] for f in fields],
                                      localize=True, sticky=False),
    )


def add_districts(m: folium.Map, area, *, lang: str | None = None, labels: bool = True,
                  population: bool = True, hover: bool = True) -> folium.FeatureGroup:
    """Subdistrict outlines with a hover tooltip (name, and the residents counted in the population layer)
    and, optionally, name labels.

    ``population=False`` (or an area without a population layer) leaves the population out of the tooltip.
    It used to write ``pop = 0`` instead, and every map that passed it (seat, edit, optimiser, my-place,
    life-circle maps; issue 26 #1) hovered "Population 0" over every subdistrict."""
    lang = lang or getattr(m, "_hedong_lang", "zh")
    d = area.districts.copy()
    d["label"] = display_names(d, lang)
    fields = ["label"]
    if population and len(area.population):
        d["pop"] = district_population(area, d)
        fields.append("pop")
    g = to_display(d, display_crs(m), simplify_m=10)
    fg = folium.FeatureGroup(name=t("districts", lang), show=True)
    if hover:
        _district_outlines(geojson_features(g, fields), lang, fields).add_to(fg)
    else:  # outlines only (a map where the planner clicks to choose a site: no box over it)
        FixedStyleGeoJson(geojson_features(g, []), {"color": "#555555", "weight": 1.2, "fillOpacity": 0.0,
                                                    "fillColor": "#ffffff"}, interactive=False).add_to(fg)
    fg.add_to(m)
    if labels:
        lab = folium.FeatureGroup(name=t("district_labels", lang), show=True)
        pts = d.copy()
        pts["geometry"] = d.geometry.representative_point()
        pts = to_display(pts, display_crs(m))
        for name, geom in zip(pts["label"], pts.geometry):
            folium.Marker(
                [geom.y, geom.x], interactive=False,
                icon=folium.DivIcon(
                    # long names (English ones) wrap into a few centred lines instead of running off the map
                    html=(f'<div style="transform:translate(-50%,-50%);width:max-content;max-width:130px;'
                          f'text-align:center;font:600 12px/1.15 '
                          f"'Microsoft YaHei','WenQuanYi Micro Hei',sans-serif;color:#333;"
                          f'text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff">{esc(name)}</div>'),
                    icon_size=(0, 0), icon_anchor=(0, 0), class_name="hedong-label"),
            ).add_to(lab)
        lab.add_to(m)
    return fg


def add_population_density(m: folium.Map, area, *, lang: str | None = None, agg_m: float = 200.0,
                           show: bool = True) -> tuple[folium.FeatureGroup, list[float]]:
    """Population density as coloured squares (cells aggregated to ``agg_m`` metres).

    Returns
    -------
    (FeatureGroup, breaks)
        ``breaks`` are the upper bounds of the density classes (people per km²) for the legend.
    """
    lang = lang or getattr(m, "_hedong_lang", "zh")
    sq = cell_squares(area.population, area.cell_size or 100.0, ["pop_total"], agg_m=agg_m)
    sq = sq[sq["pop_total"] > 0]
    sq["density"] = (sq["pop_total"] / sq["area_km2"]).round(-1)
    breaks = class_breaks(sq["density"], len(DENSITY_COLORS))
    sq["c"] = [DENSITY_COLORS[class_of(v, breaks)] for v in sq["density"]]
    sq["pop_total"] = sq["pop_total"].round().astype(int)
    g = to_display(sq, display_crs(m))
    fg = folium.FeatureGroup(name=t("population", lang), show=show)
    folium.GeoJson(
        geojson_features(g, ["c", "pop_total", "density"]),
        style_function=lambda f: {"fillColor": f["properties"]["c"], "fillOpacity": 0.6, "stroke": False},
        tooltip=folium.GeoJsonTooltip(["pop_total", "density"],
                                      aliases=[t("population_n", lang), t("population", lang)], localize=True),
    ).add_to(fg)
    fg.add_to(m)
    return fg, breaks


def add_facilities(m: folium.Map, facilities: gpd.GeoDataFrame, *, lang: str | None = None,
                   families=None, show=None, size: int = 16, planned: bool = False) -> dict[str, folium.FeatureGroup]:
    """Facilities, one switchable layer per family, each with its own SVG symbol and a click pop-up.

    The pop-up shows name, type, capacity, who it serves (the services and thresholds of
    :data:`layers.norms.SERVICES`) and the data source.

    Parameters
    ----------
    facilities : GeoDataFrame
        :data:`layers.schema.FACILITY_COLUMNS`, points.
    families : iterable of str, optional
        Families to draw (default: all six).
    show : iterable of str, optional
        Families whose layer starts visible (default: all drawn).
    planned : bool
        Draw dashed outlines (planned projects).

    Returns
    -------
    dict family -> FeatureGroup
    """
    lang = lang or getattr(m, "_hedong_lang", "zh")
    families = list(families or FAMILIES)
    show = set(show if show is not None else families)
    out = {}
    if facilities is None or len(facilities) == 0:
        return out
    facilities = as_facilities(facilities)
    info = facility_table(facilities, lang)
    f = facilities[["family", "geometry"]].join(info)
    f = to_display(f, display_crs(m))
    cols = ["name", "type", "capacity", "serves", "source"]
    aliases = [t(k, lang) for k in cols]
    for fam in families:
        sub = f[f["family"] == fam]
        if len(sub) == 0:
            continue
        label = family_label(fam, lang) + (f" · {t('planned', lang)}" if planned else "")
        icon_html = marker_svg(fam, size, planned)
        fg = folium.FeatureGroup(name=f'<span style="display:inline-block;vertical-align:middle">{icon_html}</span> '
                                      f"{label} ({len(sub)})", show=fam in show)
        folium.GeoJson(
            geojson_features(sub, cols),
            marker=folium.Marker(icon=folium.DivIcon(html=icon_html, icon_size=(size, size),
                                                     icon_anchor=(size // 2, size // 2), class_name="hedong-icon")),
            tooltip=folium.GeoJsonTooltip(["name"], labels=False),
            popup=folium.GeoJsonPopup(cols, aliases=aliases, max_width=360),
        ).add_to(fg)
        fg.add_to(m)
        out[fam] = fg
    return out


def add_circles(m: folium.Map, circles: gpd.GeoDataFrame, service: str, minutes: float, *,
                lang: str | None = None, show: bool = True) -> folium.FeatureGroup:
    """Service areas (the N-minute circles along the network) of one service as translucent polygons."""
    lang = lang or getattr(m, "_hedong_lang", "zh")
    svc = SERVICES[service].label(lang) if service in SERVICES else service
    color = SERVICE_COLOR.get(service, "#3366cc")
    fg = folium.FeatureGroup(name=t("circles", lang, minutes=int(minutes), service=svc), show=show)
    if circles is not None and len(circles):
        g = to_display(circles[["geometry"]], display_crs(m), simplify_m=15)
        FixedStyleGeoJson(geojson_features(g, []), {"color": color, "weight": 1, "opacity": 0.7, "fillColor": color,
                                             "fillOpacity": 0.18}, interactive=False).add_to(fg)
    fg.add_to(m)
    return fg


def add_uncovered(m: folium.Map, cells: gpd.GeoDataFrame, cell_size: float, *, lang: str | None = None,
                  agg_m: float | None = None, show: bool = True, label: str | None = None,
                  area=None) -> folium.FeatureGroup:
    """Population cells left outside the circles, highlighted in magenta (tooltip: residents).

    ``area``: the study area whose population rows ``cells`` are; its cells' squares are then
    projected and serialised once per area and display datum (:func:`cell_square_texts`) and each
    map only picks its cells (a publication draws the uncovered cells of nine services).
    """
    lang = lang or getattr(m, "_hedong_lang", "zh")
    fg = folium.FeatureGroup(name=label or t("uncovered", lang), show=show)
    if cells is not None and len(cells):
        style = {"fillColor": UNCOVERED_COLOR, "fillOpacity": 0.5, "stroke": False}
        tooltip = folium.GeoJsonTooltip(["pop_total"], aliases=[t("population_n", lang)], localize=True)
        pos = cell_rows_of(area, cells, cell_size) if area is not None and not agg_m else None
        if pos is not None:
            texts = cell_square_texts(area, display_crs(m))
            pop = np.round(cells["pop_total"].to_numpy(dtype=float)).astype(int)
            keep = pop > 0
            data = {"type": "FeatureCollection", "features": [
                {"type": "Feature", "geometry": None, "properties": {"pop_total": p}} for p in pop[keep].tolist()]}
            shared = _shared.CURRENT.get()
            if shared is not None:  # a publication: the squares live once in data/cells-*.js and the
                # page builds its features from their positions (10 bytes a cell instead of 90)
                var = shared.use_cells(display_crs(m), texts)
                expr = _shared.cells_expression(var, pos[keep].tolist(), pop[keep].tolist())
                FixedStyleGeoJson(data, style, text_cache={"text": expr}, tooltip=tooltip).add_to(fg)
            else:
                FixedStyleGeoJson(data, style, geometry_text=[texts[i] for i in pos[keep].tolist()],
                                  tooltip=tooltip).add_to(fg)
        else:
            sq = cell_squares(cells, cell_size, ["pop_total"], agg_m=agg_m)
            sq["pop_total"] = sq["pop_total"].round().astype(int)
            sq = sq[sq["pop_total"] > 0]
            g = to_display(sq, display_crs(m))
            FixedStyleGeoJson(geojson_features(g, ["pop_total"]), style, tooltip=tooltip).add_to(fg)
    fg.add_to(m)
    return fg


def add_life_circle(m: folium.Map, groups: gpd.GeoDataFrame, minutes: float, *, total: int | None = None,
                    lang: str | None = None, show: bool = True) -> folium.FeatureGroup:
    """The life-circle index: cells coloured by how many services are within ``minutes`` (0..total).

    Parameters
    ----------
    groups : GeoDataFrame
        From :func:`life_circle_cells`.
    total : int, optional
        Number of services in the index (default: the registry's life-circle services).

    The tooltip names the class, its residents and the services missing there.
    """
    lang = lang or getattr(m, "_hedong_lang", "zh")
    total = len(LIFE_CIRCLE_SERVICES) if total is None else int(total)
    colors = life_circle_colors(total)
    fg = folium.FeatureGroup(name=t("life_circle_layer", lang, minutes=int(minutes)), show=show)
    if groups is not None and len(groups):
        g = groups.copy()
        g["c"] = [colors[min(int(n), total)] for n in g["n"]]
        g["label"] = [t("all_services" if n == total else "n_services", lang, n=int(n), total=total) for n in g["n"]]
        sep = "、" if lang == "zh" else ", "
        g["missing_label"] = [sep.join(SERVICES[k].label(lang) if k in SERVICES else k for k in miss)
                              or t("none_missing", lang) for miss in g["missing"]]
        g["pop_total"] = g["pop_total"].round().astype(int)
        d = to_display(g.drop(columns=["missing"]), display_crs(m))
        folium.GeoJson(
            geojson_features(d, ["c", "label", "pop_total", "missing_label"]),
            style_function=lambda f: {"fillColor": f["properties"]["c"], "fillOpacity": 0.75, "color": "#ffffff",
                                      "weight": 0.3, "opacity": 0.6},
            highlight_function=lambda f: {"weight": 2, "color": "#000000", "opacity": 1},
            tooltip=folium.GeoJsonTooltip(["label", "pop_total", "missing_label"],
                                          aliases=[t("services_within", lang), t("population_n", lang),
                                                   t("missing", lang)], localize=True, sticky=True),
        ).add_to(fg)
    fg.add_to(m)
    return fg


def add_seat_choropleth(m: folium.Map, area, rows, level: str, year: int, *, lang: str | None = None
                        ) -> folium.FeatureGroup:
    """Districts coloured by seat coverage of one school level in one year.

    Parameters
    ----------
    rows : list of dict or DataFrame
        ``by_district`` rows of a scenario evaluation: ``district`` (name or id), ``demand``,
        ``seats``, ``assigned``, ``unserved``, ``coverage`` (0-1).
    level : str
        ``primary``, ``junior`` or ``kindergarten``.
    """
    lang = lang or getattr(m, "_hedong_lang", "zh")
    df = pd.DataFrame(rows)
    d = area.districts.copy()
    key = "district"
    if len(df) and "district_id" in df.columns:  # by id: two districts sharing a name never merge
        j = df.set_index(df["district_id"].astype(str)).reindex(d["district_id"].astype(str).to_numpy())
        for c in ("demand", "seats", "assigned", "unserved", "coverage"):
            d[c] = j[c].to_numpy() if c in j.columns else np.nan
    elif len(df) and key in df.columns:
        by_name = df.set_index(df[key].astype(str))
        match_col = "name" if d["name"].astype(str).isin(by_name.index).any() else "district_id"
        j = by_name.reindex(d[match_col].astype(str).to_numpy())
        for c in ("demand", "seats", "assigned", "unserved", "coverage"):
            d[c] = j[c].to_numpy() if c in j.columns else np.nan
    else:
        for c in ("demand", "seats", "assigned", "unserved", "coverage"):
            d[c] = np.nan
    d["label"] = display_names(d, lang)
    # Colour: the seat balance the education bureau reads — seats located in the subdistrict over
    # the children of the level living there. The tooltip adds the share seated within the
    # walking limit (the capacity-respecting assignment), which the norm radius keeps far lower.
    dem = d["demand"].astype(float).to_numpy()
    ratio = np.divide(d["seats"].astype(float).to_numpy(), dem, out=np.full(len(d), np.nan), where=dem > 0)
    d["c"] = [coverage_color(v) for v in ratio]
    d["ratio_pct"] = [("—" if not np.isfinite(v) else f"{v:.0%}") for v in ratio]
    d["coverage_pct"] = [("—" if not np.isfinite(v) else f"{v:.0%}") for v in d["coverage"].astype(float)]
    for c in ("demand", "seats", "unserved"):
        d[c] = d[c].astype(float).round()
    lvl = SERVICES[level].label(lang) if level in SERVICES else level
    limit = SERVICES[level].minutes if level in SERVICES else None
    fg = folium.FeatureGroup(name=t("seat_coverage", lang, level=lvl, year=year), show=True)
    g = to_display(d, display_crs(m), simplify_m=10)
    folium.GeoJson(
        geojson_features(g, ["label", "c", "demand", "seats", "unserved", "ratio_pct", "coverage_pct"]),
        style_function=lambda f: {"fillColor": f["properties"]["c"], "fillOpacity": 0.6, "color": "#444444",
                                  "weight": 1.2},
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            ["label", "ratio_pct", "seats", "demand", "coverage_pct", "unserved"],
            aliases=[t("district", lang), t("seat_ratio", lang), t("seats", lang), t("demand", lang),
                     t("within_limit", lang, minutes=f"{limit:g}") if limit else t("coverage", lang),
                     t("unserved", lang)], localize=True),
    ).add_to(fg)
    fg.add_to(m)
    return fg


def add_gains(m: folium.Map, area, squares: gpd.GeoSeries, diff, scen_rows, base_rows, *,
              lang: str | None = None) -> None:
    """Who gains: cells whose children seated within the walking limit rise (green) or fall (red) —
    dissolved into one polygon per sign so the layer stays small — and districts shaded by the
    change, with a tooltip of the change in seats and children seated.

    Parameters
    ----------
    squares : GeoSeries
        One square per population cell (:meth:`scenarios.evaluate.Evaluator.cell_squares`).
    diff : array (n_cells,)
        Scenario minus baseline children seated within the limit, per cell.
    scen_rows, base_rows : DataFrame
        ``by_district`` of the scenario and of the baseline (``district_id``, ``seats``, ``assigned``).
    """
    lang = lang or getattr(m, "_hedong_lang", "zh")
    diff = np.asarray(diff, float)
    d = area.districts.copy()
    s_ = pd.DataFrame(scen_rows).set_index("district_id")
    b_ = pd.DataFrame(base_rows).set_index("district_id")
    ids = d["district_id"].astype(str)
    d["d_seated"] = (s_["assigned"].reindex(ids).fillna(0).to_numpy() - b_["assigned"].reindex(ids).fillna(0)
                     .to_numpy()).round().astype(int)
    d["d_seats"] = (s_["seats"].reindex(ids).fillna(0).to_numpy() - b_["seats"].reindex(ids).fillna(0)
                    .to_numpy()).round().astype(int)
    d["label"] = display_names(d, lang)
    d["seated_txt"] = [f"{v:+,d}" for v in d["d_seated"]]
    d["seats_txt"] = [f"{v:+,d}" for v in d["d_seats"]]
    big = max(1, int(np.abs(d["d_seated"]).max()))
    d["c"] = [GAIN_COLOR if v > 0 else LOSS_COLOR if v < 0 else "#ffffff" for v in d["d_seated"]]
    d["o"] = [0.0 if v == 0 else 0.15 + 0.35 * min(1.0, abs(v) / big) for v in d["d_seated"]]
    fg = folium.FeatureGroup(name=t("gain_districts", lang), show=True)
    g = to_display(d, display_crs(m), simplify_m=10)
    folium.GeoJson(
        geojson_features(g, ["label", "c", "o", "seated_txt", "seats_txt"]),
        style_function=lambda f: {"fillColor": f["properties"]["c"], "fillOpacity": f["properties"]["o"],
                                  "color": "#555555", "weight": 1.2},
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(["label", "seated_txt", "seats_txt"],
                                      aliases=[t("district", lang), t("change_seated", lang), t("change_seats", lang)]),
    ).add_to(fg)
    fg.add_to(m)
    for key, mask, color in (("gain_cells", diff > 1e-9, GAIN_COLOR), ("loss_cells", diff < -1e-9, LOSS_COLOR)):
        if not mask.any():
            continue
        shape = gpd.GeoDataFrame({"n": [int(round(abs(diff[mask].sum())))]},
                                 geometry=[shapely.union_all(squares.values[mask])], crs=squares.crs)
        cg = folium.FeatureGroup(name=t(key, lang), show=True)
        FixedStyleGeoJson(geojson_features(to_display(shape, display_crs(m), simplify_m=5), []),
                          {"fillColor": color, "fillOpacity": 0.75, "color": color, "weight": 0.5},
                          interactive=False).add_to(cg)
        cg.add_to(m)


def gains_map(area, squares, diff, scen_rows, base_rows, *, lang: str = "zh", title: str | None = None,
              assets: str = "served") -> folium.Map:
    """A map of who gains and who loses seats within reach between two evaluations (:func:`add_gains`)."""
    m = base_map(area, lang=lang)
    add_gains_layers(m, area, squares, diff, scen_rows, base_rows, title=title)
    add_gains_frame(m, area)
    add_layer_control(m, collapsed=True)
    return finish(m, assets)


def add_gains_layers(m: folium.Map, area, squares, diff, scen_rows, base_rows, *, title: str | None = None) -> None:
    """What changes on a gains map with the two evaluations: :func:`add_gains` and its legend."""
    lang = getattr(m, "_hedong_lang", "zh")
    add_gains(m, area, squares, diff, scen_rows, base_rows)
    add_legend(m, [legend_html(title or t("change_seated", lang), [
        (swatch(GAIN_COLOR, opacity=0.75), t("gain_cells", lang)),
        (swatch(LOSS_COLOR, opacity=0.75), t("loss_cells", lang))])])


def add_gains_frame(m: folium.Map, area) -> list:
    """What does not: the boundary, the generated-data notice (one line that unfolds: in the app it sits
    under the page's own notice) and the sources. Returns ``[("boundary", FeatureGroup)]``."""
    boundary = add_boundary(m, area)
    add_notice(m, area, collapsed=True)
    add_attribution(m, area)
    return [("boundary", boundary)]


def gains_map_base(area, *, lang: str = "zh", assets: str = "served") -> folium.Map:
    """The app's gains map without its two evaluations (:func:`add_gains_frame`), drawn once in the
    browser; each comparison is then a script of :func:`gains_map_layers` run on it."""
    m = base_map(area, lang=lang)
    register_layers(m, add_gains_frame(m, area))
    return finish(m, assets)


def gains_map_layers(base: folium.Map, area, squares, diff, scen_rows, base_rows, *, title: str | None = None) -> str:
    """The gains map layers of one comparison (:func:`add_gains_layers`) as a script for a drawn
    :func:`gains_map_base` (:func:`layers_script`)."""
    scratch = scratch_map(base)
    add_gains_layers(scratch, area, squares, diff, scen_rows, base_rows, title=title)
    return layers_script(scratch)


def add_schools(m: folium.Map, schools: gpd.GeoDataFrame, *, lang: str | None = None, seats_col: str = "seats",
                name: str | None = None) -> folium.FeatureGroup:
    """Schools as circles sized by seats and coloured by utilisation, with a pop-up of their numbers.

    Parameters
    ----------
    schools : GeoDataFrame
        Points with ``name``, ``seats_col`` and, where known, ``assigned`` and ``utilisation``
        (assigned / seats); an ``is_project`` column draws planned schools with a black ring.
    """
    lang = lang or getattr(m, "_hedong_lang", "zh")
    fg = folium.FeatureGroup(name=name or t("schools", lang), show=True)
    if schools is None or len(schools) == 0:
        fg.add_to(m)
        return fg
    s = schools.copy()
    if "name" in s.columns:
        s["name"] = display_names(s, lang)  # the English name under an English map, where there is one
    if "utilisation" not in s.columns:
        s["utilisation"] = np.nan
    if "assigned" not in s.columns:
        s["assigned"] = np.nan
    g = to_display(s, display_crs(m))
    for rec, geom in zip(g.drop(columns="geometry").to_dict("records"), g.geometry):
        seats = float(rec.get(seats_col) or 0)
        u = rec.get("utilisation")
        u = float(u) if u is not None else np.nan
        radius = 4 + 8 * np.sqrt(max(seats, 0) / 2500.0)
        ring = "#000000" if rec.get("is_project") else "#ffffff"
        popup = (f"<b>{esc(rec.get('name', ''))}</b><br>{t('seats', lang)}: {seats:,.0f}"
                 + (f"<br>{t('assigned', lang)}: {float(rec['assigned']):,.0f}" if np.isfinite(float(rec['assigned'] if rec['assigned'] is not None else np.nan)) else "")
                 + (f"<br>{t('utilisation', lang)}: {u:.0%}" if np.isfinite(u) else ""))
        folium.CircleMarker(
            [geom.y, geom.x], radius=float(min(radius, 16)), color=ring, weight=2 if rec.get("is_project") else 1,
            fill=True, fill_color=utilisation_color(u), fill_opacity=0.9,
            tooltip=folium.Tooltip(popup),
        ).add_to(fg)
    fg.add_to(m)
    return fg


def add_catchments(m: folium.Map, catchments: gpd.GeoDataFrame, *, lang: str | None = None, name: str | None = None,
                   show: bool = False) -> folium.FeatureGroup:
    """School catchments (学区, :func:`scenarios.catchments.catchment_layer`) as polygons in the
    facility's colour (:func:`presentation.styles.catchment_colors`, as in the GeoPackage styles), with
    the school's name, the children seated from them and its seats on hover."""
    lang = lang or getattr(m, "_hedong_lang", "zh")
    fg = folium.FeatureGroup(name=name or t("catchments.layer", lang, level=""), show=show)
    if catchments is not None and len(catchments):
        c = catchments.copy()
        c["name"] = display_names(c, lang)
        cols = catchment_colors(c["facility_id"])
        c["color"] = c["facility_id"].astype(str).map(cols)
        g = to_display(c, display_crs(m), simplify_m=10)
        folium.GeoJson(
            geojson_features(g, ["name", "children", "seats", "color"]),
            style_function=lambda f: {"fillColor": f["properties"]["color"], "fillOpacity": 0.45, "color": "#555555",
                                      "weight": 0.8},
            tooltip=folium.GeoJsonTooltip(["name", "children", "seats"],
                                          aliases=[t("catchments.school", lang), t("catchments.children", lang),
                                                   t("seats", lang)], localize=True),
        ).add_to(fg)
    fg.add_to(m)
    return fg


def add_routes(m: folium.Map, routes: dict, crs, *, lang: str | None = None, show: bool = True) -> folium.FeatureGroup:
    """The walking route to the nearest facility of each service (:func:`accessibility.place.place_routes`):
    a line in the service's colour, its minutes and the facility's name on hover."""
    lang = lang or getattr(m, "_hedong_lang", "zh")
    fg = folium.FeatureGroup(name=t("route.layer", lang), show=show)
    rows = [(s, r) for s, r in routes.items() if r.line is not None]
    if rows:
        g = to_display(gpd.GeoDataFrame({"service": [s for s, _ in rows]}, geometry=[r.line for _, r in rows], crs=crs),
                       display_crs(m))
        for (s, r), line in zip(rows, g.geometry):
            label = SERVICES[s].label(lang) if s in SERVICES else s
            folium.PolyLine([(y, x) for x, y in line.coords], color=SERVICE_COLOR.get(s, "#3366cc"), weight=4,
                            opacity=0.85,
                            tooltip=esc(t("route.to", lang, service=label, name=r.name or "—",
                                          minutes=f"{r.minutes:.1f}"))).add_to(fg)
    fg.add_to(m)
    return fg


def finish(m: folium.Map, assets: str = "served") -> folium.Map:
    """Make the map's page use the vendored assets: ``served`` (app, ``/app/static``) or ``inline`` (standalone)."""
    if assets == "served":
        return _assets.use_served_assets(m)
    if assets == "inline":
        return _assets.use_inline_assets(m)
    raise ValueError("assets must be 'served' or 'inline'")


def overview_map(area, *, lang: str = "zh", tiles: str = "none", tianditu_key: str | None = None,
                 families=None, circles: gpd.GeoDataFrame | None = None, service: str | None = None,
                 minutes: float | None = None, uncovered: gpd.GeoDataFrame | None = None,
                 density: bool = True, density_agg_m: float = 200.0, projects: gpd.GeoDataFrame | None = None,
                 title: str | None = None, assets: str = "served", collapsed: bool = True) -> folium.Map:
    """The planner's main map: boundary, districts, density, facilities, optional circles and gaps.

    Parameters
    ----------
    area : StudyArea
    families : iterable of str, optional
        Facility families visible at start (all six are in the layer switch).
    circles, service, minutes : optional
        Service areas of ``service`` (from :func:`accessibility.circles.circles_gdf`).
    uncovered : GeoDataFrame, optional
        Population cells outside the circles.
    projects : GeoDataFrame, optional
        Planned facilities (drawn dashed).
    assets : {"served", "inline"}
    collapsed : bool
        Start with the layer switch folded (it then covers no part of the map).

    Returns
    -------
    folium.Map
        Population density starts hidden when circles are drawn (one colour story at a time);
        every layer stays in the layer switch.
    """
    m = base_map(area, tiles=tiles, lang=lang, tianditu_key=tianditu_key)
    blocks = []
    if density and len(area.population):
        _, breaks = add_population_density(m, area, agg_m=density_agg_m, show=circles is None)
        if circles is None:
            blocks.append(density_legend(breaks, lang))
    add_districts(m, area)
    add_boundary(m, area)
    if circles is not None and service:
        add_circles(m, circles, service, minutes or 15)
    if uncovered is not None and service:
        svc = SERVICES[service].label(lang) if service in SERVICES else service
        add_uncovered(m, uncovered, area.cell_size or 100.0)
        blocks.append(legend_html(t("uncovered", lang), [
            (swatch(SERVICE_COLOR.get(service, "#3366cc"), opacity=0.35),
             t("circles", lang, minutes=int(minutes or 15), service=svc)),
            (swatch(UNCOVERED_COLOR), t("uncovered_legend", lang, minutes=int(minutes or 15), service=svc)),
        ]))
    add_facilities(m, area.facilities, show=families)
    if projects is not None and len(projects):
        add_facilities(m, projects, planned=True)
    blocks.insert(0, facility_legend(lang))
    blocks.append(legend_html(t("boundary", lang), [(swatch("#333333", "line"), t("boundary", lang)),
                                                    (swatch("#555555", "ring"), t("districts", lang))]))
    add_legend(m, blocks)
    add_notice(m, area, title=title)
    add_attribution(m, area)
    add_layer_control(m, collapsed=collapsed)
    return finish(m, assets)


def life_circle_map(area, covered: dict, minutes: float, *, lang: str = "zh", tiles: str = "none",
                    tianditu_key: str | None = None, facilities: gpd.GeoDataFrame | None = None,
                    title: str | None = None, stats: str | None = None, assets: str = "served",
                    collapsed: bool = True) -> folium.Map:
    """The 15-minute community life-circle map (15分钟社区生活圈): cells coloured 0..6 by services within reach, districts, facilities.

    Parameters
    ----------
    area : StudyArea
    covered : dict of service key -> bool array (n_cells,)
        Per life-circle service, whether each population cell is within ``minutes``
        (``LifeCircle.services[k].covered``).
    minutes : float
    facilities : GeoDataFrame, optional
        Facilities drawn (hidden at start, in the layer switch); default the area's of the six services.
    title, stats : str, optional
        Title bar text and a line of headline numbers under it.
    assets : {"served", "inline"}

    Returns
    -------
    folium.Map
    """
    m = base_map(area, tiles=tiles, lang=lang, tianditu_key=tianditu_key)
    groups = life_circle_cells(area.population, covered, area.cell_size or 100.0)
    add_life_circle(m, groups, minutes, total=len(covered))
    add_districts(m, area)
    add_boundary(m, area)
    fams = sorted({f for k in covered if k in SERVICES for f in SERVICES[k].families}, key=list(FAMILIES).index)
    fac = area.facilities if facilities is None else as_facilities(facilities)
    add_facilities(m, fac[fac["family"].isin(fams)], families=fams, show=[])
    # facility symbols are explained in the layer switch (they start hidden): the legend stays small
    add_legend(m, [life_circle_legend(minutes, lang, groups, total=len(covered))])
    add_notice(m, area, title=title, subtitle=stats)
    add_attribution(m, area)
    add_layer_control(m, collapsed=collapsed)
    return finish(m, assets)


def overview_base(area, *, lang: str = "zh", display: str = "wgs84", families=None,
                  title: str | None = None) -> folium.Map:
    """The part of the app's main map that does not change with the user's choices: districts, boundary,
    population density (hidden), facilities, the generated-data notice and the sources.

    Built once per area, language and display datum, it is drawn once in the browser; a new service,
    threshold, mode, base map or family choice is a small script (:func:`overview_layers_js`) run on it
    there (its layers are found through ``window.hedongLayers``), never a rebuilt map.

    Parameters
    ----------
    display : {"wgs84", "gcj02"}
        Datum of the drawn layers (GCJ-02 under 高德 tiles, see :data:`TILES`).
    families : iterable of str, optional
        Families drawn (default all). Which are visible is the script's choice.
    title : str, optional
        Title bar text (the notice of generated data is there in any case).
    """
    any_tiles = next(k for k, v in TILES.items() if v["display"] == display and k != "tianditu")
    m = base_map(area, tiles=any_tiles, lang=lang, add_tiles=False)  # tiles are the script's (in the browser)
    disp = display_crs(m)
    layers = []
    if len(area.population):
        dens, _ = static_layer(area, "density", disp, lang)
        fg = folium.FeatureGroup(name=t("population", lang), show=False, control=False)
        folium.GeoJson(dens, interactive=False, style_function=lambda f: {
            "fillColor": f["properties"]["c"], "fillOpacity": 0.6, "stroke": False}).add_to(fg)
        fg.add_to(m)
        layers.append(("density", fg))
    dfg = folium.FeatureGroup(name=t("districts", lang), show=True, control=False)
    _district_outlines(static_layer(area, "districts", disp, lang), lang).add_to(dfg)
    dfg.add_to(m)
    bfg = folium.FeatureGroup(name=t("boundary", lang), show=True, control=False)
    FixedStyleGeoJson(static_layer(area, "boundary", disp, lang), BOUNDARY_STYLE, interactive=False).add_to(bfg)
    bfg.add_to(m)
    layers += [("districts", dfg), ("boundary", bfg)]
    for fam, fg in add_facilities(m, area.facilities, families=families).items():
        fg.control = False
        layers.append((f"family:{fam}", fg))
    add_notice(m, area, title=title)
    add_attribution(m, area)
    LayerRegistry(layers).add_to(m)
    return m


def service_map(area, service: str, minutes: float, covered: np.ndarray, *, lang: str = "zh",
                tiles: str = "none", tianditu_key: str | None = None, families=None,
                title: str | None = None, assets: str = "served") -> folium.Map:
    """The app's main map as one standalone map: :func:`overview_base` with :func:`overview_layers_js`
    run on it (the app sends the two to the browser separately, so that a new choice redraws only the
    layers that change).

    Parameters
    ----------
    covered : bool array (n_cells,)
        Per population cell, within ``minutes`` (``ServiceCoverage.covered``).
    families : iterable of str, optional
        Facility families visible (default all).
    """
    display = TILES[tiles]["display"] if tiles in TILES else "wgs84"
    m = overview_base(area, lang=lang, display=display, title=title)
    Script(overview_layers_js(area, service, minutes, covered, lang=lang, display=display, tiles=tiles,
                               tianditu_key=tianditu_key, families=families)).add_to(m)
    return finish(m, assets)


def street_texts(area, display: str) -> list[str]:
    """The serialised street layers (named, plain) as the published maps paste them; empty strings
    for those not drawn yet (a publication shares them, :mod:`presentation.publish_shared`)."""
    _named, _plain, texts = ComputeContext.for_area(area).memo(("map.streets", display),
                                                               lambda: street_features(area, display))
    return [c.get("text", "") for c in texts]


def add_streets(m: folium.Map, area, *, lang: str | None = None, show: bool = True) -> folium.FeatureGroup:
    """The study area's own streets as a light grey base layer to orient by offline (no tiles); a hover
    names the street where the data has a name (real OSM areas; the demo's streets are unnamed).
    Returns the layer (a feature group, drawn under everything else)."""
    lang = lang or getattr(m, "_hedong_lang", "zh")
    # The streets do not depend on the language: one entry per area and display datum, with the
    # layers' serialised data (FixedStyleGeoJson's text_cache), so every map of a publication pastes
    # the same text instead of serialising the streets again.
    named, plain, texts = ComputeContext.for_area(area).memo(("map.streets", display_crs(m)),
                                                              lambda: street_features(area, display_crs(m)))
    fg = folium.FeatureGroup(name=t("place.streets", lang), show=show)
    style = {"color": "#9a9a9a", "weight": 1.2, "opacity": 0.7}
    if plain["features"]:
        FixedStyleGeoJson(plain, style, text_cache=texts[1], interactive=False).add_to(fg)
    if named["features"]:
        FixedStyleGeoJson(named, style, text_cache=texts[0],
                          tooltip=folium.GeoJsonTooltip(["name"], labels=False, sticky=True)).add_to(fg)
    fg.add_to(m)
    # under everything else: streets are the base, not an overlay to read (drawn first)
    m._children.move_to_end(fg.get_name(), last=False)
    return fg

