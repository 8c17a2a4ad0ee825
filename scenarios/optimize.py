"""Where to build next: facility-location models solved exactly with HiGHS, spopt-style.

One class per model, built ``from_cost_matrix`` (dense, like :mod:`spopt.locate`) or
``from_pairs`` (sparse origin-destination pairs, e.g. from :func:`accessibility.reach.od_pairs`),
``solve()`` returns the same object with the results attached:

==================  ===========================================================================
:class:`PMedian`     minimise total weighted travel cost with ``p_facilities`` open sites
:class:`MCLP`        maximise the demand weight covered within ``service_radius``
:class:`LSCP`        fewest open sites covering all coverable demand within ``service_radius``
:class:`PCenter`     minimise the worst trip (every demand point to its nearest open site)
:class:`CapacitatedPMedian`  seats bind: split demand over open sites within capacity, minimise
                     travel, unserved children cost ``unserved_cost`` each
:class:`CapacitatedMCLP`     seats bind: maximise children assigned to a seat within the radius
:class:`MaxAttendance`       maximise attendance: demand at its nearest open site, attending in part,
                     falling with distance (decay function :data:`DECAYS`, a stated parameter)
==================  ===========================================================================

Conventions shared with spopt: ``p_facilities`` counts *all* open sites, the predefined ones
(existing schools, ``predefined_facilities_arr`` — a boolean mask) included; predefined sites
are always open. Results: ``selected`` (bool per facility), ``chosen`` (indices of the *new*
open sites), ``objective``, ``cli2fac`` (per demand its facility, -1 none) and ``seconds``.

Why sparse: the coverage models only need pairs within the radius, and the median/centre
models never use a pair costlier than the demand's nearest predefined (always open) site when
capacity does not bind — dropping those pairs shrinks a 10,000 x 500 instance from 5 million
assignment variables to tens of thousands, which HiGHS solves in seconds.

:func:`best_next_site` answers the planner's first question — which single candidate reduces
the unserved children most, given the current schools — exactly, by incremental max-flow with
pruning rather than one LP per candidate.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components, maximum_flow

from accessibility.context import ComputeContext
from accessibility.params import check_count, check_minutes
from gis.crs import wgs84_to_gcj02
from layers.errors import InfeasibleModelError, ParameterError
from layers.families import LEVELS, SERVICES, new_site_capacity
from scenarios.assign import solve_transport
from scenarios.candidates import generate_candidates, load_candidates
from scenarios.demand import check_year, children, growth_factors
from scenarios.evaluate import Evaluator, level_sites
from scenarios.model import facilities_for
from scenarios.sites import check_sites

__all__ = [
    "LocationModel", "PMedian", "MCLP", "LSCP", "PCenter", "CapacitatedPMedian", "CapacitatedMCLP",
    "MODELS", "MaxAttendance", "DECAYS", "ATTENDANCE_LEVELS", "decay", "best_next_site", "default_capacity", "area_instance", "build_model", "optimize_area",
    "best_next_site_area", "InfeasibleModelError",
]


def _dense_to_pairs(cost_matrix, max_cost=None):
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
        i, j, c, (n, m) = _dense_to_pairs(cost_matrix)
        return cls.from_pairs(i, j, c, n, m, weights, p_facilities, predefined_facilities_arr, unserved_cost, name)

    @classmethod
    def from_pairs(cls, orig, dest, cost, n_demand, n_facilities, weights, p_facilities,
                   predefined_facilities_arr=None, unserved_cost=None, name=None):
        """Build from sparse pairs."""
        self = cls(orig, dest, cost, n_demand, n_facilities, weights, predefined_facilities_arr, name)
        self.p_facilities = int(p_facilities)
        self.unserved_cost = unserved_cost
        return self

    def _check_p(self):
        nfix = int(self.predefined.sum())
        if not nfix <= self.p_facilities <= self.n_facilities:
            raise ParameterError("p_facilities", f"p_facilities={self.p_facilities} must lie between the {nfix} "
                                 f"predefined sites and the {self.n_facilities} facilities", value=self.p_facilities)

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


class MCLP(LocationModel):
    """Maximal covering location: maximise demand weight within ``service_radius`` of an open site."""

    name = "mclp"

    @classmethod
    def from_cost_matrix(cls, cost_matrix, weights, service_radius, p_facilities, predefined_facilities_arr=None,
                         name=None):
        """Build from a dense cost matrix; only pairs within ``service_radius`` are kept."""
        i, j, c, (n, m) = _dense_to_pairs(cost_matrix, service_radius)
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
        PMedian._check_p(self)
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
        i, j, c, (n, m) = _dense_to_pairs(cost_matrix, service_radius)
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


class PCenter(LocationModel):
    """p-center: minimise the largest cost from a demand point to its nearest open site.

    Solved exactly by a search over the distinct pair costs: the optimum is the least cost ``r``
    at which ``p_facilities`` sites can cover every demand point within ``r`` — a set-covering
    MILP per probe. This is far stronger than the textbook min-max MILP, whose LP bound is weak.
    Points with positive weight count; weights do not scale the objective (as in spopt).
    """

    name = "p-center"

    @classmethod
    def from_cost_matrix(cls, cost_matrix, p_facilities, predefined_facilities_arr=None, weights=None, name=None):
        """Build from a dense cost matrix."""
        i, j, c, (n, m) = _dense_to_pairs(cost_matrix)
        return cls.from_pairs(i, j, c, n, m, p_facilities, predefined_facilities_arr, weights, name)

    @classmethod
    def from_pairs(cls, orig, dest, cost, n_demand, n_facilities, p_facilities, predefined_facilities_arr=None,
                   weights=None, name=None):
        """Build from sparse pairs; demand points without any pair are reported in ``unreachable``."""
        self = cls(orig, dest, cost, n_demand, n_facilities, weights, predefined_facilities_arr, name)
        self.p_facilities = int(p_facilities)
        return self

    def _feasible(self, r, time_limit):
        lscp = LSCP.from_pairs(self.orig, self.dest, self.cost, self.n_demand, self.n_facilities, r,
                               self.predefined, self.weights)
        reach = np.zeros(self.n_demand, bool)
        reach[lscp.orig] = True
        if ((self.weights > 0) & ~reach & self._reachable).any():  # some point cannot be covered within r
            return None
        try:
            lscp.solve(time_limit=time_limit)
        except RuntimeError:
            return None
        return lscp if lscp.selected.sum() <= self.p_facilities else None

    def solve(self, time_limit=None, mip_rel_gap=0.0):
        """Solve; ``objective`` is the worst trip of the optimal choice."""
        t0 = time.perf_counter()
        PMedian._check_p(self)
        need = self.weights > 0
        reach = np.zeros(self.n_demand, bool)
        reach[self.orig] = True
        self.unreachable = np.flatnonzero(need & ~reach)
        self._reachable = reach
        # the worst point's cheapest pair bounds r from below; the nearest predefined caps each point
        best_any = np.full(self.n_demand, np.inf)
        np.minimum.at(best_any, self.orig, self.cost)
        ok = need & reach
        lo_bound = best_any[ok].max() if ok.any() else 0.0
        radii = np.unique(self.cost[self.cost >= lo_bound])
        lo, hi, found = 0, len(radii) - 1, None
        while lo <= hi:  # feasibility is monotone in r
            mid = (lo + hi) // 2
            sol = self._feasible(radii[mid], time_limit)
            if sol is not None:
                found, hi = sol, mid - 1
            else:
                lo = mid + 1
        if found is None:
            raise InfeasibleModelError(f"p-center: {self.p_facilities} sites cannot reach every demand point",
                                       parameters=("p", "minutes"))
        y = found.selected.copy()
        # spend any spare sites too (spopt opens exactly p); they cannot worsen the worst trip
        spare = self.p_facilities - int(y.sum())
        if spare > 0:
            y[np.flatnonzero(~y)[:spare]] = True
        self._finish(y)
        self.cli2fac, best = self._nearest_open()
        self.objective = float(best[ok].max()) if ok.any() else 0.0
        self.seconds = time.perf_counter() - t0
        return self


class _Capacitated(LocationModel):
    """Shared build of the capacitated models (assignment amounts bounded by seats)."""

    @classmethod
    def from_cost_matrix(cls, cost_matrix, weights, capacities, p_facilities, service_radius=None,
                         predefined_facilities_arr=None, unserved_cost=None, name=None):
        """Build from a dense cost matrix; ``service_radius`` cuts pairs (required for the MCLP)."""
        i, j, c, (n, m) = _dense_to_pairs(cost_matrix, service_radius)
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


class CapacitatedPMedian(_Capacitated):
    """Capacitated p-median: seats bind; minimise travel of assigned children + ``unserved_cost`` per unserved.

    Demand may split across sites (children of one cell go to several schools). Without
    ``unserved_cost`` every child must be placed (as in spopt's capacitated PMedian).
    """

    name = "capacitated p-median"

    def solve(self, time_limit=None, mip_rel_gap=0.0):
        """Solve with HiGHS; ``objective`` is total travel plus unserved penalty."""
        t0 = time.perf_counter()
        PMedian._check_p(self)
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


class CapacitatedMCLP(_Capacitated):
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
        PMedian._check_p(self)
        cvec, integ, lb, ub, rows, (o, d, c, dem, m, k) = self._build(lambda c: -np.ones(len(c)), 0.0)
        res = self._milp(cvec, integ, lb, ub, rows, time_limit, mip_rel_gap)
        self._finish(res.x[:m])
        a = self._assign()
        self.covered_weight = a.assigned
        self.objective = float(a.assigned)
        self.unserved = a.unserved
        self.seconds = time.perf_counter() - t0
        return self


#: CLI model keys -> classes.
#: Distance-decay functions of :class:`MaxAttendance`, ``t`` the travel cost and ``h`` the decay scale
#: (``decay_scale``; on a study area ``--decay-minutes``, default the service's norm minutes).
DECAYS = {
    "exponential": "f(t) = 0.5 ** (t / h): half the demand attends at h, a quarter at 2h",
    "linear": "f(t) = max(0, 1 - t / h): attendance falls evenly to nobody at h",
}


def decay(cost, kind: str, scale: float) -> np.ndarray:
    """Share of demand that attends at travel cost ``cost`` (:data:`DECAYS`); 1 at cost 0."""
    t = np.asarray(cost, float)
    if not (scale > 0):
        raise ValueError(f"decay scale must be > 0, got {scale!r}")
    if kind == "exponential":
        return np.power(0.5, t / scale)
    if kind == "linear":
        return np.clip(1.0 - t / scale, 0.0, 1.0)
    raise ValueError(f"unknown decay {kind!r}: use one of {', '.join(DECAYS)}")


class MaxAttendance(LocationModel):
    """Maximise attendance: demand goes to its nearest open site and attends in part, falling with distance.

    ArcGIS's fourth location-allocation model ("Maximize Attendance"): the attendance of demand point
    ``i`` is ``w_i f(c_ij)`` at its nearest open site ``j``, ``f`` a decreasing decay function
    (:data:`DECAYS`, scale ``decay_scale`` in the cost's unit); ``p_facilities`` open in all, the
    predefined included. As a MILP: ``max sum a_ij x_ij`` with ``a_ij = w_i f(c_ij)``,
    ``sum_j x_ij <= 1``, ``x_ij <= y_j``, ``sum y_j = p`` — because ``f`` falls with cost, the best
    assignment of ``i`` is its nearest open site, so the optimum is ``sum_i w_i max_{j open} f(c_ij)``.
    Capacity is not a constraint (as in ArcGIS); the seat effect is reported beside.
    ``objective`` is the attendance (predefined sites' included).
    """

    name = "attendance"

    @classmethod
    def from_cost_matrix(cls, cost_matrix, weights, p_facilities, predefined_facilities_arr=None,
                         decay_kind="exponential", decay_scale=1.0, name=None):
        """Build from a dense demand x facility cost matrix (inf / NaN = no route)."""
        i, j, c, (n, m) = _dense_to_pairs(cost_matrix)
        return cls.from_pairs(i, j, c, n, m, weights, p_facilities, predefined_facilities_arr, decay_kind,
                              decay_scale, name)

    @classmethod
    def from_pairs(cls, orig, dest, cost, n_demand, n_facilities, weights, p_facilities,
                   predefined_facilities_arr=None, decay_kind="exponential", decay_scale=1.0, name=None):
        """Build from sparse pairs (a pair not given attends nobody)."""
        self = cls(orig, dest, cost, n_demand, n_facilities, weights, predefined_facilities_arr, name)
        self.p_facilities = int(p_facilities)
        self.decay_kind, self.decay_scale = decay_kind, float(decay_scale)
        self.share = decay(self.cost, decay_kind, self.decay_scale)
        return self

    def attendance(self, open_mask) -> float:
        """Attendance with the sites of ``open_mask`` open: ``sum_i w_i max_{j open} f(c_ij)``."""
        best = np.zeros(self.n_demand)
        m = np.asarray(open_mask, bool)[self.dest]
        np.maximum.at(best, self.orig[m], self.share[m])
        return float((self.weights * best).sum())

    def solve(self, time_limit=None, mip_rel_gap=0.0):
        """Solve with HiGHS; returns self (``objective`` = attendance, ``attendance_predefined`` before)."""
        t0 = time.perf_counter()
        PMedian._check_p(self)
        a = self.weights[self.orig] * self.share
        keep = a > 0
        o, d, a = self.orig[keep], self.dest[keep], a[keep]
        rows, oc = np.unique(o, return_inverse=True)
        m, k = self.n_facilities, len(o)
        nvar = m + k
        # each demand point attends at most once
        a1 = sp.csr_matrix((np.ones(k), (oc, m + np.arange(k))), shape=(len(rows), nvar))
        a2, a3 = self._link_rows(d, nvar), self._count_row(nvar)
        lb = np.zeros(nvar)
        lb[:m] = self.predefined
        res = self._milp(np.concatenate([np.zeros(m), -a]), np.concatenate([np.ones(m), np.zeros(k)]), lb,
                         np.ones(nvar), [(a1, -np.inf, 1), (a2, -np.inf, 0),
                                         (a3, self.p_facilities, self.p_facilities)], time_limit, mip_rel_gap)
        self._finish(res.x[:m])
        self.cli2fac, _ = self._nearest_open()
        # recomputed from the chosen sites (exact, no LP tolerance)
        self.objective = self.attendance(self.selected)
        self.attendance_predefined = self.attendance(self.predefined)
        self.seconds = time.perf_counter() - t0
        return self


MODELS = {"pmedian": PMedian, "mclp": MCLP, "lscp": LSCP, "pcenter": PCenter,
          "cpmedian": CapacitatedPMedian, "cmclp": CapacitatedMCLP, "attendance": MaxAttendance}
#: Services the attendance model may site (ArcGIS's model suits places people choose to attend).
ATTENDANCE_LEVELS = ("kindergarten", "childcare")

#: One line per model for the app and ``hedong scenario optimize --help``: what it chooses, and
#: the objective's unit (:data:`OBJECTIVE_UNITS`).
MODEL_HELP = {
    "cmclp": ("容量约束最大覆盖：新建 p 所，使步行时限内能分到空余学位的儿童最多（默认）。",
              "capacitated maximal covering: open p sites so the most children get a free seat within the "
              "walking limit (default)."),
    "cpmedian": ("容量约束 p 中位：学位有上限，使入学儿童的总步行时间最短（未入学按罚分计）。",
                 "capacitated p-median: seats bind; least total walking time of the children placed (a child "
                 "without a seat counts a penalty)."),
    "mclp": ("最大覆盖：新建 p 所，使住在学校步行时限内的儿童最多（不计学位）。",
             "maximal covering: open p sites so the most children live within the walking limit of a school "
             "(seats ignored)."),
    "pmedian": ("p 中位：新建 p 所，使所有儿童到最近学校的总步行时间最短（不计学位）。",
                "p-median: open p sites so the total walking time of all children to their nearest school is "
                "least (seats ignored)."),
    "pcenter": ("p 中心：新建 p 所，使最远儿童到最近学校的步行时间最短。",
                "p-center: open p sites so the longest walk of any child to the nearest school is shortest."),
    "lscp": ("集合覆盖：用最少的学校覆盖所有可达儿童（忽略 p）。",
             "set covering: the fewest schools so every reachable child lives within the limit (p ignored)."),
    "attendance": ("最大到园：新建 p 所幼儿园或托育机构，使按距离衰减的到园儿童最多（衰减函数见 --decay）。",
                   "maximise attendance: open p kindergartens or childcare centres so the most children attend, "
                   "attendance falling with distance (see --decay)."),
}

#: The unit of each model's ``objective`` as :func:`objective_in_units` reports it (zh, en).
OBJECTIVE_UNITS = {"pmedian": ("儿童·分钟", "child-minutes"), "cpmedian": ("儿童·分钟", "child-minutes"),
                   "mclp": ("名儿童", "children"), "cmclp": ("名儿童", "children"),
                   "pcenter": ("分钟", "minutes"), "lscp": ("所学校", "schools"),
                   "attendance": ("名儿童（按距离衰减的到园人数）", "children attending (distance-decayed)")}


def objective_in_units(model: str, objective: float) -> float:
    """A model's objective in :data:`OBJECTIVE_UNITS`: travel costs are seconds inside the models
    (child-seconds for the medians, seconds for p-center), reported as minutes."""
    return float(objective) / 60.0 if model in ("pmedian", "cpmedian", "pcenter") else float(objective)


# ------------------------------------------------------------------------- best next site


def _max_flow(demand, capacity, o, d) -> int:
    """Maximum children assignable (integer max flow source -> cells -> sites -> sink)."""
    n, m = len(demand), len(capacity)
    src, snk = n + m, n + m + 1
    big = int(demand.sum()) + 1
    rows = np.concatenate([np.full(n, src), o, n + np.arange(m)])
    cols = np.concatenate([np.arange(n), n + d, np.full(m, snk)])
    cap = np.concatenate([demand, np.full(len(o), big), capacity]).astype(np.int32)
    g = sp.csr_matrix((cap, (rows, cols)), shape=(n + m + 2, n + m + 2))
    g.sum_duplicates()
    return int(maximum_flow(g, src, snk).flow_value)


def best_next_site(demand, capacity, orig, dest, cand_capacity, cand_orig, cand_dest, top=10):
    """Rank candidate sites by how many unserved children each would serve if added alone.

    Parameters
    ----------
    demand : array of int (n_cells)
        Children per cell.
    capacity : array of int (n_sites)
        Seats of the schools open now.
    orig, dest : arrays of int
        Cell -> school pairs within the travel limit.
    cand_capacity : array of int (n_candidates)
        Seats a new school at each candidate would bring.
    cand_orig, cand_dest : arrays of int
        Cell -> candidate pairs within the travel limit.
    top : int
        How many of the best candidates to return.

    Returns
    -------
    list of (candidate index, gain) sorted by gain (children newly served), best first.

    Notes
    -----
    The gain of a candidate is the increase of the maximum flow when it is added — exact, since
    seats may be reshuffled along augmenting paths. Candidates are visited in order of an upper
    bound (its seats, and the unserved children in the connected components of the cell-school
    reach graph it touches — augmenting paths never leave those), and the exact max flow is
    computed only while the bound can still beat the ``top``-th best gain found.
    """
    demand = np.asarray(demand, np.int64)
    capacity = np.asarray(capacity, np.int64)
    orig, dest = np.asarray(orig, np.int64), np.asarray(dest, np.int64)
    cand_capacity = np.asarray(cand_capacity, np.int64)
    cand_orig, cand_dest = np.asarray(cand_orig, np.int64), np.asarray(cand_dest, np.int64)
    n, m, nc = len(demand), len(capacity), len(cand_capacity)
    base = _max_flow(demand, capacity, orig, dest)

    a = solve_transport(demand, capacity, orig, dest, np.zeros(len(orig)))
    unserved = a.unserved_cell
    # components of the current reach graph (cells 0..n-1, schools n..n+m-1)
    g = sp.csr_matrix((np.ones(len(orig)), (orig, n + dest)), shape=(n + m, n + m))
    _, lab = connected_components(g, directed=False)
    comp_unserved = np.bincount(lab[:n], weights=unserved, minlength=lab.max() + 1)
    ub = np.zeros(nc, np.int64)
    for c in range(nc):
        cells = cand_orig[cand_dest == c]
        ub[c] = min(cand_capacity[c], int(comp_unserved[np.unique(lab[cells])].sum())) if len(cells) else 0
    results = []
    order = np.argsort(-ub, kind="stable")
    by_cand = {c: cand_orig[cand_dest == c] for c in range(nc)}
    for c in order:
        if ub[c] <= 0:
            break
        if len(results) >= top and ub[c] <= results[-1][1]:
            break
        cells = by_cand[c]
        gain = _max_flow(demand, np.append(capacity, cand_capacity[c]),
                         np.concatenate([orig, cells]), np.concatenate([dest, np.full(len(cells), m)])) - base
        results.append((int(c), int(gain)))
        results.sort(key=lambda t: (-t[1], t[0]))
        results = results[:top]
    return results


# ------------------------------------------------------------------------- study-area helpers

def default_capacity(level: str) -> int:
    """Seats a new school of ``level`` brings when candidates carry no ``capacity``.

    The family registry's one rule (:func:`layers.families.new_site_capacity`): the plan's derived
    school sizes (2,160 primary = 48 x 45; 1,500 junior = 30 x 50 — an inference,
    layers.plan.DERIVED_NOTE) and 12 classes x 30 = 360 kindergarten places (norms).
    """
    return new_site_capacity(level)


def area_instance(area, level: str, scenario="existing", year: int = 2025, minutes=None, candidates=None,
                  limit_factor: float = 1.0):
    """Build the arrays of an optimisation on a study area.

    Existing schools of ``level`` open in ``year`` under ``scenario`` become predefined sites
    (always open), followed by the candidates (a file path, a GeoDataFrame, or None to generate
    them — :func:`scenarios.candidates.generate_candidates`). Pairs are walking-network times
    within ``minutes * limit_factor`` (:func:`accessibility.reach.od_pairs`, cached per site).

    Returns
    -------
    dict with ``orig, dest, cost, weights, capacity, predefined, candidates, n_fixed, limit_s, evaluator``.
    """
    ev = Evaluator.for_area(area)
    mins = float(minutes if minutes is not None else SERVICES[level].minutes)
    fac = facilities_for(area, scenario, year)
    sites = level_sites(fac, level)
    w = children(area, level, year) if level in LEVELS else _service_demand(area, level, year)
    if candidates is None and level not in LEVELS:  # childcare: no seat assignment; gaps = beyond the norm
        from accessibility.coverage import service_seconds

        t = service_seconds(area, level, facilities=fac)[0]
        cands = generate_candidates(area, w, np.where(t > mins * 60.0, w, 0), net=ev.net)
    elif candidates is None:
        base = ev.evaluate_level(fac, level, year, mins, demand=w)
        cands = generate_candidates(area, w, base.assignment.unserved_cell, net=ev.net)
    else:
        cands = (candidates.to_crs(area.crs) if isinstance(candidates, gpd.GeoDataFrame)
                 else load_candidates(candidates, area.crs))
        # A candidate outside the area (Null Island, a lon/lat typo, metres read as degrees) or
        # off the streets would be "chosen" with status Optimal: refuse it, naming the row.
        check_sites(area, cands.geometry, file=cands.attrs.get("source", "candidates"),
                    field="geometry", what="candidate", labels=cands["candidate_id"].astype(str).tolist())
    cap_new = (cands["capacity"].fillna(default_capacity(level)).astype(int).to_numpy() if "capacity" in cands
               else np.full(len(cands), default_capacity(level)))
    pts = gpd.GeoSeries(list(sites.geometry) + list(cands.geometry), crs=area.crs)
    limit_s = mins * 60.0
    o, d, c = ev.pairs(pts, limit_s * limit_factor)
    return {"orig": o, "dest": d, "cost": c, "weights": w,
            "capacity": np.concatenate([sites["capacity"].to_numpy(), cap_new]).astype(np.int64),
            "predefined": np.r_[np.ones(len(sites), bool), np.zeros(len(cands), bool)],
            "candidates": cands.reset_index(drop=True), "sites": sites, "n_fixed": len(sites), "limit_s": limit_s,
            "evaluator": ev, "facilities": fac, "minutes": mins}


def _service_demand(area, level: str, year: int) -> np.ndarray:
    """Whole people per cell demanding a service that is not a school level (childcare: ages 0-2), grown
    to ``year`` by the district growth factors the school levels use (:func:`scenarios.demand.growth_factors`)."""
    pop = area.population
    f = growth_factors(area, check_year(year))
    mult = pop["district_id"].astype(str).map(f).fillna(1.0).to_numpy(float)
    raw = pop[SERVICES[level].demand].astype(float).fillna(0.0).to_numpy() * mult
    return np.rint(np.maximum(raw, 0.0)).astype(np.int64)


def build_model(key: str, inst: dict, p: int = 1, decay_kind: str = "exponential", decay_minutes=None):
    """A model of :data:`MODELS` over an :func:`area_instance` with ``p`` new sites.

    ``decay_kind`` / ``decay_minutes`` set the attendance model's decay (:data:`DECAYS`; default
    scale: the instance's norm minutes).
    """
    o, d, c, w = inst["orig"], inst["dest"], inst["cost"], inst["weights"].astype(float)
    n, m = len(w), len(inst["capacity"])
    ptot = inst["n_fixed"] + int(p)
    pre, lim = inst["predefined"], inst["limit_s"]
    if key == "pmedian":  # children beyond the limit count as unserved at the limit's cost
        return PMedian.from_pairs(o, d, c, n, m, w, ptot, pre, unserved_cost=lim)
    if key == "mclp":
        return MCLP.from_pairs(o, d, c, n, m, w, lim, ptot, pre)
    if key == "lscp":
        return LSCP.from_pairs(o, d, c, n, m, lim, pre, w)
    if key == "pcenter":
        return PCenter.from_pairs(o, d, c, n, m, ptot, pre, w)
    if key == "cpmedian":
        return CapacitatedPMedian.from_pairs(o, d, c, n, m, w, inst["capacity"], ptot, lim, pre, unserved_cost=lim)
    if key == "cmclp":
        return CapacitatedMCLP.from_pairs(o, d, c, n, m, w, inst["capacity"], ptot, lim, pre)
    if key == "attendance":  # costs are seconds
        scale_s = 60.0 * float(decay_minutes if decay_minutes is not None else inst["minutes"])
        return MaxAttendance.from_pairs(o, d, c, n, m, w, ptot, pre, decay_kind, scale_s)
    raise ParameterError("model", f"unknown model {key!r}: use one of {', '.join(MODELS)}", value=key)


def _worst_trip_existing(area, level: str, scenario, year: int) -> float:
    """Seconds of the worst trip from a cell with children of ``level`` to its nearest open school
    (``inf`` if some such cell reaches none, or there is no school)."""
    ctx = ComputeContext.for_area(area)
    sites = level_sites(facilities_for(area, scenario, year), level)
    if not len(sites):
        return float("inf")
    t = ctx.seconds(sites, "walk")
    w = children(area, level, year)
    ok = (w > 0) & ctx.cell_snap("walk").ok
    return float(t[ok].max()) if ok.any() else 0.0


def _check_area_args(level, minutes, year, levels=LEVELS) -> None:
    """The arguments every study-area optimisation shares (ParameterError naming the bad one)."""
    if level not in levels:
        extra = (f" ({', '.join(sorted(set(ATTENDANCE_LEVELS) - set(levels)))} with --model attendance only)"
                 if set(ATTENDANCE_LEVELS) - set(levels) else "")
        raise ParameterError("level", f"unknown level {level!r}: use one of {', '.join(levels)}{extra}", value=level)
    check_minutes(minutes)
    check_year(year)


def optimize_area(area, level: str, model: str = "cmclp", p: int = 1, minutes=None, candidates=None,
                  scenario="existing", year: int = 2025, time_limit=60.0, decay_kind: str = "exponential",
                  decay_minutes=None) -> dict:
    """Choose new sites on a study area and report the effect on seats within reach.

    ``model="attendance"`` (kindergartens and childcare, :data:`ATTENDANCE_LEVELS`) maximises
    distance-decayed attendance (:class:`MaxAttendance`; ``decay_kind`` and ``decay_minutes``, default
    the norm minutes; pairs up to 3 x the decay minutes, beyond which an exponential decay keeps
    under 12.5 % and a linear one nobody); the result adds ``attendance_before`` / ``attendance_after``
    and the ``decay`` used.

    Returns
    -------
    dict
        ``model``, ``chosen`` (candidate ids), ``objective``, ``seconds`` (solve + build), plus
        ``level``, ``p``, ``minutes``, ``candidates``, ``demand_cells``, ``pairs``, ``existing_sites``,
        ``unserved_before`` / ``unserved_after`` (the exact capacity-respecting assignment with the
        chosen sites added at their seats) and ``covered`` for the covering models.

    Raises
    ------
    layers.errors.ParameterError
        A bad ``level``, ``model``, ``p``, ``minutes``, ``year`` or ``time_limit`` (named).
    layers.errors.InfeasibleModelError
        The model has no solution with these arguments (``parameters`` says which to change).
    """
    t0 = time.perf_counter()
    _check_area_args(level, minutes, year,
                     levels=ATTENDANCE_LEVELS if model == "attendance" else LEVELS)
    if model not in MODELS:
        raise ParameterError("model", f"unknown model {model!r}: use one of {', '.join(MODELS)}", value=model)
    p = check_count(p, "p", lo=0)
    if time_limit is not None and not (float(time_limit) > 0):  # also refuses NaN
        raise ParameterError("time_limit", f"must be a number of seconds greater than 0 (got {time_limit!r})",
                             value=time_limit)
    factor = 1.0
    if model == "pcenter":
        # The worst trip may exceed the norm. Existing schools stay open, so the worst trip with
        # them alone is a feasible p-center value for any p: pairs up to it are all an exact
        # p-center can use. Without existing schools fall back to three times the norm.
        mins = float(minutes if minutes is not None else SERVICES[level].minutes)
        ub = _worst_trip_existing(area, level, scenario, year)
        factor = (ub / (mins * 60.0)) * (1 + 1e-9) + 1e-9 if np.isfinite(ub) and ub > 0 else 3.0
    if model == "attendance":
        if decay_kind not in DECAYS:
            raise ParameterError("decay", f"unknown decay {decay_kind!r}: use one of {', '.join(DECAYS)}",
                                 value=decay_kind)
        if decay_minutes is not None:
            check_minutes(decay_minutes, "decay_minutes")
        mins = float(minutes if minutes is not None else SERVICES[level].minutes)
        factor = 3.0 * float(decay_minutes if decay_minutes is not None else mins) / mins
    inst = area_instance(area, level, scenario, year, minutes, candidates, limit_factor=factor)
    if p > len(inst["candidates"]):
        raise ParameterError("p", f"{p} new sites asked for, but there are only {len(inst['candidates'])} "
                             "candidates; ask for fewer or give more candidates", value=p)
    # Programming errors surface as they are; only an infeasible model (InfeasibleModelError)
    # and bad arguments (ParameterError) are the user's to fix.
    mdl = build_model(model, inst, p, decay_kind, decay_minutes).solve(time_limit=time_limit)
    nf = inst["n_fixed"]
    cands = inst["candidates"]
    chosen = [str(cands["candidate_id"].iloc[j - nf]) for j in mdl.chosen]
    # effect on the exact seat assignment (within the norm limit)
    from scenarios.assign import solve_transport

    lim = inst["minutes"] * 60.0
    within = inst["cost"] <= lim
    o, d, c = inst["orig"][within], inst["dest"][within], inst["cost"][within]
    w = inst["weights"]
    cap = inst["capacity"]
    before = solve_transport(w, np.where(inst["predefined"], cap, 0), o, d, c)
    after = solve_transport(w, np.where(mdl.selected, cap, 0), o, d, c)
    out = {"model": model, "chosen": chosen, "objective": float(mdl.objective),
           "seconds": round(time.perf_counter() - t0, 3), "solve_seconds": round(mdl.seconds, 3),
           "status": mdl.status, "gap": mdl.gap, "time_limit_reached": bool(mdl.time_limit_reached),
           "level": level, "p": int(p), "minutes": inst["minutes"], "scenario": getattr(scenario, "name", scenario),
           "year": int(year), "candidates": int(len(cands)), "demand_cells": int((w > 0).sum()),
           "pairs": int(len(inst["orig"])), "existing_sites": int(nf), "demand": int(w.sum()),
           "unserved_before": before.unserved, "unserved_after": after.unserved,
           "chosen_sites": [{"candidate_id": str(cands["candidate_id"].iloc[j - nf]),
                             "x": float(cands.geometry.iloc[j - nf].x), "y": float(cands.geometry.iloc[j - nf].y),
                             "seats": int(cap[j])} for j in mdl.chosen]}
    out["objective_value"] = round(objective_in_units(model, mdl.objective), 3)
    out["objective_unit"] = OBJECTIVE_UNITS[model][1]
    _site_places(area, out["chosen_sites"])
    if hasattr(mdl, "covered"):
        out["covered"] = float(w[mdl.covered].sum())
    if model == "attendance":
        out["attendance_before"] = mdl.attendance_predefined
        out["attendance_after"] = float(mdl.objective)
        out["decay"] = {"kind": mdl.decay_kind, "minutes": mdl.decay_scale / 60.0, "formula": DECAYS[mdl.decay_kind],
                        "pairs_within_minutes": inst["limit_s"] * factor / 60.0}
    if model == "pcenter":
        out["worst_minutes_before"] = ub / 60.0
        out["worst_minutes_after"] = float(mdl.objective) / 60.0
    return out


def _site_places(area, sites: list[dict]) -> None:
    """Add ``lon``/``lat`` (WGS84), ``lon_gcj02``/``lat_gcj02`` and ``district`` to site dicts with ``x``/``y``
    in the area's CRS (in place): a planner finds a site on a map or on Amap, not in projected metres."""
    if not sites:
        return

    pts = gpd.GeoSeries(gpd.points_from_xy([s["x"] for s in sites], [s["y"] for s in sites]), crs=area.crs)
    ll = pts.to_crs(4326)
    glon, glat = wgs84_to_gcj02(ll.x.to_numpy(), ll.y.to_numpy())
    d = area.districts
    names = ["" for _ in sites]
    if len(d):
        j = gpd.sjoin(gpd.GeoDataFrame(geometry=pts), d[["name", "geometry"]].to_crs(area.crs), how="left",
                      predicate="within")
        j = j[~j.index.duplicated()]
        names = ["" if v != v else str(v) for v in j["name"].reindex(range(len(sites)))]
    for i, s in enumerate(sites):
        s.update(lon=round(float(ll.x.iloc[i]), 6), lat=round(float(ll.y.iloc[i]), 6),
                 lon_gcj02=round(float(glon[i]), 6), lat_gcj02=round(float(glat[i]), 6), district=names[i])


def best_next_site_area(area, level: str, scenario="existing", year: int = 2025, minutes=None, candidates=None,
                        top: int = 10) -> dict:
    """The candidates that would serve most unserved children if added alone (see :func:`best_next_site`)."""
    t0 = time.perf_counter()
    _check_area_args(level, minutes, year)
    top = check_count(top, "top", lo=1)
    inst = area_instance(area, level, scenario, year, minutes, candidates)
    nf = inst["n_fixed"]
    o, d = inst["orig"], inst["dest"]
    ex = d < nf
    ranked = best_next_site(inst["weights"], inst["capacity"][:nf], o[ex], d[ex], inst["capacity"][nf:],
                            o[~ex], d[~ex] - nf, top=top)
    cands = inst["candidates"]
    return {"level": level, "scenario": getattr(scenario, "name", scenario), "year": int(year),
            "candidates": int(len(cands)), "seconds": round(time.perf_counter() - t0, 3),
            "best": [{"candidate_id": str(cands["candidate_id"].iloc[c]), "newly_served": g,
                      "seats": int(inst["capacity"][nf + c])} for c, g in ranked]}
