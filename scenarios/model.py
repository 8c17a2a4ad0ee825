"""The scenario model: a named set of school / kindergarten projects over a base study area.

A :class:`Scenario` holds projects (site, type, seats, opening year) — never the base layers,
which stay in the :class:`~gis.study_area.StudyArea`. Every area has two shipped scenarios:

* ``existing`` — no projects: today's facilities only;
* ``plan`` — the area's own ``projects`` layer (for the Yuncheng demo: the 28 projects of the
  14th Five-Year Plan's school programme, PLAN.md).

Areas whose districts carry ``growth_rate`` (the Yuncheng demo) also get ``plan-growth``
(:func:`plan_growth`): the plan's projects with some school sites moved toward the fastest-growing
districts by a stated rule — a variant to compare against ``plan``, not a recommendation.

``--scenario`` takes a shipped name, the name of a scenario in the area's store folder
(:mod:`scenarios.store`), or a file path (:func:`resolve_scenario`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from accessibility.services import service_facilities
from gis.districts import district_of
from layers.errors import InputError, UnknownScenarioError
from layers.families import (
    SERVICES,
    TYPE_CAPACITY,  # noqa: F401 - re-exported (scenarios.model.TYPE_CAPACITY)
    LEVELS,
    level_of_capacity,
    levels_with_action,
    main_level,
    supplies,
)
from layers.frames import empty_layer, projects_as_facilities
from layers.plan import EVALUATION_YEARS
from layers.schema import (
    CAPACITY_COLUMNS,
    CLASSES_OF,
    NAME_EN,
    PROJECT_CAPACITY,
    PROJECT_COLUMNS,
    PROJECT_OPTIONAL,
    facility_columns,
)
from layers.validate import MAX_SEATS, validate_frame
from scenarios import store
from scenarios.demand import YEAR_RANGE, check_year, growth_factors
from scenarios.sites import added_street_lines, check_sites
from scenarios.streets import add_row, close_row, empty_streets, validate_streets

#: Project opening years a scenario may use: the evaluation horizon of :mod:`scenarios.demand`
#: (the plan period and ten years beyond), so every project can be evaluated in its opening year.
YEAR_MIN, YEAR_MAX = YEAR_RANGE
#: The years evaluated by default (compare, the app, published maps): 2021-2030
#: (:data:`layers.plan.EVALUATION_YEARS`), so the projects started in 2025 show their effect.
PLAN_YEARS = EVALUATION_YEARS
SHIPPED = ("existing", "plan", "plan-growth")
COLUMNS = (*PROJECT_COLUMNS, *PROJECT_OPTIONAL, "notes")
# CLASSES_OF (the registry's live dict: capacity column -> classes column of each school level).

#: Actions on existing schools (or on a scenario's projects), columns of a scenario's ``actions``
#: table: ``expand`` a school by ``classes`` classes of ``level``; ``close`` it (``into``: the
#: receiving school, which takes over its seats and classes — a merger — so its pupils move there);
#: ``convert`` a kindergarten into an elderly-care site (幼转老, ``beds`` day-care beds). Each takes
#: effect from its ``year`` (the September intake of that year). Which levels an action applies to
#: is each level's registry record (:attr:`layers.families.Service.actions`).
ACTION_KINDS = ("expand", "close", "convert")
#: What a converted site becomes (family, sub-type; 幼转老: an elderly day-care centre).
CONVERT_TO = ("elderly_care", "day_care")
ACTION_COLUMNS = ("action_id", "kind", "facility_id", "year", "level", "classes", "into", "beds", "notes")

# TYPE_CAPACITY (re-exported from the family registry): which capacity columns each project type
# may carry, its main level's first (others must be 0).


@dataclass(frozen=True, eq=False)
class Scenario:
    """A named set of projects over a study area — immutable, like :class:`gis.study_area.StudyArea`.

    Every edit (:meth:`move`, :meth:`set_year`, :meth:`set_seats`, :meth:`add_project`,
    :meth:`add_action`, :meth:`remove_action`, :meth:`replace`, :meth:`copy`) returns a NEW
    scenario and leaves this one as it was, so a result cached under a scenario's
    :meth:`fingerprint` (computed once per object) stays true to it. Its frames are never changed
    in place by this class; a caller must not change them in place either (use :meth:`replace`).

    Attributes
    ----------
    name : str
        Scenario name (``plan``, ``existing``, a user's name).
    area : str
        Store key of the study area it belongs to (:func:`scenarios.store.area_id`: a built-in
        area's name, or a user folder's name plus a hash of its path).
    projects : GeoDataFrame
        Columns :data:`COLUMNS` (``project_id``, ``name``, ``type``, one capacity column per
        capacity the project types carry, ``open_year``, ``source``, ``notes``); points.
    description : str
        What the scenario is, shown in listings.
    origin : str
        ``shipped``, ``stored`` or ``file``.
    path : str or None
        File it was read from, if any.
    """

    name: str
    area: str
    projects: gpd.GeoDataFrame
    description: str = ""
    origin: str = "user"
    path: str | None = None
    meta: dict = field(default_factory=dict, repr=False)
    actions: pd.DataFrame = field(default_factory=lambda: empty_actions())
    #: Street changes (:mod:`scenarios.streets`): new or closed streets, each from a year.
    streets: gpd.GeoDataFrame = field(default_factory=lambda: empty_streets())

    def open_projects(self, year: int) -> gpd.GeoDataFrame:
        """Projects open by ``year`` (``open_year <= year``; the plan's ``build_year`` is when building starts)."""
        return self.projects[self.projects["open_year"] <= int(year)]

    def fingerprint(self) -> str:
        """A hash of the scenario's content — name, projects (attributes and geometry) and actions — equal
        for equal scenarios whatever objects hold them; a cache key for results computed from it.

        Computed once per object (the object never changes)."""
        fp = self.__dict__.get("_fingerprint")
        if fp is None:
            fp = self._hash()
            object.__setattr__(self, "_fingerprint", fp)  # a cache on a frozen object, not a field
        return fp

    def _hash(self) -> str:
        h = hashlib.sha1(self.name.encode("utf-8"))
        p = self.projects
        if len(p):
            h.update(pd.util.hash_pandas_object(p.drop(columns="geometry").astype(str), index=False).to_numpy().tobytes())
            # the WKB bytes themselves: ``.tobytes()`` of an object array would hash the objects' addresses
            h.update(b"".join(p.geometry.to_wkb()))
        a = self.actions
        if a is not None and len(a):
            h.update(pd.util.hash_pandas_object(a.astype(str), index=False).to_numpy().tobytes())
        st = self.streets
        if st is not None and len(st):
            h.update(b"streets" + pd.util.hash_pandas_object(pd.DataFrame(st.drop(columns="geometry")).astype(str),
                                                             index=False).to_numpy().tobytes())
            h.update(b"".join(st.geometry.to_wkb(hex=False).fillna(b"-")))
        return h.hexdigest()[:16]

    def replace(self, **changes) -> "Scenario":
        """A new scenario with ``changes`` (field=value) applied; this one is unchanged.

        New ``projects`` / ``actions`` go through :func:`validate_projects` / :func:`validate_actions`
        (an :class:`~layers.errors.InputError` naming the field otherwise)."""
        src = f"scenario '{changes.get('name', self.name)}'"
        if "projects" in changes:
            changes["projects"] = validate_projects(changes["projects"], source=src)
        if "actions" in changes:
            changes["actions"] = validate_actions(changes["actions"], source=src)
        if "streets" in changes:
            changes["streets"] = validate_streets(changes["streets"], source=f"{src}: streets",
                                                  crs=self.projects.crs)
        return replace(self, **changes)

    def copy(self, name: str | None = None) -> "Scenario":
        """A new user scenario (not yet saved) with copies of the frames, optionally renamed."""
        return replace(self, name=name or self.name, projects=self.projects.copy(), actions=self.actions.copy(),
                       streets=self.streets.copy(), origin="user", path=None, meta=dict(self.meta))

    def add_action(self, kind: str, facility_id, year: int, level: str | None = None, classes: int = 0,
                   into: str = "", beds: int = 0, notes: str = "", action_id: str | None = None) -> "Scenario":
        """A new scenario with one more action on a school (:data:`ACTION_KINDS`), validated.

        Without ``action_id`` the next free ``A<n>`` is used; the new action is the last row of the
        result's ``actions``."""
        ids = set(self.actions["action_id"].astype(str))
        if action_id is None:
            n = len(ids) + 1
            while f"A{n}" in ids:
                n += 1
            action_id = f"A{n}"
        row = {"action_id": str(action_id), "kind": kind, "facility_id": str(facility_id), "year": year,
               "level": level or "", "classes": classes, "into": into or "", "beds": beds, "notes": notes}
        return self.replace(actions=pd.concat([self.actions, pd.DataFrame([row])], ignore_index=True))

    def add_street(self, coords, year: int, tags=None, crs="EPSG:4326", street_id: str | None = None,
                   notes: str = "") -> "Scenario":
        """A new scenario with a new street (a line through ``coords``, given in ``crs``, default lon/lat)
        open from ``year``; ``tags`` default ``highway=footway`` (:mod:`scenarios.streets`)."""
        return self.replace(streets=add_row(self.streets, coords, year, tags, crs, street_id, notes,
                                            self.projects.crs))

    def close_street(self, year: int, way_id=None, coords=None, crs="EPSG:4326", street_id: str | None = None,
                     notes: str = "") -> "Scenario":
        """A new scenario closing OSM way ``way_id`` (or an added street by its street_id), or the
        streets along the line ``coords``, from ``year``."""
        return self.replace(streets=close_row(self.streets, year, way_id, coords, crs, street_id, notes,
                                              self.projects.crs))

    def remove_action(self, action_id) -> "Scenario":
        """A new scenario without the action ``action_id`` (an :class:`InputError` if there is none)."""
        keep = self.actions["action_id"].astype(str) != str(action_id)
        if keep.all():
            raise InputError(f"no action {action_id!r} in scenario '{self.name}'", field="action")
        return self.replace(actions=self.actions[keep].reset_index(drop=True))

    def _row(self, project_id) -> int:
        ids = self.projects["project_id"].astype(str)
        hit = np.flatnonzero(ids.to_numpy() == str(project_id))
        if not len(hit):
            raise InputError(f"no project {project_id!r} in scenario '{self.name}' (it has {', '.join(ids[:8])}"
                             f"{' ...' if len(ids) > 8 else ''})", field="project")
        return int(hit[0])

    def project_type(self, project_id) -> str:
        """The ``type`` of project ``project_id`` (an :class:`InputError` if there is none)."""
        return str(self.projects["type"].iloc[self._row(project_id)])

    def move(self, project_id, x: float, y: float, crs="EPSG:4326") -> "Scenario":
        """A new scenario with a project's site at ``(x, y)`` given in ``crs`` (default lon/lat)."""
        pt = gpd.GeoSeries([Point(float(x), float(y))], crs=crs)
        if self.projects.crs is not None:
            pt = pt.to_crs(self.projects.crs)
        i = self._row(project_id)
        p = self.projects.copy()
        p.loc[p.index[i], p.geometry.name] = pt.iloc[0]
        return self.replace(projects=p)

    def set_year(self, project_id, year: int) -> "Scenario":
        """A new scenario with a project's opening year (``open_year``, pupils arrive) changed, validated
        like a file. The plan's ``build_year`` stays; an opening year before it is refused."""
        i = self._row(project_id)
        p = self.projects.copy()
        p.loc[p.index[i], "open_year"] = int(year)
        return self.replace(projects=p)

    def set_seats(self, project_id, **seats) -> "Scenario":
        """A new scenario with capacity columns changed (``seats_primary=`` ... any of
        :data:`layers.schema.PROJECT_CAPACITY`); ``None`` leaves a column as it is."""
        i = self._row(project_id)
        p = self.projects.copy()
        for k, v in seats.items():
            if k not in PROJECT_CAPACITY:
                raise InputError(f"unknown capacity column; use {', '.join(PROJECT_CAPACITY)}", field=k)
            if v is not None:
                if not 0 <= int(v) <= MAX_SEATS:  # checked before int64 storage could overflow
                    raise InputError(f"{int(v):,} seats: give a whole number 0-{MAX_SEATS:,}", field=k)
                p.loc[p.index[i], k] = int(v)
        return self.replace(projects=p)

    def add_project(self, project_id: str, name: str, ptype: str, x: float, y: float, open_year: int,
                    crs="EPSG:4326", source: str = "optimiser", **seats) -> "Scenario":
        """A new scenario with one more project (e.g. a site the optimiser chose) at ``(x, y)`` in ``crs``.

        ``seats`` are capacity columns (``seats_primary=`` ...); the others are 0. Validated like a file
        (unique id, known type, a year in range); raises :class:`layers.errors.InputError` otherwise.
        """
        pt = gpd.GeoSeries([Point(float(x), float(y))], crs=crs)
        if self.projects.crs is not None:
            pt = pt.to_crs(self.projects.crs)
        row = {c: (0 if c in PROJECT_CAPACITY else "") for c in self.projects.columns if c != self.projects.geometry.name}
        row.update(project_id=str(project_id), name=str(name), type=str(ptype), open_year=int(open_year),
                   source=str(source), **{k: int(v) for k, v in seats.items()})
        new = gpd.GeoDataFrame([row], geometry=[pt.iloc[0]], crs=self.projects.crs)
        new = new.rename_geometry(self.projects.geometry.name) if new.geometry.name != self.projects.geometry.name \
            else new
        return self.replace(projects=pd.concat([self.projects, new], ignore_index=True))

    def summary(self) -> dict:
        """Name, project count and the capacity of its projects per column for listings."""
        p = self.projects
        return {"name": self.name, "projects": int(len(p)), "actions": int(len(self.actions)),
                "streets": int(len(self.streets)), "source": self.origin,
                "path": self.path, "description": self.description,
                **{c: int(p[c].sum()) if len(p) and c in p else 0 for c in PROJECT_CAPACITY}}


# ----------------------------------------------------------------------------- validation


def validate_projects(gdf: gpd.GeoDataFrame, source=None) -> gpd.GeoDataFrame:
    """Check and normalise a projects table; raise :class:`layers.errors.InputError` naming file/row/field.

    Rows are numbered from 1. The attributes go through the one projects validator of the
    loaders (:func:`layers.validate.validate_frame`, layer ``projects``): required columns; unique
    ``project_id``; known ``type``; whole, non-negative seats ("2,160" read as 2160), only in the
    columns the type carries; ``open_year`` in 2021-2035 (``build_year`` + 1 when only the plan's year
    is given), not before an optional ``build_year``; optional ``classes_*`` whole numbers >= 0.
    Then one valid point per row.
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError("projects must be a GeoDataFrame of points", file=source)
    if len(gdf) == 0:  # a scenario with no projects (GeoJSON keeps no columns for zero features)
        return empty_projects(gdf.crs)
    attrs = validate_frame(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)), "projects", file=source)
    notes = attrs["notes"] if "notes" in attrs.columns else pd.Series("", index=attrs.index)
    attrs["notes"] = notes.map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v)).astype(object)
    for i, geom in enumerate(gdf.geometry, start=1):
        if geom is None or geom.is_empty or geom.geom_type != "Point" or not np.isfinite(geom.coords[0]).all():
            raise InputError("each project needs one valid point site", file=source, row=i, field="geometry")
    # the optional English name (layers.schema.NAME_EN) travels with the projects when given
    out = attrs[[*COLUMNS, *([NAME_EN] if NAME_EN in attrs.columns else [])]].reset_index(drop=True)
    out[gdf.geometry.name] = gdf.geometry.to_numpy()
    return gpd.GeoDataFrame(out, geometry=gdf.geometry.name, crs=gdf.crs)


def empty_projects(crs) -> gpd.GeoDataFrame:
    """A projects table with no rows: the one empty-layer builder (:func:`layers.frames.empty_layer`;
    its projects spec has the optional ``build_year`` and ``classes_*``) plus a scenario's ``notes``."""
    return empty_layer("projects", crs, extra=("notes",))


def empty_actions() -> pd.DataFrame:
    """An actions table with no rows (:data:`ACTION_COLUMNS`)."""
    return pd.DataFrame({c: pd.Series([], dtype="int64" if c in ("year", "classes", "beds") else "object")
                         for c in ACTION_COLUMNS})


def validate_actions(df, source=None) -> pd.DataFrame:
    """Check and normalise an actions table; :class:`InputError` naming file, row and field.

    Checks: unique non-empty ``action_id``; ``kind`` in :data:`ACTION_KINDS`; a ``facility_id``;
    ``year`` in :data:`YEAR_MIN`-:data:`YEAR_MAX`; ``expand`` needs a ``level`` (one whose registry
    record lists ``expand``: primary, junior, kindergarten) and ``classes`` >= 1; ``classes`` and ``beds`` whole numbers >= 0; a school is not
    merged into itself. Whether the facilities exist is checked when the scenario is applied
    (:func:`facilities_for`), where the area is known.
    """
    if df is None or len(df) == 0:
        return empty_actions()
    g = pd.DataFrame(df).copy().reset_index(drop=True)
    for c in ACTION_COLUMNS:
        if c not in g.columns:
            if c in ("action_id", "kind", "facility_id", "year"):
                raise InputError("actions: column is missing", file=source, field=c)
            g[c] = 0 if c in ("classes", "beds") else ""
    for c in ("action_id", "kind", "facility_id", "level", "into", "notes"):
        g[c] = g[c].map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v).strip())
    for i, r in enumerate(g.itertuples(index=False), start=1):
        where = dict(file=source, row=i)
        if not r.action_id:
            raise InputError("actions: action_id is empty", field="action_id", **where)
        if r.kind not in ACTION_KINDS:
            raise InputError(f"actions: unknown kind {r.kind!r}; use one of {', '.join(ACTION_KINDS)}",
                             field="kind", **where)
        if not r.facility_id:
            raise InputError("actions: facility_id is empty (the school's facility_id or project_id)",
                             field="facility_id", **where)
        for c in ("year", "classes", "beds"):
            v = pd.to_numeric(pd.Series([getattr(r, c)]), errors="coerce").iloc[0]
            if not np.isfinite(v) or v != np.floor(v) or v < 0:
                raise InputError(f"actions: {c} must be a whole number >= 0, got {getattr(r, c)!r}", field=c, **where)
        if not YEAR_MIN <= int(float(r.year)) <= YEAR_MAX:
            raise InputError(f"actions: year {r.year!r} is outside {YEAR_MIN}-{YEAR_MAX}", field="year", **where)
        if r.kind == "expand":
            if r.level not in levels_with_action("expand"):
                raise InputError(f"actions: expand needs a level ({', '.join(levels_with_action('expand'))})",
                                 field="level", **where)
            if int(float(r.classes)) < 1:
                raise InputError("actions: expand needs classes >= 1", field="classes", **where)
        if r.kind == "close" and r.into and r.into == r.facility_id:
            raise InputError("actions: a school cannot be merged into itself", field="into", **where)
    dup = g["action_id"].duplicated()
    if dup.any():
        raise InputError(f"actions: duplicate action_id {g['action_id'][dup].iloc[0]!r}", file=source,
                         row=int(np.flatnonzero(dup)[0]) + 1, field="action_id")
    for c in ("year", "classes", "beds"):
        g[c] = pd.to_numeric(g[c]).astype(np.int64)
    return g[list(ACTION_COLUMNS)]


