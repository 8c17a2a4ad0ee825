"""Issue 27, the third hardening pass: one regression test per item (3-8, 10, 11, 13-19), each
failing on the main branch before the fix. Items 1, 2, 9, 12 and 20 are tested elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from layers.errors import InputError
from scenario_helpers import grid_area, run_cli, use_area

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- item 3: far sites in scenario files


@pytest.mark.parametrize("lon, lat", [(111.0, 89.99), (180.0, 35.0)])
@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_scenario_file_with_a_far_project_is_refused_on_every_path(tmp_path, monkeypatch, capsys, lon, lat, suffix):
    """A scenario *file* whose project lies at lat 89.99 or lon 180 was loaded and counted; now the one
    check of `scenario move` refuses it, by `--scenario FILE` and by `scenario copy FILE name` alike."""
    from scenarios.model import resolve_scenario
    from scenarios.store import write_scenario_file

    area = grid_area()
    use_area(monkeypatch, tmp_path, area)
    s = resolve_scenario(area, "plan").copy("far")
    p = s.projects.copy()
    p.loc[0, "geometry"] = gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(area.crs).iloc[0]
    s = s.replace(projects=p)  # Scenario is immutable: replace() returns the edited copy
    f = write_scenario_file(s, tmp_path / f"far{suffix}")
    with pytest.raises(InputError) as e:
        resolve_scenario(area, str(f))
    assert "outside the study area" in str(e.value) and "P1" in str(e.value) and f.name in str(e.value)
    rc, out, err = run_cli(["scenario", "evaluate", "--scenario", f, "--year", 2025], capsys)
    assert rc == 2 and "outside the study area" in err, (rc, err)
    rc, out, err = run_cli(["scenario", "copy", f, "mine"], capsys)
    assert rc == 2 and "outside the study area" in err, (rc, err)
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").rglob("mine.gpkg"))


# ---------------------------------------------------------------- item 4: an empty capacity is no 0


def _facilities(**over):
    row = {"facility_id": "s1", "name": "一小", "family": "school", "subtype": "primary", "seats_primary": 900,
           "seats_junior": 0, "places_kindergarten": 0, "beds": 0, "area_m2": 0.0}
    row.update(over)
    return pd.DataFrame([row])


@pytest.mark.parametrize("layer, frame, field", [
    ("facilities", _facilities(seats_primary=None), "seats_primary"),
    ("facilities", _facilities(subtype="junior", seats_primary=0, seats_junior=float("nan")), "seats_junior"),
    ("facilities", _facilities(family="kindergarten", subtype="", seats_primary=0, places_kindergarten=""),
     "places_kindergarten"),
    ("facilities", _facilities(family="clinic", subtype="", seats_primary=0, beds=None), "beds"),
    ("projects", pd.DataFrame([{"project_id": "P1", "type": "primary", "seats_primary": None, "open_year": 2024}]),
     "seats_primary"),
    ("projects", pd.DataFrame([{"project_id": "P1", "type": "nine_year", "seats_primary": 500, "seats_junior": "",
                                "open_year": 2024}]), "seats_junior"),
])
def test_an_empty_capacity_the_row_uses_is_an_error(layer, frame, field):
    from layers.validate import validate_frame

    with pytest.raises(InputError) as e:
        validate_frame(frame, layer, file="x.gpkg")
    assert e.value.field == field and e.value.row == 1 and e.value.file == "x.gpkg"
    assert "empty" in e.value.reason


def test_an_empty_capacity_the_row_does_not_use_is_still_zero():
    from layers.validate import validate_frame

    ok = validate_frame(_facilities(seats_junior=None, beds=None, places_kindergarten=""), "facilities", file="x")
    assert ok.loc[0, "seats_primary"] == 900 and ok.loc[0, "seats_junior"] == 0
    p = validate_frame(pd.DataFrame([{"project_id": "P1", "type": "primary", "seats_primary": 600, "seats_junior": None,
                                      "open_year": 2024}]), "projects", file="x")
    assert p.loc[0, "seats_junior"] == 0


def test_an_empty_seats_cell_in_a_scenario_file_names_the_file(tmp_path):
    from scenarios.model import load_scenario, resolve_scenario
    from scenarios.store import write_scenario_file

    area = grid_area()
    s = resolve_scenario(area, "plan").copy("holes")
    s = s.replace(projects=s.projects.astype({"seats_primary": float}))
    s.projects.loc[0, "seats_primary"] = float("nan")
    f = write_scenario_file(s, tmp_path / "holes.gpkg")
    with pytest.raises(InputError) as e:
        load_scenario(f, area)
    assert e.value.field == "seats_primary" and e.value.row == 1 and "holes.gpkg" in str(e.value)


# ---------------------------------------------------------------- item 5 / 17: OSM ids and long tags


def _osm_xml(nodes, ways) -> str:
    body = "".join(f'<node id="{i}" lat="{lat}" lon="{lon}"/>' for i, lon, lat in nodes)
    for wid, refs, tags in ways:
        body += (f'<way id="{wid}">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                 + "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()) + "</way>")
    return f"<?xml version='1.0' encoding='UTF-8'?><osm version='0.6'>{body}</osm>"


NODES = [(61, 111.0, 35.0), (62, 111.001, 35.0), (63, 111.002, 35.0)]


def _write_pbf(path, nodes, ways):
    import osmium

    w = osmium.SimpleWriter(str(path))
    for i, lon, lat in nodes:
        w.add_node(osmium.osm.mutable.Node(id=i, location=(lon, lat)))
    for wid, refs, tags in ways:
        w.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags))
    w.close()


@pytest.mark.parametrize("fmt", ["xml", "pbf"])
@pytest.mark.parametrize("dup", ["node", "way"])
def test_an_osm_id_defined_twice_is_refused_naming_it(tmp_path, fmt, dup):
    """network.osm defining node 61 twice (the second 1,300 km away): the second copy won silently."""
    from gis.osm import parse_osm_xml, read_osm_networks
    from gis.osm_pbf import parse_pbf

    nodes = NODES + ([(61, 123.0, 40.0)] if dup == "node" else [])
    ways = [(7, [61, 62], {"highway": "footway"}), (8 if dup == "node" else 7, [62, 63], {"highway": "footway"})]
    if fmt == "xml":
        f = tmp_path / "network.osm"
        f.write_text(_osm_xml(nodes, ways), encoding="utf-8")
        parse = parse_osm_xml
    else:
        f = tmp_path / "network.osm.pbf"
        _write_pbf(f, nodes, ways)
        parse = parse_pbf
    want = f"{dup} {61 if dup == 'node' else 7} is defined twice"
    with pytest.raises(InputError) as e:
        parse(f)
    assert want in str(e.value) and e.value.file == str(f)
    with pytest.raises(InputError, match=want):
        read_osm_networks(f, crs="EPSG:4546")


@pytest.mark.parametrize("fmt", ["xml", "pbf"])
def test_a_long_street_name_is_cut_with_a_warning(tmp_path, fmt):
    """A 6 MB OSM street name reached every published page; OSM's own limit is 255 characters."""
    from gis.osm import parse_osm_xml, read_osm_networks
    from gis.osm_pbf import parse_pbf
    from layers.osm_tags import MAX_TAG_CHARS, LongTagWarning

    # libosmium writes tags up to 1,024 bytes only: the PBF case is a 300-character name
    long = "长" * 200_000 if fmt == "xml" else "长" + "x" * 299
    ways = [(7, [61, 62, 63], {"highway": "footway", "name": long})]
    if fmt == "xml":
        f = tmp_path / "network.osm"
        f.write_text(_osm_xml(NODES, ways), encoding="utf-8")
        parse = parse_osm_xml
    else:
        f = tmp_path / "network.osm.pbf"
        _write_pbf(f, NODES, ways)
        parse = parse_pbf
    with pytest.warns(LongTagWarning, match=f"cut to {MAX_TAG_CHARS}"):
        _, w = parse(f)
    assert len(w[0][2]["name"]) == MAX_TAG_CHARS and w[0][2]["name"].startswith("长")
    with pytest.warns(LongTagWarning):
        graphs, _ = read_osm_networks(f, crs="EPSG:4546")
    names = [d.get("name") for _, _, d in graphs["walk"].edges(data=True)]
    assert names and all(len(n) <= MAX_TAG_CHARS for n in names)


