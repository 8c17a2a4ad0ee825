"""Evaluate a scenario in a year: who gets a seat within the walking limit, by level and district.

Schools open in year ``Y`` are the existing facilities plus the scenario's projects with
``open_year <= Y`` (:func:`scenarios.model.facilities_for`). Per level (primary, junior,
kindergarten) children (:mod:`scenarios.demand`) are assigned to seats by the exact
transportation problem of :func:`scenarios.assign.solve_transport` over the walking network
pairs within the level's limit (:data:`layers.norms.SERVICES` minutes: kindergarten 5, primary
10, junior 15; ``minutes=`` overrides): most children served, then least total walking.

Seat balance first. Chinese enrolment is by catchment (划片入学), not by a walking cut-off, so
every level and district also reports seats, enrolment (the demand), balance (seats minus
enrolment), demand_ratio (enrolment / seats; its old key ``utilisation`` kept) and classes (enrolment per class against the norm size
and the 大班额 56 / 超大班额 66 thresholds) — what the education bureau signs — before the walking
share (``walk_share`` = ``coverage``: seated within the level's walking *minutes*, a minutes view).
The norm check (规范核查) is another figure, in metres: ``norm_check`` per level and ``norm_share`` per
level and district — the children living within the standard's network distance of an open school of
the level (GB 50180-2018: primary 500 m, junior 1,000 m, kindergarten 300 m;
:func:`accessibility.norm_check.norm_share`), whatever the rule. With ``assign="catchment"`` a second
assignment (the new key ``catchment``) gives each child a seat in a school of its own district
with capacity and no walking cut-off, minimising total walking; the walking time is reported per
child rather than used to refuse a seat. The existing keys (``assigned``, ``unserved`` ...) keep
the walking-limit assignment.

Years: ``year`` is the school year starting that September. Projects seat pupils from their
``open_year``; the plan's ``build_year`` (拟建, construction starts) is reported beside it, and
projects under construction in the year are listed (``building``).

Speed: the network, the snapping of population cells and each site's reach (cells within the
limit, one limited Dijkstra per site) are kept by the area's compute context
(:class:`accessibility.context.ComputeContext`), so a planner comparing scenarios or moving one
site only pays for the sites that changed, plus the LPs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from accessibility.capacity import OUTSIDE, capacity_by_district, demand_ratio, seat_utilisation
from accessibility.context import ComputeContext
from accessibility.coverage import service_facilities
from accessibility.norm_check import norm_radius_m, norm_share
from accessibility.params import MINUTES
from gis.districts import district_of
from gis.errors import InputError
from layers.families import LEVEL, SERVICES, classes_column
from layers.families import LEVELS as _LEVELS
from layers.params import Each, Options, validate_params
from layers.norms import LARGE_CLASS, SCHOOL_CLASSES, SCHOOL_CLASSES_SOURCE, SPEEDS, SUPER_LARGE_CLASS
from layers.schema import NAME_EN
from layers.words import both
from scenarios.assign import Assignment, minute_histogram, solve_transport, weighted_median
from scenarios.demand import LEVELS, check_year, children
from scenarios.enrolment import default_mode
from scenarios.model import PLAN_YEARS, _district_of, classes_of, facilities_for, resolve_scenario
from scenarios.one_rule import apply_catchment, school_classes, walk_check
from scenarios.streets import scenario_area

#: Assignment rules, the command line's default first: ``catchment`` (划片: own district, capacity, no
#: cut-off; details under ``catchment``) and ``walk`` (within the norm walking limit). One rule per run:
#: a level's headline figures follow the rule, the walking-minutes view is ``walk_check`` (scenarios.one_rule)
#: and the norm check in metres ``norm_check`` (accessibility.norm_check.norm_share).
ASSIGN_MODES = ("catchment", "walk")
#: The one check of an ``assign`` argument (and the CLI's ``--assign`` choices).
ASSIGN = Options(ASSIGN_MODES, "assignment")
#: The checks every evaluation entry point declares.
_CHECKS = {"minutes": MINUTES, "levels": Each(LEVEL), "assign": ASSIGN}
#: A cell with no walking route to its district's schools still gets a seat in catchment mode
#: (enrolment does not depend on a path in the street data); such pairs cost this many seconds so
#: routed pairs are preferred, and their walking time is reported as unknown.
NO_ROUTE_S = 1.0e6
#: Reach computed for the catchment mode's walking times (seconds): far beyond any district.
CATCHMENT_REACH_S = 6 * 3600.0


def class_flag(pupils_per_class, level: str) -> str:
    """``super_large`` (超大班额, >= 66), ``large`` (大班额, >= 56) where the level's registry record
    has ``large_classes`` (schools, not kindergartens), ``over_norm`` (above the level's norm class
    size: 45 primary / 50 junior / 30 kindergarten) or ``""``."""
    if pupils_per_class is None or not np.isfinite(pupils_per_class):
        return ""
    svc = SERVICES[level]
    if svc.large_classes and pupils_per_class >= SUPER_LARGE_CLASS:
        return "super_large"
    if svc.large_classes and pupils_per_class >= LARGE_CLASS:
        return "large"
    return "over_norm" if svc.class_size and pupils_per_class > svc.class_size else ""


#: The flags as the command line prints them, Chinese term and English (``class_flag.*`` of the one catalogue).
CLASS_FLAG_LABELS = {"": "", **{f: "{zh} {en}".format(**both(f"class_flag.{f}"))
                                for f in ("super_large", "large", "over_norm")}}


def _name_en(r) -> str | None:
    """The English name of a row (:data:`layers.schema.NAME_EN`), None where the layer has none."""
    v = getattr(r, NAME_EN, None)
    return None if v is None or v is pd.NA or v != v or str(v).strip() == "" else str(v)


def school_class_checks(facilities: gpd.GeoDataFrame) -> list[dict]:
    """Per facility of a school level (the registry's assigned levels): classes by level
    (``classes_<level>``, the level's classes column) and whether the count is within 建标102-2002
    (:data:`layers.norms.SCHOOL_CLASSES` by sub-type; a nine-year school counts both levels).
    ``flag`` is ``above``, ``below`` or ``""``; rows for every open school and kindergarten."""
    svcs = [SERVICES[lv] for lv in _LEVELS]
    f = facilities[facilities["family"].isin({fam for s in svcs for fam in s.families})]
    if not len(f):
        return []
    # a level's classes count only on the facilities supplying it (a junior-only school has no primary classes)
    cls = {s.key: np.where(f.index.isin(service_facilities(f, s).index), classes_of(f, s.capacity), 0) for s in svcs}
    col = {lv: classes_column(lv) for lv in cls}  # once, not per school (a checked call)
    rows = []
    for i, r in enumerate(f.itertuples(index=False)):
        key = str(r.subtype)
        total = int(sum(int(c[i]) for c in cls.values()))
        lo_hi = SCHOOL_CLASSES.get(key)
        flag = "" if lo_hi is None else "above" if total > lo_hi[1] else "below" if total < lo_hi[0] else ""
        pid = getattr(r, "project_id", "")
        rows.append({"facility_id": str(r.facility_id), "name": str(r.name), "name_en": _name_en(r), "subtype": key,
                     "project_id": None if pid is None or pid != pid or pid == "" else str(pid),
                     **{col[lv]: int(c[i]) for lv, c in cls.items()}, "classes": total,
                     "range": None if lo_hi is None else list(lo_hi), "flag": flag})
    return rows

__all__ = ["Evaluator", "LevelResult", "Evaluation", "evaluate", "evaluate_years", "level_sites"]


def level_sites(facilities: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Facilities supplying ``level`` with a positive capacity, with ``capacity`` (int) added."""
    s = SERVICES[level]
    f = service_facilities(facilities, s).copy()
    f["capacity"] = pd.to_numeric(f[s.capacity], errors="coerce").fillna(0).round().astype(np.int64)
    return f[f["capacity"] > 0].reset_index(drop=True)


@dataclass
class LevelResult:
    """Evaluation of one level. ``summary`` and ``by_district`` are what the CLI prints."""

    level: str
    minutes: float
    summary: dict
    by_district: pd.DataFrame
    schools: gpd.GeoDataFrame
    assignment: Assignment
    histogram: list
    _evaluator: "Evaluator" = field(repr=False, default=None)
    catchment: dict | None = None
    #: The rule the headline figures follow (``walk`` or ``catchment``, :mod:`scenarios.one_rule`).
    assign: str = "walk"
    #: The walking-minutes view of the level, its own section (:func:`scenarios.one_rule.walk_check`).
    walk_check: dict | None = None
    #: The norm check (规范核查) in metres, :func:`accessibility.norm_check.norm_share` (None: no norm distance).
    norm_check: dict | None = None
    #: The 划片 assignment itself (``assign="catchment"``), for the catchment map (scenarios.catchments).
    catchment_assignment: Assignment | None = field(repr=False, default=None)

    def catchments(self) -> gpd.GeoDataFrame:
        """Each school's catchment: the dissolved squares of the cells sending it most of their children."""
        return self._evaluator.catchments(self)

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The open schools of the level with seats (``capacity``), ``assigned`` and ``seat_utilisation``
        (assigned / seats; ``utilisation`` its old name)."""
        return self.schools.assign(level=self.level)

    def school_rows(self) -> list[dict]:
        """Per open school: id, name (and ``name_en``, None where unknown), sub-type, project (if a project), district, seats, pupils
        assigned, seat_utilisation (assigned / seats; 1.0 = full; the old key ``utilisation`` kept) —
        JSON-ready, in layer order."""
        sch = self.schools
        names = self._evaluator.district_names if self._evaluator is not None else {}
        rows = []
        for r in sch.itertuples(index=False):
            pid = getattr(r, "project_id", None)
            yr = getattr(r, "open_year", None)
            by = getattr(r, "build_year", None)
            rows.append({
                "facility_id": str(r.facility_id), "name": str(r.name), "name_en": _name_en(r), "subtype": str(r.subtype),
                "project_id": None if pid is None or pid != pid or pid == "" else str(pid),
                "open_year": None if yr is None or yr != yr else int(yr),
                "district": names.get(str(r.district_id), str(r.district_id)) if r.district_id is not None else None,
                "seats": int(r.capacity), "assigned": int(r.assigned),
                "seat_utilisation": None if r.capacity <= 0 else float(r.seat_utilisation),
                "utilisation": None if r.capacity <= 0 else float(r.seat_utilisation),  # old key = seat_utilisation
                "build_year": None if by is None or by != by else int(by), "classes": int(r.classes),
                "pupils_per_class": None if r.classes <= 0 else float(r.assigned) / float(r.classes),
                "class_flag": class_flag(None if r.classes <= 0 else float(r.assigned) / float(r.classes), self.level),
                "changes": str(getattr(r, "changes", "") or ""),
            })
            rows[-1]["warning"] = str(getattr(r, "warning", "") or "")  # 学位预警 (scenarios.seat_warnings)
            if hasattr(r, "walk_assigned"):  # the rule is the catchment: the walking-minutes load beside it
                rows[-1]["walk_assigned"] = int(r.walk_assigned)
                rows[-1]["walk_utilisation"] = None if r.capacity <= 0 else float(r.walk_assigned) / float(r.capacity)
            if self.catchment is not None:
                c = self.catchment["school_load"][len(rows) - 1]
                rows[-1]["catchment_assigned"] = int(c)
                rows[-1]["catchment_seat_utilisation"] = None if r.capacity <= 0 else float(r.catchment_seat_utilisation)
                rows[-1]["catchment_utilisation"] = rows[-1]["catchment_seat_utilisation"]  # the old key
                rows[-1]["catchment_pupils_per_class"] = None if r.classes <= 0 else float(c) / float(r.classes)
                rows[-1]["catchment_class_flag"] = class_flag(rows[-1]["catchment_pupils_per_class"], self.level)
        return rows


@dataclass
class Evaluation:
    """A scenario evaluated in one year (all levels)."""

    scenario: str
    year: int
    seconds: float
    levels: dict
    assign: str = "walk"
    demand_mode: str = "growth"
    building: list = field(default_factory=list)
    class_checks: list = field(default_factory=list)

    def to_json(self) -> dict:
        """The CONTRACT.md structure (scenario, year, seconds, levels{...}) plus the additive keys
        ``assign``, ``demand_mode``, ``years_note``, ``building``, ``class_checks`` and per level the
        seat balance, classes, ``walk_check`` (the walking-minutes view), ``norm_check`` (the norm
        check in metres) and (catchment mode) ``catchment``."""
        out = {"scenario": self.scenario, "year": self.year, "seconds": round(self.seconds, 3), "levels": {}}
        for lv, r in self.levels.items():
            d = dict(r.summary)
            d["by_district"] = r.by_district.to_dict(orient="records")
            d["minutes_distribution"] = r.histogram
            d["schools"] = r.school_rows()
            if r.catchment is not None:
                d["catchment"] = {k: v for k, v in r.catchment.items() if k != "school_load"}
            d["rule"] = r.assign
            if r.walk_check is not None:
                d["walk_check"] = r.walk_check
            d["norm_check"] = r.norm_check
            out["levels"][lv] = d
        out["assign"] = self.assign
        out["demand_mode"] = self.demand_mode
        out["years_note"] = (f"{self.year} = the school year starting September {self.year}; projects seat pupils "
                             f"from their open_year; build_year is the plan's year (construction starts)")
        out["building"] = self.building
        out["class_checks"] = {"source": SCHOOL_CLASSES_SOURCE, "schools": self.class_checks,
                               "outside_range": sum(1 for c in self.class_checks if c["flag"])}
        return out

    def to_dict(self) -> dict:
        """Same as :meth:`to_json` (the name the other result objects use)."""
        return self.to_json()

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The open schools of every level evaluated, one row per (level, school), column ``level``."""
        frames = [r.to_geodataframe() for r in self.levels.values()]
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs) \
            if frames else gpd.GeoDataFrame()


def _cells_of(area):
    """The population cells' points (x, y), district ids, the district ids and names in layer order and
    each cell's district position (-1: outside every district), for :class:`Evaluator`."""
    pop = area.population
    pts = pop.geometry if (pop.geom_type == "Point").all() else pop.geometry.representative_point()
    cell_xy = np.c_[pts.x.to_numpy(), pts.y.to_numpy()]
    cell_district = pop["district_id"].astype(str).to_numpy()
    d = area.districts
    district_ids = d["district_id"].astype(str).tolist()
    district_names = dict(zip(district_ids, d["name"].astype(str)))
    cell_dix = pd.Series(np.arange(len(district_ids)), index=district_ids).reindex(
        cell_district).fillna(-1).astype(int).to_numpy()
    for arr in (cell_xy, cell_district, cell_dix):
        arr.flags.writeable = False  # shared by every evaluator of the area
    return cell_xy, cell_district, district_ids, district_names, cell_dix


class Evaluator:
    """Scenario evaluation on one study area; the networks, the cell snapping and each site's
    reach come from the area's :class:`accessibility.context.ComputeContext` (built once per
    area), so an Evaluator itself is cheap. Get one with :meth:`for_area`."""

    def __init__(self, area, mode: str = "walk"):
        self.area = area
        self.mode = mode
        self.context = ComputeContext.for_area(area)
        self.net = self.context.network(mode)
        self.cell_snap = self.context.cell_snap(mode)
        # the cells' points and districts, made once per area (every evaluation made them again: an
        # evaluator per evaluation); shared and read only
        (self.cell_xy, self.cell_district, self.district_ids, self.district_names,
         self.cell_dix) = self.context.memo(("evaluate.cells",), lambda: _cells_of(area))

    @classmethod
    def for_area(cls, area, mode: str = "walk") -> "Evaluator":
        """An evaluator of ``area`` (its costly parts live in the area's compute context)."""
        return cls(area, mode)

    # ------------------------------------------------------------------ reach

    def pairs(self, points: gpd.GeoSeries, limit_s: float):
        """Cell -> site pairs within ``limit_s`` for sites at ``points`` (cached per site location
        by :meth:`accessibility.context.ComputeContext.pairs`)."""
        return self.context.pairs(points, float(limit_s), self.mode)

    # ------------------------------------------------------------------ evaluation

    @validate_params({"level": LEVEL, "minutes": MINUTES, "assign": ASSIGN})
    def evaluate_level(self, facilities, level: str, year: int, minutes: float | None = None,
                       demand: np.ndarray | None = None, assign: str = "walk",
                       demand_mode: str | None = None, zones=None) -> LevelResult:
        """Assign one level's children to the open sites' seats and summarise (seat balance first)."""
        mins = float(minutes if minutes is not None else SERVICES[level].minutes)
        sites = level_sites(facilities, level)
        cap_col = SERVICES[level].capacity
        sites["classes"] = classes_of(sites, cap_col) if len(sites) else np.zeros(0, np.int64)
        dem = children(self.area, level, year, mode=demand_mode) if demand is None else demand
        o, d, s = self.pairs(sites.geometry, mins * 60.0)
        a = solve_transport(dem, sites["capacity"].to_numpy(), o, d, s)
        travel_min = a.cost / 60.0
        # Why a child is unserved matters to the education bureau: no school of the level within
        # the limit at all (a siting gap) versus schools in reach that are full (a seat shortage).
        in_reach = np.zeros(len(dem), bool)
        in_reach[o] = True
        no_seat_cell = np.where(in_reach, a.unserved_cell, 0)
        nd = len(self.district_ids)
        ok = self.cell_dix >= 0
        by = pd.DataFrame({
            "district": [self.district_names[k] for k in self.district_ids],
            "district_id": self.district_ids,
            "demand": np.bincount(self.cell_dix[ok], dem[ok], nd).astype(np.int64),
            "seats": np.zeros(nd, np.int64),
            "assigned": np.bincount(self.cell_dix[ok], a.assigned_cell[ok], nd).astype(np.int64),
        })
        by["unserved"] = by["demand"] - by["assigned"]
        by["unserved_no_seat"] = np.bincount(self.cell_dix[ok], no_seat_cell[ok], nd).astype(np.int64)
        by["unserved_beyond_reach"] = by["unserved"] - by["unserved_no_seat"]
        site_d = _district_of(self.area, sites) if len(sites) else []
        # the one capacity-by-district rule (accessibility.capacity): the indicators read the same
        cap_d = capacity_by_district(sites, self.area.districts, level)
        by["seats"] = by["district_id"].map(cap_d).fillna(0).round().astype(np.int64)
        by["coverage"] = np.where(by["demand"] > 0, by["assigned"] / by["demand"].where(by["demand"] > 0, 1), np.nan)
        cell_flow_d = self.cell_dix[a.orig]
        by["median_minutes"] = [weighted_median(travel_min[cell_flow_d == k], a.flow[cell_flow_d == k])
                                for k in range(nd)]
        # cells and schools outside every district (gis.districts) still count in the level totals;
        # keep the sums exact
        out_d = ~ok
        out_seats = int(round(cap_d[OUTSIDE]))
        if (out_d.any() and dem[out_d].sum()) or out_seats:
            extra = pd.DataFrame([{"district": "(outside districts)", "district_id": "", "demand": int(dem[out_d].sum()),
                                   "seats": out_seats, "assigned": int(a.assigned_cell[out_d].sum())}])
            extra["unserved"] = extra["demand"] - extra["assigned"]
            extra["unserved_no_seat"] = int(no_seat_cell[out_d].sum())
            extra["unserved_beyond_reach"] = extra["unserved"] - extra["unserved_no_seat"]
            extra["coverage"] = extra["assigned"] / extra["demand"]
            extra["median_minutes"] = np.nan
            by = pd.concat([by, extra], ignore_index=True)
        sc = pd.Series(sites["classes"].to_numpy(), index=site_d).groupby(level=0).sum() if len(sites) else {}
        by["classes"] = by["district_id"].map(sc).fillna(0).astype(np.int64)
        _balance(by, level)
        summary = {
            "demand": int(dem.sum()), "seats": int(sites["capacity"].sum()), "assigned": a.assigned,
            "unserved": a.unserved, "unserved_no_seat": int(no_seat_cell.sum()),
            "unserved_beyond_reach": a.unserved - int(no_seat_cell.sum()), "median_minutes": weighted_median(travel_min, a.flow),
            "coverage": (a.assigned / int(dem.sum())) if dem.sum() else None, "minutes": mins,
            "schools": int(len(sites)),
        }
        tot = pd.DataFrame([{"demand": summary["demand"], "seats": summary["seats"], "coverage": summary["coverage"],
                             "classes": int(sites["classes"].sum())}])
        _balance(tot, level)
        summary.update({k: tot[k].iloc[0] for k in ("enrolment", "balance", "demand_ratio", "utilisation", "walk_share",
                                                     "classes", "pupils_per_class", "class_flag")})
        # seats per child of the level (the inverse of demand_ratio), as the seat map's title gives it
        summary["seat_ratio"] = (summary["seats"] / summary["demand"]) if summary["demand"] else None
        summary["districts_large_classes"] = int(by["class_flag"].isin(["large", "super_large"]).sum())
        summary["districts_over_norm_class"] = int((by["class_flag"] != "").sum())
        cols = ["facility_id", "name", NAME_EN, "subtype", "project_id", "open_year", "build_year", "capacity", "classes",
                "changes", "geometry"]
        schools = sites[[c for c in cols if c in sites.columns]].copy()
        schools["assigned"] = a.load
        schools["seat_utilisation"] = seat_utilisation(a.load, schools["capacity"])
        schools["utilisation"] = schools["seat_utilisation"]  # the old name, kept
        schools["district_id"] = site_d
        catch = self._catchment(sites, site_d, dem, mins, level, by, zones) if assign == "catchment" else None
        catch_a = catch.pop("assignment") if catch is not None else None
        if catch is not None:  # the 划片 load per school, beside the walking one
            schools["catchment_assigned"] = np.asarray(catch["school_load"], np.int64)
            schools["catchment_seat_utilisation"] = seat_utilisation(catch["school_load"], schools["capacity"])
        # one rule per run (scenarios.one_rule): the walking figures become the walking-minutes section and,
        # under the catchment rule, the headline figures the catchment's; class sizes per school
        walk = walk_check(summary, by, mins)
        if catch is not None:
            apply_catchment(summary, by, schools, catch)
        school_classes(summary, by, schools, level, class_flag)
        # the norm check (规范核查) in metres, one function for every output (accessibility.norm_check);
        # its limited search is cheap and cached by the area's compute context
        norm = norm_share(self.area, level, sites, demand=dem)
        summary["norm_share"] = None if norm is None else norm["share"]
        nd_share = {} if norm is None else {r["district_id"]: r["share"] for r in norm["by_district"]}
        by["norm_share"] = [nd_share.get(str(k)) for k in by["district_id"]]
        return LevelResult(level, mins, summary, by, schools, a, minute_histogram(travel_min, a.flow, mins), self,
                           catchment=catch, assign=assign, walk_check=walk, catchment_assignment=catch_a,
                           norm_check=norm)

    def _catchment(self, sites, site_d, dem, mins, level, by, zones=None) -> dict:
        """划片 assignment: each child to a school of its own district (or catchment zone, ``zones``),
        with capacity, no walking cut-off. Children in cells outside every zone stay unserved
        (``outside_zones``).

        Pairs: every cell with every open school of its district; cost the walking seconds (a pair
        with no route costs :data:`NO_ROUTE_S`). The same exact transportation LP as the walking
        mode (:func:`scenarios.assign.solve_transport`): most children seated, then least walking.
        """
        nd = len(self.district_ids)
        zone_rows = _zones_for(zones, level)
        if zone_rows is None:  # 划片 by district
            site_dix = pd.Series(np.arange(nd), index=self.district_ids).reindex(list(site_d)).fillna(-1).astype(int)
            site_grp = site_dix.to_numpy() if len(sites) else np.zeros(0, int)
            cell_grp = self.cell_dix
        else:  # 划片 by the user's catchment zones: cells and schools grouped by the zone they lie in
            cell_grp, site_grp = _zone_groups(zone_rows, self.area.population, sites)
        o_r, d_r, s_r = self.pairs(sites.geometry, CATCHMENT_REACH_S) if len(sites) else (
            np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
        O, D = [], []
        for j in range(len(sites)):
            cells = np.flatnonzero((cell_grp == site_grp[j]) & (dem > 0)) if site_grp[j] >= 0 else np.empty(0, int)
            O.append(cells)
            D.append(np.full(len(cells), j, np.int64))
        o = np.concatenate(O) if O else np.empty(0, np.int64)
        d = np.concatenate(D) if D else np.empty(0, np.int64)
        cost = _pair_seconds(o_r, d_r, s_r, o, d, len(dem), len(sites))
        a = solve_transport(dem, sites["capacity"].to_numpy(), o, d, cost)
        has_route = a.cost < NO_ROUTE_S
        walk_min = np.where(has_route, a.cost / 60.0, np.nan)
        # Seated within the norm radius of the school seating them: the standard's network distance
        # (GB 50180-2018: primary 500 m, ...; accessibility.norm_check.norm_radius_m, the one radius),
        # not the minutes view (10 min x 60 m/min = 600 m): a walk's metres are its minutes at the mode's
        # speed (the off-street legs are walked at that speed too). Issue 25. A level without a norm
        # distance has no such count (None), never its minutes times a speed.
        speed = SPEEDS[self.mode].m_per_min
        radius_m = norm_radius_m(level)
        within = has_route & (walk_min * speed <= (radius_m if radius_m is not None else -1.0) + 1e-9)
        has_norm = radius_m is not None
        ok = self.cell_dix >= 0
        cell_d = self.cell_dix[a.orig]
        rows = []
        seated_d = np.bincount(self.cell_dix[ok], a.assigned_cell[ok], nd)  # once, not once per district
        for k in range(nd):
            sel = cell_d == k
            f = a.flow[sel]
            n_ass = int(seated_d[k])
            rows.append({"district": self.district_names[self.district_ids[k]], "district_id": self.district_ids[k],
                         "enrolment": int(by["enrolment"].iloc[k]), "seats": int(by["seats"].iloc[k]),
                         "assigned": n_ass, "unserved": int(by["enrolment"].iloc[k]) - n_ass,
                         "median_walk_minutes": weighted_median(walk_min[sel & has_route], a.flow[sel & has_route]),
                         "within_norm": int(f[within[sel]].sum()) if has_norm else None,
                         "within_norm_share": (float(f[within[sel]].sum()) / n_ass) if n_ass and has_norm else None,
                         "no_route": int(f[~has_route[sel]].sum())})
        n = a.assigned
        return {"assigned": n, "unserved": a.unserved,
                "median_walk_minutes": weighted_median(walk_min[has_route], a.flow[has_route]),
                "p90_walk_minutes": _weighted_quantile(walk_min[has_route], a.flow[has_route], 0.9),
                "within_norm": int(a.flow[within].sum()) if has_norm else None,
                "within_norm_share": float(a.flow[within].sum()) / n if n and has_norm else None,
                "norm_minutes": mins, "no_route": int(a.flow[~has_route].sum()),
                "norm_distance_m": radius_m, "speed_m_per_min": float(speed),
                "rule": ("划片: own district" if zone_rows is None else "划片: own catchment zone (user layer)")
                        + ", capacity, no walking cut-off; least total walking",
                "outside_zones": int(dem[cell_grp < 0].sum()) if zone_rows is not None else 0,
                "by_district": rows, "school_load": a.load.tolist(), "assignment": a}

    @validate_params(_CHECKS)
    def evaluate(self, scenario, year: int, minutes: float | None = None, levels=LEVELS, assign: str = "walk",
                 demand_mode: str | None = None, zones=None) -> Evaluation:
        """Evaluate ``scenario`` (a Scenario or a spec) in ``year`` for ``levels``.

        ``assign``: ``walk`` (default) or ``catchment`` (adds the 划片 assignment, key ``catchment``);
        ``demand_mode``: ``cohort`` / ``growth`` / None (cohort when the area has births);
        ``zones``: catchment zones (:func:`load_zones`) replacing districts in catchment mode."""
        t0 = time.perf_counter()
        check_year(year)
        scn = resolve_scenario(self.area, scenario)
        edited = scenario_area(self.area, scn, year)  # the scenario's streets in that year (scenarios.streets)
        if edited is not self.area:
            return Evaluator.for_area(edited, self.mode).evaluate(scn, year, minutes, levels, assign=assign,
                                                                  demand_mode=demand_mode, zones=zones)
        fac = facilities_for(self.area, scn, year)
        mode = demand_mode or default_mode(self.area)
        res = {lv: self.evaluate_level(fac, lv, year, minutes, assign=assign, demand_mode=mode, zones=zones)
               for lv in levels}
        p = scn.projects
        building = [{"project_id": str(r.project_id), "name": str(r.name), "name_en": _name_en(r), "type": str(r.type),
                     "build_year": int(r.build_year), "open_year": int(r.open_year)}
                    for r in p.itertuples(index=False)
                    if r.build_year is not pd.NA and r.build_year == r.build_year and r.build_year <= year < r.open_year]
        return Evaluation(scn.name, int(year), time.perf_counter() - t0, res, assign=assign, demand_mode=mode,
                          building=building, class_checks=school_class_checks(fac))

    # ------------------------------------------------------------------ catchments

    def cell_squares(self) -> gpd.GeoSeries:
        """Square polygon of each population cell (the cell polygons themselves when given).

        Made once per area (the area's compute context keeps it: 0.1 s at the demo's 10,000 cells, and
        every seat map, catchment layer and gains map of every year asked again); shared, never modify it."""
        return self.context.memo(("evaluate.cell_squares",), self._cell_squares)

    def _cell_squares(self) -> gpd.GeoSeries:
        pop = self.area.population
        if not (pop.geom_type == "Point").all():
            return pop.geometry
        size = self.area.cell_size
        if not size:
            # lazy: scikit-learn takes ~1 s to import; only point cells of unknown size need it
            from sklearn.neighbors import KDTree

            dist, _ = KDTree(self.cell_xy).query(self.cell_xy, k=2)
            size = float(np.median(dist[:, 1])) if len(self.cell_xy) > 1 else 100.0
        h = size / 2.0
        x, y = self.cell_xy[:, 0], self.cell_xy[:, 1]
        return gpd.GeoSeries(shapely.box(x - h, y - h, x + h, y + h), crs=self.area.crs)

    def catchments(self, result: LevelResult) -> gpd.GeoDataFrame:
        """Per school the dissolved squares of the cells that send it most of their assigned children."""
        main = result.assignment.main_school()
        sq = self.cell_squares()
        has = main >= 0
        g = gpd.GeoDataFrame({"site": main[has], "children": result.assignment.assigned_cell[has]},
                             geometry=sq[has].values, crs=self.area.crs)
        if not len(g):
            return gpd.GeoDataFrame({"facility_id": [], "name": [], "children": []},
                                    geometry=gpd.GeoSeries([], crs=self.area.crs))
        diss = g.dissolve(by="site", aggfunc={"children": "sum"}).reset_index()
        sch = result.schools.reset_index(drop=True)
        diss["facility_id"] = sch["facility_id"].to_numpy()[diss["site"]]
        diss["name"] = sch["name"].to_numpy()[diss["site"]]
        if NAME_EN in sch.columns:
            diss[NAME_EN] = sch[NAME_EN].to_numpy()[diss["site"]]
        diss["level"] = result.level
        return diss[["facility_id", "name", *([NAME_EN] if NAME_EN in sch.columns else []), "level", "children",
                     "geometry"]]


def _balance(by: pd.DataFrame, level: str) -> None:
    """Add the seat-balance columns in reading order: enrolment, balance, demand_ratio (children /
    seats, :func:`accessibility.capacity.demand_ratio`; ``utilisation`` is its old name, kept),
    walk_share, pupils_per_class, class_flag (``by`` has demand, seats, coverage, classes)."""
    by["enrolment"] = by["demand"]
    by["balance"] = by["seats"] - by["demand"]
    by["demand_ratio"] = demand_ratio(by["demand"], by["seats"])
    by["utilisation"] = by["demand_ratio"]
    by["walk_share"] = by["coverage"]
    by["pupils_per_class"] = np.where(by["classes"] > 0, by["demand"] / by["classes"].where(by["classes"] > 0, 1),
                                      np.nan)
    by["class_flag"] = [class_flag(v, level) for v in by["pupils_per_class"]]


def load_zones(path, crs) -> gpd.GeoDataFrame:
    """A user's catchment-zone layer (划片范围): polygons with ``zone_id`` and optional ``level``
    (primary / junior / kindergarten; empty = every level), in ``crs``.

    Raises
    ------
    InputError
        Unreadable file, no CRS, missing ``zone_id``, an empty id, an unknown level or a geometry
        that is not a polygon (file, row and field named).
    """
    try:
        z = gpd.read_file(path, engine="pyogrio")
    except Exception as e:  # noqa: BLE001 - any reader failure is bad input, said in one line
        raise InputError(f"cannot read the zones file ({type(e).__name__})", file=path) from None
    if z.crs is None:
        raise InputError("the zones layer has no CRS", file=path, field="crs")
    if "zone_id" not in z.columns:
        raise InputError("column is missing", file=path, field="zone_id")
    if "level" not in z.columns:
        z["level"] = ""
    z["level"] = z["level"].fillna("").astype(str).str.strip()
    for i, r in enumerate(z.itertuples(index=False), start=1):
        if r.zone_id is None or str(r.zone_id).strip() in ("", "nan", "None"):
            raise InputError("empty zone_id", file=path, row=i, field="zone_id")
        if r.level and r.level not in LEVELS:
            raise InputError(f"unknown level {r.level!r}; use {', '.join(LEVELS)} or leave it empty", file=path,
                             row=i, field="level")
        if r.geometry is None or r.geometry.is_empty or r.geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError("each zone needs a polygon", file=path, row=i, field="geometry")
    z["zone_id"] = z["zone_id"].astype(str).str.strip()
    return z[["zone_id", "level", "geometry"]].to_crs(crs)


def _zones_for(zones, level):
    """The zone rows for ``level`` (its own rows, else the all-level rows), or None without zones."""
    if zones is None or len(zones) == 0:
        return None
    own = zones[zones["level"] == level]
    rows = own if len(own) else zones[zones["level"] == ""]
    return rows if len(rows) else None


def _zone_groups(zones, population, sites):
    """Zone index of each population cell and each site (-1: in no zone)."""
    z = zones.reset_index(drop=True).assign(district_id=[str(i) for i in range(len(zones))])
    pts = population.geometry if (population.geom_type == "Point").all() else population.geometry.representative_point()

    def grp(g):
        ids = district_of(g, z, tolerance_m=0.0, outside="none") if len(g) else []
        return np.array([-1 if v is None else int(v) for v in ids], dtype=int)

    return grp(pts), grp(sites.geometry)


#: Cells x sites up to which :func:`_pair_seconds` looks pairs up in a dense table (8 bytes each: 64 MB).
DENSE_PAIRS = 8_000_000


def _pair_seconds(o_r, d_r, s_r, o, d, n_cells: int, n_sites: int) -> np.ndarray:
    """Walking seconds of each pair (``o``, ``d``) among the routed pairs (``o_r``, ``d_r``, ``s_r``: each
    (cell, site) at most once), :data:`NO_ROUTE_S` for a pair with no route.

    Up to :data:`DENSE_PAIRS` cells x sites a dense cell-by-site table (one scatter, one gather: the demo's
    700,000 routed pairs in a few milliseconds, where sorting them cost tens in every 划片 evaluation); beyond
    it the routed keys are sorted and searched (memory stays that of the pairs)."""
    if not len(o_r):
        return np.full(len(o), NO_ROUTE_S)
    if n_cells * max(n_sites, 1) <= DENSE_PAIRS:
        table = np.full((n_cells, max(n_sites, 1)), NO_ROUTE_S)
        table[o_r, d_r] = s_r
        return table[o, d]
    m = max(n_sites, 1)
    key_r, key = o_r.astype(np.int64) * m + d_r, np.asarray(o, np.int64) * m + d
    order = np.argsort(key_r, kind="stable")
    pos = np.searchsorted(key_r[order], key)
    hit = key_r[order][np.minimum(pos, len(key_r) - 1)] == key
    cost = np.full(len(key), NO_ROUTE_S)
    cost[hit] = s_r[order][pos[hit]]
    return cost


def _weighted_quantile(values, weights, q) -> float:
    v, w = np.asarray(values, float), np.asarray(weights, float)
    pos = w > 0
    if not pos.any():
        return float("nan")
    v, w = v[pos], w[pos]
    order = np.argsort(v, kind="stable")
    cw = np.cumsum(w[order])
    return float(v[order][min(np.searchsorted(cw, q * cw[-1], side="left"), len(v) - 1)])


@validate_params(_CHECKS)
def evaluate(area, scenario, year: int = 2025, minutes: float | None = None, levels=LEVELS, assign: str = "walk",
             demand_mode: str | None = None, zones=None) -> Evaluation:
    """Evaluate a scenario in a year on ``area`` (see :class:`Evaluator`)."""
    return Evaluator.for_area(area).evaluate(scenario, year, minutes, levels, assign=assign, demand_mode=demand_mode,
                                             zones=zones)


@validate_params(_CHECKS)
def evaluate_years(area, scenario, years=PLAN_YEARS, minutes=None, levels=LEVELS, assign: str = "walk") -> list:
    """One :class:`Evaluation` per year (default 2021-2030, :data:`scenarios.model.PLAN_YEARS`)."""
    ev = Evaluator.for_area(area)
    scn = resolve_scenario(area, scenario)
    return [ev.evaluate(scn, y, minutes, levels, assign=assign) for y in years]