# ----------------------------------------------------------------------------- shipped scenarios


def _plan_projects(area) -> gpd.GeoDataFrame:
    p = getattr(area, "projects", None)
    if p is None or len(p) == 0:
        return empty_projects(area.crs)
    return validate_projects(p.to_crs(area.crs) if p.crs is not None else p.set_crs(area.crs),
                             source=f"{area.name}: projects layer")


def _moving_levels() -> tuple[str, ...]:
    """The school levels plan-growth moves: those of the 10- and 15-minute tiers (primary, junior);
    a 5-minute catchment (a kindergarten) belongs where it is."""
    return tuple(lv for lv in LEVELS if (SERVICES[lv].tier or SERVICES[lv].minutes) >= 10)


def _children_2025(area) -> pd.Series:
    f = growth_factors(area, 2025)
    pop = area.population
    kids = sum(pop[SERVICES[lv].demand] for lv in _moving_levels())
    return kids * pop["district_id"].astype(str).map(f).fillna(1.0)


def _school_seats(frame) -> np.ndarray:
    """Seats of the moving levels per row (:func:`_moving_levels`)."""
    return sum(pd.to_numeric(frame[SERVICES[lv].capacity], errors="coerce").fillna(0).to_numpy(float)
               for lv in _moving_levels())


#: Minimum distance (m) of a relocated site from any school or project: one 10-minute walk apart
#: would double-serve the same children.
GROWTH_MIN_SPACING_M = 500.0


