"""The walking network written as OSM XML in the OSM file convention (``network.osm`` of an export).

The file follows what GDAL's OSM driver (and so QGIS), osmium and osmosis expect: ``<bounds>``,
then every node in ascending id order, then every way in ascending id order (no relations are
written). Each pair of opposite directed edges of the graph becomes one way.

Ids
---
Real OpenStreetMap node ids (positive, below :data:`CREATED_ID_MIN`) are kept as they are. Every id
the planner makes up goes into one documented range, :data:`CREATED_ID_MIN` ..
:data:`CREATED_ID_MAX`, so no made-up id can be mistaken for a real OSM object:

- the nodes of a generated network (the Yuncheng demo's lattice ids), and any graph node id that is
  not a positive integer (zero, negative ids of an editor's new objects, ...): renumbered in
  ascending order of their old id;
- the intermediate vertices of each street's geometry, which become nodes of their own;
- every way id (one OSM way split at junctions becomes several ways here; the original way id is
  kept in the ``hedong:osmid`` tag).

The range is positive because GDAL's OSM driver refuses negative node ids unless opened with
``OSM_USE_CUSTOM_INDEXING=NO`` (GDAL 3.6: "Unsupported node id value"); it starts at 10^14, four
orders of magnitude above the largest real OSM node id (about 1.2 * 10^10 in 2024), and ends below
2^31 * 65536, the largest id GDAL's default node index accepts. Node ids already in the range (a
re-exported export) are kept, so export -> load -> export gives the same ids.

Tags
----
Each way carries a ``highway`` value that the reader's walk filter (osmnx's "walk" filter) keeps:
the graph's own value(s), less any the filter would drop. When none is left (or the edge has none,
as in hand-made test graphs) the way is written as ``highway=footway`` — it is in the walking network
— with ``hedong:highway_assumed=yes`` and the graph's value in ``hedong:highway_original``. Graph
nodes carry ``hedong:node=yes`` so a reader keeps them as junctions (see ``gis.folder``).
"""

from __future__ import annotations

from functools import lru_cache
from xml.sax.saxutils import quoteattr

import networkx as nx
import numpy as np
from pyproj import CRS, Transformer

from gis.osm import NODE_MARKER
from gis.osm_filter import way_verdict

#: ``generator`` attribute of the OSM XML written here.
GENERATOR = "Hedong Planner export"
#: Node tag marking the graph's own nodes (junctions and dead ends), as opposed to geometry vertices.

#: First id of the range for nodes and ways the planner creates (see the module docstring).
CREATED_ID_MIN = 10**14
#: Last id GDAL's OSM driver indexes without ``OSM_USE_CUSTOM_INDEXING=NO``: ``id // 65536 < 2**31 - 1``.
CREATED_ID_MAX = (2**31 - 1) * 65536 - 1
#: ``highway`` value of a way whose graph edge has no walkable one.
ASSUMED_HIGHWAY = "footway"


def _values(v) -> list[str]:
    """A tag value as a list of strings (osmnx keeps a list when it merged several ways)."""
    if v is None or (isinstance(v, float) and v != v):
        return []
    items = v if isinstance(v, (list, tuple, set)) else [v]
    out = []
    for x in items:
        out += [s.strip() for s in str(x).split(";") if s.strip()]
    return list(dict.fromkeys(out))


@lru_cache(maxsize=None)
def _walk_keeps(highway: str) -> bool:
    """Whether the reader's walk filter keeps a way tagged only ``highway=<value>``.

    Asks the reader's own filter (:func:`gis.osm_filter.way_verdict`) rather than a copy of its rules.
    """
    return way_verdict({"highway": highway}, "walk") is None


def way_highway(value) -> tuple[str, dict[str, str]]:
    """The ``highway`` value to write for an edge's ``highway`` attribute, and any note tags.

    Returns
    -------
    (str, dict)
        The walkable values joined with ``;`` (or :data:`ASSUMED_HIGHWAY`), and
        ``hedong:highway_assumed`` / ``hedong:highway_original`` when the graph's value was changed.
    """
    vals = _values(value)
    keep = [v for v in vals if _walk_keeps(v)]
    if keep and len(keep) == len(vals):
        return ";".join(keep), {}
    notes = {"hedong:highway_original": ";".join(vals)} if vals else {}
    if keep:
        return ";".join(keep), notes
    return ASSUMED_HIGHWAY, {"hedong:highway_assumed": "yes", **notes}


def edge_pairs(G: nx.MultiDiGraph) -> list[tuple]:
    """One ``(u, v, data)`` per street: a directed edge and its reverse twin (same geometry) become one way."""
    seen: dict[tuple, int] = {}
    out = []
    for u, v, _k, d in G.edges(keys=True, data=True):
        geom = d.get("geometry")
        coords = tuple(np.round(np.asarray(geom.coords), 6).ravel()) if geom is not None else ()
        length = round(float(d.get("length", 0.0)), 3)
        fwd = (u, v, length, coords)
        if seen.get(fwd, 0) > 0:  # the twin of a way already written
            seen[fwd] -= 1
            continue
        rev_coords = tuple(np.asarray(coords).reshape(-1, 2)[::-1].ravel()) if coords else ()
        rev = (v, u, length, rev_coords)
        seen[rev] = seen.get(rev, 0) + 1
        out.append((u, v, d))
    return out


def _is_real_id(n) -> bool:
    return isinstance(n, (int, np.integer)) and 0 < int(n) < CREATED_ID_MIN


def _in_range(n) -> bool:
    return isinstance(n, (int, np.integer)) and CREATED_ID_MIN <= int(n) <= CREATED_ID_MAX


