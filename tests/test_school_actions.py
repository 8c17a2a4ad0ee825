"""Actions on existing schools in a scenario (expand, close/merge, convert) and class-size flags."""

import geopandas as gpd
import pytest
from shapely.geometry import Point

from demo.facilities import project_capacity
from gis.errors import InputError
from scenario_helpers import CRS, X0, Y0, grid_area
from scenarios.compare import compare
from scenarios.evaluate import evaluate
from scenarios.model import facilities_for, load_scenario, resolve_scenario, save_scenario


def area_with_two_primaries():
    a = grid_area()
    extra = gpd.GeoDataFrame({
        "facility_id": ["s3"], "name": ["二小"], "family": ["school"], "subtype": ["primary"],
        "seats_primary": [90], "seats_junior": [0], "places_kindergarten": [0], "beds": [0], "area_m2": [0.0],
        "source": ["test"]}, geometry=[Point(X0 + 800, Y0 + 800)], crs=CRS)
    return a.replace(facilities=gpd.GeoDataFrame(gpd.pd.concat([a.facilities, extra], ignore_index=True), crs=CRS))


def test_expand_close_convert_evaluate_save_reload_compare(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path / "data"))
    a = area_with_two_primaries()
    s = resolve_scenario(a, "existing").copy("acts")
    s = s.add_action("expand", "s1", 2023, level="primary", classes=2)      # A1: +90 seats in 2023
    s = s.add_action("close", "s3", 2024, into="s1")                        # A2: s3 merged into s1
    s = s.add_action("convert", "k1", 2025, beds=40)                        # A3: 幼转老
    base = {y: evaluate(a, "existing", y, assign="catchment").to_json() for y in (2022, 2025)}
    ev = {y: evaluate(a, s, y, assign="catchment").to_json() for y in (2022, 2023, 2025)}
    seats = {y: {r["facility_id"]: r["seats"] for r in ev[y]["levels"]["primary"]["schools"]} for y in ev}
    assert seats[2022] == {"s1": 150, "s3": 90}
    assert seats[2023] == {"s1": 150 + 2 * 45, "s3": 90}
    assert seats[2025] == {"s1": 150 + 90 + 90}  # s3 closed, its seats (and pupils) moved to s1
    assert ev[2025]["levels"]["primary"]["seats"] == base[2025]["levels"]["primary"]["seats"] + 90
    s1 = [r for r in ev[2025]["levels"]["primary"]["schools"] if r["facility_id"] == "s1"][0]
    s1_before = [r for r in base[2025]["levels"]["primary"]["schools"] if r["facility_id"] == "s1"][0]
    assert s1["catchment_assigned"] > s1_before["catchment_assigned"]  # the pupils of s3 moved to s1
    assert "A2 takes over s3" in s1["changes"] and "A1 expand" in s1["changes"]
    # the kindergarten is an elderly-care site from 2025: no kindergarten places left
    assert ev[2025]["levels"]["kindergarten"]["seats"] == 0 and ev[2022]["levels"]["kindergarten"]["seats"] == 40
    fac = facilities_for(a, s, 2025)
    k1 = fac[fac["facility_id"] == "k1"].iloc[0]
    assert k1["family"] == "elderly_care" and k1["beds"] == 40
    # save, reload (GeoPackage and GeoJSON), compare
    path = save_scenario(s)
    back = load_scenario(path, a)
    assert back.actions.drop(columns=[]).to_dict(orient="records") == s.actions.to_dict(orient="records")
    gj = save_scenario(s, tmp_path / "acts.geojson")
    assert load_scenario(gj, a).actions.to_dict(orient="records") == s.actions.to_dict(orient="records")
    assert evaluate(a, "acts", 2025).to_json()["levels"]["primary"]["seats"] == ev[2025]["levels"]["primary"]["seats"]
    r = compare(a, ["existing", "acts"], 2025)
    assert [(d["action_id"], d["change"]) for d in r["actions"][0]] == [("A1", "added"), ("A2", "added"),
                                                                       ("A3", "added")]
    assert r["delta"]["primary"]["seats"] == 90


