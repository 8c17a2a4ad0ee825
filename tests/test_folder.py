"""gis.folder: a user's study-area folder, and export -> load_folder round trips; `hedong export`."""

from __future__ import annotations

import json

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from layers.errors import InputError
from gis.folder import export_area, load_folder
from gis.study_area import StudyArea
from layers.schema import COHORTS

CRS = "EPSG:4546"
X0, Y0 = 500_000.0, 3_876_000.0  # near Yuncheng in CGCS2000 / GK CM 111E


def _graph(n=6, step=200.0):
    """A small street grid in osmnx conventions, with some curved edges and degree-2 corners."""
    G = nx.MultiDiGraph(crs=CRS)
    nid = lambda i, j: 1000 + i * n + j  # noqa: E731
    for i in range(n):
        for j in range(n):
            G.add_node(nid(i, j), x=X0 + 100 + i * step, y=Y0 + 100 + j * step, street_count=4)
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < n and j + dj < n:
                    u, v = nid(i, j), nid(i + di, j + dj)
                    a = (G.nodes[u]["x"], G.nodes[u]["y"])
                    b = (G.nodes[v]["x"], G.nodes[v]["y"])
                    if (i + j) % 3 == 0:  # a bent street: geometry with an intermediate vertex
                        mid = ((a[0] + b[0]) / 2 + 20, (a[1] + b[1]) / 2 + 20)
                        geom = LineString([a, mid, b])
                    else:
                        geom = LineString([a, b])
                    for s, t, g in ((u, v, geom), (v, u, LineString(geom.coords[::-1]))):
                        G.add_edge(s, t, osmid=7000 + u, highway="residential", name="Test road",
                                   length=g.length, geometry=g)
    return G


