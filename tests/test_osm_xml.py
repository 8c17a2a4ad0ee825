"""gis.osm_xml: ids and tags of the exported network.osm (GDAL itself opens it in tests/test_gdal_files.py)."""

from __future__ import annotations

import re

import networkx as nx
from shapely.geometry import LineString

from gis.osm_xml import CREATED_ID_MAX, CREATED_ID_MIN, graph_to_osm_xml, node_id_map, way_highway


def test_walkable_highway_values_are_written_as_they_are():
    assert way_highway("residential") == ("residential", {})
    assert way_highway(["footway", "service"]) == ("footway;service", {})
    assert way_highway("trail") == ("trail", {})  # odd but real OSM value the walk filter keeps


def test_values_the_walk_filter_drops_are_never_written():
    # A simplified edge merging a footway and a cycleway keeps only the footway (the cycleway is noted).
    assert way_highway(["footway", "cycleway"]) == ("footway", {"hedong:highway_original": "footway;cycleway"})
    hw, notes = way_highway("cycleway")
    assert hw == "footway" and notes == {"hedong:highway_assumed": "yes", "hedong:highway_original": "cycleway"}
    assert way_highway(None) == ("footway", {"hedong:highway_assumed": "yes"})
    assert way_highway("motorway_link")[0] == "footway"


def test_node_ids_real_kept_made_up_in_range():
    ids, nxt = node_id_map([42, -7, 0, 12_000_000_000, -3])
    assert ids[42] == 42 and ids[12_000_000_000] == 12_000_000_000
    # made-up ids in ascending order of the old id, from the start of the range
    assert (ids[-7], ids[-3], ids[0]) == (CREATED_ID_MIN, CREATED_ID_MIN + 1, CREATED_ID_MIN + 2)
    assert nxt == CREATED_ID_MIN + 3
    gen, _ = node_id_map([5, 3], generated=True)  # a generated network has no real id
    assert gen == {3: CREATED_ID_MIN, 5: CREATED_ID_MIN + 1}
    again, nxt = node_id_map(list(gen.values()), generated=True)  # re-export keeps them
    assert again == {v: v for v in gen.values()} and nxt == CREATED_ID_MIN + 2
    assert CREATED_ID_MAX // 65536 < 2**31 - 1 <= (CREATED_ID_MAX + 1) // 65536


def test_file_order_nodes_then_ways_ascending():
    G = nx.MultiDiGraph(crs="EPSG:4546")
    for n, (x, y) in {900: (500000, 3870000), -5: (500100, 3870000), 17: (500100, 3870100)}.items():
        G.add_node(n, x=x, y=y)
    bent = LineString([(500000, 3870000), (500050, 3870030), (500100, 3870000)])
    for u, v, g, hw in ((900, -5, bent, "footway"), (-5, 17, None, ["residential", "cycleway"])):
        for s, t, gg in ((u, v, g), (v, u, None if g is None else LineString(g.coords[::-1]))):
            d = {"length": 100.0, "highway": hw, "osmid": 77}
            if gg is not None:
                d["geometry"] = gg
            G.add_edge(s, t, **d)
    xml = graph_to_osm_xml(G)
    kinds = re.findall(r"<(node|way) id=\"(-?\d+)\"", xml)
    nodes = [int(i) for k, i in kinds if k == "node"]
    ways = [int(i) for k, i in kinds if k == "way"]
    assert [k for k, _ in kinds] == ["node"] * 4 + ["way"] * 2  # 3 graph nodes + 1 geometry vertex
    assert nodes == sorted(nodes) and ways == sorted(ways) and min(nodes) > 0
    assert nodes[:2] == [17, 900] and all(i >= CREATED_ID_MIN for i in nodes[2:] + ways)
    assert xml.count('k="hedong:node"') == 3
    assert 'v="residential"' in xml and "cycleway" in xml.split('hedong:highway_original" v="')[1]
    assert 'k="highway" v="cycleway' not in xml
