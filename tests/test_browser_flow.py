"""Issue 13 in a real browser (headless Debian Chromium): the offline "my place" click on a published map,
and the planner's move -> compare -> gains flow in the running app. Marked ``browser`` and ``slow``.
Screenshots go to ``$HEDONG_SCREENSHOT_DIR`` (default: pytest's tmp dir)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

from tests.test_browser import ARGS, CHROMIUM, _shots, app_url, browser  # noqa: F401 - shared fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]

_FIND_MAP = "Object.values(window).find(v => v instanceof L.Map)"


def test_published_map_click_shows_minutes_offline(browser, small_demo, tmp_path):  # noqa: F811
    """A click on a published map, opened as a file, shows the minutes on foot to every service at that
    cell — equal to the coverage engine's — with no network request at all."""
    from accessibility.coverage import service_coverage
    from layers.families import SERVICES
    from presentation import publish as pub

    m, _ = pub.coverage_map(small_demo, "fitness", lang="zh")
    place = pub.place_minutes_by_cell(small_demo)
    f = tmp_path / "coverage-fitness.html"
    f.write_text(pub._offline_page(m, small_demo, place, "zh"), encoding="utf-8")
    assert f.stat().st_size < 5 * 2**20
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    requests = []
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:", "about:")) else None)
    page.goto(f.as_uri())
    page.wait_for_selector(".leaflet-container")
    assert page.title().startswith("健身设施")
    # the most populated cell, clicked where Leaflet draws it
    i = int(np.argmax(small_demo.population["pop_total"].to_numpy()))
    ll = small_demo.population.geometry.to_crs(4326).iloc[i]
    xy = page.evaluate(f"(() => {{ const m = {_FIND_MAP}; m.setView([{ll.y}, {ll.x}], 16);"
                       f" const p = m.latLngToContainerPoint([{ll.y}, {ll.x}]); return [p.x, p.y]; }})()")
    page.wait_for_timeout(800)
    # where the click will land (read before clicking: the pop-up then pans the map)
    clicked = page.evaluate(f"(() => {{ const m = {_FIND_MAP}; const c = m.containerPointToLatLng([{xy[0]}, {xy[1]}]);"
                            " return [c.lng, c.lat]; })()")
    box = page.locator(".leaflet-container").bounding_box()
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    popup = page.locator(".hedong-place")
    popup.wait_for(timeout=10_000)
    text = popup.inner_text()
    # the cell nearest to where the click landed, found here independently (metres in the area's CRS)
    import geopandas as gpd

    pt = gpd.GeoSeries(gpd.points_from_xy([clicked[0]], [clicked[1]]), crs=4326).to_crs(small_demo.crs).iloc[0]
    i = int(small_demo.population.geometry.distance(pt).to_numpy().argmin())
    page.screenshot(path=str(_shots(tmp_path) / "published-my-place.png"))
    for s in SERVICES:
        mins = service_coverage(small_demo, s).cell_minutes.iloc[i]
        label = SERVICES[s].label("zh")
        row = next(r for r in text.splitlines() if r.startswith(label))
        shown = row.split()[1] if len(row.split()) > 1 else ""
        assert shown == (str(int(np.floor(mins + 0.5))) if np.isfinite(mins) and mins < 254.5 else "—"), (s, row)
    assert not requests, f"requests left the file: {requests[:3]}"
    page.close()


def _leaflet_frames(page, needle=None, timeout=120):
    """Frames holding a Leaflet map (whose page contains ``needle``), waiting for them to load."""
    deadline = time.time() + timeout
    while True:
        out = []
        for f in page.frames:
            try:
                if f.locator(".leaflet-container").count() and (needle is None or needle in f.content()):
                    out.append(f)
            except Exception:  # noqa: BLE001 - frames come and go while Streamlit renders
                pass
        if out or time.time() > deadline:
            return out
        page.wait_for_timeout(500)


def _settle(page, timeout=300):
    deadline = time.time() + timeout
    page.wait_for_timeout(300)
    while time.time() < deadline:
        if page.locator("[data-testid='stStatusWidget']").count() == 0:
            return
        page.wait_for_timeout(200)
    raise TimeoutError


