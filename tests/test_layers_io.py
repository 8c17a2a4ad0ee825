"""gis.layer_io: facility / project / population loaders over every format, encoding and coordinate system."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from gis.crs import wgs84_to_bd09, wgs84_to_gcj02
from gis.layer_io import load_facilities, load_population, load_projects, read_csv_text
from layers.schema import FACILITY_COLUMNS, POPULATION_COLUMNS, PROJECT_COLUMNS, PROJECT_OPTIONAL

CRS = "EPSG:4546"
LON, LAT = 111.0034, 35.0268  # central Yuncheng

CSV = ("facility_id,name,family,subtype,lon,lat,seats_primary,seats_junior\n"
       f"F1,东城小学,school,primary,{LON},{LAT},1080,0\n"
       f"F2,中城初中,school,junior,{LON + 0.01},{LAT},,1500\n")


def _expected_xy(lon, lat):
    return gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(CRS).iloc[0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings(tmp_path, encoding):
    p = tmp_path / "f.csv"
    p.write_bytes(CSV.encode(encoding))
    fac = load_facilities(p, crs=CRS)
    assert list(fac.columns) == [*FACILITY_COLUMNS, "geometry"]
    assert list(fac["name"]) == ["东城小学", "中城初中"]
    assert fac.attrs["encoding"] == ("gbk" if encoding == "gbk" else "utf-8")
    assert fac.loc[1, "seats_primary"] == 0 and fac.loc[1, "seats_junior"] == 1500
    assert fac.geometry.iloc[0].distance(_expected_xy(LON, LAT)) < 1e-6
    assert str(fac.crs) == CRS


@pytest.mark.parametrize("delim", [";", "\t", "|"])
def test_csv_delimiter_sniffed(tmp_path, delim):
    p = tmp_path / "f.csv"
    p.write_text(CSV.replace(",", delim), encoding="utf-8")
    fac = load_facilities(p, crs=CRS)
    assert len(fac) == 2 and fac.attrs["delimiter"] == delim


@pytest.mark.parametrize("lon_name,lat_name", [("lng", "lat"), ("Longitude", "Latitude"), ("x", "y"), ("经度", "纬度")])
def test_coordinate_aliases_and_optional_columns(tmp_path, lon_name, lat_name):
    p = tmp_path / "f.csv"
    p.write_text(f"id,family,{lon_name},{lat_name}\nK1,kindergarten,{LON},{LAT}\n", encoding="utf-8")
    fac = load_facilities(p, crs=CRS)
    row = fac.iloc[0]
    assert row.facility_id == "K1" and row.subtype == "kindergarten" and row["name"] == ""
    assert all(row[c] == 0 for c in ("seats_primary", "seats_junior", "places_kindergarten", "beds", "area_m2"))
    assert row.source == "user file f.csv"


@pytest.mark.parametrize("coords,func", [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_csv_chinese_web_map_coordinates(tmp_path, coords, func):
    mlon, mlat = func(LON, LAT)
    p = tmp_path / "f.csv"
    p.write_text(f"facility_id,family,lon,lat\nA,clinic,{mlon:.10f},{mlat:.10f}\n", encoding="utf-8")
    fac = load_facilities(p, crs=CRS, coords=coords)
    # GCJ-02 inverts to centimetres; Baidu's closed-form BD-09 inverse (as every tool uses it) to ~0.1 m.
    assert fac.geometry.iloc[0].distance(_expected_xy(LON, LAT)) < (0.05 if coords == "gcj02" else 0.5)
    raw = load_facilities(p, crs=CRS)  # read as WGS84 the same numbers land hundreds of metres away
    assert raw.geometry.iloc[0].distance(_expected_xy(LON, LAT)) > 100


def _gdf():
    return gpd.GeoDataFrame(
        {"facility_id": ["S1", "S2"], "name": ["a", "b"], "family": ["fitness", "study_room"],
         "subtype": ["pitch", "study_room"], "area_m2": [800.0, 120.0]},
        geometry=[Point(LON, LAT), Point(LON + 0.002, LAT + 0.001)], crs="EPSG:4326")


@pytest.mark.parametrize("name,driver", [("f.geojson", "GeoJSON"), ("f.gpkg", "GPKG"), ("f.shp", "ESRI Shapefile")])
def test_vector_formats(tmp_path, name, driver):
    p = tmp_path / name
    _gdf().to_file(p, driver=driver)
    fac = load_facilities(p, crs=CRS)
    assert list(fac["facility_id"]) == ["S1", "S2"] and list(fac["area_m2"]) == [800.0, 120.0]
    assert fac.geometry.iloc[0].distance(_expected_xy(LON, LAT)) < 1e-6


def test_vector_in_projected_crs_and_gcj(tmp_path):
    p = tmp_path / "proj.gpkg"
    _gdf().to_crs(CRS).to_file(p, layer="facilities")
    assert load_facilities(p, crs=CRS).geometry.iloc[0].distance(_expected_xy(LON, LAT)) < 1e-6
    g = _gdf()
    g.geometry = gpd.points_from_xy(*wgs84_to_gcj02(g.geometry.x.values, g.geometry.y.values), crs="EPSG:4326")
    p2 = tmp_path / "gcj.geojson"
    g.to_file(p2)
    fac = load_facilities(p2, crs=CRS, coords="gcj02")
    assert fac.geometry.iloc[0].distance(_expected_xy(LON, LAT)) < 0.05


def test_gpkg_layer_choice(tmp_path):
    p = tmp_path / "multi.gpkg"
    _gdf().to_file(p, layer="facilities")
    _gdf().iloc[:1].to_file(p, layer="other")
    assert len(load_facilities(p, crs=CRS)) == 2  # the layer named like the kind
    assert len(load_facilities(p, crs=CRS, layer="other")) == 1


def test_polygon_facilities_become_centroids(tmp_path):
    p = tmp_path / "poly.geojson"
    g = _gdf()
    g.geometry = [box(LON - 0.001, LAT - 0.001, LON + 0.001, LAT + 0.001), Point(LON, LAT)]
    g.to_file(p)
    fac = load_facilities(p, crs=CRS)
    assert (fac.geometry.geom_type == "Point").all()


def test_projects_and_population(tmp_path):
    pp = tmp_path / "projects.csv"
    pp.write_text("project_id,name,type,seats_primary,open_year,lon,lat\n"
                  f"P1,新小学,primary,2160,2023,{LON},{LAT}\nP2,新幼儿园,kindergarten,,2025.0,{LON},{LAT}\n",
                  encoding="utf-8")
    pr = load_projects(pp, crs=CRS)
    # the optional columns of the one projects spec: no plan year given (<NA>), classes derived later (0)
    assert list(pr.columns) == [*PROJECT_COLUMNS, *PROJECT_OPTIONAL, "geometry"]
    assert pr["build_year"].isna().all() and (pr["classes_primary"] == 0).all()
    assert pr["open_year"].tolist() == [2023, 2025] and pr["open_year"].dtype == "int64"
    pop = tmp_path / "pop.csv"
    cols = ",".join(POPULATION_COLUMNS)
    pop.write_text(f"{cols},lon,lat\nc1,140802001,100,3,3,6,3,14,19,{LON},{LAT}\n", encoding="utf-8")
    pg = load_population(pop, crs=CRS)
    assert pg["pop_total"].iloc[0] == 100 and pg["district_id"].iloc[0] == "140802001"


def test_rows_never_dropped_and_order_kept(tmp_path):
    p = tmp_path / "many.csv"
    n = 500
    rng = np.random.default_rng(0)
    lines = ["facility_id,family,lon,lat"] + [f"f{i},fitness,{LON + rng.uniform(-.05, .05)},{LAT}" for i in range(n)]
    p.write_text("\n".join(lines), encoding="utf-8")
    fac = load_facilities(p, crs=CRS)
    assert fac["facility_id"].tolist() == [f"f{i}" for i in range(n)]


def test_read_csv_text_keeps_cells_as_written(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("a,b\n007,\n", encoding="utf-8")
    df, info = read_csv_text(p)
    assert df["a"].iloc[0] == "007" and df["b"].iloc[0] == "" and info["delimiter"] == ","
