"""The family registry (layers.families): derived names, one rule per value, and a seventh family
registered in one place that every consumer then offers — the CLI's JSON and choices, the app's
selector and a published legend."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import Point

import gis.areas
from hedong.cli import build_parser, main
from layers import families as reg
from layers import norms, schema
from layers.families import Family, Service, Subtype
from tests.scenario_helpers import X0, Y0, grid_area

# ---------------------------------------------------------------- derived names and the one rules


def test_old_names_are_derived_from_the_registry():
    assert tuple(schema.FAMILIES) == tuple(f.key for f in reg.families())
    assert schema.FAMILY_LABELS is reg.FAMILY_LABELS
    assert not hasattr(norms, "SERVICES")  # the norms hold numbers; the registry holds the records (no cycle)
    assert list(reg.LIFE_CIRCLE_SERVICES) == [k for k, s in reg.SERVICES.items() if s.life_circle]
    for f in reg.families():
        assert schema.SUBTYPES[f.key] == f.subtype_keys
        assert schema.FAMILY_CAPACITY[f.key] == f.capacity
        assert reg.FAMILY_STYLE[f.key] == {"color": f.color, "shape": f.symbol}
        for s in f.services:
            assert reg.SERVICES[s.key].families == (f.key,)


def test_school_levels_and_project_capacity_by_hand():
    # written out by hand from NORMS.md: a nine-year school carries both levels, a complete
    # middle school only its junior seats
    assert tuple(reg.LEVELS) == ("primary", "junior", "kindergarten")
    assert reg.SCHOOL_LEVELS["nine_year"] == ("primary", "junior")
    assert reg.SCHOOL_LEVELS["complete"] == ("junior",)
    assert reg.TYPE_CAPACITY == {"primary": ("seats_primary",), "junior": ("seats_junior",),
                                 "nine_year": ("seats_primary", "seats_junior"), "complete": ("seats_junior",),
                                 "kindergarten": ("places_kindergarten",)}
    assert tuple(schema.PROJECT_CAPACITY) == ("seats_primary", "seats_junior", "places_kindergarten")
    assert schema.PROJECT_TYPES["kindergarten"] == ("kindergarten", "kindergarten")


def test_one_rule_for_a_new_sites_capacity():
    from demo.facilities import project_capacity
    from scenarios.optimize import default_capacity

    # 25,920 primary seats over 12 carriers = 2,160 = 48 x 45; 15,000 junior over 10 = 1,500 = 30 x 50;
    # a standard kindergarten 12 classes x 30 = 360
    expect = {"primary": 48 * 45, "junior": 30 * 50, "kindergarten": 12 * 30}
    for level, seats in expect.items():
        assert reg.new_site_capacity(level) == default_capacity(level) == seats
    assert project_capacity("nine_year") == {"seats_primary": 2160, "seats_junior": 1500, "places_kindergarten": 0}
    assert project_capacity("kindergarten") == reg.project_capacity("kindergarten")
    with pytest.raises(ValueError, match="no default capacity"):
        reg.new_site_capacity("clinic")


def test_class_size_comes_from_the_norms():
    assert {k: reg.SERVICES[k].class_size for k in reg.LEVELS} == norms.CLASS_SIZE


@pytest.mark.parametrize("bad, match", [
    (dict(key="school"), "already registered"),
    (dict(capacity=("seats_for_giants",)), "unknown capacity column"),
    (dict(color="red"), "not #rrggbb"),
    (dict(subtypes=()), "at least one sub-type"),
    (dict(services=(Service("fitness", "健身", "Fitness"),)), "another family"),
    (dict(services=(Service("x", "x", "x", mode="teleport"),)), "unknown mode"),
    (dict(services=(Service("x", "x", "x", capacity="beds"),)), "not one of the family's"),
])
def test_register_family_rejects_bad_records(bad, match):
    base = dict(key="bad_family", zh="坏", en="Bad", subtypes=(Subtype("bad", "坏", "bad"),), capacity=("area_m2",),
                color="#123456", symbol="circle")
    with pytest.raises(ValueError, match=match):
        reg.register_family(Family(**{**base, **bad}))
    assert "bad_family" not in schema.FAMILIES and "x" not in reg.SERVICES


# ---------------------------------------------------------------- a seventh family, registered once

DUMMY = Family(
    "test_hall", "测试馆", "Test halls", subtypes=(Subtype("test_hall", "测试馆", "test hall"),),
    capacity=("area_m2",), color="#ff00aa", symbol="diamond", id_prefix="th",
    services=(Service("test_hall", "测试馆服务", "Test hall service", capacity="area_m2", minutes=10, tier=10,
                      life_circle=True, source="a test family", mark="U"),),
)


@pytest.fixture
def seventh():
    """The dummy family, registered for one test and removed after it."""
    reg.register_family(DUMMY)
    try:
        yield reg.family("test_hall")
    finally:
        reg.unregister_family("test_hall")


def _area_with(family: str, subtype: str):
    """The test grid with one facility of ``family`` and one fitness site at the same spot."""
    a = grid_area()
    pt = Point(X0 + 450, Y0 + 450)
    extra = gpd.GeoDataFrame({
        "facility_id": ["x1", "f1"], "name": ["新馆", "健身点"], "family": [family, "fitness"],
        "subtype": [subtype, "fitness_square"], "seats_primary": 0, "seats_junior": 0, "places_kindergarten": 0,
        "beds": 0, "area_m2": [500.0, 500.0], "source": "test"}, geometry=[pt, pt], crs=a.crs)
    from gis.study_area import StudyArea

    fac = gpd.GeoDataFrame(__import__("pandas").concat([a.facilities, extra], ignore_index=True), crs=a.crs)
    return StudyArea(name="grid-seven", crs=a.crs, boundary=a.boundary, districts=a.districts,
                     population=a.population, facilities=fac, projects=a.projects, graph=a.graph, synthetic=True,
                     cell_size=a.cell_size)


def test_seventh_family_reaches_the_cli(seventh, monkeypatch, capsys, tmp_path):
    area = _area_with("test_hall", "test_hall")
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": area)
    assert main(["coverage", "--minutes", "10", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    hall, fit = rep["services"]["test_hall"], rep["services"]["fitness"]
    # the same site, minutes and mode as the fitness square: the same residents are covered
    assert hall["facilities"] == 1 and 0 < hall["population_share"] < 1
    assert hall["population_share"] == fit["population_share"]
    assert "test_hall" in rep["life_circle"]["services"] and len(rep["life_circle"]["services"]) == 8  # seven (day care and care homes apart) + the hall
    # the CLI's choices are built with the parser: the new service is offered ...
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    circles = next(a for a in sub.choices["circles"]._actions if a.dest == "service")
    assert "test_hall" in circles.choices
    assert main(["circles", "--service", "test_hall", "--out", str(tmp_path / "hall.gpkg"), "--json"]) == 0
    capsys.readouterr()


def test_unregistered_family_is_refused_again(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": grid_area())
    with pytest.raises(SystemExit) as e:
        main(["circles", "--service", "test_hall", "--out", str(tmp_path / "hall.gpkg")])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "invalid choice: 'test_hall'" in err and "'fitness'" in err


def test_seventh_family_in_published_legend(seventh):
    from presentation import publish

    area = _area_with("test_hall", "test_hall")
    m, summ = publish.coverage_map(area, "test_hall", lang="en", minutes=10)
    html = m.get_root().render()
    assert summ["service"] == "test_hall" and "Test hall service" in html
    assert "Test halls" in html and "#ff00aa" in html  # the family's label and symbol colour in the legend
    _, lc = publish.life_circle_map(area, minutes=10, lang="en")
    assert set(lc["by_n"]) == set(range(9))  # 0..8 services: seven (day care and care homes apart) + the hall


@pytest.mark.slow
def test_seventh_family_in_app_selector(seventh, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP

    area = _area_with("test_hall", "test_hall")
    monkeypatch.setattr(gis.areas, "load_area", lambda spec, **kw: area)
    # a scale no other app test uses: the app's resource cache keeps areas by (name, scale)
    monkeypatch.setenv("HEDONG_DEMO_SCALE", "0.0777")
    monkeypatch.delenv("HEDONG_AREA", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    sel = at.selectbox(key="map_service")
    assert "测试馆服务" in sel.options  # options are shown by their label
    fams = at.multiselect(key="map_families")
    assert "测试馆" in fams.options


def test_a_family_with_its_own_capacity_column():
    col = reg.CapacityColumn("places_test", "places", "测试位", "test places", "位", "places")
    reg.register_capacity_column(col)
    try:
        fam = reg.register_family(Family("test_care", "测试托", "Test care", subtypes=(Subtype("test_care", "测", "t"),),
                                         capacity=("places_test",), color="#336699", symbol="circle",
                                         services=(Service("test_care", "测试托", "Test care", capacity="places_test",
                                                           demand="age_0_2"),)))
        assert schema.CAPACITY_COLUMNS["places_test"]["unit"] == "places"
        assert reg.unit_label("places_test", "zh") == "位" and fam.services[0].families == ("test_care",)
        with pytest.raises(ValueError, match="used by test_care"):
            reg.unregister_capacity_column("places_test")
        reg.unregister_family("test_care")
    finally:
        if "test_care" in reg.FAMILY_LABELS:
            reg.unregister_family("test_care")
        reg.unregister_capacity_column("places_test")
    assert "places_test" not in schema.CAPACITY_COLUMNS and "test_care" not in reg.SERVICES


def test_elderly_care_is_two_services_each_at_its_tier():
    """Day care (5-minute tier, 300 m) and care homes (15-minute tier) are separate services with their own
    sub-type, capacity and cohort; the old elderly_care key stays but the life-circle index counts the two."""
    from layers.families import LIFE_CIRCLE_SERVICES, SERVICES

    dc, nh, old = SERVICES["day_care"], SERVICES["nursing_home"], SERVICES["elderly_care"]
    assert (dc.tier, dc.radius_m, dc.subtypes) == (5, 300, ("day_care",))
    assert (nh.tier, nh.subtypes) == (15, ("nursing_home",))
    assert dc.capacity == nh.capacity == "beds" and dc.demand == nh.demand == "age_60_plus"
    assert "day_care" in LIFE_CIRCLE_SERVICES and "nursing_home" in LIFE_CIRCLE_SERVICES
    assert "elderly_care" not in LIFE_CIRCLE_SERVICES and old.subtypes is None


def test_coverage_json_carries_both_elderly_services(small_demo):
    from accessibility.coverage import coverage_report

    rep = coverage_report(small_demo)
    svc = rep["services"]
    assert {"elderly_care", "day_care", "nursing_home"} <= set(svc)
    fac = small_demo.facilities
    assert svc["day_care"]["facilities"] == int(((fac["family"] == "elderly_care") & (fac["subtype"] == "day_care")).sum())
    assert svc["nursing_home"]["facilities"] + svc["day_care"]["facilities"] == svc["elderly_care"]["facilities"]
    tiers = rep["life_circle_tiered"]["tiers"]
    assert tiers["day_care"] == 5 and tiers["nursing_home"] == 15 and "elderly_care" not in tiers
    bs = rep["life_circle_tiered"]["by_service"]["day_care"]
    assert bs["speed_m_per_min"] == 50 and bs["implied_distance_m"] == 250 and bs["norm_distance_m"] == 300
