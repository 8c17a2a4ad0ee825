"""`hedong batch` (issue 15): batch file, draws, per-task records, Dask runs, resume, kill, CLI match."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hedong.cli import main
from layers.errors import InputError
from scenarios import batch as B
from scenarios.enrolment import level_children


def _write(tmp_path, text, name="b.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


SMALL = """
areas = [{spec = "yuncheng-demo", scale = 0.15}]
scenarios = ["plan"]
years = [2030]
[sweep]
draws = 2
seed = 3
birth_factor = [0.8, 1.2]
migration_factor = {dist = "normal", mean = 1.0, sd = 0.5}
"""


# ---------------------------------------------------------------- batch file and draws (fast)

@pytest.mark.parametrize("text,field", [
    ('areas = ["yuncheng-demo"]\nscenarios = ["plan"]\nyears = [2025]\ncolour = 1', "colour"),
    ('areas = ["yuncheng-demo"]\nscenarios = ["plan"]\nyears = [1990]', "year"),
    ('areas = ["yuncheng-demo"]\nscenarios = ["plan"]\nyears = [2025]\n[sweep]\ndraws = 5', "sweep.draws"),
    ('areas = ["yuncheng-demo"]\nscenarios = ["plan"]\nyears = [2025]\n[sweep]\ndraws = 5\nbirth_factor = [1.2, 0.8]',
     "sweep.birth_factor"),
    ('areas = ["yuncheng-demo"]\nscenarios = ["plan"]\nyears = [2025]\n[sweep]\nwalk_speed = [0]', "walk_speed"),
    ('areas = [{spec = "helsinki-osm", scale = 0.5}]\nscenarios = ["plan"]\nyears = [2025]', "areas.scale"),
])
def test_bad_batch_file_names_the_field(tmp_path, text, field):
    with pytest.raises(Exception) as e:
        B.read_batch_file(_write(tmp_path, text))
    assert field in (getattr(e.value, "field", None) or getattr(e.value, "name", None) or str(e.value))


def test_yaml_and_toml_read_the_same(tmp_path):
    t = B.read_batch_file(_write(tmp_path, SMALL))
    y = B.read_batch_file(_write(tmp_path, """