def plan_growth(area) -> Scenario:
    """The ``plan-growth`` variant: plan schools in slow-growing districts moved to fast-growing ones.

    The rule, computed from the area's data:

    1. Rank districts by ``growth_rate`` (yearly population growth, districts layer).
    2. A *school* project (not a kindergarten: a 5-minute catchment belongs where it is) sited in a
       district whose growth rate is below the median is a *donor*.
    3. Donors, in ``project_id`` order, move to a district in the top third by growth rate: the one
       with the most school-age children (6-14, grown to 2025) per school seat already there
       (existing + plan + moved so far, seats + 1); the new site is that district's population cell
       with the most school-age children at least 500 m from every school and project (in a district
       too small for that, its cell farthest from every school).
    Type, seats and opening year are unchanged; ``notes`` records the move.
    """
    base = _plan_projects(area)
    d = area.districts
    if "growth_rate" not in d.columns or len(base) == 0:
        raise UnknownScenarioError(f"plan-growth needs districts with growth_rate and a projects layer; "
                                   f"{area.name} has none", field="scenario")
    rate = dict(zip(d["district_id"].astype(str), d["growth_rate"].astype(float)))
    median = float(np.median(list(rate.values())))
    top_cut = float(np.quantile(list(rate.values()), 2 / 3))
    growth_ds = [k for k, v in rate.items() if v >= top_cut]
    dist_of = _district_of(area, base)
    moving = _moving_levels()
    schools = pd.concat([service_facilities(area, SERVICES[lv]) for lv in moving])
    schools = schools[~schools.index.duplicated()].sort_index()  # layer order, each school once
    s_dist = _district_of(area, schools)
    seats = {k: 0.0 for k in rate}
    for dd, n in [*zip(s_dist, _school_seats(schools)), *zip(dist_of, _school_seats(base))]:
        if dd in seats:
            seats[dd] += float(n)
    kids = _children_2025(area)
    pop = area.population
    cell_d = pop["district_id"].astype(str).to_numpy()
    cxy = np.c_[pop.geometry.x, pop.geometry.y]
    occupied = [np.c_[schools.geometry.x, schools.geometry.y], np.c_[base.geometry.x, base.geometry.y]]
    out = base.copy()
    order = np.argsort(out["project_id"].to_numpy(), kind="stable")
    for i in order:
        if main_level(str(out["type"].iloc[i])) not in moving or rate.get(dist_of[i], np.inf) >= median:
            continue
        target = max(growth_ds, key=lambda k: float(kids[cell_d == k].sum()) / (seats[k] + 1.0))
        occ = np.vstack(occupied)
        dmin = np.sqrt(((cxy[:, None, :] - occ[None, :, :]) ** 2).sum(-1)).min(1) if len(occ) else np.full(len(cxy), np.inf)
        in_t = cell_d == target
        if not in_t.any():
            continue
        ok = in_t & (dmin >= GROWTH_MIN_SPACING_M)
        if ok.any():
            c = int(np.flatnonzero(ok)[np.argmax(kids.to_numpy()[ok])])
        else:  # a small district: the cell farthest from every school instead
            c = int(np.flatnonzero(in_t)[np.argmax(dmin[in_t])])
        new = Point(cxy[c])
        out.loc[out.index[i], out.geometry.name] = new
        moved_seats = float(_school_seats(out.iloc[[i]])[0])
        seats[dist_of[i]] -= moved_seats
        seats[target] += moved_seats
        occupied.append(np.array([cxy[c]]))
        out.loc[out.index[i], "notes"] = (f"plan-growth: moved from district {dist_of[i]} (growth {rate[dist_of[i]]:.3f}) "
                                          f"to {target} (growth {rate[target]:.3f})")
    return Scenario("plan-growth", store.area_id(area), out, origin="shipped",
                    description="the plan with school sites in slow-growing districts moved to the fastest-growing "
                                "(rule in scenarios.model.plan_growth)")


