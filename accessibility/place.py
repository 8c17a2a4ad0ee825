""""My place": from any point, the minutes on foot to the nearest facility of every service.

For the public's question "is there a clinic / a fitness ground / a primary school within 15 minutes
of my home?". The answer uses the same network, speeds and snapping as the coverage engine: the
per-service node times (one multi-source Dijkstra per service, :func:`accessibility.reach.nearest_seconds`)
are computed once and a point is answered by snapping it to its street (:func:`cell_seconds`), so
a click costs milliseconds. :func:`place_isochrone` draws the area walkable from the point.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

from accessibility.circles import service_area
from accessibility.context import ComputeContext
from accessibility.coverage import effective_mode, get_service, service_facilities
from accessibility.reach import cell_seconds, nearest_seconds
from accessibility.routes import nearest_tree, route_from
from layers.families import SERVICES

#: Thresholds the answer is grouped by (minutes).
BANDS = (5, 10, 15)


def service_node_seconds(area, service: str, mode: str | None = None):
    """(network, seconds from every node to the nearest facility of ``service``, facility snap), computed
    once per study area (its :class:`~accessibility.context.ComputeContext`), service and mode."""
    svc = get_service(service)
    m = effective_mode(svc, mode)
    ctx = ComputeContext.for_area(area)

    def make():
        net = ctx.network(m)
        fsnap = ctx.facility_snap(service_facilities(area, svc), m)
        return net, nearest_seconds(net, fsnap), fsnap

    # kept in the area's context (bounded, dies with the area), never keyed on an object's id()
    return ctx.memo(("place.node_seconds", service, m), make)


def point_in_area_crs(area, lon: float, lat: float, crs="EPSG:4326"):
    """A lon/lat (or ``crs``) point as a shapely Point in the area's CRS."""
    return gpd.GeoSeries([Point(float(lon), float(lat))], crs=crs).to_crs(area.crs).iloc[0]


def place_minutes(area, point, services=None, mode: str | None = None) -> dict:
    """Minutes from ``point`` (shapely Point in the area's CRS) to the nearest facility of each service.

    Returns
    -------
    dict service -> minutes (``inf`` when none is reachable or the point is off the street network).
    """
    out = {}
    pts = gpd.GeoSeries([point], crs=area.crs)
    for s in (services or list(SERVICES)):
        net, T, fsnap = service_node_seconds(area, s, mode)
        sec = cell_seconds(net, net.snap(pts), T, fsnap)
        out[s] = float(sec[0]) / 60.0
    return out


def within_bands(minutes: dict, bands=BANDS) -> dict:
    """For each band (minutes), the services reachable within it."""
    return {b: [s for s, v in minutes.items() if np.isfinite(v) and v <= b] for b in bands}


def place_isochrone(area, point, minutes: float = 15.0, mode: str = "walk"):
    """The area reachable from ``point`` within ``minutes`` (streets reached, buffered), a shapely geometry."""
    net = ComputeContext.for_area(area).network(mode)
    return service_area(net, net.snap(gpd.GeoSeries([point], crs=area.crs)), minutes)


def service_tree(area, service: str, mode: str | None = None, facilities=None):
    """(network, :class:`accessibility.routes.NearestTree`, facilities) of ``service``: the shortest-path
    tree to its nearest facility, kept in the area's compute context (for the area's own facilities)."""
    svc = get_service(service)
    m = effective_mode(svc, mode)
    ctx = ComputeContext.for_area(area)

    def make():
        net = ctx.network(m)
        fac = service_facilities(area if facilities is None else facilities, svc).reset_index(drop=True)
        return net, nearest_tree(net, ctx.facility_snap(fac, m)), fac

    if facilities is not None:  # a scenario's layer: not cached under the service's name
        return make()
    return ctx.memo(("place.tree", service, m), make)


def place_routes(area, point, services=None, mode: str | None = None) -> dict:
    """The walking route from ``point`` (shapely Point in the area's CRS) to the nearest facility of
    each service: service -> :class:`accessibility.routes.Route` with ``name`` and ``facility_id`` of
    the facility added (``line`` None where no facility is reachable or the point is off the streets)."""
    out = {}
    pts = gpd.GeoSeries([point], crs=area.crs)
    for s in (services or list(SERVICES)):
        net, tree, fac = service_tree(area, s, mode)
        r = route_from(net, net.snap(pts), tree)
        r.name = str(fac["name"].iloc[r.facility]) if r.facility >= 0 and "name" in fac else ""
        r.facility_id = str(fac["facility_id"].iloc[r.facility]) if r.facility >= 0 and "facility_id" in fac else ""
        out[s] = r
    return out
