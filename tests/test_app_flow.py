"""Issue 13: the planner's flow in the app (edit -> working copy -> compare -> gains), the optimiser's
inputs and outputs (units, lon/lat, district, the shipped sample file), readable CLI output, and the
fast dissolved map layers — each checked against an independent computation."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import shapely

import gis.areas
from hedong.cli import main
from tests.conftest import SMALL_SCALE
from webapp import cached

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SAMPLE = ROOT / "docs" / "examples" / "candidates.csv"


# ---------------------------------------------------------------- CLI: the README's example, units, places


def test_readme_candidates_example_runs(small_demo, monkeypatch, capsys):
    """The README's `--candidates docs/examples/candidates.csv` example: chosen sites come from the file,
    with lon/lat (WGS84 and GCJ-02) and district, and the objective in child-minutes."""
    import geopandas as gpd
    import pandas as pd

    from gis.crs import wgs84_to_gcj02

    assert "--candidates docs/examples/candidates.csv" in (ROOT / "README.md").read_text(encoding="utf-8")
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": small_demo)
    rc = main(["scenario", "optimize", "--level", "primary", "--model", "pmedian", "--p", "2", "--candidates",
               str(SAMPLE), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    file = pd.read_csv(SAMPLE)
    assert set(out["chosen"]) <= set(file["candidate_id"]) and len(out["chosen"]) == 2
    assert out["objective_unit"] == "child-minutes"
    assert out["objective_value"] == pytest.approx(out["objective"] / 60.0, rel=1e-6)
    d = small_demo.districts.to_crs(4326)
    for s in out["chosen_sites"]:
        row = file[file["candidate_id"] == s["candidate_id"]].iloc[0]
        assert (s["lon"], s["lat"]) == pytest.approx((row["lon"], row["lat"]), abs=1e-5)
        glon, glat = wgs84_to_gcj02(row["lon"], row["lat"])
        assert (s["lon_gcj02"], s["lat_gcj02"]) == pytest.approx((float(glon), float(glat)), abs=1e-5)
        inside = d[d.contains(gpd.points_from_xy([row["lon"]], [row["lat"]])[0])]
        assert s["district"] == inside["name"].iloc[0]
    # the text output names the unit and prints lon/lat with their decimals
    main(["scenario", "optimize", "--level", "primary", "--model", "pmedian", "--p", "2", "--candidates", str(SAMPLE)])
    text = capsys.readouterr().out
    assert "child-minutes" in text and f"{out['chosen_sites'][0]['lon']:.6f}" in text


def test_optimize_help_explains_every_model(capsys):
    from presentation.i18n import t
    from scenarios.optimize import MODEL_HELP_KEYS

    with pytest.raises(SystemExit):
        main(["scenario", "optimize", "--help"])
    text = capsys.readouterr().out
    for k, key in MODEL_HELP_KEYS.items():
        assert k in text and t(key, "en").split(":")[0] in text
    assert "docs/examples/candidates.csv" in text


def test_table_prints_years_plainly():
    from hedong.output import table

    t = table([{"year": 2025, "open_year": 2024.0, "seats": 2025, "lon": 111.012345}])
    year, open_year, seats, lon = t.split("\n")[2].split()
    assert (year, open_year, seats, lon) == ("2025", "2024", "2,025", "111.012345")


def test_copy_onto_existing_names_overwrite(capsys, monkeypatch, tmp_path):
    from scenario_helpers import grid_area

    area = grid_area()
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": area)
    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path / "data"))
    assert main(["scenario", "copy", "plan", "mine"]) == 0
    capsys.readouterr()
    assert main(["scenario", "copy", "plan", "mine"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["scenario", "copy", "plan", "mine", "--overwrite"]) == 0


def test_add_project_is_validated(small_demo):
    from layers.errors import InputError
    from scenarios.model import resolve_scenario

    s = resolve_scenario(small_demo, "plan").copy("plan-edited")
    n = len(s.projects)
    s = s.add_project("new-1", "x", "primary", 111.0, 35.03, 2025, seats_primary=1800)
    assert len(s.projects) == n + 1 and int(s.projects["seats_primary"].iloc[-1]) == 1800
    with pytest.raises(InputError):  # the same id twice
        s.add_project("new-1", "y", "primary", 111.0, 35.03, 2025, seats_primary=900)


# ---------------------------------------------------------------- fast map layers


def test_dissolved_cells_cover_exactly_the_cells(small_demo):
    """The app map's covered / uncovered areas are the union of exactly the cells of each class:
    their areas equal n_cells x side² and they do not overlap."""
    from accessibility.coverage import service_coverage
    from presentation.geojson import dissolved_squares
    from presentation.webmap import service_map

    res = service_coverage(small_demo, "fitness", minutes=15)
    pop = small_demo.population
    side = small_demo.cell_size
    xy = np.c_[pop.geometry.x, pop.geometry.y]
    has = pop["pop_total"].to_numpy(float) > 0
    cov = dissolved_squares(xy[res.covered & has], side, small_demo.crs).geometry.iloc[0]
    unc = dissolved_squares(xy[~res.covered & has], side, small_demo.crs).geometry.iloc[0]
    assert cov.area == pytest.approx((res.covered & has).sum() * side * side, rel=1e-9)
    assert unc.area == pytest.approx((~res.covered & has).sum() * side * side, rel=1e-9)
    assert shapely.intersection(cov, unc).area < 1e-6 * side * side
    html = service_map(small_demo, "fitness", 15, res.covered, assets="inline").get_root().render()
    assert "L.control.layers" in html and "openstreetmap" in html.lower()
    assert len(html) < 2_500_000


# ---------------------------------------------------------------- the app: edit -> compare -> gains


@pytest.fixture(scope="module")
def at():
    from streamlit.testing.v1 import AppTest

    os.environ["HEDONG_DEMO_SCALE"] = str(SMALL_SCALE)
    os.environ.pop("HEDONG_AREA", None)
    app = AppTest.from_file(APP, default_timeout=600)
    app.run()
    app.sidebar.radio(key="page").set_value("schools").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_edit_makes_working_copy_compared_with_original(at, small_demo):
    """Moving a project creates `plan-edited` ("规划方案（已修改）"), selects it, compares it with `plan`, and the
    shown change is scenario − baseline as evaluate() computes it independently."""
    from scenarios.evaluate import evaluate
    from scenarios.model import resolve_scenario

    at.slider(key="year").set_value(2025).run()
    at.radio(key="level").set_value("primary").run()
    plan = resolve_scenario(small_demo, "plan")
    prim = plan.projects[(plan.projects["type"] == "primary") & (plan.projects["open_year"] <= 2025)]
    pid = str(prim["project_id"].iloc[0])
    # move it to the most crowded unserved corner: the cell with most primary-age children
    far = small_demo.population.sort_values("age_6_11", ascending=False).geometry.iloc[0]
    lonlat = shapely.get_coordinates(
        __import__("geopandas").GeoSeries([far], crs=small_demo.crs).to_crs(4326).iloc[0])[0]
    at.selectbox(key="edit_pid").set_value(pid).run()
    at.session_state["edit_click"] = (float(lonlat[1]), float(lonlat[0]))
    # the form's keys carry the scenario's version: edit_lon_<pid>_<hash>
    field = {n.key.split("_")[1]: n for n in at.number_input if n.key and n.key.startswith(("edit_lon_", "edit_lat_"))
             and f"_{pid}_" in n.key}
    field["lon"].set_value(float(lonlat[0]))
    field["lat"].set_value(float(lonlat[1])).run()
    at.button(key="edit_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["scenario"] == "plan-edited" and at.session_state["compare"] == "plan"
    assert "规划方案（已修改）" in at.selectbox(key="scenario").options
    edited = at.session_state["edited"][(small_demo.name, "plan-edited")]
    ev_new = evaluate(small_demo, edited, 2025, assign="catchment").to_json()["levels"]["primary"]  # the app's rule
    ev_old = evaluate(small_demo, "plan", 2025, assign="catchment").to_json()["levels"]["primary"]
    head = next(m.value for m in at.markdown if "规划方案（已修改） − 规划方案" in m.value)
    assert f"{ev_new['assigned'] - ev_old['assigned']:+,.0f}" in head
    assert f"{ev_new['unserved'] - ev_old['unserved']:+,.0f}" in head


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_gains_map_shows_the_change(at, small_demo):
    """The gains map draws gaining / losing cells exactly where the assignment changed."""
    for el in at.get("component_instance"):
        if el.proto.component_name.endswith("st_folium"):
            args = json.loads(el.proto.json_args)
            # the map's own script, and the layers script run on it (what changes with the evaluations)
            js = (args.get("script") or "") + (args.get("feature_group") or "")
            if "步行可达入学增加的网格" in js or "步行可达入学减少的网格" in js:
                assert "#1a9850" in js or "#d73027" in js
                return
    raise AssertionError("no gains map with gaining or losing cells")


def _map_layers(at, key_part: str) -> str:
    """The layers script sent with the app's map whose own script contains ``key_part``."""
    for el in at.get("component_instance"):
        if el.proto.component_name.endswith("st_folium"):
            args = json.loads(el.proto.json_args)
            if key_part in (args.get("feature_group") or ""):
                return args["feature_group"]
    raise AssertionError(f"no map layers with {key_part!r}")


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_seat_map_follows_the_assignment_rule(at):
    """The seat and gains maps are redrawn for the other assignment rule (划片 / walking): their layers
    depend on it, and a cached script of the other rule must not be reused."""
    seat = lambda: _map_layers(at, "学位供给率")  # noqa: E731
    gains = lambda: _map_layers(at, "步行可达入学")  # noqa: E731
    rule = at.radio(key="assign").value
    before = seat(), gains()
    at.radio(key="assign").set_value("walk" if rule == "catchment" else "catchment").run()
    assert not at.exception, [e.value for e in at.exception]
    assert seat() != before[0] and gains() != before[1]
    at.radio(key="assign").set_value(rule).run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_optimiser_shows_units_places_and_adds_a_site(at, small_demo):
    at.selectbox(key="opt_model").set_value("pmedian").run()
    at.button(key="opt_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    r = at.session_state["opt_result"]
    objective = next(m for m in at.metric if m.label.startswith("目标值"))
    assert "儿童·分钟" in objective.label  # the unit with the label, the number alone as the value
    assert float(objective.value.replace(",", "")) == pytest.approx(r["objective_value"], abs=0.05)
    sites = next(df.value for df in at.dataframe if "经度 GCJ-02" in df.value.columns)
    assert sites["街道"].astype(str).str.len().min() > 0
    # projects before the add: the working copy's if an earlier test made one, else the plan's (run alone)
    from scenarios.model import resolve_scenario

    edited = at.session_state["edited"] if "edited" in at.session_state else {}
    key = (at.session_state["area"], "plan-edited")
    n_before = len(edited[key].projects if key in edited else resolve_scenario(small_demo, "plan").projects)
    at.button(key="opt_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = at.session_state["edited"][(at.session_state["area"], "plan-edited")].projects
    assert len(after) == n_before + 1 and after["project_id"].iloc[-1].endswith(r["chosen"][0])


def test_upload_outside_area_refused_naming_the_row(small_demo):
    """A candidate file with a Beijing row is refused at upload, naming that row (never a silent
    fall-back to generated candidates)."""
    mod = cached  # the app's cache wrappers (webapp/cached.py)
    good = SAMPLE.read_text(encoding="utf-8").splitlines()
    bad = "\n".join([good[0], good[1], "BJ,天安门 Beijing,116.3975,39.9087,1800", *good[2:]]) + "\n"
    cands, err = mod.upload_cached(bad.encode("utf-8"), "sites.csv", small_demo.name, SMALL_SCALE)
    assert cands is None and "sites.csv" in err and "row 2" in err and "outside the study area" in err
    cands, err = mod.upload_cached(SAMPLE.read_bytes(), "candidates.csv", small_demo.name, SMALL_SCALE)
    assert err is None and len(cands) == 6


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_optimiser_map_draws_candidates_then_chosen_sites(small_demo):
    """The optimiser's map shows the uploaded candidates before any run, and the chosen sites on the same
    drawn map after it (a layers script: the map itself is one object for both)."""
    mod = cached  # the app's cache wrappers (webapp/cached.py)
    cands, err = mod.upload_cached(SAMPLE.read_bytes(), "candidates.csv", small_demo.name, SMALL_SCALE)
    ll = cands.geometry.to_crs(4326)
    cand = tuple((str(i), round(float(x), 6), round(float(y), 6)) for i, x, y in zip(cands["candidate_id"], ll.x, ll.y))
    before = mod.sites_layers_cached(small_demo.name, SMALL_SCALE, "zh", cand, ())
    after = mod.sites_layers_cached(small_demo.name, SMALL_SCALE, "zh", cand, cand[:2])
    assert "候选地块 (6)" in before and "优化选中的地块" not in before
    assert "候选地块 (6)" in after and "优化选中的地块 (2)" in after
    assert all(f"{c[0]}: {c[1]:.6f}, {c[2]:.6f}" in after for c in cand)
    assert mod.sites_base_cached(small_demo.name, SMALL_SCALE, "zh") is mod.sites_base_cached(small_demo.name,
                                                                                            SMALL_SCALE, "zh")