def test_move_by_click_compared_with_plan_and_gains_shown(browser, app_url, small_demo, tmp_path):  # noqa: F811
    """Schools page: a project moved by clicking the edit map becomes "规划方案（已修改）", compared with the
    unedited plan in the same session, and the gains map draws gaining or losing cells."""
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.goto(app_url, wait_until="domcontentloaded")
    page.wait_for_selector("text=演示数据（生成）", timeout=180_000)
    page.locator("[data-testid='stSidebar'] label").filter(has_text="学校与方案").first.click()
    page.wait_for_selector("text=编辑方案", timeout=180_000)
    _settle(page)
    page.wait_for_timeout(2000)
    # the edit map is the one whose script holds the planned-project layer; click the most crowded cell
    i = int(np.argmax(small_demo.population["age_6_11"].to_numpy()))
    ll = small_demo.population.geometry.to_crs(4326).iloc[i]
    frames = _leaflet_frames(page, "stroke-dasharray")  # the edit map draws the planned projects dashed
    assert frames, "no edit map"
    fr = frames[-1]
    fr.frame_element().scroll_into_view_if_needed()  # a click only lands inside the viewport
    page.wait_for_timeout(500)
    xy = fr.evaluate(f"(() => {{ const m = {_FIND_MAP}; m.setView([{ll.y}, {ll.x}], 15);"
                     f" const p = m.latLngToContainerPoint([{ll.y}, {ll.x}]); return [p.x, p.y]; }})()")
    page.wait_for_timeout(1000)
    # where the click will land, read from the map itself once the view has settled
    target = fr.evaluate(f"(() => {{ const m = {_FIND_MAP}; const c = m.containerPointToLatLng([{xy[0]}, {xy[1]}]);"
                         " return [c.lng, c.lat]; })()")
    box = fr.frame_element().bounding_box()
    stamp = fr.locator(".leaflet-container").get_attribute("data-hedong-stamp")
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    _settle(page)
    page.wait_for_selector("text=已选位置", timeout=60_000)
    # the same map redraws its layers with the proposed site (and the ring on the project chosen)
    deadline = time.time() + 30
    while time.time() < deadline and fr.locator(".leaflet-container").get_attribute("data-hedong-stamp") == stamp:
        page.wait_for_timeout(200)
    assert fr.locator(".leaflet-container").get_attribute("data-hedong-stamp") != stamp, "no proposed site drawn"
    lon = float(page.locator("[class*='st-key-edit_lon_'] input").first.input_value())
    assert lon == pytest.approx(target[0], abs=1e-4)  # the click set the coordinates
    page.locator(".st-key-edit_apply button").click()
    page.wait_for_selector("text=规划方案（已修改） − 规划方案", timeout=180_000)
    _settle(page)
    page.wait_for_timeout(2500)
    assert page.locator("[data-testid='stException']").count() == 0
    gains = _leaflet_frames(page, "步行可达入学")
    assert gains, "no gains map"
    html = gains[0].content()
    assert "步行可达入学增加的网格" in html or "步行可达入学减少的网格" in html
    page.screenshot(path=str(_shots(tmp_path) / "app-gains.png"), full_page=True)
    page.close()


def test_out_of_area_candidate_file_refused(browser, app_url, tmp_path):  # noqa: F811
    """Uploading a candidates CSV with a Beijing row: the app names the row, and the optimiser cannot run."""
    sample = Path(__file__).resolve().parent.parent / "docs" / "examples" / "candidates.csv"
    lines = sample.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "far.csv"
    bad.write_text("\n".join([lines[0], lines[1], "BJ,天安门 Beijing,116.3975,39.9087,1800", *lines[2:]]) + "\n",
                   encoding="utf-8")
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.goto(app_url, wait_until="domcontentloaded")
    page.wait_for_selector("text=演示数据（生成）", timeout=180_000)
    page.locator("[data-testid='stSidebar'] label").filter(has_text="学校与方案").first.click()
    page.wait_for_selector("text=运行选址优化", timeout=180_000)
    _settle(page)
    page.locator(".st-key-cand_upload input[type='file']").set_input_files(str(bad))
    page.wait_for_selector("text=候选地块文件被拒绝", timeout=120_000)
    err = page.locator("[data-testid='stAlert']").filter(has_text="候选地块文件被拒绝").first.inner_text()
    assert "far.csv" in err and "row 2" in err and "outside the study area" in err
    _settle(page)
    page.wait_for_timeout(1000)
    # never a silent fall-back to generated candidates: pressing "run" anyway solves nothing
    page.locator(".st-key-opt_run button").click(force=True)
    _settle(page)
    page.wait_for_timeout(1500)
    assert page.locator("[data-testid='stMetric']").filter(has_text="目标值").count() == 0
    assert page.locator("[data-testid='stAlert']").filter(has_text="row 2").count() >= 1
    page.screenshot(path=str(_shots(tmp_path) / "app-refused-upload.png"), full_page=True)
    page.close()
