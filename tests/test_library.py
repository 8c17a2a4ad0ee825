"""The library facade: its doctests and the README's "Use it as a library" example run (issue 9, part 5)."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import accessibility.params
import gis.study_area
import hedong
import hedong.api

README = Path(__file__).resolve().parents[1] / "README.md"


def test_facade_names_match():
    assert sorted(hedong.__all__) == sorted(hedong.api.__all__)
    assert hedong.evaluate is hedong.api.evaluate and hedong.ParameterError is hedong.api.ParameterError
    with pytest.raises(AttributeError):
        hedong.no_such_name  # noqa: B018


def test_parameter_check_doctests():
    res = doctest.testmod(accessibility.params, optionflags=doctest.ELLIPSIS)
    assert res.attempted >= 2 and res.failed == 0


@pytest.mark.slow
@pytest.mark.parametrize("module", [hedong.api, hedong, gis.study_area], ids=lambda m: m.__name__)
def test_doctests(small_demo, module):
    """Every Examples section runs on the 0.15 demo (``small_demo`` builds it into the test cache first)."""
    res = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0


def _readme_python() -> str:
    text = README.read_text(encoding="utf-8")
    sec = text.split("## Use it as a library", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", sec, flags=re.S)
    assert len(blocks) == 1
    return blocks[0]


@pytest.mark.slow
def test_readme_library_example_runs(small_demo, capsys):
    code = _readme_python()
    assert "hd.evaluate" in code and "area.replace" in code
    ns: dict = {}
    exec(compile(code, str(README), "exec"), ns)  # noqa: S102 - our own README
    out = capsys.readouterr().out
    assert "field 'minutes'" in out and "%" in out
    assert ns["sites"].to_dict()["unserved_after"] <= ns["sites"].to_dict()["unserved_before"]
    assert len(ns["half"].population) < len(ns["area"].population)
