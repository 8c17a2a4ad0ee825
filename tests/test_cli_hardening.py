"""The CLI's second hardening pass (issue 14): each item reproduced through the CLI (in-process, on the
tiny grid area of scenario_helpers) and now getting the expected behaviour."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point

from hedong.cli import main
from scenario_helpers import grid_area, run_cli, use_area

AREA = grid_area()


@pytest.fixture(autouse=True)
def _grid(monkeypatch, tmp_path):
    use_area(monkeypatch, tmp_path, AREA)


def _run(argv, capsys):
    return run_cli(argv, capsys)


def _exit2(argv, capsys, needle):
    rc, _, err = _run(argv, capsys)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == 2, err
    assert len(lines) == 1 and "Traceback" not in err, lines
    assert needle in lines[0], lines[0]
    return lines[0]


def _gpkg(path, layer="mine"):
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=4326).to_file(path, layer=layer, driver="GPKG")
    return path.read_bytes()


# ------------------------------------------------------------------ 1. no overwrite without --overwrite

def test_catchments_never_replace_a_study_area(tmp_path, capsys):
    a = tmp_path / "A"
    a.mkdir()
    before = _gpkg(a / "area.gpkg", "boundary")
    (a / "network.osm").write_text("<osm/>")
    for extra in ([], ["--overwrite"], ["--append-layer"]):
        _exit2(["scenario", "evaluate", "--catchments", a / "area.gpkg", *extra], capsys, "area.gpkg")
    assert (a / "area.gpkg").read_bytes() == before


def test_outputs_refuse_existing_files_unless_overwrite(tmp_path, capsys):
    notes = tmp_path / "notes.csv"
    notes.write_text("my notes")
    _exit2(["scenario", "compare", "existing", "plan", "--year", 2025, "--csv", notes], capsys, "--overwrite")
    assert notes.read_text() == "my notes"
    other = tmp_path / "other.gpkg"
    before = _gpkg(other)
    _exit2(["circles", "--service", "primary", "--out", other], capsys, "other.gpkg")
    assert other.read_bytes() == before
    rc, _, err = _run(["scenario", "compare", "existing", "plan", "--year", 2025, "--csv", notes, "--overwrite"],
                      capsys)
    assert rc == 0, err and "existing" in notes.read_text(encoding="utf-8-sig")


def test_append_layer_keeps_other_layers(tmp_path, capsys):
    other = tmp_path / "other.gpkg"
    _gpkg(other)
    rc, _, err = _run(["circles", "--service", "primary", "--out", other, "--append-layer"], capsys)
    assert rc == 0, err
    assert {str(n) for n, _ in pyogrio.list_layers(other)} == {"mine", "circles_primary"}
    # The same layer again is a clash unless --overwrite replaces that layer (and only it).
    _exit2(["circles", "--service", "primary", "--out", other, "--append-layer"], capsys, "circles_primary")
    rc, _, err = _run(["circles", "--service", "primary", "--out", other, "--append-layer", "--overwrite"], capsys)
    assert rc == 0, err
    assert {str(n) for n, _ in pyogrio.list_layers(other)} == {"mine", "circles_primary"}


def test_export_refuses_existing_files(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "area.gpkg").write_text("a planner's area")
    _exit2(["export", "--area", tmp_path / "nowhere", "--out", out], capsys, "--overwrite")
    assert (out / "area.gpkg").read_text() == "a planner's area"


# ------------------------------------------------------------------ 2. concurrent edits both land

def _seats(name, pid):
    from scenarios.model import resolve_scenario

    s = resolve_scenario(AREA, name)
    row = s.projects[s.projects["project_id"] == pid].iloc[0]
    return row


def test_two_moves_at_once_both_land(capsys):
    """Two `scenario move` racing on one scenario (threads here; processes in the slow property test)."""
    import threading

    assert _run(["scenario", "copy", "plan", "mine"], capsys)[0] == 0
    barrier = threading.Barrier(2)
    rcs = []

    def one(argv):
        barrier.wait()
        rcs.append(main(argv))

    lon, lat = _lonlat(AREA, 500, 500)
    ts = [threading.Thread(target=one, args=(a,)) for a in (
        ["scenario", "move", "mine", "--project", "P1", "--lon", str(lon), "--lat", str(lat)],
        ["scenario", "move", "mine", "--project", "P2", "--set-year", "2030"])]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert rcs == [0, 0]
    p1, p2 = _seats("mine", "P1"), _seats("mine", "P2")
    assert abs(p1.geometry.x - (AREA.boundary.total_bounds[0] + 500)) < 0.01
    assert p2["open_year"] == 2030


def test_save_over_a_changed_scenario_is_refused():
    """The app's save path: a scenario read, then edited by someone else, is not silently undone."""
    from scenarios import store
    from scenarios.model import edit_stored, resolve_scenario, save_scenario

    s = resolve_scenario(AREA, "plan").copy("mine")
    save_scenario(s)
    mine = resolve_scenario(AREA, "mine")
    edit_stored(AREA, "mine", lambda x: x.set_year("P2", 2031))  # another edit lands meanwhile
    mine = mine.set_seats("P1", seats_primary=999)
    with pytest.raises(store.ScenarioChangedError, match="changed by another edit"):
        save_scenario(mine, mine.path, overwrite=True, expected_version=mine.meta["file_version"])
    assert _seats("mine", "P2")["open_year"] == 2031


