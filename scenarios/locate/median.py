"""p-median models: least total weighted travel, with or without binding seats."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from scenarios.locate.base import Capacitated, LocationModel, dense_to_pairs


class PMedian(LocationModel):
    """p-median: minimise sum of weight x cost to the nearest open site, ``p_facilities`` open in all.

    Demand points with no allowed pair at all are left out (``unreachable``); with
    ``unserved_cost`` set, a demand point may stay unassigned at that cost per unit weight
    (use it with sparse pairs cut at a travel limit, so the model stays feasible).
    """

    name = "p-median"

    @classmethod
    def from_cost_matrix(cls, cost_matrix, weights, p_facilities, predefined_facilities_arr=None,
                         unserved_cost=None, name=None):
        """Build from a dense demand x facility cost matrix (inf / NaN = no route)."""
        i, j, c, (n, m) = dense_to_pairs(cost_matrix)
        return cls.from_pairs(i, j, c, n, m, weights, p_facilities, predefined_facilities_arr, unserved_cost, name)

    @classmethod
    def from_pairs(cls, orig, dest, cost, n_demand, n_facilities, weights, p_facilities,
                   predefined_facilities_arr=None, unserved_cost=None, name=None):
        """Build from sparse pairs."""
        self = cls(orig, dest, cost, n_demand, n_facilities, weights, predefined_facilities_arr, name)
        self.p_facilities = int(p_facilities)
        self.unserved_cost = unserved_cost
        return self

    def solve(self, time_limit=None, mip_rel_gap=0.0):
        """Solve with HiGHS (scipy.optimize.milp); returns self."""
        t0 = time.perf_counter()
        self._check_p()
        w = self.weights
        keep = w[self.orig] > 0
        # Prune: the nearest predefined site is always open, so costlier pairs are never used.
        nf = self._nearest_fixed_cost()
        keep &= self.cost <= nf[self.orig]
        o, d, c = self.orig[keep], self.dest[keep], self.cost[keep]
        dem = np.flatnonzero(w > 0)
        has_pair = np.zeros(self.n_demand, bool)
        has_pair[o] = True
        dummy = dem if self.unserved_cost is not None else np.zeros(0, np.int64)
        self.unreachable = np.setdiff1d(dem, np.flatnonzero(has_pair)) if self.unserved_cost is None else dummy[:0]
        rows_dem = np.setdiff1d(np.union1d(np.unique(o), dummy), self.unreachable)
        ridx = np.full(self.n_demand, -1)
        ridx[rows_dem] = np.arange(len(rows_dem))
        m, k, nd = self.n_facilities, len(o), len(dummy)
        nvar = m + k + nd
        cvec = np.concatenate([np.zeros(m), w[o] * c, w[dummy] * (self.unserved_cost or 0.0)])
        # each demand point: sum_j x_ij (+ s_i) == 1
        a1 = sp.csr_matrix((np.ones(k + nd), (np.concatenate([ridx[o], ridx[dummy]]),
                                               np.concatenate([m + np.arange(k), m + k + np.arange(nd)]))),
                           shape=(len(rows_dem), nvar))
        a2, a3 = self._link_rows(d, nvar), self._count_row(nvar)
        lb = np.zeros(nvar)
        lb[:m] = self.predefined
        ub = np.ones(nvar)
        integ = np.concatenate([np.ones(m), np.zeros(k + nd)])
        res = self._milp(cvec, integ, lb, ub, [(a1, 1, 1), (a2, -np.inf, 0), (a3, self.p_facilities, self.p_facilities)],
                         time_limit, mip_rel_gap)
        self._finish(res.x[:m])
        self.cli2fac, best = self._nearest_open()
        self.objective = float(res.fun)
        self.seconds = time.perf_counter() - t0
        return self


class CapacitatedPMedian(Capacitated):
    """Capacitated p-median: seats bind; minimise travel of assigned children + ``unserved_cost`` per unserved.

    Demand may split across sites (children of one cell go to several schools). Without
    ``unserved_cost`` every child must be placed (as in spopt's capacitated PMedian).
    """

    name = "capacitated p-median"

    def solve(self, time_limit=None, mip_rel_gap=0.0):
        """Solve with HiGHS; ``objective`` is total travel plus unserved penalty."""
        t0 = time.perf_counter()
        self._check_p()
        big = self.unserved_cost
        cvec, integ, lb, ub, rows, _ = self._build(lambda c: c, big if big is not None else 0.0)
        nd = int((self.weights > 0).sum())
        if big is None and nd:  # every child must be placed, as in spopt
            ub[-nd:] = 0
        res = self._milp(cvec, integ, lb, ub, rows, time_limit, mip_rel_gap)
        self._finish(res.x[: self.n_facilities])
        self.objective = float(res.fun)
        self._assign()
        self.unserved = self.assignment.unserved
        self.seconds = time.perf_counter() - t0
        return self
