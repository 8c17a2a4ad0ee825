"""The plan's indicator table on a hand-made area: every computed value checked against hand arithmetic."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from accessibility.indicators import INFO, MET, NOT_COMPARABLE, NOT_MET, indicator_frame, indicator_table
from gis.study_area import StudyArea
from layers.norms import AGE_60_PER_65
from scenario_helpers import CRS, X0, Y0, grid_graph

STEP = 100.0


def hand_area(with_communities=True) -> StudyArea:
    """A 6 x 6 street grid; 25 cells of 960 residents (24,000); west D1 (x < 200 m: 10 cells), east D2 (15)."""
    n = 6
    G = grid_graph(n, STEP)
    w = (n - 1) * STEP
    boundary = gpd.GeoDataFrame({"name": ["hand"]}, geometry=[box(X0, Y0, X0 + w, Y0 + w)], crs=CRS)
    districts = gpd.GeoDataFrame({"district_id": ["D1", "D2"], "name": ["西区", "东区"]},
                                 geometry=[box(X0, Y0, X0 + 200, Y0 + w), box(X0 + 200, Y0, X0 + w, Y0 + w)], crs=CRS)
    # cells off the block centres (40 / 30 m from the corner) so every cell has one nearest street
    cx, cy = np.meshgrid(np.arange(n - 1) * STEP + 40 + X0, np.arange(n - 1) * STEP + 30 + Y0)
    cx, cy = cx.ravel(), cy.ravel()
    pop = gpd.GeoDataFrame({"cell_id": [f"c{i}" for i in range(25)],
                            "district_id": np.where(cx < X0 + 200, "D1", "D2"), "pop_total": 960.0},
                           geometry=gpd.points_from_xy(cx, cy), crs=CRS)
    for c, share in (("age_0_2", 0.03), ("age_3_5", 0.01), ("age_6_11", 0.06), ("age_12_14", 0.03),
                     ("age_65_plus", 0.125)):
        pop[c] = pop["pop_total"] * share  # no age_60_plus: derived from 65+ by the census ratio
    # childcare and kindergartens stand on a street, off the crossings (one nearest street each)
    rows = [  # family, subtype, x, y, capacity column, capacity, ownership, puhui, bed_type
        ("childcare", "childcare_centre", 50, 100, "places_childcare", 40, "public", True, ""),
        ("childcare", "childcare_centre", 150, 300, "places_childcare", 50, "private", False, ""),
        ("childcare", "childcare_centre", 350, 100, "places_childcare", 30, "private", True, ""),
        ("kindergarten", "kindergarten", 50, 200, "places_kindergarten", 100, "public", True, ""),
        ("kindergarten", "kindergarten", 250, 200, "places_kindergarten", 60, "private", True, ""),
        ("kindergarten", "kindergarten", 450, 400, "places_kindergarten", 40, "private", False, ""),
        ("clinic", "hospital", 300, 300, "beds", 168, "", False, ""),
        ("culture", "cultural_centre", 350, 350, "floor_area_m2", 300, "", False, ""),
        ("study_room", "study_room", 100, 100, "area_m2", 60, "", False, ""),
        ("fitness", "sports_park", 400, 100, "area_m2", 72000, "", False, ""),
        ("elderly_care", "nursing_home", 50, 150, "beds", 60, "public", False, "nursing"),
        ("elderly_care", "day_care", 450, 50, "beds", 40, "private", False, "general"),
    ]
    recs = []
    for k, (fam, sub, x, y, col, cap, own, ph, bt) in enumerate(rows):
        r = {"facility_id": f"f{k}", "name": f"{fam}{k}", "family": fam, "subtype": sub, "seats_primary": 0,
             "seats_junior": 0, "places_kindergarten": 0, "beds": 0, "area_m2": 0.0, "places_childcare": 0,
             "floor_area_m2": 0.0, "ownership": own, "puhui": ph, "bed_type": bt, "source": "test",
             "geometry": Point(X0 + x, Y0 + y)}
        r[col] = cap
        recs.append(r)
    fac = gpd.GeoDataFrame(recs, geometry="geometry", crs=CRS)
    com = None
    if with_communities:  # c1 holds the nursing home (x 50, y 150); c2 holds no care site; c3 is small
        com = gpd.GeoDataFrame({"community_id": ["c1", "c2", "c3"], "name": ["一社区", "二社区", "三社区"],
                                "district_id": ["D1", "D2", "D2"], "pop_total": [12000.0, 11000.0, 1000.0]},
                               geometry=[box(X0, Y0, X0 + 200, Y0 + 500), box(X0 + 200, Y0 + 200, X0 + 500, Y0 + 500),
                                         box(X0 + 200, Y0, X0 + 500, Y0 + 200)], crs=CRS)
    empty = gpd.GeoDataFrame({"project_id": []}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    return StudyArea(name="hand", crs=CRS, boundary=boundary, districts=districts, population=pop,
                     facilities=fac, projects=empty, graph=G, synthetic=True, cell_size=STEP, communities=com)


@pytest.fixture(scope="module")
def table():
    return indicator_table(hand_area())


def _row(table, key):
    return next(r for r in table["indicators"] if r["key"] == key)


def test_childcare_places_per_1000(table):
    r = _row(table, "childcare_per_1000")
    # 3 sites, 40 + 50 + 30 = 120 places, 25 x 960 = 24,000 residents -> 5.0 per 1,000 (target 5: met)
    assert r["value"] == pytest.approx(5.0) and r["status"] == MET and r["no"] == 19
    # west: 90 places / 9,600 residents = 9.375; east: 30 / 14,400 = 2.083
    assert r["by_district"]["西区"]["value"] == pytest.approx(90 / 9.6)
    assert r["by_district"]["东区"]["value"] == pytest.approx(30 / 14.4)
    # an area-wide ratio: the subdistricts' values are for information, no verdict (NORMS.md)
    assert r["by_district"]["东区"]["status"] == INFO and r["by_district"]["西区"]["status"] == INFO
    assert r["national_target_2025"] == 4.5 and r["status_national"] == MET
    assert r["class_norms"]["max_per_class"] == {"infant": 10, "toddler_small": 15, "toddler_large": 20, "mixed": 18}
    assert r["baseline_2020"] == 2.0 and r["target_2025"] == 5.0
    assert r["walking"]["cohort"] == "age_0_2" and 0 <= r["walking"]["value"] <= 1


def test_ratios_are_ratios_not_2sfca(table):
    assert _row(table, "beds_per_1000")["value"] == pytest.approx(168 / 24.0)  # 7.0: met
    assert _row(table, "beds_per_1000")["status"] == MET
    cul = _row(table, "culture_area_per_10k")  # (300 + 60) m2 / 2.4 (10,000s) = 150 < 180.5
    assert cul["value"] == pytest.approx(150.0) and cul["status"] == NOT_MET
    assert cul["by_district"]["西区"]["value"] == pytest.approx(60 / 0.96)  # the study room is in the west
    sp = _row(table, "sports_area_per_capita")  # 72,000 / 24,000 = 3.0 >= 2.6: met even as a lower bound
    assert sp["value"] == pytest.approx(3.0) and sp["status"] == MET
    # the west has no fitness site: shown for information, an area-wide ratio has no district verdict
    assert sp["by_district"]["西区"]["status"] == INFO and sp["by_district"]["西区"]["value"] == 0


def test_kindergarten_shares_and_enrolment_proxy(table):
    ph = _row(table, "kindergarten_puhui_share")  # 普惠 places (100 public + 60) / 200 = 80 % < 93
    assert ph["value"] == pytest.approx(80.0) and ph["status"] == NOT_MET and ph["no"] == 7
    pub = _row(table, "public_kindergarten_share")  # 100 / 200 = 50 % < 55
    assert pub["value"] == pytest.approx(50.0) and pub["status"] == NOT_MET
    ge = _row(table, "kindergarten_gross_enrolment_proxy")  # 200 places / (1 % of 24,000 = 240 children)
    assert ge["value"] == pytest.approx(200 / 240 * 100) and ge["kind"] == "proxy"
    assert "proxy" in ge["en"] and "毛入园率" in ge["zh"]


def test_elderly_care_rows(table):
    # 养老机构护理型床位占比: 60 nursing beds over the nursing home's 60 beds; the day-care centre's 40 are
    # not institutional beds (over all 100 beds it would be 60 %)
    nb = _row(table, "nursing_bed_share")
    assert nb["value"] == pytest.approx(100.0) and nb["status"] == MET
    assert nb["detail"] == {"numerator": 60.0, "denominator": 60.0}
    eb = _row(table, "elderly_beds_per_1000_60plus")  # 100 beds / (12.5 % x 24,000 x census ratio)
    assert eb["value"] == pytest.approx(100 / (3000 * AGE_60_PER_65) * 1000)
    assert eb["status"] == NOT_COMPARABLE


def test_care_site_per_community_lists_the_large_ones_without(table):
    r = _row(table, "care_site_per_large_community")
    assert r["value"] == 1 and r["status"] == NOT_MET
    assert [c["community_id"] for c in r["detail"]["without_site"]] == ["c2"]
    assert r["detail"]["large_communities"] == 2
    no_com = indicator_table(hand_area(with_communities=False), walking=False)
    assert _row(no_com, "care_site_per_large_community")["status"] == NOT_COMPARABLE


def test_puhui_childcare_in_every_subdistrict(table):
    r = _row(table, "puhui_childcare_per_subdistrict")
    assert r["value"] == 0 and r["status"] == MET  # 西区 has the public one, 东区 a private 普惠 one


def test_city_wide_targets_are_not_comparable_in_a_district(table):
    r = _row(table, "study_rooms_2025")
    assert r["value"] == 1 and r["target_2025"] == 50 and r["status"] == NOT_COMPARABLE
    assert all(v["status"] == INFO for v in r["by_district"].values())
    assert r["scope"]["kind"] == "city_count" and r["scope"]["study_area_is_target_area"] is not True
    assert "city-wide" in r["reason"]["en"] and "not the whole city" in r["reason"]["en"]
    for key in ("doctors_per_1000", "destitute_care_share"):
        assert _row(table, key)["status"] == NOT_COMPARABLE and _row(table, key)["value"] is None


def test_frame_has_area_and_district_rows(table):
    df = indicator_frame(table, "en")
    assert set(df["status"]) <= {MET, NOT_MET, NOT_COMPARABLE, INFO}
    assert {"nature", "scope", "target_area", "population_base", "measure"} <= set(df.columns)
    cc = df[df["key"] == "childcare_per_1000"].set_index("place")
    assert cc.loc["area", "value"] == pytest.approx(5.0) and cc.loc["西区", "value"] == pytest.approx(9.375)


def test_title_and_life_circle_name():
    from layers.norms import LIFE_CIRCLE_SOURCE
    from layers.plan import PLAN_SOURCE, PLAN_TITLE

    assert PLAN_TITLE == "运城市“十四五”公共服务和社会保障事业规划" and PLAN_TITLE in PLAN_SOURCE
    assert "15分钟社区生活圈" in LIFE_CIRCLE_SOURCE and "一刻钟" not in LIFE_CIRCLE_SOURCE


def test_cli_json_and_csv(monkeypatch, tmp_path, capsys):
    import json

    import gis.areas
    from hedong.cli import main

    area = hand_area()
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": area)
    assert main(["indicators", "--json", "--no-walking"]) == 0
    out = json.loads(capsys.readouterr().out)
    row = next(r for r in out["indicators"] if r["key"] == "childcare_per_1000")
    assert row["value"] == pytest.approx(5.0) and row["status"] == MET and row["walking"] is None
    csv = tmp_path / "ind.csv"
    assert main(["indicators", "--csv", str(csv), "--lang", "en", "--no-walking"]) == 0
    text = csv.read_text(encoding="utf-8-sig")
    assert "childcare_per_1000" in text and "西区" in text
    assert main(["indicators", "--csv", str(csv), "--no-walking"]) == 2  # no overwrite without --overwrite
    assert "--overwrite" in capsys.readouterr().err


def test_published_rows_are_the_table(table):
    """The published index and the app show indicator_rows, which are the table's rows (same numbers)."""
    from presentation import publish

    area = hand_area()
    rows = publish.indicator_rows(area, lang="en", table=table)
    assert [r["key"] for r in rows] == [r["key"] for r in table["indicators"]]
    for r, t in zip(rows, table["indicators"]):
        assert r["value"] == t["value"] and r["status"] == t["status"]
    html = publish._indicator_district_table(rows, "en")
    assert "西区" in html and publish.fmt_value(90 / 9.6) in html  # childcare places per 1,000 in the west
