"""A publication in headless Debian Chromium: opened from file:// with its shared data/ files, offline,
and laid out on a 390 px phone with no box over a control (element boxes compared); the legend folded
into a button there (a small share of the map) that opens on a tap; the walking routes' words in the
page's language."""

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


@pytest.mark.parametrize("name", ["coverage-primary.html", "seats-2027.en.html", "life-circle.html"])
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
    # a tap opens it, still over no control; a second tap folds it again
    page.locator(".hedong-legend-toggle").first.click()
    page.wait_for_selector(".hedong-legend-control .hedong-legend", state="visible", timeout=5_000)
    opened = legend.bounding_box()
    assert opened["height"] > 3 * folded["height"] and legend.get_attribute("class").count("hedong-legend-open") == 1
    assert page.locator(".hedong-legend-toggle").first.get_attribute("aria-expanded") == "true"
    _no_overlaps(page, "open")
    page.screenshot(path=str(shots / f"phone-open-{name}.png"))
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