def _area():
    b = box(X0, Y0, X0 + 1200, Y0 + 1200)
    boundary = gpd.GeoDataFrame({"name": ["Test area"]}, geometry=[b], crs=CRS)
    districts = gpd.GeoDataFrame({"district_id": ["140802001", "140802002"], "name": ["中城街道", "东城街道"]},
                                 geometry=[box(X0, Y0, X0 + 600, Y0 + 1200), box(X0 + 600, Y0, X0 + 1200, Y0 + 1200)],
                                 crs=CRS)
    rng = np.random.default_rng(1)
    k = 12
    pts = [Point(X0 + 50 + 100 * (i % 12), Y0 + 50 + 100 * (i // 12)) for i in range(k)]
    pop = gpd.GeoDataFrame({"cell_id": [f"c{i}" for i in range(k)],
                            "district_id": ["140802001" if p.x < X0 + 600 else "140802002" for p in pts],
                            "pop_total": rng.uniform(10, 500, k).round(3)}, geometry=pts, crs=CRS)
    for c in COHORTS:
        pop[c] = (pop["pop_total"] * 0.05).round(3)
    pop = pop[["cell_id", "district_id", "pop_total", *COHORTS, "geometry"]]
    fac = gpd.GeoDataFrame({
        "facility_id": ["s1", "k1", "f1"], "name": ["第一小学", "幼儿园", "Pitch"],
        "family": ["school", "kindergarten", "fitness"], "subtype": ["nine_year", "kindergarten", "pitch"],
        "seats_primary": [1080.0, 0, 0], "seats_junior": [600.0, 0, 0], "places_kindergarten": [0, 360.0, 0],
        "beds": [0.0, 0, 0], "area_m2": [0, 0, 812.5], "source": ["test"] * 3},
        geometry=[Point(X0 + 300.123456, Y0 + 300.654321), Point(X0 + 800, Y0 + 200), Point(X0 + 1000, Y0 + 1000)],
        crs=CRS)
    proj = gpd.GeoDataFrame({"project_id": ["p1"], "name": ["新校"], "type": ["primary"], "seats_primary": [2160.0],
                             "seats_junior": [0.0], "places_kindergarten": [0.0], "open_year": [2024],
                             "source": ["plan"]}, geometry=[Point(X0 + 500, Y0 + 700)], crs=CRS)
    return StudyArea(name="test-area", crs=CRS, boundary=boundary, districts=districts, population=pop,
                     facilities=fac, projects=proj, graph=_graph(), synthetic=False,
                     sources={"all": "hand-made test data"}, cell_size=100.0)


def _same_layer(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame):
    assert len(a) == len(b)
    for c in a.columns:
        if c == a.geometry.name:
            continue
        assert c in b.columns, c
        if a[c].dtype.kind in "fi":
            np.testing.assert_allclose(a[c].to_numpy(float), b[c].to_numpy(float), err_msg=c)
        else:
            assert a[c].astype(str).tolist() == b[c].astype(str).tolist(), c
    d = a.geometry.reset_index(drop=True).distance(b.geometry.reset_index(drop=True))
    assert d.max() < 1e-6


def test_round_trip(tmp_path):
    area = _area()
    files = export_area(area, tmp_path / "out")
    assert {f.name for f in files} == {"area.gpkg", "network.osm", "area.json", "README.txt"}
    back = load_folder(tmp_path / "out")
    assert back.crs == CRS and back.name == "out" and back.synthetic is False
    for layer in ("boundary", "districts", "population", "facilities", "projects"):
        _same_layer(getattr(area, layer), getattr(back, layer))
    assert back.graph.number_of_nodes() == area.graph.number_of_nodes()
    assert back.graph.number_of_edges() == area.graph.number_of_edges()
    for n, d in area.graph.nodes(data=True):  # node positions survive WGS84 XML within a millimetre
        e = back.graph.nodes[n]
        assert abs(e["x"] - d["x"]) < 1e-3 and abs(e["y"] - d["y"]) < 1e-3
    total = lambda G: sum(d["length"] for *_, d in G.edges(data=True))  # noqa: E731
    assert abs(total(back.graph) - total(area.graph)) / total(area.graph) < 0.01
    assert back.sources == area.sources and back.cell_size == 100.0
    # no temp files left behind
    assert not [p for p in (tmp_path / "out").iterdir() if ".tmp" in p.name]


def test_round_trip_twice_is_stable(tmp_path):
    export_area(_area(), tmp_path / "a")
    once = load_folder(tmp_path / "a")
    export_area(once, tmp_path / "b")
    twice = load_folder(tmp_path / "b")
    assert twice.graph.number_of_edges() == once.graph.number_of_edges()
    _same_layer(once.facilities, twice.facilities)


def test_any_epsg_crs_is_reprojected(tmp_path):
    area = _area()
    export_area(area, tmp_path / "x")
    gpkg = tmp_path / "x" / "area.gpkg"
    fac = gpd.read_file(gpkg, layer="facilities").to_crs("EPSG:4326")
    fac.to_file(gpkg, layer="facilities", driver="GPKG")  # overwrite that layer in WGS84
    back = load_folder(tmp_path / "x")
    assert str(back.facilities.crs) == CRS
    assert back.facilities.geometry.distance(area.facilities.geometry).max() < 1e-3


def test_population_polygons_become_centroids(tmp_path):
    area = _area()
    area = area.replace(population=area.population.set_geometry(area.population.buffer(50, cap_style=3)),
                        validate=False)
    export_area(area, tmp_path / "p")
    back = load_folder(tmp_path / "p")
    assert (back.population.geometry.geom_type == "Point").all()


def test_no_projects_layer_is_fine(tmp_path):
    area = _area()
    area = area.replace(projects=area.projects.iloc[0:0])
    export_area(area, tmp_path / "np")
    back = load_folder(tmp_path / "np")
    assert len(back.projects) == 0 and "open_year" in back.projects.columns


def test_missing_pieces_are_named(tmp_path):
    with pytest.raises(InputError, match="missing area.gpkg"):
        load_folder(tmp_path)
    area = _area()
    export_area(area, tmp_path / "m")
    (tmp_path / "m" / "network.osm").unlink()
    with pytest.raises(InputError, match="missing network.osm"):
        load_folder(tmp_path / "m")
    gpkg = tmp_path / "n" / "area.gpkg"
    gpkg.parent.mkdir()
    area.boundary.to_file(gpkg, layer="boundary")
    area.districts.to_file(gpkg, layer="districts")
    area.facilities.to_file(gpkg, layer="facilities")
    with pytest.raises(InputError) as ei:
        load_folder(gpkg.parent)
    assert ei.value.field == "population" and "missing required layer" in ei.value.one_line()


def test_bad_row_in_folder_names_layer_row_field(tmp_path):
    area = _area()
    area.facilities.loc[1, "family"] = "mall"
    export_area(area, tmp_path / "b")
    with pytest.raises(InputError) as ei:
        load_folder(tmp_path / "b")
    msg = ei.value.one_line()
    assert "layer facilities" in msg and "row 2" in msg and "field 'family'" in msg


def test_generated_rows_are_never_shown_as_real(tmp_path):
    """area.json cannot switch the generated-data notice off while rows say they are generated."""
    from layers.schema import SOURCE_GENERATED

    area = _area()
    area.facilities.loc[0, "source"] = SOURCE_GENERATED
    export_area(area, tmp_path / "g")  # area.synthetic is False, so area.json says "synthetic": false
    assert json.loads((tmp_path / "g" / "area.json").read_text(encoding="utf-8"))["synthetic"] is False
    assert load_folder(tmp_path / "g").synthetic is True
    export_area(_area(), tmp_path / "r")
    assert load_folder(tmp_path / "r").synthetic is False


def test_area_json_must_be_an_object(tmp_path):
    export_area(_area(), tmp_path / "j")
    (tmp_path / "j" / "area.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError) as ei:
        load_folder(tmp_path / "j")
    assert "area.json" in ei.value.one_line() and "JSON object" in ei.value.one_line()


def test_cli_export_json(tmp_path, capsys):
    from hedong.cli import main

    export_area(_area(), tmp_path / "src")
    rc = main(["export", "--area", str(tmp_path / "src"), "--out", str(tmp_path / "dst"), "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["area"] == "src" and out["out"] == str(tmp_path / "dst")
    assert sorted(p.split("/")[-1] for p in out["files"]) == ["README.txt", "area.gpkg", "area.json", "network.osm"]
    rc = main(["export", "--area", str(tmp_path / "nope"), "--out", str(tmp_path / "x")])
    assert rc == 2 and "no such study area" in capsys.readouterr().err


def test_helsinki_round_trip(helsinki, tmp_path):
    export_area(helsinki, tmp_path / "hel")
    back = load_folder(tmp_path / "hel")
    assert back.crs == "EPSG:32635" and back.synthetic is False
    for layer in ("boundary", "districts", "population", "facilities"):
        _same_layer(getattr(helsinki, layer), getattr(back, layer))
    assert back.graph.number_of_nodes() == helsinki.graph.number_of_nodes()
    assert back.graph.number_of_edges() == helsinki.graph.number_of_edges()
    # the loader's flag of estimated layers survives export and reload (no reading of source texts)
    assert helsinki.estimated == back.estimated == {"population", "districts"}


def test_estimated_flag_round_trips_and_is_checked(tmp_path):
    """StudyArea.estimated rides through export / load_folder; a bad area.json value is an InputError."""
    area = _area().replace(estimated={"population"}, validate=False)
    export_area(area, tmp_path / "out")
    assert json.loads((tmp_path / "out" / "area.json").read_text(encoding="utf-8"))["estimated"] == ["population"]
    assert load_folder(tmp_path / "out").estimated == {"population"}
    meta = json.loads((tmp_path / "out" / "area.json").read_text(encoding="utf-8"))
    (tmp_path / "out" / "area.json").write_text(json.dumps({**meta, "estimated": "population"}), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_folder(tmp_path / "out")
    assert e.value.field == "estimated"
    with pytest.raises(TypeError):
        _area().replace(estimated="population", validate=False)


def test_demo_round_trip(tmp_path):
    from demo.yuncheng import load_yuncheng_demo

    demo = load_yuncheng_demo(scale=0.15)
    export_area(demo, tmp_path / "demo")
    back = load_folder(tmp_path / "demo")
    assert back.synthetic is True
    for layer in ("boundary", "districts", "population", "facilities", "projects"):
        assert len(getattr(back, layer)) == len(getattr(demo, layer))
    assert back.graph.number_of_nodes() == demo.graph.number_of_nodes()
    assert back.graph.number_of_edges() == demo.graph.number_of_edges()


def test_births_and_housing_round_trip(tmp_path):
    """The optional births.csv and housing layer (issue 11) are written by export and read back, validated."""
    import pandas as pd

    area = _area().replace(
        births=pd.DataFrame({"district_id": ["140802001", "140802002"] * 2, "year": [2022, 2022, 2023, 2023],
                             "births": [30.0, 20.0, 28.0, 19.0]}),
        housing=gpd.GeoDataFrame({"housing_id": ["h1"], "name": ["新苑"], "completion_year": [2026],
                                  "dwellings": [800.0]}, geometry=[Point(X0 + 700, Y0 + 700)], crs=CRS))
    files = export_area(area, tmp_path / "out")
    assert "births.csv" in {f.name for f in files}
    back = load_folder(tmp_path / "out")
    assert back.births.to_dict(orient="records") == area.births.to_dict(orient="records")
    _same_layer(area.housing, back.housing)
    (tmp_path / "out" / "births.csv").write_text("district_id,year,births\n140802001,2022,-3\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_folder(tmp_path / "out")
    assert e.value.field == "births" and e.value.row == 1 and "births.csv" in str(e.value.file)
