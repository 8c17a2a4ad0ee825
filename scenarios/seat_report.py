"""The education bureau's seat report as data: what ``hedong report`` writes and ``--json`` prints.

One scenario, one rule (``assign``: catchment by default), one chosen year, and the plan's years
2021-2030 (:data:`layers.plan.EVALUATION_YEARS`) for the balance table and the warnings:

* ``balance`` — 学位供需平衡表: per level, subdistrict and year: seats, enrolment, balance,
  shortfall (学位缺口), utilisation (enrolment ÷ seats) and the warning (:mod:`scenarios.seat_warnings`);
* ``schools`` — 学校明细 in the chosen year: per school seats, classes, pupils under the rule, pupils
  per class (its own), the class-size flag, utilisation, warning and the first red year;
* ``warnings`` — 学位预警 by year for every subdistrict and school;
* ``projects`` — 建设项目: every project of the scenario with its 拟建 (``build_year``) and opening
  year, seats per level (capacity columns read from the family registry) and its status in the
  chosen year (``open`` / ``building`` / ``not_started``);
* ``norm_check`` — per level, the norm check (规范核查) of the chosen year: children within the
  standard's network distance of an open school (:func:`accessibility.norm_check.norm_share`, the
  evaluation's ``norm_check``); the balance rows carry it per subdistrict and year (``norm_share``);
* ``sensitivity`` — :func:`scenarios.sensitivity.sensitivity` in the chosen year;
* ``sources`` — the area's layer sources as the loader gives them, ``synthetic`` whether the data
  are generated.

Every figure comes from :meth:`scenarios.evaluate.Evaluator.evaluate` (the same numbers ``hedong
scenario evaluate`` prints); nothing is recomputed here except sums and ratios of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers.errors import InputError
from layers.families import SERVICES
from layers.plan import EVALUATION_YEARS, OPENING_LAG
from scenarios.demand import LEVELS, check_year
from scenarios.evaluate import ASSIGN_MODES, Evaluator
from scenarios.model import resolve_scenario
from scenarios.seat_warnings import district_rows, school_rows, thresholds, warnings_by_year
from scenarios.sensitivity import sensitivity

#: A project's status in the report's year.
PROJECT_STATUS = ("open", "building", "not_started")

__all__ = ["PROJECT_STATUS", "seat_report", "project_rows", "capacity_columns"]


def capacity_columns(levels=LEVELS) -> list[tuple[str, str]]:
    """(level, capacity column) of each level, from the family registry (never a typed map)."""
    return [(lv, SERVICES[lv].capacity) for lv in levels]


def _int_or_none(v):
    return None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else int(v)


def project_rows(scenario, year: int, levels=LEVELS) -> list[dict]:
    """The scenario's projects with build (拟建) and opening year, seats per level and the status in ``year``."""
    p = scenario.projects
    rows = []
    for r in p.itertuples(index=False):
        by, oy = _int_or_none(getattr(r, "build_year", None)), int(r.open_year)
        status = "open" if oy <= year else "building" if by is not None and by <= year else "not_started"
        ne = getattr(r, "name_en", None)
        rows.append({"project_id": str(r.project_id), "name": str(r.name),
                     "name_en": None if ne is None or ne != ne or str(ne).strip() == "" else str(ne),
                     "type": str(r.type), "build_year": by, "open_year": oy,
                     **{col: int(getattr(r, col) or 0) for _, col in capacity_columns(levels)}, "status": status})
    return rows


def seat_report(area, scenario="plan", year: int = 2026, assign: str = "catchment", years=EVALUATION_YEARS,
                minutes: float | None = None, levels=LEVELS, evaluator: Evaluator | None = None) -> dict:
    """The report's data (JSON-ready; see the module notes for the keys).

    Raises
    ------
    layers.errors.InputError
        An unknown rule; ``year`` / ``years`` outside the evaluation range (ParameterError naming ``year``).
    """
    if assign not in ASSIGN_MODES:
        raise InputError(f"unknown assignment {assign!r}; use {' or '.join(ASSIGN_MODES)}", field="assign")
    year = check_year(year)
    years = [check_year(y) for y in years]
    ev = evaluator or Evaluator.for_area(area)
    scn = resolve_scenario(area, scenario)
    evs = {y: ev.evaluate(scn, y, minutes, levels, assign=assign).to_json() for y in sorted({*years, year})}
    warn = warnings_by_year([evs[y] for y in years], assign)
    order = {lv: i for i, lv in enumerate(levels)}
    dorder = {k: i for i, k in enumerate(area.districts["district_id"].astype(str))}
    balance = sorted((r for y in years for r in district_rows(evs[y])),
                     key=lambda r: (order[r["level"]], dorder.get(r["district_id"], len(dorder)), r["year"]))
    first_red = {(w["level"], w["facility_id"]): w["first_red"] for w in warn["schools"]}
    d_first = {(w["level"], w["district_id"]): w["first_red"] for w in warn["districts"]}
    for r in balance:
        r["first_red"] = d_first.get((r["level"], r["district_id"]))
    schools = school_rows(evs[year], assign)
    for r in schools:
        r["first_red"] = first_red.get((r["level"], r["facility_id"]))
    e = evs[year]
    return {
        "area": area.name, "synthetic": bool(area.synthetic), "scenario": scn.name, "year": int(year),
        "assign": assign, "years": years, "demand_mode": e["demand_mode"], "levels": list(levels),
        "thresholds": thresholds(), "opening_lag": OPENING_LAG,
        "capacity_columns": {lv: col for lv, col in capacity_columns(levels)},
        "balance": balance, "schools": schools, "warnings": warn,
        "norm_check": {lv: L.get("norm_check") for lv, L in e["levels"].items()},
        "projects": project_rows(scn, year, levels),
        "sensitivity": sensitivity(area, scn, year, assign, levels, minutes, evaluator=ev),
        "sources": {str(k): str(v) for k, v in (area.sources or {}).items()},
        "years_note": e["years_note"],
    }