def test_bad_actions_are_named():
    a = area_with_two_primaries()
    s = resolve_scenario(a, "existing").copy("bad")
    with pytest.raises(InputError, match="expand needs a level"):
        s.add_action("expand", "s1", 2023, classes=2)
    with pytest.raises(InputError, match="unknown kind"):
        s.add_action("demolish", "s1", 2023)
    s = s.add_action("close", "nope", 2023)
    with pytest.raises(InputError, match="no facility or project 'nope'"):
        facilities_for(a, s, 2024)
    s2 = resolve_scenario(a, "existing").copy("bad2")
    s2 = s2.add_action("convert", "s1", 2023)
    with pytest.raises(InputError, match="only a kindergarten"):
        facilities_for(a, s2, 2023)


def test_sixty_pupils_in_a_class_flagged():
    """One primary school of one class holding 60 seats, 60 children in its district: 大班额 (56+) at the
    school and in the district; with 70 children the district is 10 seats short (学位缺口), and its classes
still hold 60 (a shortfall is not a 超大班额 class: issue 23)."""
    a = grid_area(growth=False)
    pop = a.population.copy()
    for c in ("age_3_5", "age_6_11", "age_12_14"):
        pop[c] = 0.0
    west = pop.index[pop["district_id"] == "D1"]
    pop.loc[west[:6], "age_6_11"] = 10.0  # 60 children near the school
    fac = a.facilities.copy()
    fac.loc[fac["facility_id"] == "s1", "seats_primary"] = 60
    fac["classes_primary"] = [1, 0, 0]
    a = a.replace(population=pop, facilities=fac)
    j = evaluate(a, "existing", 2021, minutes=60, assign="catchment").to_json()
    L = j["levels"]["primary"]
    s1 = [r for r in L["schools"] if r["facility_id"] == "s1"][0]
    assert s1["classes"] == 1 and s1["assigned"] == 60 and s1["pupils_per_class"] == 60
    assert s1["class_flag"] == "large" and s1["catchment_class_flag"] == "large"
    d1 = [r for r in L["by_district"] if r["district_id"] == "D1"][0]
    assert d1["enrolment"] == 60 and d1["classes"] == 1 and d1["class_flag"] == "large"
    assert d1["balance"] == 0 and d1["utilisation"] == 1.0
    assert L["districts_large_classes"] == 1
    # the school is far below 建标102's 12 classes: flagged as a property of the school
    chk = {c["facility_id"]: c for c in j["class_checks"]["schools"]}
    assert chk["s1"]["flag"] == "below" and chk["s1"]["range"] == [12, 30]
    pop = pop.copy()
    pop.loc[west[6], "age_6_11"] = 10.0
    a = a.replace(population=pop)
    d1 = [r for r in evaluate(a, "existing", 2021).to_json()["levels"]["primary"]["by_district"]
          if r["district_id"] == "D1"][0]
    assert d1["shortfall"] == 10 and d1["pupils_per_class"] == 60 and d1["class_flag"] == "large"


def test_plan_schools_above_the_standard_are_flagged(small_demo):
    """The plan's totals put 48 primary classes in each primary school (above 建标102's 30): flagged, not hidden.
    (The small demo's projects are scaled with the town; the plan's own seats are put back here.)"""
    p = small_demo.projects
    full = p.assign(**{c: p["type"].map(lambda t, c=c: project_capacity(t)[c])
                       for c in ("seats_primary", "seats_junior", "places_kindergarten")})
    j = evaluate(small_demo.replace(projects=full, validate=False), "plan", 2026, levels=("primary",)).to_json()
    plan_rows = [c for c in j["class_checks"]["schools"] if c["project_id"] and c["subtype"] == "primary"]
    assert plan_rows and all(c["classes"] == 48 and c["flag"] == "above" for c in plan_rows)
