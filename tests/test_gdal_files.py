"""Every file the CLI writes, opened by GDAL's own command-line client (``ogrinfo`` of Debian gdal-bin).

GDAL is the library QGIS reads files with, so what ``ogrinfo`` reports is what a planner sees when
dragging the file into QGIS. Each file is checked against what the project meant to write (the
GeoDataFrames, JSON and graphs the project itself holds): layer names, geometry type, CRS (EPSG
code), feature count and columns; no ``ERROR`` or ``Warning`` line; no workaround option (such as
``OSM_USE_CUSTOM_INDEXING=NO``) passed to or inherited by ``ogrinfo``.

GDAL 3.6's ``ogrinfo`` has no ``-json`` (added in 3.7), so its ``-so`` text is parsed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer

import gis.areas
from accessibility.circles import circles_gdf
from gis.folder import export_area, load_folder
from gis.osm import read_osm_network
from gis.osm_xml import CREATED_ID_MAX, CREATED_ID_MIN
from hedong.cli import main
from scenario_helpers import grid_area
from scenarios.compare import to_rows
from scenarios.evaluate import Evaluator
from scenarios.model import resolve_scenario

OGRINFO = shutil.which("ogrinfo")
pytestmark = pytest.mark.skipif(OGRINFO is None, reason="ogrinfo not installed (Debian package gdal-bin; "
                                                        ".ci/run installs it)")

#: shapely geometry type -> the name ogrinfo prints.
OGR_NAMES = {"Point": "Point", "LineString": "Line String", "Polygon": "Polygon", "MultiPoint": "Multi Point",
             "MultiLineString": "Multi Line String", "MultiPolygon": "Multi Polygon"}


# ---------------------------------------------------------------- ogrinfo


def ogrinfo(*args) -> str:
    """``ogrinfo -ro ARGS``: its stdout, after asserting exit 0 and no ERROR / Warning line."""
    # No GDAL workaround can come in through the environment either, and the system GDAL uses its own
    # data files (not those of the pyogrio / pyproj wheels, which are newer).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSM_", "OGR_", "GDAL_", "CPL_", "PROJ_"))}
    r = subprocess.run([OGRINFO, "-ro", *map(str, args)], capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr
    bad = [ln for ln in (r.stderr + "\n" + r.stdout).splitlines() if ln.startswith(("ERROR", "Warning", "FAILURE"))]
    assert not bad, bad[:5]
    return r.stdout


def layers_of(path) -> dict[str, str]:
    """``{layer: geometry type}`` as ``ogrinfo -q FILE`` lists them."""
    out = ogrinfo("-q", path)
    # the QGIS style table every GeoPackage of ours carries (gis.qml) is no data layer
    return {m.group(1): (m.group(2) or "None") for m in re.finditer(r"^\d+: (.+?)(?: \((.+)\))?$", out, re.M)
            if m.group(1) != "layer_styles"}


def layer_summary(path, layer) -> dict:
    """Driver, geometry type, feature count, EPSG code (None without a CRS) and fields of one layer (``-so``)."""
    out = ogrinfo("-so", path, layer)
    driver = re.search(r"using driver `(.+?)'", out).group(1)
    geometry = re.search(r"^Geometry: (.+)$", out, re.M)
    count = int(re.search(r"^Feature Count: (-?\d+)$", out, re.M).group(1))
    wkt = re.search(r"^Layer SRS WKT:\n(.*?)(?:^Data axis to CRS axis mapping|^\S+ Column =|^\S+: )", out, re.M | re.S)
    ids = re.findall(r'ID\["EPSG",(\d+)\]', wkt.group(1)) if wkt else []
    # In WKT2 the CRS's own ID is its last element; nested datum/unit IDs come before it.
    epsg = int(ids[-1]) if ids and "(unknown)" not in wkt.group(1) else None
    tail = out[wkt.end(1):] if wkt else out
    fields = re.findall(r"^(.+?): \w+(?:\(\w+\))? \(\d+\.\d+\)$", tail, re.M)
    return {"driver": driver, "geometry": geometry.group(1) if geometry else "None", "count": count,
            "epsg": epsg, "fields": fields}


def expected_geometry(gdf) -> str:
    """The layer geometry type a GeoPackage of ``gdf`` should declare (mixed single/multi -> multi)."""
    types = set(gdf.geom_type.dropna())
    multi = {t.removeprefix("Multi") for t in types}
    assert len(multi) == 1, f"mixed geometry families {types}"
    return OGR_NAMES[types.pop() if len(types) == 1 else "Multi" + multi.pop()]


def check_gpkg_layer(path, layer, gdf, crs):
    """The GeoPackage layer as GDAL reads it is ``gdf``: geometry type, EPSG code, count and columns."""
    s = layer_summary(path, layer)
    assert s["driver"] == "GPKG"
    assert s["count"] == len(gdf), (layer, s["count"], len(gdf))
    assert s["epsg"] == int(str(crs).split(":")[1]), (layer, s["epsg"], crs)
    if len(gdf):
        assert s["geometry"] == expected_geometry(gdf), (layer, s["geometry"])
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    assert set(cols) <= set(s["fields"]), (layer, set(cols) - set(s["fields"]))


# ---------------------------------------------------------------- network.osm


def osm_lines(path) -> list[dict]:
    """The features of the OSM driver's ``lines`` layer (``ogrinfo -q FILE lines``)."""
    out = ogrinfo("-q", path, "lines")
    feats = []
    for block in out.split("OGRFeature(lines):")[1:]:
        f = dict(re.findall(r"^\s+(\w+) \(\w+\) = (.*)$", block, re.M))
        f["wkt"] = re.search(r"^\s+(LINESTRING \(.*\))$", block, re.M).group(1)
        feats.append(f)
    return feats


