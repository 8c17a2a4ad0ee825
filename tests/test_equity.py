"""Equity measures against hand-worked cases and a brute-force pairwise Gini; tiered life circle; coverage JSON keys."""

from __future__ import annotations

import math

import numpy as np
import pytest

from accessibility import equity


def test_gini_hand_worked():
    # 1, 2, 3, 4 equally weighted: sum |xi - xj| over ordered pairs = 20; 20 / (2 x 4^2 x 2.5) = 0.25
    assert equity.gini([1, 2, 3, 4], [1, 1, 1, 1]) == pytest.approx(0.25)
    # weights: 1 (x3 people) and 3 (x1): pairs 2 x 3 x 1 x |1 - 3| = 12; 12 / (2 x 4^2 x 1.5) = 0.25
    assert equity.gini([1, 3], [3, 1]) == pytest.approx(0.25)
    assert equity.gini([5, 5, 5], [1, 2, 3]) == pytest.approx(0.0)
    assert equity.gini([0, 0, 10], [1, 1, 1]) == pytest.approx(2 / 3)


def test_gini_equals_brute_force_pairs():
    rng = np.random.default_rng(3)
    x, w = rng.gamma(2.0, 3.0, 40), rng.integers(1, 50, 40).astype(float)
    mu = (w * x).sum() / w.sum()
    brute = (w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * w.sum() ** 2 * mu)
    assert equity.gini(x, w) == pytest.approx(brute, rel=1e-12)


def test_theil_hand_worked_and_decomposition():
    # x = 1 (weight 3), 3 (weight 1): shares .75 / .25, x / mu = 2/3, 2 -> T = 0.5 ln(4/3)
    assert equity.theil([1, 3], [3, 1]) == pytest.approx(0.5 * math.log(4 / 3))
    # two groups: A = {1, 1}, B = {2, 4}; mu = 2
    d = equity.theil_decomposition([1, 1, 2, 4], [1, 1, 1, 1], ["A", "A", "B", "B"])
    between = 0.5 * 0.5 * math.log(0.5) + 0.5 * 1.5 * math.log(1.5)
    t_b = 0.5 * (2 / 3) * math.log(2 / 3) + 0.5 * (4 / 3) * math.log(4 / 3)
    assert d["between"] == pytest.approx(between)
    assert d["within"] == pytest.approx(0.5 * 1.5 * t_b)
    assert d["total"] == pytest.approx(0.25 * (2 * 0.5 * math.log(0.5) + 2 * math.log(2)))
    assert d["total"] == pytest.approx(d["between"] + d["within"])
    assert d["by_group"]["A"] == pytest.approx(0.0)


def test_decile_ratio_and_exclusions():
    x = np.arange(1, 11, dtype=float)  # bottom tenth mean 1, top tenth mean 10
    assert equity.decile_ratio(x, np.ones(10)) == pytest.approx(10.0)
    assert equity.decile_ratio([0, 1, 2], [1, 1, 1]) is None  # bottom tenth has nothing: unbounded
    s = equity.equity_summary([1, 2, np.inf, 4], [1, 1, 2, 0], ["a", "a", "b", "b"])
    assert s["excluded_weight"] == pytest.approx(0.5)  # the unreachable cell: 2 of 4
    assert s["gini"] == pytest.approx(equity.gini([1, 2], [1, 1]))
    p, L = equity.lorenz([3, 1], [1, 1])
    assert p.tolist() == [0, 0.5, 1] and L.tolist() == pytest.approx([0, 0.25, 1])


def test_tiered_life_circle_counts_each_service_at_its_tier():
    from tests.test_indicators import hand_area

    from accessibility.coverage import service_coverage, tier_minutes, tiered_life_circle
    from layers.families import LIFE_CIRCLE_SERVICES
    from layers.norms import LIFE_CIRCLE_TIERS

    area = hand_area()
    tl = tiered_life_circle(area)
    assert tl.tiers["kindergarten"] == 5.0 and tl.tiers["primary"] == 10.0 and tl.tiers["fitness"] == 15.0
    assert set(tl.tiers.values()) <= set(LIFE_CIRCLE_TIERS)
    for k in LIFE_CIRCLE_SERVICES:  # each service's cells: exactly those within its tier
        mins = service_coverage(area, k).cell_minutes.to_numpy()
        assert (tl.covered[k] == (mins <= tier_minutes(k))).all()
    expect = sum(tl.covered[k].astype(int) for k in LIFE_CIRCLE_SERVICES)
    assert (tl.counts.to_numpy() == expect).all()
    pop = area.population["pop_total"].to_numpy()
    assert tl.mean_services_within == pytest.approx((expect * pop).sum() / pop.sum())


def test_coverage_json_has_new_families_tiered_circle_and_equity(monkeypatch, capsys):
    import json

    import gis.areas
    from hedong.cli import main
    from tests.test_indicators import hand_area

    area = hand_area()
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": area)
    assert main(["coverage", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert {"childcare", "culture"} <= set(rep["services"])
    assert rep["services"]["childcare"]["cohort"] == "age_0_2"
    assert "childcare" not in rep["life_circle"]["services"]  # the one-threshold index keeps its services
    t = rep["life_circle_tiered"]
    assert t["name"]["zh"] == "15分钟社区生活圈" and t["tiers"]["kindergarten"] == 5.0
    assert t["services"] == rep["life_circle"]["services"]
    eq = rep["equity"]["services"]["childcare"]
    mins = [v for v in (eq["minutes"]["population"]["gini"],) if v is not None]
    assert mins and 0 <= mins[0] < 1
    assert "supply_per_1000" in eq and "theil_between" in eq["supply_per_1000"]["cohort"]
