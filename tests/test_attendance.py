"""The attendance model (maximise distance-decayed attendance) equals brute force on hand-made instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scenarios.optimize import ATTENDANCE_LEVELS, DECAYS, MODELS, MaxAttendance, decay


def brute(cost, w, p, pre, kind, scale):
    """Best attendance over every set of p open sites containing the predefined ones."""
    m = cost.shape[1]
    f = np.where(np.isfinite(cost), decay(np.where(np.isfinite(cost), cost, 0), kind, scale), 0.0)
    free = [j for j in range(m) if not pre[j]]
    best = -1.0
    for extra in itertools.combinations(free, p - int(pre.sum())):
        open_ = np.flatnonzero(pre).tolist() + list(extra)
        best = max(best, float((w * f[:, open_].max(axis=1)).sum()))
    return best


def test_decay_functions_as_documented():
    assert decay([0, 5, 10], "exponential", 5).tolist() == pytest.approx([1, 0.5, 0.25])
    assert decay([0, 5, 10, 20], "linear", 10).tolist() == pytest.approx([1, 0.5, 0, 0])
    with pytest.raises(ValueError):
        decay([1], "gaussian", 1)


def test_hand_worked_instance():
    # two demand points (10 and 30 children), three sites; exponential decay, half at 5 minutes
    cost = np.array([[0.0, 10.0, 5.0],
                     [10.0, 0.0, 5.0]])
    w = np.array([10.0, 30.0])
    # one site: site 1 (30 x 1 + 10 x 0.25 = 32.5) beats site 2 (40 x 0.5 = 20) and site 0 (10 + 7.5)
    mdl = MaxAttendance.from_cost_matrix(cost, w, 1, decay_kind="exponential", decay_scale=5.0).solve()
    assert mdl.chosen.tolist() == [1] and mdl.objective == pytest.approx(32.5)
    # linear decay to nobody at 8 minutes: site 1 gives 30, site 2 gives 40 x (1 - 5/8) = 15
    mdl = MaxAttendance.from_cost_matrix(cost, w, 1, decay_kind="linear", decay_scale=8.0).solve()
    assert mdl.chosen.tolist() == [1] and mdl.objective == pytest.approx(30.0)
    assert mdl.cli2fac.tolist() == [1, 1]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("kind", list(DECAYS))
def test_equals_brute_force(seed, kind):
    rng = np.random.default_rng(seed)
    n, m = 9, 7
    cost = rng.uniform(0, 20, (n, m))
    cost[rng.random((n, m)) < 0.25] = np.inf  # some pairs beyond reach
    w = rng.integers(0, 40, n).astype(float)
    pre = np.zeros(m, bool)
    pre[rng.integers(0, m)] = True
    p = 3
    mdl = MaxAttendance.from_cost_matrix(cost, w, p, pre, decay_kind=kind, decay_scale=8.0).solve()
    assert mdl.objective == pytest.approx(brute(cost, w, p, pre, kind, 8.0), rel=1e-9)
    assert mdl.selected.sum() == p and mdl.selected[pre].all()


def test_cli_choices_agree_with_the_module():
    from hedong.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices["scenario"]
    opt = next(a for a in sub._actions if a.dest == "scenario_command" or getattr(a, "choices", None)
               and "optimize" in (a.choices or {})).choices["optimize"]
    acts = {a.dest: a for a in opt._actions}
    assert list(acts["model"].choices) == list(MODELS)
    assert list(acts["decay"].choices) == list(DECAYS)
    assert set(ATTENDANCE_LEVELS) <= set(acts["level"].choices)


@pytest.mark.parametrize("level", ATTENDANCE_LEVELS)
def test_area_attendance_equals_brute_force_on_networkx_minutes(level):
    """On the hand-made grid: the chosen candidate and attendance equal brute force over minutes from an
    independent networkx computation (tests/oracle.py), children 0-2 / 3-5 per cell as weights."""
    import geopandas as gpd
    from shapely.geometry import Point

    from scenarios.optimize import _service_demand, optimize_area
    from scenarios.demand import children
    from tests.oracle import walk_minutes
    from tests.test_indicators import CRS, X0, Y0, hand_area

    area = hand_area()
    cands = gpd.GeoDataFrame({"candidate_id": ["a", "b", "c"]},
                             geometry=[Point(X0 + 420, Y0 + 300), Point(X0 + 230, Y0 + 100), Point(X0 + 60, Y0 + 400)],
                             crs=CRS)
    res = optimize_area(area, level, "attendance", p=1, candidates=cands, scenario="existing", year=2021,
                        decay_kind="exponential", decay_minutes=3.0)
    fam = area.facilities[area.facilities["family"] == level]
    sites = [(g.x, g.y) for g in fam.geometry] + [(g.x, g.y) for g in cands.geometry]
    cells = np.c_[area.population.geometry.x, area.population.geometry.y]
    mins = np.column_stack([walk_minutes(area.graph, cells, [s]) for s in sites])
    mins[mins > 3 * 3.0] = np.inf  # documented: pairs up to 3 x the decay minutes
    assert res["decay"]["pairs_within_minutes"] == pytest.approx(9.0)
    w = (children(area, level, 2021) if level == "kindergarten" else _service_demand(area, level, 2021)).astype(float)
    pre = np.r_[np.ones(len(fam), bool), np.zeros(len(cands), bool)]
    best = brute(mins, w, len(fam) + 1, pre, "exponential", 3.0)
    assert res["attendance_after"] == pytest.approx(best, rel=1e-6)
    assert res["attendance_before"] == pytest.approx(brute(mins, w, len(fam), pre, "exponential", 3.0), rel=1e-6)
    assert res["decay"]["kind"] == "exponential" and res["decay"]["minutes"] == pytest.approx(3.0)
