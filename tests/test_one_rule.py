"""One rule for each thing (issue 9, part 4): the projects validator, the empty layer, the projects ->
facilities converter, the district of a point and the atomic writer each exist once, and the
places that used to carry their own copy now agree."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from gis.districts import TOLERANCE_M, district_of
from gis.io import atomic_path, write_text_atomic
from layers.errors import InputError
from layers.frames import empty_layer, projects_as_facilities
from layers.plan import OPENING_LAG
from layers.schema import PROJECT_COLUMNS, PROJECT_OPTIONAL
from layers.validate import SPECS, validate_frame
from presentation.geojson import as_facilities
from scenarios.model import empty_projects, validate_projects

CRS = "EPSG:4546"


def _projects(**over) -> gpd.GeoDataFrame:
    row = {"project_id": "P1", "name": "新小", "type": "primary", "seats_primary": "2,160", "seats_junior": 0,
           "places_kindergarten": 0, "open_year": 2023, "source": "test"}
    row.update(over)
    return gpd.GeoDataFrame({k: [v] for k, v in row.items()}, geometry=[Point(500100, 3870100)], crs=CRS)


def _both(gdf):
    """The loader's and the scenario's verdict on the same projects: (values or InputError) twice."""
    out = []
    for check in (lambda g: validate_frame(pd.DataFrame(g.drop(columns="geometry")), "projects", file="p.csv"),
                  lambda g: validate_projects(g, source="p.csv")):
        try:
            out.append(check(gdf))
        except InputError as e:
            out.append(e)
    return out


def test_thousands_separator_accepted_by_loader_and_scenario():
    loaded, scen = _both(_projects())
    assert loaded["seats_primary"].tolist() == [2160] and scen["seats_primary"].tolist() == [2160]
    assert loaded["seats_primary"].dtype == scen["seats_primary"].dtype == "int64"


@pytest.mark.parametrize("over, field", [
    (dict(seats_primary=2160.5), "seats_primary"),            # a fraction of a seat
    (dict(seats_primary="2160.5"), "seats_primary"),
    (dict(seats_junior=100), "seats_junior"),                  # a primary school carries no junior seats
    (dict(type="kindergarten", seats_primary=0, places_kindergarten=360, seats_junior=5), "seats_junior"),
    (dict(seats_primary="1,5"), "seats_primary"),              # a decimal comma, not a thousands separator
])
def test_loader_and_scenario_reject_the_same_rows(over, field):
    loaded, scen = _both(_projects(**over))
    assert isinstance(loaded, InputError) and isinstance(scen, InputError)
    assert loaded.field == scen.field == field and loaded.row == scen.row == 1


def test_one_empty_layer():
    e = empty_projects(CRS)
    valid = validate_projects(_projects())
    assert list(e.columns) == list(valid.columns) and len(e) == 0
    assert dict(e.dtypes.astype(str)) == dict(valid.iloc[:0].dtypes.astype(str))
    # The loader's schema (with the optional build_year and classes per level), plus a scenario's notes.
    assert list(empty_layer("projects", CRS).columns) == [c for c in e.columns if c != "notes"]
    assert [c.name for c in SPECS["projects"]] == [*PROJECT_COLUMNS, *PROJECT_OPTIONAL]
    assert str(e["build_year"].dtype) == "Int64" and str(e["classes_primary"].dtype) == "int64"


def test_loader_and_scenario_read_build_year_and_classes_alike():
    """build_year (optional, nullable) and classes_* are in the one projects spec: the loader gives the
    scenario's columns and values, derives open_year from a build_year alone, and refuses the same rows."""
    loaded, scen = _both(_projects(build_year=2022, classes_primary="48"))
    for df in (loaded, scen):
        assert (df["build_year"].tolist(), df["classes_primary"].tolist(), df["classes_junior"].tolist()) == \
            ([2022], [48], [0])
    loaded, scen = _both(_projects())  # neither column given: no build year, classes derived later (0)
    assert loaded["build_year"].isna().all() and scen["build_year"].isna().all()
    assert str(loaded["build_year"].dtype) == str(scen["build_year"].dtype) == "Int64"
    only_build = _projects(build_year=2025).drop(columns="open_year")
    loaded, scen = _both(only_build)
    assert loaded["open_year"].tolist() == scen["open_year"].tolist() == [2025 + OPENING_LAG]