def _district_of(area, gdf) -> list[str | None]:
    """district_id of each point by the one rule of :func:`gis.districts.district_of` (None: outside every district)."""
    return district_of(gdf, area.districts, outside="none")


def shipped_names(area) -> list[str]:
    """Names of the scenarios shipped for ``area``."""
    names = ["existing", "plan"]
    if "growth_rate" in area.districts.columns and getattr(area, "projects", None) is not None and len(area.projects):
        names.append("plan-growth")
    return names


def shipped_scenario(area, name: str) -> Scenario:
    """Build one shipped scenario of ``area``."""
    if name == "existing":
        return Scenario("existing", store.area_id(area), empty_projects(area.crs), origin="shipped",
                        description="today's facilities, no projects")
    if name == "plan":
        return Scenario("plan", store.area_id(area), _plan_projects(area), origin="shipped",
                        description="the area's planned projects (projects layer)")
    if name == "plan-growth":
        return plan_growth(area)
    raise UnknownScenarioError(f"no shipped scenario {name!r}", field="scenario")


# ----------------------------------------------------------------------------- store / files


def load_scenario(path, area=None) -> Scenario:
    """Read and validate a scenario file (.gpkg / .geojson); projects move to ``area``'s CRS if given."""
    meta, gdf = store.read_scenario_file(path)
    projects = validate_projects(gdf, source=str(path))
    actions = validate_actions(meta.pop("actions", None), source=f"{path}: actions")
    streets = validate_streets(meta.pop("streets", None), source=f"{path}: streets")
    if area is not None and projects.crs is not None:
        projects = projects.to_crs(area.crs)
    if area is not None and streets.crs is not None:
        streets = streets.to_crs(area.crs)
    if area is not None:  # the one site check of `scenario move`: boundary and street front (issue 27, review)
        check_sites(area, projects.geometry, file=path, what="project", labels=list(projects["project_id"]),
                    streets=added_street_lines(streets))
    # The file and its version when read: what a later save over it must still find (save_scenario).
    meta = {**meta, "file_path": str(path)}
    return Scenario(str(meta.get("name") or Path(path).stem),
                    store.area_id(area) if area is not None else str(meta.get("area") or ""),
                    projects, str(meta.get("description") or ""), origin="file", path=str(path), meta=meta,
                    actions=actions, streets=streets)


