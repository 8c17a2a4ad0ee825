"""学区图: each school's catchment after the seat assignment, and each facility's service area.

Two partitions of the population cells, both drawn on the maps and written as GeoPackage layers:

- **Catchment** (:func:`catchment_layer`): after a scenario's evaluation, under the assignment rule the
  user chose (``walk``: the level's walking minutes; ``catchment``: 划片 by district), each cell belongs to
  the school that seats most of its children; a tie goes to the school with the lower
  ``facility_id``. Cells with no child seated belong to no catchment. The cells of a school are
  dissolved into one (multi)polygon. :func:`cell_schools` is the rule itself, so that every path
  (app, published maps, CLI) assigns a cell the same way.
- **Service area** (:func:`service_area_layer`): for any service, the undissolved "which facility is
  nearest" partition along the street network (what QGIS users build with QNEAT3): every reachable
  cell with its nearest facility and the minutes to it (:mod:`accessibility.routes`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from accessibility.context import ComputeContext
from accessibility.place import service_tree
from accessibility.routes import cell_nearest
from layers.errors import InputError
from layers.families import SERVICES
from layers.schema import NAME_EN
from scenarios.evaluate import Evaluator

#: How a cell is given to one school (the catchment rule, written into the layer's ``rule`` column).
RULE = "the school seating most of the cell's children; ties to the lower facility_id"


def cell_schools(assignment, school_ids) -> np.ndarray:
    """Per cell the position of the school seating most of its children (:data:`RULE`), -1 where none.

    Parameters
    ----------
    assignment : scenarios.assign.Assignment
        ``orig`` (cell), ``dest`` (school position), ``flow`` per pair.
    school_ids : sequence of str
        ``facility_id`` of each school position (the tie-break).
    """
    n = len(assignment.demand)
    out = np.full(n, -1, dtype=np.int64)
    pos = assignment.flow > 0
    o, d, f = assignment.orig[pos], assignment.dest[pos], assignment.flow[pos]
    if not len(o):
        return out
    rank = pd.Index(sorted(map(str, school_ids))).get_indexer([str(x) for x in school_ids])
    # sort by cell, then flow descending, then facility_id ascending: the first pair of each cell wins
    order = np.lexsort((rank[d], -f, o))
    o, d = o[order], d[order]
    first = np.ones(len(o), bool)
    first[1:] = o[1:] != o[:-1]
    out[o[first]] = d[first]
    return out


def _assignment_of(result):
    """The assignment of the rule the evaluation was made with (划片 if it had one)."""
    a = getattr(result, "catchment_assignment", None)
    return a if a is not None else result.assignment


def catchment_layer(result) -> gpd.GeoDataFrame:
    """Each school's catchment under the evaluation's rule: one row per school with cells, dissolved.

    Parameters
    ----------
    result : scenarios.evaluate.LevelResult

    Returns
    -------
    GeoDataFrame
        ``facility_id``, ``name`` (``name_en`` when the layer has it), ``level``, ``assign`` (the rule
        ``walk`` / ``catchment``), ``children`` (seated children of its cells), ``cells``, ``seats``,
        ``rule``, geometry (the cells' squares dissolved), in the area's CRS.
    """
    ev = result._evaluator
    a = _assignment_of(result)
    sch = result.schools.reset_index(drop=True)
    main = cell_schools(a, sch["facility_id"].astype(str).tolist())
    sq = ev.cell_squares()
    has = main >= 0
    cols = ["facility_id", "name", *([NAME_EN] if NAME_EN in sch.columns else []), "level", "assign", "children",
            "cells", "seats", "rule"]
    if not has.any():
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=gpd.GeoSeries([], crs=ev.area.crs))
    g = pd.DataFrame({"site": main[has], "children": a.assigned_cell[has], "cells": 1})
    diss = g.groupby("site", sort=True)[["children", "cells"]].sum().reset_index()
    diss = gpd.GeoDataFrame(diss, geometry=_union_by_site(np.asarray(sq[has].values), main[has],
                                                          squares=ev.area.population.geom_type.eq("Point").all()),
                            crs=ev.area.crs)
    site = diss["site"].to_numpy()
    diss["facility_id"] = sch["facility_id"].astype(str).to_numpy()[site]
    diss["name"] = sch["name"].astype(str).to_numpy()[site]
    if NAME_EN in sch.columns:
        diss[NAME_EN] = sch[NAME_EN].to_numpy()[site]
    diss["seats"] = sch["capacity"].to_numpy()[site].astype(np.int64)
    diss["level"] = result.level
    diss["assign"] = "catchment" if getattr(result, "catchment_assignment", None) is not None else "walk"
    diss["rule"] = RULE
    diss["children"] = diss["children"].astype(np.int64)
    diss["cells"] = diss["cells"].astype(np.int64)
    return diss[[*cols, "geometry"]]


def _union_by_site(geoms: np.ndarray, site: np.ndarray, squares: bool) -> np.ndarray:
    """One (multi)polygon per site (ascending, as a dissolve by ``site`` orders them): the union of its cells.

    The cells of a point population are squares on one grid (:meth:`scenarios.evaluate.Evaluator.cell_squares`),
    a polygonal coverage: ``shapely.coverage_union_all`` unions them by their shared edges, a tenth of the
    time of the overlay union (0.2 -> 0.015 s for a level's 70 catchments on the demo; the same shapes,
    ``tests/test_catchments.py``). A union that comes out invalid or with another area than its cells (cells
    not edge to edge) is made again by the overlay union, as are polygon cells from a user's layer."""
    order = np.argsort(site, kind="stable")
    _, start = np.unique(site[order], return_index=True)
    groups = np.split(geoms[order], start[1:])
    if not squares:
        return np.array([shapely.union_all(g) for g in groups], dtype=object)
    out = np.array([shapely.coverage_union_all(g) for g in groups], dtype=object)
    want = np.array([shapely.area(g).sum() for g in groups])
    bad = ~shapely.is_valid(out) | ~np.isclose(shapely.area(out), want, rtol=1e-9, atol=1e-6)
    for k in np.flatnonzero(bad):
        out[k] = shapely.union_all(groups[k])
    return out


def cell_catchment_ids(result) -> np.ndarray:
    """Per population cell the ``facility_id`` of its catchment school (``""`` for none)."""
    sch = result.schools.reset_index(drop=True)
    ids = sch["facility_id"].astype(str).to_numpy()
    main = cell_schools(_assignment_of(result), ids.tolist())
    return np.where(main >= 0, ids[np.maximum(main, 0)], "")


def service_area_layer(area, service: str, mode: str | None = None, facilities=None,
                       squares: gpd.GeoSeries | None = None) -> gpd.GeoDataFrame:
    """Per population cell the nearest facility of ``service`` along the streets and the minutes to it.

    Parameters
    ----------
    area : StudyArea
    service : str
        Key of :data:`layers.families.SERVICES`.
    mode : str, optional
        Travel mode (default the service's own).
    facilities : GeoDataFrame, optional
        A facility layer replacing the area's (a scenario-year's).
    squares : GeoSeries, optional
        The cells' polygons (default :meth:`scenarios.evaluate.Evaluator.cell_squares`).

    Returns
    -------
    GeoDataFrame
        One row per cell reaching a facility: ``cell`` (row of the population layer), ``service``,
        ``facility_id``, ``name``, ``minutes``, ``pop_total``, geometry (the cell's square), in the
        area's CRS. Cells off the street network or reaching none are left out (the count is the
        difference with the population layer).
    """
    if service not in SERVICES:
        raise InputError(f"unknown service {service!r}; one of {', '.join(SERVICES)}", field="service")
    net, tree, fac = service_tree(area, service, mode, facilities)
    ctx = ComputeContext.for_area(area)
    f, sec = cell_nearest(net, ctx.cell_snap(net.mode), tree)
    if squares is None:
        squares = Evaluator.for_area(area).cell_squares()
    ok = f >= 0
    fid = fac["facility_id"].astype(str).to_numpy() if "facility_id" in fac else np.arange(len(fac)).astype(str)
    names = fac["name"].astype(str).to_numpy() if "name" in fac else fid
    pop = area.population
    return gpd.GeoDataFrame({
        "cell": np.flatnonzero(ok), "service": service, "facility_id": fid[f[ok]], "name": names[f[ok]],
        "minutes": np.round(sec[ok] / 60.0, 2), "pop_total": pop["pop_total"].to_numpy()[ok],
    }, geometry=np.asarray(squares)[ok], crs=area.crs)
