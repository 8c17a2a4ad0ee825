"""p-center: the shortest worst trip, solved as a sequence of set-covering problems."""

from __future__ import annotations

import time

import numpy as np

from layers.errors import InfeasibleModelError
from scenarios.locate.base import LocationModel, dense_to_pairs
from scenarios.locate.coverage import LSCP


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
        i, j, c, (n, m) = dense_to_pairs(cost_matrix)
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
        self._check_p()
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
