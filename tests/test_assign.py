"""The transportation assignment: brute force on tiny cases, networkx min-cost flow on medium ones."""

import itertools

import networkx as nx
import numpy as np
import pytest

from scenarios.assign import solve_transport, weighted_median


def _brute(demand, cap, pairs, cost):
    """Enumerate every integer flow on the pairs; best = (max assigned, then min cost)."""
    ranges = [range(min(demand[i], cap[j]) + 1) for i, j in pairs]
    best = None
    for f in itertools.product(*ranges):
        f = np.array(f)
        if any(f[[k for k, (i, _) in enumerate(pairs) if i == c]].sum() > demand[c] for c in range(len(demand))):
            continue
        if any(f[[k for k, (_, j) in enumerate(pairs) if j == s]].sum() > cap[s] for s in range(len(cap))):
            continue
        key = (-f.sum(), float((f * cost).sum()))
        best = key if best is None or key < best else best
    return -best[0], best[1]


@pytest.mark.parametrize("method", ["network", "lp"])
@pytest.mark.parametrize("seed", range(12))
def test_brute_force_tiny(seed, method):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 4), rng.integers(1, 3)
    demand = rng.integers(0, 4, n)
    cap = rng.integers(0, 4, m)
    pairs = [(i, j) for i in range(n) for j in range(m) if rng.random() < 0.8]
    cost = rng.integers(1, 10, len(pairs)).astype(float)
    o = np.array([p[0] for p in pairs], int)
    d = np.array([p[1] for p in pairs], int)
    a = solve_transport(demand, cap, o, d, cost, method=method)
    assigned, total = _brute(demand, cap, pairs, cost) if pairs else (0, 0.0)
    assert a.assigned == assigned
    assert a.total_cost == pytest.approx(total)
    assert (a.assigned_cell + a.unserved_cell == demand).all()


@pytest.mark.parametrize("method", ["network", "lp"])
@pytest.mark.parametrize("seed", range(4))
def test_networkx_min_cost_flow_medium(seed, method):
    rng = np.random.default_rng(100 + seed)
    n, m = 150, 12
    demand = rng.integers(0, 30, n)
    cap = rng.integers(20, 200, m)
    mask = rng.random((n, m)) < 0.25
    o, d = np.nonzero(mask)
    cost = rng.integers(10, 900, len(o)).astype(float)
    a = solve_transport(demand, cap, o, d, cost, method=method)
    G = nx.DiGraph()
    for i in range(n):
        G.add_edge("s", f"c{i}", capacity=int(demand[i]), weight=0)
    for j in range(m):
        G.add_edge(f"f{j}", "t", capacity=int(cap[j]), weight=0)
    for i, j, c in zip(o, d, cost):
        G.add_edge(f"c{i}", f"f{j}", capacity=int(demand[i]), weight=int(c))
    flow = nx.max_flow_min_cost(G, "s", "t")
    total = sum(flow["s"].values())
    assert a.assigned == total
    assert a.total_cost == pytest.approx(nx.cost_of_flow(G, flow))
    assert np.issubdtype(a.flow.dtype, np.integer)
    assert (a.load <= cap).all() and (a.assigned_cell <= demand).all()


@pytest.mark.parametrize("seed", range(6))
def test_network_simplex_equals_the_lp_on_float_costs(seed):
    """The default solver (min-cost flow on whole milliseconds) against the HiGHS LP on the float costs:
    the same children seated, the same travel up to half a millisecond per child; duplicate pairs and
    zero demand / capacity included."""
    rng = np.random.default_rng(500 + seed)
    n, m = int(rng.integers(50, 400)), int(rng.integers(3, 30))
    demand, cap = rng.integers(0, 25, n), rng.integers(0, 120, m)
    o, d = np.nonzero(rng.random((n, m)) < 0.3)
    o, d = np.concatenate([o, o[:20]]), np.concatenate([d, d[:20]])  # some pairs twice, at another cost
    cost = rng.random(len(o)) * 1800.0
    a, b = solve_transport(demand, cap, o, d, cost), solve_transport(demand, cap, o, d, cost, method="lp")
    assert a.assigned == b.assigned
    assert abs(a.total_cost - b.total_cost) <= 0.5e-3 * a.assigned + 1e-6
    assert (a.assigned_cell + a.unserved_cell == demand).all() and (a.load <= cap).all()


def test_network_simplex_coarsens_costs_that_would_overflow():
    """Costs of 10^10 s with a million children (10^19 in milliseconds, past int64) still solve in the
    lexicographic order: most children seated (cell 1 can only use school 1, so cell 0 yields it 5 seats)."""
    demand, cap = np.array([10 ** 6, 5]), np.array([10 ** 6, 10 ** 6])
    o, d = np.array([0, 0, 1]), np.array([0, 1, 1])
    cost = np.array([1.0e10, 1.0, 2.0])
    a = solve_transport(demand, cap, o, d, cost)
    assert a.assigned == 10 ** 6 + 5 and a.flow.tolist() == [5, 10 ** 6 - 5, 5]


def test_no_pairs_all_unserved():
    a = solve_transport([3, 4], [5], [], [], [])
    assert a.assigned == 0 and a.unserved == 7


def test_weighted_median():
    assert weighted_median([1, 2, 3], [1, 1, 1]) == 2
    assert weighted_median([1, 2, 3, 4], [1, 1, 1, 1]) == 2.5
    assert weighted_median([5, 1], [3, 1]) == 5
    assert np.isnan(weighted_median([1], [0]))
