"""The years a seat evaluation covers: the base year of the population layer and the horizon.

Its own module so that :mod:`scenarios.enrolment` (the projection) and :mod:`scenarios.demand`
(whole children for the assignment) share it without importing each other in a circle.
"""

from __future__ import annotations

from layers.errors import ParameterError
from layers.plan import PROJECT_YEARS

#: Year the population layer describes.
BASE_YEAR = 2021
#: Years a scenario can be evaluated in: from the base year to the end of the project horizon
#: (projects may open 2021-2035). Outside it the growth rates would be extrapolated blindly.
YEAR_RANGE = PROJECT_YEARS


def check_year(year) -> int:
    """``year`` as an int within :data:`YEAR_RANGE`, else :class:`layers.errors.ParameterError` naming ``year``."""
    try:
        y = int(year)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError("year", f"must be a whole number, got {year!r}", value=year) from None
    if not YEAR_RANGE[0] <= y <= YEAR_RANGE[1]:
        raise ParameterError("year", f"{y} is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}: the population layer "
                             f"describes {BASE_YEAR} and projects open up to {YEAR_RANGE[1]}", value=year)
    return y
