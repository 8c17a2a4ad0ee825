"""A publication in headless Debian Chromium: opened from file:// with its shared data/ files, offline,
and laid out on a 390 px phone with no box over a control (element boxes compared); the legend folded
into a button there (a small share of the map) that opens on a tap; the title folded into a line of at
most a tenth of the map's height that opens on a tap into the full, escaped text; the walking routes'
words in the page's language."""

from __future__ import annotations

import html
import itertools
import re
from pathlib import Path

import pytest

from layers.families import SERVICES
from tests.test_browser import CHROMIUM, _shots, browser  # noqa: F401 - the shared Chromium fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]

#: The boxes that must not overlap on a phone: controls and what floats over the map.
BOXES = (".leaflet-control-zoom", ".leaflet-control-layers", ".hedong-title-control", ".hedong-legend-control",
         ".hedong-place-hint", ".leaflet-control-attribution")


def _overlap(a, b) -> bool:
    return (a["x"] < b["x"] + b["width"] - 0.5 and b["x"] < a["x"] + a["width"] - 0.5
            and a["y"] < b["y"] + b["height"] - 0.5 and b["y"] < a["y"] + a["height"] - 0.5)


@pytest.fixture(scope="module")
def publication(small_demo, tmp_path_factory):
    from presentation.publish import publish

    out = tmp_path_factory.mktemp("pub") / "maps"
    publish(small_demo, out, lang="zh,en", services=["primary", "fitness"], years=[2027])
    return out


@pytest.mark.parametrize("name", ["coverage-primary.html", "seats-2027.html", "seats-2027.en.html",
                                  "life-circle.html"])
