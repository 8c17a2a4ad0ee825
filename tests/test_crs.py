"""gis.crs: GCJ-02 / BD-09 conversions against published reference pairs, round trips, local CRS."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from gis import crs as C

# Reference pairs from the test suites of two widely used open-source converters:
# - googollee/eviltransform python/test.py (TESTS: wgsLat, wgsLng, gcjLat, gcjLng; asserted there
#   to 6 decimal places). Its BD-09 pairs are not used: they disagree with its own GCJ step by ~10 m.
EVILTRANSFORM_WGS_GCJ = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]
# - hujiulong/gcoord test/unit/crs/*.spec.ts, input [123, 45] (lon, lat), asserted with
#   toBeCloseTo(x, 5), i.e. |error| < 5e-6 degrees.
GCOORD = [
    ("wgs84_to_gcj02", (123.0, 45.0), (123.00607541, 45.00197815)),
    ("wgs84_to_bd09", (123.0, 45.0), (123.0124491, 45.0083293)),
    ("gcj02_to_wgs84", (123.0, 45.0), (122.99395597, 44.99804071)),
    ("gcj02_to_bd09", (123.0, 45.0), (123.00636499, 45.00636899)),
    ("bd09_to_gcj02", (123.0, 45.0), (122.99363304, 44.99365430)),
    ("bd09_to_wgs84", (123.0, 45.0), (122.98762210, 44.99171540)),
]


def _metres(lon1, lat1, lon2, lat2):
    """Approximate ground distance in metres between lon/lat arrays (fine below a few km)."""
    k = 111_320.0
    return np.hypot((np.asarray(lon1) - lon2) * k * np.cos(np.radians(lat1)), (np.asarray(lat1) - lat2) * k)


@pytest.mark.parametrize("wlat,wlon,glat,glon", EVILTRANSFORM_WGS_GCJ)
def test_wgs_to_gcj_matches_eviltransform(wlat, wlon, glat, glon):
    lon, lat = C.wgs84_to_gcj02(wlon, wlat)
    assert abs(lon - glon) < 1e-6 and abs(lat - glat) < 1e-6


@pytest.mark.parametrize("wlat,wlon,glat,glon", EVILTRANSFORM_WGS_GCJ)
def test_gcj_to_wgs_exact_within_centimetres(wlat, wlon, glat, glon):
    lon, lat = C.gcj02_to_wgs84(glon, glat)
    assert _metres(lon, lat, wlon, wlat) < 0.05


@pytest.mark.parametrize("func,src,expected", GCOORD)
def test_matches_gcoord(func, src, expected):
    lon, lat = getattr(C, func)(*src)
    assert abs(lon - expected[0]) < 5e-6 and abs(lat - expected[1]) < 5e-6


def _china_grid():
    lon, lat = np.meshgrid(np.linspace(73.5, 135.0, 41), np.linspace(18.2, 53.5, 31))
    return lon.ravel(), lat.ravel()


def test_round_trip_gcj_over_china_within_1m():
    lon, lat = _china_grid()
    back = C.gcj02_to_wgs84(*C.wgs84_to_gcj02(lon, lat))
    assert _metres(*back, lon, lat).max() < 1.0


def test_round_trip_bd_over_china_within_1m():
    lon, lat = _china_grid()
    back = C.bd09_to_wgs84(*C.wgs84_to_bd09(lon, lat))
    assert _metres(*back, lon, lat).max() < 1.0


def test_offset_is_real_inside_china():
    lon, lat = C.wgs84_to_gcj02(111.0, 35.03)  # Yuncheng
    assert 100 < _metres(lon, lat, 111.0, 35.03) < 1000


@pytest.mark.parametrize("lon,lat", [(24.94, 60.17), (-74.0, 40.7), (2.35, 48.85), (183.0, 45.0)])
def test_outside_china_unchanged(lon, lat):
    assert C.wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert C.gcj02_to_wgs84(lon, lat) == (lon, lat)
    assert np.allclose(C.to_wgs84(lon, lat, "gcj02"), (lon, lat))


def test_to_wgs84_names_and_unknown():
    assert np.allclose(C.to_wgs84(111.0, 35.0, "GCJ-02"), C.gcj02_to_wgs84(111.0, 35.0))
    assert np.allclose(C.to_wgs84(111.0, 35.0, "bd_09"), C.bd09_to_wgs84(111.0, 35.0))
    with pytest.raises(ValueError, match="wgs84, gcj02, bd09"):
        C.to_wgs84(111.0, 35.0, "cgcs2000")


def test_transform_geometry_coords_keeps_structure():
    from shapely.geometry import Polygon

    poly = Polygon([(111.0, 35.0), (111.01, 35.0), (111.01, 35.01)])
    (out,) = C.transform_geometry_coords([poly], C.wgs84_to_gcj02)
    assert out.geom_type == "Polygon" and len(out.exterior.coords) == 4
    assert np.allclose(out.exterior.coords[0], C.wgs84_to_gcj02(111.0, 35.0))


def test_local_projected_crs():
    yc = gpd.GeoDataFrame(geometry=[Point(111.0, 35.03), Point(111.1, 35.1)], crs="EPSG:4326")
    assert C.local_projected_crs(yc) == "EPSG:4546"
    hel = gpd.GeoDataFrame(geometry=[Point(24.94, 60.17), Point(24.95, 60.18)], crs="EPSG:4326")
    assert C.local_projected_crs(hel) == "EPSG:32635"
    assert C.local_projected_crs(hel.to_crs("EPSG:3067")) == "EPSG:32635"
