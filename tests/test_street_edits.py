"""Street changes as scenario edits (issue 28 item 1): a footbridge over a river-like gap, exactly.

The study area is a hand-made OSM file (tests/osm_cases.py): streets A (south) and B (north) meet
only through C at the far west — a river between them. A scenario adds a footbridge from a click
6 m off A to a click 4 m off B (mid-street: both are split there); a second one joins B's junction
node 12 (a click 4.2 m from it). ``hedong coverage --scenario ... --cells-out`` must give, for every cell and service, the
minutes of the independent networkx model (osm_cases.Independent: own parser, own great-circle
lengths, own snapping) read from an *edited OSM file* that holds the bridge as an OSM way — the
split point a node of way A and of the bridge. Before the bridge opens, and after it is closed
again, the minutes are the original file's.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point

from layers.errors import InputError
from layers.families import SERVICES
from osm_cases import (CRS, FACILITIES, SERVED, X0, Y0, Case, Independent, _base_nodes, _base_ways, cells_of,
                       read_file, write_folder)

TO_LL = Transformer.from_crs(CRS, 4326, always_xy=True)
TO_XY = Transformer.from_crs(4326, CRS, always_xy=True)
RIVER = Case("river", _base_nodes(), _base_ways(), walk={100, 101, 102, 105})
#: The bridge as clicked (metres from X0, Y0): 6 m south of A at x = 720, 4 m north of B at x = 752.
CLICK_A, CLICK_B = (720.0, -6.0), (752.0, 604.0)
BRIDGE_WAY = 300


def _ll(x, y):
    return TO_LL.transform(X0 + x, Y0 + y)


def _lonlat_arg(xy) -> str:
    lon, lat = _ll(*xy)
    return f"{lon!r},{lat!r}"


def _cli(capsys, argv) -> str:
    from hedong.cli import main

    rc = main(argv)
    out = capsys.readouterr()
    assert rc == 0, out.err
    return out.out


def _cli_fails(capsys, argv) -> str:
    from hedong.cli import main

    rc = main(argv)
    out = capsys.readouterr()
    assert rc != 0
    return out.err


def _facilities(service):
    return [(f[3], f[4]) for f in FACILITIES if f[0] in SERVED.get(service, [])]


def _expected(case, path):
    ind = Independent(case, path, "walk")
    return {svc: ind.minutes(cells_of(case), _facilities(svc), "walk", svc) for svc in SERVICES}


def _edited_file(src, dst, ends, way_id=BRIDGE_WAY):
    """The OSM file with the bridge as an OSM way, written at full precision. Each of ``ends`` is
    ``(way, click)`` — a new node on that way at the foot of the click (the point of the way's
    drawn line nearest to it, computed here from the file), inserted between its neighbours — or
    a node id the bridge joins."""
    nodes, ways = read_file(src)
    refs_of_bridge = []
    for n, end in enumerate(ends):
        if not isinstance(end, tuple):
            refs_of_bridge.append(end)
            continue
        way, click = end
        refs = ways[way]
        xy = [TO_XY.transform(*nodes[r]) for r in refs]
        line = LineString(xy)
        at = line.project(Point(X0 + click[0], Y0 + click[1]))
        foot = line.interpolate(at)
        acc = np.cumsum([0.0] + [Point(a).distance(Point(b)) for a, b in zip(xy[:-1], xy[1:])])
        k = int(np.searchsorted(acc, at, side="right"))
        new_id = 9001 + n
        nodes[new_id] = TO_LL.transform(foot.x, foot.y)
        ways[way] = refs[:k] + [new_id] + refs[k:]
        refs_of_bridge.append(new_id)
    ways[way_id] = refs_of_bridge
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", "<osm version='0.6'>"]
    lines += [f"<node id='{i}' lat='{lat!r}' lon='{lon!r}' version='1'/>" for i, (lon, lat) in nodes.items()]
    for wid, r in ways.items():
        lines.append(f"<way id='{wid}' version='1'>" + "".join(f"<nd ref='{n}'/>" for n in r)
                     + f"<tag k='highway' v='{'footway' if wid == way_id else 'residential'}'/></way>")
    dst.write_text("\n".join(lines + ["</osm>"]) + "\n", encoding="utf-8")
    return dst


def _minutes(tmp_path, capsys, folder, scenario=None, year=None, tag="x"):
    csv = tmp_path / f"cells-{tag}.csv"
    argv = ["coverage", "--area", str(folder), "--json", "--cells-out", str(csv)]
    if scenario:
        argv += ["--scenario", scenario, "--year", str(year)]
    _cli(capsys, argv)
    return pd.read_csv(csv, encoding="utf-8-sig")


def _assert_equal(got, exp, what):
    for svc in SERVICES:
        np.testing.assert_allclose(got[svc].to_numpy(float), exp[svc], rtol=1e-6, err_msg=f"{what} {svc}")


@pytest.fixture
def river(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "river"
    net = write_folder(RIVER, folder, "xml")
    return folder, net


def test_footbridge_equals_networkx_on_the_edited_file(tmp_path, capsys, river):
    folder, net = river
    area = ["--area", str(folder)]
    _cli(capsys, ["scenario", "copy", "existing", "bridge", *area])
    out = json.loads(_cli(capsys, ["scenario", "street", "add", "bridge", "--from", _lonlat_arg(CLICK_A),
                                   "--to", _lonlat_arg(CLICK_B), "--tags", "highway=footway;name=河东桥",
                                   "--year", "2026", *area, "--json"]))
    assert out["street_id"] == "S1" and out["kind"] == "add" and out["tags"]["name"] == "河东桥"

    edited = _edited_file(net, tmp_path / "edited.osm", [(100, CLICK_A), (101, CLICK_B)])
    bridge_case = Case("river+bridge", RIVER.nodes, RIVER.ways, walk=RIVER.walk | {BRIDGE_WAY})
    with_bridge, original = _expected(bridge_case, edited), _expected(RIVER, net)
    # The case can tell: the bridge saves minutes somewhere (a cell east on A to the school on B).
    assert (with_bridge["primary"] < original["primary"] - 5).any()

    _assert_equal(_minutes(tmp_path, capsys, folder, "bridge", 2026, "2026"), with_bridge, "bridge open")
    _assert_equal(_minutes(tmp_path, capsys, folder, "bridge", 2025, "2025"), original, "before it opens")
    _assert_equal(_minutes(tmp_path, capsys, folder, tag="base"), original, "no scenario")

    # Closed again from 2028: the original numbers come back (and 2027 still has the bridge).
    _cli(capsys, ["scenario", "street", "close", "bridge", "--way-id", "S1", "--year", "2028", *area])
    _assert_equal(_minutes(tmp_path, capsys, folder, "bridge", 2028, "2028"), original, "bridge closed")
    _assert_equal(_minutes(tmp_path, capsys, folder, "bridge", 2027, "2027"), with_bridge, "bridge still open")

    # The scenario file keeps the streets layer; listing shows both edits.
    rows = json.loads(_cli(capsys, ["scenario", "street", "list", "bridge", *area, "--json"]))
    assert [(r["street_id"], r["kind"], r["year"]) for r in rows] == [("S1", "add", 2026), ("S2", "close", 2028)]


def test_two_scenarios_never_share_a_network(tmp_path, capsys, river):
    """Two bridges in two scenarios, evaluated alternately in one process: each its own numbers."""
    folder, net = river
    area = ["--area", str(folder)]
    west_a, west_b = (260.0, -5.0), (253.0, 603.0)  # 4.2 m from node 12 (a junction): joined there
    for name, (a, b) in {"east": (CLICK_A, CLICK_B), "west": (west_a, west_b)}.items():
        _cli(capsys, ["scenario", "copy", "existing", name, *area])
        _cli(capsys, ["scenario", "street", "add", name, "--from", _lonlat_arg(a), "--to", _lonlat_arg(b),
                      "--year", "2026", *area])
    bridged = Case("b", RIVER.nodes, RIVER.ways, walk=RIVER.walk | {BRIDGE_WAY})
    east = _expected(bridged, _edited_file(net, tmp_path / "east.osm", [(100, CLICK_A), (101, CLICK_B)]))
    west = _expected(bridged, _edited_file(net, tmp_path / "west.osm", [(100, west_a), 12]))
    assert not np.allclose(east["primary"], west["primary"])
    for rnd in range(2):
        _assert_equal(_minutes(tmp_path, capsys, folder, "east", 2026, f"e{rnd}"), east, "east bridge")
        _assert_equal(_minutes(tmp_path, capsys, folder, "west", 2026, f"w{rnd}"), west, "west bridge")


def test_compare_shows_what_the_street_alone_changes(tmp_path, capsys, river):
    folder, _ = river
    area = ["--area", str(folder)]
    _cli(capsys, ["scenario", "copy", "existing", "bridge", *area])
    _cli(capsys, ["scenario", "street", "add", "bridge", "--from", _lonlat_arg(CLICK_A), "--to",
                  _lonlat_arg(CLICK_B), "--year", "2026", *area])
    res = json.loads(_cli(capsys, ["scenario", "compare", "existing", "bridge", "--year", "2026", "--assign", "walk",
                                   *area, "--json"]))
    assert res["streets"][0][0]["street_id"] == "S1" and res["streets"][0][0]["change"] == "added"
    assert res["street_delta"][0] is None  # existing has no street changes
    sd = res["street_delta"][1]
    # existing vs bridge differ only by the bridge: the street alone is the whole delta
    for lv, d in res["delta"].items():
        for k in ("median_minutes", "assigned", "unserved", "coverage"):
            assert d[k] == pytest.approx(sd[lv][k], abs=1e-9), (lv, k)
    assert any((d["median_minutes"] or 0) < 0 for d in sd.values())
    # the text output lists the street change and its own delta
    text = _cli(capsys, ["scenario", "compare", "existing", "bridge", "--year", "2026", *area])
    assert "street changes differing from existing in bridge" in text and "S1" in text


def test_bad_street_edits_are_refused_naming_the_row(tmp_path, capsys, river):
    folder, _ = river
    area = ["--area", str(folder)]
    _cli(capsys, ["scenario", "copy", "existing", "s", *area])
    err = _cli_fails(capsys, ["scenario", "street", "add", "s", "--from", _lonlat_arg((720, -6)),
                              "--to", _lonlat_arg((720, 5000)), "--year", "2026", *area])
    assert "outside the study area" in err
    err = _cli_fails(capsys, ["scenario", "street", "close", "s", "--way-id", "424242", "--year", "2026", *area])
    assert "way 424242" in err
    err = _cli_fails(capsys, ["scenario", "street", "add", "s", "--from", _lonlat_arg((720, -6)), "--to",
                              _lonlat_arg((720, 590)), "--tags", "highway=motorway", "--year", "2026", *area])
    assert "highway=motorway" in err
    rows = json.loads(_cli(capsys, ["scenario", "street", "list", "s", *area, "--json"]))
    assert rows == []  # nothing half-saved


def test_scenario_streets_round_trip_and_fingerprint(tmp_path, river):
    from gis.folder import load_folder
    from scenarios import store
    from scenarios.model import load_scenario, resolve_scenario

    folder, _ = river
    area = load_folder(folder)
    s = resolve_scenario(area, "existing")
    b = s.add_street([_ll(*CLICK_A), _ll(*CLICK_B)], 2026, tags={"highway": "footway", "name": "桥"})
    c = b.close_street(2027, way_id=105)
    assert len(s.streets) == 0 and len(b.streets) == 1 and len(c.streets) == 2
    assert len({s.fingerprint(), b.fingerprint(), c.fingerprint()}) == 3
    for suffix in (".gpkg", ".geojson"):
        p = store.write_scenario_file(c, tmp_path / f"c{suffix}")
        back = load_scenario(p, area)
        assert back.streets[["street_id", "kind", "way_id", "year", "tags"]].to_dict("records") == \
            c.streets[["street_id", "kind", "way_id", "year", "tags"]].to_dict("records")
        assert shapely.equals_exact(back.streets.geometry.iloc[0], c.streets.geometry.iloc[0], tolerance=1e-3)
        assert back.fingerprint() == load_scenario(p, area).fingerprint()
    # an older file without the layer still loads, with no street edits
    p = store.write_scenario_file(s, tmp_path / "old.gpkg")
    assert len(load_scenario(p, area).streets) == 0
    with pytest.raises(InputError) as e:
        b.add_street([_ll(*CLICK_A), _ll(*CLICK_B)], 2040)
    assert e.value.field == "year"


def test_close_by_drawn_line_and_the_edited_area_is_kept_by_content(river):
    from gis.folder import load_folder
    from scenarios.model import resolve_scenario
    from scenarios.streets import scenario_area

    folder, _ = river
    area = load_folder(folder)
    s = resolve_scenario(area, "existing")

    def ways(a):
        return {w for _, _, o in a.graph.edges(data="osmid") for w in (o if isinstance(o, list) else [o])}

    # The stub (way 105, x = 250 from B up to y = 750) closed by a line drawn 4 m beside it
    stub = s.close_street(2026, coords=[_ll(254, 595), _ll(254, 755)])
    assert 105 in ways(area) and 105 not in ways(scenario_area(area, stub, 2026))
    assert scenario_area(area, stub, 2025) is area  # not yet in force: the area itself
    # Same edits in force: the same edited area (and its network); other edits: another one
    b1 = s.add_street([_ll(*CLICK_A), _ll(*CLICK_B)], 2026)
    e26, e30 = scenario_area(area, b1, 2026), scenario_area(area, b1, 2030)
    assert e26 is e30 and e26 is not area
    b2 = s.add_street([_ll(260, -5), _ll(253, 603)], 2026)
    e2 = scenario_area(area, b2, 2026)
    assert e2 is not e26
    from accessibility.context import ComputeContext

    n1, n2 = ComputeContext.for_area(e26).network("walk"), ComputeContext.for_area(e2).network("walk")
    assert n1 is not n2 and n1.csr.shape != n2.csr.shape  # east splits A and B, west splits A only
    # A line matching no street is refused, naming the row and field
    far = s.close_street(2026, coords=[_ll(600, 300), _ll(700, 300)])
    with pytest.raises(InputError) as e:
        scenario_area(area, far, 2026)
    assert e.value.field == "geometry" and e.value.row == 1
