"""CLI errors (CONTRACT.md): a bad argument or input file exits 2 with exactly one line on stderr
naming the problem, never a traceback; an internal failure exits 1.

Most cases run hedong.cli.main in-process on the tiny grid area of scenario_helpers; a few run the
installed ``hedong`` script in a subprocess to prove the real entry point (no Traceback anywhere).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hedong.cli import main
from scenario_helpers import grid_area

AREA = grid_area()


@pytest.fixture(autouse=True)
def _grid(monkeypatch, tmp_path):
    import gis.areas

    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": AREA)
    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path / "data"))


def _files(d):
    (d / "bad.csv").write_text("candidate_id,lon,lat\nc1,abc,35\n")
    (d / "bad.geojson").write_text("{not json")
    (d / "empty.csv").write_bytes(b"")
    (d / "file.txt").write_text("x")
    (d / "garbage_area").mkdir()
    (d / "garbage_area" / "area.gpkg").write_bytes(b"not a geopackage")
    (d / "garbage_area" / "network.osm").write_text("<osm/>")
    (d / "old_scn.geojson").write_text('{"type": "FeatureCollection", "features": [], '
                                       '"hedong_scenario": {"schema_version": 99}}')
    work = d / "work"
    work.mkdir()
    (work / "notes.docx").write_text("a planner's other work")


# (argv, a substring the one stderr line must hold)
CASES = [
    (["info", "--area", "{d}/nonexistent"], "nonexistent"),
    (["info", "--area", "{d}/file.txt"], "file.txt"),
    (["info", "--area", "{d}"], "area.gpkg"),
    (["info", "--area", "{d}/garbage_area"], "area.gpkg"),
    (["export", "--area", "{d}/nonexistent", "--out", "{d}/x"], "nonexistent"),
    (["scenario", "evaluate", "--scenario", "nope"], "nope"),
    (["scenario", "evaluate", "--scenario", "{d}/missing.gpkg"], "missing.gpkg"),
    (["scenario", "evaluate", "--scenario", "{d}/bad.geojson"], "bad.geojson"),
    (["scenario", "evaluate", "--scenario", "{d}/old_scn.geojson"], "schema_version"),
    (["scenario", "evaluate", "--year", "abc"], "--year"),
    (["scenario", "evaluate", "--minutes", "-5"], "--minutes"),
    (["scenario", "evaluate", "--minutes", "nan"], "--minutes"),
    (["scenario", "compare", "plan", "nope"], "nope"),
    (["scenario", "compare", "plan", "--minutes", "0"], "minutes"),
    (["scenario", "optimize", "--model", "mclp", "--candidates", "{d}/bad.csv"], "bad.csv"),
    (["scenario", "optimize", "--model", "mclp", "--candidates", "{d}/missing.csv"], "missing.csv"),
    (["scenario", "optimize", "--p", "-1"], "p"),
    (["scenario", "optimize", "--model", "nope"], "--model"),
    (["scenario", "next-site", "--minutes", "500"], "--minutes"),
    (["scenario", "copy", "plan", "bad/name"], "name"),
    (["scenario", "copy", "plan", "plan"], "plan"),
    (["scenario", "copy", "nope", "mine"], "nope"),
    (["scenario", "move", "nope", "--project", "P1", "--set-year", "2024"], "nope"),
    (["coverage", "--minutes", "abc"], "--minutes"),
    (["coverage", "--minutes", "-3"], "minutes"),
    (["coverage", "--mode", "car"], "--mode"),
    (["coverage", "--scenario", "nope", "--year", "2025"], "nope"),
    (["circles", "--service", "nope", "--out", "{d}/c.gpkg"], "--service"),
    (["export", "--out", "{d}/file.txt"], "file.txt"),
    (["publish", "--out", "{d}/file.txt"], "file.txt"),
    (["publish", "--out", "{d}/work"], "work"),
    (["publish", "--minutes", "-1", "--out", "{d}/pub"], "minutes"),
    (["gaps", "--level", "nope"], "--level"),
    (["gaps", "--scenario", "nope", "--year", "2025"], "nope"),
    (["gaps", "--scenario", "plan"], "--year"),
    (["gaps", "--out", "{d}/file.txt"], "file.txt"),
    (["access", "--service", "nope"], "--service"),
    (["access", "--service", "primary", "--minutes", "-1"], "minutes"),
    (["access", "--service", "primary", "--minutes", "nan"], "minutes"),
    (["access", "--service", "primary", "--scenario", "nope", "--year", "2025"], "nope"),
    (["nonsense"], "nonsense"),
    (["info", "--no-such-option"], "--no-such-option"),
]


@pytest.mark.parametrize("argv,needle", CASES, ids=[" ".join(a[:3]) for a, _ in CASES])
def test_bad_input_exits_2_with_one_line(argv, needle, tmp_path, capsys):
    _files(tmp_path)
    argv = [a.replace("{d}", str(tmp_path)) for a in argv]
    try:
        rc = main(argv)
    except SystemExit as e:  # argparse errors
        rc = e.code
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == 2, f"exit {rc}, stderr: {err!r}"
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    assert "Traceback" not in err and "internal error" not in err
    assert needle in lines[0], f"{needle!r} not named in {lines[0]!r}"
    # The planner's other files are never touched.
    assert (tmp_path / "file.txt").read_text() == "x"
    assert (tmp_path / "work" / "notes.docx").exists()


# The candidate lies inside the grid area (500 m into it): sites outside the study area are refused.
@pytest.mark.parametrize("content", [b"", "candidate_id,lon,lat\n候选1,111.005475,34.963107\n".encode("gbk")],
                         ids=["empty", "gbk"])
def test_candidates_csv_bad_input_exits_2(content, tmp_path, capsys):
    p = tmp_path / "cands.csv"
    p.write_bytes(content)
    rc = main(["scenario", "optimize", "--model", "mclp", "--candidates", str(p)])
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    if content:  # a GBK file with one valid candidate loads and solves
        assert rc == 0
    else:  # an empty file names itself
        assert rc == 2 and "empty" in err and str(p) in err


def test_scenario_copy_refuses_overwrite_then_allows(capsys):
    assert main(["scenario", "copy", "plan", "mine"]) == 0
    capsys.readouterr()
    assert main(["scenario", "copy", "plan", "mine"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "already exists" in err
    assert main(["scenario", "copy", "plan", "mine", "--overwrite"]) == 0


def test_internal_failure_exits_1_one_line(monkeypatch, capsys):
    import hedong.cmd_scenario as cs

    def boom(args):
        raise RuntimeError("kaboom\nsecond line")

    monkeypatch.setattr(cs, "cmd_list", boom)
    parser_args = ["scenario", "list"]
    from hedong import cli

    real = cli.build_parser

    def build():
        p = real()
        return p

    monkeypatch.setattr(cli, "build_parser", build)
    # cmd_list was bound at registration: patch the parsed function via a wrapper parser.
    p = cli.build_parser()
    ns = p.parse_args(parser_args)
    ns.func = boom
    monkeypatch.setattr(cli, "build_parser", lambda: _Fixed(p, ns))
    rc = cli.main(parser_args)
    err = capsys.readouterr().err
    assert rc == 1 and len(err.strip().splitlines()) == 1 and "internal error" in err and "Traceback" not in err


class _Fixed:
    def __init__(self, parser, ns):
        self.parser, self.ns = parser, ns

    def parse_args(self, argv):
        return self.ns

    def print_help(self):
        self.parser.print_help()


# ----------------------------------------------------------------------------- the real entry point

def _hedong(*argv, env=None):
    exe = [sys.executable, "-m", "hedong.cli"]
    return subprocess.run([*exe, *argv], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})}, cwd=os.path.dirname(os.path.dirname(__file__)))


@pytest.mark.parametrize("argv,needle", [
    (["info", "--area", "/nonexistent/area"], "/nonexistent/area"),
    (["coverage", "--mode", "car"], "--mode"),
    (["scenario", "evaluate", "--area", "/nonexistent/area", "--scenario", "x"], "/nonexistent/area"),
    (["export", "--area", "/nonexistent/area", "--out", "/tmp/x"], "/nonexistent/area"),
])
def test_subprocess_no_traceback(argv, needle, tmp_path):
    r = _hedong(*argv, env={"HEDONG_DATA_DIR": str(tmp_path)})
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], lines
    assert "Traceback" not in r.stderr + r.stdout


def test_subprocess_bad_area_folder(tmp_path):
    d = tmp_path / "area"
    d.mkdir()
    (d / "area.gpkg").write_bytes(b"\x00garbage")
    (d / "network.osm").write_text("<osm")
    r = _hedong("info", "--area", str(d), "--json")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "area.gpkg" in lines[0]
