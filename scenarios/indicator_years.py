"""The people of a scenario year for the plan's indicator table: projected children per cell.

:func:`accessibility.indicators.indicator_table` divides by the population layer (the base year)
unless given ``cohorts``; a scenario year's children come from the seat-planning projection
(:func:`scenarios.demand.children`: cohort ageing from births where the area has a births table,
else the district growth rate), so ``hedong indicators --scenario S --year Y``, ``hedong batch`` and
the app divide by the same children the seat balance counts. Adults (residents, people aged 60+)
stay at the base year; the table says so.
"""

from __future__ import annotations

import numpy as np

from scenarios.demand import children

__all__ = ["PROJECTED_COHORTS", "projected_cohorts"]

#: The child cohorts a scenario year projects: population column -> the school level whose ages they are.
PROJECTED_COHORTS = {"age_3_5": "kindergarten", "age_6_11": "primary", "age_12_14": "junior"}


def projected_cohorts(area, year: int) -> dict[str, np.ndarray]:
    """Children per population cell of each :data:`PROJECTED_COHORTS` column in ``year`` (the
    ``cohorts`` argument of :func:`accessibility.indicators.indicator_table`)."""
    return {col: children(area, level, year) for col, level in PROJECTED_COHORTS.items()}
