"""The education bureau's seat report (issue 23 items 5, 6, 8): 学位预警, sensitivity, the XLSX workbook.

The workbook is read back with openpyxl and every cell of every sheet is compared with the JSON the
same run printed; the JSON's figures are cross-checked against ``scenario evaluate --json`` (a
different command) and against sums made here."""

import json

import openpyxl
import pandas as pd
import pytest

from layers.families import SERVICES
from presentation.report_xlsx import FORMATS, cell_value, sheet_tables
from scenario_helpers import grid_area, run_cli, use_area
from scenarios.seat_warnings import AMBER_AT, RED_AT, shortfall, warning_level
from scenarios.sensitivity import BIRTH_FACTORS, lagged_scenario, sensitivity

AREA = grid_area().replace(births=pd.DataFrame({"district_id": ["D1", "D2", "D1", "D2"],
                                                "year": [2022, 2022, 2023, 2023], "births": [100, 150, 90, 140]}))


@pytest.fixture()
def grid(monkeypatch, tmp_path):
    use_area(monkeypatch, tmp_path, AREA)
    return tmp_path


def test_warning_levels_at_the_thresholds():
    assert (RED_AT, AMBER_AT) == (1.0, 0.9)
    assert warning_level(1.0) == "red" and warning_level(1.3) == "red"
    assert warning_level(0.9) == "amber" and warning_level(0.9999) == "amber"
    assert warning_level(0.8999) == "green" and warning_level(0.0) == "green"
    assert warning_level(None, seats=0, pupils=5) == "red"  # children and not one seat
    assert warning_level(None, seats=0, pupils=0) == ""
    assert warning_level(float("nan")) == ""
    assert shortfall(120, 100) == 20 and shortfall(80, 100) == 0


def _read(path):
    return openpyxl.load_workbook(path)


def test_report_workbook_equals_its_json_cell_by_cell(grid, capsys):
    out = grid / "seats.xlsx"
    rc, stdout, err = run_cli(["report", "--year", "2025", "--out", out, "--json"], capsys)
    assert rc == 0, err
    data = json.loads(stdout)
    assert data["assign"] == "catchment" and data["synthetic"] is True and data["year"] == 2025
    wb = _read(out)
    tables = sheet_tables(data, "zh")
    assert wb.sheetnames == [name for name, _, _ in tables] == ["学位供需平衡表", "学校明细", "学位预警", "建设项目",
                                                                 "敏感性", "说明"]
    for name, cols, rows in tables:
        ws = wb[name]
        assert [c.value for c in ws[1]] == [c.header for c in cols], name
        assert ws.max_row == len(rows) + 1, name
        assert ws.freeze_panes == "A2" and ws.print_title_rows in ("1:1", "$1:$1")
        ps = ws.page_setup
        assert ps.orientation == "landscape" and int(ps.paperSize) == 9 and int(ps.fitToWidth) == 1
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        for i, row in enumerate(rows, start=2):
            for j, col in enumerate(cols, start=1):
                got = ws.cell(i, j).value
                if col.kind in FORMATS:  # numbers: stored as numbers, exactly the JSON's
                    want = row.get(col.key)
                    # Excel keeps 15 significant digits: floats agree to that, whole numbers exactly
                    assert got == (pytest.approx(want, rel=1e-13) if isinstance(want, float) else want), \
                        (name, i, col.key, got, want)
                    assert got is None or isinstance(got, (int, float)), (name, col.key, got)
                else:
                    assert got == cell_value(row, col, "zh"), (name, i, col.key)
    # the generated-data notice, in the notes and in every page header
    notes = [r[1] for r in wb["说明"].iter_rows(min_row=2, values_only=True)]
    assert any("演示数据（生成）" in n for n in notes)
    assert all("演示数据" in ws.oddHeader.center.text for ws in wb)


def test_report_json_agrees_with_scenario_evaluate(grid, capsys):
    rc, stdout, err = run_cli(["report", "--year", "2025", "--out", grid / "a.xlsx", "--json"], capsys)
    assert rc == 0, err
    rep = json.loads(stdout)
    rc, stdout, err = run_cli(["scenario", "evaluate", "--scenario", "plan", "--year", "2025", "--assign", "catchment",
                               "--json"], capsys)
    assert rc == 0, err
    ev = json.loads(stdout)
    for lv, L in ev["levels"].items():
        bal = {r["district_id"]: r for r in rep["balance"] if r["level"] == lv and r["year"] == 2025}
        for d in L["by_district"]:
            r = bal[d["district_id"]]
            assert (r["seats"], r["enrolment"]) == (d["seats"], d["enrolment"])
            assert r["balance"] == r["seats"] - r["enrolment"] and r["shortfall"] == max(0, -r["balance"])
            assert (r["shortfall"], r["warning"]) == (d["shortfall"], d["warning"])
        sch = {r["facility_id"]: r for r in rep["schools"] if r["level"] == lv}
        assert set(sch) == {s["facility_id"] for s in L["schools"]}
        for s in L["schools"]:
            r = sch[s["facility_id"]]
            assert r["pupils"] == s["catchment_assigned"] and r["seats"] == s["seats"]
            # pupils per class is the school's own pupils over its own classes, never a district's
            assert r["pupils_per_class"] == pytest.approx(s["catchment_assigned"] / s["classes"])
            assert r["pupils"] <= r["seats"]
            assert r["warning"] == s["warning"]  # 学位预警: the same in the report and in evaluate --json
        # the catchment leaves exactly the district shortfalls without a seat (districts are the catchments)
        assert L["catchment"]["unserved"] == sum(r["shortfall"] for r in bal.values())
    # first red year: the first year of the balance table whose warning is red
    for r in rep["warnings"]["districts"]:
        reds = [int(y) for y, w in r["warning_by_year"].items() if w == "red"]
        assert r["first_red"] == (min(reds) if reds else None)


