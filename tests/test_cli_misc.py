"""CLI edge cases: years outside the horizon, multi-line library messages, a reader that hangs up."""

from __future__ import annotations

import sys

import pytest

import gis.areas
from layers.errors import InputError
from hedong.cli import main
from scenario_helpers import grid_area


@pytest.fixture
def grid(monkeypatch):
    a = grid_area()
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": a)
    return a


@pytest.mark.parametrize("year", ["1990", "2020", "2036"])
def test_year_outside_horizon_exits_2(grid, capsys, year):
    assert main(["scenario", "evaluate", "--scenario", "plan", "--year", year]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--year" in err[0] and "2021-2035" in err[0]


def test_years_inside_horizon_evaluate(grid, capsys):
    for y in ("2021", "2035"):
        assert main(["scenario", "evaluate", "--scenario", "plan", "--year", y, "--json"]) == 0
    capsys.readouterr()


def test_input_error_is_one_line():
    e = InputError("GDAL said:\nline two\r\n  line three", file="a.gpkg", row=3, field="geometry")
    assert e.one_line() == "a.gpkg, row 3, field 'geometry': GDAL said: line two line three"
    assert "\n" not in str(e)


def test_closed_pipe_is_not_an_error(grid, monkeypatch):
    """Output into a pipe whose reader has gone (`hedong ... | head`) ends quietly with exit 0."""
    import io
    import os

    r, w = os.pipe()
    os.close(r)  # the reader hangs up before anything is written
    out = io.TextIOWrapper(os.fdopen(w, "wb", buffering=0), encoding="utf-8", write_through=True)
    saved = os.dup(1)
    monkeypatch.setattr(sys, "stdout", out)
    try:
        assert main(["scenario", "list", "--json"]) == 0
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@pytest.mark.parametrize("argv", [
    ["coverage", "--scenario", "plan", "--year", "1990"],
    ["access", "--service", "primary", "--scenario", "plan", "--year", "3000"],
    ["gaps", "--scenario", "plan", "--year", "2036"],
])
def test_scenario_year_outside_horizon_exits_2_in_every_command(grid, capsys, argv):
    """coverage / access / gaps with --scenario took any year (1990 silently meant 'no projects')."""
    assert main([*argv, "--json"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--year" in err[0] and "2021-2035" in err[0]


@pytest.mark.parametrize("limit", ["0", "-5", "nan"])
def test_optimize_time_limit_must_be_positive(grid, capsys, limit):
    assert main(["scenario", "optimize", "--model", "mclp", "--time-limit", limit]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--time-limit" in err[0]