def expected_ways(G: nx.MultiDiGraph) -> int:
    """Streets of a walking graph: a directed edge and its reverse twin (same length) are one street."""
    c = Counter((u, v, round(float(d["length"]), 1)) for u, v, d in G.edges(data=True))
    n = 0
    for (u, v, L), k in c.items():
        if u == v:
            n += -(-k // 2)  # a loop and its reversed twin
        elif (u, v) < (v, u) or (v, u, L) not in c:
            n += max(k, c.get((v, u, L), 0))
    return n


def check_network_osm(path, G: nx.MultiDiGraph, crs, *, kept: set):
    """``network.osm`` opens in GDAL without error, in the OSM order, with one line per street of ``G``.

    ``kept`` are the graph's node ids that must be written as they are (real OSM ids); every other
    node id of the file must lie in the created range.
    """
    text = Path(path).read_text(encoding="utf-8")
    # The OSM convention, read straight from the file: nodes by ascending id, then ways by ascending id.
    kinds = re.findall(r"<(node|way|relation) id=\"(-?\d+)\"", text)
    order = [k for k, _ in kinds]
    assert order == sorted(order, key=["node", "way", "relation"].index)
    node_ids = np.array([int(i) for k, i in kinds if k == "node"], dtype=np.int64)
    way_ids = np.array([int(i) for k, i in kinds if k == "way"], dtype=np.int64)
    assert (np.diff(node_ids) > 0).all() and (np.diff(way_ids) > 0).all()
    assert node_ids.min() > 0 and node_ids.max() <= CREATED_ID_MAX
    written = set(node_ids.tolist())
    assert kept <= written
    assert all(i >= CREATED_ID_MIN for i in written - kept)
    assert len(node_ids) >= G.number_of_nodes()  # graph nodes plus geometry vertices

    s = layer_summary(path, "lines")
    assert s["driver"] == "OSM" and s["geometry"] == "Line String" and s["epsg"] == 4326
    assert set(layers_of(path)) >= {"points", "lines"}
    lines = osm_lines(path)
    assert len(lines) == expected_ways(G) == len(way_ids)
    assert sorted(int(f["osm_id"]) for f in lines) == way_ids.tolist()
    # Every way carries a highway value, and the project's own reader (its walk filter) keeps every way.
    assert all(f.get("highway") for f in lines)
    back = read_osm_network(path, crs=crs, simplify=False)
    assert {int(d["osmid"]) for *_, d in back.edges(data=True)} == set(way_ids.tolist())
    # Same streets: total geodesic length of GDAL's lines vs the graph's street lengths.
    geod = Geod(ellps="WGS84")
    got = sum(geod.geometry_length(shapely.from_wkt(f["wkt"])) for f in lines)
    want = sum(float(d["length"]) for *_, d in G.edges(data=True)) * expected_ways(G) / G.number_of_edges()
    assert abs(got - want) / want < 0.01, (got, want)
    # osmium reads it as its tools do: a node-location index built while reading, so every way's
    # nodes must come before it (the OSM order); the same ways come out.
    class Ways(osmium.SimpleHandler):
        def __init__(self):
            super().__init__()
            self.ids = []

        def way(self, w):
            assert all(n.location.valid() for n in w.nodes)
            self.ids.append(w.id)

    h = Ways()
    h.apply_file(str(path), locations=True)
    assert h.ids == way_ids.tolist()
    # Junction positions: each graph node lies on GDAL's lines within a few centimetres.
    tr = Transformer.from_crs(crs, 4326, always_xy=True)
    nodes = list(G.nodes)[:: max(1, G.number_of_nodes() // 200)]
    lon, lat = tr.transform([G.nodes[n]["x"] for n in nodes], [G.nodes[n]["y"] for n in nodes])
    ends = shapely.MultiLineString([shapely.from_wkt(f["wkt"]) for f in lines])
    assert max(ends.distance(shapely.Point(x, y)) for x, y in zip(lon, lat)) < 1e-6  # degrees, ~0.1 m


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def cli_area(small_demo, monkeypatch, tmp_path):
    """The CLI loads the small demo for ``yuncheng-demo`` (same generator); folders load as usual."""
    real_load, real_cached = gis.areas.load_area, gis.areas.load_area_cached
    monkeypatch.setattr(gis.areas, "load_area", lambda spec="yuncheng-demo", **kw:
                        small_demo if spec == "yuncheng-demo" else real_load(spec, **kw))
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo":
                        small_demo if spec == "yuncheng-demo" else real_cached(spec))
    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path / "data"))
    return small_demo


