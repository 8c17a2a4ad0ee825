"""Sensitivity a leader can read: low / base / high births, and projects opening one year later.

Two questions a bureau is asked before it signs a seat plan:

* **Births.** What if births after the base year run :data:`BIRTH_BAND` (15 %) below or above the
  projection? The births table is scaled by ``1 - BIRTH_BAND`` / ``1 + BIRTH_BAND`` with the batch
  runs' own rule (:func:`scenarios.batch.draw_area`, the ``birth_factor`` of a sweep), so the band
  moves only children born after the base year — a cohort already born does not change with future
  births (primary pupils of 2026 were born by 2020: their band is zero, truthfully). An area
  without a births table (the growth-rate projection) has no births to scale: there the level's
  demand itself is scaled (``method`` says which). ±15 % covers the largest one-year swings of the
  national births series in 2017-2024 (2020: −18 %, 2024: +6 %, NBS communiqués) on either side.
* **Opening lag.** The plan's years are 拟建 years (construction starts); pupils arrive at the
  September intake :data:`layers.plan.OPENING_LAG` (1) year later by assumption. What if every
  project takes two? Variants ``lag 1`` and ``lag 2`` set each project's ``open_year`` to
  ``build_year + lag`` (a project without a ``build_year`` keeps its own opening year; none opens
  after :data:`scenarios.demand.YEAR_RANGE`'s last year).

Each variant reports per level: enrolment, seats, balance, 学位缺口 (shortfall: children beyond
the seats, summed over subdistricts), children without a seat under the run's rule (``assign``:
catchment by default) and the number of red subdistricts (:mod:`scenarios.seat_warnings`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from scenarios.batch import draw_area
from scenarios.demand import (LEVELS, YEAR_RANGE, check_year, children, largest_remainder_by_group,
                              unrounded_children)
from scenarios.enrolment import default_mode
from scenarios.evaluate import Evaluator
from scenarios.model import facilities_for, resolve_scenario, validate_projects
from scenarios.seat_warnings import shortfall, warning_level
from scenarios.streets import scenario_area

#: Relative band of births (and, without a births table, of demand) either side of the projection.
BIRTH_BAND = 0.15
#: The births variants: name -> factor on the births table.
BIRTH_FACTORS = {"low": 1.0 - BIRTH_BAND, "base": 1.0, "high": 1.0 + BIRTH_BAND}
#: The opening lags compared (years from 拟建 ``build_year`` to the first intake).
OPENING_LAGS = (1, 2)

__all__ = ["BIRTH_BAND", "BIRTH_FACTORS", "OPENING_LAGS", "lagged_scenario", "sensitivity"]


def lagged_scenario(scenario, lag: int):
    """``scenario`` with each project opening ``lag`` years after its ``build_year`` (a new object;
    projects without a build year keep their opening year; capped at the last year a project may open)."""
    p = scenario.projects.copy()
    if len(p) and "build_year" in p.columns:
        by = pd.to_numeric(p["build_year"], errors="coerce")
        has = by.notna().to_numpy()
        new = np.minimum(by.to_numpy(float) + int(lag), YEAR_RANGE[1])
        p.loc[has, "open_year"] = new[has].astype(np.int64)
        p["open_year"] = p["open_year"].astype(np.int64)
    # dataclasses.replace builds a new object (the scenario is never edited in place)
    return dataclasses.replace(scenario, name=f"{scenario.name} (opening lag {lag})",
                               projects=validate_projects(p, source=f"scenario '{scenario.name}'"))


def _level_figures(res, assign: str) -> dict:
    """The variant's figures of one level from a :class:`scenarios.evaluate.LevelResult`."""
    by = res.by_district
    short = sum(shortfall(e, s) for e, s in zip(by["enrolment"], by["seats"]))
    red = sum(warning_level(e / s if s > 0 else None, s, e) == "red" for e, s in zip(by["enrolment"], by["seats"]))
    unserved = int(res.catchment["unserved"]) if assign == "catchment" else int(res.summary["unserved"])
    return {"enrolment": int(res.summary["enrolment"]), "seats": int(res.summary["seats"]),
            "balance": int(res.summary["balance"]), "shortfall": int(short), "without_seat": unserved,
            "districts_red": int(red)}