def save_scenario(scenario: Scenario, path=None, overwrite: bool = False, expected_version: str | None = None) -> Path:
    """Save a scenario atomically; by default into the area's store folder as ``<name>.gpkg``.

    The write holds the file's lock (:func:`scenarios.store.locked`). ``expected_version`` — the
    :func:`scenarios.store.file_version` of the file when the scenario was read — makes the save
    refuse if another edit replaced the file meanwhile (instead of silently undoing that edit).

    Raises
    ------
    scenarios.store.ScenarioExistsError
        If the target exists (or the name is a shipped scenario's) and ``overwrite`` is False.
    scenarios.store.ScenarioChangedError
        If ``expected_version`` is given and the file no longer has it.
    """
    store.check_name(scenario.name)
    if path is None:
        if scenario.name in SHIPPED:
            raise store.ScenarioExistsError(f"'{scenario.name}' is a shipped scenario; choose another name",
                                            field="name")
        path = store.store_dir(scenario.area, create=True) / f"{scenario.name}.gpkg"
    validate_projects(scenario.projects, source=f"scenario '{scenario.name}'")
    validate_actions(scenario.actions, source=f"scenario '{scenario.name}'")
    validate_streets(scenario.streets, source=f"scenario '{scenario.name}': streets")
    with store.locked(path):
        if expected_version is not None and store.file_version(path) != expected_version:
            raise store.ScenarioChangedError(f"scenario '{scenario.name}' was changed by another edit since it was "
                                             f"read; reload it and apply your change again", file=path)
        return store.write_scenario_file(scenario, path, overwrite=overwrite)


