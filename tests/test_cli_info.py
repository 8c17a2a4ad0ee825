"""`hedong info`: CONTRACT.md keys, figures computed from the layers, any study area."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from demo.facilities import project_capacity, scaled_capacity
from hedong import cli
from hedong.cmd_info import info_dict
from layers.plan import SCHOOL_PROGRAMME
from layers.schema import COHORTS, FAMILIES

TOP_KEYS = ["area", "synthetic", "crs", "network", "population", "districts", "facilities", "planned_projects",
            "estimated"]


def _run(capsys, argv):
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def small_as_default(monkeypatch, small_demo):
    """Make ``load_area`` return the small demo, so the CLI runs fast."""
    import gis.areas

    monkeypatch.setattr(gis.areas, "load_area", lambda spec="yuncheng-demo", **kw: small_demo)
    return small_demo


def test_info_json_keys_and_figures(capsys, small_as_default):
    a = small_as_default
    code, out, _ = _run(capsys, ["info", "--json"])
    assert code == 0
    d = json.loads(out)
    assert list(d) == TOP_KEYS
    assert d["area"] == "yuncheng-demo" and d["synthetic"] is True and d["crs"] == "EPSG:4546"
    assert d["estimated"] == []  # generated as a whole (synthetic), no layer flagged as an estimate
    assert {k: d["network"][k] for k in ("nodes", "edges")} == {"nodes": a.graph.number_of_nodes(),
                                                                "edges": a.graph.number_of_edges()}
    assert d["network"]["bike"] is None  # the generated demo: bikes ride the walking streets
    assert set(d["population"]) == {"total", "cells", "cohorts"} and list(d["population"]["cohorts"]) == list(COHORTS)
    assert d["population"]["total"] == int(a.population["pop_total"].sum())
    assert d["population"]["cells"] == len(a.population)
    assert sum(r["population"] for r in d["districts"]) == d["population"]["total"]
    assert [set(r) for r in d["districts"]] == [{"id", "name", "population"}] * 9
    assert list(d["facilities"]) == list(FAMILIES) and sum(d["facilities"].values()) == len(a.facilities)
    p = d["planned_projects"]
    # the small demo's projects shrink with the town (x 0.15 in whole classes; full scale: 25,920 / 15,000)
    want = {c: sum(scaled_capacity(project_capacity(t), 0.15)[c] * n for t, n in SCHOOL_PROGRAMME["counts"].items())
            for c in ("seats_primary", "seats_junior")}
    assert p == {"count": 28, "primary_seats": want["seats_primary"], "junior_seats": want["seats_junior"],
                 "by_year": {"2021": 4, "2022": 9, "2023": 9, "2024": 2, "2025": 4},
                 "by_open_year": {"2022": 4, "2023": 9, "2024": 9, "2025": 2, "2026": 4}}
    assert 0.13 < want["seats_primary"] / 25920 < 0.17


def test_info_human_output(capsys, small_as_default):
    code, out, _ = _run(capsys, ["info"])
    assert code == 0
    assert "yuncheng-demo" in out and "中城街道" in out and "generated" in out
    assert "Planned projects: 28" in out and "2023" in out


def test_info_any_area_without_projects(small_demo):
    empty = gpd.GeoDataFrame(small_demo.projects.iloc[:0])
    fac = small_demo.facilities[small_demo.facilities["family"] != "study_room"]
    other = small_demo.replace(name="my-town", projects=empty, facilities=fac, synthetic=False, meta={})
    d = info_dict(other)
    assert d["planned_projects"] == {"count": 0, "primary_seats": 0, "junior_seats": 0, "by_year": {},
                                     "by_open_year": {}}
    assert d["facilities"]["study_room"] == 0 and d["synthetic"] is False
    from hedong.cmd_info import format_info

    assert "Planned projects: none" in format_info(d)


def test_info_projects_without_build_year_read_as_before(small_demo):
    """A user's projects layer without build_year: open_year is the opening year and by_year counts it."""
    prj = small_demo.projects.drop(columns=["build_year"])
    other = small_demo.replace(name="my-town", projects=prj, meta={})
    p = info_dict(other)["planned_projects"]
    assert p["by_year"] == p["by_open_year"] == {"2022": 4, "2023": 9, "2024": 9, "2025": 2, "2026": 4}


def test_info_bad_area_exits_2(capsys, tmp_path):
    code, _, err = _run(capsys, ["info", "--area", str(tmp_path / "nowhere")])
    assert code == 2 and err.startswith("hedong: ") and err.count("\n") == 1


@pytest.mark.slow
def test_info_full_demo_contract(capsys, full_demo, monkeypatch):
    import gis.areas

    monkeypatch.setattr(gis.areas, "load_area", lambda spec="yuncheng-demo", **kw: full_demo)
    code, out, _ = _run(capsys, ["info", "--area", "yuncheng-demo", "--json"])
    assert code == 0
    d = json.loads(out)
    assert d["network"]["nodes"] >= 15000 and d["network"]["edges"] > d["network"]["nodes"]
    assert d["population"]["total"] == 700000
    names = {r["name"] for r in d["districts"]}
    assert names == {"中城街道", "东城街道", "西城街道", "南城街道", "北城街道", "安邑街道", "大渠街道", "姚孟街道",
                     "运城经济技术开发区"}
    assert all(d["facilities"][f] > 0 for f in FAMILIES)
    assert d["planned_projects"] == {"count": 28, "primary_seats": 25920, "junior_seats": 15000,
                                     "by_year": {"2021": 4, "2022": 9, "2023": 9, "2024": 2, "2025": 4},
                                     "by_open_year": {"2022": 4, "2023": 9, "2024": 9, "2025": 2, "2026": 4}}
