"""Fuzzing the GeoJSON and GeoPackage paths of gis.layer_io and the study-area folder loader.

Property: a file either loads with one output row per input feature, in order, or raises
InputError naming the file; never any other exception. Inputs: invalid / empty / null / mixed
geometries, points outside the area or in the wrong CRS, missing CRS, garbage attributes,
non-JSON text, truncated JSON, files that are not GeoPackages.
"""

from __future__ import annotations

import json
import math
import sqlite3

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import event, given
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiPoint, Point, Polygon

from fuzz_strategies import (BOUNDARY, CRS, LAT0, LAT1, LON0, LON1, check_input_error, clean_value, count, family,
                             fresh_dir, fuzz_settings, ids, text)
from layers.errors import InputError
from gis.layer_io import load_layer

# Hypothesis fuzzing runs thousands of cases: the full suite (CI) runs it, the fast loop does not.
pytestmark = pytest.mark.slow

_lon = st.floats(LON0 + 1e-4, LON1 - 1e-4)
_lat = st.floats(LAT0 + 1e-4, LAT1 - 1e-4)
_any = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e7, max_value=1e7)


@st.composite
def geojson_geometry(draw):
    """A GeoJSON geometry object (dict) or None; valid points inside the area most of the time."""
    k = draw(st.sampled_from(["point"] * 6 + ["null", "empty_point", "polygon", "bowtie", "line", "multipoint",
                                               "multipoint1", "collection", "outside", "swapped", "bad_coords",
                                               "unknown_type", "no_coords", "3d", "huge"]))
    x, y = draw(_lon), draw(_lat)
    if k == "point":
        return {"type": "Point", "coordinates": [x, y]}
    if k == "null":
        return None
    if k == "empty_point":
        return {"type": "Point", "coordinates": []}
    if k == "polygon":
        d = 1e-4
        return {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]}
    if k == "bowtie":
        d = 1e-4
        return {"type": "Polygon", "coordinates": [[[x, y], [x + d, y + d], [x + d, y], [x, y + d], [x, y]]]}
    if k == "line":
        return {"type": "LineString", "coordinates": [[x, y], [x + 1e-4, y]]}
    if k == "multipoint":
        return {"type": "MultiPoint", "coordinates": [[x, y], [x + 1e-4, y]]}
    if k == "multipoint1":
        return {"type": "MultiPoint", "coordinates": [[x, y]]}
    if k == "collection":
        return {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [x, y]}]}
    if k == "outside":
        return {"type": "Point", "coordinates": [draw(st.floats(-180, 180)), draw(st.floats(-90, 90))]}
    if k == "swapped":
        return {"type": "Point", "coordinates": [y, x]}
    if k == "bad_coords":
        return {"type": "Point", "coordinates": draw(st.sampled_from([["a", "b"], [x], [None, None], "111,35", 5]))}
    if k == "unknown_type":
        return {"type": "Blob", "coordinates": [x, y]}
    if k == "no_coords":
        return {"type": "Point"}
    if k == "3d":
        return {"type": "Point", "coordinates": [x, y, draw(_any)]}
    return {"type": "Point", "coordinates": [draw(_any), draw(_any)]}


json_value = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False), text,
                       st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                            max_size=2))
PROPS = {
    "facilities": {"facility_id": ids, "family": family, "seats_primary": count, "beds": count, "area_m2": count},
    "projects": {"project_id": ids, "type": st.sampled_from(["primary", "junior", "kindergarten", "x", ""]),
                 "open_year": st.one_of(st.integers(2015, 2040), st.sampled_from(["2025", "soon", None, 2025.5])),
                 "seats_primary": count},
    "population": {"cell_id": ids, "district_id": st.sampled_from(["D1", "D2"]), "pop_total": count,
                   "age_0_2": count, "age_3_5": count, "age_6_11": count, "age_12_14": count, "age_65_plus": count},
}


def _to_json_value(v, draw):
    """Cells as JSON: numbers stay numbers where they parse, sometimes another JSON type instead."""
    if draw(st.integers(0, 12)) == 0:
        return draw(json_value)
    if isinstance(v, str):
        try:
            f = float(v)
            if math.isfinite(f) and draw(st.booleans()):
                return int(f) if f.is_integer() and abs(f) < 2**53 else f
        except ValueError:
            pass
    return v


