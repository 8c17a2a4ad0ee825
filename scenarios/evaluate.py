"""Evaluate a scenario in a year: who gets a seat within the walking limit, by level and district.

Schools open in year ``Y`` are the existing facilities plus the scenario's projects with
``open_year <= Y`` (:func:`scenarios.model.facilities_for`). Per level (primary, junior,
kindergarten) children (:mod:`scenarios.demand`) are assigned to seats by the exact
transportation problem of :func:`scenarios.assign.solve_transport` over the walking network
pairs within the level's limit (:data:`layers.norms.SERVICES` minutes: kindergarten 5, primary
10, junior 15; ``minutes=`` overrides): most children served, then least total walking.

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

from accessibility.context import ComputeContext
from accessibility.params import check_minutes
from layers.families import SERVICES
from scenarios.assign import Assignment, minute_histogram, solve_transport, weighted_median
from scenarios.demand import LEVELS, check_year, children
from scenarios.model import PLAN_YEARS, _district_of, facilities_for, resolve_scenario

__all__ = ["Evaluator", "LevelResult", "Evaluation", "evaluate", "evaluate_years", "level_sites"]


def level_sites(facilities: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Facilities supplying ``level`` with a positive capacity, with ``capacity`` (int) added."""
    from accessibility.coverage import service_facilities

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

    def catchments(self) -> gpd.GeoDataFrame:
        """Each school's catchment: the dissolved squares of the cells sending it most of their children."""
        return self._evaluator.catchments(self)

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The open schools of the level with seats (``capacity``), ``assigned`` and ``utilisation``."""
        return self.schools.assign(level=self.level)

    def school_rows(self) -> list[dict]:
        """Per open school: id, name, sub-type, project (if a project), district, seats, pupils
        assigned, utilisation (assigned / seats; 1.0 = full) — JSON-ready, in layer order."""
        sch = self.schools
        names = self._evaluator.district_names if self._evaluator is not None else {}
        rows = []
        for r in sch.itertuples(index=False):
            pid = getattr(r, "project_id", None)
            yr = getattr(r, "open_year", None)
            rows.append({
                "facility_id": str(r.facility_id), "name": str(r.name), "subtype": str(r.subtype),
                "project_id": None if pid is None or pid != pid or pid == "" else str(pid),
                "open_year": None if yr is None or yr != yr else int(yr),
                "district": names.get(str(r.district_id), str(r.district_id)) if r.district_id is not None else None,
                "seats": int(r.capacity), "assigned": int(r.assigned),
                "utilisation": None if r.capacity <= 0 else float(r.assigned) / float(r.capacity),
            })
        return rows


@dataclass
class Evaluation:
    """A scenario evaluated in one year (all levels)."""

    scenario: str
    year: int
    seconds: float
    levels: dict

    def to_json(self) -> dict:
        """The CONTRACT.md structure (scenario, year, seconds, levels{...})."""
        out = {"scenario": self.scenario, "year": self.year, "seconds": round(self.seconds, 3), "levels": {}}
        for lv, r in self.levels.items():
            d = dict(r.summary)
            d["by_district"] = r.by_district.to_dict(orient="records")
            d["minutes_distribution"] = r.histogram
            d["schools"] = r.school_rows()
            out["levels"][lv] = d
        return out

    def to_dict(self) -> dict:
        """Same as :meth:`to_json` (the name the other result objects use)."""
        return self.to_json()

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The open schools of every level evaluated, one row per (level, school), column ``level``."""
        frames = [r.to_geodataframe() for r in self.levels.values()]
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs) \
            if frames else gpd.GeoDataFrame()


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
        pop = area.population
        pts = pop.geometry if (pop.geom_type == "Point").all() else pop.geometry.representative_point()
        self.cell_xy = np.c_[pts.x.to_numpy(), pts.y.to_numpy()]
        self.cell_district = pop["district_id"].astype(str).to_numpy()
        d = area.districts
        self.district_ids = d["district_id"].astype(str).tolist()
        self.district_names = dict(zip(self.district_ids, d["name"].astype(str)))
        self.cell_dix = pd.Series(np.arange(len(self.district_ids)), index=self.district_ids).reindex(
            self.cell_district).fillna(-1).astype(int).to_numpy()

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

    def evaluate_level(self, facilities, level: str, year: int, minutes: float | None = None,
                       demand: np.ndarray | None = None) -> LevelResult:
        """Assign one level's children to the open sites' seats and summarise."""
        mins = float(minutes if minutes is not None else SERVICES[level].minutes)
        sites = level_sites(facilities, level)
        dem = children(self.area, level, year) if demand is None else demand
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
        sd = pd.Series(sites["capacity"].to_numpy(), index=site_d).groupby(level=0).sum() if len(sites) else {}
        by["seats"] = by["district_id"].map(sd).fillna(0).astype(np.int64)
        by["coverage"] = np.where(by["demand"] > 0, by["assigned"] / by["demand"].where(by["demand"] > 0, 1), np.nan)
        cell_flow_d = self.cell_dix[a.orig]
        by["median_minutes"] = [weighted_median(travel_min[cell_flow_d == k], a.flow[cell_flow_d == k])
                                for k in range(nd)]
        # cells and schools outside every district (gis.districts) still count in the level totals;
        # keep the sums exact
        out_d = ~ok
        out_seats = int(sum(c for d, c in zip(site_d, sites["capacity"]) if d is None)) if len(sites) else 0
        if (out_d.any() and dem[out_d].sum()) or out_seats:
            extra = pd.DataFrame([{"district": "(outside districts)", "district_id": "", "demand": int(dem[out_d].sum()),
                                   "seats": out_seats, "assigned": int(a.assigned_cell[out_d].sum())}])
            extra["unserved"] = extra["demand"] - extra["assigned"]
            extra["unserved_no_seat"] = int(no_seat_cell[out_d].sum())
            extra["unserved_beyond_reach"] = extra["unserved"] - extra["unserved_no_seat"]
            extra["coverage"] = extra["assigned"] / extra["demand"]
            extra["median_minutes"] = np.nan
            by = pd.concat([by, extra], ignore_index=True)
        summary = {
            "demand": int(dem.sum()), "seats": int(sites["capacity"].sum()), "assigned": a.assigned,
            "unserved": a.unserved, "unserved_no_seat": int(no_seat_cell.sum()),
            "unserved_beyond_reach": a.unserved - int(no_seat_cell.sum()), "median_minutes": weighted_median(travel_min, a.flow),
            "coverage": (a.assigned / int(dem.sum())) if dem.sum() else None, "minutes": mins,
            "schools": int(len(sites)),
        }
        schools = sites[["facility_id", "name", "subtype", "project_id", "open_year", "capacity", "geometry"]].copy()
        schools["assigned"] = a.load
        schools["utilisation"] = np.where(schools["capacity"] > 0, a.load / schools["capacity"].clip(lower=1), np.nan)
        schools["district_id"] = site_d
        return LevelResult(level, mins, summary, by, schools, a, minute_histogram(travel_min, a.flow, mins), self)

    def evaluate(self, scenario, year: int, minutes: float | None = None, levels=LEVELS) -> Evaluation:
        """Evaluate ``scenario`` (a Scenario or a spec) in ``year`` for ``levels``."""
        t0 = time.perf_counter()
        check_minutes(minutes)
        check_year(year)
        scn = resolve_scenario(self.area, scenario)
        fac = facilities_for(self.area, scn, year)
        res = {lv: self.evaluate_level(fac, lv, year, minutes) for lv in levels}
        return Evaluation(scn.name, int(year), time.perf_counter() - t0, res)

    # ------------------------------------------------------------------ catchments

    def cell_squares(self) -> gpd.GeoSeries:
        """Square polygon of each population cell (the cell polygons themselves when given)."""
        pop = self.area.population
        if not (pop.geom_type == "Point").all():
            return pop.geometry
        size = self.area.cell_size
        if not size:
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
        diss["level"] = result.level
        return diss[["facility_id", "name", "level", "children", "geometry"]]


def evaluate(area, scenario, year: int = 2025, minutes: float | None = None, levels=LEVELS) -> Evaluation:
    """Evaluate a scenario in a year on ``area`` (see :class:`Evaluator`)."""
    return Evaluator.for_area(area).evaluate(scenario, year, minutes, levels)


def evaluate_years(area, scenario, years=PLAN_YEARS, minutes=None, levels=LEVELS) -> list:
    """One :class:`Evaluation` per year (default the plan years, :data:`scenarios.model.PLAN_YEARS`)."""
    check_minutes(minutes)
    ev = Evaluator.for_area(area)
    scn = resolve_scenario(area, scenario)
    return [ev.evaluate(scn, y, minutes, levels) for y in years]
