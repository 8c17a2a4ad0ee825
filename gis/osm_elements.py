"""From plain OSM elements to street graphs: the half of the OSM pipeline both file formats share.

:mod:`gis.osm` (OSM XML) and :mod:`gis.osm_pbf` (PBF, pyosmium) parse a file into plain nodes
(``id -> (lon, lat, marked)``) and ways; :func:`networks_from_elements` judges every way by the one
filter table of :mod:`gis.osm_filter` and builds the osmnx-convention graphs. It lives in its own
module below both readers, so neither imports the other to reach it (no import cycle).
"""

from __future__ import annotations

import math
from collections import Counter

import networkx as nx

from gis.osm_filter import NETWORKS, bike_oneway, way_verdict
from layers.errors import InputError

__all__ = ["NODE_MARKER", "check_new_id", "networks_from_elements"]

#: Node tag that keeps a node a graph node through simplification (written by the folder export).
NODE_MARKER = "hedong:node"


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
