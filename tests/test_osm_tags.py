"""layers.osm_tags: the tag table, school sub-types, capacities, and OSM features -> facility layer."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

import layers.osm_tags as T
from layers.schema import FACILITY_COLUMNS, FAMILY_CAPACITY, SUBTYPES


@pytest.mark.parametrize("tags,family,subtype", [
    ({"amenity": "school"}, "school", "primary"),
    ({"amenity": "school", "isced:level": "2"}, "school", "junior"),
    ({"amenity": "school", "isced:level": "1;2"}, "school", "nine_year"),
    ({"amenity": "school", "isced:level": "2;3"}, "school", "complete"),
    ({"amenity": "school", "name": "运城市东城初级中学"}, "school", "junior"),
    ({"amenity": "school", "name": "Kaisaniemen ala-aste"}, "school", "primary"),
    ({"amenity": "kindergarten"}, "kindergarten", "kindergarten"),
    ({"amenity": "childcare", "min_age": "3"}, "kindergarten", "kindergarten"),
    ({"amenity": "hospital"}, "clinic", "hospital"),
    ({"healthcare": "centre"}, "clinic", "health_centre"),
    ({"amenity": "clinic"}, "clinic", "health_station"),
    ({"amenity": "doctors"}, "clinic", "health_station"),
    ({"amenity": "social_facility", "social_facility": "nursing_home"}, "elderly_care", "nursing_home"),
    ({"amenity": "social_facility", "social_facility": "assisted_living"}, "elderly_care", "nursing_home"),
    ({"amenity": "social_facility", "social_facility": "day_care"}, "elderly_care", "day_care"),
    ({"amenity": "social_facility", "social_facility": "outreach", "social_facility:for": "senior"},
     "elderly_care", "day_care"),
    ({"amenity": "library"}, "study_room", "study_room"),
    ({"leisure": "fitness_centre"}, "fitness", "fitness_centre"),
    ({"leisure": "sports_centre"}, "fitness", "fitness_centre"),
    ({"leisure": "pitch"}, "fitness", "pitch"),
    ({"leisure": "fitness_station"}, "fitness", "fitness_square"),
    ({"leisure": "park", "sport": "multi"}, "fitness", "sports_park"),
    ({"leisure": "track"}, "fitness", "trail"),
    ({"highway": "path", "fitness_trail": "yes"}, "fitness", "trail"),
])
def test_rule_table(tags, family, subtype):
    rule = T.match_tags(tags)
    assert rule is not None and rule.family == family
    got = T.school_subtype(tags) if family == "school" else rule.subtype
    assert got == subtype and got in SUBTYPES[family]


@pytest.mark.parametrize("tags", [
    {"amenity": "restaurant"}, {"leisure": "park"}, {"amenity": "social_facility", "social_facility": "day_care", "social_facility:for": "child"},
    {"amenity": "school", "isced:level": "3"}, {"amenity": "school", "name": "Ressun lukio"},
])
def test_not_facilities(tags):
    assert T.match_tags(tags) is None


@pytest.mark.parametrize("tags", [{"amenity": "childcare", "max_age": "3"}, {"amenity": "childcare"}])
def test_childcare_under_3_is_the_childcare_family(tags):
    r = T.match_tags(tags)
    assert (r.family, r.subtype) == ("childcare", "childcare_centre")
    assert T.capacity_for(r, r.subtype, {"capacity": "80"}, 0)["places_childcare"] == 80
    assert T.capacity_for(r, r.subtype, {}, 0)["places_childcare"] == 100


def test_culture_floor_area_is_footprint_times_levels():
    r = T.match_tags({"amenity": "arts_centre"})
    assert r.family == "culture"
    assert T.capacity_for(r, r.subtype, {"building:levels": "3"}, 400.0)["floor_area_m2"] == 1200.0
    assert T.capacity_for(r, r.subtype, {}, 400.0)["floor_area_m2"] == 400.0
    assert T.capacity_for(r, r.subtype, {}, 0)["floor_area_m2"] == 2000.0
    assert T.match_tags({"tourism": "museum"}).subtype == "museum"


def test_ownership_from_operator_type():
    assert T._attributes("kindergarten", {"operator:type": "government"}) == \
        {"ownership": "public", "puhui": True, "bed_type": ""}
    assert T._attributes("childcare", {"operator:type": "private"})["puhui"] is False
    assert T._attributes("fitness", {"operator:type": "government"})["ownership"] == ""


def test_every_rule_is_in_the_docstring_table_and_markdown():
    md = T.rules_markdown()
    for rule in T.TAG_RULES:
        assert rule.text in T.__doc__, rule.text
        assert rule.text in md
        assert rule.subtype in SUBTYPES[rule.family]


def test_capacity_from_tags_and_defaults():
    r = T.match_tags({"amenity": "hospital"})
    assert T.capacity_for(r, "hospital", {"beds": "250"}, 0)["beds"] == 250
    assert T.capacity_for(r, "hospital", {}, 0)["beds"] == 100
    kg = T.match_tags({"amenity": "kindergarten"})
    assert T.capacity_for(kg, "kindergarten", {}, 0)["places_kindergarten"] == 360
    assert T.capacity_for(kg, "kindergarten", {"capacity": "1,200"}, 0)["places_kindergarten"] == 1200
    s = T.match_tags({"amenity": "school"})
    nine = T.capacity_for(s, "nine_year", {}, 0)
    assert nine["seats_primary"] == 24 * 45 and nine["seats_junior"] == 12 * 50
    area_rule = T.capacity_for(s, "primary", {}, 20_000.0)  # 20,000 m2 / 20 m2 per pupil
    assert area_rule["seats_primary"] == 1000 and area_rule["seats_junior"] == 0
    assert T.capacity_for(s, "primary", {}, 100.0)["seats_primary"] == 6 * 45  # clamped to 6 classes
    f = T.match_tags({"leisure": "pitch"})
    assert T.capacity_for(f, "pitch", {}, 0)["area_m2"] == 800
    assert T.capacity_for(f, "pitch", {}, 1234.5)["area_m2"] == 1234.5


def _pyrosm_like():
    """Features as pyrosm.get_pois returns them: tag columns, rare tags in a JSON 'tags' column."""
    rows = [
        {"id": 1, "osm_type": "node", "amenity": "library", "leisure": None, "name": "Oodi",
         "tags": None, "geometry": Point(24.9380, 60.1740)},
        {"id": 2, "osm_type": "way", "amenity": "library", "leisure": None, "name": "Oodi",
         "tags": None, "geometry": box(24.9375, 60.1735, 24.9385, 60.1745)},
        {"id": 3, "osm_type": "way", "amenity": None, "leisure": "pitch", "name": None,
         "tags": json.dumps({"sport": "soccer"}), "geometry": box(24.940, 60.170, 24.9405, 60.1703)},
        {"id": 4, "osm_type": "node", "amenity": "school", "leisure": None, "name": "X",
         "tags": json.dumps({"isced:level": "1;2", "capacity": "900"}), "geometry": Point(24.945, 60.171)},
        {"id": 5, "osm_type": "node", "amenity": "cafe", "leisure": None, "name": "Y",
         "tags": None, "geometry": Point(24.946, 60.171)},
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def test_facilities_from_osm_pyrosm_frame():
    fac = T.facilities_from_osm(_pyrosm_like(), "EPSG:32635")
    assert list(fac.columns) == [*FACILITY_COLUMNS, "geometry"]
    assert str(fac.crs) == "EPSG:32635" and (fac.geometry.geom_type == "Point").all()
    assert fac.attrs["merged"] == 1  # the library node inside the library polygon of the same name
    by_id = fac.set_index("facility_id")
    assert set(by_id.index) == {"osm-way-2", "osm-way-3", "osm-node-4"}
    lib = by_id.loc["osm-way-2"]
    assert lib.family == "study_room" and lib.area_m2 > 1000  # the polygon's area, not the default
    pitch = by_id.loc["osm-way-3"]
    assert pitch["name"].startswith("(pitch") and 500 < pitch.area_m2 < 1500
    school = by_id.loc["osm-node-4"]
    assert school.subtype == "nine_year" and school.seats_primary + school.seats_junior == 900
    assert all(s.startswith("OpenStreetMap (ODbL)") for s in fac["source"])
    for _, r in fac.iterrows():  # capacity columns a family does not use are 0
        for col in ("seats_primary", "seats_junior", "places_kindergarten", "beds", "area_m2"):
            if col not in FAMILY_CAPACITY[r.family]:
                assert r[col] == 0


def test_facilities_from_osm_osmnx_frame():
    """osmnx features_from_* frames: (element, id) index, every tag a column."""
    idx = pd.MultiIndex.from_tuples([("node", 10), ("way", 11)], names=["element", "id"])
    gdf = gpd.GeoDataFrame({"amenity": ["kindergarten", "social_facility"],
                            "social_facility": [None, "nursing_home"], "beds": [None, "80"], "name": ["K", "N"]},
                           geometry=[Point(111.0, 35.03), box(111.01, 35.03, 111.011, 35.031)], index=idx,
                           crs="EPSG:4326")
    fac = T.facilities_from_osm(gdf, "EPSG:4546")
    assert list(fac["facility_id"]) == ["osm-node-10", "osm-way-11"]
    assert fac["places_kindergarten"].iloc[0] == 360 and fac["beds"].iloc[1] == 80


def test_facilities_from_osm_empty():
    fac = T.facilities_from_osm(gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"), "EPSG:4546")
    assert len(fac) == 0 and list(fac.columns) == [*FACILITY_COLUMNS, "geometry"]
