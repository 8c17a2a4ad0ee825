"""What a plan target is judged over: its scope, the area it was set for, towns, the population base.

The plan sets targets of three kinds (:data:`layers.plan.SCOPES`): **area-wide ratios** (beds per
1,000, sports area per person ...: one verdict for the area the target was set for; a subdistrict's
value is for information, since hospitals and stadiums serve the whole city), **area-wide totals**
(50 study rooms in the city: judged only when the study area *is* that area) and **rules per unit**
(a care site in every community of 10,000 residents or more, a 普惠 childcare centre in every
township: each unit judged on its own, and the area row counts the units that fail — the same
quantity at every level). This module says which area a study area is, which of its districts are
towns (乡镇), and how a row states its scope and population base; :mod:`accessibility.indicators`
builds the rows.
"""

from __future__ import annotations

from layers.norms import TOWN_CODE_RANGE, TOWN_NAME_SUFFIXES
from layers.plan import PLAN_AREAS, POPULATION_BASES, SCOPES
from layers.words import both

__all__ = ["study_area_kind", "is_county_level", "town_ids", "scope_of", "population_base"]


def _boundary_name(area) -> str:
    b = getattr(area, "boundary", None)
    if b is not None and len(b) and "name" in b.columns:
        return str(b["name"].iloc[0])
    return str(getattr(area, "name", ""))


def study_area_kind(area) -> str | None:
    """Which of :data:`layers.plan.PLAN_AREAS` the study area is: ``city``, ``central_city`` or None (unknown).

    ``area.meta["plan_area"]`` decides when a loader set it; else the boundary's name (运城市 -> the city;
    中心城区 or 盐湖区, the central city's district -> the central city).
    """
    meta = getattr(area, "meta", None) or {}
    if meta.get("plan_area") in PLAN_AREAS:
        return str(meta["plan_area"])
    name = _boundary_name(area)
    for key in ("city", "central_city"):
        if any(n and n in name for n in PLAN_AREAS[key]["names"]):
            return key
    return None


def is_county_level(area) -> bool:
    """True when the study area is one county-level unit (县 / 县级市 / 区, not the prefecture 运城市)."""
    name = _boundary_name(area).strip()
    return bool(name) and name.endswith(("县", "区", "市")) and study_area_kind(area) != "city"


def town_ids(area) -> list[str]:
    """District ids of the study area that are towns (镇) or townships (乡): by name suffix, or by the
    9-digit statistical code's last three digits (:data:`layers.norms.TOWN_CODE_RANGE`)."""
    out = []
    lo, hi = TOWN_CODE_RANGE
    for did, name in area.district_names().items():
        code = str(did)
        by_code = len(code) == 9 and code.isdigit() and lo <= int(code[-3:]) <= hi
        if str(name).strip().endswith(TOWN_NAME_SUFFIXES) or by_code:
            out.append(str(did))
    return out


def scope_of(area, kind: str, target_area: str, *, units: str | None = None, extension: bool = False) -> dict:
    """The ``scope`` object of an indicator row.

    Parameters
    ----------
    area : StudyArea
    kind : str
        Key of :data:`layers.plan.SCOPES` (``city_ratio``, ``city_count``, ``unit_rule``, ``catchment``).
    target_area : str
        Key of :data:`layers.plan.PLAN_AREAS` the target was set for.
    units : str, optional
        What a rule's units are (``towns``, ``communities``, ``county`` ...).
    extension : bool
        The rule is applied beyond the units the plan names (a 乡镇 rule to 街道), labelled as such.

    Returns
    -------
    dict
        ``kind``, ``zh``, ``en`` (the scope's words), ``target_area``, ``target_area_zh``,
        ``target_area_en``, ``study_area`` (its kind or None), ``study_area_is_target_area`` (bool or
        None when unknown), ``units``, ``extension``, ``note`` ({zh, en} or None: says when the study
        area is not the target's area).
    """
    sk = study_area_kind(area)
    ta = PLAN_AREAS[target_area]
    if target_area == "county":
        same = is_county_level(area)
    else:
        same = None if sk is None else sk == target_area
    note = None
    if same is False or same is None:
        here = PLAN_AREAS[sk] if sk else both("scope.unknown_area")
        note = both("scope.note.unit_rule" if kind == "unit_rule" else "scope.note.ratio", target=ta, here=here)
    if extension:
        ext = both("scope.note.extension")
        note = ext if note is None else both("words.join", a=note, b=ext)
    return {"kind": kind, "zh": SCOPES[kind]["zh"], "en": SCOPES[kind]["en"], "target_area": target_area,
            "target_area_zh": ta["zh"], "target_area_en": ta["en"], "study_area": sk,
            "study_area_is_target_area": same, "units": units, "extension": bool(extension), "note": note}


def population_base(plan_base: str | None) -> dict:
    """The ``population_base`` object of a per-capita row: the tool divides by residents (常住, the
    population layer; a row over a cohort adds its ``column``, and ``projected`` when a scenario year's
    projection replaced it); ``plan`` is the base the plan's own figure uses (``registered`` for row 11,
    else ``unstated``)."""
    pb = plan_base or "unstated"
    return {"used": "resident", "used_zh": POPULATION_BASES["resident"]["zh"],
            "used_en": POPULATION_BASES["resident"]["en"], "plan": pb, "plan_zh": POPULATION_BASES[pb]["zh"],
            "plan_en": POPULATION_BASES[pb]["en"]}
