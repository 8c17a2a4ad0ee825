"""`hedong batch` runs the same enrolment rule as `hedong scenario evaluate` and the app when the batch file
says none: catchment (划片). Documented in `hedong batch --help` and the README."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from hedong import cmd_batch, cmd_scenario
from layers.errors import InputError
from scenarios import batch as B

README = Path(__file__).resolve().parents[1] / "README.md"
FILE = 'areas = [{spec = "yuncheng-demo", scale = 0.15}]\nscenarios = ["plan"]\nyears = [2025]\n'


def _cli_default() -> str:
    """The default of `hedong scenario evaluate --assign`, read from its parser."""
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers()
    cmd_scenario.register(sub)
    return ap.parse_args(["scenario", "evaluate"]).assign


def test_a_batch_file_without_assign_runs_the_cli_default(tmp_path):
    p = tmp_path / "b.toml"
    p.write_text(FILE, encoding="utf-8")
    spec = B.read_batch_file(p)
    assert _cli_default() == "catchment"
    assert spec.assign == _cli_default() == B.DEFAULT_ASSIGN
    assert B.Task(spec.areas[0], "plan", 2025, 0, 1.0, 1.0, None, None).assign == "catchment"
    p.write_text(FILE.replace("years", 'assign = "walk"\nyears'), encoding="utf-8")
    assert B.read_batch_file(p).assign == "walk"
    p.write_text(FILE.replace("years", 'assign = "nearest"\nyears'), encoding="utf-8")
    with pytest.raises(InputError) as e:
        B.read_batch_file(p)
    assert e.value.field == "assign" and "catchment" in str(e.value)


def test_help_and_readme_say_the_default(capsys):
    ap = argparse.ArgumentParser(prog="hedong")
    cmd_batch.register(ap.add_subparsers())
    with pytest.raises(SystemExit):
        ap.parse_args(["batch", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "catchment (划片, the default" in help_text and "walk" in help_text
    readme = " ".join(README.read_text(encoding="utf-8").split())
    assert "without it a batch runs **catchment** (划片)" in readme
