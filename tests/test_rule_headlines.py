"""One rule per run (issue 23 items 4, 5): every headline of `scenario evaluate` follows the rule chosen
(catchment by default), the walking-minutes view and the norm check (metres) are their own sections, district rows show the shortfall
and pupils per class is a school's own figure, never inflated by a district's shortfall."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from scenario_helpers import grid_area, run_cli, use_area



def _area():
    """The grid with few children in D2 (seats to spare there, but homes beyond the walking limit of its
    school) and many in D1 (short of seats): the two rules then disagree."""
    g = grid_area()
    pop = g.population.copy()
    f = np.where(pop["district_id"] == "D1", 0.5, 0.1)
    for c in ("age_0_2", "age_3_5", "age_6_11", "age_12_14"):
        pop[c] = pop[c] * f
    return g.replace(population=pop, births=pd.DataFrame({"district_id": ["D1", "D2"], "year": [2022, 2022],
                                                          "births": [30, 5]}))


AREA = _area()


@pytest.fixture(autouse=True)
def _grid(monkeypatch, tmp_path):
    use_area(monkeypatch, tmp_path, AREA)


def _json(capsys, *argv):
    rc, out, err = run_cli(["scenario", "evaluate", "--scenario", "plan", "--year", "2021", *argv, "--json"], capsys)
    assert rc == 0, err
    return json.loads(out)


def _text(capsys, *argv):
    rc, out, err = run_cli(["scenario", "evaluate", "--scenario", "plan", "--year", "2021", *argv], capsys)
    assert rc == 0, err
    return out


def _headline_numbers(text, level):
    """(without a seat, full schools, median utilisation %) as the headline lines print them."""
    head = text.split("Norm check (规范核查)")[0]
    m = re.search(rf"^{level}: seats .*?without a seat \((\w+)\) ([\d,]+)", head, re.M)
    n = re.search(rf"^{level}: (\d+) open schools, (\d+) full \(>= 99 %\), median utilisation (\d+)%", head, re.M)
    return m.group(1), int(m.group(2).replace(",", "")), int(n.group(2)), int(n.group(3))


def _expected(L):
    util = [r["utilisation"] for r in L["schools"] if r["utilisation"] is not None]
    return L["unserved"], sum(u >= 0.99 for u in util), int(f"{np.median(util):.0%}".rstrip("%"))


def test_catchment_is_the_default_and_each_rule_keeps_its_own_numbers(capsys):
    cat = _json(capsys)  # no --assign: the catchment rule
    walk = _json(capsys, "--assign", "walk")
    assert cat["assign"] == "catchment" and walk["assign"] == "walk"
    differ = 0
    for lv in cat["levels"]:
        C, W = cat["levels"][lv], walk["levels"][lv]
        # the catchment run's top level is the catchment assignment; its walking check is the walk run's top level
        assert (C["assigned"], C["unserved"]) == (C["catchment"]["assigned"], C["catchment"]["unserved"])
        assert C["assigned"] + C["unserved"] == C["demand"] and C["rule"] == "catchment"
        for k in ("assigned", "unserved", "unserved_no_seat", "unserved_beyond_reach"):
            assert C["walk_check"][k] == W[k] == W["walk_check"][k], (lv, k)
        assert C["unserved_beyond_reach"] == 0  # the catchment refuses nobody for distance
        cb = {r["district_id"]: r["assigned"] for r in C["catchment"]["by_district"]}
        for r in C["by_district"]:
            assert r["assigned"] == cb.get(r["district_id"], 0) and r["assigned"] + r["unserved"] == r["demand"]
        for s in C["schools"]:
            assert s["assigned"] == s["catchment_assigned"] and "walk_assigned" in s
        ws = {s["facility_id"]: s["assigned"] for s in W["schools"]}
        assert all(s["walk_assigned"] == ws[s["facility_id"]] for s in C["schools"])
        differ += C["unserved"] != W["unserved"]
    assert differ, "the grid must make the two rules disagree, or this test proves nothing"

    for argv, mine, other in (((), cat, walk), (("--assign", "walk"), walk, cat)):
        text = _text(capsys, *argv)
        for lv in mine["levels"]:
            rule, without, full, median = _headline_numbers(text, lv)
            assert rule == mine["assign"]
            assert (without, full, median) == _expected(mine["levels"][lv]), (argv, lv)
            o = _expected(other["levels"][lv])
            if o[0] != without:
                assert f"without a seat ({mine['assign']}) {o[0]:,}" not in text
        if mine["assign"] == "catchment":
            assert "Walking limit, minutes view" in text and "beyond the norm radius (500 m)" in text
        assert "Norm check (规范核查)" in text and "Walking norm check" not in text  # minutes never called the norm


def test_compare_follows_the_rule(capsys):
    rc, out, err = run_cli(["scenario", "compare", "existing", "plan", "--year", "2021", "--json"], capsys)
    assert rc == 0, err
    res = json.loads(out)
    cat = _json(capsys)
    plan = [e for e in res["evaluations"] if e["scenario"] == "plan" and e["year"] == 2021]
    assert len(plan) == 1 and plan[0]["assign"] == "catchment"
    for lv, v in plan[0]["levels"].items():
        assert (v["assigned"], v["unserved"]) == (cat["levels"][lv]["assigned"], cat["levels"][lv]["unserved"])


@pytest.mark.parametrize("assign", ["catchment", "walk"])
def test_pupils_per_class_is_a_schools_own_never_a_districts_shortfall(capsys, assign):
    j = _json(capsys, "--assign", assign)
    short = 0
    for lv, L in j["levels"].items():
        for s in L["schools"]:
            if s["classes"]:
                assert s["pupils_per_class"] == pytest.approx(s["assigned"] / s["classes"])
                assert s["assigned"] <= s["seats"]  # capacity holds under either rule
        by_d = {}
        for s in L["schools"]:
            by_d.setdefault(s["district"], []).append(s)
        for r in L["by_district"]:
            assert r["shortfall"] == max(0, r["enrolment"] - r["seats"])
            own = by_d.get(r["district"], [])
            if r["classes"] and own:
                top = max(s["pupils_per_class"] or 0 for s in own)
                assert r["pupils_per_class"] <= top + 1e-9, (lv, r["district"])
                assert r["class_flag"] in {s["class_flag"] for s in own} | {""}
            if r["shortfall"] and r["classes"]:
                short += 1
                assert r["enrolment"] / r["classes"] > r["pupils_per_class"]  # the old figure was the shortfall's
        assert L["shortfall"] == sum(r["shortfall"] for r in L["by_district"])
    assert short, "some district must be short of seats, or this test proves nothing"
