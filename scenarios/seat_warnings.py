"""学位预警: a seat warning per school and per subdistrict, per level and year, as a bureau reads it.

A subdistrict's warning reads its seat balance, which needs no assignment: utilisation is its
enrolment (children of the level living there) ÷ the seats of the schools open in it that year.
A school's warning reads its pupils under the run's rule (``assign``): with ``catchment`` (划片,
the default) the children seated in it by the catchment assignment, with ``walk`` those seated
within the level's walking minutes — one rule per run, never a mix.

Levels (named constants, so a bureau with other thresholds changes them in one place):

* ``red`` (红色预警) at utilisation >= :data:`RED_AT` (100 %): full or short of seats; also a
  subdistrict with children and no seats at all;
* ``amber`` (黄色预警) at >= :data:`AMBER_AT` (90 %): nearly full, one intake from a shortage;
* ``green`` (绿色) below; ``""`` where there is nothing to judge (no seats and no children).

Over a run of years (:func:`warnings_by_year`, 2021-2030 by default) each subdistrict and school
also gets ``first_red``: the first year it turns red (None if never).

Everything here reads the JSON of :meth:`scenarios.evaluate.Evaluation.to_json`, so the warnings
are computed from exactly the figures the command line prints.
"""

from __future__ import annotations

import math

#: Utilisation at or above which a subdistrict or school is red (full or short of seats).
RED_AT = 1.0
#: Utilisation at or above which it is amber (nearly full).
AMBER_AT = 0.9
#: The warning levels, worst first.
WARNING_LEVELS = ("red", "amber", "green")
#: The rules a school's pupils can follow (:data:`scenarios.evaluate.ASSIGN_MODES`).
RULES = ("catchment", "walk")

__all__ = ["RED_AT", "AMBER_AT", "WARNING_LEVELS", "RULES", "warning_level", "shortfall", "school_pupils",
           "district_rows", "school_rows", "warnings_by_year", "thresholds"]


def thresholds() -> dict:
    """The thresholds as JSON (what the report's notes and the ``warnings`` key state)."""
    return {"red_at": RED_AT, "amber_at": AMBER_AT,
            "rule": f"red >= {RED_AT:.0%} utilisation (full or short), amber >= {AMBER_AT:.0%}, green below"}


def _finite(v) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def warning_level(utilisation, seats: int | None = None, pupils: int | None = None) -> str:
    """``red`` / ``amber`` / ``green`` for ``utilisation`` (pupils ÷ seats), ``""`` with nothing to judge.

    Where ``utilisation`` is unknown because there are no seats, ``pupils`` > 0 is red (children
    and not one seat), otherwise ``""``."""
    u = _finite(utilisation)
    if u is None:
        return "red" if (seats is not None and seats <= 0 and pupils) else ""
    return "red" if u >= RED_AT else "amber" if u >= AMBER_AT else "green"


def shortfall(enrolment: int, seats: int) -> int:
    """学位缺口: children beyond the seats, ``max(0, enrolment - seats)`` (0 where seats suffice)."""
    return max(0, int(enrolment) - int(seats))


def school_pupils(row: dict, assign: str) -> int:
    """A school's pupils under the rule ``assign``: the catchment load (划片) or the walking one."""
    if assign not in RULES:
        raise ValueError(f"unknown rule {assign!r}: use {' or '.join(RULES)}")
    if assign == "catchment":
        if "catchment_assigned" not in row:
            raise ValueError("the evaluation has no catchment assignment: evaluate with assign='catchment'")
        return int(row["catchment_assigned"])
    return int(row["assigned"])


def _school_flag(row: dict, assign: str) -> str:
    """The school's class-size flag under the rule (the evaluation judged it from the same pupils)."""
    if assign == "catchment" and "catchment_class_flag" in row:
        return row["catchment_class_flag"] or ""
    return row.get("class_flag") or ""


def district_rows(ev: dict) -> list[dict]:
    """Per level and subdistrict of one evaluation (``Evaluation.to_json()``): seats, enrolment,
    balance, shortfall (学位缺口), utilisation (enrolment ÷ seats), the warning, and the norm check
    (规范核查: ``norm_radius_m`` and ``norm_share``, the evaluation's :func:`accessibility.norm_check.norm_share`)."""
    rows = []
    for lv, L in ev["levels"].items():
        radius = (L.get("norm_check") or {}).get("radius_m")
        for r in L["by_district"]:
            seats, enr = int(r["seats"]), int(r["enrolment"])
            u = enr / seats if seats > 0 else None
            rows.append({"level": lv, "year": int(ev["year"]), "district_id": str(r["district_id"]),
                         "district": str(r["district"]), "seats": seats, "enrolment": enr,
                         "balance": seats - enr, "shortfall": shortfall(enr, seats), "utilisation": u,
                         "warning": warning_level(u, seats, enr), "norm_radius_m": radius,
                         "norm_share": r.get("norm_share")})
    return rows


def school_rows(ev: dict, assign: str) -> list[dict]:
    """Per level and open school of one evaluation: seats, classes, pupils under ``assign``, pupils
    per class (its own pupils ÷ its own classes, never a district's), the class-size flag
    (大班额 / 超大班额 / above the norm), utilisation and the warning."""
    rows = []
    for lv, L in ev["levels"].items():
        for r in L["schools"]:
            seats, classes = int(r["seats"]), int(r["classes"])
            pupils = school_pupils(r, assign)
            ppc = pupils / classes if classes > 0 else None
            u = pupils / seats if seats > 0 else None
            rows.append({"level": lv, "year": int(ev["year"]), "facility_id": str(r["facility_id"]),
                         "name": str(r["name"]), "name_en": r.get("name_en"), "district": r.get("district"),
                         "project_id": r.get("project_id"), "seats": seats, "classes": classes, "pupils": pupils,
                         "pupils_per_class": ppc, "class_flag": _school_flag(r, assign), "utilisation": u,
                         "warning": warning_level(u, seats, pupils)})
    return rows


def _by_key(rows: list[dict], key: str, keep: tuple) -> list[dict]:
    """Group per-year rows into one record per (level, key) with ``warning_by_year``,
    ``utilisation_by_year`` and ``first_red``; record order is first appearance."""
    out: dict = {}
    for r in rows:
        k = (r["level"], r[key])
        rec = out.setdefault(k, {**{c: r.get(c) for c in ("level", key, *keep)}, "warning_by_year": {},
                                 "utilisation_by_year": {}, "first_red": None})
        y = str(r["year"])
        rec["warning_by_year"][y] = r["warning"]
        rec["utilisation_by_year"][y] = r["utilisation"]
        if r["warning"] == "red" and (rec["first_red"] is None or r["year"] < rec["first_red"]):
            rec["first_red"] = int(r["year"])
    return list(out.values())


def warnings_by_year(evaluations: list[dict], assign: str) -> dict:
    """学位预警 over a run of years (``evaluations``: ``Evaluation.to_json()`` of each year, one scenario).

    Returns ``{"thresholds", "assign", "years", "districts": [...], "schools": [...]}``: per level and
    subdistrict / school the warning and utilisation of every year (keys are years as strings, a
    school not open in a year has no entry for it) and ``first_red``."""
    years = [int(e["year"]) for e in evaluations]
    d = [r for e in evaluations for r in district_rows(e)]
    s = [r for e in evaluations for r in school_rows(e, assign)]
    return {"thresholds": thresholds(), "assign": assign, "years": years,
            "districts": _by_key(d, "district_id", ("district",)),
            "schools": _by_key(s, "facility_id", ("name", "name_en", "district", "project_id"))}