def edit_stored(area, name: str, edit) -> tuple[Scenario, Path]:
    """Apply ``edit(scenario)`` to the stored scenario ``name`` of ``area`` without losing other edits.

    Under the file's lock the scenario is re-read, ``edit`` returns the edited scenario (a new
    object: ``lambda s: s.set_year(pid, 2026)``), and it is saved
    atomically — so two edits at once (two ``hedong scenario move``, the app's save) both land.

    Raises
    ------
    gis.errors.InputError
        No such stored scenario, a scenario of another area, or an edit ``edit`` refuses.
    """
    paths = store.stored_paths(area)
    if name not in paths:
        raise InputError(f"no stored scenario '{name}'; create one with 'hedong scenario copy plan {name}'",
                         field="dst")
    path = paths[name]
    with store.locked(path):
        s = edit(_load_stored(area, name, path))
        if not isinstance(s, Scenario):
            raise TypeError("edit_stored: the edit must return the edited scenario (Scenario edits return a new one)")
        validate_projects(s.projects, source=f"scenario '{name}'")
        validate_actions(s.actions, source=f"scenario '{name}'")
        validate_streets(s.streets, source=f"scenario '{name}': streets")
        store.write_scenario_file(s, path, overwrite=True)
    return s, path


def _load_stored(area, name: str, path) -> Scenario:
    """A stored scenario, checked to belong to ``area`` (its recorded area is this one's key or name)."""
    s = load_scenario(path, area)
    recorded = str(s.meta.get("area") or "")
    if recorded and recorded not in (store.area_id(area), area.name):
        raise InputError(f"scenario '{name}' belongs to study area '{recorded}', not '{area.name}'", file=path,
                         field="area")
    return replace(s, origin="stored", name=name, area=store.area_id(area))