def node_id_map(nodes, generated: bool = False) -> tuple[dict, int]:
    """New OSM ids for the graph's nodes, and the next free id of the created range.

    Parameters
    ----------
    nodes : iterable
        Graph node ids.
    generated : bool
        The network is generated (the demo): none of its ids is a real OSM id.

    Returns
    -------
    (dict, int)
        ``{graph node: OSM id}`` (real ids and ids already in the created range map to themselves)
        and the first unused id of the range, for the geometry vertices.
    """
    nodes = list(nodes)
    mapping = {n: int(n) for n in nodes if _in_range(n) or (not generated and _is_real_id(n))}
    used = [i for i in mapping.values() if i >= CREATED_ID_MIN]
    nxt = max(used) + 1 if used else CREATED_ID_MIN
    # Sorted by old id (numbers first, then anything else by its text) so renumbering is deterministic.
    rest = sorted((n for n in nodes if n not in mapping),
                  key=lambda n: (0, int(n), "") if isinstance(n, (int, np.integer)) else (1, 0, str(n)))
    for n in rest:
        mapping[n] = nxt
        nxt += 1
    return mapping, nxt


def _tag_value(val) -> str:
    return ";".join(map(str, val)) if isinstance(val, (list, tuple)) else str(val)


def graph_to_osm_xml(G: nx.MultiDiGraph, crs=None, *, generated: bool = False) -> str:
    """The graph as OSM XML (WGS84) in the OSM convention: nodes by ascending id, then ways.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Projected graph in osmnx conventions (nodes ``x``/``y``; edges ``length``, optional
        ``geometry``, ``highway``, ``name``, ``osmid``).
    crs : optional
        CRS of the node coordinates (default ``G.graph["crs"]``).
    generated : bool
        The network is generated, not real OSM: its node ids are moved into the created range and
        every way is tagged ``source=generated``.

    Returns
    -------
    str
        The XML text. Ids and tags as described in the module docstring; coordinates with 9 decimals
        (well under a millimetre) so a re-read graph has the same node positions.
    """
    crs = crs or G.graph.get("crs")
    tr = Transformer.from_crs(CRS.from_user_input(crs), 4326, always_xy=True)
    ids, next_id = node_id_map(G.nodes, generated)
    graph_nodes = list(G.nodes)
    node_osm = np.array([ids[n] for n in graph_nodes], dtype=np.int64)
    xs = np.array([G.nodes[n]["x"] for n in graph_nodes], dtype=float)
    ys = np.array([G.nodes[n]["y"] for n in graph_nodes], dtype=float)
    vert_ids: list[int] = []
    vert_xy: list[np.ndarray] = []
    ways = []
    for way_id, (u, v, d) in enumerate(edge_pairs(G), start=CREATED_ID_MIN):
        refs = [ids[u]]
        geom = d.get("geometry")
        if geom is not None and len(geom.coords) > 2:
            inner = np.asarray(geom.coords)[1:-1, :2]
            new = list(range(next_id, next_id + len(inner)))
            next_id += len(inner)
            vert_ids += new
            vert_xy.append(inner)
            refs += new
        refs.append(ids[v])
        highway, notes = way_highway(d.get("highway"))
        tags = {"highway": highway, **notes}
        if d.get("name") is not None:
            tags["name"] = _tag_value(d["name"])
        if d.get("osmid") is not None:
            tags["hedong:osmid"] = _tag_value(d["osmid"])
        if generated:
            tags["source"] = "generated"
        body = "".join(f'<nd ref="{r}"/>' for r in refs)
        tag_xml = "".join(f"<tag k={quoteattr(str(k))} v={quoteattr(str(val))}/>" for k, val in tags.items() if str(val))
        ways.append(f'  <way id="{way_id}" version="1" visible="true">{body}{tag_xml}</way>')
    if next_id - 1 > CREATED_ID_MAX:
        raise ValueError(f"the network needs more created ids than the range {CREATED_ID_MIN}..{CREATED_ID_MAX} holds")

    all_ids = np.concatenate([node_osm, np.array(vert_ids, dtype=np.int64)])
    vxy = np.concatenate(vert_xy) if vert_xy else np.empty((0, 2))
    lon, lat = tr.transform(np.concatenate([xs, vxy[:, 0]]), np.concatenate([ys, vxy[:, 1]]))
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    marked = np.arange(len(all_ids)) < len(graph_nodes)
    order = np.argsort(all_ids, kind="stable")
    if len(order) > 1 and not (np.diff(all_ids[order]) > 0).all():
        raise ValueError("duplicate node id in the OSM export")  # a bug, never user input

    lines = ["<?xml version='1.0' encoding='UTF-8'?>",
             f'<osm version="0.6" generator="{GENERATOR}">']
    if len(all_ids):
        lines.append(f'  <bounds minlat="{lat.min():.9f}" minlon="{lon.min():.9f}" '
                     f'maxlat="{lat.max():.9f}" maxlon="{lon.max():.9f}"/>')
    for i in order:
        head = f'  <node id="{all_ids[i]}" lat="{lat[i]:.9f}" lon="{lon[i]:.9f}" version="1" visible="true"'
        # The marker keeps every graph node a node on reading (see gis.folder).
        lines.append(f'{head}><tag k="{NODE_MARKER}" v="yes"/></node>' if marked[i] else f"{head}/>")
    lines.extend(ways)
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


__all__ = ["graph_to_osm_xml", "node_id_map", "way_highway", "edge_pairs", "GENERATOR", "NODE_MARKER",
           "CREATED_ID_MIN", "CREATED_ID_MAX"]
