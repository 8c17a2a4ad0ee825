"""Which subdistrict a point lies in — the one rule every engine uses.

1. **Within.** A point belongs to the district polygon that covers it; a point on a shared
   boundary line belongs to the first such district in the layer's order.
2. **Near a boundary.** A point in no polygon but within :data:`TOLERANCE_M` of one belongs to
   the nearest: two layers digitised apart put a school on the kerb of a boundary road a few
   metres outside "its" district, and that is not a data error.
3. **Outside.** Farther from every district it is an :class:`~layers.errors.InputError` naming the
   row — unless the caller says points outside every district are expected
   (``outside="none"``: the districts need not cover the whole study area, as in the Yuncheng
   demo, whose subdistricts are the urban part of Yanhu District) and gets ``None`` for them.

Distances are metres in the districts' (projected) CRS.

Every figure by district follows this rule with ``outside="none"``: the seat balance
(:mod:`scenarios.evaluate`) and the plan's indicators (:mod:`accessibility.indicators`) read a
service's capacity by district from :func:`accessibility.capacity.capacity_by_district`, which
applies it; capacity outside every district counts in the area's total and in no district.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from layers.errors import InputError

#: Largest distance (m) of a point outside every district that still belongs to the nearest one.
TOLERANCE_M = 100.0


def district_of(points, districts: gpd.GeoDataFrame, *, tolerance_m: float = TOLERANCE_M, outside: str = "error",
                file=None) -> list:
    """``district_id`` (text) of each point by the rule of this module.

    Parameters
    ----------
    points : GeoDataFrame or GeoSeries
        Points (any CRS; reprojected to the districts').
    districts : GeoDataFrame
        Columns ``district_id`` and polygons, projected CRS.
    tolerance_m : float
        See :data:`TOLERANCE_M`.
    outside : {"error", "none"}
        What a point farther than ``tolerance_m`` from every district gets.
    file : str, optional
        Named in the error.

    Returns
    -------
    list of str (or None with ``outside="none"``), one per point, in order.

    Raises
    ------
    layers.errors.InputError
        A point outside every district (``outside="error"``), naming its 1-based row.
    """
    if outside not in ("error", "none"):
        raise ValueError("outside must be 'error' or 'none'")
    geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    if len(geoms) == 0:
        return []
    if geoms.crs is not None and districts.crs is not None:
        geoms = geoms.to_crs(districts.crs)
    g = np.asarray(geoms.values, dtype=object)
    ids = districts["district_id"].astype(str).to_numpy()
    out = np.full(len(g), None, dtype=object)
    tree = districts.sindex
    pi, di = tree.query(g, predicate="covered_by")
    # several polygons (a shared boundary line): the first district in layer order
    for p, d in sorted(zip(pi.tolist(), di.tolist()), key=lambda t: (t[0], -t[1])):
        out[p] = ids[d]
    rest = np.flatnonzero(out == None)  # noqa: E711 - element-wise on an object array
    if len(rest):
        pi, di = tree.nearest(g[rest], max_distance=tolerance_m, return_all=True)
        for p, d in sorted(zip(pi.tolist(), di.tolist()), key=lambda t: (t[0], -t[1])):
            out[rest[p]] = ids[d]
    missing = np.flatnonzero(out == None)  # noqa: E711
    if len(missing) and outside == "error":
        i = int(missing[0])
        raise InputError(f"the point lies in no district and more than {tolerance_m:g} m from every one", file=file,
                         row=i + 1, field="geometry")
    return out.tolist()
