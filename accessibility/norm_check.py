"""Norm checks: residents beyond a facility level's norm radius (network distance), by district.

For every :data:`layers.norms.NORM_LEVELS` entry (kindergarten 300 m, primary 500 m, junior
1000 m, health station 300 m, ...) the network distance from each populated cell to the nearest
facility of that level is measured — off-network walk + along the streets, exactly as
:mod:`accessibility.reach` measures time (distance = walking seconds x walking speed; on a walking
network the door-to-street walk and the street walk share one speed, so this is metres) — and the
cells beyond the radius are counted with their demand cohort.

This is the norm check (规范核查): it measures **metres**, at the standard's distances
(:data:`layers.norms.NORM_DISTANCES`, each with its clause), never "minutes at some speed". The
minutes a distance takes at walking pace are reported beside it (``walk_minutes``, at
:data:`layers.norms.SPEEDS` ``walk``) for reading only; the minutes views elsewhere (coverage at a
tier, the evaluation's walking limit) say their speed and the distance they imply
(:func:`layers.norms.minutes_view`).

:func:`norm_share` is the same check as one share of a level's children (the year's projection,
the schools open that year): the one figure the Schools page, the seat maps, ``scenario evaluate``
(``norm_check``) and the seat report call the norm check. :func:`norm_radius_m` is its one radius.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from accessibility.context import ComputeContext
from accessibility.coverage import service_facilities
from layers.errors import ParameterError
from layers.families import NORM_LEVELS
from layers.norms import NORM_DISTANCES, SPEEDS, NormLevel

__all__ = ["level_facilities", "level_distance_m", "norm_gaps", "norm_gap_cells", "norm_clause", "norm_radius_m",
           "norm_share", "NORM_CHECK_LABEL"]

#: What the norm check is, as every output that carries it says (``norm_check.label``).
NORM_CHECK_LABEL = ("norm check (规范核查): children within the standard's network distance (metres, GB 50180-2018) "
                    "of an open facility of the level, whatever the enrolment rule")


def norm_clause(key: str) -> dict:
    """Where level ``key``'s radius comes from: ``{"clause", "tier", "recalled", "mark"}`` from
    :data:`layers.norms.NORM_DISTANCES` (empty strings / None for a level the table lacks)."""
    n = NORM_DISTANCES.get(key)
    if n is None:
        return {"clause": "", "tier": None, "recalled": None, "mark": ""}
    return {"clause": n.clause, "tier": n.tier, "recalled": n.recalled, "mark": n.mark}


def norm_radius_m(level: str) -> float | None:
    """The standard's network distance (m) of ``level``: the one radius every norm check uses.

    :data:`layers.norms.NORM_DISTANCES` (GB 50180-2018: kindergarten 300 m, primary 500 m, junior
    1,000 m, ...); a level registered without an entry there falls back to its own registered norm
    radius (:data:`layers.families.NORM_LEVELS`), and a level with neither has no norm check (None) —
    never its walking minutes times a speed, which is the minutes view, not the norm."""
    n = NORM_DISTANCES.get(level)
    if n is not None:
        return float(n.distance_m)
    lv = NORM_LEVELS.get(level)
    return float(lv.radius_m) if lv is not None and lv.radius_m else None


def _whole(x: float):
    """A sum of children as an int when it is whole (the seat evaluation's children are), else a float."""
    return int(round(x)) if abs(x - round(x)) < 1e-9 else float(x)


def norm_share(area, level: str, facilities=None, demand=None) -> dict | None:
    """The norm check (规范核查) of a level as a share: its children living within the standard's network
    distance (:func:`norm_radius_m`) of the nearest facility of the level, by district and in total.

    The same metres as :func:`norm_gaps` (:func:`level_distance_m`: off-street walk plus the streets),
    weighted by ``demand`` — so the Schools page, the seat maps, ``scenario evaluate --json``
    (``norm_check``) and the seat report give one number for one question, whatever the enrolment rule.

    Parameters
    ----------
    area : StudyArea
        A scenario's streets in the year, when it edits them (:func:`scenarios.streets.scenario_area`).
    level : str
        A norm level (``primary``, ``junior``, ``kindergarten`` ...).
    facilities : GeoDataFrame, optional
        The facilities open (a scenario's in its year); default ``area.facilities``.
    demand : array, optional
        Children per population cell (the year's projection); default the level's cohort column of
        the population layer, residential cells only (as :func:`norm_gaps`).

    Returns
    -------
    dict or None
        ``{"label", "level", "radius_m", "clause", "tier", "recalled", "mark", "walk_m_per_min",
        "walk_minutes", "facilities", "demand", "within", "beyond", "share", "by_district"}``, the
        district rows ``{"district", "district_id", "demand", "within", "share"}`` (cells outside every
        district as ``"(outside districts)"`` with id ``""``); ``share`` is None without children.
        None for a level without a norm distance.
    """
    radius = norm_radius_m(level)
    if radius is None or level not in NORM_LEVELS:
        return None
    lv = _level(level)
    pop = area.population
    if demand is None:
        dem = pop[lv.demand].to_numpy(float) * (pop["pop_total"].to_numpy(float) > 0)
    else:
        dem = np.asarray(demand, float)
    d = level_distance_m(area, lv, facilities)
    within = dem * (d <= radius)
    names = area.district_names()
    ids = list(names)
    # each cell's district position (len(ids): outside every district), summed with bincount: this runs
    # in every evaluation of every level, where a pandas groupby cost more than the search itself
    pos = pd.Index(ids).get_indexer(pop["district_id"].astype(str).to_numpy())
    pos = np.where(pos < 0, len(ids), pos)
    n_dem = np.bincount(pos, dem, len(ids) + 1)
    n_in = np.bincount(pos, within, len(ids) + 1)
    keep = list(range(len(ids))) + ([len(ids)] if n_dem[len(ids)] > 0 else [])
    rows = [{"district": names[ids[k]] if k < len(ids) else "(outside districts)",
             "district_id": ids[k] if k < len(ids) else "", "demand": _whole(n_dem[k]), "within": _whole(n_in[k]),
             "share": float(n_in[k] / n_dem[k]) if n_dem[k] > 0 else None} for k in keep]
    total, inside = float(dem.sum()), float(within.sum())
    ref = norm_clause(level)
    nfac = len(level_facilities(area if facilities is None else facilities, lv))
    return {"label": NORM_CHECK_LABEL, "level": level, "radius_m": radius, "clause": ref["clause"], "tier": ref["tier"],
            "recalled": ref["recalled"], "mark": ref["mark"] or lv.mark, "walk_m_per_min": SPEEDS["walk"].m_per_min,
            "walk_minutes": radius / SPEEDS["walk"].m_per_min, "facilities": nfac, "demand": _whole(total),
            "within": _whole(inside), "beyond": _whole(total - inside),
            "share": inside / total if total > 0 else None, "by_district": rows}


def _level(key: str) -> NormLevel:
    """The norm level ``key``, or :class:`layers.errors.ParameterError` naming ``level``."""
    try:
        return NORM_LEVELS[key]
    except KeyError:
        raise ParameterError("level", f"unknown norm level {key!r}: use one of {', '.join(NORM_LEVELS)}",
                             value=key) from None


def level_facilities(source, level: NormLevel):
    """Facilities of a norm level (family, and sub-type when the level names some): the same
    selection as :func:`accessibility.coverage.service_facilities`, which it calls."""
    return service_facilities(source, level)


def level_distance_m(area, level: NormLevel | str, facilities=None) -> np.ndarray:
    """Network distance (m) from every population cell to the nearest facility of ``level``.

    ``inf`` where none is reachable (or the level has no facility). The search stops a little
    beyond the radius: only "within or beyond" matters here.
    """
    lv = _level(level) if isinstance(level, str) else level
    # Distance does not depend on pace: use the plain walking network and convert back.
    ctx = ComputeContext.for_area(area)
    net = ctx.network("walk")
    fac = level_facilities(area if facilities is None else facilities, lv)
    limit = 2.0 * lv.radius_m / net.speed_m_per_s
    T = ctx.seconds(fac, "walk", limit_s=limit)
    d = T * net.speed_m_per_s
    d[d > 2.0 * lv.radius_m] = np.inf  # a cell's own offset can push it past the cut-off
    return d


def norm_gaps(area, facilities=None, levels=None) -> pd.DataFrame:
    """Populated cells (and their demand cohort) beyond each norm radius, by district.

    Parameters
    ----------
    area : StudyArea
    facilities : GeoDataFrame, optional
        Facility layer replacing ``area.facilities`` (scenarios).
    levels : iterable of str, optional
        Keys of :data:`layers.norms.NORM_LEVELS` (default all).

    Returns
    -------
    pandas.DataFrame
        One row per (level, district) plus a row per level with ``district_id`` ``"*"``
        (``district`` "all") holding the totals. Columns: ``level``, ``zh``, ``en``,
        ``radius_m``, ``mark``, ``district_id``, ``district``, ``facilities``, ``cells``,
        ``cells_beyond``, ``population``, ``population_beyond``, ``demand_column``, ``demand``,
        ``demand_beyond``, ``demand_share_beyond``; and (added) ``tier``, ``clause``, ``recalled``,
        ``walk_m_per_min`` and ``walk_minutes`` (the radius in minutes at that walking pace, for reading:
        the check itself is in metres).
    """
    pop = area.population
    ptot = pop["pop_total"].to_numpy(float)
    res = ptot > 0  # residential cells only
    did = pop["district_id"].astype(str).to_numpy()
    names = area.district_names()
    rows = []
    for key in levels or NORM_LEVELS:
        lv = _level(key)
        d = level_distance_m(area, lv, facilities)
        beyond = res & (d > lv.radius_m)
        dem = pop[lv.demand].to_numpy(float)
        nfac = len(level_facilities(area if facilities is None else facilities, lv))
        f = pd.DataFrame({"district_id": did, "cells": res.astype(int), "cells_beyond": beyond.astype(int),
                          "population": ptot, "population_beyond": ptot * beyond,
                          "demand": dem * res, "demand_beyond": dem * beyond})
        g = f.groupby("district_id").sum()
        g.loc["*"] = g.sum()
        g = g.reset_index()
        g.insert(0, "level", lv.key)
        g.insert(1, "zh", lv.zh)
        g.insert(2, "en", lv.en)
        g.insert(3, "radius_m", lv.radius_m)
        g.insert(4, "mark", lv.mark)
        g.insert(6, "district", [names.get(x, "all" if x == "*" else x) for x in g["district_id"]])
        g.insert(7, "facilities", nfac)
        g.insert(12, "demand_column", lv.demand)
        rows.append(g)
    out = pd.concat(rows, ignore_index=True)
    out["demand_share_beyond"] = out["demand_beyond"] / out["demand"].where(out["demand"] > 0)
    ref = {k: norm_clause(k) for k in out["level"].unique()}
    out["tier"] = out["level"].map(lambda k: ref[k]["tier"])
    out["clause"] = out["level"].map(lambda k: ref[k]["clause"])
    out["recalled"] = out["level"].map(lambda k: ref[k]["recalled"])
    out["walk_m_per_min"] = SPEEDS["walk"].m_per_min
    out["walk_minutes"] = out["radius_m"].astype(float) / SPEEDS["walk"].m_per_min
    return out


def norm_gap_cells(area, level: str, facilities=None):
    """The populated cells beyond ``level``'s norm radius, as a GeoDataFrame with ``distance_m``."""
    lv = _level(level)
    d = level_distance_m(area, lv, facilities)
    pop = area.population
    sel = (pop["pop_total"].to_numpy(float) > 0) & (d > lv.radius_m)
    out = pop.loc[sel].copy()
    out["distance_m"] = d[sel]
    out["level"] = lv.key
    out["radius_m"] = lv.radius_m
    return out
