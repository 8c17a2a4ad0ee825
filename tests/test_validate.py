"""layers.validate: every bad input is an InputError naming the file, the 1-based data row and the field."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from layers.errors import InputError
from gis.layer_io import load_facilities, load_population, load_projects
from layers.schema import POPULATION_COLUMNS
from layers.validate import SPECS, validate_frame, validate_geometry, validate_layer

CRS = "EPSG:4546"
LON, LAT = 111.0034, 35.0268
HEAD = "facility_id,name,family,subtype,lon,lat,seats_primary,beds"


def _csv(tmp_path, body, head=HEAD, name="fac.csv"):
    p = tmp_path / name
    p.write_text(head + "\n" + body + "\n", encoding="utf-8")
    return p


def _err(excinfo, row, field):
    e = excinfo.value
    assert e.row == row, e.one_line()
    assert e.field == field, e.one_line()
    msg = e.one_line()
    assert e.file and e.file in msg and (row is None or f"row {row}" in msg) and f"field '{field}'" in msg
    return msg


OK = f"F1,a,school,primary,{LON},{LAT},100,0"


@pytest.mark.parametrize("bad_row,field,text", [
    (f"F2,b,school,primary,{LON},{LAT},-5,0", "seats_primary", "negative"),
    (f"F2,b,school,primary,{LON},{LAT},many,0", "seats_primary", "not a number"),
    (f"F2,b,school,primary,{LON},{LAT},nan,0", "seats_primary", "finite"),
    (f"F2,b,school,primary,{LON},{LAT},inf,0", "seats_primary", "finite"),
    (f"F2,b,hospital,,{LON},{LAT},0,0", "family", "school, kindergarten, clinic"),
    (f"F2,b,school,university,{LON},{LAT},0,0", "subtype", "primary, junior, nine_year, complete"),
    (f"F1,b,school,primary,{LON},{LAT},0,0", "facility_id", "duplicate id 'F1' (also in row 1)"),
    (f",b,school,primary,{LON},{LAT},0,0", "facility_id", "empty id"),
    (f"F2,b,school,primary,{LON},{LAT},0,30", "beds", "does not use beds"),
    (f"F2,b,school,primary,,{LAT},0,0", "lon", "missing coordinate"),
    (f"F2,b,school,primary,{LON},abc,0,0", "lat", "not a number"),
    (f"F2,b,school,primary,{LAT},{LON + 20},0,0", "lat", "swapped"),
    ("F2,b,school,primary,500000,3876000,0,0", "lat", "projected metres"),
])
def test_facility_row_errors(tmp_path, bad_row, field, text):
    p = _csv(tmp_path, OK + "\n" + bad_row)
    with pytest.raises(InputError) as ei:
        load_facilities(p, crs=CRS)
    msg = _err(ei, 2, field)
    assert text in msg and "fac.csv" in msg


def test_thousands_separator_read_decimal_comma_refused(tmp_path):
    """'2,160' is 2160; '1,5' (a decimal comma in ';'-separated locales) is refused, never read as 15."""
    head = "facility_id;family;subtype;lon;lat;seats_primary;seats_junior"
    p = _csv(tmp_path, f'F1;school;nine_year;{LON};{LAT};2,160;"12,000"', head=head)
    fac = load_facilities(p, crs=CRS)
    assert fac.loc[0, "seats_primary"] == 2160 and fac.loc[0, "seats_junior"] == 12000
    p = _csv(tmp_path, f"F1;school;nine_year;{LON};{LAT};1,5;0", head=head)
    with pytest.raises(InputError) as ei:
        load_facilities(p, crs=CRS)
    assert "'1,5'" in _err(ei, 1, "seats_primary")


def test_missing_required_column(tmp_path):
    p = _csv(tmp_path, f"F1,a,{LON},{LAT}", head="facility_id,name,lon,lat")
    with pytest.raises(InputError) as ei:
        load_facilities(p, crs=CRS)
    msg = _err(ei, None, "family")
    assert "missing required column" in msg and "facility_id" in msg  # lists the columns found


def test_missing_coordinate_columns(tmp_path):
    p = _csv(tmp_path, "F1,a,school", head="facility_id,name,family")
    with pytest.raises(InputError, match="no longitude column"):
        load_facilities(p, crs=CRS)


def test_outside_boundary_with_swap_hint(tmp_path):
    boundary = gpd.GeoDataFrame(geometry=[box(110.9, 34.9, 111.1, 35.1)], crs="EPSG:4326")
    p = _csv(tmp_path, OK + f"\nF2,b,school,primary,{LON + 1},{LAT},0,0")
    with pytest.raises(InputError) as ei:
        load_facilities(p, crs=CRS, boundary=boundary)
    assert "outside the study-area boundary" in _err(ei, 2, "geometry")
    # A point in the Helsinki-like case: swapping lon and lat puts it inside the boundary.
    hel = gpd.GeoDataFrame(geometry=[box(24.93, 60.16, 24.96, 60.18)], crs="EPSG:4326")
    p2 = _csv(tmp_path, "H1,a,fitness,pitch,60.17,24.94,0,0", name="hel.csv")
    with pytest.raises(InputError) as ei:
        load_facilities(p2, crs="EPSG:32635", boundary=hel)
    assert "look swapped" in _err(ei, 1, "geometry")


def test_missing_and_empty_geometry(tmp_path):
    g = gpd.GeoDataFrame({"facility_id": ["a", "b"], "family": ["fitness", "fitness"]},
                         geometry=[Point(LON, LAT), None], crs="EPSG:4326")
    p = tmp_path / "g.geojson"
    g.to_file(p)
    with pytest.raises(InputError) as ei:
        load_facilities(p, crs=CRS)
    assert "geometry" in _err(ei, 2, "geometry")


def test_invalid_polygon_and_wrong_type():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    g = gpd.GeoDataFrame({"district_id": ["1", "2"], "name": ["a", "b"]},
                         geometry=[box(0, 0, 1, 1), bowtie], crs=CRS)
    with pytest.raises(InputError) as ei:
        validate_layer(g, "districts", file="d.gpkg")
    assert "invalid polygon" in _err(ei, 2, "geometry")
    g2 = gpd.GeoDataFrame({"facility_id": ["a"], "family": ["fitness"]}, geometry=[LineString([(0, 0), (1, 1)])],
                          crs=CRS)
    with pytest.raises(InputError) as ei:
        validate_layer(g2, "facilities", file="f.gpkg")
    assert "LineString where a point is needed" in _err(ei, 1, "geometry")
    g3 = gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point()], crs=CRS)
    with pytest.raises(InputError) as ei:
        validate_geometry(g3, "facilities", file="f.gpkg")
    assert "empty geometry" in _err(ei, 1, "geometry")


def test_boundary_must_be_one_polygon():
    g = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=CRS)
    with pytest.raises(InputError, match="exactly one polygon"):
        validate_layer(g, "boundary", file="b.gpkg")


@pytest.mark.parametrize("row,field,text", [
    ("P2,b,university,0,0,0,2024", "type", "primary, junior, nine_year, complete, kindergarten"),
    ("P2,b,primary,0,0,0,1999", "open_year", "2021-2035"),
    ("P2,b,primary,0,0,0,2040", "open_year", "2021-2035"),  # the loader and the scenarios share one horizon
    ("P2,b,primary,0,0,0,2024.5", "open_year", "integer"),
    ("P2,b,primary,0,0,0,", "open_year", "empty year"),
    ("P2,b,primary,-1,0,0,2024", "seats_primary", "negative"),
])
def test_project_errors(tmp_path, row, field, text):
    head = "project_id,name,type,seats_primary,seats_junior,places_kindergarten,open_year,lon,lat"
    p = _csv(tmp_path, f"P1,a,primary,2160,0,0,2023,{LON},{LAT}\n{row},{LON},{LAT}", head=head, name="proj.csv")
    with pytest.raises(InputError) as ei:
        load_projects(p, crs=CRS)
    assert text in _err(ei, 2, field)


def test_population_errors(tmp_path):
    head = ",".join(POPULATION_COLUMNS) + ",lon,lat"
    p = _csv(tmp_path, f"c1,d1,100,3,3,6,3,14,19,{LON},{LAT}\nc2,d1,,3,3,6,3,14,19,{LON},{LAT}", head=head, name="pop.csv")
    with pytest.raises(InputError) as ei:
        load_population(p, crs=CRS)
    assert "empty value" in _err(ei, 2, "pop_total")
    head2 = "cell_id,district_id,pop_total,lon,lat"
    p2 = _csv(tmp_path, f"c1,d1,100,{LON},{LAT}", head=head2, name="pop2.csv")
    with pytest.raises(InputError) as ei:  # cohorts are required: a missing one would hide its demand
        load_population(p2, crs=CRS)
    assert "missing required column" in _err(ei, None, "age_0_2")


def test_labels_and_case_are_normalised():
    df = pd.DataFrame({"facility_id": [1.0, "x"], "family": ["幼儿园", " School "], "subtype": ["", "初中"]})
    out = validate_frame(df, "facilities", file="t")
    assert out["facility_id"].tolist() == ["1", "x"]
    assert out["family"].tolist() == ["kindergarten", "school"]
    assert out["subtype"].tolist() == ["kindergarten", "junior"]


def test_specs_cover_every_layer():
    from layers.schema import LAYERS_OPTIONAL, LAYERS_REQUIRED

    assert set(SPECS) == {"boundary", "districts", "population", "facilities", "projects", "housing", "communities"}
    assert set(SPECS) == set(LAYERS_REQUIRED) | set(LAYERS_OPTIONAL)


def test_age_60_plus_is_derived_from_65_plus_when_absent_and_said_so():
    from layers.norms import AGE_60_PER_65

    df = pd.DataFrame({"cell_id": ["a", "b"], "district_id": ["d", "d"], "pop_total": [100, 10],
                       "age_0_2": [3, 0], "age_3_5": [3, 0], "age_6_11": [6, 0], "age_12_14": [3, 0],
                       "age_65_plus": [27, 9]})
    out = validate_frame(df, "population", file="t")
    assert out["age_60_plus"].tolist() == pytest.approx([27 * AGE_60_PER_65, 10.0])  # capped at the cell
    assert out.attrs["derived_cohorts"] == ["age_60_plus"]
    assert AGE_60_PER_65 == pytest.approx(0.1870 / 0.1350)
    given = validate_frame(df.assign(age_60_plus=[30, 9]), "population", file="t")
    assert given["age_60_plus"].tolist() == [30.0, 9.0] and "derived_cohorts" not in given.attrs


def test_facility_attributes_ownership_puhui_bed_type():
    df = pd.DataFrame({"facility_id": ["k1", "k2", "c1", "e1"], "family": ["kindergarten", "幼儿园", "childcare",
                                                                            "elderly_care"],
                       "ownership": ["公办", "private", "", ""], "puhui": ["", "是", "no", ""],
                       "bed_type": ["", "", "", "护理型"]})
    out = validate_frame(df, "facilities", file="t")
    assert out["ownership"].tolist() == ["public", "private", "", ""]
    assert out["puhui"].tolist() == [True, True, False, False]  # a public kindergarten is 普惠
    assert out["bed_type"].tolist() == ["", "", "", "nursing"]
    with pytest.raises(InputError) as ei:
        validate_frame(df.assign(puhui=["maybe", "", "", ""]), "facilities", file="t")
    assert _err(ei, 1, "puhui")
    with pytest.raises(InputError) as ei:  # bed type belongs to elderly care only
        validate_frame(df.assign(bed_type=["nursing", "", "", ""]), "facilities", file="t")
    assert "elderly_care" in _err(ei, 1, "bed_type")


def test_unsupported_and_missing_files(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_facilities(tmp_path / "nope.csv", crs=CRS)
    p = tmp_path / "f.xlsx"
    p.write_bytes(b"x")
    with pytest.raises(InputError, match="unsupported file type"):
        load_facilities(p, crs=CRS)
    e = tmp_path / "empty.csv"
    e.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        load_facilities(e, crs=CRS)
    with pytest.raises(InputError, match="unknown coordinate system"):
        load_facilities(_csv(tmp_path, OK), crs=CRS, coords="wgs72")


def test_floor_area_is_an_area_not_seats():
    df = pd.DataFrame({"facility_id": ["c1"], "family": ["culture"], "floor_area_m2": ["1234.5"]})
    assert validate_frame(df, "facilities", file="t")["floor_area_m2"].tolist() == [1234.5]
    with pytest.raises(InputError) as ei:  # childcare places are counted whole
        validate_frame(pd.DataFrame({"facility_id": ["c1"], "family": ["childcare"], "places_childcare": ["10.5"]}),
                       "facilities", file="t")
    assert _err(ei, 1, "places_childcare")
