"""Issue 26 (the app as its users meet it) and issue 27 #12 (text from data is text), read from what the
user sees: AppTest's tables, metrics and captions, and the maps' HTML (the district tooltips' data).
Browser checks of the same issues are in ``tests/test_browser_ux.py``."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import SMALL_SCALE

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def new_app(query: dict | None = None):
    from streamlit.testing.v1 import AppTest

    os.environ["HEDONG_DEMO_SCALE"] = str(SMALL_SCALE)
    os.environ.pop("HEDONG_AREA", None)
    app = AppTest.from_file(APP, default_timeout=300)
    for k, v in (query or {}).items():
        app.query_params[k] = v
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def goto(app, page):
    app.sidebar.radio(key="page").set_value(page).run()
    assert not app.exception, [e.value for e in app.exception]


def metric_values(app) -> dict:
    return {m.label: m.value for m in app.metric}


# ---------------------------------------------------------------- #1 population on subdistrict hovers

def district_hover_pops(html: str) -> list[int]:
    """The population each subdistrict's hover shows (its GeoJSON feature's ``pop``)."""
    return [int(x) for x in re.findall(r'"label": "[^"]*", "pop": (\d+)', html)]


def test_subdistrict_hovers_show_their_residents_on_every_map(small_demo):
    """Issue 26 #1: the seat map (app and published), the edit map, the optimiser's and my-place maps hovered
    "Population 0" over every subdistrict; each now shows the residents the population layer counts there."""
    from presentation import publish as pub
    from presentation import webmap

    a = small_demo
    want = a.population.groupby(a.population["district_id"].astype(str))["pop_total"].sum()
    want = sorted(round(want.get(str(d), 0)) for d in a.districts["district_id"])
    assert sum(want) > 0
    maps = {"seat map": pub.seat_map_base(a)}
    for name, fn in (("plain map", lambda m: webmap.add_districts(m, a)),
                     ("unlabelled map", lambda m: webmap.add_districts(m, a, labels=False))):
        m = webmap.base_map(a)
        fn(m)
        maps[name] = m
    for name, m in maps.items():
        pops = district_hover_pops(m.get_root().render())
        assert sorted(pops) == want, (name, pops[:5])
    # a map that leaves population out says nothing rather than 0
    m = webmap.base_map(a)
    webmap.add_districts(m, a, population=False)
    html = m.get_root().render()
    assert not district_hover_pops(html) and '"pop"' not in html


# ---------------------------------------------------------------- #2 / item 3 choices that stay

def test_map_choices_survive_a_page_change_and_go_into_the_url():
    """Issue 26 #2: Map with primary + 10 min, then My place, then Map: still primary / 10 min (was back to
    fitness / 15); the choices are in the URL's query parameters."""
    app = new_app()
    app.selectbox(key="map_service").set_value("primary").run()
    app.slider(key="map_minutes").set_value(10).run()
    app.radio(key="map_mode").set_value("bike").run()
    before = metric_values(app)
    goto(app, "place")
    goto(app, "map")
    assert app.selectbox(key="map_service").value == "primary"
    assert app.slider(key="map_minutes").value == 10
    assert app.radio(key="map_mode").value == "bike"
    assert metric_values(app) == before
    assert not app.warning or all("Session State" not in w.value for w in app.warning)
    q = app.query_params
    assert (q.get("service"), q.get("minutes"), q.get("mode"), q.get("page")) == (
        ["primary"], ["10"], ["bike"], ["map"]) or (q.get("service"), q.get("minutes")) == ("primary", "10"), q


def test_schools_choices_survive_a_page_change():
    """Issue 26 #2: Schools with 2026, the edited plan, compared with "plan", catchment → walk; another page;
    back: the same year, scenario, compare target and rule (was 2025 / plan / existing)."""
    app = new_app()
    goto(app, "schools")
    app.slider(key="year").set_value(2027).run()
    app.radio(key="assign").set_value("walk").run()
    app.radio(key="level").set_value("junior").run()
    app.selectbox(key="compare").set_value("plan-growth").run()
    assert not app.exception, [e.value for e in app.exception]
    seats = [m.value for m in app.metric][:2]
    goto(app, "coverage")
    goto(app, "schools")
    assert app.slider(key="year").value == 2027
    assert app.radio(key="assign").value == "walk"
    assert app.radio(key="level").value == "junior"
    assert app.selectbox(key="compare").value == "plan-growth"
    assert [m.value for m in app.metric][:2] == seats


