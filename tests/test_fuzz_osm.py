"""Fuzzing gis.osm.read_osm_network on OSM XML: truncated files, ways referencing missing nodes,
empty files, files without highways, garbage attributes.

Property: a file either gives a projected walking network whose nodes all come from the file,
or raises InputError naming the file; never any other exception.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from fuzz_strategies import check_input_error, fresh_dir, fuzz_settings
from layers.errors import InputError
from gis.osm import read_osm_network

# Hypothesis fuzzing runs thousands of cases: the full suite (CI) runs it, the fast loop does not.
pytestmark = pytest.mark.slow

HIGHWAYS = ("residential", "footway", "primary", "service", "path", "motorway", "construction", "proposed", "",
            "steps", "pedestrian")


@st.composite
def osm_xml(draw):
    """(xml text, node ids in the file) of a small OSM network near Yuncheng with random faults."""
    n_nodes = draw(st.integers(0, 8))
    nodes = []
    for i in range(1, n_nodes + 1):
        lat = 35.03 + draw(st.integers(0, 20)) * 1e-4
        lon = 111.0 + draw(st.integers(0, 20)) * 1e-4
        kind = draw(st.sampled_from(["ok"] * 30 + ["bad_lat", "no_lon", "huge", "dup"]))
        nid = i if kind != "dup" else max(1, i - 1)
        if kind == "bad_lat":
            nodes.append(f'<node id="{nid}" lat="abc" lon="{lon}"/>')
        elif kind == "no_lon":
            nodes.append(f'<node id="{nid}" lat="{lat}"/>')
        elif kind == "huge":
            nodes.append(f'<node id="{nid}" lat="{draw(st.sampled_from(["95", "-1e9", "nan", "inf"]))}" lon="{lon}"/>')
        else:
            nodes.append(f'<node id="{nid}" lat="{lat!r}" lon="{lon!r}" version="1"/>')
    ways = []
    for w in range(1, draw(st.integers(0, 5)) + 1):
        top = n_nodes + 3 if draw(st.integers(0, 4)) == 0 else max(n_nodes, 1)  # sometimes missing nodes
        refs = draw(st.lists(st.integers(1, top), min_size=0, max_size=5))
        hw = draw(st.sampled_from(HIGHWAYS[:3] * 3 + HIGHWAYS))
        tags = f'<tag k="highway" v="{hw}"/>' if hw else '<tag k="building" v="yes"/>'
        if draw(st.integers(0, 6)) == 0:
            tags += draw(st.sampled_from(['<tag k="oneway" v="yes"/>', '<tag k="access" v="private"/>',
                                          '<tag k="foot" v="no"/>', '<tag k="area" v="yes"/>',
                                          '<tag k="name" v="人民路 &amp; &lt;x&gt;"/>']))
        ways.append(f'<way id="{w}">' + "".join(f'<nd ref="{r}"/>' for r in refs) + tags + "</way>")
    body = "\n".join(nodes + ways)
    header = draw(st.sampled_from(["<?xml version='1.0' encoding='UTF-8'?>\n", "", "\ufeff"]))
    xml = f'{header}<osm version="0.6" generator="fuzz">\n{body}\n</osm>\n'
    return xml


@fuzz_settings(600)
@given(data=st.data())
def test_fuzz_osm_xml(data):
    xml = data.draw(osm_xml(), label="xml")
    raw = xml.encode("utf-8")
    mangle = data.draw(st.sampled_from(["none"] * 12 + ["truncate", "garbage", "gbk_decl"]), label="mangle")
    if mangle == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif mangle == "garbage":
        raw = raw.replace(b"<way", b"<way\x00", 1)
    elif mangle == "gbk_decl":
        raw = raw.replace(b"UTF-8", b"GBK", 1)
    p = fresh_dir() / "network.osm"
    p.write_bytes(raw)
    try:
        G = read_osm_network(p, crs="EPSG:4546")
    except InputError as e:
        check_input_error(e, p)
        event("InputError")
        return
    event("loaded")
    assert G.number_of_nodes() > 0
    assert str(G.graph["crs"]).upper().endswith("4546")
    for _, d in G.nodes(data=True):
        assert math.isfinite(d["x"]) and math.isfinite(d["y"])
    for _, _, d in G.edges(data=True):
        assert d["length"] >= 0 and math.isfinite(d["length"])


def _way(refs, hw="residential", wid=1):
    return f'<way id="{wid}">' + "".join(f'<nd ref="{r}"/>' for r in refs) + f'<tag k="highway" v="{hw}"/></way>'


NODES = "".join(f'<node id="{i}" lat="{35.03 + i * 1e-4}" lon="{111.0 + i * 1e-4}"/>' for i in range(1, 5))
CASES = {
    "empty": "",
    "whitespace": "  \n",
    "not_xml": "hello world",
    "html": "<html><body>404</body></html>",
    "empty_osm": "<osm version='0.6'></osm>",
    "nodes_only": f"<osm>{NODES}</osm>",
    "no_highway": f"<osm>{NODES}<way id='1'><nd ref='1'/><nd ref='2'/><tag k='building' v='yes'/></way></osm>",
    "missing_nodes": f"<osm>{NODES}{_way([1, 99, 2])}</osm>",
    "all_missing": f"<osm>{_way([7, 8, 9])}</osm>",
    "one_node_way": f"<osm>{NODES}{_way([1])}</osm>",
    "empty_way": f"<osm>{NODES}{_way([])}</osm>",
    "truncated": f"<osm>{NODES}{_way([1, 2, 3])}"[:-20],
    "unclosed": f"<osm>{NODES}{_way([1, 2, 3])}",
    "motorway_only": f"<osm>{NODES}{_way([1, 2, 3], 'motorway')}</osm>",
    "bad_coords": "<osm><node id='1' lat='x' lon='y'/><node id='2' lat='35' lon='111'/>" + _way([1, 2]) + "</osm>",
    "binary": "\x00\x01\x02\x03",
    "ok": f"<osm>{NODES}{_way([1, 2, 3, 4])}</osm>",
}


@pytest.mark.parametrize("case", list(CASES))
def test_osm_corner_cases(case):
    p = fresh_dir() / "network.osm"
    p.write_text(CASES[case], encoding="utf-8")
    try:
        G = read_osm_network(p, crs="EPSG:4546")
    except InputError as e:
        check_input_error(e, p)
        assert case != "ok"
    else:
        assert G.number_of_nodes() > 0


def test_osm_missing_and_pbf_garbage():
    d = fresh_dir()
    with pytest.raises(InputError) as ei:
        read_osm_network(d / "nope.osm")
    check_input_error(ei.value, d / "nope.osm")
    for name in ("network.osm.pbf", "network.pbf"):
        p = d / name
        p.write_bytes(b"\x00\x00\x00\x0dgarbage not a pbf")
        try:
            read_osm_network(p, crs="EPSG:4546")
        except InputError as e:
            check_input_error(e, p)
        else:
            pytest.fail("a garbage PBF loaded")