def available_names(area) -> list[str]:
    """Shipped then stored scenario names of ``area``."""
    return [*shipped_names(area), *[n for n in store.stored_paths(area) if n not in SHIPPED]]


def resolve_scenario(area, spec) -> Scenario:
    """A scenario from a shipped name, a stored name or a file path.

    Raises
    ------
    layers.errors.UnknownScenarioError
        Listing the available names when ``spec`` is none of these.
    """
    if isinstance(spec, Scenario):
        return spec
    spec = str(spec)
    if spec in shipped_names(area):
        return shipped_scenario(area, spec)
    stored = store.stored_paths(area)
    if spec in stored:
        return _load_stored(area, spec, stored[spec])
    p = Path(spec)
    if p.suffix in store.SUFFIXES and p.exists():
        return load_scenario(p, area)
    raise UnknownScenarioError(f"unknown scenario; available: {', '.join(available_names(area))} "
                               f"(or the path of a .gpkg / .geojson scenario file)", file=spec, field="scenario")


def list_scenarios(area) -> list[dict]:
    """Every scenario of ``area``: ``{name, projects, source, path, ...}``."""
    out = [shipped_scenario(area, n).summary() for n in shipped_names(area)]
    for name, path in store.stored_paths(area).items():
        if name in SHIPPED:
            continue
        try:
            out.append(_load_stored(area, name, path).summary())
        except InputError as e:
            out.append({"name": name, "projects": None, "source": "stored", "path": str(path), "error": e.one_line()})
    return out


# ----------------------------------------------------------------------------- facilities by year


# projects_as_facilities (re-exported): the one projects -> facilities converter, layers.frames.


def _facility_defaults() -> dict:
    """Values of facility columns a layer may lack (capacity 0, attributes unknown), every capacity
    column registered now included."""
    return {**{c: 0.0 for c in CAPACITY_COLUMNS}, "ownership": "", "puhui": False, "bed_type": ""}


def facilities_for(area, scenario, year: int) -> gpd.GeoDataFrame:
    """Existing facilities plus the scenario's projects open by ``year``, as one facilities layer.

    Parameters
    ----------
    area : StudyArea
    scenario : Scenario or str
        A scenario or anything :func:`resolve_scenario` accepts.
    year : int
        Projects with ``open_year <= year`` are included; a year outside
        :data:`scenarios.demand.YEAR_RANGE` is an :class:`~layers.errors.InputError` naming ``year``.

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.FACILITY_COLUMNS` plus ``project_id`` (empty for existing rows) and
        ``open_year`` (NaN for existing rows), in ``area.crs``.
    """
    year = check_year(year)
    scenario = resolve_scenario(area, scenario)
    base = area.facilities.copy()
    for c, default in _facility_defaults().items():  # a layer made before a column existed: its default
        if c not in base:
            base[c] = default
    base["project_id"] = ""
    base["open_year"] = np.nan
    base["build_year"] = np.nan
    class_columns = tuple(CLASSES_OF.values())
    for c in class_columns:  # a facilities layer may carry classes; 0 = derived from seats / class size
        base[c] = pd.to_numeric(base[c], errors="coerce").fillna(0).astype(np.int64) if c in base else 0
    new = projects_as_facilities(scenario.open_projects(year), area.crs)
    cols = [*facility_columns(), "project_id", "open_year", "build_year", *class_columns]
    if NAME_EN in base.columns or NAME_EN in new.columns:  # English names, where either layer has them
        cols.append(NAME_EN)
        for f in (base, new):
            if NAME_EN not in f.columns:
                f[NAME_EN] = ""
    if len(new) == 0:
        out = base[[*cols, base.geometry.name]].rename_geometry("geometry") if base.geometry.name != "geometry" \
            else base[[*cols, "geometry"]]
    else:
        out = pd.concat([base[[*cols, base.geometry.name]].rename_geometry("geometry")
                         if base.geometry.name != "geometry" else base[[*cols, "geometry"]],
                         new[[*cols, "geometry"]]], ignore_index=True)
    out = gpd.GeoDataFrame(out.reset_index(drop=True), geometry="geometry", crs=area.crs)
    known = set(area.facilities["facility_id"].astype(str)) | set(scenario.projects["project_id"].astype(str))
    return apply_actions(out, scenario.actions, year, known=known, scenario=scenario.name)


def classes_of(facilities: pd.DataFrame, cap_col: str) -> np.ndarray:
    """Classes per row for the school level whose capacity column is ``cap_col``: its classes column
    where positive, else seats / the level's class size rounded up (a partly filled class is still a
    class). Column and class size are the level's registry record."""
    svc = SERVICES[level_of_capacity(cap_col)]
    seats = pd.to_numeric(facilities[cap_col], errors="coerce").fillna(0).to_numpy(float) if cap_col in facilities \
        else np.zeros(len(facilities))
    given = (pd.to_numeric(facilities[svc.classes], errors="coerce").fillna(0).to_numpy(float)
             if svc.classes and svc.classes in facilities else np.zeros(len(seats)))
    return np.where(given > 0, given, np.ceil(seats / svc.class_size)).astype(np.int64)


