"""Fuzzing scenario files (scenarios.store / scenarios.model): wrong schema version, duplicate ids,
negative seats, years outside 2021-2035, unknown types, missing fields, broken files.

Property: a scenario file either loads with every project, valid, or raises InputError naming
the file; never any other exception. The same for in-memory validation (validate_projects).
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from fuzz_strategies import LAT0, LAT1, LON0, LON1, check_input_error, fresh_dir, fuzz_settings
from layers.errors import InputError
from scenarios import store
from scenarios.model import YEAR_MAX, YEAR_MIN, Scenario, TYPE_CAPACITY, load_scenario, validate_projects
from layers.schema import PROJECT_TYPES

# Hypothesis fuzzing runs thousands of cases: the full suite (CI) runs it, the fast loop does not.
pytestmark = pytest.mark.slow

_val = st.one_of(st.none(), st.integers(-100, 5000), st.floats(allow_nan=True, allow_infinity=True),
                 st.sampled_from(["", "abc", "12", "1e400", "-3", "2025", "nan"]), st.booleans())


@st.composite
def project_record(draw, i: int):
    clean = draw(st.integers(0, 2)) > 0
    t = draw(st.sampled_from(list(PROJECT_TYPES))) if clean or draw(st.booleans()) else \
        draw(st.sampled_from(["", "high_school", "Primary", None, 3]))
    rec = {"project_id": f"P{i}" if clean or draw(st.booleans()) else draw(st.sampled_from(["P0", "", None, "P1"])),
           "name": draw(st.text(max_size=6)), "type": t,
           "seats_primary": 0, "seats_junior": 0, "places_kindergarten": 0,
           "open_year": draw(st.integers(YEAR_MIN, YEAR_MAX)) if clean else
           draw(st.one_of(st.integers(2000, 2050), _val)),
           "source": "fuzz", "notes": ""}
    if t in TYPE_CAPACITY:
        rec[TYPE_CAPACITY[t][0]] = draw(st.integers(0, 3000))
    if not clean:
        for c in ("seats_primary", "seats_junior", "places_kindergarten"):
            if draw(st.integers(0, 3)) == 0:
                rec[c] = draw(_val)
        for c in list(rec):
            if draw(st.integers(0, 15)) == 0:
                del rec[c]
    x, y = draw(st.floats(LON0, LON1)), draw(st.floats(LAT0, LAT1))
    geom = Point(x, y) if clean or draw(st.integers(0, 3)) else draw(st.sampled_from(
        [None, Point(), LineString([(x, y), (x + 1e-4, y)])]))
    return rec, geom


@st.composite
def projects_frame(draw):
    n = draw(st.integers(0, 6))
    recs = [draw(project_record(i)) for i in range(n)]
    cols = list(dict.fromkeys(k for r, _ in recs for k in r)) or ["project_id"]
    data = {c: pd.Series([r.get(c) for r, _ in recs], dtype=object) for c in cols}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([g for _, g in recs], dtype="geometry"), crs=4326)


def _check_valid(out: gpd.GeoDataFrame, n: int):
    assert len(out) == n
    assert out["project_id"].is_unique
    assert out["open_year"].between(YEAR_MIN, YEAR_MAX).all()
    for c in ("seats_primary", "seats_junior", "places_kindergarten"):
        assert (out[c] >= 0).all()
    assert out["type"].isin(list(PROJECT_TYPES)).all()


@fuzz_settings(600)
@given(gdf=projects_frame())
def test_fuzz_validate_projects(gdf):
    try:
        out = validate_projects(gdf, source="fuzz.gpkg")
    except InputError as e:
        check_input_error(e, "fuzz.gpkg", len(gdf))
        event(f"InputError field={e.field}")
        return
    event("valid")
    _check_valid(out, len(gdf))


META = st.one_of(st.just({"schema_version": 1, "name": "s", "area": "a"}),
                 st.fixed_dictionaries({"schema_version": st.one_of(st.just(1), st.just("1"), _val,
                                                                     st.integers(0, 3)),
                                        "name": st.text(max_size=4)}),
                 st.just({}), st.just(None), st.just("v1"), st.just([1]))


@fuzz_settings(300)
@given(gdf=projects_frame(), meta=META, data=st.data())
def test_fuzz_scenario_geojson(gdf, meta, data):
    feats = []
    for (_, row), g in zip(gdf.drop(columns="geometry").iterrows(), gdf.geometry):
        props = {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
        feats.append({"type": "Feature", "properties": props,
                      "geometry": None if g is None else json.loads(gpd.GeoSeries([g]).to_json())["features"][0]
                      ["geometry"]})
    fc = {"type": "FeatureCollection", "features": feats}
    if meta is not None:
        fc["hedong_scenario"] = meta
    raw = json.dumps(fc, ensure_ascii=False).encode()
    if data.draw(st.integers(0, 8)) == 0:
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    p = fresh_dir() / "scn.geojson"
    p.write_bytes(raw)
    try:
        s = load_scenario(p)
    except InputError as e:
        check_input_error(e, p, len(gdf))
        event(f"InputError field={e.field}")
        return
    event("loaded")
    _check_valid(s.projects, len(gdf))


@fuzz_settings(120)
@given(gdf=projects_frame(), version=st.sampled_from([1, 1, 1, 2, 0, "x"]))
def test_fuzz_scenario_gpkg(gdf, version):
    """Files written by the store itself (unvalidated projects, any schema version) read back safely."""
    p = fresh_dir() / "scn.gpkg"
    old = store.SCHEMA_VERSION
    store.SCHEMA_VERSION = version
    try:
        try:
            store.write_scenario_file(Scenario("s", "a", gdf), p)
        except Exception:  # noqa: BLE001 - GDAL refused these values: nothing was written
            event("not writable")
            assert not p.exists() and not list(p.parent.glob(".scn*")), "a failed save left files behind"
            return
    finally:
        store.SCHEMA_VERSION = old
    try:
        s = load_scenario(p)
    except InputError as e:
        check_input_error(e, p, len(gdf))
        event(f"InputError field={e.field}")
        return
    event("loaded")
    assert version == 1
    _check_valid(s.projects, len(gdf))


@pytest.mark.parametrize("content,suffix", [
    (b"", ".gpkg"), (b"garbage", ".gpkg"), (b"", ".geojson"), (b"{", ".geojson"), (b"[]", ".geojson"),
    (b'{"type": "FeatureCollection", "features": []}', ".geojson"),
    (b'{"type": "FeatureCollection", "features": [], "hedong_scenario": {"schema_version": 99}}', ".geojson"),
    (b'{"type": "FeatureCollection", "features": [], "hedong_scenario": 5}', ".geojson"),
    (b'{"type": "FeatureCollection", "features": 5, "hedong_scenario": {"schema_version": 1}}', ".geojson"),
    (b'{"type": "FeatureCollection", "features": [{"type": "Feature"}], "hedong_scenario": {"schema_version": 1}}',
     ".geojson"),
    ("\ufeff{}".encode("utf-16"), ".json"), (b"\xff\xfe\x00", ".json"), (b"x", ".txt"),
])
def test_scenario_file_corner_cases(content, suffix):
    p = fresh_dir() / f"scn{suffix}"
    p.write_bytes(content)
    with pytest.raises(InputError) as ei:
        load_scenario(p)
    check_input_error(ei.value, p)


def test_scenario_gpkg_missing_meta_and_projects_layers():
    d = fresh_dir()
    g = gpd.GeoDataFrame({"project_id": ["P1"]}, geometry=[Point(111.0, 35.03)], crs=4326)
    g.to_file(d / "only_projects.gpkg", layer="projects")
    g.to_file(d / "other.gpkg", layer="other")
    for name in ("only_projects.gpkg", "other.gpkg", "missing.gpkg"):
        with pytest.raises(InputError) as ei:
            load_scenario(d / name)
        check_input_error(ei.value, d / name)
