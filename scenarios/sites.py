"""Checks that a site (a moved project, a candidate, a scenario's project) lies in the study area.

A typo in a coordinate (``--lon 11.02`` for ``111.02``) must not move a school 8,700 km away and
still count its seats in the nearest district; a candidate at Null Island must not be "chosen".
A site is refused — :class:`layers.errors.InputError` naming the file, row or flag — when it lies
outside the study area's boundary, or farther than the snapping limit :data:`layers.norms.MAX_SNAP_M`
from any street (a school needs a street front; the evaluation could not reach it).

One check, :func:`check_sites`, for every path that places a site: a scenario file's projects
(:func:`scenarios.model.load_scenario`), ``hedong scenario move``
and the app's edit map (:func:`check_site`), candidate files for the optimiser (CLI and app upload)
and a bureau's 项目库 (``hedong area init``). A street the scenario itself adds (a footbridge, a road
built with the school; :mod:`scenarios.streets`) counts as a street front.
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


def added_street_lines(streets) -> list:
    """The lines of the streets a scenario adds: the rows of kind ``add`` of its ``streets`` table
    (:mod:`scenarios.streets`), in that table's CRS."""
    st = streets
    if st is None or not len(st) or "kind" not in st.columns:
        return []
    return [g for k, g in zip(st["kind"].astype(str), st.geometry) if k == "add" and g is not None and not g.is_empty]


def check_sites(area, points, *, file=None, field: str = "geometry", snap: bool = True, what: str = "site",
                labels=None, rows=None, streets=()) -> None:
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
    rows : sequence of int, optional
        The row number of each point in ``file`` (a spreadsheet's own rows); default 1, 2, ...
    streets : sequence of LineString, optional
        Streets a scenario adds (in ``area.crs``): a site within the limit of one has a street front.
    """
    g = gpd.GeoSeries(points).reset_index(drop=True)
    if not len(g):
        return

    def row_of(i: int):
        if file is None:
            return None
        return int(rows[i]) if rows is not None else i + 1

    outline = shapely.union_all(area.boundary.geometry.to_crs(area.crs).values)
    d = shapely.distance(np.asarray(g.values), outline)
    bad = np.flatnonzero(~(d <= BOUNDARY_TOLERANCE_M))
    if len(bad):
        i = int(bad[0])
        who = f"{what} {labels[i]!r}" if labels is not None else what
        far = f"{d[i] / 1000:,.1f} km" if d[i] < 1e6 else "far"  # projected distances mean little far away
        raise InputError(f"{who} lies {far} outside the study area '{area.name}' "
                         f"(a coordinate typo? check longitude and latitude)", file=file,
                         row=row_of(i), field=field)
    if snap:
        s = ComputeContext.for_area(area).network().snap(gpd.GeoSeries(g.values, crs=area.crs))
        far = ~s.ok
        added = [x for x in streets if x is not None and not x.is_empty]
        if far.any() and added:  # a street the scenario adds is a street front too
            far &= ~(shapely.distance(np.asarray(g.values), shapely.union_all(added)) <= MAX_SNAP_M)
        far = np.flatnonzero(far)
        if len(far):
            i = int(far[0])
            who = f"{what} {labels[i]!r}" if labels is not None else what
            dist = f"{s.dist_m[i]:,.0f} m" if np.isfinite(s.dist_m[i]) else "far"
            raise InputError(f"{who} is {dist} from the nearest street (limit {MAX_SNAP_M:g} m): "
                             f"a school needs a street front", file=file, row=row_of(i), field=field)


def _in_area_crs(lines: list, crs, area_crs) -> list:
    """``lines`` (in ``crs``) in the study area's CRS."""
    if not lines or crs is None:
        return lines
    return list(gpd.GeoSeries(lines, crs=crs).to_crs(area_crs))


def check_site(area, lon: float, lat: float, field: str, crs="EPSG:4326", scenario=None) -> None:
    """One site given as ``lon``/``lat`` (a CLI flag or an app input): range, boundary, street
    (the streets ``scenario`` adds counting as street fronts)."""
    check_lonlat(float(lon), float(lat), field)
    pt = gpd.GeoSeries([shapely.Point(float(lon), float(lat))], crs=crs).to_crs(area.crs)
    lines = [] if scenario is None else _in_area_crs(added_street_lines(scenario.streets),
                                                     getattr(scenario.streets, "crs", None), area.crs)
    check_sites(area, pt, field=field, what="the new site", streets=lines)
