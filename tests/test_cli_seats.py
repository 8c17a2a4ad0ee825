"""CLI of seat planning (issue 11): evaluate --assign, the seat-balance text, enrolment, actions."""

import json

import pandas as pd
import pytest

from scenario_helpers import grid_area, run_cli, use_area

AREA = grid_area().replace(births=pd.DataFrame({"district_id": ["D1", "D2"], "year": [2022, 2022],
                                                "births": [100, 150]}))


@pytest.fixture(autouse=True)
def _grid(monkeypatch, tmp_path):
    use_area(monkeypatch, tmp_path, AREA)


def run(capsys, *argv):
    return run_cli(["scenario", *argv], capsys)


def test_evaluate_catchment_json_and_text(capsys):
    rc, out, _ = run(capsys, "evaluate", "--scenario", "plan", "--year", "2025", "--assign", "catchment", "--json")
    j = json.loads(out)
    assert rc == 0 and j["assign"] == "catchment" and j["demand_mode"] == "cohort"
    for L in j["levels"].values():
        assert {"enrolment", "balance", "utilisation", "walk_share", "classes", "catchment"} <= set(L)
        assert L["balance"] == L["seats"] - L["enrolment"] and L["enrolment"] == L["demand"]
        c = L["catchment"]
        # catchment seats every child its district has a seat for: min(seats, enrolment) per district
        assert c["assigned"] == sum(min(r["seats"], r["enrolment"]) for r in c["by_district"])
        assert c["assigned"] + c["unserved"] == L["demand"] and c["assigned"] >= L["assigned"]
    rc, out, _ = run(capsys, "evaluate", "--scenario", "plan", "--year", "2025", "--assign", "catchment")
    assert rc == 0
    first = out.splitlines()[1:4]
    assert any("balance" in line and "seats" in line for line in first)  # the seat balance leads
    assert out.index("balance") < out.index("Norm check (规范核查)") < out.index("Walking limit, minutes view")


def test_enrolment_table_csv(capsys, tmp_path):
    rc, out, _ = run(capsys, "enrolment", "--json")
    j = json.loads(out)
    assert rc == 0 and j["mode"] == "cohort" and j["years"] == list(range(2021, 2031))
    assert {(r["level"], r["year"]) for r in j["rows"]} == {(lv, y) for lv in ("primary", "junior", "kindergarten")
                                                          for y in range(2021, 2031)}
    rc, out, _ = run(capsys, "enrolment", "--from", "2021", "--to", "2023", "--csv", str(tmp_path / "e.csv"))
    assert rc == 0 and "kindergarten" in out
    df = pd.read_csv(tmp_path / "e.csv", encoding="utf-8-sig", dtype={"district_id": str})
    assert set(df["year"]) == {2021, 2022, 2023} and "西区" in set(df["district"])
    rc, _, err = run(capsys, "enrolment", "--csv", str(tmp_path / "e.csv"))
    assert rc == 2 and "--overwrite" in err
    rc, _, err = run(capsys, "enrolment", "--from", "2025", "--to", "2022")
    assert rc == 2


def test_action_commands(capsys):
    assert run(capsys, "copy", "existing", "acts")[0] == 0
    rc, out, _ = run(capsys, "action", "acts", "--expand", "s1", "--level", "primary", "--classes", "2",
                     "--year", "2023", "--json")
    assert rc == 0 and json.loads(out)["action"] == "A1"
    rc, out, _ = run(capsys, "action", "acts", "--convert", "k1", "--beds", "30", "--year", "2024", "--json")
    assert rc == 0 and json.loads(out)["actions"] == 2
    rc, _, err = run(capsys, "action", "acts", "--close", "zz", "--year", "2024")
    assert rc == 2 and "zz" in err
    rc, _, err = run(capsys, "action", "acts", "--expand", "k1", "--level", "primary", "--classes", "1",
                     "--year", "2024")
    assert rc == 2 and "no primary level" in err
    rc, out, _ = run(capsys, "evaluate", "--scenario", "acts", "--year", "2024", "--json")
    j = json.loads(out)
    assert j["levels"]["primary"]["seats"] == 150 + 90 and j["levels"]["kindergarten"]["seats"] == 0
    rc, out, _ = run(capsys, "compare", "existing", "acts", "--year", "2024")
    assert rc == 0 and "A1" in out and "A2" in out
    rc, out, _ = run(capsys, "action", "acts", "--remove", "A2", "--json")
    assert rc == 0 and json.loads(out)["actions"] == 1
    rc, out, _ = run(capsys, "list", "--json")
    assert [r["actions"] for r in json.loads(out) if r["name"] == "acts"] == [1]


