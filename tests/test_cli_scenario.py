"""`hedong scenario ...` JSON keys and exit codes, on the synthetic grid area."""

import json

import pytest

from scenario_helpers import grid_area, run_cli, use_area
from gis.qml import data_layers

AREA = grid_area()


@pytest.fixture(autouse=True)
def _grid(monkeypatch, tmp_path):
    use_area(monkeypatch, tmp_path, AREA)


def run(capsys, *argv):
    return run_cli(["scenario", *argv], capsys)


def test_evaluate_json_keys(capsys):
    rc, out, _ = run(capsys, "evaluate", "--scenario", "plan", "--year", "2023", "--json")
    assert rc == 0
    j = json.loads(out)
    assert {"scenario", "year", "seconds", "levels"} <= set(j)
    assert set(j["levels"]) == {"primary", "junior", "kindergarten"}
    for L in j["levels"].values():
        assert {"demand", "seats", "assigned", "unserved", "median_minutes", "by_district"} <= set(L)
        assert {"district", "demand", "seats", "assigned", "unserved", "coverage"} <= set(L["by_district"][0])


def test_list_copy_move_compare(capsys, tmp_path):
    rc, out, _ = run(capsys, "copy", "plan", "mine", "--json")
    assert rc == 0
    rc, out, err = run(capsys, "copy", "plan", "mine")
    assert rc == 2 and "already exists" in err
    rc, out, _ = run(capsys, "move", "mine", "--project", "P1", "--set-year", "2024", "--json")
    assert rc == 0 and json.loads(out)["changed"] == ["open_year"]
    rc, out, _ = run(capsys, "list", "--json")
    assert {r["name"] for r in json.loads(out)} >= {"existing", "plan", "mine"}
    rc, out, _ = run(capsys, "compare", "plan", "mine", "--year", "2023", "--json", "--csv", str(tmp_path / "c.csv"))
    j = json.loads(out)
    assert rc == 0 and "delta" in j and j["projects"][0][0]["change"] == "changed"


def test_optimize_json(capsys):
    rc, out, _ = run(capsys, "optimize", "--level", "primary", "--model", "mclp", "--p", "1", "--json")
    j = json.loads(out)
    assert rc == 0 and {"model", "chosen", "objective", "seconds"} <= set(j) and len(j["chosen"]) == 1


def test_unknown_scenario_exit_2(capsys):
    rc, _, err = run(capsys, "evaluate", "--scenario", "nope", "--json")
    assert rc == 2 and "existing" in err and "plan" in err


def test_compare_a_scenario_file_exports_gpkg(capsys, tmp_path):
    """A scenario given as a file path compares and exports (the GeoPackage once re-resolved it by
    its name, which is not a path, and exited 2 after the comparison had run)."""
    import pyogrio

    from scenarios.model import resolve_scenario, save_scenario

    s = resolve_scenario(AREA, "plan").copy("from-file")
    s = s.move("P1", 500500.0, 3870500.0, crs=AREA.crs)
    path = save_scenario(s, path=tmp_path / "elsewhere.gpkg")
    out = tmp_path / "delta.gpkg"
    rc, _, err = run(capsys, "compare", "plan", str(path), "--year", "2025", "--gpkg", str(out))
    assert rc == 0, err
    layers = set(data_layers(out))
    assert layers == {"district_delta", "project_changes"}


@pytest.mark.parametrize("argv, field", [
    (("next-site", "--top", "0"), "--top"),
    (("optimize", "--model", "mclp", "--p", "100000"), "--p"),
])
def test_bad_counts_exit_2(capsys, argv, field):
    rc, _, err = run(capsys, *argv)
    assert rc == 2 and field in err and len(err.strip().splitlines()) == 1


def test_move_set_seats_of_unknown_project_exit_2(capsys):
    assert run(capsys, "copy", "plan", "edit-me")[0] == 0
    rc, _, err = run(capsys, "move", "edit-me", "--project", "NOPE", "--set-seats", "5")
    assert rc == 2 and "NOPE" in err and "Traceback" not in err
