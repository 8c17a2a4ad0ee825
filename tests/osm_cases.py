"""Hand-made OSM networks (XML and PBF) in user study-area folders, and an independent networkx
computation of per-cell minutes on the same file, for tests/test_osm_networks.py.

Independence: the expected network is written by hand per case (which ways a pedestrian or a
cyclist may use, which are one-way), the file is parsed here with ElementTree / pyosmium (not
gis.osm), lengths are haversine great-circle distances between consecutive way nodes (osmnx's
convention, earth radius 6,371,009 m), and shortest paths are networkx Dijkstra on the
unsimplified segments.

The snapping rule (documented in accessibility/snap.py), applied here independently: a point
joins the street at the nearest point of the nearest street (junction to junction; projected CRS,
straight-line distance), walks that distance at walking speed, then travels along the street at
network speed to either end (its position: the fraction of the drawn line, times the street's
great-circle length); a facility on the very street of a home is reached along it directly.
Points further than MAX_SNAP_M from every street are unreachable.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

from layers.families import SERVICES
from layers.norms import MAX_SNAP_M, SPEEDS
from layers.schema import COHORTS

CRS = "EPSG:4546"
X0, Y0 = 500_000.0, 3_876_000.0
_TO_LL = Transformer.from_crs(CRS, 4326, always_xy=True)
_TO_XY = Transformer.from_crs(4326, CRS, always_xy=True)
EARTH_R = 6_371_009.0

#: Facilities of every case: (id, family, subtype, x, y) in metres from (X0, Y0).
FACILITIES = [("f1", "fitness", "pitch", 985.0, 615.0), ("k1", "kindergarten", "kindergarten", -15.0, 300.0),
              ("s1", "school", "nine_year", 480.0, 618.0)]
#: Services each facility serves (by the layers.norms families / subtypes).
SERVED = {"fitness": ["f1"], "kindergarten": ["k1"], "primary": ["s1"], "junior": ["s1"]}


@dataclass
class Case:
    """One network: nodes {id: (x, y)} in metres from (X0, Y0); ways [(id, [refs], {tags})];
    ``walk`` / ``bike`` the ids of the ways a pedestrian / cyclist may use (written by hand);
    ``bike_oneway`` {way id: +1 along the node order, -1 against}; extra population cells."""

    name: str
    nodes: dict
    ways: list
    walk: set
    bike: set = field(default_factory=set)
    bike_oneway: dict = field(default_factory=dict)
    cells: list = field(default_factory=list)


def _base_nodes():
    n = {i + 1: (250.0 * i, 0.0) for i in range(5)}            # street A: y = 0, nodes 1..5
    n.update({11 + i: (250.0 * i, 600.0) for i in range(5)})    # street B: y = 600, nodes 11..15
    n[6] = (0.0, 300.0)                                         # street C (x = 0) joins A and B at the west
    n[16] = (250.0, 750.0)                                      # a dead end north of B (no bare ring)
    return n


def _base_ways(c_tags=None):
    return [(100, [1, 2, 3, 4, 5], {"highway": "residential", "name": "A"}),
            (101, [11, 12, 13, 14, 15], {"highway": "residential", "name": "B"}),
            (102, [1, 6, 11], c_tags or {"highway": "residential", "name": "C"}),
            (105, [12, 16], {"highway": "residential", "name": "Stub"})]


def _shortcut(tags, wid=200):
    """The east side x = 1000 from A's end (5) to B's end (15): a 600 m shortcut if usable."""
    return (wid, [5, 15], tags)


def cases() -> dict[str, Case]:
    """Every hand-made case, by name."""
    out = {}
    base = {100, 101, 102, 105}
    for name, tags in {"railway": {"railway": "rail"}, "foot_no": {"highway": "path", "foot": "no"},
                       "private": {"highway": "service", "access": "private"},
                       "motorway": {"highway": "motorway"}}.items():
        out[name] = Case(name, _base_nodes(), _base_ways() + [_shortcut(tags)], walk=set(base))
    n = _base_nodes() | {18: (1100.0, 600.0), 19: (1100.0, 0.0)}
    out["building"] = Case("building", n, _base_ways() + [(200, [5, 15, 18, 19, 5], {"building": "yes"})],
                           walk=set(base))
    # sidewalk=separate: the street is dropped, its separately drawn sidewalk (a detour) is used.
    n = _base_nodes() | {21: (1150.0, 300.0)}
    out["sidewalk"] = Case("sidewalk", n, _base_ways() + [
        _shortcut({"highway": "residential", "sidewalk": "separate"}),
        (201, [5, 21, 15], {"highway": "footway", "footway": "sidewalk"})], walk=base | {201})
    # A crescent beside the straight street: both run from node 2 to node 4 (parallel after simplify).
    n = _base_nodes() | {31: (300.0, -150.0), 32: (500.0, -200.0), 33: (700.0, -150.0)}
    out["crescent"] = Case("crescent", n, _base_ways() + [
        (210, [2, 31, 32, 33, 4], {"highway": "residential", "name": "Crescent"})], walk=base | {210},
        cells=[(500.0, -210.0), (640.0, -185.0), (330.0, -150.0)])
    # A loop street hanging off node 3.
    n = _base_nodes() | {41: (430.0, -100.0), 42: (500.0, -220.0), 43: (570.0, -100.0)}
    out["loop"] = Case("loop", n, _base_ways() + [
        (220, [3, 41, 42, 43, 3], {"highway": "residential", "name": "Loop"})], walk=base | {220},
        cells=[(500.0, -232.0), (585.0, -105.0)])
    # Cycling: the shortcut is a cycleway (bike only), C a footway (walk only), D a street joining
    # A and B at x = 500, B one-way eastwards for bikes, a footway signed for bikes at x = 250.
    n = _base_nodes()
    ways = [(100, [1, 2, 3, 4, 5], {"highway": "residential"}),
            (101, [11, 12, 13, 14, 15], {"highway": "residential", "oneway": "yes"}),
            (102, [1, 6, 11], {"highway": "footway"}),
            (103, [3, 13], {"highway": "residential"}),
            (104, [2, 12], {"highway": "footway", "bicycle": "designated"}),
            _shortcut({"highway": "cycleway"})]
    out["cycleway"] = Case("cycleway", n, ways, walk={100, 101, 102, 103, 104},
                           bike={100, 101, 103, 104, 200}, bike_oneway={101: 1})
    return out


# ---------------------------------------------------------------- files


def _lonlat(nodes):
    out = {}
    for i, (x, y) in nodes.items():
        lon, lat = _TO_LL.transform(X0 + x, Y0 + y)
        out[i] = (round(lon, 7), round(lat, 7))  # OSM's own precision: XML and PBF hold the same numbers
    return out


def write_osm_xml(case: Case, path) -> None:
    ll = _lonlat(case.nodes)
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", "<osm version='0.6' generator='Hedong Planner export'>"]
    lines += [f"<node id='{i}' lat='{lat:.7f}' lon='{lon:.7f}' version='1'/>" for i, (lon, lat) in ll.items()]
    for wid, refs, tags in case.ways:
        body = "".join(f"<nd ref='{r}'/>" for r in refs) + "".join(f"<tag k='{k}' v='{v}'/>" for k, v in tags.items())
        lines.append(f"<way id='{wid}' version='1'>{body}</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_osm_pbf(case: Case, path) -> None:
    import osmium
    from osmium.osm.mutable import Node, Way

    ll = _lonlat(case.nodes)
    with osmium.SimpleWriter(str(path), overwrite=True) as w:
        for i, (lon, lat) in ll.items():
            w.add_node(Node(id=i, location=(lon, lat), version=1))
        for wid, refs, tags in case.ways:
            w.add_way(Way(id=wid, nodes=refs, tags=tags, version=1))


def read_file(path):
    """(nodes {id: (lon, lat)}, ways {id: [refs]}) of the case file, parsed independently."""
    nodes, ways = {}, {}
    if str(path).endswith(".pbf"):
        import osmium

        for o in osmium.FileProcessor(str(path)):
            if o.is_node():
                nodes[o.id] = (o.location.lon, o.location.lat)
            elif o.is_way():
                ways[o.id] = [n.ref for n in o.nodes]
    else:
        for el in ET.parse(path).getroot():
            if el.tag == "node":
                nodes[int(el.get("id"))] = (float(el.get("lon")), float(el.get("lat")))
            elif el.tag == "way":
                ways[int(el.get("id"))] = [int(nd.get("ref")) for nd in el.iter("nd")]
    return nodes, ways


def cells_of(case: Case):
    """Population cells: a row south of A, a row south of B, one west of C, plus the case's own."""
    pts = [(x, -15.0) for x in range(50, 1000, 100)] + [(x, 585.0) for x in range(50, 1000, 100)]
    pts += [(-20.0, 450.0)] + list(case.cells)
    return pts