def apply_actions(fac: gpd.GeoDataFrame, actions: pd.DataFrame, year: int, known=None,
                  scenario: str = "") -> gpd.GeoDataFrame:
    """Apply a scenario's actions with ``year <= year`` to a facilities layer (in year, then id order).

    ``expand`` adds ``classes`` x class size seats of ``level`` (and the classes); ``close`` removes
    the school, and with ``into`` adds its seats and classes to the receiving school (a merger: its
    pupils move there); ``convert`` turns a kindergarten into an elderly day-care site with ``beds``.
    An action on a project not yet open in ``year`` waits until it opens. A column ``changes``
    records what was applied per row.

    Raises
    ------
    InputError
        An action names a facility that is neither in the area nor a project of the scenario, a
        school that does not carry the level, or converts something that is not a kindergarten.
    """
    fac = fac.copy()
    fac["changes"] = ""
    if actions is None or len(actions) == 0:
        return fac
    src = f"scenario '{scenario}': actions"
    act = actions[actions["year"] <= int(year)].sort_values(["year", "action_id"], kind="stable")
    ids = fac["facility_id"].astype(str)
    drop = []

    def row_of(fid, r, fieldname):
        hit = np.flatnonzero((ids == str(fid)).to_numpy())
        if not len(hit):
            if known is not None and str(fid) not in known:
                raise InputError(f"action {r.action_id}: no facility or project {fid!r}", file=src, field=fieldname)
            return None  # a project that has not opened yet
        return int(hit[0])

    for r in act.itertuples(index=False):
        i = row_of(r.facility_id, r, "facility_id")
        if i is None or i in drop:
            continue
        lab = fac.index[i]
        if r.kind == "expand":
            svc = SERVICES[r.level]
            cap, ccol = svc.capacity, svc.classes
            if not supplies(str(fac.at[lab, "family"]), str(fac.at[lab, "subtype"]), r.level):
                raise InputError(f"action {r.action_id}: {r.facility_id} has no {r.level} level to expand",
                                 file=src, field="level")
            fac.at[lab, cap] = float(fac.at[lab, cap]) + int(r.classes) * svc.class_size
            if ccol and int(fac.at[lab, ccol]) > 0:
                fac.at[lab, ccol] = int(fac.at[lab, ccol]) + int(r.classes)
            note = f"{r.action_id} expand +{int(r.classes)} {r.level} classes"
        elif r.kind == "close":
            note = f"{r.action_id} closed"
            if r.into:
                j = row_of(r.into, r, "into")
                if j is None or j in drop:
                    raise InputError(f"action {r.action_id}: the receiving school {r.into!r} is not open in {year}",
                                     file=src, field="into")
                jl = fac.index[j]
                for cap, ccol in CLASSES_OF.items():
                    add = float(fac.at[lab, cap] or 0)
                    if add <= 0:
                        continue
                    if float(fac.at[jl, cap] or 0) <= 0 and not _carries(fac.loc[jl], cap):
                        raise InputError(f"action {r.action_id}: {r.into} carries no {cap} to take over",
                                         file=src, field="into")
                    if int(fac.at[jl, ccol]) > 0 or int(fac.at[lab, ccol]) > 0:
                        fac.at[jl, ccol] = int(classes_of(fac.loc[[jl]], cap)[0] + classes_of(fac.loc[[lab]], cap)[0])
                    fac.at[jl, cap] = float(fac.at[jl, cap]) + add
                fac.at[jl, "changes"] = (fac.at[jl, "changes"] + "; " if fac.at[jl, "changes"] else "") + \
                    f"{r.action_id} takes over {r.facility_id}"
                note += f" into {r.into}"
            drop.append(i)
        else:  # convert
            conv = [lv for lv in levels_with_action("convert")
                    if supplies(str(fac.at[lab, "family"]), str(fac.at[lab, "subtype"]), lv)]
            if not conv:
                raise InputError(f"action {r.action_id}: only a kindergarten converts to elderly care "
                                 f"({r.facility_id} is {fac.at[lab, 'family']})", file=src, field="facility_id")
            fac.at[lab, "family"], fac.at[lab, "subtype"] = CONVERT_TO
            for lv in conv:  # the converted level's places and classes are gone
                fac.at[lab, SERVICES[lv].capacity] = 0
                if SERVICES[lv].classes in fac.columns:
                    fac.at[lab, SERVICES[lv].classes] = 0
            fac.at[lab, "beds"] = int(r.beds)
            note = f"{r.action_id} converted to elderly care ({int(r.beds)} beds)"
        fac.at[lab, "changes"] = (fac.at[lab, "changes"] + "; " if fac.at[lab, "changes"] else "") + note
    if drop:
        fac = fac.drop(index=fac.index[drop]).reset_index(drop=True)
    return fac


def _carries(row, cap) -> bool:
    """Whether a facility row supplies the school level of capacity column ``cap`` (the registry's rule)."""
    return supplies(str(row["family"]), str(row["subtype"]), level_of_capacity(cap))