def run_json(capsys, *argv):
    rc = main([*map(str, argv), "--json"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    return json.loads(cap.out)


def check_area_gpkg(path, area):
    layers = {"boundary": area.boundary, "districts": area.districts, "population": area.population,
              "facilities": area.facilities}
    if len(area.projects):
        layers["projects"] = area.projects
    for optional in ("communities", "housing"):  # optional layers an area may carry
        if getattr(area, optional, None) is not None:
            layers[optional] = getattr(area, optional)
    assert list(layers_of(path)) == list(layers)
    for name, gdf in layers.items():
        check_gpkg_layer(path, name, gdf, area.crs)


# ---------------------------------------------------------------- tests


def test_export_demo_opens_in_gdal(cli_area, tmp_path, capsys):
    out = run_json(capsys, "export", "--out", tmp_path / "demo")
    expected = ["README.txt", "area.gpkg", "area.json", "network.osm"]
    if getattr(cli_area, "births", None) is not None:  # the enrolment projection's births series
        expected.append("births.csv")
    assert sorted(Path(f).name for f in out["files"]) == sorted(expected)
    check_area_gpkg(tmp_path / "demo" / "area.gpkg", cli_area)
    check_network_osm(tmp_path / "demo" / "network.osm", cli_area.graph, cli_area.crs, kept=set())
    # Reloading the folder: tests/test_folder.py; re-export keeps the ids: tests/test_osm_xml.py.


def _josm_folder(folder: Path) -> None:
    """A user's folder whose network.osm is an editor's file: new objects with negative ids, any order."""
    area = grid_area()
    export_area(area, folder)
    G = area.graph
    tr = Transformer.from_crs(area.crs, 4326, always_xy=True)
    osm_id = {n: (-(n + 1) if n % 3 == 0 else 5_000_000 + n) for n in G.nodes}  # a third are "new" nodes
    nodes = [f'<node id="{osm_id[n]}" lat="{tr.transform(d["x"], d["y"])[1]:.8f}" '
             f'lon="{tr.transform(d["x"], d["y"])[0]:.8f}" version="1"/>' for n, d in G.nodes(data=True)]
    ways, seen = [], set()
    for i, (u, v) in enumerate(G.edges()):
        if (v, u) in seen:
            continue
        seen.add((u, v))
        hw = "cycleway" if i == 0 else ("residential" if i % 2 else "footway")  # one way nobody walks
        ways.append(f'<way id="{-(i + 1)}" version="1"><nd ref="{osm_id[u]}"/><nd ref="{osm_id[v]}"/>'
                    f'<tag k="highway" v="{hw}"/></way>')
    rng = np.random.default_rng(3)
    text = ("<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6' generator='JOSM'>\n"
            + "\n".join(rng.permutation(nodes)) + "\n" + "\n".join(ways) + "\n</osm>\n")
    (folder / "network.osm").write_text(text, encoding="utf-8")


def test_export_user_folder_opens_in_gdal(cli_area, tmp_path, capsys):
    _josm_folder(tmp_path / "mine")
    # The editor's file itself is what GDAL refuses (negative ids, no order) ...
    r = subprocess.run([OGRINFO, "-ro", "-so", tmp_path / "mine" / "network.osm", "lines"], capture_output=True,
                       text=True)
    assert "ERROR" in r.stderr
    # ... the planner's export of the same area is not.
    mine = load_folder(tmp_path / "mine")
    assert min(mine.graph.nodes) < 0  # the reader kept the editor's negative ids
    run_json(capsys, "export", "--area", tmp_path / "mine", "--out", tmp_path / "out")
    check_area_gpkg(tmp_path / "out" / "area.gpkg", mine)
    kept = {n for n in mine.graph.nodes if n > 0}
    check_network_osm(tmp_path / "out" / "network.osm", mine.graph, mine.crs, kept=kept)
    assert kept and len(kept) < mine.graph.number_of_nodes()
    text = (tmp_path / "out" / "network.osm").read_text(encoding="utf-8")
    assert "cycleway" not in text  # the way the walk filter dropped is not in the network


def test_export_hand_made_graph_assumes_footway(tmp_path):
    """An edge without a highway value (hand-made graphs) is written as a walkable footway, marked as assumed."""
    area = grid_area(n=4)
    export_area(area, tmp_path / "g")
    lines = osm_lines(tmp_path / "g" / "network.osm")
    assert len(lines) == expected_ways(area.graph)
    assert {f["highway"] for f in lines} == {"footway"}
    assert all('"hedong:highway_assumed"=>"yes"' in f["other_tags"] for f in lines)
    check_network_osm(tmp_path / "g" / "network.osm", area.graph, area.crs,
                      kept={n for n in area.graph.nodes if n > 0})  # node 0 is not an OSM id


@pytest.mark.slow
def test_export_helsinki_opens_in_gdal(helsinki, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(gis.areas, "load_area", lambda spec, **kw: helsinki)
    run_json(capsys, "export", "--area", "helsinki-osm", "--out", tmp_path / "hel")
    check_area_gpkg(tmp_path / "hel" / "area.gpkg", helsinki)
    check_network_osm(tmp_path / "hel" / "network.osm", helsinki.graph, helsinki.crs, kept=set(helsinki.graph.nodes))


def test_circles_gpkg(cli_area, tmp_path, capsys):
    for per_facility in (False, True):
        out = tmp_path / f"circles{int(per_facility)}.gpkg"
        argv = ["circles", "--service", "fitness", "--out", out] + (["--per-facility"] if per_facility else [])
        j = run_json(capsys, *argv)
        want = circles_gdf(cli_area, "fitness", per_facility=per_facility)
        want["synthetic"] = True
        assert j["features"] == len(want)
        assert layers_of(out) == {"circles_fitness": expected_geometry(want)}
        check_gpkg_layer(out, "circles_fitness", want, cli_area.crs)


def test_gaps_gpkg(cli_area, tmp_path, capsys):
    j = run_json(capsys, "gaps", "--out", tmp_path / "gaps.gpkg")
    cells = sum(v["cells_beyond"] for v in j["levels"].values())
    assert cells > 0
    s = layer_summary(tmp_path / "gaps.gpkg", "norm_gaps")
    assert list(layers_of(tmp_path / "gaps.gpkg")) == ["norm_gaps"]
    assert (s["driver"], s["geometry"], s["count"], s["epsg"]) == ("GPKG", "Point", cells, 4546)
    assert {"cell_id", "district_id", "distance_m", "level", "radius_m"} <= set(s["fields"])


def test_catchments_gpkg(cli_area, tmp_path, capsys):
    run_json(capsys, "scenario", "evaluate", "--scenario", "plan", "--year", "2025",
             "--catchments", tmp_path / "c.gpkg")
    ev = Evaluator.for_area(cli_area).evaluate("plan", 2025)
    want = gpd.GeoDataFrame(pd.concat([r.catchments() for r in ev.levels.values()], ignore_index=True),
                            geometry="geometry", crs=cli_area.crs)
    assert len(want) > 0
    assert list(layers_of(tmp_path / "c.gpkg")) == ["catchments"]
    check_gpkg_layer(tmp_path / "c.gpkg", "catchments", want, cli_area.crs)


def test_compare_gpkg_and_csv(cli_area, tmp_path, capsys):
    res = run_json(capsys, "scenario", "compare", "existing", "plan", "--year", "2025",
                   "--csv", tmp_path / "cmp.csv", "--gpkg", tmp_path / "cmp.gpkg")
    rows = to_rows(res)
    # CSV: UTF-8 with BOM; GDAL's CSV driver strips the BOM (the first column keeps its name).
    assert (tmp_path / "cmp.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    s = layer_summary(tmp_path / "cmp.csv", "cmp")
    assert (s["driver"], s["geometry"], s["count"], s["epsg"]) == ("CSV", "None", len(rows), None)
    assert s["fields"] == list(rows.columns)
    # GeoPackage: district deltas (polygons) and the projects that differ (points).
    gp = tmp_path / "cmp.gpkg"
    changes = sum(len(d) for d in res["projects"])
    assert changes > 0
    assert list(layers_of(gp)) == ["district_delta", "project_changes"]
    d = layer_summary(gp, "district_delta")
    assert d["count"] == int((rows["district"] != "(all)").sum()) and d["epsg"] == 4546
    assert d["geometry"] == expected_geometry(cli_area.districts)
    p = layer_summary(gp, "project_changes")
    assert (p["geometry"], p["count"], p["epsg"]) == ("Point", changes, 4546)
    assert {"scenario", "project_id", "name", "change", "details"} <= set(p["fields"])


def test_stored_scenario_gpkg(cli_area, tmp_path, capsys):
    j = run_json(capsys, "scenario", "copy", "plan", "mine")
    want = resolve_scenario(cli_area, "plan").projects
    assert set(layers_of(j["path"])) == {"projects", "hedong_scenario"}
    check_gpkg_layer(j["path"], "projects", want, cli_area.crs)
