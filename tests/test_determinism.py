"""Determinism: the same inputs and seed give byte-identical outputs.

* ``hedong info --json`` (in separate processes, on an exported study-area folder);
* ``hedong scenario evaluate --json`` (ignoring only the timing key ``seconds``);
* scenario GeoPackage attributes after save / load;
* the demo layers at a given seed (small demo, scale 0.15, fresh cache per process).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from hedong.cli import main
from scenario_helpers import grid_area

ROOT = Path(__file__).resolve().parents[1]


def _drop_seconds(obj):
    if isinstance(obj, dict):
        return {k: _drop_seconds(v) for k, v in obj.items() if k != "seconds"}
    if isinstance(obj, list):
        return [_drop_seconds(v) for v in obj]
    return obj


def _hedong(*argv, env=None):
    r = subprocess.run([sys.executable, "-m", "hedong.cli", *argv], capture_output=True, timeout=600,
                       env={**os.environ, **(env or {})}, cwd=str(ROOT))
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return r.stdout


@pytest.fixture(scope="module")
def area_folder(tmp_path_factory):
    from gis.folder import export_area

    d = tmp_path_factory.mktemp("grid") / "grid-area"
    export_area(grid_area(), d)
    return d


@pytest.mark.slow  # separate processes / cold demo builds: the full suite runs it
def test_info_json_identical_across_processes(area_folder, tmp_path):
    a = _hedong("info", "--area", str(area_folder), "--json", env={"HEDONG_CACHE_DIR": str(tmp_path / "c1")})
    b = _hedong("info", "--area", str(area_folder), "--json", env={"HEDONG_CACHE_DIR": str(tmp_path / "c2")})
    assert a == b
    assert json.loads(a)["network"]["nodes"] > 0


@pytest.mark.slow  # separate processes / cold demo builds: the full suite runs it
def test_scenario_evaluate_json_identical_across_processes(area_folder, tmp_path):
    runs = [_hedong("scenario", "evaluate", "--area", str(area_folder), "--scenario", "plan", "--year", "2025",
                    "--json", env={"HEDONG_CACHE_DIR": str(tmp_path / f"c{i}"),
                                   "HEDONG_DATA_DIR": str(tmp_path / f"d{i}")}) for i in range(2)]
    a, b = (_drop_seconds(json.loads(r)) for r in runs)
    assert a == b
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_scenario_evaluate_json_identical_in_process(monkeypatch, tmp_path, capsys):
    import gis.areas

    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": grid_area())
    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path))
    outs = []
    for _ in range(2):
        assert main(["scenario", "evaluate", "--scenario", "plan-growth", "--year", "2024", "--json"]) == 0
        outs.append(_drop_seconds(json.loads(capsys.readouterr().out)))
    assert outs[0] == outs[1]


def test_scenario_gpkg_attributes_identical_after_save_load(tmp_path):
    from scenarios.model import load_scenario, save_scenario, shipped_scenario

    area = grid_area()
    s = shipped_scenario(area, "plan-growth").copy("mine")
    frames = []
    for i in range(2):
        p = save_scenario(s, tmp_path / f"s{i}.gpkg")
        back = load_scenario(p, area).projects
        frames.append(back)
    pd.testing.assert_frame_equal(pd.DataFrame(frames[0]), pd.DataFrame(frames[1]))
    a, b = (f.drop(columns="geometry").to_csv(index=False).encode() + f.geometry.to_wkb().sum()
            for f in frames)
    assert a == b
    # and the loaded attributes equal the saved ones
    orig = s.projects.reset_index(drop=True)
    for c in ("project_id", "type", "seats_primary", "seats_junior", "places_kindergarten", "open_year", "notes"):
        assert list(frames[0][c]) == list(orig[c]), c


DEMO_HASH = textwrap.dedent('''
    import hashlib, sys
    sys.path.insert(0, {root!r})
    from demo.yuncheng import load_yuncheng_demo
    a = load_yuncheng_demo(scale=0.15)
    h = hashlib.sha256()
    for name in ("boundary", "districts", "population", "facilities", "projects"):
        g = getattr(a, name)
        h.update(name.encode())
        h.update(g.drop(columns=g.geometry.name).to_csv(index=False).encode())
        h.update(b"".join(g.geometry.to_wkb()))
        h.update(str(g.crs).encode())
    G = a.graph
    h.update(repr(sorted((n, round(d["x"], 6), round(d["y"], 6)) for n, d in G.nodes(data=True))).encode())
    h.update(repr(sorted((u, v, k, round(d["length"], 6)) for u, v, k, d in G.edges(keys=True, data=True))).encode())
    print(h.hexdigest())
''').format(root=str(ROOT))


@pytest.mark.slow  # separate processes / cold demo builds: the full suite runs it
def test_demo_layers_identical_at_same_seed(tmp_path):
    """Two cold builds of the small demo (fresh cache each, separate processes) are identical."""
    script = tmp_path / "demo_hash.py"
    script.write_text(DEMO_HASH)
    hashes = []
    for i in range(2):
        r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=900,
                           env={**os.environ, "HEDONG_CACHE_DIR": str(tmp_path / f"cache{i}")}, cwd=str(ROOT))
        assert r.returncode == 0, r.stderr
        hashes.append(r.stdout.strip().splitlines()[-1])
    assert hashes[0] == hashes[1]
    assert len(hashes[0]) == 64
