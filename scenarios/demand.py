"""Children who need a seat: per population cell, level and year.

Demand cohorts (from the family registry, :data:`layers.families.SERVICES`): kindergarten ``age_3_5``, primary
``age_6_11``, junior ``age_12_14``.

Base year: the population layer is read as the count for :data:`BASE_YEAR` = 2021, the first
year of the 14th Five-Year Plan (the demo generates it for that year; a user's layer is taken as
such). When the area has a births table (the demo does) children are projected by cohort ageing;
otherwise — the older growth-rate mode, still available as ``mode="growth"`` — a cell's cohort is
scaled by ``(1 + growth_rate) ** (Y - 2021)`` (both in :mod:`scenarios.enrolment`).

**Aggregate, then round.** Demand is carried unrounded per cell (:func:`unrounded_children`, floats);
every reported figure (district, level, year) is the rounded sum of the unrounded cells. Whole
children are made only where the assignment needs them (:func:`children`): within each district the
cells are integerised by the largest-remainder method, so a district's whole children equal its
rounded unrounded sum exactly and the invariant ``assigned + unserved == demand`` holds without
tolerance. (Rounding each 100 m cell on its own — about 2.5 children a cell — shifted district
totals by hundreds and reversed year-to-year trends.)
"""

from __future__ import annotations

import numpy as np

from layers.families import LEVEL, LEVELS, SERVICES
from layers.params import validate_params
from scenarios.enrolment import growth_factors, level_demand
from scenarios.horizon import BASE_YEAR, YEAR_RANGE, check_year

__all__ = ["BASE_YEAR", "YEAR_RANGE", "LEVELS", "check_year", "cohort_of", "growth_factors", "unrounded_children",
           "children", "largest_remainder_by_group"]


@validate_params({"level": LEVEL})
def cohort_of(level: str) -> str:
    """The population column demanding ``level`` (``age_6_11`` for primary ...)."""
    return SERVICES[level].demand


def unrounded_children(area, level: str, year: int = BASE_YEAR, mode: str | None = None) -> np.ndarray:
    """Children per population cell demanding ``level`` in ``year``, unrounded (float64, >= 0).

    ``mode``: ``cohort`` (births and ageing; needs the area's births table), ``growth`` (the
    district growth rate) or None (cohort when the area has births, else growth); see
    :func:`scenarios.enrolment.level_demand`."""
    return level_demand(area, level, year, mode)


def largest_remainder_by_group(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Whole numbers close to ``values`` whose sum within each group is the rounded group sum.

    Hamilton's method per group: every value is floored, then the group's missing units go to its
    largest fractional parts (ties by position, so the result is deterministic). No value moves by
    a whole unit or more, and ``out[groups == g].sum() == round(values[groups == g].sum())``.
    Vectorised (one sort) rather than a loop over groups: areas have thousands of cells.
    """
    v = np.maximum(np.asarray(values, float), 0.0)
    g = np.asarray(groups)
    out = np.floor(v).astype(np.int64)
    if len(v) == 0:
        return out
    codes, inv = np.unique(g, return_inverse=True)
    target = np.rint(np.bincount(inv, weights=v, minlength=len(codes))).astype(np.int64)
    missing = target - np.bincount(inv, weights=out, minlength=len(codes)).astype(np.int64)
    frac = v - out
    order = np.lexsort((np.arange(len(v)), -frac, inv))  # by group, then largest remainder first
    rank = np.empty(len(v), np.int64)
    starts = np.searchsorted(inv[order], np.arange(len(codes)))
    rank[order] = np.arange(len(v)) - starts[inv[order]]
    out += (rank < missing[inv]).astype(np.int64)
    return out


def children(area, level: str, year: int = BASE_YEAR, mode: str | None = None) -> np.ndarray:
    """Whole children per population cell demanding ``level`` in ``year`` (int64, one per cell).

    The unrounded demand (:func:`unrounded_children`) integerised within each district by the
    largest-remainder method, so every district's total is its rounded unrounded sum."""
    raw = unrounded_children(area, level, year, mode)
    return largest_remainder_by_group(raw, area.population["district_id"].astype(str).to_numpy())
