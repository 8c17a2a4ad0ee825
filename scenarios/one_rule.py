"""One rule per run: a level's headline figures follow the assignment rule chosen; the walking-minutes
view is its own labelled section (``walk_check``), and the norm check in metres another
(``norm_check``, :mod:`accessibility.norm_check`).

An evaluation with ``assign="catchment"`` (划片, the default of the command line and the app) used
to lead with the walking assignment's figures (seated within the norm walking limit) while its
catchment result sat under ``catchment``: "0 full schools, median utilisation 22 %" beside a
catchment that left thousands without a seat. Here, for the catchment rule, the level's top-level
keys (``assigned``, ``unserved``, ``unserved_no_seat``, ``coverage``, ``median_minutes``), its
district rows and its schools' ``assigned`` / ``utilisation`` (so pupils per class, class flags,
map colours and warnings) become the catchment's; the walking figures move, under the same names,
to ``walk_check`` (level and district) and ``walk_assigned`` / ``walk_utilisation`` (schools).
No key is dropped (CONTRACT.md): keys are only added.

Words, the same everywhere: a child with no seat in its catchment is **without a seat**
(``unserved`` / ``unserved_no_seat`` under the catchment rule); a seated child living beyond the
walking radius of the norm is **beyond the norm radius** (``beyond_norm_radius``; never a reason to
refuse a seat under the catchment rule, so ``unserved_beyond_reach`` is 0 there).

Seat balance as a bureau reads it (both rules): ``shortfall`` (学位缺口) = max(0, enrolment − seats)
per district, summed for the level; a district's ``pupils_per_class`` is the pupils seated in its
own schools under the rule ÷ its classes — never its enrolment ÷ its classes, which turned a seat
shortfall into an impossible class of 127 pupils. Class-size flags (大班额 / 超大班额) are judged per
school (its pupils ÷ its classes); a district's flag is the worst of its schools'.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scenarios.seat_warnings import warning_level

#: The walking assignment's figures, kept under ``walk_check`` when the rule is the catchment.
WALK_KEYS = ("assigned", "unserved", "unserved_no_seat", "unserved_beyond_reach", "coverage", "median_minutes")
#: Class flags, worst first (a district shows the worst flag of its schools).
FLAG_ORDER = ("super_large", "large", "over_norm", "")

__all__ = ["WALK_KEYS", "WALK_CHECK_LABEL", "walk_check", "apply_catchment", "school_classes"]


#: What ``walk_check`` is (its ``label``). It was called "the walking norm check"; its figures are a
#: minutes view (seated within the level's walking minutes at the walking pace: primary 10 min = 600 m),
#: not the norm check, which is in metres (``norm_check``, :func:`accessibility.norm_check.norm_share`).
#: The key and its figures are unchanged (CONTRACT.md); only the wording says what they are.
WALK_CHECK_LABEL = ("walking limit (minutes view): seated within the level's walking minutes by capacity — not the "
                    "norm check (metres: norm_check) and not the enrolment rule")


def walk_check(summary: dict, by: pd.DataFrame, minutes: float) -> dict:
    """The walking-minutes view of a level as its own section: the walking assignment's figures of the
    level and of each district (``district``, ``district_id`` and :data:`WALK_KEYS`)."""
    rows = by[["district", "district_id", *[k for k in WALK_KEYS if k in by.columns]]].to_dict(orient="records")
    return {"label": WALK_CHECK_LABEL, "minutes": float(minutes), **{k: summary.get(k) for k in WALK_KEYS},
            "by_district": rows}


def apply_catchment(summary: dict, by: pd.DataFrame, schools: pd.DataFrame, catch: dict) -> None:
    """Make the level's headline figures the catchment's (in place; see the module notes).

    ``summary`` / ``by`` / ``schools`` hold the walking assignment's figures on entry (copy them
    with :func:`walk_check` first); ``catch`` is the catchment result of the level."""
    cb = {r["district_id"]: r for r in catch["by_district"]}
    ids = by["district_id"].astype(str)
    by["assigned"] = [int(cb[k]["assigned"]) if k in cb else 0 for k in ids]
    by["unserved"] = by["demand"] - by["assigned"]
    by["unserved_no_seat"] = by["unserved"]
    by["unserved_beyond_reach"] = 0
    by["coverage"] = np.where(by["demand"] > 0, by["assigned"] / by["demand"].where(by["demand"] > 0, 1), np.nan)
    by["median_minutes"] = [cb[k]["median_walk_minutes"] if k in cb else np.nan for k in ids]
    # seated beyond the norm radius of their school (None for a level without a norm distance)
    by["beyond_norm_radius"] = [(None if cb[k]["within_norm"] is None else int(cb[k]["assigned"]) - int(cb[k]["within_norm"]))
                                if k in cb else 0 for k in ids]
    n = int(catch["assigned"])
    summary.update(assigned=n, unserved=int(catch["unserved"]), unserved_no_seat=int(catch["unserved"]),
                   unserved_beyond_reach=0, median_minutes=catch["median_walk_minutes"],
                   coverage=(n / summary["demand"]) if summary["demand"] else None,
                   beyond_norm_radius=None if catch["within_norm"] is None else n - int(catch["within_norm"]))
    load = np.asarray(catch["school_load"], np.int64)
    cap = schools["capacity"].to_numpy(float)
    schools["walk_assigned"] = schools["assigned"].to_numpy()
    schools["walk_utilisation"] = schools["utilisation"].to_numpy()
    schools["assigned"] = load
    util = np.where(cap > 0, load / np.where(cap > 0, cap, 1.0), np.nan)
    schools["utilisation"] = util
    if "seat_utilisation" in schools.columns:  # the name the school rows read (utilisation is its old name)
        schools["seat_utilisation"] = util


def school_classes(summary: dict, by: pd.DataFrame, schools: pd.DataFrame, level: str, flag) -> None:
    """Shortfall and class sizes as a bureau reads them (in place, for the rule already applied).

    ``flag(pupils_per_class, level)`` is the class-size rule (:func:`scenarios.evaluate.class_flag`).
    Per school: ``pupils_per_class`` = its pupils ÷ its classes and its flag. Per district:
    ``shortfall``, ``seated`` (pupils in its own schools), ``pupils_per_class`` = seated ÷ classes,
    ``class_flag`` = the worst school flag, ``schools_large_classes``. The level: the same sums."""
    cls = schools["classes"].to_numpy(float)
    load = schools["assigned"].to_numpy(float)
    ppc = np.where(cls > 0, load / np.where(cls > 0, cls, 1.0), np.nan)
    schools["pupils_per_class"] = ppc
    schools["class_flag"] = [flag(v, level) for v in ppc]
    sd = schools["district_id"].map(lambda v: "" if v is None or v != v else str(v))
    seated = pd.Series(load, index=sd.to_numpy()).groupby(level=0).sum()
    rank = {f: i for i, f in enumerate(FLAG_ORDER)}
    worst = pd.Series([rank[f] for f in schools["class_flag"]], index=sd.to_numpy()).groupby(level=0).min()
    large = pd.Series([f in ("large", "super_large") for f in schools["class_flag"]], index=sd.to_numpy()) \
        .groupby(level=0).sum()
    ids = by["district_id"].astype(str)
    by["shortfall"] = np.maximum(by["enrolment"] - by["seats"], 0).astype(np.int64)
    by["seated"] = ids.map(seated).fillna(0).astype(np.int64).to_numpy()
    by["pupils_per_class"] = np.where(by["classes"] > 0, by["seated"] / by["classes"].where(by["classes"] > 0, 1),
                                      np.nan)
    by["class_flag"] = [FLAG_ORDER[int(worst[k])] if k in worst.index else "" for k in ids]
    by["schools_large_classes"] = ids.map(large).fillna(0).astype(np.int64).to_numpy()
    # 学位预警 (scenarios.seat_warnings): a district by its enrolment / seats, a school by its pupils / seats
    by["warning"] = [warning_level(e / s if s > 0 else None, s, e) for e, s in zip(by["enrolment"], by["seats"])]
    cap = schools["capacity"].to_numpy(float)
    schools["warning"] = [warning_level(p / c if c > 0 else None, c, p) for p, c in zip(load, cap)]
    classes = int(cls.sum())
    summary["shortfall"] = int(by["shortfall"].sum())
    summary["seated"] = int(load.sum())
    summary["pupils_per_class"] = (float(load.sum()) / classes) if classes else None
    flags = [f for f in schools["class_flag"]]
    summary["class_flag"] = min(flags, key=lambda f: rank[f]) if flags else ""
    summary["schools_large_classes"] = int(sum(f in ("large", "super_large") for f in flags))
    summary["districts_large_classes"] = int(by["class_flag"].isin(["large", "super_large"]).sum())
    summary["districts_over_norm_class"] = int((by["class_flag"] != "").sum())
    summary["warning"] = warning_level(summary["enrolment"] / summary["seats"] if summary["seats"] else None,
                                       summary["seats"], summary["enrolment"])
    summary["districts_red"] = int((by["warning"] == "red").sum())
    summary["schools_red"] = int(sum(w == "red" for w in schools["warning"]))
    summary["schools_amber"] = int(sum(w == "amber" for w in schools["warning"]))