@pytest.mark.parametrize("over, field", [
    (dict(build_year=2024, open_year=2023), "open_year"),      # opens before its construction starts
    (dict(build_year=1990), "build_year"),
    (dict(classes_primary=2.5), "classes_primary"),
    (dict(classes_primary=-1), "classes_primary"),
    (dict(classes_junior="many"), "classes_junior"),
])
def test_loader_and_scenario_refuse_the_same_build_year_and_classes(over, field):
    loaded, scen = _both(_projects(**over))
    assert isinstance(loaded, InputError) and isinstance(scen, InputError), (loaded, scen)
    assert loaded.field == scen.field == field and loaded.row == scen.row == 1


def test_converter_maps_types_and_refuses_unknown_ones():
    p = validate_projects(_projects(type="nine_year", seats_junior=1500))
    f = projects_as_facilities(p)
    assert (f["family"].iloc[0], f["subtype"].iloc[0]) == ("school", "nine_year")
    assert (f["seats_primary"].iloc[0], f["seats_junior"].iloc[0], f["beds"].iloc[0]) == (2160, 1500, 0)
    assert f["facility_id"].iloc[0] == f["project_id"].iloc[0] == "P1"
    bad = p.assign(type="university")
    for convert in (projects_as_facilities, as_facilities):  # the map used to draw it as a school
        with pytest.raises(InputError) as e:
            convert(bad)
        assert e.value.field == "type" and e.value.row == 1
    assert as_facilities(f) is f  # facilities pass through


def _two_districts():
    return gpd.GeoDataFrame({"district_id": ["W", "E"]}, geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
                            crs=CRS)


def test_district_of_point_rule():
    d = _two_districts()
    pts = gpd.GeoSeries([Point(500, 500), Point(1500, 500), Point(1000, 500),  # inside W, inside E, on the shared edge
                         Point(2050, 500), Point(-TOLERANCE_M + 1, 500),       # just outside E, just outside W
                         Point(5000, 500)], crs=CRS)                            # far outside
    assert district_of(pts, d, outside="none") == ["W", "E", "W", "E", "W", None]
    with pytest.raises(InputError) as e:
        district_of(pts, d, file="schools.csv")
    assert e.value.row == 6 and e.value.field == "geometry"
    # the same points in another CRS are reprojected first (not the edge point: a round trip moves it off the line)
    got = district_of(pts.to_crs(4326), d, outside="none")
    assert [got[i] for i in (0, 1, 3, 4, 5)] == ["W", "E", "E", "W", None]


def test_atomic_writer_refuses_to_overwrite_when_asked(tmp_path):
    p = write_text_atomic(tmp_path / "a.txt", "first")
    with pytest.raises(FileExistsError):
        with atomic_path(p, overwrite=False) as tmp:
            tmp.write_text("second")
    assert p.read_text() == "first" and [x.name for x in tmp_path.iterdir()] == ["a.txt"]
    with atomic_path(tmp_path / "b.txt", overwrite=False) as tmp:
        tmp.write_text("new")
    assert (tmp_path / "b.txt").read_text() == "new"
    # a file appearing while we write is not clobbered either
    with pytest.raises(FileExistsError):
        with atomic_path(tmp_path / "c.txt", overwrite=False) as tmp:
            tmp.write_text("ours")
            (tmp_path / "c.txt").write_text("theirs")
    assert (tmp_path / "c.txt").read_text() == "theirs"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.txt", "b.txt", "c.txt"]