def sensitivity(area, scenario, year: int, assign: str = "catchment", levels=LEVELS, minutes: float | None = None,
                evaluator: Evaluator | None = None, zones=None) -> dict:
    """Births low / base / high and opening lag 1 / 2 for ``scenario`` in ``year`` (see the module notes).

    Returns
    -------
    dict
        ``year``, ``assign``, ``birth_band``, ``births_method`` (``births`` or ``demand``),
        ``opening_lags``, ``notes`` and ``rows``: one per (factor, variant, level) with ``factor``
        (``births`` / ``opening_lag``), ``variant`` (``low`` / ``base`` / ``high`` / ``lag1`` / ``lag2``),
        ``value`` (the births factor or the lag in years), ``level`` and the figures enrolment,
        seats, balance, shortfall, without_seat, districts_red.

    ``zones``: the catchment zones of the run (:func:`scenarios.evaluate.load_zones`), if any.
    """
    year = check_year(year)
    scn = resolve_scenario(area, scenario)
    ev = evaluator or Evaluator.for_area(area)
    if scenario_area(ev.area, scn, year) is not ev.area:  # the scenario's streets in the year (scenarios.streets)
        ev = Evaluator.for_area(scenario_area(ev.area, scn, year), ev.mode)
    mode = default_mode(area)
    has_births = getattr(area, "births", None) is not None
    fac = facilities_for(area, scn, year)
    rows = []
    base = {}
    for name, f in BIRTH_FACTORS.items():
        drawn = draw_area(area, f, 1.0) if has_births else area
        for lv in levels:
            if has_births or f == 1.0:
                dem = children(drawn, lv, year, mode=mode)
            else:  # no births to scale: the level's demand itself, rounded as demand is (per district)
                dem = largest_remainder_by_group(unrounded_children(area, lv, year, mode=mode) * f,
                                                 area.population["district_id"].astype(str).to_numpy())
            res = ev.evaluate_level(fac, lv, year, minutes, demand=dem, assign=assign, demand_mode=mode,
                                    zones=zones)
            fig = _level_figures(res, assign)
            if name == "base":
                base[lv] = fig
            rows.append({"factor": "births", "variant": name, "value": f, "level": lv, **fig})
    for lag in OPENING_LAGS:
        lagged = lagged_scenario(scn, lag)
        same = lagged.projects["open_year"].tolist() == scn.projects["open_year"].tolist()
        lfac = fac if same else facilities_for(area, lagged, year)
        n_open = int((lagged.projects["open_year"] <= year).sum())
        for lv in levels:
            fig = base[lv] if same else _level_figures(
                ev.evaluate_level(lfac, lv, year, minutes, assign=assign, demand_mode=mode, zones=zones), assign)
            rows.append({"factor": "opening_lag", "variant": f"lag{lag}", "value": lag, "level": lv,
                         "projects_open": n_open, **fig})
    notes = [f"births {1 - BIRTH_BAND:.2f} / 1.00 / {1 + BIRTH_BAND:.2f} x the projection's births after the base "
             "year" if has_births else
             f"no births table: the level's demand x {1 - BIRTH_BAND:.2f} / 1.00 / {1 + BIRTH_BAND:.2f}",
             "opening lag: each project opens build_year + lag (the plan's schedule is build_year + 1)",
             f"without_seat: children with no seat under the '{assign}' rule; shortfall (学位缺口): children beyond "
             "the seats of their subdistrict, summed"]
    return {"year": int(year), "assign": assign, "birth_band": BIRTH_BAND,
            "births_method": "births" if has_births else "demand", "opening_lags": list(OPENING_LAGS),
            "notes": notes, "rows": rows}