def test_catchment_zones_replace_districts(capsys, tmp_path):
    """A user's zone layer: a tiny zone around school s1 holding no homes and one zone for the rest —
    s1 seats nobody by catchment (it walks pupils in), and every child is inside a zone."""
    import geopandas as gpd
    from shapely.geometry import box

    from scenario_helpers import CRS, X0, Y0

    whole = box(X0 - 50, Y0 - 50, X0 + 1200, Y0 + 1200)
    tiny = box(X0 + 190, Y0 + 190, X0 + 210, Y0 + 210)
    z = gpd.GeoDataFrame({"zone_id": ["Z1", "Z2"], "level": ["primary", "primary"]},
                         geometry=[tiny, whole.difference(tiny)], crs=CRS)
    z.to_file(tmp_path / "zones.geojson", driver="GeoJSON")
    rc, out, _ = run(capsys, "evaluate", "--year", "2025", "--assign", "catchment", "--zones",
                     str(tmp_path / "zones.geojson"), "--json")
    j = json.loads(out)
    L = j["levels"]["primary"]
    s1 = [r for r in L["schools"] if r["facility_id"] == "s1"][0]
    # one rule per run: s1's pupils are the catchment's (none); walking pupils in is the norm check
    assert rc == 0 and s1["walk_assigned"] > 0 and s1["assigned"] == s1["catchment_assigned"] == 0
    assert L["catchment"]["outside_zones"] == 0 and "zone" in L["catchment"]["rule"]
    assert L["catchment"]["assigned"] == L["seats"] - 150  # every other seat is filled: demand exceeds seats
    rc, _, err = run(capsys, "evaluate", "--assign", "walk", "--zones", str(tmp_path / "zones.geojson"))
    assert rc == 2 and "--assign catchment" in err
    (tmp_path / "bad.geojson").write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    rc, _, err = run(capsys, "evaluate", "--assign", "catchment", "--zones", str(tmp_path / "bad.geojson"))
    assert rc == 2 and "zone" in err


@pytest.mark.parametrize("synthetic", [True, False])
def test_enrolment_and_evaluate_say_generated(capsys, monkeypatch, tmp_path, synthetic):
    """Generated data is labelled in text and JSON (a top-level ``synthetic`` key), as coverage does;
    real data carries no such notice."""
    use_area(monkeypatch, tmp_path, AREA.replace(synthetic=synthetic, validate=False))
    for argv in (("enrolment",), ("evaluate", "--scenario", "plan", "--year", "2025")):
        rc, out, _ = run(capsys, *argv, "--json")
        assert rc == 0 and json.loads(out)["synthetic"] is synthetic
        rc, out, _ = run(capsys, *argv)
        assert rc == 0 and ("GENERATED DEMO DATA, not real" in out.splitlines()[0]) is synthetic


def test_roster_drives_evaluate_and_enrolment(capsys, monkeypatch, tmp_path):
    """With a roster the CLI's demand mode is ``roster`` and the seat balance's enrolment of a covered
    district is the roster's (primary school s1 in D1: grades 1-6 of 20 pupils, held at ratio 1 ->
    the 2021 roster year has 120 pupils; grade 1 enters from births x 20 / 100)."""
    roster = pd.DataFrame([("s1", 2021, str(g), 20) for g in range(1, 7)], columns=["school_id", "year", "grade", "pupils"])
    births = pd.DataFrame({"district_id": ["D1", "D2"], "year": [2015, 2015], "births": [100, 150]})
    use_area(monkeypatch, tmp_path, AREA.replace(roster=roster, births=births, validate=False))
    rc, out, _ = run(capsys, "enrolment", "--json")
    j = json.loads(out)
    assert rc == 0 and j["mode"] == "roster"
    rows = {(r["district_id"], r["level"], r["year"]): r["enrolment"] for r in j["rows"]}
    assert rows["D1", "primary", 2021] == 120 and rows["D1", "primary", 2026] == 120  # births held at 100
    rc, out, _ = run(capsys, "evaluate", "--scenario", "existing", "--year", "2021", "--json")
    ev = json.loads(out)
    assert rc == 0 and ev["demand_mode"] == "roster"
    d1 = {r["district_id"]: r for r in ev["levels"]["primary"]["by_district"]}["D1"]
    assert d1["enrolment"] == 120
