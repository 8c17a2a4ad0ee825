"""A study area straight from the live OpenStreetMap APIs (Overpass / Nominatim) via osmnx.

Needs the internet, so it is not part of the offline default or of CI (a test monkeypatches
osmnx to check the plumbing). Layers are built exactly as for the Helsinki extract
(:mod:`gis.helsinki`): walking network, facilities through :mod:`layers.osm_tags`, districts from
named ``place`` nodes, population estimated from residential buildings — here at
:data:`M2_PER_RESIDENT` of floor area per resident, since no stated total exists for an arbitrary
place (an assumption, marked "estimated" in the data).
"""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import box

from gis.cache import tidy_graph
from gis.crs import local_projected_crs
from gis.helsinki import (
    CELL_SIZE,
    ESTIMATED_LAYERS,
    HELSINKI_COHORT_SHARES,
    M2_PER_RESIDENT,
    PLACE_KINDS,
    RESIDENTIAL_BUILDINGS,
    districts_from_places,
    estimated_total,
    population_from_buildings,
    residential_floor_area,
)
from gis.study_area import StudyArea
from layers.errors import InputError
from layers.frames import empty_layer
from layers.norms import AGE_60_DERIVED_NOTE
from layers.osm_tags import OSM_ATTRIBUTION, facilities_from_osm, osm_filter


def _features(ox, polygon, tags):
    try:
        return ox.features_from_polygon(polygon, tags=tags)
    except Exception:  # noqa: BLE001 - osmnx raises InsufficientResponseError when nothing matches
        return None


def load_online(place: str | None = None, bbox: tuple[float, float, float, float] | None = None, *,
                cohort_shares: dict[str, float] | None = None, name: str | None = None) -> StudyArea:
    """Build a study area from live OSM data for a place name or a bounding box.

    Parameters
    ----------
    place : str, optional
        A geocodable place (``"Kallio, Helsinki, Finland"``); its polygon is the boundary.
    bbox : (left, bottom, right, top), optional
        WGS84 bounding box (osmnx 2 order) when no place is given.
    cohort_shares : dict, optional
        Age-cohort shares of the population (default: the Helsinki assumptions of :mod:`gis.helsinki`).
    name : str, optional
        Name of the study area (default: the place, or ``online-bbox``).

    Returns
    -------
    StudyArea
        ``synthetic=False``; population estimated (see the module notes).

    Raises
    ------
    layers.errors.InputError
        Neither or both of ``place`` / ``bbox`` given, or the query fails (no network, unknown place).
    """
    # lazy: osmnx takes ~1.7 s to import; only this online loader needs it
    import osmnx as ox

    if (place is None) == (bbox is None):
        raise InputError("give either a place name or a bounding box", field="place")
    try:
        if place is not None:
            area_gdf = ox.geocode_to_gdf(place)
            polygon = area_gdf.geometry.iloc[0]
            G = ox.graph_from_place(place, network_type="walk", simplify=True, retain_all=False)
        else:
            polygon = box(*bbox)
            G = ox.graph_from_bbox(bbox, network_type="walk", simplify=True, retain_all=False)
    except Exception as e:  # noqa: BLE001 - network / geocoding errors: one clear line
        raise InputError(f"cannot fetch OpenStreetMap data ({type(e).__name__}: {e}); this needs the internet",
                         field="place" if place else "bbox") from e
    label = name or (place if place else "online-bbox")
    boundary_wgs = gpd.GeoDataFrame({"name": [label]}, geometry=[polygon], crs="EPSG:4326")
    crs = local_projected_crs(boundary_wgs)
    boundary = boundary_wgs.to_crs(crs)
    G = tidy_graph(ox.project_graph(G, to_crs=crs))
    pois = _features(ox, polygon, osm_filter())
    places = _features(ox, polygon, {"place": list(PLACE_KINDS)})
    buildings = _features(ox, polygon, {"building": sorted(RESIDENTIAL_BUILDINGS)})
    if places is not None:
        places = places[places.geometry.geom_type == "Point"].copy()
        places["osm_type"] = [t for t, _ in places.index]
        places["id"] = [i for _, i in places.index]
    districts = districts_from_places(places, boundary, label)
    if buildings is not None and len(buildings):
        b = buildings.copy()
        b["id"] = [i for _, i in b.index] if b.index.nlevels == 2 else range(len(b))
        res = residential_floor_area(b.reset_index(drop=True), crs)
        total = estimated_total(res)
    else:
        res, total = None, 0.0
    population = population_from_buildings(
        res if res is not None else gpd.GeoDataFrame({"floor_m2": []}, geometry=[], crs=crs), districts,
        total=total, cohort_shares=cohort_shares or HELSINKI_COHORT_SHARES, prefix="cell",
        source=f"estimated: OSM residential floor area / {M2_PER_RESIDENT:g} m2 per resident",
        outline=boundary.geometry.iloc[0])
    facilities = facilities_from_osm(pois, crs) if pois is not None else facilities_from_osm(None, crs)
    if len(facilities):
        # Overpass returns features that intersect the polygon; one whose centroid lies outside
        # belongs to the neighbouring area, not to this study area.
        facilities = facilities[facilities.geometry.within(boundary.geometry.iloc[0].buffer(1.0))].reset_index(drop=True)
    sources = {
        "network": f"OpenStreetMap walking network via osmnx (online); {OSM_ATTRIBUTION}",
        "facilities": f"OpenStreetMap features mapped by layers.osm_tags; {OSM_ATTRIBUTION}",
        "boundary": f"{'geocoded place polygon' if place else 'bounding box'}; {OSM_ATTRIBUTION}",
        "districts": f"approximate: Voronoi cells of OSM place nodes; {OSM_ATTRIBUTION}",
        "population": f"estimated from OSM residential buildings at {M2_PER_RESIDENT:g} m2 per resident; "
                      f"assumed cohort shares; {OSM_ATTRIBUTION}",
        "projects": "none",
    }
    sources["population"] += f"; {AGE_60_DERIVED_NOTE}"
    return StudyArea(name=label, crs=crs, boundary=boundary, districts=districts, population=population,
                     facilities=facilities, projects=empty_layer("projects", crs), graph=G, synthetic=False,
                     sources=sources, cell_size=CELL_SIZE, estimated=ESTIMATED_LAYERS)