@st.composite
def feature_collection(draw, kind):
    n = draw(st.integers(0, 6))
    clean = draw(st.booleans())  # half the collections: valid attributes, only geometry / structure vary
    feats = []
    for i in range(n):
        props = {}
        for c, s in PROPS[kind].items():
            if clean:
                props[c] = clean_value(draw, kind, c, i)
                continue
            if draw(st.integers(0, 25)) == 0:
                continue  # missing property
            props[c] = _to_json_value(draw(s), draw)
        geom = draw(geojson_geometry()) if not clean or draw(st.integers(0, 3)) == 0 else \
            {"type": "Point", "coordinates": [draw(_lon), draw(_lat)]}
        feat = {"type": "Feature", "properties": props, "geometry": geom}
        if draw(st.integers(0, 30)) == 0:
            feat = draw(st.sampled_from([{"type": "Feature", "geometry": feat["geometry"]},  # no properties
                                         {"type": "Feature", "properties": props},  # no geometry member
                                         {"properties": props, "geometry": feat["geometry"]}]))  # no type
        feats.append(feat)
    fc = {"type": "FeatureCollection", "features": feats}
    crs = draw(st.sampled_from([None, None, None, None, "EPSG:4326", "EPSG:4326", "urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4546", "EPSG:3857",
                                "EPSG:999999"]))
    if crs:
        fc["crs"] = {"type": "name", "properties": {"name": crs}}
    return fc


def _check_loaded(p, kind, n):
    try:
        out = load_layer(p, kind, crs=CRS, boundary=BOUNDARY)
    except InputError as e:
        check_input_error(e, p, n)
        event(f"InputError field={e.field}")
        return None
    event("loaded")
    assert len(out) == n, f"{n} features in the file, {len(out)} loaded"
    assert str(out.crs) == CRS and out.geometry.geom_type.eq("Point").all()
    assert np.isfinite(out.geometry.x).all() and np.isfinite(out.geometry.y).all()
    assert shapely.dwithin(out.geometry.values, BOUNDARY.geometry.iloc[0], 1.0).all()
    return out


@pytest.mark.parametrize("kind", ["facilities", "projects", "population"])
@fuzz_settings(250)
@given(data=st.data())
def test_fuzz_geojson(kind, data):
    fc = data.draw(feature_collection(kind), label="fc")
    text_ = json.dumps(fc, ensure_ascii=data.draw(st.booleans()))
    mangle = data.draw(st.sampled_from(["none"] * 8 + ["truncate", "bom", "gbk"]), label="mangle")
    raw = text_.encode("utf-8")
    if mangle == "truncate":
        raw = raw[: data.draw(st.integers(0, max(0, len(raw) - 1)))]
    elif mangle == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif mangle == "gbk":
        raw = text_.encode("gb18030")
    p = fresh_dir() / data.draw(st.sampled_from(["in.geojson", "in.json"]))
    p.write_bytes(raw)
    out = _check_loaded(p, kind, len(fc["features"]))
    if out is not None and mangle == "none" and kind == "facilities":
        want = [str(int(v) if isinstance(v, float) and v.is_integer() else v).strip()
                for v in (f["properties"].get("facility_id") for f in fc["features"])]
        assert list(out["facility_id"]) == want


@pytest.mark.parametrize("content", [
    b"", b"not json at all", b"{", b"[]", b"{}", b"null", b"42", b'"text"', b"\x00\x01\x02\xff",
    b'{"type": "FeatureCollection"}', b'{"type": "FeatureCollection", "features": {}}',
    b'{"type": "FeatureCollection", "features": [1, 2]}',
    b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"facility_id": "A", '
    b'"family": "school"}, "geometry": {"type": "Point", "coordinates": [NaN, Infinity]}}]}',
    b'{"type": "Point", "coordinates": [111.0, 35.03]}',   # a bare geometry: one row without attributes
    b'{"type": "Feature", "properties": {"facility_id": "A", "family": "school"}, '
    b'"geometry": {"type": "Point", "coordinates": [111.0, 35.03]}}',
    "设施".encode("utf-16"),
], ids=lambda b: repr(b[:24]))
def test_geojson_corner_cases(content):
    p = fresh_dir() / "facilities.geojson"
    p.write_bytes(content)
    try:
        out = load_layer(p, "facilities", crs=CRS, boundary=BOUNDARY)
    except InputError as e:
        check_input_error(e, p)
    else:
        assert len(out) >= 1


