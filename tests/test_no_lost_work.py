"""No lost work: scenario saves (and GeoPackage exports) are atomic, never clobber silently, and
survive being killed midway and racing each other.

The child processes run a small script (CHILD below) that saves a scenario of N projects; with
HEDONG_TEST_PAUSE set, the child pauses *inside* the write — after the temp file holds the
projects layer, before the metadata and the rename — prints PAUSED, and waits to be SIGKILLed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from scenarios import store
from scenarios.model import Scenario, load_scenario, save_scenario
from gis.qml import data_layers

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent('''
    import os, sys, time
    sys.path.insert(0, {root!r})
    import geopandas as gpd
    import numpy as np
    import pyogrio
    from shapely.geometry import Point
    from scenarios import store
    from scenarios.model import Scenario, save_scenario

    def projects(n, tag):
        x = 500000.0 + np.arange(n) % 100 * 10.0
        y = 3870000.0 + np.arange(n) // 100 * 10.0
        return gpd.GeoDataFrame({{
            "project_id": [f"{{tag}}-{{i}}" for i in range(n)], "name": [f"{{tag}} 学校 {{i}}" for i in range(n)],
            "type": "primary", "seats_primary": 1000, "seats_junior": 0, "places_kindergarten": 0,
            "open_year": 2021 + np.arange(n) % 15, "source": tag, "notes": "x" * 50}},
            geometry=gpd.points_from_xy(x, y), crs="EPSG:4546")

    mode, name, n, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    overwrite = os.environ.get("OVERWRITE") == "1"
    if os.environ.get("HEDONG_TEST_PAUSE"):
        real = pyogrio.write_dataframe
        calls = []
        def paused(*a, **k):  # 1st call: the projects layer; 2nd: the metadata layer
            calls.append(1)
            if len(calls) == 2:
                print("PAUSED", flush=True)
                time.sleep(600)
            return real(*a, **k)
        pyogrio.write_dataframe = paused
        import gis.io
        real_to_file = gpd.GeoDataFrame.to_file
        def paused_to_file(self, path, *a, **k):
            real_to_file(self, path, *a, **k)
            print("PAUSED", flush=True)
            time.sleep(600)
        if mode == "export":
            gpd.GeoDataFrame.to_file = paused_to_file
    if os.environ.get("START_AT"):
        while time.time() < float(os.environ["START_AT"]):
            time.sleep(0.001)
    if mode == "save":
        try:
            save_scenario(Scenario(name, "fuzz-area", projects(n, tag)), overwrite=overwrite)
        except store.ScenarioExistsError as e:
            print("EXISTS", e, flush=True)
            sys.exit(3)
    elif mode == "export":
        from gis.io import write_gpkg_atomic
        p = projects(n, tag)
        write_gpkg_atomic({{"projects": p, "more": p}}, name)
    print("DONE", flush=True)
''').format(root=str(ROOT))


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path / "data"))
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    return {"script": script, "env": {**os.environ, "HEDONG_DATA_DIR": str(tmp_path / "data")}}


def _spawn(env, *args, **extra):
    return subprocess.Popen([sys.executable, str(env["script"]), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**env["env"], **extra})


def _run(env, *args, **extra):
    p = _spawn(env, *args, **extra)
    out, err = p.communicate(timeout=120)
    return p.returncode, out, err


def _wait_paused(proc, timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        line = proc.stdout.readline()
        if "PAUSED" in line:
            return
        if not line and proc.poll() is not None:
            raise AssertionError(f"child ended before pausing: {proc.stderr.read()}")
    raise AssertionError("child never paused")


def _store():
    return store.store_dir("fuzz-area")


def _tags(path):
    s = load_scenario(path)
    return set(s.projects["source"]), len(s.projects)


@pytest.mark.slow  # real processes killed mid-write: the full suite runs it
def test_kill_during_save_keeps_previous_version(env):
    rc, out, err = _run(env, "save", "mine", 300, "v1")
    assert rc == 0, err
    target = _store() / "mine.gpkg"
    before = target.read_bytes()
    proc = _spawn(env, "save", "mine", 20000, "v2", HEDONG_TEST_PAUSE="1", OVERWRITE="1")
    _wait_paused(proc)
    # The temp file exists (the write is under way) ...
    temps = [p for p in _store().iterdir() if p.name.startswith(".mine.")]
    assert temps, "no temp file while saving"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # ... and after the kill the previous version is intact, byte for byte, and loads.
    assert target.read_bytes() == before
    assert _tags(target) == ({"v1"}, 300)
    # No partial scenario is listed: leftovers are hidden temp files only.
    assert list(store.stored_paths("fuzz-area")) == ["mine"]
    # The next save still works and replaces it completely.
    rc, out, err = _run(env, "save", "mine", 50, "v3", OVERWRITE="1")
    assert rc == 0, err
    assert _tags(target) == ({"v3"}, 50)


@pytest.mark.slow  # real processes killed mid-write: the full suite runs it
def test_kill_during_first_save_leaves_no_target(env):
    proc = _spawn(env, "save", "fresh", 5000, "v1", HEDONG_TEST_PAUSE="1")
    _wait_paused(proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert not (_store() / "fresh.gpkg").exists()
    assert "fresh" not in store.stored_paths("fuzz-area")


def test_save_never_overwrites_without_overwrite(env, tmp_path):
    rc, _, err = _run(env, "save", "mine", 10, "v1")
    assert rc == 0, err
    rc, out, _ = _run(env, "save", "mine", 20, "v2")
    assert rc == 3 and "EXISTS" in out
    assert _tags(_store() / "mine.gpkg") == ({"v1"}, 10)
    # In-process too, and for shipped names.
    s = load_scenario(_store() / "mine.gpkg").replace(name="mine")
    with pytest.raises(store.ScenarioExistsError):
        save_scenario(s)
    with pytest.raises(store.ScenarioExistsError):
        save_scenario(s.copy("plan"))
    other = tmp_path / "elsewhere.geojson"
    other.write_text("a planner's file")
    with pytest.raises(store.ScenarioExistsError):
        save_scenario(s, other)
    assert other.read_text() == "a planner's file"
    save_scenario(s, other, overwrite=True)
    assert len(load_scenario(other).projects) == 10


@pytest.mark.slow  # real processes killed mid-write: the full suite runs it
def test_concurrent_saves_same_name_overwrite(env):
    """Two processes overwrite the same scenario at once, repeatedly: the file is always one
    complete version, never a mix or a torn file."""
    for k in range(3):
        start = str(time.time() + 1.5)
        a = _spawn(env, "save", "race", 3000, f"a{k}", OVERWRITE="1", START_AT=start)
        b = _spawn(env, "save", "race", 2000, f"b{k}", OVERWRITE="1", START_AT=start)
        assert a.wait(timeout=120) == 0, a.stderr.read()
        assert b.wait(timeout=120) == 0, b.stderr.read()
        tags, n = _tags(_store() / "race.gpkg")
        assert (tags, n) in (({f"a{k}"}, 3000), ({f"b{k}"}, 2000))
    assert [p.name for p in _store().iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow  # real processes killed mid-write: the full suite runs it
def test_concurrent_saves_same_name_no_overwrite(env):
    """Without overwrite exactly one of two racing saves wins; the loser gets 'already exists'."""
    start = str(time.time() + 1.5)
    a = _spawn(env, "save", "once", 2000, "a", START_AT=start)
    b = _spawn(env, "save", "once", 2000, "b", START_AT=start)
    ra, rb = a.wait(timeout=120), b.wait(timeout=120)
    assert sorted([ra, rb]) == [0, 3], (a.stderr.read(), b.stderr.read())
    winner = "a" if ra == 0 else "b"
    assert _tags(_store() / "once.gpkg") == ({winner}, 2000)


@pytest.mark.slow  # real processes killed mid-write: the full suite runs it
def test_concurrent_saves_different_names(env):
    start = str(time.time() + 1.5)
    procs = [_spawn(env, "save", f"s{i}", 1000 + i, f"t{i}", START_AT=start) for i in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    for i in range(3):
        assert _tags(_store() / f"s{i}.gpkg") == ({f"t{i}"}, 1000 + i)


@pytest.mark.slow  # real processes killed mid-write: the full suite runs it
def test_kill_during_gpkg_export_keeps_previous_file(env, tmp_path):
    """gis.io.write_gpkg_atomic (hedong export, circles, ...): killed after its first layer, the
    previous GeoPackage stays whole."""
    import pyogrio

    target = tmp_path / "area.gpkg"
    rc, _, err = _run(env, "export", target, 100, "v1")
    assert rc == 0, err
    before = target.read_bytes()
    proc = _spawn(env, "export", target, 20000, "v2", HEDONG_TEST_PAUSE="1")
    _wait_paused(proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert target.read_bytes() == before
    assert set(data_layers(target)) == {"projects", "more"}
    assert len(pyogrio.read_dataframe(target, layer="projects")) == 100
