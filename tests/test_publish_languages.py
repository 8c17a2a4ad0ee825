"""A publication in two languages writes what is the same once (issue 26): the walking routes, the
"my place" numbers and every layer's shapes are shared by both languages; the second language adds
its words only. And sharing changes nothing that is drawn: each page's layers rebuilt from the shared
files equal the layers of a page written with everything inline."""

from __future__ import annotations

import html
import json
import re

from pathlib import Path

import pytest

from layers.families import SERVICES
from presentation import publish

SERVICES_PICKED = ["primary", "fitness"]
YEARS_PICKED = [2027]


@pytest.fixture(scope="module")
def one_and_two(small_demo, tmp_path_factory):
    """The same maps published in Chinese alone and in Chinese and English."""
    kw = dict(services=SERVICES_PICKED, years=YEARS_PICKED)
    zh = publish.publish(small_demo, tmp_path_factory.mktemp("zh") / "maps", lang="zh", **kw)
    both = publish.publish(small_demo, tmp_path_factory.mktemp("both") / "maps", lang="zh,en", **kw)
    return zh, both


def _data(result, prefix: str) -> list[str]:
    return sorted(f["file"] for f in result["files"] if f["file"].startswith(f"data/{prefix}"))


def _global(path, var: str):
    """The JSON a ``data/*.js`` file assigns to ``window.<var>``."""
    text = path.read_text(encoding="utf-8")
    m = re.fullmatch(rf"window\.{var}=(.*);\n", text, flags=re.S)
    assert m, f"{path.name} does not set window.{var}"
    return json.loads(m.group(1).replace("<\\/", "</"))


def test_second_language_adds_only_its_words(one_and_two):
    zh, both = one_and_two
    # one routes file and one "my place" file for both languages, named by no language
    assert _data(both, "routes-") == _data(zh, "routes-") == ["data/routes-wgs84.js"]
    assert _data(both, "place-") == ["data/place-wgs84.js"]
    assert _data(both, "route-names-") == ["data/route-names-en.js", "data/route-names-zh.js"]
    # the files of the first language are the same size whether or not a second one is published
    # (only the index grows: it links the other language and lists more files)
    size_zh = {f["file"]: f["bytes"] for f in zh["files"] if f["kind"] != "index"}
    size_both = {f["file"]: f["bytes"] for f in both["files"]}
    assert {k: size_both.get(k) for k in size_zh} == size_zh
    # what English adds: its pages and its small files; a third of the Chinese publication at most
    added = both["bytes"] - zh["bytes"]
    en_pages = sum(f["bytes"] for f in both["files"] if f.get("lang") == "en" and f["kind"] != "index")
    assert added > en_pages > 0
    assert added < zh["bytes"] / 3, (added, zh["bytes"])
    # the shared data (not language-bound) is more than the English pages: most bytes are shared
    shared = sum(f["bytes"] for f in both["files"] if f["kind"] == "data" and "route-names-" not in f["file"])
    assert shared > en_pages


def test_route_words_are_the_languages(one_and_two):
    _, both = one_and_two
    out = both["out"]
    routes = _global(Path(out) / "data/routes-wgs84.js", "HEDONG_ROUTES")
    assert {"label", "names"}.isdisjoint(routes["services"][0])  # no words in the shared routes
    for lang in ("zh", "en"):
        names = _global(Path(out) / f"data/route-names-{lang}.js", "HEDONG_ROUTE_NAMES")
        assert [s["key"] for s in names["services"]] == [s["key"] for s in routes["services"]]
        for s, r in zip(names["services"], routes["services"]):
            assert s["label"] == html.escape(SERVICES[s["key"]].label(lang))
            # every facility a route can end at has a name
            assert all(0 <= f < len(s["names"]) for f in r["roots"].values())
        page = (Path(out) / ("seats-2027.html" if lang == "zh" else "seats-2027.en.html")).read_text(encoding="utf-8")
        assert f'src="data/route-names-{lang}.js"' in page
        assert f'src="data/route-names-{"en" if lang == "zh" else "zh"}.js"' not in page
    zh_names = _global(Path(out) / "data/route-names-zh.js", "HEDONG_ROUTE_NAMES")["services"]
    en_names = _global(Path(out) / "data/route-names-en.js", "HEDONG_ROUTE_NAMES")["services"]
    assert any(re.search(r"[\u4e00-\u9fff]", n) for s in zh_names for n in s["names"])
    assert not any(re.search(r"[\u4e00-\u9fff]", n) for s in en_names for n in s["names"])


_ADD = re.compile(r"geo_json_[0-9a-f]{32}_add\((.*)\);[ \t]*$", re.M)


