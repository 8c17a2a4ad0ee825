"""Where to build next: the public entry of the facility-location models (:mod:`scenarios.locate`).

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

The code lives in :mod:`scenarios.locate`, one module per model family as :mod:`spopt.locate`
does: :mod:`~scenarios.locate.base` (shared HiGHS plumbing), :mod:`~scenarios.locate.median`,
:mod:`~scenarios.locate.coverage`, :mod:`~scenarios.locate.center`, :mod:`~scenarios.locate.attendance`,
:mod:`~scenarios.locate.next_site`, :mod:`~scenarios.locate.registry` (models by CLI key, message keys
of their help and units) and :mod:`~scenarios.locate.adapter` (study area -> instance -> answer).
This module re-exports their public names so ``from scenarios.optimize import ...`` keeps working.

:func:`best_next_site` answers the planner's first question — which single candidate reduces
the unserved children most, given the current schools — exactly, by incremental max-flow with
pruning rather than one LP per candidate.
"""

from __future__ import annotations

from layers.errors import InfeasibleModelError
from scenarios.locate.adapter import (_check_area_args, _service_demand, _site_places, _worst_trip_existing,
                                      area_instance, best_next_site_area, build_model, default_capacity,
                                      optimize_area)
from scenarios.locate.attendance import ATTENDANCE_LEVELS, DECAYS, MaxAttendance, decay
from scenarios.locate.base import LocationModel
from scenarios.locate.center import PCenter
from scenarios.locate.coverage import LSCP, MCLP, CapacitatedMCLP
from scenarios.locate.median import CapacitatedPMedian, PMedian
from scenarios.locate.next_site import _max_flow, best_next_site
from scenarios.locate.registry import (MODEL_HELP_KEYS, MODELS, OBJECTIVE_UNITS, objective_in_units,
                                       objective_unit_key)

__all__ = [
    "LocationModel", "PMedian", "MCLP", "LSCP", "PCenter", "CapacitatedPMedian", "CapacitatedMCLP",
    "MODELS", "MODEL_HELP_KEYS", "OBJECTIVE_UNITS", "objective_in_units", "objective_unit_key",
    "MaxAttendance", "DECAYS", "ATTENDANCE_LEVELS", "decay", "best_next_site", "default_capacity", "area_instance",
    "build_model", "optimize_area", "best_next_site_area", "InfeasibleModelError",
    # private helpers the tests reach (kept importable from here)
    "_check_area_args", "_max_flow", "_service_demand", "_site_places", "_worst_trip_existing",
]
