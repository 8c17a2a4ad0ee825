"""Enrolment from a pupil roster (学籍) by grade progression — how an education bureau projects.

An optional ``enrolment.csv`` in a study-area folder (:data:`layers.schema.ROSTER_COLUMNS`:
``school_id, year, grade, pupils``; grades ``K1``-``K3`` kindergarten 小/中/大班, ``1``-``6``
primary, ``7``-``9`` junior; ``school_id`` a facility's ``facility_id``) holds pupils by school,
grade and school year. From its last year ``L`` the roster is carried forward year by year:

* **Progression** (every grade but the entry grades): pupils of grade ``g`` at school ``s`` in
  ``Y + 1`` = pupils of grade ``g - 1`` at ``s`` in ``Y`` x ``s``'s observed progression ratio of
  ``g``, the mean over the roster's pairs of consecutive years of ``pupils(s, g, y) / pupils(s, g - 1,
  y - 1)`` (1.0 where the roster has no such pair: pupils simply move up).
* **Entry from births**: ``K1`` (age 3) and grade ``1`` (age 6) in ``Y`` = the births of the school's
  district in ``Y - 3`` / ``Y - 6`` x the school's observed entry ratio (mean over the roster's years of
  ``pupils(s, entry grade, y) / births(d, y - age)``; it absorbs survival, migration and the school's
  share of its district). An area without a births table uses the district's children of that age
  (base-year single ages x the growth-rate factor) instead of births.
* **Entry to junior**: grade ``7`` at ``s`` in ``Y + 1`` = all grade-6 pupils of ``s``'s district in ``Y``
  x ``s``'s observed ratio of the same (the whole area's grade 6 where the district has none).

Only the schools and grades the roster has are carried forward. Without a roster the census
cohorts serve as before (:mod:`scenarios.enrolment`). This module is the pure projection; the
area's births or children at the entry ages come in as ``entry_base`` from
:func:`scenarios.enrolment.entry_base` (which imports this module, not the other way round).

**How it drives seat planning** (demand mode ``roster``, the default when an area has a roster):
the children per cell of the census projection (cohort mode with births, else growth) are scaled,
per district and level, so their district total is the roster's pupils of that district's schools
that year (years before the roster's first take its first year's ratio). A district and level the
roster does not cover keep the census projection. The roster should therefore list every school of
a level in a district it covers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gis.districts import district_of
from layers.errors import InputError
from layers.schema import GRADES
from layers.validate import validate_roster

#: Grade -> the grade its pupils come from a year earlier (entry grades absent).
PREVIOUS = {"K2": "K1", "K3": "K2", **{str(g): str(g - 1) for g in (2, 3, 4, 5, 6, 8, 9)}}
#: Entry grades fed by births at the entry age.
ENTRY_AGE = {"K1": 3, "1": 6}
#: Entry grade fed by the district's pupils of the last primary grade.
JUNIOR_ENTRY = ("7", "6")
#: Column order of :func:`project_roster`.
COLUMNS = ("school_id", "district_id", "level", "grade", "year", "pupils", "observed")

__all__ = ["PREVIOUS", "ENTRY_AGE", "JUNIOR_ENTRY", "COLUMNS", "roster_of", "school_districts", "observed_ratios",
           "project_grades"]


def roster_of(area) -> pd.DataFrame | None:
    """The area's checked roster (with ``level``), or None when it has none."""
    r = getattr(area, "roster", None)
    if r is None:
        return None
    return validate_roster(r, area.facilities, source="enrolment.csv")


def school_districts(area) -> dict[str, str | None]:
    """facility_id -> district_id of each facility (None outside every district; the seat balance's rule)."""
    fac = area.facilities
    return dict(zip(fac["facility_id"].astype(str), district_of(fac, area.districts, outside="none")))


def observed_ratios(roster: pd.DataFrame, dist: dict, entry_base) -> pd.DataFrame:
    """The roster's ratios per school and grade: ``school_id``, ``grade``, ``ratio``, ``pairs``
    (how many year pairs or years it is the mean of; 0 = no observation, ratio 1.0 for progression).

    ``roster``: checked (:func:`roster_of`); ``dist``: :func:`school_districts`; ``entry_base(age,
    years)``: per district (rows) and year (columns) the births ``age`` years earlier (or children
    of that age) — :func:`scenarios.enrolment.entry_base` for an area."""
    r = roster
    _check_grades(r)
    p = r.set_index(["school_id", "grade", "year"])["pupils"].astype(float)
    years = sorted(r["year"].unique())
    g6 = _district_grade(r, dist, "6")
    bases = {g: entry_base(age, years) for g, age in ENTRY_AGE.items()}
    rows = []
    for (s, g), grp in r.groupby(["school_id", "grade"], sort=False):
        vals = []
        for y, n in zip(grp["year"], grp["pupils"].astype(float)):
            if g in PREVIOUS:
                den = p.get((s, PREVIOUS[g], y - 1))
            elif g in ENTRY_AGE:
                den = _district_value(bases[g], dist.get(s), y)
            else:  # grade 7: the district's grade 6 a year earlier
                den = _district_value(g6, dist.get(s), y - 1)
            if den is not None and np.isfinite(den) and den > 0:
                vals.append(n / den)
        rows.append({"school_id": s, "grade": g, "ratio": float(np.mean(vals)) if vals else np.nan, "pairs": len(vals)})
    out = pd.DataFrame(rows, columns=["school_id", "grade", "ratio", "pairs"])
    unseen = out["pairs"] == 0
    out.loc[unseen & out["grade"].isin(list(PREVIOUS)), "ratio"] = 1.0
    bad = unseen & ~out["grade"].isin(list(PREVIOUS))
    if bad.any():
        s, g = out.loc[bad, ["school_id", "grade"]].iloc[0]
        raise InputError(f"school {s!r} grade {g}: the roster gives no year with a base to compare its entry with "
                         f"(births of the entry age, or grade 6 of its district a year earlier)", file="enrolment.csv",
                         field="grade")
    return out


