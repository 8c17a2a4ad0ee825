"""One question, one number: the norm check (规范核查) is the share of children living within the standard's
network distance (GB 50180-2018: primary 500 m) of an open school — counted here independently (networkx,
tests/oracle.py) on the small demo and found, the same, in `hedong scenario evaluate --json` (under either
rule), its text, the seat report (`hedong report`: JSON, balance sheet, notes), the published seat map's
title and the app's Schools page. The walking-minutes share (10 min = 600 m for primary) is another
number and is never labelled the norm check."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from openpyxl import load_workbook

from scenario_helpers import run_cli, schools_app, use_area

SCENARIO, YEAR, LEVEL = "plan", 2026, "primary"


@pytest.fixture(scope="module")
def expected(small_demo):
    """The norm-check share of primary children at 500 m, by networkx, and the 600 m (10-minute) share."""
    from oracle import walk_minutes

    from scenarios.demand import children
    from scenarios.model import facilities_for, resolve_scenario

    area = small_demo
    fac = facilities_for(area, resolve_scenario(area, SCENARIO), YEAR)
    # an open primary school: any facility with primary seats that year (the plan's projects included)
    sites = fac[fac["seats_primary"].fillna(0) > 0]
    pop = area.population
    dem = np.asarray(children(area, LEVEL, YEAR), float)
    metres = walk_minutes(area.graph, np.c_[pop.geometry.x, pop.geometry.y], np.c_[sites.geometry.x, sites.geometry.y],
                          m_per_min=1.0, cutoff_min=800.0)  # pace 1 m/min: the oracle's minutes are metres
    share = float(dem[metres <= 500].sum() / dem.sum())
    share_600 = float(dem[metres <= 600].sum() / dem.sum())
    assert 0.05 < share < 0.95 and share_600 - share > 0.01  # a real test: the minutes view differs
    by = {}
    for d in np.unique(pop["district_id"].astype(str)):
        sel = pop["district_id"].astype(str).to_numpy() == d
        if dem[sel].sum() > 0:
            by[d] = float(dem[sel & (metres <= 500)].sum() / dem[sel].sum())
    return {"share": share, "share_600": share_600, "by_district": by, "sites": len(sites)}


def test_cli_json_and_text_give_the_networkx_share_under_either_rule(monkeypatch, tmp_path, capsys, small_demo,
                                                                       expected):
    use_area(monkeypatch, tmp_path, small_demo)
    got = {}
    for assign in ("catchment", "walk"):
        rc, out, err = run_cli(["scenario", "evaluate", "--scenario", SCENARIO, "--year", YEAR, "--assign", assign,
                                "--json"], capsys)
        assert rc == 0, err
        L = json.loads(out)["levels"][LEVEL]
        n = L["norm_check"]
        assert n["radius_m"] == 500 and "C.0.1" in n["clause"] and n["facilities"] == expected["sites"]
        assert n["share"] == pytest.approx(expected["share"], abs=2e-3)
        assert L["norm_share"] == n["share"] and n["within"] + n["beyond"] == n["demand"] == L["demand"]
        for r in L["by_district"]:
            if r["district_id"] in expected["by_district"]:
                assert r["norm_share"] == pytest.approx(expected["by_district"][r["district_id"]], abs=5e-3)
        # the minutes view keeps its own key and is not the norm check
        assert L["walk_check"]["minutes"] == 10 and "not the norm check" in L["walk_check"]["label"]
        got[assign] = n["share"]
    assert got["catchment"] == got["walk"]  # a siting norm: the enrolment rule does not change it
    rc, text, _ = run_cli(["scenario", "evaluate", "--scenario", SCENARIO, "--year", YEAR], capsys)
    section = text.split("Norm check (规范核查)")[1].split("\n\n")[0]  # the levels' table
    assert rc == 0 and re.search(rf"^{LEVEL}\s+500\s.*\s{re.escape(format(got['walk'], '.1%'))}$", section, re.M), section


def test_seat_report_json_and_workbook(monkeypatch, tmp_path, capsys, small_demo, expected):
    use_area(monkeypatch, tmp_path, small_demo)
    out = tmp_path / "seats.xlsx"
    rc, text, err = run_cli(["report", "--scenario", SCENARIO, "--year", YEAR, "--out", out, "--json"], capsys)
    assert rc == 0, err
    data = json.loads(text)
    share = data["norm_check"][LEVEL]["share"]
    assert share == pytest.approx(expected["share"], abs=2e-3)
    rows = [r for r in data["balance"] if r["level"] == LEVEL and r["year"] == YEAR and r["district_id"]
            in expected["by_district"]]
    assert rows and all(r["norm_radius_m"] == 500 for r in rows)
    for r in rows:
        assert r["norm_share"] == pytest.approx(expected["by_district"][r["district_id"]], abs=5e-3)
    wb = load_workbook(out)
    notes = " ".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert f"小学 500米内 {share:.1%}" in notes and "规范核查" in notes
    ws = wb["学位供需平衡表"]
    head = [c.value for c in ws[1]]
    col = head.index("规范服务半径内儿童比例（规范核查）")
    cells = [r[col] for r in ws.iter_rows(min_row=2, values_only=True) if r[col] is not None]
    assert sorted(round(v, 9) for v in cells) == sorted(round(r["norm_share"], 9) for r in data["balance"]
                                                         if r["norm_share"] is not None)


def test_published_seat_map_title(small_demo, expected):
    from presentation import publish as pub

    m, summary = pub.seat_map(small_demo, SCENARIO, YEAR, lang="zh")
    v = summary["levels"][LEVEL]
    assert v["norm_m"] == 500 and v["norm_share"] == pytest.approx(expected["share"], abs=2e-3)
    html = m.get_root().render()
    assert f"500米内（规范核查） {v['norm_share']:.1%}" in html
    assert "10分钟步行内入学（按分钟）" in html and "分钟内入学（规范核查）" not in html


def test_app_schools_page(small_demo, expected):
    at = schools_app(SCENARIO)
    at.slider(key="year").set_value(YEAR).run()
    at.radio(key="level").set_value(LEVEL).run()
    assert not at.exception, [e.value for e in at.exception]
    m = next(m for m in at.metric if "规范核查" in m.label)
    assert m.label == "500米内（规范核查）"
    assert m.value == f"{expected['share']:.1%}" or abs(float(m.value.rstrip("%")) / 100 - expected["share"]) < 2e-3
    labels = [x.label for x in at.metric]
    assert not any("规范核查" in x and "分钟" in x for x in labels)  # minutes are never called the norm check
    # the seat-balance table: the norm check per subdistrict beside the minutes share, each with its unit
    table = next(d.value for d in at.dataframe if "500米内（规范核查）" in d.value.columns)
    assert "步行时限内入学比例（按分钟）" in table.columns
