"""Capacity-constrained assignment of children to school seats: an exact transportation problem.

The problem, per level (kindergarten / primary / junior) and year:

* cells ``i`` hold ``demand[i]`` children (integers);
* schools ``j`` hold ``capacity[j]`` seats (integers);
* a child may only be assigned along a sparse pair ``(i, j)`` whose travel time is within the
  level's limit (the pairs come from :func:`accessibility.reach.od_pairs` or any cost source);
* children beyond the limit of every school, or beyond every free seat, stay *unserved*.

Objective, lexicographic: first serve as many children as possible, then among all such
assignments minimise the total travel time. Both goals go into one problem by giving every
unserved child a penalty ``U`` larger than any augmenting path can gain (see
:func:`solve_transport`), so one solve answers both.

Two exact solvers of the same problem: a minimum-cost flow by network simplex (OR-tools'
``SimpleMinCostFlow``, the default: 5-12x faster than the LP on the default demo's 划片 problems of
40,000-150,000 pairs, which is what a planner waits for when moving the year slider) and the
transportation LP by HiGHS dual simplex (``method="lp"``). The tests solve random instances with
both and against brute force and networkx.

Why integers come out of the LP: the constraint matrix (one row per cell, one row per school, each
variable in exactly one row of each, unserved slacks in one row only) is the incidence matrix of
a bipartite graph, hence totally unimodular; with integral demand and capacity every vertex of
the polytope is integral and HiGHS's simplex returns a vertex. We still verify integrality and
repair the (never observed) fractional case so that totals stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.graph.python import min_cost_flow
from scipy.optimize import linprog

__all__ = ["Assignment", "solve_transport", "weighted_median", "minute_histogram"]


@dataclass
class Assignment:
    """The result of :func:`solve_transport`.

    Attributes
    ----------
    orig, dest : ndarray of int
        The sparse pairs given (cell index, school index).
    cost : ndarray of float
        Travel cost of each pair (seconds).
    flow : ndarray of int64
        Children assigned along each pair.
    demand, capacity : ndarray of int64
        Inputs, per cell and per school.
    assigned_cell : ndarray of int64
        Children assigned per cell (``<= demand``).
    unserved_cell : ndarray of int64
        ``demand - assigned_cell``.
    load : ndarray of int64
        Children assigned per school (``<= capacity``).
    total_cost : float
        Sum of ``flow * cost``.
    """

    orig: np.ndarray
    dest: np.ndarray
    cost: np.ndarray
    flow: np.ndarray
    demand: np.ndarray
    capacity: np.ndarray
    assigned_cell: np.ndarray
    unserved_cell: np.ndarray
    load: np.ndarray
    total_cost: float

    @property
    def assigned(self) -> int:
        """Children assigned in total."""
        return int(self.assigned_cell.sum())

    @property
    def unserved(self) -> int:
        """Children left unserved in total."""
        return int(self.unserved_cell.sum())

    def main_school(self) -> np.ndarray:
        """Per cell the school index receiving most of its children, -1 where none is assigned."""
        out = np.full(len(self.demand), -1, dtype=np.int64)
        best = np.zeros(len(self.demand), dtype=np.int64)
        pos = self.flow > 0
        # process pairs in increasing flow so the largest flow of a cell is written last
        order = np.argsort(self.flow[pos], kind="stable")
        o, d, f = self.orig[pos][order], self.dest[pos][order], self.flow[pos][order]
        out[o] = d
        best[o] = f
        return out


def _as_int(a, name) -> np.ndarray:
    a = np.asarray(a)
    r = np.rint(a).astype(np.int64)
    if a.size and (np.abs(a - r).max() > 1e-9 or r.min() < 0):
        raise ValueError(f"{name} must be non-negative integers (round demand once, at the demand step)")
    return r


def solve_transport(demand, capacity, orig, dest, cost, method: str = "network") -> Assignment:
    """Assign integer demand to integer capacity along sparse pairs: max served, then min travel.

    Parameters
    ----------
    demand : array-like of int, shape (n_cells,)
        Children per cell.
    capacity : array-like of int, shape (n_sites,)
        Free seats per school.
    orig, dest : array-like of int, shape (n_pairs,)
        Allowed pairs: cell index and school index (already filtered to the travel limit).
    cost : array-like of float, shape (n_pairs,)
        Travel cost of each pair (seconds); must be finite and non-negative.
    method : {"network", "lp"}
        ``network``: min-cost flow by network simplex (OR-tools) on costs in whole milliseconds
        (coarser only when the totals would overflow 64-bit integers); ``lp``: the HiGHS
        transportation LP on the float costs. Both are exact; ties between equally good
        assignments may be broken differently.

    Returns
    -------
    Assignment
        Integral flows; ``assigned + unserved == demand`` exactly for every cell.

    Notes
    -----
    In the LP costs are scaled to ``[0, 1]`` and each unserved child costs ``U = n_sites + 1``. A feasible
    flow that is not maximum has an augmenting path visiting at most ``n_sites`` schools; pushing
    one child along it saves ``U`` and adds at most ``n_sites`` scaled cost, so an optimum of the
    penalised LP is always a maximum flow, and among maximum flows (equal penalty) the one of least
    travel. Small magnitudes keep HiGHS's tolerances far from mattering. The flow uses the same
    argument on integer costs: ``U = (max cost + 1) * (n_sites + 1)``.
    """
    if method not in ("network", "lp"):
        raise ValueError(f"method must be 'network' or 'lp', not {method!r}")
    demand = _as_int(demand, "demand")
    capacity = _as_int(capacity, "capacity")
    orig = np.asarray(orig, dtype=np.int64)
    dest = np.asarray(dest, dtype=np.int64)
    cost = np.asarray(cost, dtype=float)
    n, m, k = len(demand), len(capacity), len(orig)
    if not (len(dest) == k == len(cost)):
        raise ValueError("orig, dest and cost must have the same length")
    if k and (not np.isfinite(cost).all() or cost.min() < 0):
        raise ValueError("costs must be finite and non-negative")

    # Pairs that can never carry flow only slow the LP down.
    keep = (demand[orig] > 0) & (capacity[dest] > 0) if k else np.zeros(0, bool)
    o, d, c = orig[keep], dest[keep], cost[keep]
    flow_kept = np.zeros(len(o), dtype=np.int64)
    if len(o):
        # Collapse duplicate pairs to their cheapest cost (a cell reaches a school one way).
        key = o * m + d
        order = np.lexsort((c, key))
        first = np.ones(len(order), bool)
        first[1:] = key[order][1:] != key[order][:-1]
        sel = order[first]
        o_u, d_u, c_u = o[sel], d[sel], c[sel]
        flow_u = (_solve_flow if method == "network" else _solve_lp)(demand, capacity, o_u, d_u, c_u)
        # map back: the cheapest representative carries the flow
        flow_kept[sel] = flow_u
    flow = np.zeros(k, dtype=np.int64)
    flow[np.flatnonzero(keep)] = flow_kept
    assigned_cell = np.bincount(orig, weights=flow, minlength=n).astype(np.int64) if k else np.zeros(n, np.int64)
    load = np.bincount(dest, weights=flow, minlength=m).astype(np.int64) if k else np.zeros(m, np.int64)
    assert (assigned_cell <= demand).all() and (load <= capacity).all()
    return Assignment(orig, dest, cost, flow, demand, capacity, assigned_cell, demand - assigned_cell, load,
                      float((flow * cost).sum()) if k else 0.0)


def _solve_flow(demand, capacity, o, d, c) -> np.ndarray:
    """The same problem as a min-cost flow (network simplex); returns integral flows per unique pair.

    Nodes: the cells with a pair, the schools with a pair, one sink. Arcs: cell -> school (the
    pairs), school -> sink (capacity = seats), cell -> sink (the unserved, at the penalty ``U``).
    Every cell supplies its children and the sink absorbs them all, so the flow always exists.
    """
    cells, o_c = np.unique(o, return_inverse=True)
    sites, d_c = np.unique(d, return_inverse=True)
    nc, ns, k = len(cells), len(sites), len(o)
    dem = demand[cells].astype(np.int64)
    total = int(dem.sum())
    # Whole milliseconds, unless U * children could pass 2**62: then the coarsest unit that fits.
    unit = 1e-3
    while True:
        ci = np.rint(c / unit).astype(np.int64)
        penalty = (int(ci.max()) + 1) * (ns + 1)
        if penalty * max(total, 1) < 2 ** 62:
            break
        unit *= 10.0
    sink = nc + ns
    tails = np.concatenate([o_c, nc + np.arange(ns), np.arange(nc)]).astype(np.int32)
    heads = np.concatenate([nc + d_c, np.full(ns, sink), np.full(nc, sink)]).astype(np.int32)
    caps = np.concatenate([dem[o_c], capacity[sites].astype(np.int64), dem])
    costs = np.concatenate([ci, np.zeros(ns, np.int64), np.full(nc, penalty, np.int64)])
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.concatenate([dem, np.zeros(ns, np.int64), [-total]])
    mcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"the min-cost flow of the assignment did not solve (status {status})")
    return np.asarray(mcf.flows(np.arange(k, dtype=np.int32)), dtype=np.int64)


def _solve_lp(demand, capacity, o, d, c) -> np.ndarray:
    """The penalised transportation LP on unique pairs; returns integral flows per pair."""
    k = len(o)
    # Only cells and schools touched by a pair enter the LP (compact rows => faster presolve).
    cells, o_c = np.unique(o, return_inverse=True)
    sites, d_c = np.unique(d, return_inverse=True)
    nc, ns = len(cells), len(sites)
    scale = c.max() if c.max() > 0 else 1.0
    penalty = ns + 1.0
    # Variables: x (k pairs) then u (nc unserved slacks). Rows: cells (equality), then sites (<=).
    # min sum c x/scale + U sum u   s.t.  sum_j x_ij + u_i = d_i ;  sum_i x_ij <= cap_j
    obj = np.concatenate([c / scale, np.full(nc, penalty)])
    a_eq = sp.hstack([sp.csr_matrix((np.ones(k), (o_c, np.arange(k))), shape=(nc, k)),
                      sp.identity(nc, format="csr")], format="csr")
    a_ub = sp.hstack([sp.csr_matrix((np.ones(k), (d_c, np.arange(k))), shape=(ns, k)),
                      sp.csr_matrix((ns, nc))], format="csr")
    res = linprog(obj, A_ub=a_ub, b_ub=capacity[sites].astype(float), A_eq=a_eq, b_eq=demand[cells].astype(float),
                  bounds=(0, None), method="highs-ds")  # dual simplex: the answer is a vertex
    if res.status != 0:
        raise RuntimeError(f"HiGHS failed on the assignment LP: {res.message}")
    x = res.x[:k]
    flow = np.rint(x).astype(np.int64)
    if np.abs(x - flow).max() > 1e-6 or not _feasible(flow, o, d, demand, capacity):
        flow = _repair(x, o, d, c, demand, capacity)
    return flow


def _feasible(flow, o, d, demand, capacity) -> bool:
    if (flow < 0).any():
        return False
    return bool((np.bincount(o, flow, len(demand)) <= demand).all()
                and (np.bincount(d, flow, len(capacity)) <= capacity).all())


def _repair(x, o, d, c, demand, capacity) -> np.ndarray:
    """Round a fractional flow down and refill greedily by cost; keeps every total within bounds.

    A safety net only: the LP is totally unimodular so a vertex solution is already integral.
    """
    flow = np.floor(np.maximum(x, 0) + 1e-9).astype(np.int64)
    left_d = demand - np.bincount(o, flow, len(demand)).astype(np.int64)
    left_c = capacity - np.bincount(d, flow, len(capacity)).astype(np.int64)
    for e in np.argsort(c, kind="stable"):
        add = min(left_d[o[e]], left_c[d[e]])
        if add > 0:
            flow[e] += add
            left_d[o[e]] -= add
            left_c[d[e]] -= add
    return flow


def weighted_median(values, weights) -> float:
    """Median of ``values`` with integer ``weights`` (the middle child's value); NaN if no weight."""
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    pos = weights > 0
    if not pos.any():
        return float("nan")
    v, w = values[pos], weights[pos]
    order = np.argsort(v, kind="stable")
    v, cw = v[order], np.cumsum(w[order])
    total = cw[-1]
    # the children of 0-based rank r sit at the first index whose cumulative weight exceeds r
    r_lo, r_hi = np.floor((total - 1) / 2.0), np.floor(total / 2.0)
    lo = v[min(np.searchsorted(cw, r_lo + 1, side="left"), len(v) - 1)]
    hi = v[min(np.searchsorted(cw, r_hi + 1, side="left"), len(v) - 1)]
    return float((lo + hi) / 2.0)


def minute_histogram(minutes, weights, limit_minutes: float) -> list[dict]:
    """Children per whole-minute band ``[k, k+1)`` up to the limit: the travel-minute distribution."""
    minutes = np.asarray(minutes, dtype=float)
    weights = np.asarray(weights, dtype=np.int64)
    nb = int(np.ceil(limit_minutes)) if limit_minutes > 0 else 1
    idx = np.clip(np.floor(minutes).astype(np.int64), 0, nb - 1)
    counts = np.bincount(idx, weights=weights, minlength=nb).astype(np.int64)
    return [{"from_min": b, "to_min": b + 1, "children": int(counts[b])} for b in range(nb)]