def _layers(html: str, geo: dict) -> list:
    """Every GeoJSON layer of a page as [(properties, geometry)] per feature, shared shapes put back."""
    out = []
    for m in _ADD.finditer(html):
        arg = m.group(1)
        g = re.fullmatch(r'hedongGeo\("([0-9a-f]+)",(.*)\)', arg, flags=re.S)
        if g:
            data = json.loads(g.group(2))
            for f, shape in zip(data["features"], geo[g.group(1)], strict=True):
                f["geometry"] = shape
        elif arg.startswith("{"):
            data = json.loads(arg)
        else:  # a shared text (streets, cells): the same in both
            out.append(arg)
            continue
        out.append([(f.get("properties"), f.get("geometry")) for f in data["features"]])
    return out


def test_shared_shapes_draw_the_same_layers(small_demo, tmp_path):
    kw = dict(lang="zh,en", services=["primary"], years=YEARS_PICKED, life_circle=False)
    shared = publish.publish(small_demo, tmp_path / "shared", **kw)
    inline = publish.publish(small_demo, tmp_path / "inline", share=False, **kw)
    geo = {}
    for p in (tmp_path / "shared" / "data").glob("geo-*.js"):
        for line in p.read_text(encoding="utf-8").splitlines():
            k, v = re.fullmatch(r'HEDONG_GEO\["([0-9a-f]+)"\]=(.*);', line).groups()
            geo[k] = json.loads(v)
    assert geo, "no shapes were shared"
    n = 0
    for f in shared["files"]:
        if f["kind"] in ("data", "index"):
            continue
        a = _layers((tmp_path / "shared" / f["file"]).read_text(encoding="utf-8"), geo)
        b = _layers((tmp_path / "inline" / f["file"]).read_text(encoding="utf-8"), {})
        assert len(a) == len(b), f["file"]
        # the layers in the same order; streets and cells are shared texts (checked elsewhere)
        pairs = [(x, y) for x, y in zip(a, b) if not isinstance(x, str)]
        assert pairs and all(x == y for x, y in pairs), f["file"]
        n += sum(len(x) for x, _ in pairs)
        # the circle markers: as many, at the same places, with the same tooltips
        sh = (tmp_path / "shared" / f["file"]).read_text(encoding="utf-8")
        il = (tmp_path / "inline" / f["file"]).read_text(encoding="utf-8")
        assert sh.count("=hedongCM(") == il.count("L.circleMarker(")
        assert (re.findall(r"hedongCM\(\w+,(\[[^\]]*\])", sh)
                == [json.dumps(json.loads(x), separators=(",", ":"))
                    for x in re.findall(r"L\.circleMarker\(\s*(\[[^\]]*\])", il)])
        assert (re.findall(r"<b>[^<]*</b>", sh.split("</head>")[-1])
                == re.findall(r"<b>[^<]*</b>", il.split("</head>")[-1]))
    assert n > 100
    assert inline["bytes"] > shared["bytes"]


def test_publishes_an_edited_working_copy(small_demo, tmp_path):
    """The app's Publish page with an edited scenario (a working copy, ``plan-edited``, stored nowhere):
    by name it is unknown; given as the scenario itself it is published (the page once failed here and
    offered no download)."""
    from layers.errors import UnknownScenarioError
    from scenarios.model import resolve_scenario

    edited = resolve_scenario(small_demo, "plan").copy("plan-edited")
    kw = dict(services=["primary"], years=YEARS_PICKED, life_circle=False, dry_run=True)
    with pytest.raises(UnknownScenarioError):
        publish.publish(small_demo, tmp_path / "a", scenario=["plan-edited"], **kw)
    res = publish.publish(small_demo, tmp_path / "b", scenario=[edited], **kw)
    assert res["scenarios"] == ["plan-edited"]
    assert [f["file"] for f in res["files"] if f["kind"] == "seats"] == ["seats-2027.html"]
    assert publish.publish(small_demo, tmp_path / "c", scenario=edited, **kw)["scenario"] == "plan-edited"


@pytest.mark.slow  # the full demo in two languages: about 90 s
def test_full_demo_in_both_languages_within_budget(full_demo, tmp_path):
    """Issue 26: the demo's whole publication in Chinese and English is at most 15 MB, every map at most
    5 MB (the README gives the measured figures)."""
    res = publish.publish(full_demo, tmp_path / "maps", lang="zh,en", dry_run=True)
    assert res["bytes"] <= 15_000_000, res["bytes"]
    assert res["largest_map_bytes"] <= 5_000_000
    assert len([f for f in res["files"] if f["file"].startswith("data/routes-")]) == 1