def _q(app, k):
    v = app.query_params.get(k)
    return v[0] if isinstance(v, list) else v


def test_a_shared_link_opens_the_same_view():
    """Item 3: the URL a session wrote, opened in a new session (a reload, a link sent to a colleague),
    shows the same page, language, service, minutes, year, level, rule, scenario and compare target."""
    app = new_app()
    app.sidebar.radio(key="lang").set_value("en").run()
    goto(app, "schools")
    app.slider(key="year").set_value(2026).run()
    app.radio(key="level").set_value("kindergarten").run()
    app.radio(key="assign").set_value("walk").run()
    app.selectbox(key="scenario").set_value("plan-growth").run()
    url = {k: _q(app, k) for k in app.query_params}
    assert url["year"] == "2026" and url["level"] == "kindergarten" and url["lang"] == "en", url
    shown = [(m.label, m.value) for m in app.metric]
    other = new_app(url)
    assert other.sidebar.radio(key="page").value == "schools"
    assert other.sidebar.radio(key="lang").value == "en"
    assert other.slider(key="year").value == 2026
    assert other.radio(key="level").value == "kindergarten"
    assert other.radio(key="assign").value == "walk"
    assert other.selectbox(key="scenario").value == "plan-growth"
    assert [(m.label, m.value) for m in other.metric] == shown


def test_a_bad_url_value_is_ignored():
    """A hand-edited link with values the app does not offer opens the default view, no error."""
    app = new_app({"service": "nope", "minutes": "7", "year": "1900", "page": "../etc", "place": "nan,1"})
    assert app.selectbox(key="map_service").value == "fitness"
    assert app.sidebar.radio(key="page").value == "map"


# ---------------------------------------------------------------- #6 codes and the other language, #7, #10

def shown_text(app) -> str:
    """Every word the page shows: captions, markdown, boxes, metric labels, selectbox options, table heads
    and cells."""
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader"):
        parts += [str(e.value) for e in getattr(app, kind)]
    parts += [m.label for m in app.metric]
    for sb in app.selectbox:
        parts += [sb.label, *map(str, sb.options)]
    for df in app.dataframe:
        v = df.value
        parts += [str(c) for c in v.columns] + [str(x) for x in v.astype(str).to_numpy().ravel()[:400]]
    return "\n".join(parts)


CODES = re.compile(r"NORMS\.md|clause \d|pop_total|age_\d|age_60|cohort：|growth：|\bplan-growth\b|-edited")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_codes_on_any_page(lang):
    """Issue 26 #6: no file names, clause codes, column names or scenario codes on screen, in either language
    ("cohort：…", existing / plan-growth / plan-edited, "NORMS.md", "clause 3.0.4", "share of pop_total")."""
    app = new_app({"lang": lang})
    for page in ("map", "place", "coverage", "schools", "indicators", "publish"):
        goto(app, page)
        if page == "schools":  # the scenario lists in words ("existing" is also an English word elsewhere)
            for key in ("scenario", "compare"):
                assert not {"existing", "plan"} & set(app.selectbox(key=key).options), app.selectbox(key=key).options
        found = sorted(set(CODES.findall(shown_text(app))))
        assert not found, (page, found)


def test_scenario_names_in_the_session_language():
    from webapp.state import scenario_label

    assert [scenario_label(n, "zh") for n in ("existing", "plan", "plan-growth", "plan-edited", "我的方案1-edited")] == [
        "现状", "规划方案", "规划方案（增长情景）", "规划方案（已修改）", "我的方案1（已修改）"]
    assert scenario_label("plan-edited", "en") == "Plan (edited)"


def test_chinese_page_gives_an_error_a_chinese_lead_in():
    """Issue 26 #6: an engine's (English) message on a Chinese page comes with a Chinese lead-in."""
    app = new_app({"page": "place"})
    app.radio(key="place_how").set_value("type").run()
    app.text_input(key="place_text").input("abc").run()
    errs = [e.value for e in app.error]
    assert errs and all(e.startswith("输入有误") for e in errs), errs


