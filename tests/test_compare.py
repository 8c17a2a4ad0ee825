"""Comparison: deltas, project differences, CSV (UTF-8 BOM) and GeoPackage exports."""


from scenario_helpers import grid_area
from scenarios.compare import compare, export_csv, export_gpkg, project_diff
from scenarios.model import resolve_scenario
from gis.qml import data_layers


def test_compare_one_year_and_exports(tmp_path):
    a = grid_area()
    r = compare(a, ["existing", "plan"], 2025)
    ea, eb = r["evaluation_a"], r["evaluation_b"]
    for lv in ("primary", "junior", "kindergarten"):
        assert r["delta"][lv]["unserved"] == eb["levels"][lv]["unserved"] - ea["levels"][lv]["unserved"]
    assert {d["change"] for d in r["projects"][0]} == {"added"}
    export_csv(r, tmp_path / "c.csv")
    assert (tmp_path / "c.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert "西区" in (tmp_path / "c.csv").read_text(encoding="utf-8-sig")
    export_gpkg(r, a, tmp_path / "c.gpkg")
    assert set(data_layers(tmp_path / "c.gpkg")) == {"district_delta", "project_changes"}


def test_compare_several_years():
    from scenarios.model import PLAN_YEARS

    assert PLAN_YEARS == tuple(range(2021, 2031))  # the default years: evaluations run to 2030
    a = grid_area()
    r = compare(a, ["plan", "plan-growth"], years=(2025, 2030))
    assert r["years"] == [2025, 2030] and set(r["delta"]) == {"2025", "2030"}


def test_project_diff_kinds():
    a = grid_area()
    p = resolve_scenario(a, "plan")
    q = p.copy("q")
    q = q.move("P1", 500500.0, 3870500.0, crs=a.crs).set_year("P2", 2024)
    q = q.replace(projects=q.projects[q.projects["project_id"] != "P4"])
    kinds = {d["project_id"]: d["change"] for d in project_diff(p, q)}
    assert kinds == {"P1": "moved", "P2": "changed", "P4": "removed"}
