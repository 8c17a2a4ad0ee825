"""Shared plumbing of the location models: sparse pairs, predefined sites, the HiGHS MILP call.

Every model (:mod:`.median`, :mod:`.coverage`, :mod:`.center`, :mod:`.attendance`) is a
:class:`LocationModel` built ``from_cost_matrix`` (dense, like :mod:`spopt.locate`) or ``from_pairs``
(sparse origin-destination pairs, e.g. from :func:`accessibility.reach.od_pairs`); ``solve()``
returns the same object with the results attached.

Conventions shared with spopt: ``p_facilities`` counts *all* open sites, the predefined ones
(existing schools, ``predefined_facilities_arr`` — a boolean mask) included; predefined sites
are always open. Results: ``selected`` (bool per facility), ``chosen`` (indices of the *new*
open sites), ``objective``, ``cli2fac`` (per demand its facility, -1 none) and ``seconds``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from layers.errors import InfeasibleModelError, ParameterError
from scenarios.assign import solve_transport


def dense_to_pairs(cost_matrix, max_cost=None):
    """The finite entries (within ``max_cost``) of a dense demand x facility matrix as sparse pairs:
    ``(orig, dest, cost, (n_demand, n_facilities))``."""
    cm = np.asarray(cost_matrix, dtype=float)
    if cm.ndim != 2:
        raise ValueError("cost_matrix must be 2-D (demand x facilities)")
    ok = np.isfinite(cm)
    if max_cost is not None:
        ok &= cm <= max_cost
    i, j = np.nonzero(ok)
    return i, j, cm[i, j], cm.shape


class LocationModel:
    """Base of the location models: sparse pairs, weights, predefined sites, HiGHS MILP.

    Parameters
    ----------
    orig, dest : ndarray of int
        Demand and facility index of each allowed pair.
    cost : ndarray of float
        Travel cost of each pair.
    n_demand, n_facilities : int
        Sizes.
    weights : ndarray, optional
        Demand weight (children) per demand point; 1 each by default.
    predefined_facilities_arr : ndarray of bool, optional
        Facilities that are open whatever the solution (existing schools).
    name : str
        Label of the model.
    """

    name = "model"

    def __init__(self, orig, dest, cost, n_demand, n_facilities, weights=None, predefined_facilities_arr=None,
                 name=None):
        self.orig = np.asarray(orig, dtype=np.int64)
        self.dest = np.asarray(dest, dtype=np.int64)
        self.cost = np.asarray(cost, dtype=float)
        self.n_demand, self.n_facilities = int(n_demand), int(n_facilities)
        self.weights = np.ones(self.n_demand) if weights is None else np.asarray(weights, dtype=float)
        if len(self.weights) != self.n_demand:
            raise ValueError("weights must have one value per demand point")
        fixed = np.zeros(self.n_facilities, bool)
        if predefined_facilities_arr is not None:
            fixed = np.asarray(predefined_facilities_arr).astype(bool)
            if len(fixed) != self.n_facilities:
                raise ValueError("predefined_facilities_arr must have one value per facility")
        self.predefined = fixed
        if name:
            self.name = name
        self.selected = None
        self.chosen = None
        self.objective = None
        self.cli2fac = None
        self.seconds = None
        self.status = None
        self.gap = None
        self.time_limit_reached = False

    # -- shared helpers ---------------------------------------------------------------------
    def _check_p(self):
        """``p_facilities`` lies between the predefined sites and all facilities (ParameterError otherwise)."""
        nfix = int(self.predefined.sum())
        if not nfix <= self.p_facilities <= self.n_facilities:
            raise ParameterError("p_facilities", f"p_facilities={self.p_facilities} must lie between the {nfix} "
                                 f"predefined sites and the {self.n_facilities} facilities", value=self.p_facilities)


    def _link_rows(self, d, nvar: int):
        """Rows ``x_ij - y_j <= 0`` for the pairs (sites ``d``, variables ``m + index``) whose site may
        stay closed; a predefined site is open, so its pairs need none."""
        m = self.n_facilities
        link = np.flatnonzero(~self.predefined[d])
        return sp.csr_matrix((np.concatenate([np.ones(len(link)), -np.ones(len(link))]),
                              (np.tile(np.arange(len(link)), 2), np.concatenate([m + link, d[link]]))),
                             shape=(len(link), nvar))

    def _count_row(self, nvar: int):
        """The row ``sum_j y_j`` (the number of open sites, the first ``n_facilities`` variables)."""
        m = self.n_facilities
        return sp.csr_matrix((np.ones(m), (np.zeros(m, int), np.arange(m))), shape=(1, nvar))

    def _nearest_fixed_cost(self) -> np.ndarray:
        """Per demand point the cost to its cheapest predefined site (inf if none reachable)."""
        best = np.full(self.n_demand, np.inf)
        m = self.predefined[self.dest]
        np.minimum.at(best, self.orig[m], self.cost[m])
        return best

    def _milp(self, c, integrality, lb, ub, rows, time_limit=None, mip_rel_gap=0.0):
        """Solve min c.x with HiGHS; ``rows`` is a list of (A, lo, hi)."""
        cons = [LinearConstraint(sp.csr_matrix(a), lo, hi) for a, lo, hi in rows if a.shape[0]]
        opts = {"disp": False, "mip_rel_gap": mip_rel_gap}
        if time_limit:
            opts["time_limit"] = time_limit
        res = milp(c, integrality=integrality, bounds=Bounds(lb, ub), constraints=cons, options=opts)
        self.status = res.message
        # The time limit ends the search with the best solution found so far (status 1): kept,
        # with its relative MIP gap, as --help promises — never reported as an infeasible --p.
        self.time_limit_reached = res.status == 1
        gap = getattr(res, "mip_gap", None)
        self.gap = None if gap is None or not np.isfinite(gap) else float(gap)
        if res.x is None:
            if self.time_limit_reached:  # no solution yet: the limit, not --p, is what to change
                raise InfeasibleModelError(f"{self.name}: no feasible solution within the time limit of "
                                           f"{time_limit:g} s", parameters=("time_limit",))
            raise InfeasibleModelError(f"{self.name}: HiGHS found no solution ({res.message})",
                                       parameters=("p", "minutes", "time_limit"))
        return res

    def _finish(self, y):
        self.selected = np.asarray(np.rint(y), bool) | self.predefined
        self.chosen = np.flatnonzero(self.selected & ~self.predefined)
        return self

    def _nearest_open(self):
        """Per demand point the nearest selected facility (-1 when none reachable)."""
        out = np.full(self.n_demand, -1, np.int64)
        best = np.full(self.n_demand, np.inf)
        m = self.selected[self.dest]
        o, d, c = self.orig[m], self.dest[m], self.cost[m]
        order = np.argsort(-c, kind="stable")  # write cheapest last
        out[o[order]] = d[order]
        best[o[order]] = c[order]
        return out, best

    @property
    def fac2cli(self) -> list[np.ndarray]:
        """Per facility the demand points assigned to it."""
        if self.cli2fac is None:
            return []
        return [np.flatnonzero(self.cli2fac == j) for j in range(self.n_facilities)]

    def summary(self) -> dict:
        """The results as plain data."""
        return {"model": self.name, "chosen": [int(j) for j in self.chosen], "objective": float(self.objective),
                "seconds": self.seconds, "status": self.status}


class Capacitated(LocationModel):
    """Shared build of the capacitated models (assignment amounts bounded by seats)."""

    @classmethod
    def from_cost_matrix(cls, cost_matrix, weights, capacities, p_facilities, service_radius=None,
                         predefined_facilities_arr=None, unserved_cost=None, name=None):
        """Build from a dense cost matrix; ``service_radius`` cuts pairs (required for the MCLP)."""
        i, j, c, (n, m) = dense_to_pairs(cost_matrix, service_radius)
        return cls.from_pairs(i, j, c, n, m, weights, capacities, p_facilities, service_radius,
                              predefined_facilities_arr, unserved_cost, name)

    @classmethod
    def from_pairs(cls, orig, dest, cost, n_demand, n_facilities, weights, capacities, p_facilities,
                   service_radius=None, predefined_facilities_arr=None, unserved_cost=None, name=None):
        """Build from sparse pairs."""
        cost = np.asarray(cost, float)
        m = np.ones(len(cost), bool) if service_radius is None else cost <= service_radius
        self = cls(np.asarray(orig)[m], np.asarray(dest)[m], cost[m], n_demand, n_facilities, weights,
                   predefined_facilities_arr, name)
        self.capacities = np.asarray(capacities, float)
        self.p_facilities = int(p_facilities)
        self.service_radius = service_radius
        self.unserved_cost = unserved_cost
        return self

    def _build(self, pair_cost, unserved_cost):
        """Variables y (m), x (pairs, children), s (unserved children per point)."""
        w = self.weights
        keep = (w[self.orig] > 0) & (self.capacities[self.dest] > 0)
        o, d, c = self.orig[keep], self.dest[keep], self.cost[keep]
        dem = np.flatnonzero(w > 0)
        ridx = np.full(self.n_demand, -1)
        ridx[dem] = np.arange(len(dem))
        m, k, nd = self.n_facilities, len(o), len(dem)
        nvar = m + k + nd
        cvec = np.concatenate([np.zeros(m), pair_cost(c), np.full(nd, unserved_cost)])
        a1 = sp.csr_matrix((np.ones(k + nd), (np.concatenate([ridx[o], np.arange(nd)]),
                                               m + np.arange(k + nd))), shape=(nd, nvar))
        # sum_i x_ij - cap_j y_j <= 0
        a2 = sp.csr_matrix((np.concatenate([np.ones(k), -self.capacities]),
                            (np.concatenate([d, np.arange(m)]), np.concatenate([m + np.arange(k), np.arange(m)]))),
                           shape=(m, nvar))
        # x_ij <= w_i y_j for closable sites: redundant for integers, much tighter LP bound
        link = np.flatnonzero(~self.predefined[d])
        a3 = sp.csr_matrix((np.concatenate([np.ones(len(link)), -w[o[link]]]),
                            (np.tile(np.arange(len(link)), 2), np.concatenate([m + link, d[link]]))),
                           shape=(len(link), nvar))
        a4 = self._count_row(nvar)
        lb = np.zeros(nvar)
        lb[:m] = self.predefined
        ub = np.concatenate([np.ones(m), w[o], w[dem]])
        integ = np.concatenate([np.ones(m), np.zeros(k + nd)])
        rows = [(a1, w[dem], w[dem]), (a2, -np.inf, 0), (a3, -np.inf, 0), (a4, self.p_facilities, self.p_facilities)]
        return cvec, integ, lb, ub, rows, (o, d, c, dem, m, k)

    def _assign(self):
        """Exact least-travel assignment to the chosen sites (integral, via the transport LP)."""
        sel = self.selected[self.dest]
        self.assignment = solve_transport(np.rint(self.weights).astype(np.int64),
                                          np.where(self.selected, np.floor(self.capacities), 0).astype(np.int64),
                                          self.orig[sel], self.dest[sel], self.cost[sel])
        self.cli2fac = self.assignment.main_school()
        return self.assignment