# ----------------------------------------------------------------------------- GeoPackage

def _shape(d: dict | None):
    if d is None:
        return None
    try:
        return shapely.geometry.shape(d)
    except Exception:  # noqa: BLE001 - not writable: use an empty point instead
        return Point()


@st.composite
def gpkg_frame(draw, kind):
    fc = draw(feature_collection(kind))
    feats = [f for f in fc["features"] if "properties" in f and "geometry" in f]
    cols = list(PROPS[kind])
    rows = {c: [] for c in cols}
    geoms = []
    for f in feats:
        for c in cols:
            v = f["properties"].get(c)
            rows[c].append(None if isinstance(v, (list, dict)) else (str(v) if isinstance(v, int) and abs(v) > 2**62
                                                                        else v))
        geoms.append(_shape(f["geometry"]))
    df = {c: (pd_series(v)) for c, v in rows.items()}
    crs = draw(st.sampled_from(["EPSG:4326", "EPSG:4326", None, "EPSG:4546", "EPSG:3857", "EPSG:32649"]))
    gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, dtype="geometry"), crs=None)
    if crs == "EPSG:4546" and draw(st.booleans()):  # really projected coordinates
        gdf = gdf.set_crs(4326).to_crs(CRS)
    elif crs is not None:
        gdf = gdf.set_crs(crs, allow_override=True)  # possibly the wrong CRS for lon/lat values
    return gdf


def pd_series(v):
    import pandas as pd

    # Mixed-type columns are written as text, as a planner's spreadsheet export would hold them.
    kinds = {type(x) for x in v if x is not None}
    if len(kinds) > 1:
        return pd.Series([None if x is None else str(x) for x in v], dtype=object)
    return pd.Series(v, dtype=object if kinds <= {str} or not kinds else None)


@pytest.mark.parametrize("kind", ["facilities", "population"])
@fuzz_settings(120)
@given(data=st.data())
def test_fuzz_gpkg(kind, data):
    gdf = data.draw(gpkg_frame(kind), label="gdf")
    p = fresh_dir() / "in.gpkg"
    try:
        gdf.to_file(p, layer=kind, driver="GPKG", engine="pyogrio", geometry_type="Unknown")
    except Exception:  # noqa: BLE001 - GDAL refused to write it: nothing to load
        event("GDAL could not write the frame")
        return
    if data.draw(st.integers(0, 6)) == 0:  # a second layer: the one named like the kind is picked
        gdf.iloc[:0].to_file(p, layer="other", driver="GPKG", engine="pyogrio", geometry_type="Unknown")
    _check_loaded(p, kind, len(gdf))