def test_a_long_poi_name_is_cut_with_a_warning():
    from layers.osm_tags import MAX_TAG_CHARS, LongTagWarning, facilities_from_osm

    pois = gpd.GeoDataFrame({"amenity": ["school"], "name": ["x" * 1_000_000], "id": [5], "osm_type": ["node"]},
                            geometry=[Point(111.0, 35.0)], crs=4326)
    with pytest.warns(LongTagWarning):
        fac = facilities_from_osm(pois, "EPSG:4546")
    assert len(fac.loc[0, "name"]) == MAX_TAG_CHARS


# ---------------------------------------------------------------- items 8 / 18: export leaves nothing stale, data verbatim


def _area_with_every_optional_file():
    """The grid area with district ids "-1" / "=2" (a CSV-injection prefix would change them), births,
    housing and communities: every optional file and layer of a study-area folder."""
    from shapely.geometry import box

    from gis.study_area import StudyArea
    from scenario_helpers import X0, Y0

    a = grid_area()
    ids = {"D1": "-1", "D2": "=2"}
    d = a.districts.assign(district_id=a.districts["district_id"].map(ids))
    pop = a.population.assign(district_id=a.population["district_id"].map(ids))
    births = pd.DataFrame({"district_id": ["-1", "-1", "=2", "=2"], "year": [2021, 2022, 2021, 2022],
                           "births": [30.0, 31.0, 40.0, 41.5]})
    housing = gpd.GeoDataFrame({"housing_id": ["H1"], "name": ["+新区"], "completion_year": [2024],
                                "dwellings": [800.0]}, geometry=[Point(X0 + 500, Y0 + 500)], crs=a.crs)
    comm = gpd.GeoDataFrame({"community_id": ["-7"], "name": ["@社区"], "district_id": ["-1"], "pop_total": [900.0]},
                            geometry=[box(X0, Y0, X0 + 300, Y0 + 300)], crs=a.crs)
    return StudyArea(name="every-file", crs=a.crs, boundary=a.boundary, districts=d, population=pop,
                     facilities=a.facilities, projects=a.projects, graph=a.graph, synthetic=True, cell_size=100.0,
                     births=births, housing=housing, communities=comm, sources={"population": "generated (test)"})


