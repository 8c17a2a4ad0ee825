"""The study-area adapter: a study area, a level and candidates in; a model instance and a planner's answer out.

Existing schools of the level open in the year become predefined (always open) sites, followed by
the candidates (a file, a frame, or generated); demand is the children per population cell; the
cost matrix is sparse walking-network pairs within the limit (:meth:`scenarios.evaluate.Evaluator.pairs`).
The answer names each chosen site by candidate id, lon/lat (WGS84 and GCJ-02) and its district
by the project's one district rule (:func:`gis.districts.district_of`).
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np

from accessibility.context import ComputeContext
from accessibility.coverage import service_seconds
from accessibility.params import check_count, check_minutes
from gis.crs import wgs84_to_gcj02
from gis.districts import district_of
from layers.errors import ParameterError
from layers.families import LEVELS, SERVICES, new_site_capacity
from scenarios.assign import solve_transport
from scenarios.candidates import generate_candidates, load_candidates
from scenarios.demand import check_year, children, growth_factors
from scenarios.evaluate import Evaluator, level_sites
from scenarios.locate.attendance import ATTENDANCE_LEVELS, DECAYS, MaxAttendance
from scenarios.locate.center import PCenter
from scenarios.locate.coverage import LSCP, MCLP, CapacitatedMCLP
from scenarios.locate.median import CapacitatedPMedian, PMedian
from scenarios.locate.next_site import best_next_site
from scenarios.locate.registry import MODELS, OBJECTIVE_UNITS, objective_in_units, objective_unit_key
from scenarios.model import facilities_for, resolve_scenario
from scenarios.streets import scenario_area
from scenarios.sites import check_sites


def default_capacity(level: str) -> int:
    """Seats a new school of ``level`` brings when candidates carry no ``capacity``.

    The family registry's one rule (:func:`layers.families.new_site_capacity`): the plan's derived
    school sizes (2,160 primary = 48 x 45; 1,500 junior = 30 x 50 — an inference,
    layers.plan.DERIVED_NOTE) and 12 classes x 30 = 360 kindergarten places (norms).
    """
    return new_site_capacity(level)


def area_instance(area, level: str, scenario="existing", year: int = 2025, minutes=None, candidates=None,
                  limit_factor: float = 1.0):
    """Build the arrays of an optimisation on a study area.

    Existing schools of ``level`` open in ``year`` under ``scenario`` become predefined sites
    (always open), followed by the candidates (a file path, a GeoDataFrame, or None to generate
    them — :func:`scenarios.candidates.generate_candidates`). Pairs are walking-network times
    within ``minutes * limit_factor`` (:func:`accessibility.reach.od_pairs`, cached per site).

    Returns
    -------
    dict with ``orig, dest, cost, weights, capacity, predefined, candidates, n_fixed, limit_s, evaluator``.
    """
    scenario = resolve_scenario(area, scenario)
    fac = facilities_for(area, scenario, year)
    area = scenario_area(area, scenario, year)  # the scenario's streets in the year (scenarios.streets)
    ev = Evaluator.for_area(area)
    mins = float(minutes if minutes is not None else SERVICES[level].minutes)
    sites = level_sites(fac, level)
    w = children(area, level, year) if level in LEVELS else _service_demand(area, level, year)
    if candidates is None and level not in LEVELS:  # childcare: no seat assignment; gaps = beyond the norm
        t = service_seconds(area, level, facilities=fac)[0]
        cands = generate_candidates(area, w, np.where(t > mins * 60.0, w, 0), net=ev.net)
    elif candidates is None:
        base = ev.evaluate_level(fac, level, year, mins, demand=w)
        cands = generate_candidates(area, w, base.assignment.unserved_cell, net=ev.net)
    else:
        cands = (candidates.to_crs(area.crs) if isinstance(candidates, gpd.GeoDataFrame)
                 else load_candidates(candidates, area.crs))
        # A candidate outside the area (Null Island, a lon/lat typo, metres read as degrees) or
        # off the streets would be "chosen" with status Optimal: refuse it, naming the row.
        check_sites(area, cands.geometry, file=cands.attrs.get("source", "candidates"),
                    field="geometry", what="candidate", labels=cands["candidate_id"].astype(str).tolist())
    cap_new = (cands["capacity"].fillna(default_capacity(level)).astype(int).to_numpy() if "capacity" in cands
               else np.full(len(cands), default_capacity(level)))
    pts = gpd.GeoSeries(list(sites.geometry) + list(cands.geometry), crs=area.crs)
    limit_s = mins * 60.0
    o, d, c = ev.pairs(pts, limit_s * limit_factor)
    return {"orig": o, "dest": d, "cost": c, "weights": w,
            "capacity": np.concatenate([sites["capacity"].to_numpy(), cap_new]).astype(np.int64),
            "predefined": np.r_[np.ones(len(sites), bool), np.zeros(len(cands), bool)],
            "candidates": cands.reset_index(drop=True), "sites": sites, "n_fixed": len(sites), "limit_s": limit_s,
            "evaluator": ev, "facilities": fac, "minutes": mins}


def _service_demand(area, level: str, year: int) -> np.ndarray:
    """Whole people per cell demanding a service that is not a school level (childcare: ages 0-2), grown
    to ``year`` by the district growth factors the school levels use (:func:`scenarios.demand.growth_factors`)."""
    pop = area.population
    f = growth_factors(area, check_year(year))
    mult = pop["district_id"].astype(str).map(f).fillna(1.0).to_numpy(float)
    raw = pop[SERVICES[level].demand].astype(float).fillna(0.0).to_numpy() * mult
    return np.rint(np.maximum(raw, 0.0)).astype(np.int64)


def build_model(key: str, inst: dict, p: int = 1, decay_kind: str = "exponential", decay_minutes=None):
    """A model of :data:`MODELS` over an :func:`area_instance` with ``p`` new sites.

    ``decay_kind`` / ``decay_minutes`` set the attendance model's decay (:data:`DECAYS`; default
    scale: the instance's norm minutes).
    """
    o, d, c, w = inst["orig"], inst["dest"], inst["cost"], inst["weights"].astype(float)
    n, m = len(w), len(inst["capacity"])
    ptot = inst["n_fixed"] + int(p)
    pre, lim = inst["predefined"], inst["limit_s"]
    if key == "pmedian":  # children beyond the limit count as unserved at the limit's cost
        return PMedian.from_pairs(o, d, c, n, m, w, ptot, pre, unserved_cost=lim)
    if key == "mclp":
        return MCLP.from_pairs(o, d, c, n, m, w, lim, ptot, pre)
    if key == "lscp":
        return LSCP.from_pairs(o, d, c, n, m, lim, pre, w)
    if key == "pcenter":
        return PCenter.from_pairs(o, d, c, n, m, ptot, pre, w)
    if key == "cpmedian":
        return CapacitatedPMedian.from_pairs(o, d, c, n, m, w, inst["capacity"], ptot, lim, pre, unserved_cost=lim)
    if key == "cmclp":
        return CapacitatedMCLP.from_pairs(o, d, c, n, m, w, inst["capacity"], ptot, lim, pre)
    if key == "attendance":  # costs are seconds
        scale_s = 60.0 * float(decay_minutes if decay_minutes is not None else inst["minutes"])
        return MaxAttendance.from_pairs(o, d, c, n, m, w, ptot, pre, decay_kind, scale_s)
    raise ParameterError("model", f"unknown model {key!r}: use one of {', '.join(MODELS)}", value=key)


def _worst_trip_existing(area, level: str, scenario, year: int) -> float:
    """Seconds of the worst trip from a cell with children of ``level`` to its nearest open school
    (``inf`` if some such cell reaches none, or there is no school)."""
    scenario = resolve_scenario(area, scenario)
    sites = level_sites(facilities_for(area, scenario, year), level)
    area = scenario_area(area, scenario, year)
    ctx = ComputeContext.for_area(area)
    if not len(sites):
        return float("inf")
    t = ctx.seconds(sites, "walk")
    w = children(area, level, year)
    ok = (w > 0) & ctx.cell_snap("walk").ok
    return float(t[ok].max()) if ok.any() else 0.0


def _check_area_args(level, minutes, year, levels=LEVELS) -> None:
    """The arguments every study-area optimisation shares (ParameterError naming the bad one)."""
    if level not in levels:
        extra = (f" ({', '.join(sorted(set(ATTENDANCE_LEVELS) - set(levels)))} with --model attendance only)"
                 if set(ATTENDANCE_LEVELS) - set(levels) else "")
        raise ParameterError("level", f"unknown level {level!r}: use one of {', '.join(levels)}{extra}", value=level)
    check_minutes(minutes)
    check_year(year)


def optimize_area(area, level: str, model: str = "cmclp", p: int = 1, minutes=None, candidates=None,
                  scenario="existing", year: int = 2025, time_limit=60.0, decay_kind: str = "exponential",
                  decay_minutes=None) -> dict:
    """Choose new sites on a study area and report the effect on seats within reach.

    ``model="attendance"`` (kindergartens and childcare, :data:`ATTENDANCE_LEVELS`) maximises
    distance-decayed attendance (:class:`MaxAttendance`; ``decay_kind`` and ``decay_minutes``, default
    the norm minutes; pairs up to 3 x the decay minutes, beyond which an exponential decay keeps
    under 12.5 % and a linear one nobody); the result adds ``attendance_before`` / ``attendance_after``
    and the ``decay`` used.

    Returns
    -------
    dict
        ``model``, ``chosen`` (candidate ids), ``objective``, ``seconds`` (solve + build), plus
        ``level``, ``p``, ``minutes``, ``candidates``, ``demand_cells``, ``pairs``, ``existing_sites``,
        ``unserved_before`` / ``unserved_after`` (the exact capacity-respecting assignment with the
        chosen sites added at their seats) and ``covered`` for the covering models.

    Raises
    ------
    layers.errors.ParameterError
        A bad ``level``, ``model``, ``p``, ``minutes``, ``year`` or ``time_limit`` (named).
    layers.errors.InfeasibleModelError
        The model has no solution with these arguments (``parameters`` says which to change).
    """
    t0 = time.perf_counter()
    _check_area_args(level, minutes, year,
                     levels=ATTENDANCE_LEVELS if model == "attendance" else LEVELS)
    if model not in MODELS:
        raise ParameterError("model", f"unknown model {model!r}: use one of {', '.join(MODELS)}", value=model)
    p = check_count(p, "p", lo=0)
    if time_limit is not None and not (float(time_limit) > 0):  # also refuses NaN
        raise ParameterError("time_limit", f"must be a number of seconds greater than 0 (got {time_limit!r})",
                             value=time_limit)
    factor = 1.0
    if model == "pcenter":
        # The worst trip may exceed the norm. Existing schools stay open, so the worst trip with
        # them alone is a feasible p-center value for any p: pairs up to it are all an exact
        # p-center can use. Without existing schools fall back to three times the norm.
        mins = float(minutes if minutes is not None else SERVICES[level].minutes)
        ub = _worst_trip_existing(area, level, scenario, year)
        factor = (ub / (mins * 60.0)) * (1 + 1e-9) + 1e-9 if np.isfinite(ub) and ub > 0 else 3.0
    if model == "attendance":
        if decay_kind not in DECAYS:
            raise ParameterError("decay", f"unknown decay {decay_kind!r}: use one of {', '.join(DECAYS)}",
                                 value=decay_kind)
        if decay_minutes is not None:
            check_minutes(decay_minutes, "decay_minutes")
        mins = float(minutes if minutes is not None else SERVICES[level].minutes)
        factor = 3.0 * float(decay_minutes if decay_minutes is not None else mins) / mins
    inst = area_instance(area, level, scenario, year, minutes, candidates, limit_factor=factor)
    if p > len(inst["candidates"]):
        raise ParameterError("p", f"{p} new sites asked for, but there are only {len(inst['candidates'])} "
                             "candidates; ask for fewer or give more candidates", value=p)
    # Programming errors surface as they are; only an infeasible model (InfeasibleModelError)
    # and bad arguments (ParameterError) are the user's to fix.
    mdl = build_model(model, inst, p, decay_kind, decay_minutes).solve(time_limit=time_limit)
    nf = inst["n_fixed"]
    cands = inst["candidates"]
    chosen = [str(cands["candidate_id"].iloc[j - nf]) for j in mdl.chosen]
    # effect on the exact seat assignment (within the norm limit)
    lim = inst["minutes"] * 60.0
    within = inst["cost"] <= lim
    o, d, c = inst["orig"][within], inst["dest"][within], inst["cost"][within]
    w = inst["weights"]
    cap = inst["capacity"]
    before = solve_transport(w, np.where(inst["predefined"], cap, 0), o, d, c)
    after = solve_transport(w, np.where(mdl.selected, cap, 0), o, d, c)
    out = {"model": model, "chosen": chosen, "objective": float(mdl.objective),
           "seconds": round(time.perf_counter() - t0, 3), "solve_seconds": round(mdl.seconds, 3),
           "status": mdl.status, "gap": mdl.gap, "time_limit_reached": bool(mdl.time_limit_reached),
           "level": level, "p": int(p), "minutes": inst["minutes"], "scenario": getattr(scenario, "name", scenario),
           "year": int(year), "candidates": int(len(cands)), "demand_cells": int((w > 0).sum()),
           "pairs": int(len(inst["orig"])), "existing_sites": int(nf), "demand": int(w.sum()),
           "unserved_before": before.unserved, "unserved_after": after.unserved,
           "chosen_sites": [{"candidate_id": str(cands["candidate_id"].iloc[j - nf]),
                             "x": float(cands.geometry.iloc[j - nf].x), "y": float(cands.geometry.iloc[j - nf].y),
                             "seats": int(cap[j])} for j in mdl.chosen]}
    out["objective_value"] = round(objective_in_units(model, mdl.objective), 3)
    out["objective_unit"] = OBJECTIVE_UNITS[model]
    out["objective_unit_key"] = objective_unit_key(model)  # the unit's words: presentation.i18n renders it
    _site_places(area, out["chosen_sites"])
    if hasattr(mdl, "covered"):
        out["covered"] = float(w[mdl.covered].sum())
    if model == "attendance":
        out["attendance_before"] = mdl.attendance_predefined
        out["attendance_after"] = float(mdl.objective)
        out["decay"] = {"kind": mdl.decay_kind, "minutes": mdl.decay_scale / 60.0, "formula": DECAYS[mdl.decay_kind],
                        "pairs_within_minutes": inst["limit_s"] * factor / 60.0}
    if model == "pcenter":
        out["worst_minutes_before"] = ub / 60.0
        out["worst_minutes_after"] = float(mdl.objective) / 60.0
    return out


def _site_places(area, sites: list[dict]) -> None:
    """Add ``lon``/``lat`` (WGS84), ``lon_gcj02``/``lat_gcj02``, ``district`` (name) and ``district_id`` to
    site dicts with ``x``/``y`` in the area's CRS (in place): a planner finds a site on a map or on Amap,
    not in projected metres.

    The district is the project's one rule (:func:`gis.districts.district_of`, ``outside="none"``): the
    district containing the site or within its tolerance, else none — ``district`` ``""`` and
    ``district_id`` ``None``, as the seat balance's "(outside districts)" row counts it."""
    if not sites:
        return

    pts = gpd.GeoSeries(gpd.points_from_xy([s["x"] for s in sites], [s["y"] for s in sites]), crs=area.crs)
    ll = pts.to_crs(4326)
    glon, glat = wgs84_to_gcj02(ll.x.to_numpy(), ll.y.to_numpy())
    d = area.districts
    ids = district_of(pts, d, outside="none") if len(d) else [None] * len(sites)
    name_of = dict(zip(d["district_id"].astype(str), d["name"].astype(str))) if len(d) else {}
    for i, s in enumerate(sites):
        s.update(lon=round(float(ll.x.iloc[i]), 6), lat=round(float(ll.y.iloc[i]), 6),
                 lon_gcj02=round(float(glon[i]), 6), lat_gcj02=round(float(glat[i]), 6),
                 district=name_of.get(ids[i], "") if ids[i] is not None else "", district_id=ids[i])


def best_next_site_area(area, level: str, scenario="existing", year: int = 2025, minutes=None, candidates=None,
                        top: int = 10) -> dict:
    """The candidates that would serve most unserved children if added alone (see :func:`best_next_site`)."""
    t0 = time.perf_counter()
    _check_area_args(level, minutes, year)
    top = check_count(top, "top", lo=1)
    inst = area_instance(area, level, scenario, year, minutes, candidates)
    nf = inst["n_fixed"]
    o, d = inst["orig"], inst["dest"]
    ex = d < nf
    ranked = best_next_site(inst["weights"], inst["capacity"][:nf], o[ex], d[ex], inst["capacity"][nf:],
                            o[~ex], d[~ex] - nf, top=top)
    cands = inst["candidates"]
    return {"level": level, "scenario": getattr(scenario, "name", scenario), "year": int(year),
            "candidates": int(len(cands)), "seconds": round(time.perf_counter() - t0, 3),
            "best": [{"candidate_id": str(cands["candidate_id"].iloc[c]), "newly_served": g,
                      "seats": int(inst["capacity"][nf + c])} for c, g in ranked]}
