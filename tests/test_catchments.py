"""学区图 and service areas (scenarios.catchments), and the styled GeoPackages they are written to."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pyogrio
import pytest

from gis.qml import read_layer_styles
from hedong.cli import main
from scenarios.assign import Assignment
from scenarios.catchments import cell_catchment_ids, cell_schools, catchment_layer, service_area_layer
from scenarios.evaluate import Evaluator
from gis.qml import data_layers


def _assignment(orig, dest, flow, n_cells, n_sites):
    orig, dest, flow = (np.asarray(x, np.int64) for x in (orig, dest, flow))
    dem = np.bincount(orig, flow, n_cells).astype(np.int64)
    load = np.bincount(dest, flow, n_sites).astype(np.int64)
    return Assignment(orig, dest, np.zeros(len(orig)), flow, dem, load, dem, np.zeros(n_cells, np.int64), load,
                      0.0)


def test_rule_most_children_then_lower_id():
    # cell 0: 3 to school B, 5 to school A -> A; cell 1: 4 and 4 -> the lower facility_id ("a-1" at position 1);
    # cell 2: nothing seated -> none
    a = _assignment([0, 0, 1, 1], [0, 1, 0, 1], [3, 5, 4, 4], 3, 2)
    assert cell_schools(a, ["b-2", "a-1"]).tolist() == [1, 1, -1]
    assert cell_schools(a, ["a-1", "b-2"]).tolist() == [1, 0, -1]


@pytest.mark.parametrize("assign", ["walk", "catchment"])
def test_each_cell_in_exactly_one_catchment(small_demo, assign):
    ev = Evaluator.for_area(small_demo).evaluate("plan", 2026, levels=("primary",), assign=assign)
    r = ev.levels["primary"]
    g = catchment_layer(r)
    ids = cell_catchment_ids(r)
    seated = r.catchment_assignment.assigned_cell if assign == "catchment" else r.assignment.assigned_cell
    # every cell with a seated child has exactly one catchment; the others none
    assert ((ids != "") == (seated > 0)).all()
    assert g["facility_id"].is_unique and int(g["cells"].sum()) == int((ids != "").sum())
    assert int(g["children"].sum()) == int(seated.sum())
    # geometrically: the catchments do not overlap and each seated cell's centre lies in its own school's
    pts = small_demo.population.geometry.representative_point()
    joined = gpd.sjoin(gpd.GeoDataFrame(geometry=pts[ids != ""].values, crs=g.crs), g, predicate="within")
    assert joined.index.is_unique and len(joined) == int((ids != "").sum())
    assert (joined["facility_id"].to_numpy() == ids[ids != ""]).all()
    ov = g.geometry.area.sum() - g.geometry.union_all().area
    assert ov < 1e-3 * g.geometry.area.sum()
    assert (g["assign"] == assign).all()


def test_service_area_partition(small_demo):
    from accessibility.coverage import service_coverage

    g = service_area_layer(small_demo, "clinic")
    cov = service_coverage(small_demo, "clinic")
    mins = cov.cell_minutes.to_numpy()
    assert g["cell"].is_unique
    assert np.allclose(g["minutes"].to_numpy(), np.round(mins[g["cell"].to_numpy()], 2), atol=0.006)
    assert len(g) == int(np.isfinite(mins).sum())


def test_cli_catchments_styled_and_gdal_clean(small_demo, tmp_path, capsys):
    out = tmp_path / "c.gpkg"
    assert main(["catchments", "--year", "2026", "--level", "primary", "--out", str(out), "--json"]) == 0
    capsys.readouterr()
    assert main(["catchments", "--service", "clinic", "--out", str(out), "--append-layer", "--json"]) == 0
    assert set(data_layers(out)) == {"catchments", "service_area_clinic"}
    rows = read_layer_styles(out)
    assert {r["f_table_name"] for r in rows} == {"catchments", "service_area_clinic"}
    for r in rows:
        assert r["useAsDefault"] == 1 and r["f_geometry_column"] == "geom"
        root = ET.fromstring(r["styleQML"].split("\n", 1)[1])
        ren = root.find("renderer-v2")
        assert ren is not None and ren.get("type") == "categorizedSymbol" and ren.get("attr") == "facility_id"
        assert len(ren.find("categories")) == len(gpd.read_file(out, layer=r["f_table_name"])["facility_id"].unique())
    # without --overwrite an existing file is refused; nothing replaced
    assert main(["catchments", "--out", str(out)]) == 2
    ogr = shutil.which("ogrinfo")
    if ogr:
        p = subprocess.run([ogr, "-ro", "-q", str(out)], capture_output=True, text=True, timeout=300)
        assert p.returncode == 0 and "ERROR" not in p.stderr and "Warning" not in p.stderr, p.stderr


def test_seat_map_draws_the_catchments(small_demo):
    from presentation.i18n import t
    from presentation.publish import seat_map, seat_map_base, seat_map_layers

    ev = Evaluator.for_area(small_demo).evaluate("plan", 2026, levels=("primary",), assign="catchment")
    m, _ = seat_map(small_demo, "plan", 2026, ev=ev, lang="en")
    html = m.get_root().render()
    assert t("catchments.layer", "en", level="Primary school") in html
    g = catchment_layer(ev.levels["primary"])
    from presentation.i18n import display_names
    assert all(str(n) in html for n in display_names(g, "en")[:5])
    # the app's seat map (layers sent as a script to its drawn base) carries the same layer
    js = seat_map_layers(seat_map_base(small_demo, lang="zh"), small_demo, "plan", 2026, ev)
    assert t("catchments.layer", "zh", level="小学") in js


@pytest.mark.parametrize("assign", ["walk", "catchment"])
def test_catchments_are_the_overlay_union_of_their_cells(small_demo, assign):
    # the coverage union of the grid squares (catchments._union_by_site) gives each school the same shape
    # as GEOS's overlay union of its cells, the dissolve it replaced
    import shapely

    r = Evaluator.for_area(small_demo).evaluate("plan", 2027, levels=("primary",), assign=assign).levels["primary"]
    g = catchment_layer(r)
    sch = r.schools.reset_index(drop=True)
    main = cell_schools(r.catchment_assignment if assign == "catchment" else r.assignment,
                        sch["facility_id"].astype(str).tolist())
    sq = np.asarray(r._evaluator.cell_squares().values)
    pos = {f: k for k, f in enumerate(sch["facility_id"].astype(str))}
    for fid, geom in zip(g["facility_id"], g.geometry):
        assert shapely.equals(geom, shapely.union_all(sq[main == pos[fid]])), fid


def test_union_by_site_falls_back_when_cells_do_not_meet_edge_to_edge():
    import shapely

    from scenarios.catchments import _union_by_site

    # site 0: two squares overlapping by half (not a coverage): the overlay union, area 1.5, valid
    # site 1: two squares edge to edge: one rectangle of area 2
    geoms = np.array([shapely.box(0, 0, 1, 1), shapely.box(0.5, 0, 1.5, 1), shapely.box(5, 0, 6, 1),
                      shapely.box(6, 0, 7, 1)], dtype=object)
    out = _union_by_site(geoms, np.array([0, 0, 1, 1]), squares=True)
    assert shapely.is_valid(out).all()
    assert shapely.area(out).tolist() == pytest.approx([1.5, 2.0])
    assert shapely.equals(out[1], shapely.box(5, 0, 7, 1))
