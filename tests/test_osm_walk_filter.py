"""OSM XML networks keep only what pedestrians can use (osmnx's "walk" filter, applied offline)."""

from __future__ import annotations

from gis.osm import read_osm_network

# A straight street of 5 nodes (about 100 m apart) crossed by ways a pedestrian cannot use.
NODES = "\n".join(f"<node id='{i}' lat='35.03' lon='{111.0 + i * 0.0011:.4f}' version='1'/>" for i in range(1, 6))
NODES += "\n" + "\n".join(f"<node id='{10 + i}' lat='{35.03 + i * 0.0009:.4f}' lon='111.0022' version='1'/>"
                          for i in range(1, 4))


def _xml(extra_ways: str) -> str:
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<osm version='0.6' generator='test'>
{NODES}
<way id='100' version='1'><nd ref='1'/><nd ref='2'/><nd ref='3'/><nd ref='4'/><nd ref='5'/>
  <tag k='highway' v='residential'/></way>
<way id='101' version='1'><nd ref='3'/><nd ref='11'/><tag k='highway' v='footway'/></way>
{extra_ways}
</osm>"""


def _read(tmp_path, extra):
    p = tmp_path / "n.osm"
    p.write_text(_xml(extra), encoding="utf-8")
    return read_osm_network(p, crs="EPSG:4546", simplify=False)


def test_walkable_ways_kept(tmp_path):
    G = _read(tmp_path, "")
    assert set(G.nodes) == {1, 2, 3, 4, 5, 11}


def test_motorway_construction_foot_no_private_dropped(tmp_path):
    for tags in ("<tag k='highway' v='motorway'/>", "<tag k='highway' v='motorway_link'/>",
                 "<tag k='highway' v='construction'/>", "<tag k='highway' v='path'/><tag k='foot' v='no'/>",
                 "<tag k='highway' v='service'/><tag k='access' v='private'/>",
                 "<tag k='highway' v='pedestrian'/><tag k='area' v='yes'/>"):
        G = _read(tmp_path, f"<way id='102' version='1'><nd ref='11'/><nd ref='12'/><nd ref='13'/>{tags}</way>")
        assert 12 not in G and 13 not in G, tags


def test_walkable_extension_kept_and_detached_part_dropped(tmp_path):
    G = _read(tmp_path, "<way id='102' version='1'><nd ref='11'/><nd ref='12'/><tag k='highway' v='steps'/></way>"
                        "<way id='103' version='1'><nd ref='13'/><nd ref='5'/><tag k='highway' v='motorway'/></way>")
    assert 12 in G and 13 not in G  # steps are walked; the motorway (and its lone node) is gone
