"""Scenario model: validation, save/load round trips (GeoPackage, GeoJSON), atomic, no clobbering."""

import json
import os

import pandas as pd
import pytest

from layers.errors import InputError, UnknownScenarioError
from scenario_helpers import grid_area
from scenarios import store
from scenarios.model import (facilities_for, list_scenarios, load_scenario, resolve_scenario, save_scenario,
                             validate_projects)


@pytest.fixture()
def area(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path / "data"))
    return grid_area()


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_round_trip(area, tmp_path, suffix):
    s = resolve_scenario(area, "plan").copy("mine")
    p = save_scenario(s, tmp_path / f"mine{suffix}")
    back = load_scenario(p, area)
    assert back.name == "mine"
    assert list(back.projects["project_id"]) == list(s.projects["project_id"])
    for col in ("seats_primary", "seats_junior", "places_kindergarten", "open_year", "type", "name"):
        assert list(back.projects[col]) == list(s.projects[col])
    assert back.projects.geometry.distance(s.projects.geometry).max() < 0.01
    assert [f for f in os.listdir(tmp_path) if f.startswith(".")] == []


def test_empty_round_trip(area, tmp_path):
    p = save_scenario(resolve_scenario(area, "existing").copy("empty"), tmp_path / "e.gpkg")
    assert len(load_scenario(p, area).projects) == 0


def test_refuses_overwrite_and_leaves_no_temp(area, tmp_path):
    s = resolve_scenario(area, "plan").copy("x")
    p = save_scenario(s, tmp_path / "x.gpkg")
    before = p.read_bytes()
    with pytest.raises(store.ScenarioExistsError):
        save_scenario(s, tmp_path / "x.gpkg")
    assert p.read_bytes() == before
    s = s.move("P1", 111.0, 35.0)
    save_scenario(s, tmp_path / "x.gpkg", overwrite=True)
    # "data" is the fixture's $HEDONG_DATA_DIR (its locks/ folder holds the edit lock): nothing else beside x.gpkg
    assert sorted(os.listdir(tmp_path)) == ["data", "x.gpkg"]


def test_store_and_resolve(area):
    s = resolve_scenario(area, "plan").copy("variant-1")
    save_scenario(s)
    assert resolve_scenario(area, "variant-1").origin == "stored"
    names = [r["name"] for r in list_scenarios(area)]
    assert names[:3] == ["existing", "plan", "plan-growth"] and "variant-1" in names
    with pytest.raises(UnknownScenarioError, match="variant-1"):
        resolve_scenario(area, "nope")
    with pytest.raises(store.ScenarioExistsError):
        save_scenario(resolve_scenario(area, "plan"))  # a shipped name


def _bad(area, col, row, value):
    p = area.projects.copy()
    p[col] = p[col].astype(object)
    p.loc[p.index[row], col] = value
    return p


@pytest.mark.parametrize("col,row,value,field", [
    ("type", 1, "university", "type"),
    ("seats_primary", 0, -5, "seats_primary"),
    ("open_year", 2, 2040, "open_year"),
    ("project_id", 3, "P1", "project_id"),
    ("seats_junior", 0, 100, "seats_junior"),  # a primary school carries no junior seats
])
def test_validation_names_row_and_field(area, col, row, value, field):
    with pytest.raises(InputError) as e:
        validate_projects(_bad(area, col, row, value), source="f.gpkg")
    assert e.value.field == field and e.value.file == "f.gpkg" and e.value.row == row + 1


def test_bad_geometry(area):
    p = area.projects.copy()
    p.loc[p.index[2], "geometry"] = None
    with pytest.raises(InputError) as e:
        validate_projects(p)
    assert e.value.field == "geometry" and e.value.row == 3


def test_wrong_schema_version(area, tmp_path):
    p = save_scenario(resolve_scenario(area, "plan").copy("v"), tmp_path / "v.geojson")
    fc = json.loads(p.read_text(encoding="utf-8"))
    fc["hedong_scenario"]["schema_version"] = 99
    p.write_text(json.dumps(fc), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_scenario(p, area)
    assert e.value.field == "schema_version"


def test_facilities_for_by_year(area):
    f21 = facilities_for(area, "plan", 2021)
    f25 = facilities_for(area, "plan", 2025)
    assert len(f21) == len(area.facilities) + 1 and len(f25) == len(area.facilities) + 4
    row = f25[f25["project_id"] == "P2"].iloc[0]
    assert (row["family"], row["subtype"]) == ("school", "nine_year")


def test_plan_growth_moves_schools_to_fast_districts(area):
    g = resolve_scenario(area, "plan-growth")
    moved = g.projects[g.projects["notes"].str.startswith("plan-growth")]
    assert len(moved) >= 1
    assert (moved["type"] != "kindergarten").all()
    assert (moved.geometry.x >= area.districts.geometry.iloc[1].bounds[0]).all()  # now in the growing east
    assert g.projects["seats_primary"].sum() == area.projects["seats_primary"].sum()


def test_fingerprint_is_the_content_not_the_objects():
    """The app's cache key: the same scenario read twice is one key (an object-array ``tobytes`` once
    hashed the WKB objects' addresses, so every rerun of the schools page re-evaluated); an edit is another."""
    area = grid_area()
    a, b = resolve_scenario(area, "plan"), resolve_scenario(area, "plan")
    assert a.projects is not b.projects and a.fingerprint() == b.fingerprint()
    c = b.copy()
    c = c.set_seats(c.projects["project_id"].iloc[0], seats_primary=int(c.projects["seats_primary"].iloc[0]) + 1)
    assert c.fingerprint() != a.fingerprint()
    g = a.projects.geometry.iloc[0]
    d = a.move(a.projects["project_id"].iloc[0], g.x + 10, g.y, crs=a.projects.crs)
    assert d.fingerprint() != a.fingerprint()
    assert a.copy("other").fingerprint() != a.fingerprint()


def test_edits_return_new_scenarios_and_leave_the_original():
    """Scenario is immutable (issue 22): every edit returns a new object; the original keeps its
    content and its fingerprint (cached once per object), so results keyed on it stay true."""
    import dataclasses

    area = grid_area()
    a = resolve_scenario(area, "plan")
    fp, before = a.fingerprint(), a.projects.copy()
    pid = str(a.projects["project_id"].iloc[0])
    g = a.projects.geometry.iloc[0]
    edits = [a.move(pid, g.x + 50, g.y, crs=a.projects.crs), a.set_year(pid, 2029),
             a.set_seats(pid, seats_primary=int(a.projects["seats_primary"].iloc[0]) + 45),
             a.add_action("close", pid, 2027), a.copy("other"), a.replace(name="renamed"),
             a.add_project("N1", "new", "primary", g.x + 90, g.y, 2026, crs=a.projects.crs, seats_primary=900)]
    for e in edits:
        assert e is not a and e.fingerprint() != fp
    assert edits[3].remove_action("A1").actions.empty and len(edits[3].actions) == 1
    assert a.fingerprint() == fp and a._hash() == fp  # the cached value is the content's
    pd.testing.assert_frame_equal(pd.DataFrame(a.projects), pd.DataFrame(before))
    assert a.actions.empty
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.name = "x"
