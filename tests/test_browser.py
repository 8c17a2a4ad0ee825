"""Real-browser tests: the app as the README starts it (`hedong app`) and a published map, in headless
Debian Chromium.

The page is opened the moment the server answers, while `hedong app` is still preparing its first page:
the first visitor's run and the preparation's run share the cached maps (two renders of one map at once
once gave a blank map), and a component declared too early would leave the map frame empty (a 404).

Marked ``browser`` and ``slow``; skipped with a reason when /usr/bin/chromium is absent. No
internet is needed: Leaflet comes from ./static (app) or is inlined (published file).
Screenshots go to ``$HEDONG_SCREENSHOT_DIR`` (default: pytest's tmp dir).
"""

from __future__ import annotations

import os
import time
import urllib.request
from pathlib import Path

import pytest

from scenario_helpers import serving_app
from tests.conftest import SMALL_SCALE

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Debian chromium not installed (apt-get install chromium fonts-wqy-microhei)"),
]


def _shots(tmp_path) -> Path:
    d = Path(os.environ.get("HEDONG_SCREENSHOT_DIR") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="module")
def browser():
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app_url():
    env = {**os.environ, "HEDONG_DEMO_SCALE": os.environ.get("HEDONG_DEMO_SCALE", str(SMALL_SCALE))}
    with serving_app(env) as url:
        # the vendored Leaflet is served by Streamlit's static serving with a JavaScript MIME type
        with urllib.request.urlopen(url + "/app/static/leaflet/leaflet.js", timeout=5) as r:
            assert "javascript" in r.headers.get("Content-Type", "")
        yield url


def test_app_renders_map_offline(browser, app_url, tmp_path):
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(
        ("http://127.0.0.1", "data:", "blob:", "about:")) else None)
    page.goto(app_url, wait_until="domcontentloaded")
    page.wait_for_selector("text=演示数据（生成）", timeout=120_000)
    frame = None
    deadline = time.time() + 120
    while time.time() < deadline and frame is None:
        for f in page.frames:
            try:
                if f.locator(".leaflet-container").count() and f.locator(".leaflet-overlay-pane path, "
                                                                        ".leaflet-overlay-pane canvas").count():
                    frame = f
                    break
            except Exception:  # noqa: BLE001 - frames come and go while Streamlit renders
                pass
        page.wait_for_timeout(500)
    assert frame is not None, "no .leaflet-container with vector layers rendered"
    # the legend is under the map (on it, it covered the area's eastern edge), in the page
    assert page.locator(".hedong-legend-outside").count() >= 1
    assert frame.locator(".hedong-legend").count() == 0
    page.wait_for_timeout(1500)
    page.screenshot(path=str(_shots(tmp_path) / "app-map.png"))
    body = page.inner_text("body")
    assert "Traceback" not in body and "Error" not in body.split("演示数据")[0]
    # coverage page: the district table appears, no exception
    page.get_by_text("覆盖率", exact=True).first.click()
    page.wait_for_selector("text=分街道覆盖率", timeout=120_000)
    page.wait_for_timeout(2000)
    assert page.locator("[data-testid='stDataFrame'], [data-testid='stTable']").count() >= 1
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(_shots(tmp_path) / "app-coverage.png"), full_page=True)
    assert not external, f"requests left the machine: {external[:3]}"
    page.close()