def test_export_and_reload_keep_every_optional_file_verbatim(tmp_path):
    """district_id "-1" with births: the export wrote "'-1" and the exported area did not load."""
    from gis.folder import BIRTHS_NAME, export_area, load_folder

    a = _area_with_every_optional_file()
    export_area(a, tmp_path / "B")
    raw = (tmp_path / "B" / BIRTHS_NAME).read_text(encoding="utf-8-sig").splitlines()
    assert raw[1].startswith("-1,") and raw[3].startswith("=2,"), raw
    b = load_folder(tmp_path / "B")
    pd.testing.assert_frame_equal(b.births.reset_index(drop=True), a.births.astype({"births": float}),
                                  check_dtype=False)
    for layer, key in (("districts", "district_id"), ("projects", "project_id"), ("housing", "housing_id"),
                       ("communities", "community_id")):
        got, want = getattr(b, layer), getattr(a, layer)
        cols = [c for c in want.columns if c != "geometry"]
        assert list(got[key]) == list(want[key]), layer
        for c in cols:
            assert [str(v) for v in got[c]] == [str(v) for v in want[c]] or \
                list(pd.to_numeric(got[c])) == list(pd.to_numeric(want[c])), (layer, c)
    assert b.population["district_id"].tolist() == a.population["district_id"].tolist()