#: Cell i holds 2 ** (i - POP_SHIFT) people.
POP_SHIFT = 12


def cell_pop(i: int) -> float:
    """People in cell ``i`` of a case (distinct powers of two)."""
    return float(2.0 ** (i - POP_SHIFT))


def write_folder(case: Case, folder, fmt: str):
    """A user study-area folder: area.gpkg + network.osm (or network.osm.pbf)."""
    folder.mkdir(parents=True, exist_ok=True)
    b = box(X0 - 300, Y0 - 400, X0 + 1300, Y0 + 900)
    boundary = gpd.GeoDataFrame({"name": [case.name]}, geometry=[b], crs=CRS)
    districts = gpd.GeoDataFrame({"district_id": ["D1"], "name": ["测试街道"]}, geometry=[b], crs=CRS)
    pts = cells_of(case)
    # Populations 2^(i-POP_SHIFT): the population inside any circle names its set of cells exactly
    # (sums of powers of two are exact in float64), and no cell passes the 1,000,000 a cell may hold.
    pop = gpd.GeoDataFrame({"cell_id": [f"c{i}" for i in range(len(pts))], "district_id": "D1",
                            "pop_total": [cell_pop(i) for i in range(len(pts))]},
                           geometry=[Point(X0 + x, Y0 + y) for x, y in pts], crs=CRS)
    for c in COHORTS:
        pop[c] = pop["pop_total"] * 0.1
    fac = gpd.GeoDataFrame({
        "facility_id": [f[0] for f in FACILITIES], "name": [f[0] for f in FACILITIES],
        "family": [f[1] for f in FACILITIES], "subtype": [f[2] for f in FACILITIES],
        "seats_primary": [0.0, 0.0, 900.0], "seats_junior": [0.0, 0.0, 450.0],
        "places_kindergarten": [0.0, 300.0, 0.0], "beds": 0.0, "area_m2": [800.0, 0.0, 0.0], "source": "test"},
        geometry=[Point(X0 + f[3], Y0 + f[4]) for f in FACILITIES], crs=CRS)
    gpkg = folder / "area.gpkg"
    for name, gdf in (("boundary", boundary), ("districts", districts), ("population", pop), ("facilities", fac)):
        gdf.to_file(gpkg, layer=name, driver="GPKG")
    net = folder / ("network.osm.pbf" if fmt == "pbf" else "network.osm")
    (write_osm_pbf if fmt == "pbf" else write_osm_xml)(case, net)
    return net


