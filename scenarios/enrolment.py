"""Enrolment projection by cohort ageing: children of each single age 0-14 per cell and year.

The education bureau's question for 2025-2030 is where kindergartens empty while junior schools
still fill; a single growth rate per district cannot answer it, births and ageing can.

Method (base year ``B`` = :data:`scenarios.demand.BASE_YEAR`, year ``Y >= B``, age ``a``):

* **Single years.** The population layer's cohorts (0-2, 3-5, 6-11, 12-14) are split over the
  single years they span in proportion to the district's births of those cohort years times
  survival (``births(d, B - a) * s ** a``) when the births table covers every year of the band
  (the demo's does, 2007 on); otherwise evenly — the census gives the bands, not single years.
* **Already born in ``B``** (``a >= Y - B``): the base-year children of age ``a - (Y - B)`` age
  forward, ``base[a - (Y - B)] * (s * m) ** (Y - B)``.
* **Born after ``B``** (``a < Y - B``): ``births(district, Y - a) * (s * m) ** a``, spread over the
  district's cells by their share of its 0-2 cohort (of its population where it has no 0-2
  children; evenly where it has nobody).
* ``s`` is the district's yearly child survival (districts column ``child_survival``, default
  :data:`layers.norms.CHILD_SURVIVAL`) and ``m = 1 + net_migration`` its yearly net migration of
  children (districts column ``net_migration``, bounded like ``growth_rate``; **default 0**).
  Migration is counted once: births and net migration are the two separate inputs of this mode,
  and a district's ``growth_rate`` (a total growth of the child cohorts, which already contains the
  births) is *not* applied on top of them — it serves only the growth-rate mode.
* **Births** come from the area's births table (``district_id``, ``year``, ``births``; the demo
  ships the national births series scaled to the town, demo/national_births.py; a user supplies ``births.csv``). A year after
  the table's last is held at the last year's births, a year before its first at the first's.
* **Housing** (optional ``housing`` layer): from its ``completion_year`` on, a site adds
  ``dwellings * per100_<level> / 100`` children of each level, spread evenly over the level's ages,
  to its nearest population cell (yields default to :data:`layers.norms.HOUSING_CHILDREN_PER_100`).

Without a births table demand keeps the older growth-rate mode: a cell's cohort times
``(1 + growth_rate) ** (Y - B)`` (:func:`growth_factors`).

Results are unrounded (floats); :mod:`scenarios.demand` makes whole children for the assignment, and
:func:`enrolment_table` reports the rounded district sums. Projections are kept on the area's
compute context (:meth:`accessibility.context.ComputeContext.memo`, keyed by year), so they live and
die with the area.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from accessibility.context import ComputeContext
from layers.errors import InputError
from layers.families import LEVEL, LEVELS, SERVICES
from layers.norms import CHILD_SURVIVAL, HOUSING_CHILDREN_PER_100
from layers.params import validate_params
from layers.plan import EVALUATION_YEARS
from layers.validate import GROWTH_RATE_RANGE, validate_births
from scenarios.horizon import BASE_YEAR, check_year
from scenarios.roster import project_grades, roster_of, school_districts

#: Single-year ages of each population cohort (inclusive).
AGE_BANDS = {"age_0_2": (0, 2), "age_3_5": (3, 5), "age_6_11": (6, 11), "age_12_14": (12, 14)}


class _LevelAges(Mapping):
    """Ages demanding each assigned level, read from the registry (a level's ``demand`` cohort in
    :data:`AGE_BANDS`), so a level registered later is here too."""

    def _items(self) -> dict:
        return {lv: AGE_BANDS[SERVICES[lv].demand] for lv in LEVELS if SERVICES[lv].demand in AGE_BANDS}

    def __getitem__(self, level):
        return self._items()[level]

    def __iter__(self):
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())


#: Ages demanding each school level (``{"primary": (6, 11), ...}``, from the registry).
LEVEL_AGES = _LevelAges()
MAX_AGE = 14
#: Lowest yearly child survival accepted (``child_survival``): below it a typo, not a district.
SURVIVAL_MIN = 0.9
MODES = ("cohort", "growth", "roster")

__all__ = ["AGE_BANDS", "LEVEL_AGES", "MODES", "default_mode", "single_ages", "district_factors", "births_matrix",
           "project_ages", "level_children", "level_demand", "growth_factors", "enrolment_table", "validate_births",
           "entry_base", "roster_projection"]


def default_mode(area) -> str:
    """``roster`` when the area has a pupil roster (:mod:`scenarios.roster`), else ``cohort`` when it
    has a births table, else ``growth`` (the older mode)."""
    if getattr(area, "roster", None) is not None:
        return "roster"
    return census_mode(area)


def census_mode(area) -> str:
    """The census projection of the area: ``cohort`` with a births table, else ``growth``."""
    return "cohort" if getattr(area, "births", None) is not None else "growth"


def single_ages(area) -> np.ndarray:
    """Children per cell and single age 0-14 in the base year, shape ``(cells, 15)``.

    Each band is split by the district's births of its cohort years x survival where the births
    table covers them all, else evenly (module notes)."""
    pop = area.population
    out = np.zeros((len(pop), MAX_AGE + 1))
    weights = _band_weights(area)
    did = pop["district_id"].astype(str).to_numpy()
    for col, (lo, hi) in AGE_BANDS.items():
        v = pd.to_numeric(pop[col], errors="coerce").fillna(0.0).clip(lower=0).to_numpy(float)
        w = np.full((len(pop), hi - lo + 1), 1.0 / (hi - lo + 1))
        for d, wd in weights.items():
            m = did == d
            if m.any():
                w[m] = wd[lo:hi + 1] / wd[lo:hi + 1].sum() if wd[lo:hi + 1].sum() > 0 else w[m]
        out[:, lo:hi + 1] = v[:, None] * w
    return out


def _band_weights(area) -> dict[str, np.ndarray]:
    """district_id -> births(B - a) x survival ** a for ages 0-14, NaN where the table lacks a year
    (a band with a NaN is split evenly)."""
    if getattr(area, "births", None) is None:
        return {}
    ids = area.districts["district_id"].astype(str).tolist()
    b = validate_births(area.births, ids)
    wide = b.pivot(index="district_id", columns="year", values="births")
    surv = district_factors(area)["survival"]
    out = {}
    years = [BASE_YEAR - a for a in range(MAX_AGE + 1)]
    for d in ids:
        row = wide.loc[d].reindex(years).to_numpy(float) if d in wide.index else np.full(len(years), np.nan)
        out[d] = row * surv.get(d, CHILD_SURVIVAL) ** np.arange(MAX_AGE + 1)
    return out


def district_factors(area) -> pd.DataFrame:
    """Per district (index ``district_id``): ``survival`` (yearly) and ``migration`` (yearly rate)."""
    d = area.districts
    ids = d["district_id"].astype(str).to_numpy()

    def col(name, default):
        if name in d.columns:
            v = pd.to_numeric(d[name], errors="coerce")
            return v.fillna(default if np.isscalar(default) else pd.Series(default, index=d.index)).to_numpy(float)
        return np.broadcast_to(np.asarray(default, float), len(d)).copy()

    # Migration once: growth_rate is not a default for net_migration (it already contains the births).
    out = pd.DataFrame({"survival": col("child_survival", CHILD_SURVIVAL), "migration": col("net_migration", 0.0)},
                       index=pd.Index(ids, name="district_id"))
    # The loaders check these per row (layers.validate); an area built from frames is checked here too.
    bad = ~((out["survival"] >= SURVIVAL_MIN) & (out["survival"] <= 1))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"child_survival must be between {SURVIVAL_MIN:g} and 1 (a yearly survival), got "
                         f"{out['survival'].iloc[i]:g}", file="districts", row=i + 1, field="child_survival")
    lo, hi = GROWTH_RATE_RANGE
    bad = ~((out["migration"] >= lo) & (out["migration"] <= hi))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"net_migration must be a yearly rate between {lo:g} and {hi:g} (0.02 = +2 % a year), got "
                         f"{out['migration'].iloc[i]:g}", file="districts", row=i + 1, field="net_migration")
    return out


def growth_factors(area, year: int) -> dict[str, float]:
    """district_id -> multiplier of the base-year population for ``year`` in the growth-rate mode
    (1.0 without ``growth_rate``)."""
    d = area.districts
    ids = d["district_id"].astype(str)
    if "growth_rate" not in d.columns:
        return {k: 1.0 for k in ids}
    rate = pd.to_numeric(d["growth_rate"], errors="coerce").fillna(0.0).to_numpy(float)
    lo, hi = GROWTH_RATE_RANGE
    bad = ~((rate >= lo) & (rate <= hi))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"growth_rate must be a yearly rate between {lo:g} and {hi:g}, got {rate[i]:g}",
                         file="districts", row=i + 1, field="growth_rate")
    return dict(zip(ids, (1.0 + rate) ** (int(year) - BASE_YEAR)))


def births_matrix(area, years) -> pd.DataFrame:
    """Births per district (rows, the districts layer's order) and year (columns ``years``).

    Years beyond the table hold its nearest year's births (documented in the module)."""
    ids = area.districts["district_id"].astype(str).tolist()
    b = validate_births(area.births, ids)
    wide = b.pivot(index="district_id", columns="year", values="births").reindex(ids)
    out = {}
    for y in years:
        cols = np.asarray(wide.columns)
        # nearest year the district has a figure for: the last at or before y, else the first after
        filled = wide.ffill(axis=1).bfill(axis=1)
        yy = cols[cols <= y].max() if (cols <= y).any() else cols.min()
        out[y] = filled[yy].to_numpy(float)
    return pd.DataFrame(out, index=ids)


def _cell_birth_share(area) -> np.ndarray:
    """Each cell's share of its district's births: its 0-2 cohort, else population, else even."""
    pop = area.population
    did = pop["district_id"].astype(str).to_numpy()
    share = np.zeros(len(pop))
    weights = [pd.to_numeric(pop[c], errors="coerce").fillna(0).clip(lower=0).to_numpy(float)
               for c in ("age_0_2", "pop_total")]
    for d in np.unique(did):
        idx = np.flatnonzero(did == d)
        for w in weights:
            if w[idx].sum() > 0:
                share[idx] = w[idx] / w[idx].sum()
                break
        else:
            share[idx] = 1.0 / len(idx)
    return share


def _housing_ages(area, year: int) -> np.ndarray:
    """Children per cell and single age added by the housing pipeline in ``year``."""
    h = getattr(area, "housing", None)
    out = np.zeros((len(area.population), MAX_AGE + 1))
    if h is None or len(h) == 0:
        return out
    done = pd.to_numeric(h["completion_year"], errors="coerce").to_numpy(float) <= year
    if not done.any():
        return out
    # lazy: scikit-learn takes ~1 s to import; only an area with a housing pipeline needs it
    from sklearn.neighbors import KDTree

    pop = area.population
    pts = pop.geometry if (pop.geom_type == "Point").all() else pop.geometry.representative_point()
    hh = h[done].to_crs(area.crs) if h.crs is not None else h[done]
    _, cell = KDTree(np.c_[pts.x, pts.y]).query(np.c_[hh.geometry.x, hh.geometry.y], k=1)
    dw = pd.to_numeric(hh["dwellings"], errors="coerce").fillna(0).to_numpy(float)
    for level, (lo, hi) in LEVEL_AGES.items():
        col = f"per100_{level}"
        norm = HOUSING_CHILDREN_PER_100.get(level, 0.0)  # a level with no norm: only the layer's own column
        per = (pd.to_numeric(hh[col], errors="coerce").fillna(norm).to_numpy(float)
               if col in hh.columns else np.full(len(hh), norm))
        kids = dw * per / 100.0 / (hi - lo + 1)
        for a in range(lo, hi + 1):
            np.add.at(out[:, a], cell[:, 0], kids)
    return out


def project_ages(area, year: int) -> np.ndarray:
    """Children per cell and single age 0-14 in ``year`` (floats, read-only), shape ``(cells, 15)``;
    see the module notes."""
    year = check_year(year)
    # the area is immutable: a projection never goes stale; it lives on the area's context
    return ComputeContext.for_area(area).memo(("enrolment.project_ages", year), lambda: _project_ages(area, year))


def _project_ages(area, year: int) -> np.ndarray:
    t = year - BASE_YEAR
    base = single_ages(area)
    fac = district_factors(area)
    did = area.population["district_id"].astype(str)
    f = (fac["survival"] * (1.0 + fac["migration"])).reindex(did).fillna(1.0).to_numpy(float)
    out = np.zeros_like(base)
    born_years = [year - a for a in range(min(t, MAX_AGE + 1))]
    births = births_matrix(area, born_years) if born_years else None
    share = _cell_birth_share(area) if born_years else None
    for a in range(MAX_AGE + 1):
        if a >= t:  # born by the base year: age forward
            out[:, a] = base[:, a - t] * f ** t
        else:  # born in year - a, after the base year
            b = births[year - a].reindex(did).fillna(0.0).to_numpy(float)
            out[:, a] = b * share * f ** a
    out += _housing_ages(area, year)
    out.setflags(write=False)
    return out


@validate_params({"level": LEVEL})
def level_children(area, level: str, year: int) -> np.ndarray:
    """Children per cell of ``level``'s ages in ``year`` by cohort ageing (floats, before rounding)."""
    lo, hi = LEVEL_AGES[level]
    return project_ages(area, year)[:, lo:hi + 1].sum(axis=1)


@validate_params({"level": LEVEL})
def level_demand(area, level: str, year: int, mode: str | None = None) -> np.ndarray:
    """Unrounded children per cell demanding ``level`` in ``year`` (float64, >= 0).

    ``mode``: ``cohort`` (:func:`level_children`; needs the area's births table), ``growth`` (the
    base-year cohort times :func:`growth_factors`) or None (:func:`default_mode`)."""
    year = check_year(year)
    mode = mode or default_mode(area)
    if mode not in MODES:
        raise InputError(f"unknown demand mode {mode!r}; use {' or '.join(MODES)}", field="demand")
    if mode == "roster":
        return _roster_demand(area, level, year)
    if mode == "cohort":
        if getattr(area, "births", None) is None:
            raise InputError("the cohort projection needs a births table (births.csv: district_id, year, births)",
                             field="demand")
        raw = level_children(area, level, year)
    else:
        pop = area.population
        f = growth_factors(area, year)
        mult = pop["district_id"].astype(str).map(f).fillna(1.0).to_numpy(float)
        raw = pd.to_numeric(pop[SERVICES[level].demand], errors="coerce").fillna(0.0).to_numpy(float) * mult
    return np.maximum(raw, 0.0)


def entry_base(area, age: int, years) -> pd.DataFrame:
    """Per district (rows, the districts layer's order) and year (columns ``years``): the births of
    ``year - age`` (births table, nearest year held), or without births the district's children aged
    ``age`` (base-year single ages x the growth-rate factor of the year). Feeds the roster's entry grades."""
    years = list(years)
    ids = area.districts["district_id"].astype(str).tolist()
    if getattr(area, "births", None) is not None:
        m = births_matrix(area, [y - age for y in years])
        m.columns = years
        return m
    did = area.population["district_id"].astype(str).to_numpy()
    base = pd.Series(single_ages(area)[:, age], index=did).groupby(level=0).sum().reindex(ids).fillna(0.0)
    return pd.DataFrame({y: base.to_numpy() * np.array([growth_factors(area, y).get(d, 1.0) for d in ids])
                         for y in years}, index=ids)


def roster_projection(area, last: int) -> pd.DataFrame:
    """The area's roster carried forward by grade progression to ``last``
    (:func:`scenarios.roster.project_grades`); kept on the area's compute context."""
    def make():
        r = roster_of(area)
        if r is None:
            raise InputError("the roster mode needs a pupil roster (enrolment.csv: school_id, year, grade, pupils)",
                             field="demand")
        return project_grades(r, school_districts(area), lambda age, ys: entry_base(area, age, ys), int(last))
    return ComputeContext.for_area(area).memo(("enrolment.roster", int(last)), make)


def _roster_demand(area, level: str, year: int) -> np.ndarray:
    """Census children per cell (:func:`census_mode`) scaled per district so the district total is the
    roster's pupils of its schools (module :mod:`scenarios.roster`, "How it drives seat planning")."""
    raw = level_demand(area, level, year, census_mode(area))
    r = roster_of(area)
    if r is None:
        raise InputError("the roster mode needs a pupil roster (enrolment.csv: school_id, year, grade, pupils)",
                         field="demand")
    yy = max(int(year), int(r["year"].min()))
    p = roster_projection(area, max(yy, int(r["year"].max())))
    sel = p[(p["level"] == level) & (p["year"] == yy) & p["district_id"].notna()]
    want = sel.groupby("district_id")["pupils"].sum()
    ref = raw if yy == year else level_demand(area, level, yy, census_mode(area))
    did = area.population["district_id"].astype(str).to_numpy()
    have = pd.Series(ref, index=did).groupby(level=0).sum()
    out = raw.copy()
    pop = pd.to_numeric(area.population["pop_total"], errors="coerce").fillna(0.0).to_numpy(float)
    for d, n in want.items():
        m = did == d
        if not m.any():
            continue
        if have.get(d, 0.0) > 0:
            out[m] = raw[m] * (n / have[d])
        else:  # the census has no children of the level there: spread the roster's pupils by population
            w = pop[m] if pop[m].sum() > 0 else np.ones(int(m.sum()))
            out[m] = n * w / w.sum()
    return out


def enrolment_table(area, years=EVALUATION_YEARS, levels=LEVELS, mode: str | None = None) -> pd.DataFrame:
    """Enrolment (children demanding a seat) per district, level and year: the rounded sum of the
    unrounded cells (aggregate, then round), which is also the district total of the whole children
    the evaluation assigns (:func:`scenarios.demand.children`).

    Returns columns ``district_id``, ``district``, ``level``, ``year``, ``enrolment``, ``mode``
    (districts in layer order; cells outside every district in a row ``(outside districts)``)."""
    mode = mode or default_mode(area)
    names = area.district_names()
    did = area.population["district_id"].astype(str).to_numpy()
    rows = []
    for lv in levels:
        for y in years:
            v = pd.Series(level_demand(area, lv, y, mode), index=did).groupby(level=0).sum()
            for k, n in names.items():
                rows.append({"district_id": k, "district": n, "level": lv, "year": int(y),
                             "enrolment": int(np.rint(v.get(k, 0.0))), "mode": mode})
            # each outside "district" code is integerised on its own (as the assignment does)
            extra = int(np.rint(v[~v.index.isin(list(names))]).sum())
            if extra:
                rows.append({"district_id": "", "district": "(outside districts)", "level": lv, "year": int(y),
                             "enrolment": extra, "mode": mode})
    return pd.DataFrame(rows, columns=["district_id", "district", "level", "year", "enrolment", "mode"])