def test_export_overwrite_leaves_no_stale_file_of_the_old_folder(tmp_path, capsys):
    """`export --area A --out B --overwrite` left B's old births.csv: the exported A switched from the
    growth-rate projection to the cohort one (600 -> 800 children)."""
    from gis.folder import BIRTHS_NAME, export_area, load_folder

    export_area(_area_with_every_optional_file(), tmp_path / "B")
    (tmp_path / "B" / "notes.txt").write_text("mine")  # a file of the planner's own stays
    export_area(grid_area(), tmp_path / "A")
    assert not (tmp_path / "A" / BIRTHS_NAME).exists()
    rc, out, err = run_cli(["export", "--area", tmp_path / "A", "--out", tmp_path / "B"], capsys)
    assert rc == 2 and "--overwrite" in err  # births.csv alone counts as a study-area file
    rc, out, err = run_cli(["export", "--area", tmp_path / "A", "--out", tmp_path / "B", "--overwrite"], capsys)
    assert rc == 0, err
    assert not (tmp_path / "B" / BIRTHS_NAME).exists()
    assert (tmp_path / "B" / "notes.txt").read_text() == "mine"
    assert not [p for p in (tmp_path / "B").iterdir() if p.name.startswith(".")]  # no temp folder left
    b = load_folder(tmp_path / "B")
    assert b.births is None and b.housing is None or not len(b.housing)
    assert set(b.districts["district_id"]) == {"D1", "D2"}


# ---------------------------------------------------------------- item 11: one CSV writer for people

HOSTILE = "=cmd|' /C calc'!A0"


def test_indicators_and_enrolment_csv_are_formula_safe(tmp_path, monkeypatch, capsys):
    a = grid_area()
    a = a.replace(districts=a.districts.assign(name=[HOSTILE, "东区"]))
    use_area(monkeypatch, tmp_path, a)
    for argv in (["indicators", "--csv", tmp_path / "ind.csv"],
                 ["scenario", "enrolment", "--csv", tmp_path / "enr.csv"]):
        rc, out, err = run_cli(argv, capsys)
        assert rc == 0, err
        f = Path(argv[-1])
        text = f.read_text(encoding="utf-8-sig")
        assert HOSTILE.split("|")[0] in text  # the district is there ...
        cells = [c for line in text.splitlines() for c in line.split(",")]
        assert not [c for c in cells if c.startswith(("=", "+", "@")) or c.startswith('"=')], f.name
        assert "'" + HOSTILE.split("|")[0] in text, f.name  # ... shown as text
        rc, out, err = run_cli(argv, capsys)  # the shared output rules: no silent replace
        assert rc == 2 and "--overwrite" in err


# ---------------------------------------------------------------- item 19: "—" for no value


def test_no_facility_shows_a_dash_not_nan_or_inf(tmp_path, monkeypatch, capsys):
    """The grid area has no clinic, fitness ... and (here) no kindergarten: "Median min inf" on the
    published index, "nan" utilisation in the CLI tables."""
    from presentation.publish import publish

    a = grid_area()
    a = a.replace(facilities=a.facilities[a.facilities["family"] != "kindergarten"].reset_index(drop=True),
                  projects=a.projects[a.projects["type"] != "kindergarten"].reset_index(drop=True))
    use_area(monkeypatch, tmp_path, a)
    for argv in (["scenario", "evaluate", "--scenario", "existing", "--year", 2025], ["coverage"], ["indicators"]):
        rc, out, err = run_cli(argv, capsys)
        assert rc == 0, err
        words = set(out.replace("%", " ").split())
        assert not words & {"nan", "inf", "-inf", "NaN"}, (argv, out)
        assert "—" in out
    publish(a, tmp_path / "pub", lang="en", services=["clinic", "primary"], years=[2025], life_circle=False)
    index = (tmp_path / "pub" / "index.html").read_text(encoding="utf-8")
    assert ">inf<" not in index and ">nan<" not in index and "inf min" not in index
    clinic = [p for p in (tmp_path / "pub").glob("*clinic*.html")]
    assert clinic and "inf min" not in clinic[0].read_text(encoding="utf-8")


# ---------------------------------------------------------------- item 10: the edit lock lives in the store


