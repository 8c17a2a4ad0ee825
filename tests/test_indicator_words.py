"""The indicator table's words come from one catalogue of message keys (layers.words), and rendering them
from keys left every worded field of `hedong indicators --json` as it was.

tests/data/indicator_words.json holds those fields as main printed them before the words moved into the
catalogue (small demo: the base year with walking measures, and `--scenario plan --year 2025`)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from accessibility.indicators import indicator_table
from layers.words import WORDS, both
from presentation.i18n import CATALOGUE, t

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = json.loads((ROOT / "tests" / "data" / "indicator_words.json").read_text(encoding="utf-8"))


def words_of(table: dict) -> dict:
    """Every worded field of an indicator table: row labels, reasons, notes, walking measures, scope words."""
    rows = {}
    for r in table["indicators"]:
        w = r.get("walking") or {}
        sc = r.get("scope") or {}
        rows[r["key"]] = {"zh": r["zh"], "en": r["en"], "reason": r["reason"], "note": r["note"],
                          "walking": w.get("measure"),
                          "scope": {k: sc.get(k) for k in ("zh", "en", "target_area_zh", "target_area_en", "note")},
                          "population_base": r.get("population_base"),
                          "districts": {n: v.get("reason") for n, v in r["by_district"].items()}}
    return {"rows": rows, "population_note": table["population"]["note"]}


def _same(got: dict, want: dict):
    assert got["population_note"] == want["population_note"]
    assert sorted(got["rows"]) == sorted(want["rows"])
    for key, row in want["rows"].items():
        assert got["rows"][key] == row, key


def test_indicator_words_unchanged_on_the_small_demo(small_demo):
    _same(json.loads(json.dumps(words_of(indicator_table(small_demo)), ensure_ascii=False)), GOLDEN["base"])


def test_indicator_words_unchanged_in_a_scenario_year(capsys):
    from hedong.cli import main

    assert main(["indicators", "--scenario", "plan", "--year", "2025", "--json", "--no-walking"]) == 0
    _same(words_of(json.loads(capsys.readouterr().out)), GOLDEN["plan_2025"])


def test_engine_words_are_in_the_one_catalogue():
    """Every engine key renders through presentation's t() as through both(): one catalogue."""
    for key in WORDS:
        assert key in CATALOGUE
        assert CATALOGUE[key] == WORDS[key]
    r = both("ind.reason.no_pop")
    assert r == {"zh": t("ind.reason.no_pop", "zh"), "en": t("ind.reason.no_pop", "en")} == {"zh": "无人口",
                                                                                           "en": "no residents"}
    assert both("words.join", a={"zh": "甲", "en": "a"}, b=both("ind.reason.no_pop")) == {"zh": "甲；无人口",
                                                                                           "en": "a; no residents"}
    with pytest.raises(KeyError):
        both("ind.reason.no_such_reason")


@pytest.mark.parametrize("path", ["accessibility/indicators.py", "accessibility/indicator_scope.py"])
def test_engines_type_no_sentences(path):
    """The engines name message keys: no {"zh": "<literal>", ...} dict and no zh=/en= literal left."""
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if "zh" in keys:
                vals = [v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant) and k.value == "zh"]
                assert not isinstance(vals[0], (ast.Constant, ast.JoinedStr)), f"{path}:{node.lineno}"
        if isinstance(node, ast.keyword) and node.arg in ("zh", "en"):
            assert not isinstance(node.value, (ast.Constant, ast.JoinedStr)), f"{path}:{node.lineno}"


if __name__ == "__main__":  # re-record the golden words after an intended change of words or of the demo's data:
    # HEDONG_DEMO_SCALE=0.15 PYTHONPATH=$PWD python tests/test_indicator_words.py
    import os
    import subprocess
    import sys

    from demo import load_yuncheng_demo

    env = {**os.environ, "HEDONG_DEMO_SCALE": "0.15"}
    cli = "import sys; from hedong.cli import main; sys.exit(main(sys.argv[1:]))"
    plan = subprocess.run([sys.executable, "-c", cli, "indicators", "--scenario", "plan", "--year", "2025", "--json",
                           "--no-walking"], capture_output=True, text=True, check=True, env=env).stdout
    out = {"base": words_of(indicator_table(load_yuncheng_demo(scale=0.15))), "plan_2025": words_of(json.loads(plan))}
    (ROOT / "tests" / "data" / "indicator_words.json").write_text(
        json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
