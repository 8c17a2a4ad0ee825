"""Children who need a seat: per population cell, level and year.

Demand cohorts (from the family registry, :data:`layers.families.SERVICES`): kindergarten ``age_3_5``, primary
``age_6_11``, junior ``age_12_14``.

Base year: the population layer is read as the count for :data:`BASE_YEAR` = 2021, the first
year of the 14th Five-Year Plan (the demo generates it for that year; a user's layer is taken as
such). When the area has a births table (the demo does) children are projected by cohort ageing
(:mod:`scenarios.enrolment`). Otherwise — the older growth-rate mode, still available as
``mode="growth"`` — for a later year ``Y`` a cell's cohort is scaled by
``(1 + growth_rate) ** (Y - 2021)``, ``growth_rate`` being its district's yearly rate from the
districts layer when present (0 otherwise). Cohorts are rounded to whole children once, here, per
cell — so every later sum (district, level) is an exact integer and the invariants
``assigned + unserved == demand`` hold without tolerance.
"""

from __future__ import annotations

import numpy as np

from layers.errors import InputError, ParameterError
from layers.families import LEVELS, SERVICES
from layers.plan import PROJECT_YEARS

#: Year the population layer describes.
BASE_YEAR = 2021
#: Years a scenario can be evaluated in: from the base year to the end of the project horizon
#: (projects may open 2021-2035). Outside it the growth rates would be extrapolated blindly.
YEAR_RANGE = PROJECT_YEARS
# LEVELS (re-exported): the school levels evaluated, in report order — the registry's assigned levels.


def cohort_of(level: str) -> str:
    """The population column demanding ``level`` (``age_6_11`` for primary ...)."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    return SERVICES[level].demand


def check_year(year) -> int:
    """``year`` as an int within :data:`YEAR_RANGE`, else :class:`layers.errors.ParameterError` naming ``year``."""
    try:
        y = int(year)
    except (TypeError, ValueError):
        raise ParameterError("year", f"must be a whole number, got {year!r}", value=year) from None
    if not YEAR_RANGE[0] <= y <= YEAR_RANGE[1]:
        raise ParameterError("year", f"{y} is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}: the population layer "
                             f"describes {BASE_YEAR} and projects open up to {YEAR_RANGE[1]}", value=year)
    return y


def growth_factors(area, year: int) -> dict[str, float]:
    """district_id -> multiplier of the base-year population for ``year`` (1.0 without growth_rate)."""
    d = area.districts
    ids = d["district_id"].astype(str)
    if "growth_rate" not in d.columns:
        return {k: 1.0 for k in ids}
    rate = d["growth_rate"].astype(float).fillna(0.0).to_numpy()
    return dict(zip(ids, (1.0 + rate) ** (int(year) - BASE_YEAR)))


def children(area, level: str, year: int = BASE_YEAR, mode: str | None = None) -> np.ndarray:
    """Whole children per population cell demanding ``level`` in ``year`` (int64, one per cell).

    ``mode``: ``cohort`` (births and ageing, :mod:`scenarios.enrolment`; needs the area's births
    table), ``growth`` (the district growth rate, this module's notes) or None (cohort when the area
    has births, else growth).
    """
    # lazy: scenarios.enrolment imports this module
    from scenarios.enrolment import MODES, default_mode, level_children

    year = check_year(year)
    mode = mode or default_mode(area)
    if mode not in MODES:
        raise InputError(f"unknown demand mode {mode!r}; use {' or '.join(MODES)}", field="demand")
    if mode == "cohort":
        if getattr(area, "births", None) is None:
                raise InputError("the cohort projection needs a births table (births.csv: district_id, year, births)",
                             field="demand")
        raw = level_children(area, level, year)
    else:
        pop = area.population
        f = growth_factors(area, year)
        mult = pop["district_id"].astype(str).map(f).fillna(1.0).to_numpy(float)
        raw = pop[cohort_of(level)].astype(float).fillna(0.0).to_numpy() * mult
    return np.rint(np.maximum(raw, 0.0)).astype(np.int64)