_HOLD = r"""
import os, sys, time
from scenarios import store
with store.locked(sys.argv[1]):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_two_processes_with_their_own_caches_exclude_each_other(tmp_path):
    """Two planners sharing one scenario store ($HEDONG_DATA_DIR) with their own caches: the lock was
    in the cache folder, so they did not exclude each other and an edit was lost."""
    from scenarios import store

    data = tmp_path / "data"
    target = data / "scenarios" / "grid-test" / "mine.gpkg"
    target.parent.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEDONG_DATA_DIR": str(data),
           "HEDONG_CACHE_DIR": str(tmp_path / "cache-a")}
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(target), "20"], env=env, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        env_b = {**env, "HEDONG_CACHE_DIR": str(tmp_path / "cache-b")}
        r = subprocess.run([sys.executable, "-c", "import sys; from scenarios import store\n"
                            "try:\n    with store.locked(sys.argv[1], timeout=0.5): print('got it')\n"
                            "except Exception as e: print('refused', e)", str(target)],
                           env=env_b, capture_output=True, text=True, timeout=120)
        assert r.stdout.startswith("refused") and "another edit" in r.stdout, r.stdout + r.stderr
    finally:
        holder.kill()
        holder.wait()
    # the lock file is in the store's root, not in the cache nor among the scenarios
    old = os.environ.get("HEDONG_DATA_DIR")
    os.environ["HEDONG_DATA_DIR"] = str(data)
    try:
        assert store.lock_path(target).parent == data / "locks"
        assert store.lock_path(tmp_path / "own" / "x.gpkg").parent == data / "locks"  # a planner's folder stays clean
        assert list(target.parent.iterdir()) == []
    finally:
        if old is None:
            os.environ.pop("HEDONG_DATA_DIR")
        else:
            os.environ["HEDONG_DATA_DIR"] = old


# ---------------------------------------------------------------- item 16: only regular files of bounded size


@pytest.mark.parametrize("kind", ["fifo", "zero", "big"])
def test_a_fifo_or_dev_zero_in_the_store_never_hangs(tmp_path, monkeypatch, capsys, kind):
    from scenarios import store
    from scenarios.model import list_scenarios, resolve_scenario, save_scenario

    area = grid_area()
    use_area(monkeypatch, tmp_path, area)
    save_scenario(resolve_scenario(area, "plan").copy("good"))
    d = store.store_dir(area)
    bad = d / "bad.gpkg"
    if kind == "fifo":
        os.mkfifo(bad)
    elif kind == "zero":
        bad.symlink_to("/dev/zero")
    else:
        limit = (d / "good.gpkg").stat().st_size + 10
        monkeypatch.setattr(store, "MAX_SCENARIO_BYTES", limit)
        bad.write_bytes(b"\0" * (limit + 1000))
    t0 = time.monotonic()
    with pytest.warns(store.StoreWarning, match="bad.gpkg"):
        names = [s["name"] for s in list_scenarios(area)]
    assert "good" in names and "bad" not in names
    rc, out, err = run_cli(["scenario", "list"], capsys)
    assert rc == 0 and "good" in out
    assert err.startswith("hedong: warning: ") and "bad.gpkg: skipped" in err and len(err.splitlines()) == 1, err
    with pytest.raises(InputError) as e:  # the file named directly: refused, not read
        resolve_scenario(area, str(bad))
    assert "bad.gpkg" in str(e.value)
    assert time.monotonic() - t0 < 30


# ---------------------------------------------------------------- batch: items 6, 7, 13, 14, 15

BATCH = """
areas = {areas}
scenarios = {scenarios}
years = [2025]
"""


def _batch(tmp_path, areas, scenarios='["plan"]', name="b.toml"):
    p = tmp_path / name
    p.write_text(BATCH.format(areas=areas, scenarios=scenarios), encoding="utf-8")
    return p


@pytest.fixture()
def grid_folder(tmp_path, monkeypatch):
    """The grid area as a study-area folder, with its own scenario store."""
    from gis.folder import export_area

    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path / "data"))
    d = tmp_path / "a"
    export_area(grid_area(), d)
    return d


def test_an_area_listed_twice_is_refused(tmp_path, grid_folder, monkeypatch, capsys):
    """"a" and "./a" (or the demo twice): run 1 died with FutureCancelledError, the rerun counted every row twice."""
    from scenarios import batch as B

    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="listed twice") as e:
        B.read_batch_file(_batch(tmp_path, '["a", "./a"]'))
    assert e.value.field == "areas"
    with pytest.raises(InputError, match="listed twice"):
        B.read_batch_file(_batch(tmp_path, f'["a", "{grid_folder}/../a"]'))
    # the demo at the scale it already has (HEDONG_DEMO_SCALE=0.15 in tests) and at scale 0.15: one area
    b = _batch(tmp_path, '["yuncheng-demo", {spec = "yuncheng-demo", scale = 0.15}]')
    rc, out, err = run_cli(["batch", b, "--out", tmp_path / "out"], capsys)
    assert rc == 2 and "listed twice" in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out" / "tasks").exists()


def test_task_keys_follow_the_scenario_content_and_the_demo_scale(tmp_path, grid_folder, monkeypatch, small_demo):
    """`scenario move mine --set-seats 5000` after a batch: the rerun said "1 already finished" and kept
    the old seats; the same when HEDONG_DEMO_SCALE differed."""
    from gis.areas import load_area
    from scenarios import batch as B
    from scenarios.model import edit_stored, resolve_scenario, save_scenario

    area = load_area(str(grid_folder))
    save_scenario(resolve_scenario(area, "plan").copy("mine"))
    b = _batch(tmp_path, f'["{grid_folder}"]', '["mine"]')
    before = B.expand_tasks(B.read_batch_file(b))
    again = B.expand_tasks(B.read_batch_file(b))
    assert [t.key for t in before] == [t.key for t in again]  # nothing changed: the same tasks
    old_rows = B.run_task(before[0])["rows"]
    edit_stored(area, "mine", lambda s: s.set_seats("P1", seats_primary=5000))
    after = B.expand_tasks(B.read_batch_file(b))
    assert before[0].key != after[0].key and before[0].scenario == after[0].scenario == "mine"
    seats = {r["seats"] for r in B.run_task(after[0])["rows"] if r["level"] == "primary"}
    assert seats != {r["seats"] for r in old_rows if r["level"] == "primary"} and max(seats) >= 5000
    monkeypatch.setattr(B, "_LAYERS", {})  # a fresh worker: it never files new content under the old key
    with pytest.raises(RuntimeError, match="changed since"):
        B.run_task(before[0])
    # the demo's key holds the scale it was built at, whatever the file says
    real = B.areas.load_area

    def fake(spec, **kw):  # the small demo, as if built at the scale of the environment
        if spec != B.DEMO:
            return real(spec, **kw)
        a = small_demo.replace(validate=False)
        a.cache["cache_key"] = {**small_demo.cache["cache_key"], "scale": kw.get("scale") or
                                float(os.environ["HEDONG_DEMO_SCALE"])}
        return a

    monkeypatch.setattr(B.areas, "load_area", fake)
    demo = _batch(tmp_path, '["yuncheng-demo"]', '["existing"]', "d.toml")
    monkeypatch.setattr(B, "_AREAS", {})
    k15 = B.expand_tasks(B.read_batch_file(demo))[0]
    monkeypatch.setenv("HEDONG_DEMO_SCALE", "0.3")
    monkeypatch.setattr(B, "_AREAS", {})
    k30 = B.expand_tasks(B.read_batch_file(demo))[0]
    assert k15.key != k30.key and (k15.area.load_scale, k30.area.load_scale) == (0.15, 0.3)


def test_an_unknown_scenario_is_refused_before_any_task(tmp_path, grid_folder, capsys):
    b = _batch(tmp_path, f'["{grid_folder}"]', '["nosuch"]')
    rc, out, err = run_cli(["batch", b, "--out", tmp_path / "out"], capsys)
    assert rc == 2 and "nosuch" in err, err
    assert not (tmp_path / "out" / "tasks").exists()


@pytest.mark.parametrize("sched", ["notaurl::", "http://x", "unreachable"])
def test_a_bad_scheduler_is_exit_2_naming_it_before_any_task(tmp_path, monkeypatch, capsys, sched):
    import hedong.batch_dask as BD
    from scenario_helpers import free_port

    monkeypatch.setattr(BD, "CONNECT_TIMEOUT_S", 1.0)
    if sched == "unreachable":
        sched = f"tcp://127.0.0.1:{free_port()}"
    b = _batch(tmp_path, '["yuncheng-demo"]')
    t0 = time.monotonic()
    rc, out, err = run_cli(["batch", b, "--out", tmp_path / "out", "--scheduler", sched], capsys)
    assert rc == 2 and "--scheduler" in err and sched in err and len(err.strip().splitlines()) == 1, err
    assert "internal error" not in err and time.monotonic() - t0 < 20
    assert not (tmp_path / "out" / "tasks").exists()


def test_a_corrupt_area_is_exit_2_naming_it_before_any_task(tmp_path, grid_folder, capsys):
    (grid_folder / "area.gpkg").write_bytes(b"SQLite format 3\0" + b"\xff" * 4000)
    b = _batch(tmp_path, f'["{grid_folder}"]')
    rc, out, err = run_cli(["batch", b, "--out", tmp_path / "out"], capsys)
    assert rc == 2 and "area.gpkg" in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out" / "tasks").exists()


def test_yaml_aliases_are_refused(tmp_path, capsys):
    """A 409-byte YAML file of nested aliases expanded to 0.8 GB (and a 44 MB error line)."""
    from scenarios import batch as B

    lol = ["a: &a [\"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\"]"]
    for i, c in enumerate("bcdefgh"):
        prev = "abcdefgh"[i]
        lol.append(f"{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    lol.append("areas: *h\nscenarios: [plan]\nyears: [2025]")
    p = tmp_path / "lol.yaml"
    p.write_text("\n".join(lol), encoding="utf-8")
    with pytest.raises(InputError, match="aliases") as e:
        B.read_batch_file(p)
    assert e.value.row == 2 and e.value.file == str(p)
    rc, out, err = run_cli(["batch", p, "--out", tmp_path / "out"], capsys)
    assert rc == 2 and "aliases" in err and len(err) < 500
    # an ordinary YAML file still reads
    ok = tmp_path / "ok.yaml"
    ok.write_text("areas: [yuncheng-demo]\nscenarios: [plan]\nyears: [2025]\n", encoding="utf-8")
    assert B.read_batch_file(ok).scenarios == ("plan",)


def test_the_local_cluster_serves_no_dashboard(tmp_path, monkeypatch):
    """`hedong batch` started Dask's dashboard on 127.0.0.1:8787 (dashboard_address=None means the default port)."""
    import urllib.error
    import urllib.request

    import psutil

    import hedong.batch_dask as BD
    from scenarios.batch import AreaSpec, Task

    c = BD.local_cluster(1)
    try:
        http = c.scheduler.http_server
        assert http.port != 8787
        mine = [x.laddr for x in psutil.net_connections("tcp") if x.status == "LISTEN" and x.pid == os.getpid()]
        assert mine and all(a.ip == "127.0.0.1" and a.port != 8787 for a in mine), mine
        for path in ("/status", "/health", "/info/main/workers.html", "/metrics", "/"):
            with pytest.raises(urllib.error.HTTPError) as e:  # the HTTP server Dask always starts answers nothing
                urllib.request.urlopen(f"http://127.0.0.1:{http.port}{path}", timeout=5)
            assert e.value.code == 404, path
    finally:
        c.close()

    class Stop(Exception):
        pass

    calls = []

    def record(n_workers=2, dashboard=None):
        calls.append(dashboard)
        raise Stop

    monkeypatch.setattr(BD, "local_cluster", record)  # run_tasks (hedong batch) takes that one cluster
    with pytest.raises(Stop):
        BD.run_tasks([Task(AreaSpec("x"), "plan", 2025, 0, 1.0, 1.0, None, None)], tmp_path, progress=False)
    assert calls == [None]
