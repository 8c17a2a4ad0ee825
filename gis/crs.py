"""Coordinate reference systems: the projected CRS for metric work, and China's obfuscated datums.

GCJ-02 ("Mars coordinates", used by Amap / Tencent / Google China) and BD-09 (Baidu) are not
EPSG systems: they are WGS84 plus a deliberately non-linear offset of a few hundred metres.
pyproj cannot express them, so the published forward formulas are written out here
(vectorised numpy); the inverse of GCJ-02 has no closed form and is solved by fixed-point
iteration, which converges to well under a centimetre in a handful of steps.
"""

from __future__ import annotations

import numpy as np
import shapely

from layers.params import Options, validate_params

#: Yuncheng: CGCS2000 / 3-degree Gauss-Kruger CM 111E.
YUNCHENG_CRS = "EPSG:4546"
WGS84 = "EPSG:4326"

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the GCJ-02 algorithm uses it
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0

#: Coordinate systems accepted on import (``coords=`` of the loaders).
COORD_SYSTEMS = ("wgs84", "gcj02", "bd09")


def normalize_coords(coords) -> str:
    """``"GCJ-02"`` -> ``"gcj02"``, ``"EPSG:4326"`` -> ``"wgs84"``: the spelling :data:`COORD_SYSTEMS` uses."""
    c = str(coords).lower().replace("-", "").replace("_", "").replace(":", "")
    return "wgs84" if c == "epsg4326" else c


#: The one check of a ``coords`` argument (loaders, candidates, the CLI's ``--coords`` choices).
COORDS = Options(COORD_SYSTEMS, "coordinate system", normalize=normalize_coords)


def _in_china(lon, lat):
    # The offset is only applied inside this rough box (as the official SDKs do);
    # points outside pass through unchanged.
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _transform_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon, lat):
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def _arr(lon, lat):
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def wgs84_to_gcj02(lon, lat):
    """WGS84 longitude/latitude (degrees, scalars or arrays) to GCJ-02."""
    lon, lat = _arr(lon, lat)
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, *, tol_deg: float = 1e-10, max_iter: int = 30):
    """GCJ-02 longitude/latitude to WGS84, by fixed-point iteration of the forward formula.

    Returns arrays (or scalars for scalar input) accurate to ``tol_deg`` (1e-10 degrees is about
    1 cm); the simple one-step inverse found in many snippets is off by up to 1-2 m.
    """
    glon, glat = _arr(lon, lat)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon, wlat = wlon - elon, wlat - elat
        if np.all(np.abs(elon) < tol_deg) and np.all(np.abs(elat) < tol_deg):
            break
    return wlon, wlat


def gcj02_to_bd09(lon, lat):
    """GCJ-02 to Baidu BD-09 (closed form)."""
    lon, lat = _arr(lon, lat)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon, lat):
    """Baidu BD-09 to GCJ-02 (closed form, as Baidu's own SDK inverts it)."""
    lon, lat = _arr(lon, lat)
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_wgs84(lon, lat):
    """Baidu BD-09 to WGS84 (via GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def wgs84_to_bd09(lon, lat):
    """WGS84 to Baidu BD-09 (via GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


@validate_params({"coords": COORDS})
def to_wgs84(lon, lat, coords: str = "wgs84"):
    """Convert lon/lat given in ``coords`` (one of :data:`COORD_SYSTEMS`, any case, ``EPSG:4326`` as
    ``wgs84``) to WGS84.

    Raises
    ------
    layers.errors.ParameterError
        (a ``ValueError``) If ``coords`` is not one of ``wgs84``, ``gcj02``, ``bd09``.
    """
    c = normalize_coords(coords)
    if c == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if c == "bd09":
        return bd09_to_wgs84(lon, lat)
    return _arr(lon, lat)


def transform_geometry_coords(geoms, func):
    """Apply a lon/lat array function (e.g. :func:`gcj02_to_wgs84`) to every vertex of shapely geometries.

    Parameters
    ----------
    geoms : array-like of shapely geometries
    func : callable ``(lon_array, lat_array) -> (lon_array, lat_array)``

    Returns
    -------
    numpy.ndarray of shapely geometries with the same structure.
    """
    def _f(xy):
        x, y = func(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms, dtype=object), _f)


def local_projected_crs(gdf) -> str:
    """The projected CRS for metric work on ``gdf``: EPSG:4546 around Yuncheng, else the local UTM zone.

    Yuncheng (about 110.2-111.9 E) lies in the 3-degree Gauss-Kruger zone centred on 111 E, which is
    the official CGCS2000 choice there; anywhere else geopandas' UTM estimate is used.
    """
    wgs = gdf.to_crs(WGS84) if gdf.crs is not None and not gdf.crs.equals(WGS84) else gdf
    minx, miny, maxx, maxy = wgs.total_bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    if 109.5 <= cx <= 112.5 and 34.0 <= cy <= 36.5:
        return YUNCHENG_CRS
    return wgs.estimate_utm_crs().to_string()
