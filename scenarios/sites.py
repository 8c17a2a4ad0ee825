"""Checks that a site (a moved project, a candidate, a scenario's project) lies in the study area.

A typo in a coordinate (``--lon 11.02`` for ``111.02``) must not move a school 8,700 km away and
still count its seats in the nearest district; a candidate at Null Island must not be "chosen".
A site is refused — :class:`layers.errors.InputError` naming the row or flag — when it lies outside
the study area's boundary, or (for sites that need the street network) farther than the snapping
limit :data:`layers.norms.MAX_SNAP_M` from any street.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from accessibility.context import ComputeContext
from layers.errors import InputError
from layers.norms import MAX_SNAP_M

#: Metres a site may lie outside the boundary polygon (a site drawn on the boundary line).
BOUNDARY_TOLERANCE_M = 1.0


def check_lonlat(lon: float, lat: float, field: str) -> None:
    """Longitude -180..180 and latitude -90..90 (finite), else an InputError naming ``field``."""
    if not (np.isfinite(lon) and -180 <= lon <= 180):
        raise InputError(f"longitude {lon:g} must be between -180 and 180", field=field)
    if not (np.isfinite(lat) and -90 <= lat <= 90):
        raise InputError(f"latitude {lat:g} must be between -90 and 90", field=field)


def check_sites(area, points, *, file=None, field: str = "geometry", snap: bool = True, what: str = "site",
                labels=None) -> None:
    """Refuse the first of ``points`` (in ``area.crs``) outside the boundary or too far from a street.

    Parameters
    ----------
    area : StudyArea
    points : GeoSeries
        In ``area.crs``.
    file, field : str
        Named in the error (a file and its column, or a CLI flag).
    snap : bool
        Also check the distance to the street network (builds / reuses the area's network).
    what : str
        What a point is, for the message ("candidate", "project").
    labels : sequence, optional
        Identifiers named in the message (default: row numbers from 1).
    """
    g = gpd.GeoSeries(points).reset_index(drop=True)
    if not len(g):
        return
    outline = shapely.union_all(area.boundary.geometry.to_crs(area.crs).values)
    d = shapely.distance(np.asarray(g.values), outline)
    bad = np.flatnonzero(~(d <= BOUNDARY_TOLERANCE_M))
    if len(bad):
        i = int(bad[0])
        who = f"{what} {labels[i]!r}" if labels is not None else what
        far = f"{d[i] / 1000:,.1f} km" if d[i] < 1e6 else "far"  # projected distances mean little far away
        raise InputError(f"{who} lies {far} outside the study area '{area.name}' "
                         f"(a coordinate typo? check longitude and latitude)", file=file,
                         row=i + 1 if file is not None else None, field=field)
    if snap:
        s = ComputeContext.for_area(area).network().snap(gpd.GeoSeries(g.values, crs=area.crs))
        far = np.flatnonzero(~s.ok)
        if len(far):
            i = int(far[0])
            who = f"{what} {labels[i]!r}" if labels is not None else what
            raise InputError(f"{who} is {s.dist_m[i]:,.0f} m from the nearest street (limit {MAX_SNAP_M:g} m): "
                             f"a school needs a street front", file=file,
                             row=i + 1 if file is not None else None, field=field)


def check_site(area, lon: float, lat: float, field: str, crs="EPSG:4326") -> None:
    """One site given as ``lon``/``lat`` (a CLI flag or an app input): range, boundary, street."""
    check_lonlat(float(lon), float(lat), field)
    pt = gpd.GeoSeries([shapely.Point(float(lon), float(lat))], crs=crs).to_crs(area.crs)
    check_sites(area, pt, field=field, what="the new site")