def test_walk_rule_shows_its_own_caption():
    """Issue 26 #7: the walk assignment showed the catchment caption ("Catchment: each child gets a seat …")."""
    app = new_app({"page": "schools", "lang": "en"})
    caps = " ".join(c.value for c in app.caption)
    assert "Catchment: each child" in caps and "Walk: children get seats" not in caps
    app.radio(key="assign").set_value("walk").run()
    caps = " ".join(c.value for c in app.caption)
    assert "Catchment: each child" not in caps and "Walk: children get seats" in caps


def test_indicator_table_converts_without_arrow_errors():
    """Issue 26 #10: every visit to Plan indicators printed pyarrow's ``ArrowInvalid`` (a blank row number
    beside numbers); the table the page shows converts to Arrow as it is."""
    import pyarrow as pa

    app = new_app({"page": "indicators"})
    for df in app.dataframe:
        pa.Table.from_pandas(df.value)  # raises ArrowInvalid on a mixed column


# ---------------------------------------------------------------- issue 27 #12: text from data is text

HOSTILE = "![](http://host/beacon.png) [phish](http://host/login)"


def test_md_escapes_every_markdown_construct():
    from webapp.text import md

    s = md(HOSTILE + "\n# h *e* `c` $x$ :red[r] <b>x</b> www.host.org a@b.org")
    for raw in ("![", "](", "[phish]", "\n", "# h", "*e*", "`c`", "$x$", ":red[", "<b>", "www.", "a@b.org", "http://"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), s), raw  # none left unescaped
    # the text is unchanged once the escapes are read
    assert re.sub(r"\\(.)", r"\1", s) == " ".join((HOSTILE + "\n# h *e* `c` $x$ :red[r] <b>x</b> www.host.org "
                                                   "a@b.org").split())


# ---------------------------------------------------------------- item 2: one population base per question

def _pct(text) -> float:
    return round(float(str(text).strip().rstrip("%").split()[0]), 1)


@pytest.mark.parametrize("service,minutes", [("kindergarten", 5), ("primary", 10)])
def test_one_number_per_question(service, minutes, small_demo, monkeypatch, capsys):
    """Issue 26 item 2: a service's share within N minutes is one number on the Map, Coverage and Indicators
    pages, in the published map and index, and in the CLI — the share of the people it is for (children of
    the level), counted here from the cells; the all-residents share only beside it, labelled."""
    import json

    import numpy as np

    import gis.areas
    from accessibility.coverage import service_coverage
    from hedong.cli import main
    from layers.families import SERVICES
    from presentation import publish as pub
    from presentation.i18n import cohort_label

    a = small_demo
    res = service_coverage(a, service, minutes=minutes)
    cohort = a.population[SERVICES[service].demand].to_numpy(float)
    want = round(100 * cohort[res.cell_minutes.to_numpy() <= minutes + 1e-9].sum() / cohort.sum(), 1)
    seen = {}

    app = new_app({"service": service, "minutes": str(minutes), "cov_minutes": str(minutes), "cov_mode": "walk"})
    label = cohort_label(SERVICES[service].demand, "zh")
    seen["map"] = _pct(next(m.value for m in app.metric if label in m.label))
    goto(app, "coverage")
    from webapp.state import tr
    tab = next(d.value for d in app.dataframe if "服务人群" in d.value.columns)
    row = tab[tab.iloc[:, 0] == tr(f"service.{service}", "zh")].iloc[0]
    seen["coverage"] = round(100 * float(row.iloc[2]), 1)
    goto(app, "indicators")
    walk = next((d.value for d in app.dataframe if "步行可达口径" in d.value.columns), None)
    if SERVICES[service].minutes == minutes and walk is not None:
        rows = walk[walk.iloc[:, 1].str.contains(label)]
        if len(rows):
            seen["indicators"] = round(100 * float(rows.iloc[0, 2]), 1)
    m, summ = pub.coverage_map(a, service, minutes=minutes)
    seen["published map"] = round(100 * summ["cohort_share"], 1)
    html = m.get_root().render()
    seen["published map text"] = _pct(re.search(r"覆盖人口比例（" + re.escape(label) + r"）: ([\d.]+)%", html).group(1))
    index = pub._index_html(a, "plan", "zh", [("x.html", summ)], [], [], [])
    cells = re.findall(r"<td>([\d.]+)% \(", index)
    seen["published index"] = _pct(cells[0])
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": a)
    assert main(["coverage", "--minutes", str(minutes), "--json"]) == 0
    seen["cli json"] = round(100 * json.loads(capsys.readouterr().out)["services"][service]["cohort_share"], 1)
    assert main(["coverage", "--minutes", str(minutes)]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if f" {service} " in ln)
    seen["cli table"] = _pct(re.split(r"\s{2,}", line)[2])
    assert "indicators" in seen or service == "primary"
    assert set(seen.values()) == {want}, (want, seen)
    # the people left out are the cohort's, in the published index as on the Map page
    assert f"{summ['cohort_uncovered']:,}" in index
    assert np.isclose(summ["cohort_uncovered"], cohort.sum() - cohort[res.cell_minutes.to_numpy() <= minutes].sum(),
                      atol=1)


