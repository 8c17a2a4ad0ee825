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