def test_a_read_racing_a_write_carries_the_version_it_parsed(monkeypatch):
    """The race the property test found: a load that parses the old file while an edit replaces it
    must not carry the new file's version, or the app's later save would pass its check and undo
    that edit. Here the edit lands between the read and the parse."""
    import pyogrio as _pyogrio

    from scenarios import store
    from scenarios.model import edit_stored, load_scenario, resolve_scenario, save_scenario

    save_scenario(resolve_scenario(AREA, "plan").copy("race"))
    path = store.stored_paths(AREA)["race"]
    real, fired = _pyogrio.read_dataframe, []

    def racing_read(*a, **k):
        if not fired:
            fired.append(1)
            edit_stored(AREA, "race", lambda x: x.set_year("P2", 2032))  # another edit replaces the file now
        return real(*a, **k)

    monkeypatch.setattr(_pyogrio, "read_dataframe", racing_read)
    stale = load_scenario(path, AREA)
    monkeypatch.setattr(_pyogrio, "read_dataframe", real)
    assert stale.projects.set_index("project_id").loc["P2", "open_year"] != 2032  # parsed the old bytes
    stale = stale.set_seats("P1", seats_primary=999)
    with pytest.raises(store.ScenarioChangedError):
        save_scenario(stale, path, overwrite=True, expected_version=stale.meta["file_version"])
    assert _seats("race", "P2")["open_year"] == 2032


def _lonlat(area, dx, dy):
    from pyproj import Transformer

    x0, y0 = area.boundary.total_bounds[:2]
    return Transformer.from_crs(area.crs, 4326, always_xy=True).transform(x0 + dx, y0 + dy)


# ------------------------------------------------------------------ 4. stores keyed by the resolved area

def test_store_key_is_the_resolved_folder(tmp_path):
    from scenarios import store

    a, b = tmp_path / "2023" / "yanhu", tmp_path / "2024" / "yanhu"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    assert store.area_id(str(a)) != store.area_id(str(b))
    assert store.area_id("yuncheng-demo") == "yuncheng-demo"
    for spec in (".", "..", str(tmp_path)):
        d = store.store_dir(spec)
        assert d.parent == store.data_dir() / "scenarios"  # never the store root, never outside it


def test_stored_scenario_of_another_area_is_refused(tmp_path):
    from scenarios import store
    from scenarios.model import resolve_scenario, save_scenario

    s = resolve_scenario(AREA, "plan").copy("theirs").replace(area="town-a")
    save_scenario(s, store.store_dir(AREA, create=True) / "theirs.gpkg")
    with pytest.raises(Exception, match="belongs to study area 'town-a'"):
        resolve_scenario(AREA, "theirs")


# ------------------------------------------------------------------ 5. sites inside the study area

