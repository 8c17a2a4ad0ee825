"""Street networks from OpenStreetMap files: the one path real and generated data both take.

One pipeline for both formats: the file is parsed into plain nodes and ways (OSM XML here with
the standard library's ``iterparse``, full coordinate precision; PBF in :mod:`gis.osm_pbf` with
pyosmium), every way is judged by the one filter table of :mod:`gis.osm_filter` (osmnx 2.x's
``walk`` filter; its ``bike`` filter for cycling), and the kept ways become an osmnx-convention
graph: nodes ``x``/``y``, edges ``length`` in metres (great-circle, :func:`osmnx.distance.add_edge_lengths`),
the largest weakly connected component, simplified with :func:`osmnx.simplify_graph`, projected.

No file is trusted because of what it says about itself: the ``generator`` attribute is never read.
Nodes tagged ``hedong:node`` (what :mod:`gis.folder`'s export writes on every graph node) are kept
as graph nodes through simplification, so an exported network reads back with the same nodes;
the export writes only walkable ways with their ``highway`` tags, so it passes the filter unchanged.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx

from layers.errors import InputError
from gis.osm_filter import NETWORKS, bike_oneway, way_verdict
from layers.osm_tags import cut_tags, warn_cut

__all__ = ["read_osm_network", "read_osm_networks", "networks_from_elements", "parse_osm_xml", "NODE_MARKER",
           "check_new_id"]

#: Node tag that keeps a node a graph node through simplification (written by the folder export).
NODE_MARKER = "hedong:node"


def parse_osm_xml(path: Path):
    """Nodes and ways of an OSM XML file.

    Returns
    -------
    nodes : dict
        id -> (lon, lat, marked) with ``lon``/``lat`` as the file's strings (None if absent) and
        ``marked`` True when the node carries :data:`NODE_MARKER`.
    ways : list of (id, [node ids], {tag: value})
        In file order.

    Raises
    ------
    InputError
        If the file is not well-formed XML or an id is not an integer.
    """
    nodes: dict[int, tuple] = {}
    ways: list[tuple] = []
    way_ids: set[int] = set()
    cut: list = []
    try:
        for _, el in ET.iterparse(path, events=("end",)):
            tag = el.tag
            if tag == "node":
                marked = any(t.get("k") == NODE_MARKER for t in el.iter("tag"))
                nid = int(el.get("id"))
                check_new_id(nodes, nid, "node", path)
                nodes[nid] = (el.get("lon"), el.get("lat"), marked)
                el.clear()
            elif tag == "way":
                refs = [int(nd.get("ref")) for nd in el.iter("nd")]
                tags = cut_tags({t.get("k"): t.get("v") for t in el.iter("tag") if t.get("k") is not None}, cut)
                wid = int(el.get("id"))
                check_new_id(way_ids, wid, "way", path)
                way_ids.add(wid)
                ways.append((wid, refs, tags))
                el.clear()
            elif tag == "relation":
                el.clear()
    except ET.ParseError as e:
        raise InputError(f"cannot read OSM XML ({e})", file=path) from e
    except (TypeError, ValueError) as e:  # a missing or non-integer id / ref, an encoding expat lacks
        if isinstance(e, InputError):
            raise
        raise InputError(f"cannot read OSM XML ({type(e).__name__}: {e})", file=path) from e
    warn_cut(cut, path)
    return nodes, ways


def check_new_id(seen, oid: int, kind: str, path) -> None:
    """Refuse a node or way id the file already defined: the second copy silently replaced the first
    (a node 1,300 km away moved a street and every share with it; issue 27)."""
    if oid in seen:
        raise InputError(f"{kind} {oid} is defined twice; an OSM file holds each {kind} once (an extract merged "
                         f"with another? use osmium merge / sort)", file=path, field=f"{kind} id")


def _coords(nodes: dict, used, path) -> dict:
    """id -> (lon, lat) floats of the ``used`` nodes, checked; InputError names a bad node."""
    out = {}
    for n in used:
        lon, lat, _ = nodes[n]
        try:
            x, y = float(lon), float(lat)
        except (TypeError, ValueError):
            x = y = float("nan")
        if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
            raise InputError(f"node {n} has coordinates lon={lon}, lat={lat} outside -180..180 / -90..90",
                             file=path, field="lat/lon")
        out[n] = (x, y)
    return out


def _pieces(refs: list[int], nodes: dict) -> list[list[int]]:
    """A way's runs of two or more consecutive nodes present in the file (an extract cut at its
    edge lists nodes it does not hold; the street between them cannot be placed and is left out).
    Consecutive duplicate references are merged, as osmnx does."""
    out, cur, last = [], [], None
    for r in refs:
        if r == last:
            continue
        last = r
        if r in nodes:
            cur.append(r)
        else:
            if len(cur) > 1:
                out.append(cur)
            cur = []
    if len(cur) > 1:
        out.append(cur)
    return out


def _edge_attrs(wid: int, tags: dict) -> dict:
    # lazy: osmnx takes ~1.7 s to import; only building a graph from OSM ways needs it
    import osmnx as ox

    d = {k: tags[k] for k in ox.settings.useful_tags_way if k in tags}
    d["osmid"] = wid
    return d


def _build(nodes: dict, kept: list, network: str, path, simplify: bool) -> nx.MultiDiGraph:
    """The unprojected graph of the ``kept`` ways (id, pieces, tags) of one network."""
    # lazy: osmnx takes ~1.7 s to import; only building a graph from OSM ways needs it
    import osmnx as ox

    used = {n for _, pieces, _ in kept for p in pieces for n in p}
    xy = _coords(nodes, used, path)
    G = nx.MultiDiGraph(crs="EPSG:4326")
    # File order, as osmnx.graph_from_xml adds them (matrix order downstream follows it).
    G.add_nodes_from((n, {"x": xy[n][0], "y": xy[n][1], **({NODE_MARKER: True} if nodes[n][2] else {})})
                     for n in nodes if n in used)
    for wid, pieces, tags in kept:
        one, rev = bike_oneway(tags) if network == "bike" else (False, False)
        attrs = _edge_attrs(wid, tags)
        attrs["oneway"] = one
        for p in pieces:
            seq = p[::-1] if rev else p
            e = list(zip(seq[:-1], seq[1:]))
            G.add_edges_from(e, **attrs, reversed=False)
            if not one:
                G.add_edges_from([(v, u) for u, v in e], **attrs, reversed=True)
    if G.number_of_edges() == 0:
        return G
    G = ox.distance.add_edge_lengths(G)
    G = ox.truncate.largest_component(G, strongly=False)
    if simplify:
        # remove_rings=False: a network that is one closed ring stays (unsimplified), never vanishes.
        G = ox.simplify_graph(G, node_attrs_include=[NODE_MARKER], remove_rings=False)
    for _, d in G.nodes(data=True):
        d.pop(NODE_MARKER, None)
    return G


def networks_from_elements(nodes: dict, ways: list, path, *, networks=NETWORKS, simplify: bool = True):
    """Filter parsed ways and build one unprojected graph per network (shared by XML and PBF).

    Parameters
    ----------
    nodes, ways
        As returned by :func:`parse_osm_xml` / :func:`gis.osm_pbf.parse_pbf`.
    path
        The file, for messages.
    networks : tuple of str
        Which of :data:`gis.osm_filter.NETWORKS` to build.
    simplify : bool
        Merge degree-2 nodes into edge geometries.

    Returns
    -------
    graphs : dict
        network -> ``networkx.MultiDiGraph`` in WGS84 (empty when no way of the file qualifies).
    report : dict
        ``ways`` (in the file), per network ``kept_ways`` {network: n}, ``dropped_ways``
        {network: {reason: n}} (reason as :func:`gis.osm_filter.way_verdict` names it, plus
        ``not connected to the main network`` for kept ways outside the largest component and
        ``no node of the way in the file`` for ways whose nodes the file lacks).
    """
    graphs, kept_n, dropped = {}, {}, {}
    for net in networks:
        kept, why = [], Counter()
        for wid, refs, tags in ways:
            reason = way_verdict(tags, net)
            if reason is None:
                pieces = _pieces(refs, nodes)
                if pieces:
                    kept.append((wid, pieces, tags))
                else:
                    why["fewer than two of its nodes in the file"] += 1
            else:
                why[reason] += 1
        G = _build(nodes, kept, net, path, simplify)
        if G.number_of_edges():
            osmids = set()
            for _, _, o in G.edges(data="osmid"):
                osmids.update(o if isinstance(o, list) else [o])
            lost = sum(1 for wid, _, _ in kept if wid not in osmids)
            if lost:
                why["not connected to the main network"] += lost
        graphs[net] = G
        kept_n[net] = len(kept) - why["not connected to the main network"]
        dropped[net] = dict(why.most_common())
    return graphs, {"ways": len(ways), "kept_ways": kept_n, "dropped_ways": dropped}


def _project(G: nx.MultiDiGraph, crs, path) -> nx.MultiDiGraph:
    # lazy: osmnx takes ~1.7 s to import; only building a graph from OSM ways needs it
    import osmnx as ox

    try:
        return ox.project_graph(G, to_crs=crs)
    except ValueError as e:  # coordinates that cannot be projected (osmnx / pyproj)
        raise InputError(f"cannot project the street network ({' '.join(str(e).split())})", file=path) from e


def read_osm_networks(path, crs: str | None = None, *, simplify: bool = True, networks=NETWORKS):
    """The walking (and cycling) networks of an OSM XML (``.osm``) or PBF (``.pbf``) file, one parse.

    Parameters
    ----------
    path : str or Path
        The OSM file (``.pbf`` suffix: PBF, else OSM XML).
    crs : str, optional
        Target projected CRS (e.g. ``EPSG:4546``); default: the local UTM zone osmnx estimates.
    simplify : bool
        Merge degree-2 nodes into edge geometries (osmnx ``simplify_graph``).
    networks : tuple of str
        ``walk`` and/or ``bike``.

    Returns
    -------
    graphs : dict
        network -> projected ``networkx.MultiDiGraph``, or None for a network no way qualifies for
        (other than ``walk``, which must have streets). Walking edges go both ways; cycling edges
        follow ``oneway`` (:func:`gis.osm_filter.bike_oneway`). Each graph carries the filter
        report as ``G.graph["osm_filter"]``.
    report : dict
        See :func:`networks_from_elements`; plus ``file``.

    Raises
    ------
    layers.errors.InputError
        If the file is missing, unreadable, or holds no walkable street.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("OSM network file not found", file=path)
    if path.name.lower().endswith(".pbf"):
        from gis.osm_pbf import parse_pbf  # lazy: gis.osm_pbf imports this module

        nodes, ways = parse_pbf(path)
    else:
        nodes, ways = parse_osm_xml(path)
    graphs, report = networks_from_elements(nodes, ways, path, networks=networks, simplify=simplify)
    report["file"] = str(path)
    if "walk" in graphs and graphs["walk"].number_of_edges() == 0:
        top = ", ".join(f"{k}: {n}" for k, n in list(report["dropped_ways"]["walk"].items())[:3])
        raise InputError("no walkable street in this OSM file (no highway way with two or more nodes a "
                         f"pedestrian may use{'; dropped ' + top if top else ''})", file=path)
    out = {}
    for net, G in graphs.items():
        if G.number_of_edges() == 0:
            out[net] = None
            continue
        G.graph["osm_filter"] = report
        out[net] = _project(G, crs, path)
        out[net].graph["osm_filter"] = report
    return out, report


def read_osm_network(path, crs: str | None = None, *, simplify: bool = True) -> nx.MultiDiGraph:
    """The walking network of an OSM XML or PBF file (see :func:`read_osm_networks`).

    Returns
    -------
    networkx.MultiDiGraph
        Projected walking network; all ways walkable in both directions; ``G.graph["osm_filter"]``
        holds what the filter kept and dropped.

    Raises
    ------
    layers.errors.InputError
        If the file is missing, unreadable, or holds no walkable street.
    """
    graphs, _ = read_osm_networks(path, crs, simplify=simplify, networks=("walk",))
    return graphs["walk"]
