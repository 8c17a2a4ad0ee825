"""A school level is one registry record (issue 22): a dummy *assigned* level, registered in one
place (the fixture), reaches the seat balance, ``scenario evaluate --json``, the CLI's ``--level``
choices and a published seat map, with no other code naming it."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import gis.areas
from hedong.cli import build_parser, main
from layers import families as reg
from layers.families import SEAT_MODELS, CapacityColumn, Family, Service, Subtype

LEVEL, COLUMN, FAMILY = "senior_test", "seats_senior_test", "senior_test_school"
CLASS_SIZE = 40
SEATS = (800, 1200, 400)


@pytest.fixture
def senior_level():
    """The dummy assigned level: its capacity column, its family, registered then removed."""
    reg.register_capacity_column(CapacityColumn(COLUMN, "seats", "测试高中学位", "test senior seats", "学位", "seats"))
    try:
        reg.register_family(Family(
            FAMILY, "测试高中", "Test senior schools", subtypes=(Subtype(FAMILY, "测试高中", "test senior school"),),
            capacity=(COLUMN,), color="#552299", symbol="square",
            services=(Service(LEVEL, "测试高中", "Test senior school", capacity=COLUMN, demand="age_12_14",
                              minutes=15, assigned=True, class_size=CLASS_SIZE, classes="classes_senior_test",
                              large_classes=True, new_site_capacity=1200, models=SEAT_MODELS,
                              actions=("expand", "close")),)))
        try:
            yield reg.service(LEVEL)
        finally:
            reg.unregister_family(FAMILY)
    finally:
        reg.unregister_capacity_column(COLUMN)


@pytest.fixture
def senior_area(small_demo, senior_level):
    """The small demo with three test senior schools at three of its schools' sites, and without its
    births table (growth demand: the cohort projection's ages per level are the demand helper's)."""
    sch = small_demo.facilities[small_demo.facilities["family"] == "school"].head(3)
    extra = sch.copy()
    extra["facility_id"] = [f"senior-{i}" for i in range(len(extra))]
    extra["family"], extra["subtype"] = FAMILY, FAMILY
    for c in ("seats_primary", "seats_junior", "places_kindergarten"):
        extra[c] = 0
    extra[COLUMN] = SEATS
    fac = small_demo.facilities.copy()
    fac[COLUMN] = 0
    fac = gpd.GeoDataFrame(pd.concat([fac, extra], ignore_index=True), geometry="geometry", crs=fac.crs)
    return small_demo.replace(facilities=fac, births=None)


def test_the_level_is_in_the_registry_views(senior_level):
    assert LEVEL in reg.LEVELS and LEVEL in reg.SITED_LEVELS and LEVEL in reg.levels_with_action("expand")
    assert reg.CLASSES_OF[COLUMN] == "classes_senior_test" and reg.level_of_capacity(COLUMN) == LEVEL


def test_seat_balance_counts_the_level(senior_area):
    from scenarios.evaluate import evaluate

    ev = evaluate(senior_area, "existing", 2025, levels=(LEVEL,))
    r = ev.levels[LEVEL]
    assert r.summary["seats"] == sum(SEATS) and r.summary["schools"] == 3
    # independent: the demand is the cohort the record names, grown like every level (growth mode)
    pop = senior_area.population
    assert r.summary["demand"] == pytest.approx(float(pop["age_12_14"].sum()), rel=0.25)
    assert r.summary["balance"] == sum(SEATS) - r.summary["demand"]
    # classes come from the record's class size: 800 / 40 = 20, 1200 / 40 = 30, 400 / 40 = 10
    assert sorted(r.schools["classes"]) == sorted(int(np.ceil(s / CLASS_SIZE)) for s in SEATS)
    checks = {c["facility_id"]: c for c in ev.class_checks}
    assert checks["senior-1"]["classes_senior_test"] == 30 and checks["senior-1"]["classes"] == 30


def test_cli_offers_and_evaluates_the_level(senior_area, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": senior_area)
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    scen = next(a for a in sub.choices["scenario"]._actions if a.dest == "scenario_command")
    for cmd in ("optimize", "action"):
        level = next(a for a in scen.choices[cmd]._actions if a.dest == "level")
        assert LEVEL in level.choices, cmd
    assert main(["scenario", "evaluate", "--scenario", "existing", "--year", "2025", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    lv = out["levels"][LEVEL]
    assert lv["seats"] == sum(SEATS) and {s["facility_id"] for s in lv["schools"]} == {"senior-0", "senior-1",
                                                                                        "senior-2"}
    assert set(out["levels"]) >= {"primary", "junior", "kindergarten", LEVEL}


def test_published_seat_map_shows_the_level(senior_area):
    from presentation import publish
    from scenarios.evaluate import evaluate

    ev = evaluate(senior_area, "existing", 2025, levels=("primary", LEVEL))
    m, summary = publish.seat_map(senior_area, "existing", 2025, ev=ev, lang="en", level=LEVEL)
    assert summary["levels"][LEVEL]["seats"] == sum(SEATS)
    html = m.get_root().render()
    assert "Test senior school" in html