def test_move_far_away_is_refused(capsys):
    assert _run(["scenario", "copy", "plan", "mine"], capsys)[0] == 0
    lon, lat = _lonlat(AREA, 500, 500)
    line = _exit2(["scenario", "move", "mine", "--project", "P1", "--lon", lon - 100, "--lat", lat], capsys,
                  "--lon/--lat")
    assert "outside the study area" in line
    _exit2(["scenario", "move", "mine", "--project", "P1", "--lon", 200, "--lat", lat], capsys, "--lon/--lat")
    assert abs(_seats("mine", "P1").geometry.x - AREA.projects.geometry.iloc[0].x) < 0.01  # unchanged


def test_candidates_outside_or_at_null_island_are_refused(tmp_path, capsys):
    lon, lat = _lonlat(AREA, 500, 500)
    p = tmp_path / "c.csv"
    p.write_text(f"candidate_id,lon,lat\nok,{lon},{lat}\nnull,0,0\n")
    for cmd in (["optimize", "--model", "mclp"], ["next-site"]):
        line = _exit2(["scenario", *cmd, "--candidates", p], capsys, "row 2")
        assert "null" in line and "outside" in line
    # x,y in degrees are read as longitude/latitude, as the facility loader reads them
    q = tmp_path / "xy.csv"
    q.write_text(f"candidate_id,x,y\nok,{lon},{lat}\n")
    rc, out, err = _run(["scenario", "next-site", "--candidates", q, "--json"], capsys)
    assert rc == 0, err
    x0, y0 = AREA.boundary.total_bounds[:2]
    from scenarios.candidates import load_candidates

    g = load_candidates(q, AREA.crs)
    assert abs(g.geometry.iloc[0].x - (x0 + 500)) < 0.01 and abs(g.geometry.iloc[0].y - (y0 + 500)) < 0.01
    # ... and x,y in metres of the area's CRS still work
    m = tmp_path / "m.csv"
    m.write_text(f"candidate_id,x,y\nok,{x0 + 500},{y0 + 500}\n")
    assert abs(load_candidates(m, AREA.crs).geometry.iloc[0].x - (x0 + 500)) < 1e-6


# ------------------------------------------------------------------ 9, 10. CSV formulas, terminal escapes

def _renamed(names):

    d = AREA.districts.copy()
    d["name"] = names
    return AREA.replace(districts=d, validate=False)


def test_csv_cells_never_start_a_formula(tmp_path, capsys, monkeypatch):
    import csv

    import gis.areas

    area = _renamed(['=HYPERLINK("http://x","y")', "@SUM(A1)"])
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": area)
    out = tmp_path / "delta.csv"
    rc, _, err = _run(["scenario", "compare", "existing", "plan", "--year", 2025, "--csv", out], capsys)
    assert rc == 0, err
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    cells = [c for r in rows for c in r]
    assert not [c for c in cells if c[:1] in ("=", "@", "+")], cells
    assert "'=HYPERLINK(\"http://x\",\"y\")" in cells and "'@SUM(A1)" in cells
    # negative numbers stay numbers (a delta of -5 is not a formula)
    assert any(c.startswith("-") and c[1:].replace(".", "").isdigit() for c in cells)


def test_terminal_escapes_are_stripped(capsys, monkeypatch):
    import gis.areas

    area = _renamed(["West\x1b]52;c;ZXZpbA==\x07\x1b[31m", "East\x1b[2J\x9b1m"])
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": area)
    monkeypatch.setattr(gis.areas, "load_area", lambda spec="yuncheng-demo", **k: area)
    for argv in (["info"], ["coverage"], ["scenario", "evaluate"]):
        rc, out, err = _run(argv, capsys)
        assert rc == 0, err
        assert "\x1b" not in out + err and "\x9b" not in out + err and "\x07" not in out + err
        assert "West" in out and "East" in out


# ------------------------------------------------------------------ 11. od_pairs memory bounded by construction