# ---------------------------------------------------------------- the independent computation


def _gc(a, b) -> float:
    (lon1, lat1), (lon2, lat2) = a, b
    y1, y2, dx = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    h = math.sin((y2 - y1) / 2) ** 2 + math.cos(y1) * math.cos(y2) * math.sin(dx / 2) ** 2
    return 2 * math.asin(math.sqrt(min(1.0, h))) * EARTH_R


class StreetModel:
    """Streets of the given ways and travel seconds on them (see module notes).

    A street runs junction to junction: osmnx's simplification rules (a node is an end when it
    has other than two neighbours, or a degree other than 2 or 4, no way in or out, or a loop),
    written out here. Its length is the sum of its great-circle pieces; a point's position along
    it is the fraction of its drawn (projected) line, times that length.

    Parameters
    ----------
    nodes : dict
        id -> (lon, lat).
    ways : dict
        id -> [node ids] of the ways to use.
    oneway : dict
        way id -> +1 (one-way along the node order) or -1 (against); absent: two-way.
    crs : str
        Projected CRS of points given to :meth:`minutes`.
    """

    def __init__(self, nodes: dict, ways: dict, oneway: dict, crs: str):
        tr = Transformer.from_crs(4326, crs, always_xy=True)
        D = nx.MultiDiGraph()
        U = nx.MultiGraph()
        for wid in sorted(ways):
            refs = [r for i, r in enumerate(ways[wid]) if i == 0 or r != ways[wid][i - 1]]
            d = oneway.get(wid, 0)
            for a, b in zip(refs[:-1], refs[1:]):
                if d < 0:
                    a, b = b, a
                L = _gc(nodes[a], nodes[b])
                D.add_edge(a, b)
                if d == 0:
                    D.add_edge(b, a)
                U.add_edge(a, b, length=L, oneway=d != 0)
        main = max(nx.weakly_connected_components(D), key=len)
        D, U = D.subgraph(main).copy(), U.subgraph(main).copy()

        def is_end(n):
            nb = set(D.predecessors(n)) | set(D.successors(n))
            return (n in nb or D.out_degree(n) == 0 or D.in_degree(n) == 0
                    or not (len(nb) == 2 and D.degree(n) in (2, 4)))

        ends = {n for n in U if is_end(n)} or {min(U)}  # a bare ring (only in the "wrong" models): cut it anywhere
        xy = {n: tr.transform(*nodes[n]) for n in U}
        used, self.streets = set(), []  # (first node, last node, length, line, one-way)
        for e in ends:
            for _, nxt, k, d in U.edges(e, keys=True, data=True):
                if (min(e, nxt), max(e, nxt), k) in used:
                    continue
                used.add((min(e, nxt), max(e, nxt), k))
                seq, L, one = [e, nxt], d["length"], d["oneway"]
                while seq[-1] not in ends:
                    cur = seq[-1]
                    cand = [(w, kk, dd) for _, w, kk, dd in U.edges(cur, keys=True, data=True)
                            if (min(cur, w), max(cur, w), kk) not in used]
                    w, kk, dd = cand[0]
                    used.add((min(cur, w), max(cur, w), kk))
                    seq.append(w)
                    L += dd["length"]
                    one = one or dd["oneway"]
                if one and not D.has_edge(seq[0], seq[1]):
                    seq = seq[::-1]  # one-way streets run the way they may be ridden
                self.streets.append((seq[0], seq[-1], L, LineString([xy[n] for n in seq]), one))
        self.G = nx.DiGraph()
        for a, b, L, _, one in self.streets:
            for s, t in ((a, b),) if one else ((a, b), (b, a)):
                if not self.G.has_edge(s, t) or self.G[s][t]["length"] > L:
                    self.G.add_edge(s, t, length=L)
        from shapely import STRtree

        self._tree = STRtree([s[3] for s in self.streets])

    def snap(self, p):
        """(street index, metres along from its first node, off-street metres) of a projected point."""
        p = Point(p)
        i = int(self._tree.nearest(p))
        a, b, L, line, _ = self.streets[i]
        return i, line.project(p) / line.length * L, line.distance(p)

    def minutes(self, cells, facilities, mode: str, service: str) -> np.ndarray:
        """Minutes from each point of ``cells`` to the nearest of ``facilities`` (projected (x, y)); inf if none."""
        eff = SERVICES[service].mode if mode == "walk" and SERVICES[service].mode.startswith("walk") else mode
        v, walk = SPEEDS[eff].m_per_s, SPEEDS["walk_elderly" if eff == "walk_elderly" else "walk"].m_per_s
        H = nx.DiGraph()
        for a, b, d in self.G.edges(data=True):
            H.add_edge(a, b, weight=d["length"] / v)
        fsnaps = [self.snap(f) for f in facilities]
        fsnaps = [s for s in fsnaps if s[2] <= MAX_SNAP_M]
        for i, pos, d in fsnaps:  # node -> facility: along the street (either way), then off-street
            a, b, L, _, _ = self.streets[i]
            for n, along in ((a, pos), (b, L - pos)):
                w = d / walk + along / v
                if not H.has_edge(n, "F") or H[n]["F"]["weight"] > w:
                    H.add_edge(n, "F", weight=w)
        to_f = nx.single_source_dijkstra_path_length(H.reverse(), "F") if fsnaps else {}
        out = []
        for c in cells:
            i, pos, d = self.snap(c)
            if d > MAX_SNAP_M:
                out.append(math.inf)
                continue
            a, b, L, _, _ = self.streets[i]
            t = min(d / walk + pos / v + to_f.get(a, math.inf), d / walk + (L - pos) / v + to_f.get(b, math.inf))
            for j, fpos, fd in fsnaps:
                if j == i:
                    t = min(t, (d + fd) / walk + abs(pos - fpos) / v)
            out.append(t / 60.0)
        return np.array(out)


class Independent(StreetModel):
    """:class:`StreetModel` of a case file: the hand-chosen ways of ``mode``; points in metres from (X0, Y0)."""

    def __init__(self, case: Case, path, mode: str = "walk"):
        nodes, ways = read_file(path)
        keep = case.walk if mode == "walk" else case.bike
        super().__init__(nodes, {w: ways[w] for w in keep}, case.bike_oneway if mode == "bike" else {}, CRS)

    def snap(self, xy):
        return super().snap((X0 + xy[0], Y0 + xy[1]))
