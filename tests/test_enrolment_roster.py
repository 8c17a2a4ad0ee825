"""Enrolment from a pupil roster (学籍) by grade progression (issue 23 item 7), against a hand-worked case."""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from layers.errors import InputError
from layers.validate import validate_roster
from scenarios.demand import children
from scenarios.enrolment import enrolment_table, roster_projection

from test_enrolment import CRS, three_cells

#: District A births (2016-2024 falling by 10 a year, 120 -> 40); B 50 a year.
BIRTHS_A = {y: 120 - 10 * (y - 2016) for y in range(2016, 2025)}
#: Roster 2022-2023: kindergarten k1 and primary p1 in district A, junior j1 in district B.
ROSTER = [("k1", 2022, "K1", 45), ("k1", 2022, "K2", 48), ("k1", 2022, "K3", 50),
          ("k1", 2023, "K1", 40), ("k1", 2023, "K2", 44), ("k1", 2023, "K3", 47),
          *[("p1", 2022, str(g), n) for g, n in zip(range(1, 7), (60, 62, 64, 66, 68, 70))],
          *[("p1", 2023, str(g), n) for g, n in zip(range(1, 7), (55, 60, 62, 64, 66, 68))],
          ("j1", 2022, "7", 70), ("j1", 2022, "8", 72), ("j1", 2022, "9", 75),
          ("j1", 2023, "7", 68), ("j1", 2023, "8", 70), ("j1", 2023, "9", 72)]


def roster_area(rows=ROSTER):
    a = three_cells()
    fac = gpd.GeoDataFrame({
        "facility_id": ["k1", "p1", "j1"], "name": ["幼", "小", "初"], "family": ["kindergarten", "school", "school"],
        "subtype": ["kindergarten", "primary", "junior"], "seats_primary": [0.0, 500.0, 0.0],
        "seats_junior": [0.0, 0.0, 300.0], "places_kindergarten": [200.0, 0.0, 0.0], "beds": 0.0, "area_m2": 0.0,
        "source": "test"}, geometry=[Point(2, 2), Point(3, 3), Point(15, 5)], crs=CRS)
    births = pd.DataFrame([{"district_id": d, "year": y, "births": BIRTHS_A[y] if d == "A" else 50}
                           for d in ("A", "B") for y in range(2016, 2025)])
    roster = pd.DataFrame(rows, columns=["school_id", "year", "grade", "pupils"])
    return a.replace(facilities=fac, births=births, roster=roster, validate=False)


def test_grade_progression_hand_worked():
    """Worked by hand from the roster above.

    Kindergarten k1 (district A): entry K1 = births 3 years earlier x the observed ratio, 45 / 90
    (births 2019) = 40 / 80 (2020) = 0.5. K2: one pair, 44 (2023) / 45 (K1 2022); K3: 47 / 48.
      2024: K1 = 70 (births 2021) x 0.5 = 35; K2 = 40 x 44/45 = 39.111; K3 = 44 x 47/48 = 43.083 -> 117.19
      2025: K1 = 60 x 0.5 = 30; K2 = 35 x 44/45 = 34.222; K3 = 39.111 x 47/48 = 38.296 -> 102.52
    Primary p1 (A): grade 1 = births 6 years earlier x 60/120 = 55/110 = 0.5; grades 2-6 progress at
    ratio 1 (60/60, 62/62 ...). 2024: grade 1 = 100 x 0.5 = 50, grades 2-6 = 55, 60, 62, 64, 66 -> 357.
    Junior j1 (B, no primary school there): grade 7 = the whole area's grade 6 a year earlier x
    68 / 70 (2023 over 2022's grade 6); 8 and 9 progress at 70/70 and 72/72 = 1.
      2024: grade 7 = 68 x 68/70 = 66.057; 8 = 68; 9 = 70 -> 204.057
    """
    a = roster_area()
    p = roster_projection(a, 2025).set_index(["school_id", "grade", "year"])["pupils"]
    assert p["k1", "K1", 2024] == pytest.approx(35) and p["k1", "K2", 2024] == pytest.approx(40 * 44 / 45)
    assert p["k1", "K3", 2024] == pytest.approx(44 * 47 / 48)
    assert p["k1", "K1", 2025] == pytest.approx(30) and p["k1", "K3", 2025] == pytest.approx(40 * 44 / 45 * 47 / 48)
    assert [p["p1", str(g), 2024] for g in range(1, 7)] == pytest.approx([50, 55, 60, 62, 64, 66])
    assert p["j1", "7", 2024] == pytest.approx(68 * 68 / 70) and p["j1", "9", 2024] == pytest.approx(70)
    assert p["j1", "7", 2023] == 68  # the roster's own years as given
    t = enrolment_table(a, years=(2024, 2025))
    assert set(t["mode"]) == {"roster"}
    got = {(r.district_id, r.level, r.year): r.enrolment for r in t.itertuples()}
    assert got["A", "kindergarten", 2024] == round(35 + 40 * 44 / 45 + 44 * 47 / 48) == 117
    assert got["A", "kindergarten", 2025] == round(30 + 35 * 44 / 45 + 40 * 44 / 45 * 47 / 48) == 103
    assert got["A", "primary", 2024] == 357
    assert got["B", "junior", 2024] == round(68 * 68 / 70 + 68 + 70) == 204
    # the assignment's whole children add up to the same district figures
    did = a.population["district_id"].to_numpy()
    assert children(a, "kindergarten", 2024)[did == "A"].sum() == 117
    # a district and level the roster does not cover keeps the census projection
    assert got["B", "kindergarten", 2024] == enrolment_table(a, years=(2024,), mode="cohort").set_index(
        ["district_id", "level"]).loc[("B", "kindergarten"), "enrolment"]


