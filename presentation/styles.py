"""Colours, marker symbols, base tiles and the display coordinate system shared by every map.

Palettes and colour classes (density, seat ratio, coverage, life circles, gains, utilisation), the
inline-SVG marker of each facility family, the base-tile choices and :func:`to_display`, which
reprojects a frame for display: WGS84, or GCJ-02 when the chosen tiles are Amap's (the *data* is
shifted onto the tiles, never the other way round, :func:`gis.crs.wgs84_to_gcj02`), rounded to
5 decimals (about 1 m) and simplified. :func:`esc` escapes every data string put into HTML.
"""

from __future__ import annotations

import html as _html

import geopandas as gpd
import numpy as np
import shapely

from gis.crs import transform_geometry_coords, wgs84_to_gcj02
from layers.errors import InputError
from layers.families import FAMILY_STYLE
from presentation.i18n import t


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


def display_crs(m) -> str:
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


def class_of(value: float, breaks: list[float]) -> int:
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


BOX_STYLE = ("background:rgba(255,255,255,0.93);padding:6px 9px;border-radius:5px;"
        "box-shadow:0 1px 4px rgba(0,0,0,0.3);font:12px/1.45 'Microsoft YaHei','PingFang SC',"
        "'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif;color:#222;")


#: How the study-area boundary is drawn.
BOUNDARY_STYLE = {"color": "#333333", "weight": 2.5, "fill": False, "dashArray": "6 4"}


#: Gains map colours: more children seated within reach (green), fewer (red), no change (none).
GAIN_COLOR, LOSS_COLOR = "#1a9850", "#d73027"


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


#: Qualitative palette of school catchments and service areas (ColorBrewer Set3, 12 classes): a
#: facility's colour is ``CATCHMENT_COLORS[i % 12]`` with ``i`` its rank by facility_id
#: (:func:`catchment_colors`), the same on the maps and in the GeoPackage styles.
CATCHMENT_COLORS = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
                    "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f")


def catchment_colors(ids) -> dict:
    """facility_id -> colour of its catchment / service area (by rank of the sorted ids)."""
    return {fid: CATCHMENT_COLORS[i % len(CATCHMENT_COLORS)] for i, fid in enumerate(sorted({str(x) for x in ids}))}
