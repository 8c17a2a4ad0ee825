"""Every path that places a school goes through the one site check (scenarios.sites.check_sites): a site
inside the study-area boundary but 2 km from any street is refused, naming the file, row and field —
a scenario file's project, `scenario move`, the app's edit map, a candidate file for the optimiser (CLI
and app upload), and a bureau's 项目库 (`hedong area init`). The far point is found here from the street
lines themselves (shapely distances), not from the engine's snapping."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely

from layers.errors import InputError
from scenario_helpers import run_cli, schools_app, use_area

ROOT = Path(__file__).resolve().parents[1]
BUREAU = ROOT / "docs" / "examples" / "bureau"


def _street_lines(G) -> list:
    """Every street of the graph as a line (straight where the edge has no geometry)."""
    out = []
    for u, v, d in G.edges(data=True):
        g = d.get("geometry")
        out.append(g if g is not None else shapely.LineString([(G.nodes[u]["x"], G.nodes[u]["y"]),
                                                              (G.nodes[v]["x"], G.nodes[v]["y"])]))
    return out


@pytest.fixture(scope="module")
def far(small_demo):
    """(lon, lat) in WGS84 of a point of the small demo inside its boundary (300 m in), 2-3 km from any street."""
    area = small_demo
    outline = shapely.union_all(area.boundary.geometry.to_crs(area.crs).values)
    tree = shapely.STRtree(_street_lines(area.graph))
    x0, y0, x1, y1 = outline.bounds
    xs, ys = np.meshgrid(np.arange(x0, x1, 250.0), np.arange(y0, y1, 250.0))
    pts = shapely.points(xs.ravel(), ys.ravel())
    pts = pts[shapely.contains(outline, pts) & (shapely.distance(pts, outline.boundary) > 300)]
    _, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    ok = np.flatnonzero((dist >= 2000) & (dist <= 3000))
    assert len(ok), "the demo must have a spot 2-3 km from any street inside its boundary"
    p = gpd.GeoSeries([pts[ok[0]]], crs=area.crs).to_crs(4326).iloc[0]
    return float(p.x), float(p.y)


@pytest.fixture
def cli_area(monkeypatch, tmp_path, small_demo):
    use_area(monkeypatch, tmp_path, small_demo)
    return small_demo


def _far_from_street(text: str) -> bool:
    return "from the nearest street" in text and "limit 500 m" in text


def test_scenario_file_project_is_refused(cli_area, tmp_path, capsys, far):
    from scenarios.model import load_scenario, resolve_scenario, save_scenario

    plan = resolve_scenario(cli_area, "plan")
    pid = str(plan.projects["project_id"].iloc[2])
    for suffix in (".gpkg", ".geojson"):
        path = tmp_path / f"far{suffix}"
        save_scenario(plan.copy("far").move(pid, *far), path=path)  # written as a planner's file would be
        with pytest.raises(InputError) as e:
            load_scenario(path, cli_area)
        assert (Path(e.value.file).name, e.value.row, e.value.field) == (path.name, 3, "geometry")
        assert _far_from_street(str(e.value)) and pid in str(e.value)
        rc, _, err = run_cli(["scenario", "evaluate", "--scenario", path, "--json"], capsys)
        assert rc == 2 and path.name in err and "row 3" in err and "geometry" in err and _far_from_street(err)
    # the same project where it was loads (the check refuses the site, not the file)
    save_scenario(plan.copy("near"), path=tmp_path / "near.gpkg")
    assert len(load_scenario(tmp_path / "near.gpkg", cli_area).projects) == len(plan.projects)


def test_scenario_move_is_refused(cli_area, capsys, far):
    rc, _, err = run_cli(["scenario", "copy", "plan", "mine"], capsys)
    assert rc == 0, err
    pid = str(cli_area.projects["project_id"].iloc[0])
    rc, _, err = run_cli(["scenario", "move", "mine", "--project", pid, "--lon", far[0], "--lat", far[1]], capsys)
    assert rc == 2 and "--lon/--lat" in err and _far_from_street(err)


def test_optimiser_candidate_file_is_refused(cli_area, tmp_path, capsys, far):
    src = (ROOT / "docs" / "examples" / "candidates.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "cands.csv"
    path.write_text("\n".join([*src[:3], f"CFAR,far lot,{far[0]:.6f},{far[1]:.6f},1800", *src[3:]]) + "\n",
                    encoding="utf-8")
    rc, _, err = run_cli(["scenario", "optimize", "--level", "primary", "--model", "pmedian", "--p", "1",
                          "--candidates", path, "--json"], capsys)
    assert rc == 2 and "cands.csv" in err and "row 3" in err and "CFAR" in err and _far_from_street(err)


def test_app_upload_of_candidates_is_refused(small_demo, far):
    from webapp.cached import upload_cached

    data = f"candidate_id,name,lon,lat,capacity\nC1,ok,110.99288,35.04468,1800\nCFAR,far,{far[0]},{far[1]},1800\n"
    cands, err = upload_cached(data.encode(), "mine.csv", "yuncheng-demo", 0.15)
    assert cands is None and "mine.csv" in err and "row 2" in err and "CFAR" in err and _far_from_street(err)


def test_app_edit_map_is_refused(small_demo, far):
    at = schools_app("plan")
    lon = next(n for n in at.number_input if n.key.startswith("edit_lon_"))
    lat = next(n for n in at.number_input if n.key.startswith("edit_lat_"))
    lon.set_value(far[0])
    lat.set_value(far[1])
    at.button(key="edit_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert "经度" in errors and "纬度" in errors and _far_from_street(errors), errors  # the fields, named
    assert at.selectbox(key="scenario").value == "plan"  # no working copy was made of the refused edit


def test_bureau_project_list_is_refused(tmp_path, capsys):
    """The generated example county with its streets east of its western fifth cut away: a 项目库 row put
    2 km east of the remaining streets (inside the boundary) stops `hedong area init`, naming the row."""
    from gis.crs import wgs84_to_gcj02

    d = tmp_path / "input"
    shutil.copytree(BUREAU, d)
    dist = gpd.read_file(d / "subdistricts.shp", encoding="gbk").to_crs(4326)
    x0, y0, x1, y1 = dist.total_bounds
    cut = x0 + 0.2 * (x1 - x0)
    tree = ET.parse(d / "streets.osm")
    root = tree.getroot()
    lon = {n.get("id"): float(n.get("lon")) for n in root.iter("node")}
    for w in list(root.iter("way")):  # every street cut back to its part west of the cut
        if "highway" not in {t.get("k") for t in w.iter("tag")}:
            continue
        for nd in [nd for nd in w.findall("nd") if lon[nd.get("ref")] > cut]:
            w.remove(nd)
        if len(w.findall("nd")) < 2:
            root.remove(w)
    tree.write(d / "streets.osm", encoding="utf-8", xml_declaration=True)
    site = shapely.Point(x1 - 0.04 * (x1 - x0), (y0 + y1) / 2)
    assert dist.union_all().contains(site)
    # the site's distance to every street left, measured here in metres
    lat_lon = {n.get("id"): (float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")}
    left = [shapely.LineString([lat_lon[nd.get("ref")] for nd in w.iter("nd")]) for w in root.iter("way")
            if "highway" in {t.get("k") for t in w.iter("tag")}]
    crs = dist.estimate_utm_crs()
    m = gpd.GeoSeries(left, crs=4326).to_crs(crs).distance(gpd.GeoSeries([site], crs=4326).to_crs(crs).iloc[0])
    assert m.min() >= 2000
    near = shapely.Point(x0 + 0.1 * (x1 - x0), (y0 + y1) / 2)  # among the streets left
    assert dist.union_all().contains(near)
    wb = openpyxl.load_workbook(d / "projects.xlsx")
    ws = wb.worksheets[0]
    for r in range(2, ws.max_row + 1):  # the other projects moved where streets are left; row 3 to the far site
        gx, gy = wgs84_to_gcj02(*((site.x, site.y) if r == 3 else (near.x, near.y)))  # the sheet is in GCJ-02
        ws.cell(row=r, column=3, value=float(gx))
        ws.cell(row=r, column=4, value=float(gy))
    wb.save(d / "projects.xlsx")
    out = tmp_path / "county"
    rc, _, err = run_cli(["area", "init", "--manifest", d / "manifest.toml", "--out", out], capsys)
    assert rc == 2 and "projects.xlsx sheet 项目库" in err and "row 3" in err and "经度/纬度" in err, err
    assert _far_from_street(err)
    assert not out.exists() and not list(tmp_path.glob(".county.*"))  # nothing half-written


def test_a_street_the_scenario_adds_is_a_street_front(small_demo, far):
    """A road built with the school (a scenario's added street, scenarios.streets) gives the far site its front."""
    from scenarios.model import resolve_scenario
    from scenarios.sites import check_site

    plan = resolve_scenario(small_demo, "plan")
    with pytest.raises(InputError):
        check_site(small_demo, *far, field="--lon/--lat", scenario=plan)
    road = plan.add_street([(far[0] - 0.003, far[1]), (far[0] + 0.003, far[1])], 2025, {"highway": "residential"})
    check_site(small_demo, *far, field="--lon/--lat", scenario=road)  # 0 m from the new road: accepted
