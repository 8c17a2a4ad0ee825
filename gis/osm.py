"""Street networks from OpenStreetMap files: the one path real and generated data both take.

One pipeline for both formats: the file is parsed into plain nodes and ways (OSM XML here with
the standard library's ``iterparse``, full coordinate precision; PBF in :mod:`gis.osm_pbf` with
pyosmium), and both hand plain elements to :mod:`gis.osm_elements`: every way is judged by the one filter table of :mod:`gis.osm_filter` (osmnx 2.x's
``walk`` filter; its ``bike`` filter for cycling), and the kept ways become an osmnx-convention
graph: nodes ``x``/``y``, edges ``length`` in metres (great-circle, :func:`osmnx.distance.add_edge_lengths`),
the largest weakly connected component, simplified with :func:`osmnx.simplify_graph`, projected.

No file is trusted because of what it says about itself: the ``generator`` attribute is never read.
Nodes tagged ``hedong:node`` (what :mod:`gis.folder`'s export writes on every graph node) are kept
as graph nodes through simplification, so an exported network reads back with the same nodes;
the export writes only walkable ways with their ``highway`` tags, so it passes the filter unchanged.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx

from layers.errors import InputError
# The element-to-graph pipeline both formats share lives below both readers (gis.osm_elements); its
# names stay importable from here.
from gis.osm_elements import NODE_MARKER, check_new_id, networks_from_elements
from gis.osm_filter import NETWORKS
from layers.osm_tags import cut_tags, warn_cut

__all__ = ["read_osm_network", "read_osm_networks", "networks_from_elements", "parse_osm_xml", "NODE_MARKER",
           "check_new_id"]

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
        from gis.osm_pbf import parse_pbf  # lazy: pyosmium (~0.04 s) and pyrosm load only for a .pbf file

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