def test_report_refuses_overwrite_and_writes_english(grid, capsys):
    out = grid / "r.xlsx"
    out.write_bytes(b"keep me")
    rc, _, err = run_cli(["report", "--out", out], capsys)
    assert rc == 2 and "--overwrite" in err and out.read_bytes() == b"keep me"
    rc, _, err = run_cli(["report", "--out", grid / "r.csv"], capsys)
    assert rc == 2 and ".xlsx" in err
    rc, _, err = run_cli(["report", "--out", out, "--overwrite", "--lang", "en", "--assign", "walk"], capsys)
    assert rc == 0, err
    wb = _read(out)
    assert wb.sheetnames[0] == "Seat balance" and wb["Schools"]["H1"].value == "Pupils (walking limit)"
    assert [c.value for c in wb["Seat balance"][1]][:3] == ["Level", "Subdistrict", "Year"]
    assert not list(grid.glob(".r.*.tmp*"))  # the atomic writer left no temp file


def test_sensitivity_births_move_only_the_unborn(small_demo):
    s = sensitivity(small_demo, "plan", 2026)
    rows = {(r["factor"], r["variant"], r["level"]): r for r in s["rows"]}
    assert s["births_method"] == "births" and BIRTH_FACTORS["low"] < 1 < BIRTH_FACTORS["high"]
    # primary pupils of 2026 (ages 6-11) were all born by 2020: births after 2021 cannot move them
    p = [rows[("births", v, "primary")]["enrolment"] for v in ("low", "base", "high")]
    assert p[0] == p[1] == p[2]
    # kindergarten children of 2026 (ages 3-5) were born 2021-2023: the band moves them, in order
    k = [rows[("births", v, "kindergarten")]["enrolment"] for v in ("low", "base", "high")]
    assert k[0] < k[1] < k[2]
    for lv in ("primary", "junior", "kindergarten"):
        for v in ("low", "base", "high"):
            r = rows[("births", v, lv)]
            assert r["balance"] == r["seats"] - r["enrolment"] and r["without_seat"] >= 0


def test_sensitivity_opening_lag_removes_the_projects_started_last_year(small_demo):
    from scenarios.model import resolve_scenario

    year = 2026
    s = sensitivity(small_demo, "plan", year)
    rows = {(r["variant"], r["level"]): r for r in s["rows"] if r["factor"] == "opening_lag"}
    p = resolve_scenario(small_demo, "plan").projects
    assert (p["open_year"] == p["build_year"] + 1).all()  # the plan's schedule is lag 1
    late = p[p["build_year"] == year - 1]  # open in `year` with lag 1, a year later with lag 2
    assert len(late)
    for lv in ("primary", "junior", "kindergarten"):
        cap = SERVICES[lv].capacity
        assert rows[("lag1", lv)]["seats"] - rows[("lag2", lv)]["seats"] == int(late[cap].sum())
        assert rows[("lag1", lv)]["enrolment"] == rows[("lag2", lv)]["enrolment"]
    assert rows[("lag1", "primary")]["projects_open"] - rows[("lag2", "primary")]["projects_open"] == len(late)
    lagged = lagged_scenario(resolve_scenario(small_demo, "plan"), 2)
    assert (lagged.projects["open_year"] == lagged.projects["build_year"] + 2).all()


def test_evaluate_json_carries_warnings_and_sensitivity(grid, capsys):
    rc, stdout, err = run_cli(["scenario", "evaluate", "--year", "2025", "--warnings", "--sensitivity", "--json"],
                              capsys)
    assert rc == 0, err
    j = json.loads(stdout)
    w, s = j["warnings"], j["sensitivity"]
    assert w["years"] == list(range(2021, 2031)) and w["assign"] == "catchment"
    assert w["thresholds"]["red_at"] == RED_AT and s["year"] == 2025 and s["assign"] == "catchment"
    # the year evaluated is one of the warning years, with the same warning on every row
    for lv, L in j["levels"].items():
        dw = {r["district_id"]: r["warning_by_year"]["2025"] for r in w["districts"] if r["level"] == lv}
        assert all(dw[r["district_id"]] == r["warning"] for r in L["by_district"] if r["district_id"])
        sw = {r["facility_id"]: r["warning_by_year"]["2025"] for r in w["schools"] if r["level"] == lv}
        assert all(sw[r["facility_id"]] == r["warning"] for r in L["schools"])
        base = [r for r in s["rows"] if r["factor"] == "births" and r["variant"] == "base" and r["level"] == lv][0]
        assert (base["enrolment"], base["seats"], base["without_seat"]) == (L["enrolment"], L["seats"], L["unserved"])
    rc, stdout, _ = run_cli(["scenario", "evaluate", "--year", "2025", "--warnings", "--sensitivity"], capsys)
    assert rc == 0 and "学位预警 2021-2030" in stdout and "sensitivity, 2025" in stdout


def test_sensitivity_without_births_scales_the_demand():
    """An area without a births table (the growth-rate projection) has no births to scale: the band is
    the level's demand × 0.85 / × 1.15, rounded per district like demand itself."""
    from scenarios.demand import unrounded_children

    area = grid_area()
    assert getattr(area, "births", None) is None
    s = sensitivity(area, "plan", 2025)
    assert s["births_method"] == "demand"
    for r in s["rows"]:
        if r["factor"] != "births":
            continue
        raw = unrounded_children(area, r["level"], 2025) * r["value"]
        d = pd.Series(raw).groupby(area.population["district_id"].astype(str).to_numpy()).sum()
        assert r["enrolment"] == int(sum(round(v) for v in d))