def test_od_pairs_batches_bound_dijkstra_output(monkeypatch):
    import numpy as np

    from accessibility import reach
    from accessibility.context import ComputeContext

    net = ComputeContext.for_area(AREA).network()
    rng = np.random.default_rng(3)
    x0, y0, x1, y1 = AREA.boundary.total_bounds
    pts = gpd.GeoSeries(gpd.points_from_xy(rng.uniform(x0, x1, 3000), rng.uniform(y0, y1, 3000)), crs=AREA.crs)
    cells = net.snap(AREA.population.geometry)
    dest = net.snap(pts)
    want = reach.od_pairs(net, cells, dest, 600.0)
    sizes = []
    real = reach.dijkstra

    def spy(*a, **k):
        out = real(*a, **k)
        sizes.append(out.size)
        return out

    monkeypatch.setattr(reach, "dijkstra", spy)
    monkeypatch.setattr(reach, "_BATCH_CELLS", 40_000)  # 3000 sites x (144 nodes + batch) would be 9.4M cells
    got = reach.od_pairs(net, cells, dest, 600.0)
    assert sizes and max(sizes) <= 40_000, max(sizes)
    for a, b in zip(want, got):
        np.testing.assert_array_equal(a, b)  # same pairs, same seconds


# ------------------------------------------------------------------ 12. --time-limit returns the best solution

def _timed_out_milp(with_solution):
    from scipy.optimize import milp as real_milp

    def fake(c, **k):
        res = real_milp(c, **k)
        res.status, res.message, res.mip_gap = 1, "Time limit reached. (HiGHS Status 13)", 0.125
        if not with_solution:
            res.x = None
        return res

    return fake


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_time_limit_returns_best_solution_with_gap(capsys, monkeypatch):
    import scenarios.locate.base as opt  # the models' one HiGHS call

    monkeypatch.setattr(opt, "milp", _timed_out_milp(True))
    rc, out, err = _run(["scenario", "optimize", "--model", "cmclp", "--time-limit", 120, "--json"], capsys)
    assert rc == 0, err
    import json

    j = json.loads(out)
    assert j["time_limit_reached"] is True and j["gap"] == 0.125 and len(j["chosen"]) == 1
    rc, out, err = _run(["scenario", "optimize", "--model", "cmclp", "--time-limit", 120], capsys)
    assert rc == 0 and "12.5%" in out
    monkeypatch.setattr(opt, "milp", _timed_out_milp(False))
    line = _exit2(["scenario", "optimize", "--model", "cmclp", "--time-limit", 1], capsys, "--time-limit")
    assert "--p" not in line


# ------------------------------------------------------------------ 14. the smaller items

@pytest.mark.parametrize("name", ["mine\n", "x" * 300])
def test_bad_scenario_names_exit_2_without_debris(name, capsys, tmp_path):
    _exit2(["scenario", "copy", "plan", name], capsys, "name")
    from scenarios import store

    d = store.store_dir(AREA)
    assert not d.exists() or not any(d.iterdir())


def test_kill_debris_is_cleaned(tmp_path):
    import os
    import time

    from scenarios import store
    from scenarios.model import resolve_scenario, save_scenario

    d = store.store_dir(AREA, create=True)
    old = d / ".mine.abc123.tmp.gpkg"
    old.write_bytes(b"x" * 1000)
    fresh = d / ".mine.def456.tmp.gpkg"  # a write in progress elsewhere: left alone
    fresh.write_bytes(b"y")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    save_scenario(resolve_scenario(AREA, "plan").copy("mine"))
    assert not old.exists() and fresh.exists()
    pub = tmp_path / "maps"
    pub.mkdir()
    stale = pub / ".hedong-publish.tmp-xyz"
    stale.mkdir()
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    from presentation.publish import _clean_stale_tmp

    _clean_stale_tmp(pub)
    assert not stale.exists()


def test_output_paths_checked_before_work(tmp_path, capsys):
    _exit2(["scenario", "evaluate", "--catchments", tmp_path / "x.shp"], capsys, ".gpkg")
    assert not (tmp_path / "x.shp").exists()
    _exit2(["scenario", "compare", "existing", "plan", "--year", 2025, "--csv", tmp_path], capsys, "--csv")


def test_two_layer_geopackage_candidates_refused(tmp_path, capsys):
    lon, lat = _lonlat(AREA, 500, 500)
    g = gpd.GeoDataFrame({"candidate_id": ["a"]}, geometry=[Point(lon, lat)], crs=4326)
    p = tmp_path / "c.gpkg"
    g.to_file(p, layer="roads", driver="GPKG")
    g.to_file(p, layer="sites", driver="GPKG")
    line = _exit2(["scenario", "next-site", "--candidates", p], capsys, "layer")
    assert "roads" in line and "sites" in line


