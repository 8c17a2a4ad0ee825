"""Maximise attendance (ArcGIS's fourth location-allocation model): demand attends its nearest open
site in part, the share falling with distance (:data:`DECAYS`)."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from layers.families import ATTENDANCE_MODEL, RegistryView, levels_for_model
from scenarios.locate.base import LocationModel, dense_to_pairs

#: Services the attendance model may site (ArcGIS's model suits places people choose to attend).
ATTENDANCE_LEVELS = RegistryView(lambda: levels_for_model(ATTENDANCE_MODEL),
                                 "the services the attendance model applies to (Service.models in the registry)")


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
        i, j, c, (n, m) = dense_to_pairs(cost_matrix)
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
        self._check_p()
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
