"""Issue 14 item 8: no script from a data string runs in any published map, the index page or the
app's edit map. Every text field of a tiny area (district names, facility and project names and
sources, area name, sources, scenario name) holds hostile HTML; each map builder's page is loaded
in headless Debian Chromium, every tooltip and pop-up is opened, and no payload may have run.

A control run with the escape helper disabled must see the payload run — so the test can fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scenario_helpers import grid_area
from tests.test_browser import CHROMIUM, browser  # noqa: F401 - the shared Chromium and its fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]

# Each payload bumps window.__xss when it runs: an attribute handler, a script element, a script
# block break-out (a name inside inline JSON), an attribute break-out and two template-literal break-outs.
PAYLOADS = ('<img src=x onerror="window.__xss=(window.__xss||0)+1">',
            '</script><script>window.__xss=(window.__xss||0)+1</script>',
            '"><svg onload="window.__xss=(window.__xss||0)+1">',
            "'><img src=y onerror=window.__xss=(window.__xss||0)+1>",
            # folium's Tooltip puts its text in a JS template literal: a back-quote or ${ } breaks out
            "`+(window.__xss=(window.__xss||0)+1)+`",
            "${window.__xss=(window.__xss||0)+1}")


#: Jinja syntax: branca once compiled rendered map text as a template, so this became 1234000 (and
#: any expression in an uploaded name ran on the server); see presentation.folium_render.
TEMPLATE = "{{ 1234*1000 }}"


def _hostile(i: int) -> str:
    return f"名{i}{TEMPLATE}{PAYLOADS[i % len(PAYLOADS)]}"


def hostile_area():
    a = grid_area()
    d = a.districts.copy()
    d["name"] = [_hostile(0), _hostile(1)]
    f = a.facilities.copy()
    f["name"] = [_hostile(i) for i in range(len(f))]
    f["source"] = [_hostile(i + 1) for i in range(len(f))]
    p = a.projects.copy()
    p["name"] = [_hostile(i + 2) for i in range(len(p))]
    p["source"] = [_hostile(i + 3) for i in range(len(p))]
    b = a.boundary.copy()
    b["name"] = _hostile(3)
    return a.replace(name=_hostile(0), districts=d, facilities=f, projects=p, boundary=b,
                     sources={_hostile(1): _hostile(2)}, validate=False)


def _pages(area, tmp_path) -> dict[str, str]:
    """HTML of every map builder (and the index page) on ``area``."""
    from presentation import publish, webmap
    from scenarios.model import resolve_scenario

    scn = resolve_scenario(area, "plan").copy(_hostile(1))
    pages = {}
    m, _ = publish.coverage_map(area, "primary", lang="en")
    pages["coverage"] = m.get_root().render()
    m, _ = publish.life_circle_map(area, lang="zh")
    pages["life-circle"] = m.get_root().render()
    for level in ("primary", "kindergarten"):
        m, _ = publish.seat_map(area, scn, 2025, level=level)
        pages[f"seats-{level}"] = m.get_root().render()
    m = webmap.overview_map(area, projects=area.projects, title=_hostile(2), assets="inline")
    pages["overview"] = m.get_root().render()
    em = webmap.base_map(area)  # the app's edit map (webapp.cached.edit_map_cached)
    webmap.add_districts(em, area, labels=True)
    webmap.add_facilities(em, scn.projects, planned=True)
    pages["edit"] = webmap.finish(em, "inline").get_root().render()
    out = tmp_path / "pub"
    publish.publish(area, out, scenario="plan", services=["primary"], years=[2025], life_circle=False)
    pages["index"] = (out / "index.html").read_text(encoding="utf-8")
    return pages


def test_template_syntax_in_names_is_never_evaluated(tmp_path):
    pages = _pages(hostile_area(), tmp_path)
    for name, html in pages.items():
        assert "1234000" not in html, name
    assert all("1234*1000" in html for html in pages.values())


OPEN_ALL = """() => {
  const maps = Object.values(window).filter(v => window.L && v instanceof L.Map);
  let n = 0;
  for (const map of maps) {
    map.eachLayer(l => {
      if (l.getTooltip && l.getTooltip()) { try { l.openTooltip(l.getLatLng ? l.getLatLng() : undefined); n++; } catch (e) {} }
      if (l.getPopup && l.getPopup()) { try { l.openPopup(); n++; } catch (e) {} }
    });
  }
  return n;
}"""


def _ran(browser, html: str, tmp_path, name: str) -> tuple[int, int]:
    """(payloads run, tooltips and pop-ups opened) for one page."""
    f = tmp_path / f"{name}.html"
    f.write_text(html, encoding="utf-8")
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f.as_uri())
    page.wait_for_timeout(300)
    opened = page.evaluate(OPEN_ALL)
    page.wait_for_timeout(300)
    ran = page.evaluate("() => window.__xss || 0") + len(dialogs)
    page.close()
    return int(ran), int(opened)


def test_no_script_runs_in_any_map(browser, tmp_path, monkeypatch):
    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path / "data"))
    pages = _pages(hostile_area(), tmp_path)
    for name, html in pages.items():
        ran, opened = _ran(browser, html, tmp_path, name)
        assert ran == 0, f"{name}: a hostile string ran as script"
        if name != "index":
            assert opened > 0, f"{name}: no tooltip or pop-up was opened, the check saw nothing"


def test_control_without_escaping_the_payload_runs(browser, tmp_path, monkeypatch):
    """The same check with the escape helper disabled does see a script run: the test can fail."""
    from presentation import webmap

    monkeypatch.setattr(webmap, "esc", lambda v: "" if v is None else str(v))
    from presentation import publish

    m, _ = publish.coverage_map(hostile_area(), "primary")
    ran, _ = _ran(browser, m.get_root().render(), tmp_path, "control")
    assert ran > 0