areas: [{spec: yuncheng-demo, scale: 0.15}]
scenarios: [plan]
years: [2030]
sweep: {draws: 2, seed: 3, birth_factor: [0.8, 1.2], migration_factor: {dist: normal, mean: 1.0, sd: 0.5}}
""", "b.yaml"))
    assert t == y


def test_draws_are_common_random_numbers(tmp_path):
    spec = B.read_batch_file(_write(tmp_path, SMALL))
    more = B.parse_batch({"areas": ["yuncheng-demo"], "scenarios": ["plan", "existing"], "years": [2025],
                          "sweep": {"draws": 40, "seed": 3, "birth_factor": [0.8, 1.2],
                                    "migration_factor": {"dist": "normal", "mean": 1.0, "sd": 0.5}}})
    assert B.draw_factors(spec, 0) == (1.0, 1.0)
    # adding draws, scenarios or areas never changes an earlier draw
    assert [B.draw_factors(spec, k) for k in (1, 2)] == [B.draw_factors(more, k) for k in (1, 2)]
    b = np.array([B.draw_factors(more, k)[0] for k in range(1, 41)])
    assert ((b >= 0.8) & (b <= 1.2)).all() and b.std() > 0.05
    tasks = B.expand_tasks(more)
    assert len(tasks) == 2 * 41 and len({t.key for t in tasks}) == len(tasks)


def test_indicator_table_once_per_area_scenario_year(tmp_path):
    """The indicator table is at the norms: one task per area × scenario × year computes it, whatever the sweep."""
    tasks = B.expand_tasks(B.read_batch_file(_write(tmp_path, SMALL.replace("scenarios = [\"plan\"]",
                                                                            "scenarios = [\"plan\", \"existing\"]")
                                                    + "walk_speed = [60, 80]\nminutes = [10, 15]\n")))
    assert len(tasks) == 2 * 2 * 2 * 3
    flagged = [t for t in tasks if t.indicators]
    assert sorted(t.scenario for t in flagged) == ["existing", "plan"]
    assert all(t.draw == 0 and (t.walk_speed, t.minutes) == (60.0, 10.0) for t in flagged)


def test_birth_factor_scales_children_born_after_the_base_year(small_demo):
    # In 2030 every kindergarten child (ages 3-5) was born after the 2021 base year, so its
    # count is births x survival/migration: a birth factor scales it exactly (the demo has no
    # housing pipeline adding children).
    assert small_demo.housing is None or len(small_demo.housing) == 0
    base = level_children(small_demo, "kindergarten", 2030)
    drawn = level_children(B.draw_area(small_demo, 1.3, 1.0), "kindergarten", 2030)
    np.testing.assert_allclose(drawn, 1.3 * base, rtol=1e-12)
    # a migration factor scales each district's net_migration m: f = s (1 + factor m). The demo has none
    # (default 0: growth_rate is not applied on top of births), so the factor changes nothing there ...
    np.testing.assert_allclose(level_children(B.draw_area(small_demo, 1.0, 0.0), "kindergarten", 2030), base)
    # ... and on districts with a net migration it does
    d = small_demo.districts.assign(net_migration=0.02)
    mig = small_demo.replace(districts=d, validate=False)
    with_m = level_children(mig, "kindergarten", 2030)
    assert not np.allclose(with_m, base)
    np.testing.assert_allclose(level_children(B.draw_area(mig, 1.0, 0.0), "kindergarten", 2030), base)


# ---------------------------------------------------------------- a small Dask run (fast)

def test_small_batch_on_dask_matches_in_process_and_resumes(tmp_path):
    from dask.distributed import Client

    from hedong.batch_dask import run_tasks

    tasks = B.expand_tasks(B.read_batch_file(_write(tmp_path, SMALL)))
    assert len(tasks) == 3
    expected = {t.key: B.run_task(t) for t in tasks}
    out = tmp_path / "out"
    with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as client:
        rep = run_tasks(tasks, out, client=client, progress=False)
        assert (rep.skipped, rep.ran, rep.failed) == (0, 3, {})
        again = run_tasks(tasks, out, client=client, progress=False)
        assert (again.skipped, again.ran) == (3, 0)
    for t in tasks:
        rec = B.read_record(out, t.key)
        assert rec["rows"] == expected[t.key]["rows"]
    # draws change enrolment, never seats
    recs = [B.read_record(out, t.key) for t in tasks]
    seats = {tuple((r["level"], r["district_id"], r["seats"]) for r in x["rows"]) for x in recs}
    assert len(seats) == 1
    assert len({sum(r["enrolment"] for r in x["rows"]) for x in recs}) == 3
    table = B.merge_records(recs)
    assert len(table) == sum(len(x["rows"]) for x in recs)
    assert (table["seats_short"] == (table["enrolment"] - table["seats"]).clip(lower=0)).all()
    # draw 0 carries the plan's indicator table, the one `hedong indicators` writes for that scenario and year
    ind = B.indicators_table(recs)
    assert len(ind) and set(ind["scenario"]) == {"plan"} and set(ind["year"]) == {2030}
    assert sum(bool(x["indicators"]) for x in recs) == 1  # one task of the area × scenario × year
    csv = tmp_path / "ind.csv"
    assert main(["indicators", "--scenario", "plan", "--year", "2030", "--lang", "en", "--csv", str(csv)]) == 0
    cli = pd.read_csv(csv, encoding="utf-8-sig", dtype={"place": str})
    got = ind.set_index(["key", "place"]).sort_index()
    want = cli.set_index(["key", "place"]).sort_index()
    assert list(got.index) == list(want.index)
    assert (got["status"] == want["status"]).all()
    np.testing.assert_allclose(pd.to_numeric(got["value"]), pd.to_numeric(want["value"]), rtol=1e-9, equal_nan=True)
    np.testing.assert_allclose(pd.to_numeric(got["walking_value"]), pd.to_numeric(want["walking_value"]), rtol=1e-9,
                               equal_nan=True)


def test_output_folder_rules(tmp_path, capsys):
    from hedong.cmd_batch import MANIFEST, check_out_dir

    other = tmp_path / "o"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        check_out_dir(other, "h", overwrite=False)
    check_out_dir(other, "h", overwrite=True)
    (other / MANIFEST).write_text(json.dumps({"batch_sha256": "h"}))
    check_out_dir(other, "h", overwrite=False)  # the same batch file resumes
    with pytest.raises(InputError, match="another batch"):
        check_out_dir(other, "h2", overwrite=False)
    # through the CLI: one line, exit 2, before any work
    b = _write(tmp_path, SMALL)
    rc = main(["batch", str(b), "--out", str(other)])
    err = capsys.readouterr().err
    assert rc == 2 and "another batch" in err and len(err.strip().splitlines()) == 1
    rc = main(["batch", str(_write(tmp_path, "areas = 3", "bad.toml")), "--out", str(tmp_path / "n")])
    assert rc == 2 and "areas" in capsys.readouterr().err


# ---------------------------------------------------------------- the batch (slow)

def _cli_json(capsys, *argv) -> dict:
    rc = main(list(argv))
    out = capsys.readouterr().out
    assert rc == 0, out
    return json.loads(out)


@pytest.fixture(scope="module")
def exported_demo(tmp_path_factory):
    """A user folder exported from the small demo by ``hedong export`` (HEDONG_DEMO_SCALE=0.15)."""
    d = tmp_path_factory.mktemp("user") / "area"
    assert main(["export", "--area", "yuncheng-demo", "--out", str(d)]) == 0
    return d


@pytest.mark.slow
def test_three_areas_on_a_local_cluster_match_one_by_one_and_the_cli(tmp_path, exported_demo, capsys):
    assert os.environ["HEDONG_DEMO_SCALE"] == "0.15"
    b = _write(tmp_path, f"""