def test_gpkg_corner_cases():
    d = fresh_dir()
    cases = {}
    cases["text.gpkg"] = b"this is not a geopackage"
    cases["empty.gpkg"] = b""
    p = d / "sqlite.gpkg"
    con = sqlite3.connect(p)
    con.execute("create table t (a int)")
    con.commit()
    con.close()
    for name, raw in cases.items():
        (d / name).write_bytes(raw)
    pt = Point(111.0, 35.03)
    g = gpd.GeoDataFrame({"facility_id": ["A"], "family": ["school"]}, geometry=[pt], crs=4326)
    g.to_file(d / "two.gpkg", layer="a", driver="GPKG")
    g.to_file(d / "two.gpkg", layer="b", driver="GPKG")
    gpd.GeoDataFrame({"facility_id": [], "family": []}, geometry=[], crs=4326).to_file(d / "nolayer_rows.gpkg",
                                                                                     layer="facilities")
    for name in ["text.gpkg", "empty.gpkg", "sqlite.gpkg", "two.gpkg"]:
        with pytest.raises(InputError) as ei:
            load_layer(d / name, "facilities", crs=CRS, boundary=BOUNDARY)
        check_input_error(ei.value, d / name)
    with pytest.raises(InputError) as ei:
        load_layer(d / "two.gpkg", "facilities", crs=CRS, layer="zzz")
    assert ei.value.field == "layer"
    assert len(load_layer(d / "nolayer_rows.gpkg", "facilities", crs=CRS, boundary=BOUNDARY)) == 0
    # A layer in a projected CRS the boundary is not in loads (reprojected).
    g.to_crs(32649).to_file(d / "utm.gpkg", layer="facilities", driver="GPKG")
    assert len(load_layer(d / "utm.gpkg", "facilities", crs=CRS, boundary=BOUNDARY)) == 1
    # The same coordinates labelled with the wrong CRS land outside: an error naming the row.
    g.set_crs(3857, allow_override=True).to_file(d / "wrong.gpkg", layer="facilities", driver="GPKG")
    with pytest.raises(InputError) as ei:
        load_layer(d / "wrong.gpkg", "facilities", crs=CRS, boundary=BOUNDARY)
    assert ei.value.row == 1


# ----------------------------------------------------------------------------- study-area folders

def _folder_with(area_layers: dict, d):
    from gis.io import write_gpkg_atomic

    write_gpkg_atomic(area_layers, d / "area.gpkg")
    (d / "network.osm").write_text("<osm version='0.6'></osm>")
    return d


@pytest.mark.parametrize("case", ["no_gpkg", "garbage_gpkg", "missing_layer", "no_crs", "no_network", "bad_row",
                                  "bad_district", "not_a_folder", "bad_network", "bad_json"])
def test_folder_loader_errors(case):
    """gis.folder.load_folder: every broken folder is one InputError naming the file."""
    from gis.folder import load_folder
    from shapely.geometry import box

    d = fresh_dir()
    b = gpd.GeoDataFrame({"name": ["t"]}, geometry=[box(LON0, LAT0, LON1, LAT1)], crs=4326)
    dist = gpd.GeoDataFrame({"district_id": ["D1"], "name": ["一"]}, geometry=[box(LON0, LAT0, LON1, LAT1)], crs=4326)
    pop = gpd.GeoDataFrame({"cell_id": ["c1"], "district_id": ["D1"], "pop_total": [10.0], "age_0_2": [1.0],
                            "age_3_5": [1.0], "age_6_11": [1.0], "age_12_14": [1.0], "age_65_plus": [1.0]},
                           geometry=[Point(111.0, 35.03)], crs=4326)
    fac = gpd.GeoDataFrame({"facility_id": ["F1"], "family": ["school"]}, geometry=[Point(111.0, 35.03)], crs=4326)
    layers = {"boundary": b, "districts": dist, "population": pop, "facilities": fac}
    target = d
    if case == "no_gpkg":
        (d / "network.osm").write_text("<osm/>")
    elif case == "garbage_gpkg":
        (d / "area.gpkg").write_bytes(b"garbage")
        (d / "network.osm").write_text("<osm/>")
    elif case == "missing_layer":
        _folder_with({k: v for k, v in layers.items() if k != "districts"}, d)
    elif case == "no_crs":
        _folder_with({**layers, "facilities": fac.set_crs(None, allow_override=True)}, d)
    elif case == "no_network":
        _folder_with(layers, d)
        (d / "network.osm").unlink()
    elif case == "bad_row":
        _folder_with({**layers, "facilities": fac.assign(family=["castle"])}, d)
    elif case == "bad_district":
        _folder_with({**layers, "population": pop.assign(district_id=["D9"])}, d)
    elif case == "not_a_folder":
        target = d / "file.txt"
        target.write_text("x")
    elif case == "bad_network":
        _folder_with(layers, d)
        (d / "network.osm").write_text("<osm><way id='1'><nd ref='1'/>")
    elif case == "bad_json":
        _folder_with(layers, d)
        (d / "area.json").write_text("{not json")
    with pytest.raises(InputError) as ei:
        load_folder(target)
    assert str(d) in ei.value.one_line() and "\n" not in ei.value.one_line()