def _map_frame(page, timeout: float = 120.0):
    """The frame of the first Leaflet map with its layers drawn."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for f in page.frames:
            try:
                if f.locator(".leaflet-container[data-hedong-stamp]").count():
                    return f
            except Exception:  # noqa: BLE001 - frames come and go while Streamlit renders
                pass
        page.wait_for_timeout(200)
    raise AssertionError("no map with its layers drawn")


def test_app_service_switch_redraws_layers_not_the_map(browser, app_url):
    """A new service on the main map is drawn into the map already on the screen (same frame, new
    layers stamp; the legend under it names the new service), with no error in the page."""
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app_url, wait_until="domcontentloaded")
    page.wait_for_selector("text=演示数据（生成）", timeout=120_000)
    frame = _map_frame(page)
    stamp = frame.locator(".leaflet-container").get_attribute("data-hedong-stamp")
    assert "健身设施" in page.locator(".hedong-legend-outside").first.inner_text()
    page.locator(".st-key-map_service [role='combobox'], .st-key-map_service button[aria-haspopup='listbox']"
                 ).first.click()
    page.locator("[role='option']").filter(has_text="医疗卫生").first.click()
    deadline = time.time() + 60
    while time.time() < deadline:
        new = frame.locator(".leaflet-container").get_attribute("data-hedong-stamp")
        if new != stamp:
            break
        page.wait_for_timeout(100)
    assert new != stamp, "the layers were not redrawn"
    assert _map_frame(page) is frame, "the map frame was rebuilt"
    page.wait_for_function("() => [...document.querySelectorAll('.hedong-legend-outside')]"
                           ".some(e => e.innerText.includes('医疗卫生'))", timeout=30_000)
    assert page.locator(".hedong-legend-outside").count() == 1
    assert frame.locator(".leaflet-control-layers").count() == 1  # the old switch was removed
    assert not errors, errors
    page.close()


def test_app_my_place_click_answers_with_streets_to_orient_by(browser, app_url, tmp_path):
    """The public's question in the app: a click on the "My place" map (which draws the area's own
    streets, offline) chooses the place — also when it lands on a facility — and the page answers with
    the minutes to every service while the map, kept, draws the point and its walking isochrone."""
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app_url, wait_until="domcontentloaded")
    page.wait_for_selector("text=演示数据（生成）", timeout=120_000)
    page.locator(".st-key-page [role=radiogroup] label").filter(has_text="我家附近").first.click()
    page.wait_for_selector("text=尚未选择位置", timeout=120_000)
    frame = _map_frame(page)
    frame.wait_for_selector(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas", timeout=60_000)
    stamp = frame.locator(".leaflet-container").get_attribute("data-hedong-stamp")
    box = None
    for f in page.locator("iframe").all():  # the map's frame: the tall one
        b = f.bounding_box()
        if b and b["height"] > 300:
            box = b
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.55)
    # the answer: the place in WGS84 / GCJ-02 and the minutes table (its grid's heading is in the page)
    page.wait_for_function("() => /GCJ-02 1\\d\\d\\.\\d+/.test(document.body.innerText)", timeout=120_000)
    page.wait_for_selector("text=步行分钟", state="attached", timeout=30_000)
    deadline = time.time() + 60
    while time.time() < deadline and frame.locator(".leaflet-container").get_attribute("data-hedong-stamp") == stamp:
        page.wait_for_timeout(200)
    assert frame.locator(".leaflet-container").get_attribute("data-hedong-stamp") != stamp, "no point drawn"
    assert _map_frame(page) is frame, "the map frame was rebuilt"
    assert page.locator("[data-testid='stDataFrame']").count() >= 1
    page.screenshot(path=str(_shots(tmp_path) / "app-my-place.png"))
    assert not errors, errors
    page.close()


def test_published_map_opens_from_file(browser, small_demo, tmp_path):
    from presentation.publish import publish

    out = tmp_path / "maps"
    publish(small_demo, out, services=["fitness"], years=[2025])
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    for name in ("coverage-fitness.html", "seats-2025.html"):
        page.goto((out / name).as_uri())
        page.wait_for_selector(".leaflet-container", timeout=20_000)
        page.wait_for_selector(".hedong-legend", timeout=20_000)
        assert page.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas").count() >= 1
        assert "演示数据（生成）" in page.inner_text("body")
        page.screenshot(path=str(_shots(tmp_path) / name.replace(".html", ".png")))
    assert not external, f"the published map fetched {external[:3]}"
    page.close()


def test_layers_script_replaces_the_previous_layers(browser, small_demo, tmp_path):
    """A seat map drawn once, then a second year and level run on it as a script: the map ends exactly as
    if only the second had been drawn (same layers, one title, one layer switch, no legend in the map) — even after
    the user switched on the first script's hidden levels — with no error in the page."""
    from presentation import publish as pub
    from presentation.controls import add_script
    from scenarios.evaluate import evaluate

    ev_all = evaluate(small_demo, "plan", 2025)  # three levels: two of them hidden, switchable
    ev_one = evaluate(small_demo, "plan", 2023, levels=("junior",))

    def page_with(*evs):
        base = pub.seat_map_base(small_demo, assets="inline")
        scripts = [pub.seat_map_layers(base, small_demo, "plan", y, e, level=lv) for y, e, lv in evs]
        add_script(base, scripts[0])
        path = tmp_path / f"seat-{len(evs)}-{evs[0][0]}.html"
        path.write_text(base.get_root().render(), encoding="utf-8")
        page = browser.new_page(viewport={"width": 1100, "height": 800})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_selector(".leaflet-container[data-hedong-stamp]")
        return page, base.get_name(), scripts, errors

    count = "(() => Object.keys({m}._layers).length)()"
    page, var, scripts, errors = page_with((2025, ev_all, "primary"), (2023, ev_one, "junior"))
    # the user turns on every layer of the first script's switch (the hidden levels too)
    page.evaluate(f"(() => {{ window.hedongAdded.forEach(function(x) {{ if (x instanceof L.Control.Layers) "
                  f"x._layers.forEach(function(o) {{ {var}.addLayer(o.layer); }}); }}); }})()")
    page.evaluate(scripts[1].replace("{map}", var))
    after = page.evaluate(count.replace("{m}", var))
    assert page.locator(".hedong-title-control").count() == 1
    assert "2023" in page.locator(".hedong-title-control").inner_text()
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator(".hedong-legend").count() == 0  # the app shows it under the map (seat_legend_html)
    assert not errors, errors
    page.close()
    fresh, var2, scripts2, errors2 = page_with((2023, ev_one, "junior"))
    assert fresh.evaluate(count.replace("{m}", var2)) == after
    assert not errors2, errors2
    fresh.close()