def test_without_roster_census_cohorts_serve():
    a = roster_area().replace(roster=None, validate=False)
    assert set(enrolment_table(a, years=(2024,))["mode"]) == {"cohort"}


@pytest.mark.parametrize("row,field,text", [
    (("zz", 2022, "K1", 10), "school_id", "zz"),          # unknown school
    (("k1", 2022, "K4", 10), "grade", "K4"),              # bad grade
    (("p1", 2022, "10", 10), "grade", "10"),
    (("k1", 2022, "K1", -3), "pupils", "-3"),             # negative pupils
    (("k1", 2022, "K1", 2.5), "pupils", "2.5"),
    (("k1", 2022.5, "K1", 3), "year", "2022.5"),
    (("j1", 2022, "K1", 3), "school_id", "j1"),           # a junior school has no kindergarten places
])
def test_bad_roster_rows_named(row, field, text):
    bad = pd.DataFrame([ROSTER[0], row], columns=["school_id", "year", "grade", "pupils"])
    with pytest.raises(InputError) as e:
        validate_roster(bad, roster_area().facilities, source="x/enrolment.csv")
    assert e.value.row == 2 and e.value.field == field and text in str(e.value) and "x/enrolment.csv" in str(e.value)
    dup = pd.DataFrame([ROSTER[0], ROSTER[0]], columns=["school_id", "year", "grade", "pupils"])
    with pytest.raises(InputError, match="twice"):
        validate_roster(dup, roster_area().facilities)


def test_gap_in_grades_refused():
    rows = [r for r in ROSTER if not (r[0] == "p1" and r[2] == "3")]
    with pytest.raises(InputError, match="grade 4 but not grade 3"):
        roster_projection(roster_area(rows), 2025)


def test_folder_writes_and_reloads_the_roster(tmp_path):
    """``export`` writes enrolment.csv back (the same rows, grades as text) and the folder reloads it;
    a bad row in the file is named by the loader."""
    from gis.folder import export_area, load_folder
    from test_folder import _area

    roster = pd.DataFrame({"school_id": ["s1", "s1", "k1", "s1"], "year": [2022, 2022, 2022, 2023],
                           "grade": ["1", "7", "K1", "1"], "pupils": [120, 95, 60, 118]})
    area = _area().replace(roster=roster, validate=False)
    files = export_area(area, tmp_path / "out")
    assert "enrolment.csv" in {f.name for f in files}
    back = load_folder(tmp_path / "out")
    assert back.roster[["school_id", "year", "grade", "pupils"]].to_dict(orient="records") == roster.to_dict(orient="records")
    export_area(back, tmp_path / "again")
    assert (tmp_path / "again" / "enrolment.csv").read_bytes() == (tmp_path / "out" / "enrolment.csv").read_bytes()
    (tmp_path / "out" / "enrolment.csv").write_text("school_id,year,grade,pupils\ns1,2022,1,120\ns1,2022,X,5\n",
                                                   encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_folder(tmp_path / "out")
    assert e.value.row == 2 and e.value.field == "grade" and "enrolment.csv" in str(e.value.file)
