"""Enrolment projection by cohort ageing, checked against a hand-worked three-cell, two-district case."""

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from gis.errors import InputError
from gis.study_area import StudyArea
from scenarios.demand import children
from scenarios.enrolment import enrolment_table, project_ages

CRS = "EPSG:4546"


def three_cells(births=True) -> StudyArea:
    """District A (cells c1, c2): survival 0.99, net migration +2 % a year; district B (cell c3):
    survival 1, net migration -10 % a year. Births: A 100 (2022), 80 (2023); B 50 (2022 only)."""
    districts = gpd.GeoDataFrame({"district_id": ["A", "B"], "name": ["甲", "乙"],
                                  "child_survival": [0.99, 1.0], "net_migration": [0.02, -0.10]},
                                 geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=CRS)
    pop = gpd.GeoDataFrame({
        "cell_id": ["c1", "c2", "c3"], "district_id": ["A", "A", "B"], "pop_total": [500.0, 300.0, 400.0],
        "age_0_2": [30.0, 10.0, 0.0], "age_3_5": [60.0, 0.0, 30.0], "age_6_11": [120.0, 60.0, 60.0],
        "age_12_14": [30.0, 0.0, 90.0], "age_65_plus": [50.0, 30.0, 40.0]},
        geometry=[Point(2, 2), Point(6, 6), Point(15, 5)], crs=CRS)
    fac = gpd.GeoDataFrame({"facility_id": [], "name": [], "family": [], "subtype": [], "seats_primary": [],
                            "seats_junior": [], "places_kindergarten": [], "beds": [], "area_m2": [], "source": []},
                           geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    b = pd.DataFrame({"district_id": ["A", "A", "B"], "year": [2022, 2023, 2022], "births": [100, 80, 50]})
    return StudyArea(name="three", crs=CRS, boundary=districts.dissolve()[["geometry"]].assign(name="t"),
                     districts=districts, population=pop, facilities=fac, projects=fac.iloc[:0], graph=nx.MultiDiGraph(),
                     synthetic=True, births=b if births else None)


FA = 0.99 * 1.02  # district A's yearly factor survival x (1 + net migration)
FB = 1.0 * 0.90


def test_base_cohorts_age_forward_hand_worked():
    a = three_cells()
    # 2023 (two years on), kindergarten ages 3-5 = base-year ages 1-3, each band split evenly:
    # c1: 30/3 + 30/3 + 60/3 = 40; c2: 10/3 + 10/3 + 0 = 6.667; c3: 0 + 0 + 30/3 = 10
    ages = project_ages(a, 2023)
    assert ages[:, 3:6].sum(axis=1) == pytest.approx([40 * FA ** 2, (20 / 3) * FA ** 2, 10 * FB ** 2])
    assert children(a, "kindergarten", 2023).tolist() == [41, 7, 8]  # 40.79, 6.80, 8.1 rounded
    # junior 2023 = base ages 10-12: 20 + 20 + 10 (c1), 10 + 10 + 0 (c2), 10 + 10 + 30 (c3)
    assert ages[:, 12:15].sum(axis=1) == pytest.approx([50 * FA ** 2, 20 * FA ** 2, 50 * FB ** 2])
    # the base year is the layer itself
    assert children(a, "primary", 2021).tolist() == [120, 60, 60]


def test_births_enter_and_age_hand_worked():
    a = three_cells()
    # 2026, kindergarten: age 3 born 2023, age 4 born 2022 (from births), age 5 = base-year age 0.
    # A's births go to c1 / c2 by their 0-2 cohort (30 : 10 = 0.75 : 0.25); B has no 0-2 children,
    # so its births go by population (c3 is its only cell). B has no 2023 figure: 2022's 50 is held.
    c1 = 80 * 0.75 * FA ** 3 + 100 * 0.75 * FA ** 4 + 10 * FA ** 5
    c2 = 80 * 0.25 * FA ** 3 + 100 * 0.25 * FA ** 4 + (10 / 3) * FA ** 5
    c3 = 50 * FB ** 3 + 50 * FB ** 4 + 0.0
    ages = project_ages(a, 2026)
    assert ages[:, 3:6].sum(axis=1) == pytest.approx([c1, c2, c3])
    assert children(a, "kindergarten", 2026).tolist() == [round(c1), round(c2), round(c3)] == [150, 50, 69]
    # a newborn is the year's births (age 0, no factor yet); 2030 has no figure: the last year's held
    assert project_ages(a, 2030)[:, 0] == pytest.approx([80 * 0.75, 80 * 0.25, 50])


def test_enrolment_table_and_modes():
    a = three_cells()
    t = enrolment_table(a, years=(2021, 2026), levels=("kindergarten",))
    got = {(r.district_id, r.year): r.enrolment for r in t.itertuples()}
    assert got == {("A", 2021): 60, ("B", 2021): 30, ("A", 2026): 150 + 50, ("B", 2026): 69}
    assert set(t["mode"]) == {"cohort"}
    # the growth mode stays available (no growth_rate here: constant)
    assert children(a, "kindergarten", 2026, mode="growth").tolist() == [60, 0, 30]
    no_births = three_cells(births=False)
    assert children(no_births, "kindergarten", 2026).tolist() == [60, 0, 30]
    with pytest.raises(InputError, match="births"):
        children(no_births, "kindergarten", 2026, mode="cohort")


def test_bad_births_named():
    a = three_cells().replace(births=pd.DataFrame({"district_id": ["A"], "year": [2022], "births": [10]}))
    with pytest.raises(InputError, match="no births for district"):
        project_ages(a, 2024)
    a = a.replace(births=pd.DataFrame({"district_id": ["A", "B"], "year": [2022, 2022.5], "births": [10, 5]}))
    with pytest.raises(InputError) as e:
        project_ages(a, 2024)
    assert e.value.row == 2 and e.value.field == "year"


def test_housing_adds_children_from_completion():
    a = three_cells().replace(housing=gpd.GeoDataFrame({"housing_id": ["h1"], "completion_year": [2025],
                                                        "dwellings": [1000], "per100_primary": [12.0]},
                                                       geometry=[Point(14, 4)], crs=CRS))
    before = children(a, "primary", 2024)
    after = children(a, "primary", 2025)
    base = three_cells()
    # 1000 dwellings x 12 per 100 = 120 primary pupils in c3 (the nearest cell) from 2025 on
    assert (before == children(base, "primary", 2024)).all()
    assert after[2] - children(base, "primary", 2025)[2] == 120 and (after[:2] == children(base, "primary", 2025)[:2]).all()


def test_demo_kindergartens_empty_while_juniors_fill(small_demo):
    """On the demo (births shaped on the national fall): kindergarten enrolment 2030 is below 2021 in
    most districts, while junior enrolment (children born before the fall) is not lower in most."""
    t = enrolment_table(small_demo, years=(2021, 2030), levels=("kindergarten", "junior"))
    assert set(t["mode"]) == {"cohort"}
    w = t.pivot_table(index=["level", "district_id"], columns="year", values="enrolment")
    kg, jr = w.loc["kindergarten"], w.loc["junior"]
    assert (kg[2030] < kg[2021]).sum() > len(kg) / 2
    assert (jr[2030] >= jr[2021]).sum() > len(jr) / 2