areas = [{{spec = "yuncheng-demo", scale = 0.15}}, "helsinki-osm", "{exported_demo}"]
scenarios = ["existing", "plan"]
years = [2025, 2030]
[sweep]
draws = 20
seed = 11
birth_factor = [0.85, 1.15]
migration_factor = {{dist = "triangular", low = 0.0, mode = 1.0, high = 2.0}}
""")
    tasks = B.expand_tasks(B.read_batch_file(b))
    assert len(tasks) == 3 * 2 * 2 * 21
    # the exported folder keeps the demo's births through the folder cache (cohort projection, draws bite)
    folder = B.area_for(tasks[-1].area)
    assert folder.births is not None and B.default_mode(folder) == "cohort"
    # one by one in this process (also fills the folder cache the workers then read)
    expected = {t.key: B.run_task(t) for t in tasks}
    out = tmp_path / "out"
    rc = main(["batch", str(b), "--out", str(out), "--json"])
    rep = json.loads(capsys.readouterr().out)
    assert rc == 0 and rep["ran"] == len(tasks) and rep["failed"] == {} and rep["missing"] == 0
    for t in tasks:
        assert B.read_record(out, t.key)["rows"] == expected[t.key]["rows"], t
    res = pd.read_csv(out / "results.csv", encoding="utf-8-sig", dtype={"district_id": str})
    assert len(res) == sum(len(r["rows"]) for r in expected.values())
    import geopandas as gpd

    gp = gpd.read_parquet(out / "results.parquet")
    assert len(gp) == len(res) and gp.crs.to_epsg() == 4326
    assert gp.geometry.notna().sum() >= (res["district_id"].fillna("") != "").sum()
    # the summary is the seats short per draw, summed over districts and levels
    summ = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    assert len(summ) == 3 * 2 * 2 and (summ["draws"] == 20).all()
    for s in summ.itertuples():
        per = [sum(r["seats_short"] for r in expected[t.key]["rows"]) for t in tasks
               if t.area.label == s.area and t.scenario == s.scenario and t.year == s.year and t.draw > 0]
        assert math.isclose(s.mean, np.mean(per)) and math.isclose(s.p95, np.percentile(per, 95))
    # the 12 combinations without draws match `hedong scenario evaluate --json`
    for t in (t for t in tasks if t.draw == 0):
        j = _cli_json(capsys, "scenario", "evaluate", "--area", t.area.spec, "--scenario", t.scenario,
                      "--year", str(t.year), "--assign", t.assign, "--json")  # the batch's rule (catchment by default)
        rows = {(r["level"], r["district_id"]): r for r in expected[t.key]["rows"]}
        n = 0
        for lv, L in j["levels"].items():
            for d in L["by_district"]:
                r = rows[(lv, str(d["district_id"]))]
                n += 1
                assert (r["enrolment"], r["seats"], r["balance"], r["assigned"], r["unserved"]) == \
                       (d["enrolment"], d["seats"], d["balance"], d["assigned"], d["unserved"]), (t, lv, d)
        assert n == len(rows)
    # a re-run skips every task
    rc = main(["batch", str(b), "--out", str(out), "--json"])
    again = json.loads(capsys.readouterr().out)
    assert rc == 0 and again["skipped"] == len(tasks) and again["ran"] == 0


@pytest.mark.slow
def test_a_killed_worker_loses_no_finished_task_and_the_rerun_completes(tmp_path):
    import dask
    from dask.distributed import Client, LocalCluster

    from hedong.batch_dask import run_tasks
    from tests.batch_helpers import kill_worker_once

    b = _write(tmp_path, SMALL.replace("draws = 2", "draws = 5").replace('years = [2030]', 'years = [2025, 2030]'))
    tasks = B.expand_tasks(B.read_batch_file(b))
    out, marker = tmp_path / "out", tmp_path / "killed"
    import functools

    fn = functools.partial(kill_worker_once, marker=str(marker))
    # no retry of a task whose worker died: the run ends with it failed, as a crashed run would
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                         host="127.0.0.1") as cluster, Client(cluster) as client:
        first = run_tasks(tasks, out, client=client, progress=False, task_fn=fn)
    assert marker.exists() and len(first.failed) >= 1
    done = {t.key: B.record_path(out, t.key).stat().st_mtime_ns for t in tasks if B.read_record(out, t.key)}
    # every task reported finished is on disk; a task can also be on disk without its report (it
    # finished on the worker that was then killed) — kept, not lost
    assert len(done) >= first.ran and 0 < len(done) < len(tasks)
    second = run_tasks(tasks, out, n_workers=2, progress=False)
    assert second.skipped == len(done) and second.ran == len(tasks) - len(done) and not second.failed
    for k, mtime in done.items():  # finished records were never rewritten
        assert B.record_path(out, k).stat().st_mtime_ns == mtime
    for t in tasks:
        assert B.read_record(out, t.key)["rows"] == B.run_task(t)["rows"]
