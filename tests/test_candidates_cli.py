"""Candidate-site files from other departments: encodings, Chinese coordinate systems, bad rows."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pyproj import Transformer

import gis.areas
from gis.crs import wgs84_to_gcj02
from layers.errors import InputError
from hedong.cli import main
from scenarios.candidates import load_candidates


@pytest.fixture(autouse=True)
def demo_area(small_demo, monkeypatch):
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": small_demo)
    return small_demo


def _two_sites(area):
    """Two populated cells of the demo as WGS84 lon/lat (real places on its street network)."""
    pop = area.population.sort_values("age_6_11", ascending=False).iloc[[0, 10]]
    lon, lat = Transformer.from_crs(area.crs, "EPSG:4326", always_xy=True).transform(pop.geometry.x, pop.geometry.y)
    return np.asarray(lon), np.asarray(lat), pop.geometry


def test_gcj02_candidates_land_where_wgs84_says(tmp_path, small_demo, capsys):
    lon, lat, geoms = _two_sites(small_demo)
    glon, glat = wgs84_to_gcj02(lon, lat)
    p = tmp_path / "amap.csv"
    rows = "\n".join(f"c{i},{x:.8f},{y:.8f}" for i, (x, y) in enumerate(zip(glon, glat)))
    p.write_bytes(("candidate_id,lng,lat\n" + rows + "\n").encode("gbk"))
    c = load_candidates(p, small_demo.crs, coords="gcj02")
    # converted back onto the cells within a few centimetres (the GCJ-02 offset is hundreds of metres)
    assert np.allclose(c.geometry.x, geoms.x, atol=0.05) and np.allclose(c.geometry.y, geoms.y, atol=0.05)
    raw = load_candidates(p, small_demo.crs)  # read as if WGS84: shifted by the GCJ offset
    shift = np.hypot(raw.geometry.x.to_numpy() - geoms.x.to_numpy(), raw.geometry.y.to_numpy() - geoms.y.to_numpy())
    assert (shift > 100).all()
    assert main(["scenario", "optimize", "--level", "primary", "--model", "mclp", "--p", "1",
                 "--candidates", str(p), "--coords", "gcj02", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["chosen"][0] in {"c0", "c1"} and j["candidates"] == 2


@pytest.mark.parametrize("body, field", [
    ("candidate_id,lon,lat\nc1,abc,35.0\n", "lon"),
    ("candidate_id,lon,lat\nc1,35.03,111.0\n", "lat"),  # swapped
    ("candidate_id,lon,lat,capacity\nc1,111.0,35.03,-5\n", "capacity"),
    ("candidate_id,lon,lat\nc1,111.0,35.03\nc1,111.01,35.03\n", "candidate_id"),
])
def test_bad_candidate_rows_name_row_and_field(tmp_path, small_demo, body, field):
    p = tmp_path / "c.csv"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_candidates(p, small_demo.crs)
    assert e.value.field in (field, "latitude", "longitude") or field in str(e.value)
    assert str(p) in str(e.value) and e.value.row is not None


def test_grid_candidates_one_per_square_best_cell(small_demo):
    """Against a brute-force loop over the squares: each square's candidate is its heaviest
    eligible cell, and the grid fills the city (not the district's countryside)."""
    from scenarios.candidates import grid_candidates

    w = small_demo.population["age_6_11"].to_numpy(float)
    g = grid_candidates(small_demo, w, n_target=120)
    assert 60 <= len(g) <= 240  # about n_target squares over the populated cells
    pop = small_demo.population
    x, y = pop.geometry.x.to_numpy(), pop.geometry.y.to_numpy()
    ok = np.flatnonzero(w > 0)
    side = max(np.sqrt(len(ok) * small_demo.cell_size ** 2 / 120), small_demo.cell_size)
    best = {}
    for i in ok:
        k = (int(np.floor((x[i] - x[ok].min()) / side)), int(np.floor((y[i] - y[ok].min()) / side)))
        if k not in best or w[i] > w[best[k]]:
            best[k] = i
    assert sorted(g["cell"].tolist()) == sorted(best.values())


@pytest.mark.parametrize("capacity", ["many", -5])
def test_bad_capacity_in_geojson_candidates_is_an_input_error(tmp_path, small_demo, capacity):
    """The capacity check covered CSV only: a GeoJSON with 'many' seats ended in a ValueError (exit 1)."""
    lon, lat, _ = _two_sites(small_demo)
    feats = [{"type": "Feature", "properties": {"candidate_id": f"g{i}", "capacity": capacity if i else 900},
              "geometry": {"type": "Point", "coordinates": [float(x), float(y)]}}
             for i, (x, y) in enumerate(zip(lon, lat))]
    p = tmp_path / "c.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_candidates(p, small_demo.crs)
    assert e.value.field == "capacity" and e.value.row == 2
    feats[1]["properties"]["capacity"] = 450
    p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    assert load_candidates(p, small_demo.crs)["capacity"].tolist() == [900.0, 450.0]
