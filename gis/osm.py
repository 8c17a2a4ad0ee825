"""Street networks from OpenStreetMap files: the one path real and generated data both take.

OSM XML goes through ``osmnx.graph_from_xml``; PBF through pyrosm (see :func:`read_osm_network`).
Every graph leaves here projected to a metric CRS, in osmnx conventions (nodes ``x``/``y``,
edges ``length`` in metres).
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx

from gis.errors import InputError


def read_osm_network(path, crs: str | None = None, *, simplify: bool = True) -> nx.MultiDiGraph:
    """Build the walking street network from an OSM XML (``.osm``) or PBF (``.osm.pbf``) file.

    Parameters
    ----------
    path : str or Path
        The OSM file.
    crs : str, optional
        Target projected CRS (e.g. ``EPSG:4546``); default: the local UTM zone osmnx estimates.
    simplify : bool
        Merge degree-2 nodes into edge geometries (osmnx ``simplify_graph``).

    Returns
    -------
    networkx.MultiDiGraph
        Projected walking network; all ways walkable in both directions.

    Raises
    ------
    gis.errors.InputError
        If the file is missing, unreadable, or holds no walkable street.
    """
    import osmnx as ox

    path = Path(path)
    if not path.is_file():
        raise InputError("OSM network file not found", file=path)
    name = path.name.lower()
    if name.endswith(".pbf"):
        from gis.osm_pbf import graph_from_pbf  # pyrosm path, see that module

        G = graph_from_pbf(path, simplify=simplify)
    else:
        try:
            # bidirectional: a walking network ignores one-way tags.
            G = ox.graph_from_xml(path, bidirectional=True, simplify=simplify, retain_all=False)
        except Exception as e:  # osmnx raises a zoo of errors on bad XML; name the file instead
            raise InputError(f"cannot read OSM XML ({type(e).__name__}: {e})", file=path) from e
    if G.number_of_nodes() == 0 or G.number_of_edges() == 0:
        raise InputError("no walkable street in this OSM file (no highway way with two or more nodes present)",
                         file=path)
    for n, d in G.nodes(data=True):
        x, y = d.get("x"), d.get("y")
        if not (isinstance(x, (int, float)) and isinstance(y, (int, float)) and math.isfinite(x) and math.isfinite(y)
                and -180 <= x <= 180 and -90 <= y <= 90):
            raise InputError(f"node {n} has coordinates lon={x}, lat={y} outside -180..180 / -90..90",
                             file=path, field="lat/lon")
    try:
        return ox.project_graph(G, to_crs=crs)
    except ValueError as e:  # coordinates that cannot be projected (osmnx / pyproj)
        raise InputError(f"cannot project the street network ({' '.join(str(e).split())})", file=path) from e