def _check_grades(r: pd.DataFrame) -> None:
    """Each school's grades of a level run without a gap from the level's entry grade (a grade whose
    previous grade is missing would have nobody to progress from)."""
    for (s, level), g in r.groupby(["school_id", "level"], sort=False):
        have = set(g["grade"])
        for grade in have:
            prev = PREVIOUS.get(grade)
            if prev is not None and prev not in have:
                raise InputError(f"school {s!r} has grade {grade} but not grade {prev}: a roster lists every grade of "
                                 f"a level the school teaches", file="enrolment.csv", field="grade")


def _district_grade(frame: pd.DataFrame, dist: dict, grade: str) -> pd.DataFrame:
    """Pupils of ``grade`` per district (rows, ``"*"`` = whole area) and year (columns)."""
    g = frame[frame["grade"] == grade]
    d = g.assign(district_id=g["school_id"].map(dist).fillna(""))
    w = d.pivot_table(index="district_id", columns="year", values="pupils", aggfunc="sum")
    tot = d.groupby("year")["pupils"].sum()
    w.loc["*"] = tot
    return w


def _district_value(table: pd.DataFrame, district, year):
    """``table[district][year]``, else the whole area's (``"*"`` row, or the sum of all rows)."""
    if year not in table.columns:
        return None
    if district is not None and district in table.index and table.at[district, year] > 0:
        return float(table.at[district, year])
    if "*" in table.index:
        return float(table.at["*", year])
    return float(table[year].sum())


def project_grades(roster: pd.DataFrame, dist: dict, entry_base, last: int) -> pd.DataFrame:
    """Pupils per school and grade: the roster's years as given, later years up to ``last`` carried
    forward by grade progression (module notes). Arguments as :func:`observed_ratios`.

    Returns :data:`COLUMNS`: ``school_id``, ``district_id`` (None outside every district), ``level``,
    ``grade``, ``year``, ``pupils`` (float: a projection), ``observed`` (True for the roster's own rows).
    """
    r = roster
    ratio = observed_ratios(r, dist, entry_base).set_index(["school_id", "grade"])["ratio"]
    level_of = r.drop_duplicates(["school_id", "grade"]).set_index(["school_id", "grade"])["level"]
    first_proj = int(r["year"].max()) + 1
    years = list(range(first_proj, last + 1))
    bases = {g: entry_base(age, years) for g, age in ENTRY_AGE.items()}
    cur = r[r["year"] == first_proj - 1].set_index(["school_id", "grade"])["pupils"].astype(float)
    out = [r.assign(pupils=r["pupils"].astype(float), observed=True)]
    order = {g: i for i, g in enumerate(GRADES)}
    keys = sorted(ratio.index, key=lambda k: (k[0], order[k[1]]))
    for y in years:
        g6 = cur[[k for k in cur.index if k[1] == JUNIOR_ENTRY[1]]]
        g6_by_d = pd.Series(g6.to_numpy(), index=[dist.get(k[0]) for k in g6.index]).groupby(level=0).sum() \
            if len(g6) else pd.Series(dtype=float)
        nxt = {}
        for s, g in keys:
            if g in PREVIOUS:
                v = cur.get((s, PREVIOUS[g]), 0.0) * ratio[(s, g)]
            elif g in ENTRY_AGE:
                v = (_district_value(bases[g], dist.get(s), y) or 0.0) * ratio[(s, g)]
            else:
                d = dist.get(s)
                base = g6_by_d.get(d, 0.0) if d is not None and g6_by_d.get(d, 0.0) > 0 else float(g6.sum())
                v = base * ratio[(s, g)]
            nxt[(s, g)] = v
        cur = pd.Series(nxt, dtype=float)
        if len(cur):
            cur.index = pd.MultiIndex.from_tuples(cur.index, names=["school_id", "grade"])
        out.append(pd.DataFrame({"school_id": [k[0] for k in nxt], "year": y, "grade": [k[1] for k in nxt],
                                 "pupils": list(nxt.values()), "level": [level_of[k] for k in nxt], "observed": False}))
    df = pd.concat(out, ignore_index=True)
    df["district_id"] = df["school_id"].map(dist)
    return df[list(COLUMNS)].sort_values(["year", "school_id", "grade"], key=lambda c: c.map(order) if c.name == "grade"
                                         else c, kind="stable").reset_index(drop=True)
