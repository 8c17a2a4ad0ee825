"""A service's capacity by district: one facility selection, one district rule, for every output.

The seat balance (:mod:`scenarios.evaluate`), the plan's indicators (:mod:`accessibility.indicators`)
and the optimiser's output read a service's capacity per subdistrict from here, so a school 500 m
outside every district is outside in all of them:

* **Which facilities** supply the service: :func:`accessibility.services.service_facilities`
  (its families, and sub-types when it names some); their capacity is the service's capacity
  column (:func:`service_capacity`; a layer without the column supplies 0).
* **Which district** holds a facility: :func:`gis.districts.district_of` with ``outside="none"`` —
  the polygon covering it, else the nearest within :data:`gis.districts.TOLERANCE_M` (100 m),
  else *outside districts* (:data:`OUTSIDE`): counted in the area's total, in no district.

The two utilisations carry two names wherever they are computed (here, and only from here or the
evaluation): :func:`seat_utilisation` per school (pupils assigned / its seats) and
:func:`demand_ratio` per district (children demanding the level / the district's seats).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from accessibility.services import get_service, service_facilities
from gis.districts import district_of

__all__ = ["OUTSIDE", "service_capacity", "facility_districts", "capacity_by_district", "seat_utilisation",
           "demand_ratio"]

#: The key of the capacity outside every district (the seat balance's "(outside districts)" row has
#: this ``district_id``).
OUTSIDE = ""


def service_capacity(facilities, service) -> pd.Series:
    """Capacity of each facility supplying ``service`` (its capacity column; 0 where missing), indexed
    like ``facilities`` (only the supplying rows).

    Parameters
    ----------
    facilities : GeoDataFrame or StudyArea
        A facility layer (an area's, or a scenario's facilities of a year).
    service : str or layers.families.Service
    """
    svc = get_service(service)
    f = service_facilities(facilities, svc)
    if not svc.capacity or svc.capacity not in f.columns:
        return pd.Series(0.0, index=f.index)
    return pd.to_numeric(f[svc.capacity], errors="coerce").fillna(0.0).astype(float)


def facility_districts(facilities, districts) -> pd.Series:
    """``district_id`` of each facility by the one rule (:func:`gis.districts.district_of`,
    ``outside="none"``): :data:`OUTSIDE` for a facility farther than the tolerance from every district."""
    fac = facilities.facilities if hasattr(facilities, "facilities") else facilities
    if len(fac) == 0:
        return pd.Series([], dtype=object, index=fac.index)
    ids = district_of(fac, districts, outside="none")
    return pd.Series([OUTSIDE if d is None else str(d) for d in ids], index=fac.index, dtype=object)


def capacity_by_district(facilities, districts, service) -> pd.Series:
    """The capacity of ``service``'s facilities summed by district.

    Returns
    -------
    Series
        Indexed by every ``district_id`` of ``districts`` (layer order, 0 where none) and then
        :data:`OUTSIDE` (the capacity outside every district, often 0); float.
    """
    cap = service_capacity(facilities, service)
    fac = facilities.facilities if hasattr(facilities, "facilities") else facilities
    where = facility_districts(fac.loc[cap.index], districts)
    ids = [*districts["district_id"].astype(str), OUTSIDE]
    return cap.groupby(where).sum().reindex(ids, fill_value=0.0).astype(float)


def seat_utilisation(assigned, capacity):
    """Per school: pupils assigned / seats (1.0 = full); NaN where a school has no seats."""
    a, c = np.asarray(assigned, float), np.asarray(capacity, float)
    return np.where(c > 0, a / np.where(c > 0, c, 1.0), np.nan)


def demand_ratio(demand, seats):
    """Per district (or level): children demanding the level / its seats (above 1.0: a shortage);
    NaN where there are no seats."""
    d, s = np.asarray(demand, float), np.asarray(seats, float)
    return np.where(s > 0, d / np.where(s > 0, s, 1.0), np.nan)