def test_language_switch_keeps_the_facilities_shown(browser, app_url):
    """中文 → English → 中文 keeps every choice (Streamlit keeps a choice as its shown label, which
    changes with the language: the service came back as a raw label and crashed the map page, and the
    facility families came back empty), on the map page and on the schools page."""
    from layers.families import FAMILIES
    from presentation.i18n import family_label

    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.goto(app_url, wait_until="domcontentloaded")
    page.wait_for_selector("text=演示数据（生成）", timeout=120_000)
    markers = _map_frame(page).locator(".leaflet-marker-pane .hedong-icon").count()
    assert markers > 0
    lang = lambda name, wait: (page.locator("[data-testid='stSidebar'] label").filter(has_text=name)  # noqa: E731
                               .first.click(), page.wait_for_selector(f"text={wait}", timeout=60_000),
                               page.wait_for_timeout(2500))
    lang("English", "Facilities shown")
    chosen = page.locator(".st-key-map_families").inner_text()
    assert all(family_label(f, "en") in chosen for f in FAMILIES), chosen
    assert _map_frame(page).locator(".leaflet-marker-pane .hedong-icon").count() == markers
    lang("中文", "显示设施")
    assert page.locator("[data-testid='stException']").count() == 0
    assert _map_frame(page).locator(".leaflet-marker-pane .hedong-icon").count() == markers
    page.locator("[data-testid='stSidebar'] label").filter(has_text="学校与方案").first.click()
    page.wait_for_selector("text=分街道学位余缺", timeout=120_000)
    lang("English", "Seat balance")
    lang("中文", "分街道学位余缺")
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()


def test_schools_page_downloads_the_seat_report(browser, app_url, tmp_path):
    """The schools page's download button gives the bureau's workbook (made when clicked): an XLSX whose
    sheets are the report's and whose notes carry the generated-data notice."""
    import openpyxl

    page = browser.new_page(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    page.goto(app_url, wait_until="domcontentloaded")
    page.wait_for_selector("text=演示数据（生成）", timeout=120_000)
    page.locator("[data-testid='stSidebar'] label").filter(has_text="学校与方案").first.click()
    page.wait_for_selector("text=分街道学位余缺", timeout=120_000)
    page.wait_for_timeout(3000)  # the fragment settles (a rerun draws the button again)
    button = page.get_by_role("button", name="下载学位供需报告（Excel）").first
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=240_000) as dl:
        button.click()
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    assert path.suffix == ".xlsx" and "plan" in path.name
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["学位供需平衡表", "学校明细", "学位预警", "建设项目", "敏感性", "说明"]
    assert any("演示数据（生成）" in str(v) for row in wb["说明"].iter_rows(values_only=True) for v in row)
    page.screenshot(path=str(_shots(tmp_path) / "schools_report.png"), full_page=False)
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()
