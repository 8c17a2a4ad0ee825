"""Covering models: the most demand within a radius (MCLP, capacitated MCLP), the fewest sites covering all (LSCP)."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from scenarios.locate.base import Capacitated, LocationModel, dense_to_pairs


class MCLP(LocationModel):
    """Maximal covering location: maximise demand weight within ``service_radius`` of an open site."""

    name = "mclp"

    @classmethod
    def from_cost_matrix(cls, cost_matrix, weights, service_radius, p_facilities, predefined_facilities_arr=None,
                         name=None):
        """Build from a dense cost matrix; only pairs within ``service_radius`` are kept."""
        i, j, c, (n, m) = dense_to_pairs(cost_matrix, service_radius)
        return cls.from_pairs(i, j, c, n, m, weights, service_radius, p_facilities, predefined_facilities_arr, name)

    @classmethod
    def from_pairs(cls, orig, dest, cost, n_demand, n_facilities, weights, service_radius, p_facilities,
                   predefined_facilities_arr=None, name=None):
        """Build from sparse pairs (pairs beyond ``service_radius`` are ignored)."""
        cost = np.asarray(cost, float)
        m = cost <= service_radius
        self = cls(np.asarray(orig)[m], np.asarray(dest)[m], cost[m], n_demand, n_facilities, weights,
                   predefined_facilities_arr, name)
        self.service_radius = float(service_radius)
        self.p_facilities = int(p_facilities)
        return self

    def _precovered(self):
        cov = np.zeros(self.n_demand, bool)
        cov[self.orig[self.predefined[self.dest]]] = True
        return cov

    def solve(self, time_limit=None, mip_rel_gap=0.0):
        """Solve with HiGHS; ``objective`` is the covered weight, predefined coverage included."""
        t0 = time.perf_counter()
        self._check_p()
        w = self.weights
        pre = self._precovered()
        keep = ~pre[self.orig] & (w[self.orig] > 0) & ~self.predefined[self.dest]
        o, d = self.orig[keep], self.dest[keep]
        cells, oc = np.unique(o, return_inverse=True)
        m, nz = self.n_facilities, len(cells)
        nvar = m + nz
        cvec = np.concatenate([np.zeros(m), -w[cells]])
        # z_i - sum_{j in N(i)} y_j <= 0
        a1 = sp.csr_matrix((np.concatenate([np.ones(nz), -np.ones(len(o))]),
                            (np.concatenate([np.arange(nz), oc]), np.concatenate([m + np.arange(nz), d]))),
                           shape=(nz, nvar))
        a2 = self._count_row(nvar)
        lb = np.zeros(nvar)
        lb[:m] = self.predefined
        res = self._milp(cvec, np.concatenate([np.ones(m), np.zeros(nz)]), lb, np.ones(nvar),
                         [(a1, -np.inf, 0), (a2, self.p_facilities, self.p_facilities)], time_limit, mip_rel_gap)
        self._finish(res.x[:m])
        self.cli2fac, _ = self._nearest_open()
        self.covered = self.cli2fac >= 0
        self.objective = float(w[self.covered].sum())
        self.seconds = time.perf_counter() - t0
        return self


class LSCP(LocationModel):
    """Location set covering: the fewest open sites (predefined included) covering every coverable point.

    Demand points no facility can reach within ``service_radius`` are reported in ``uncoverable``
    instead of making the model infeasible.
    """

    name = "lscp"

    @classmethod
    def from_cost_matrix(cls, cost_matrix, service_radius, predefined_facilities_arr=None, weights=None, name=None):
        """Build from a dense cost matrix."""
        i, j, c, (n, m) = dense_to_pairs(cost_matrix, service_radius)
        return cls.from_pairs(i, j, c, n, m, service_radius, predefined_facilities_arr, weights, name)

    @classmethod
    def from_pairs(cls, orig, dest, cost, n_demand, n_facilities, service_radius, predefined_facilities_arr=None,
                   weights=None, name=None):
        """Build from sparse pairs (pairs beyond ``service_radius`` ignored; zero-weight points need no cover)."""
        cost = np.asarray(cost, float)
        m = cost <= service_radius
        self = cls(np.asarray(orig)[m], np.asarray(dest)[m], cost[m], n_demand, n_facilities, weights,
                   predefined_facilities_arr, name)
        self.service_radius = float(service_radius)
        return self

    def solve(self, time_limit=None, mip_rel_gap=0.0, max_facilities=None):
        """Solve with HiGHS; ``objective`` is the number of open sites (predefined included)."""
        t0 = time.perf_counter()
        pre = MCLP._precovered(self)
        need = (self.weights > 0) & ~pre
        reach = np.zeros(self.n_demand, bool)
        reach[self.orig] = True
        self.uncoverable = np.flatnonzero(need & ~reach)
        need &= reach
        keep = need[self.orig] & ~self.predefined[self.dest]
        o, d = self.orig[keep], self.dest[keep]
        cells, oc = np.unique(o, return_inverse=True)
        m = self.n_facilities
        a1 = sp.csr_matrix((np.ones(len(o)), (oc, d)), shape=(len(cells), m))
        rows = [(a1, 1, np.inf)]
        if max_facilities is not None:  # used by PCenter's feasibility test
            rows.append((sp.csr_matrix(np.ones((1, m))), -np.inf, max_facilities))
        res = self._milp(np.ones(m), np.ones(m), self.predefined.astype(float), np.ones(m), rows,
                         time_limit, mip_rel_gap)
        self._finish(res.x[:m])
        self.cli2fac, _ = self._nearest_open()
        self.objective = float(self.selected.sum())
        self.seconds = time.perf_counter() - t0
        return self


class CapacitatedMCLP(Capacitated):
    """Capacitated maximal covering: maximise children assigned to a free seat within ``service_radius``.

    ``objective`` is the number of children covered with a seat; the final assignment among the
    chosen sites minimises travel (:func:`scenarios.assign.solve_transport`).
    """

    name = "capacitated mclp"

    def solve(self, time_limit=None, mip_rel_gap=0.0):
        """Solve with HiGHS; returns self."""
        t0 = time.perf_counter()
        if self.service_radius is None:
            raise ValueError("CapacitatedMCLP needs service_radius")
        self._check_p()
        cvec, integ, lb, ub, rows, (o, d, c, dem, m, k) = self._build(lambda c: -np.ones(len(c)), 0.0)
        res = self._milp(cvec, integ, lb, ub, rows, time_limit, mip_rel_gap)
        self._finish(res.x[:m])
        a = self._assign()
        self.covered_weight = a.assigned
        self.objective = float(a.assigned)
        self.unserved = a.unserved
        self.seconds = time.perf_counter() - t0
        return self