def test_phone_layout_has_no_overlapping_boxes(browser, publication, name, tmp_path):
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    external, failed = [], []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto((publication / name).as_uri())
    page.wait_for_selector(".hedong-legend-control", timeout=20_000)
    page.wait_for_selector(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas", timeout=20_000)
    # the shared files were loaded from the folder (relative <script src> works from file://)
    assert page.evaluate("typeof L !== 'undefined' && !!window.HEDONG_DATA && Object.keys(window.HEDONG_DATA).length > 0")
    assert '<script src="data/leaflet.js">' in (publication / name).read_text(encoding="utf-8")
    shots = _shots(tmp_path)
    # on the phone the legend is folded into its button: a small share of the map
    m = page.locator(".leaflet-container").bounding_box()
    legend = page.locator(".hedong-legend-control").first
    folded = legend.bounding_box()
    assert not page.locator(".hedong-legend-control .hedong-legend").first.is_visible()
    assert folded["width"] * folded["height"] <= 0.15 * m["width"] * m["height"], (folded, m)
    _no_overlaps(page, "folded")
    page.screenshot(path=str(shots / f"phone-{name}.png"))
    _check_title(page, m, shots, name)
    # a tap opens it, still over no control; a second tap folds it again
    page.locator(".hedong-legend-toggle").first.click()
    page.wait_for_selector(".hedong-legend-control .hedong-legend", state="visible", timeout=5_000)
    opened = legend.bounding_box()
    assert opened["height"] > 3 * folded["height"] and legend.get_attribute("class").count("hedong-legend-open") == 1
    assert page.locator(".hedong-legend-toggle").first.get_attribute("aria-expanded") == "true"
    _no_overlaps(page, "open")
    page.screenshot(path=str(shots / f"phone-open-{name}.png"))
    # both open at once (the title at the top right, the legend at the bottom right): still apart
    page.locator(".hedong-title-toggle").first.click()
    page.wait_for_selector(".hedong-title-full", state="visible", timeout=5_000)
    _no_overlaps(page, "and title open")
    page.locator(".hedong-title-full").first.click()
    page.wait_for_selector(".hedong-title-full", state="hidden", timeout=5_000)
    page.locator(".hedong-legend-toggle").first.click()
    page.wait_for_selector(".hedong-legend-control .hedong-legend", state="hidden", timeout=5_000)
    # the offline "my place" click still answers
    page.mouse.click(195, 420)
    page.wait_for_selector(".hedong-place", timeout=10_000)
    # ... and draws the walking route to the nearest facility of each service (data/routes-*.js)
    page.wait_for_function("window.hedongRoutes && window.hedongRoutes.getLayers().length >= 3", timeout=10_000)
    # ... named in the page's language (data/route-names-<lang>.js; the routes themselves are shared)
    tips = page.evaluate("() => window.hedongRoutes.getLayers().map(l => l.getTooltip().getContent())")
    lang = "en" if ".en." in name else "zh"
    labels = {html.escape(SERVICES[k].label(lang)) for k in SERVICES}
    assert tips and all(t.split(": ")[0] in labels for t in tips), tips
    # the facilities' names (the demo has both): Chinese characters in the Chinese page only
    han = [bool(re.search(r"[\u4e00-\u9fff]", t.split(": ", 1)[1].split(" · ")[0])) for t in tips]
    assert all(han) if lang == "zh" else not any(han), tips
    assert not external and not failed, (external[:3], failed[:3])
    page.close()


def _no_overlaps(page, state: str) -> None:
    """No two of :data:`BOXES` overlap and each is on the 390 px screen."""
    boxes = {}
    for sel in BOXES:
        loc = page.locator(sel)
        if loc.count():
            boxes[sel] = loc.first.bounding_box()
    assert {".leaflet-control-zoom", ".hedong-title-control", ".hedong-legend-control",
            ".hedong-place-hint"} <= set(boxes)
    for (a, ba), (b, bb) in itertools.combinations(boxes.items(), 2):
        assert not _overlap(ba, bb), f"{a} {ba} overlaps {b} {bb} on a 390 px screen (legend {state})"
    for sel, bx in boxes.items():  # and each stays on the screen
        assert bx["x"] >= -0.5 and bx["x"] + bx["width"] <= 390.5, (sel, bx, state)


def _check_title(page, m: dict, shots: Path, name: str) -> None:
    """Folded, the title is one button of at most a tenth of the map's height, the generated-data mark
    in sight; a tap shows the whole bar (figures and notice, nothing scrolled away), over no control;
    a tap on the text folds it again."""
    title = page.locator(".hedong-title-control").first
    full = page.locator(".hedong-title-full").first
    toggle = page.locator(".hedong-title-toggle").first
    folded = title.bounding_box()
    assert folded["height"] <= 0.10 * m["height"], (folded, m)
    assert toggle.is_visible() and not full.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    line = page.locator(".hedong-title-line").first.inner_text()
    assert line.strip() and page.locator(".hedong-title-mark").first.is_visible()  # the demo is generated data
    toggle.click()
    page.wait_for_selector(".hedong-title-full", state="visible", timeout=5_000)
    opened = title.bounding_box()
    assert opened["height"] > folded["height"] and toggle.get_attribute("aria-expanded") == "true"
    text = full.inner_text()
    assert line.strip() in text and page.locator(".hedong-title-full .hedong-notice").first.is_visible()
    if name.startswith("seats"):  # the levels' figures, hidden when folded, are all there
        assert text.count("%") >= 6, text
    # readable as a whole: the bar needs no scrolling and stays on the screen
    assert page.evaluate("() => {const d = document.querySelector('.hedong-title-control > div');"
                         "return d.scrollHeight <= d.clientHeight + 1}"), text
    assert opened["y"] + opened["height"] <= m["y"] + m["height"]
    _no_overlaps(page, "folded, title open")
    page.screenshot(path=str(shots / f"phone-title-{name}.png"))
    full.click()  # a tap on the opened text folds it
    page.wait_for_selector(".hedong-title-full", state="hidden", timeout=5_000)
    assert title.bounding_box()["height"] == pytest.approx(folded["height"], abs=1)


def test_phone_title_escapes_a_scenario_name(browser, tmp_path):
    """A scenario named with HTML shows as those characters in the folded line and the opened bar
    at 390 px, and nothing of it runs."""
    from presentation.publish import PHONE_CSS, seat_map
    from scenario_helpers import grid_area
    from scenarios.model import resolve_scenario

    area = grid_area()
    bad = '<img src=x onerror="window.__xss=1">&amp;'
    m, _ = seat_map(area, resolve_scenario(area, "plan").copy(bad), 2025, lang="en")
    path = tmp_path / "seats.html"
    path.write_text(m.get_root().render().replace("</head>", PHONE_CSS + "\n</head>", 1), encoding="utf-8")
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page.goto(path.as_uri())
    page.wait_for_selector(".hedong-title-toggle", state="visible", timeout=20_000)
    assert bad in page.locator(".hedong-title-line").first.inner_text()
    page.locator(".hedong-title-toggle").first.click()
    assert bad in page.locator(".hedong-title-full").first.inner_text()
    assert page.evaluate("() => window.__xss === undefined && !document.querySelector('.hedong-title-control img')")
    page.close()
