"""Location models against spopt (PMedian, MCLP, LSCP, PCenter) on shared random instances."""

import warnings

import numpy as np
import pulp
import pytest
import spopt.locate as spopt_locate

from scenarios.optimize import (LSCP, MCLP, CapacitatedMCLP, CapacitatedPMedian, PCenter, PMedian,
                                best_next_site, _max_flow)

warnings.filterwarnings("ignore")


def instance(seed, n=50, m=12):
    rng = np.random.default_rng(seed)
    dem, fac = rng.random((n, 2)) * 10, rng.random((m, 2)) * 10
    cm = np.hypot(*(dem[:, None, :] - fac[None, :, :]).transpose(2, 0, 1))
    w = rng.integers(1, 20, n).astype(float)
    pre = np.zeros(m, int)
    pre[[0, 5]] = 1
    return cm, w, pre


SOLVER = None


def solver():
    return pulp.PULP_CBC_CMD(msg=False)


@pytest.mark.parametrize("seed", range(3))
def test_pmedian_matches_spopt(seed):
    cm, w, pre = instance(seed)
    ref = spopt_locate.PMedian.from_cost_matrix(cm, w, 4, predefined_facilities_arr=pre).solve(solver())
    ours = PMedian.from_cost_matrix(cm, w, 4, pre).solve()
    assert ours.objective == pytest.approx(ref.problem.objective.value(), rel=1e-9)
    assert ours.selected[pre.astype(bool)].all() and ours.selected.sum() == 4


@pytest.mark.parametrize("seed", range(3))
def test_mclp_matches_spopt(seed):
    cm, w, pre = instance(seed)
    ref = spopt_locate.MCLP.from_cost_matrix(cm, w, 2.5, 4, predefined_facilities_arr=pre).solve(solver())
    ours = MCLP.from_cost_matrix(cm, w, 2.5, 4, pre).solve()
    assert ours.objective == pytest.approx(ref.problem.objective.value())


@pytest.mark.parametrize("seed", range(3))
def test_lscp_matches_spopt(seed):
    cm, w, pre = instance(seed)
    ref = spopt_locate.LSCP.from_cost_matrix(cm, 6.0, predefined_facilities_arr=pre).solve(solver())
    ours = LSCP.from_cost_matrix(cm, 6.0, pre).solve()
    assert ours.objective == pytest.approx(ref.problem.objective.value())


@pytest.mark.parametrize("seed", range(3))
def test_pcenter_matches_spopt(seed):
    cm, w, pre = instance(seed)
    ref = spopt_locate.PCenter.from_cost_matrix(cm, 4, predefined_facilities_arr=pre).solve(solver())
    ours = PCenter.from_cost_matrix(cm, 4, pre).solve()
    assert ours.objective == pytest.approx(ref.problem.objective.value(), rel=1e-6)


def test_capacitated_pmedian_matches_spopt_when_capacity_is_loose():
    cm, w, pre = instance(7)
    cap = np.full(cm.shape[1], w.sum())
    ref = spopt_locate.PMedian.from_cost_matrix(cm, w, 4, predefined_facilities_arr=pre,
                                                facility_capacities=cap).solve(solver())
    ours = CapacitatedPMedian.from_cost_matrix(cm, w, cap, 4, predefined_facilities_arr=pre).solve()
    assert ours.objective == pytest.approx(ref.problem.objective.value(), rel=1e-6)


def _brute_cmclp(cm, w, cap, r, p, pre):
    from itertools import combinations

    from scenarios.assign import solve_transport

    m = cm.shape[1]
    free = [j for j in range(m) if not pre[j]]
    best = -1
    for extra in combinations(free, p - int(pre.sum())):
        sel = pre.astype(bool).copy()
        sel[list(extra)] = True
        o, d = np.nonzero((cm <= r) & sel[None, :])
        best = max(best, solve_transport(w.astype(int), cap.astype(int), o, d, cm[o, d]).assigned)
    return best


@pytest.mark.parametrize("seed", range(3))
def test_capacitated_mclp_brute_force(seed):
    cm, w, pre = instance(seed, n=30, m=8)
    cap = np.random.default_rng(seed).integers(20, 80, 8)
    ours = CapacitatedMCLP.from_cost_matrix(cm, w, cap, 4, service_radius=3.0, predefined_facilities_arr=pre).solve()
    assert ours.objective == _brute_cmclp(cm, w, cap, 3.0, 4, pre)


def test_best_next_site_exact():
    rng = np.random.default_rng(3)
    n, m, c = 80, 4, 15
    demand = rng.integers(0, 20, n)
    cap = rng.integers(30, 100, m)
    o, d = np.nonzero(rng.random((n, m)) < 0.1)
    co, cd = np.nonzero(rng.random((n, c)) < 0.1)
    ccap = rng.integers(30, 150, c)
    ranked = best_next_site(demand, cap, o, d, ccap, co, cd, top=c)
    base = _max_flow(demand, cap, o, d)
    truth = {j: _max_flow(demand, np.append(cap, ccap[j]), np.r_[o, co[cd == j]], np.r_[d, np.full((cd == j).sum(), m)])
             - base for j in range(c)}
    best = max(truth.values())
    assert ranked[0][1] == best
    for j, g in ranked:
        assert truth[j] == g


@pytest.mark.slow
def test_sparse_large_instance_solves_fast():
    """~500 candidates x 10,000 cells (random points, pairs within a radius) in well under a minute."""
    import time

    rng = np.random.default_rng(0)
    n, m = 10000, 500
    dem, fac = rng.random((n, 2)) * 10000, rng.random((m, 2)) * 10000
    from scipy.spatial import cKDTree

    pairs = cKDTree(dem).sparse_distance_matrix(cKDTree(fac), 800.0, output_type="coo_matrix")
    w = rng.integers(0, 30, n).astype(float)
    pre = np.zeros(m, bool)
    pre[:40] = True
    t = time.perf_counter()
    MCLP.from_pairs(pairs.row, pairs.col, pairs.data, n, m, w, 800.0, 60, pre).solve()
    assert time.perf_counter() - t < 60


@pytest.mark.parametrize("seed", range(4))
def test_pmedian_sparse_pairs_with_unserved_cost_brute_force(seed):
    """The CLI's p-median: pairs cut at a travel limit, a child beyond every open site costs the limit.
    Brute force: every choice of the new sites, each point at min(its cheapest open pair, limit)."""
    from itertools import combinations

    cm, w, pre = instance(seed, n=40, m=9)
    lim = 3.0
    o, d = np.nonzero(cm <= lim)
    c = cm[o, d]
    w[::7] = 0  # points without children need no site
    p = 4
    ours = PMedian.from_pairs(o, d, c, cm.shape[0], cm.shape[1], w, p, pre, unserved_cost=lim).solve()
    free = [j for j in range(cm.shape[1]) if not pre[j]]
    best = np.inf
    for extra in combinations(free, p - int(pre.sum())):
        sel = pre.astype(bool).copy()
        sel[list(extra)] = True
        cost = np.where((cm <= lim) & sel[None, :], cm, np.inf).min(axis=1)
        best = min(best, float((w * np.minimum(cost, lim)).sum()))
    assert ours.objective == pytest.approx(best, rel=1e-9)
    assert ours.selected[pre.astype(bool)].all() and ours.selected.sum() == p