def test_gcj02_applies_to_geojson_candidates(tmp_path):
    from gis.crs import to_wgs84
    from scenarios.candidates import load_candidates

    lon, lat = 111.0, 35.03
    g = gpd.GeoDataFrame({"candidate_id": ["a"]}, geometry=[Point(lon, lat)], crs=4326)
    p = tmp_path / "c.geojson"
    g.to_file(p, driver="GeoJSON")
    wgs = load_candidates(p, 4326, coords="wgs84").geometry.iloc[0]
    gcj = load_candidates(p, 4326, coords="gcj02").geometry.iloc[0]
    elon, elat = to_wgs84([lon], [lat], "gcj02")
    assert (wgs.x, wgs.y) == (lon, lat)
    assert abs(gcj.x - elon[0]) < 1e-9 and abs(gcj.y - elat[0]) < 1e-9 and abs(gcj.x - lon) > 1e-4


def test_far_facility_warnings_name_the_facility_id(capsys, monkeypatch):

    import gis.areas

    f = AREA.facilities.copy()
    f["facility_id"] = ["s1", "far-school", "k1"]
    x0, y0, x1, y1 = AREA.boundary.total_bounds
    f.loc[1, "geometry"] = Point(x0 - 2000, y0 + 550)  # far from every street
    area = AREA.replace(facilities=f, validate=False)
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": area)
    from accessibility.context import ComputeContext

    snap = ComputeContext.for_area(area).facility_snap(f)
    assert list(snap.labels) == ["s1", "far-school", "k1"]
    assert snap.warnings() and snap.warnings()[0].startswith("far-school:")


def test_csv_with_a_huge_header_is_refused_fast(tmp_path, capsys):
    import time

    p = tmp_path / "wide.csv"
    p.write_text("candidate_id,lon,lat," + ",".join(f"c{i}" for i in range(200_000)) + "\na,111,35\n")
    t0 = time.perf_counter()
    _exit2(["scenario", "next-site", "--candidates", p], capsys, "columns")
    assert time.perf_counter() - t0 < 10


# ------------------------------------------------------------------ 7. value ranges on the command line

@pytest.mark.parametrize("value", ["1e20", "99999999999999999999", "-5", "100001"])
def test_set_seats_out_of_range(value, capsys):
    assert _run(["scenario", "copy", "plan", "mine"], capsys)[0] == 0
    _exit2(["scenario", "move", "mine", "--project", "P1", "--set-seats", value], capsys, "seats")
    assert _seats("mine", "P1")["seats_primary"] == 120


@pytest.mark.parametrize("cap", ["1e19", "0.6", "-1", "abc"])
def test_candidate_capacity_out_of_range(cap, tmp_path, capsys):
    lon, lat = _lonlat(AREA, 500, 500)
    p = tmp_path / "c.csv"
    p.write_text(f"candidate_id,lon,lat,capacity\na,{lon},{lat},{cap}\n")
    for cmd in (["optimize", "--model", "cmclp"], ["next-site"]):
        line = _exit2(["scenario", *cmd, "--candidates", p], capsys, "capacity")
        assert "row 1" in line


def test_osm_node_beyond_90_degrees_is_refused_before_simplification(tmp_path):
    """Node 2 sits mid-way on a street: simplification would merge it into an edge's geometry
    (an Infinity vertex, a 13,343 km edge); it is refused first, named."""
    from gis.osm import read_osm_network
    from layers.errors import InputError

    p = tmp_path / "network.osm"
    p.write_text("""<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
  <node id="1" lat="35.00" lon="111.00"/><node id="2" lat="95.00" lon="111.001"/>
  <node id="3" lat="35.002" lon="111.002"/><node id="4" lat="35.003" lon="111.000"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
  <way id="11"><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/></way>
</osm>
""")
    with pytest.raises(InputError, match="node 2 .*lat=95"):
        read_osm_network(p, crs="EPSG:4546")