# ---------------------------------------------------------------- #8 edit map, #9 my place

def test_edit_map_has_a_legend_a_named_year_and_no_box_over_the_site():
    """Issue 26 #8: the edit map's symbols are explained under it, the year field says it is the opening
    year, subdistricts carry no hover box on it, and the chosen/proposed sites' tooltips sit above them."""
    from webapp.cached import edit_layers_cached, edit_map_cached
    from webapp.state import get_scenario

    app = new_app({"page": "schools"})
    html = " ".join(h.proto.body for h in app.get("html"))
    assert "拟移至此处" in html and "所选项目" in html and "移动方向" in html
    assert any(n.label.startswith("开办年份") for n in app.number_input)
    from gis.areas import load_area_cached
    a = load_area_cached("yuncheng-demo")
    scen = get_scenario(a, "plan")
    em = edit_map_cached("yuncheng-demo", SMALL_SCALE, "k", "zh", _scen=scen).get_root().render()
    assert 'let fields = ["label"' not in em  # no subdistrict hover box
    m = webmap_with_districts()
    assert 'let fields = ["label", "pop"]' in m  # (what a hover box looks like in a map's page)
    js = edit_layers_cached("yuncheng-demo", SMALL_SCALE, "k", "zh", (35.03, 111.0), (35.02, 111.01), _scen=scen)
    assert js.count('"direction": "top"') == 2, js[:500]


def webmap_with_districts() -> str:
    from gis.areas import load_area_cached
    from presentation import webmap

    a = load_area_cached("yuncheng-demo")
    m = webmap.base_map(a)
    webmap.add_districts(m, a)
    return m.get_root().render()


def test_my_place_zooms_draws_clearly_and_shows_one_error():
    """Issue 26 #9: the walking area is drawn strongly and the map zooms to it; a bad entry typed after an
    out-of-area point shows only its own error (not the stale one too)."""
    from webapp.cached import place_layers_cached

    js = place_layers_cached("yuncheng-demo", SMALL_SCALE, 111.0075, 35.0265, 15.0, "zh")
    assert ".fitBounds(" in js and '"fillOpacity": 0.3' in js
    app = new_app({"page": "place"})
    app.radio(key="place_how").set_value("type").run()
    app.text_input(key="place_text").input("116.397, 39.909").run()
    assert len(app.error) == 1 and "研究范围" in app.error[0].value
    app.text_input(key="place_text").input("116.397; x").run()
    assert len(app.error) == 1 and app.error[0].value.startswith("输入有误"), [e.value for e in app.error]


def test_seat_legend_names_the_dashed_boundary():
    """Issue 26 #5: the dashed study-area boundary, far outside the populated area, was in no seat legend."""
    from presentation import publish as pub
    from presentation.i18n import t

    for lang in ("zh", "en"):
        assert t("boundary", lang) in pub.seat_legend_html(lang)
        assert t("boundary", lang) in "".join(pub._seat_legend_blocks(lang, False))
