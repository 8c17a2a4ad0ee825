"""Street networks from OpenStreetMap files: the one path real and generated data both take.

OSM XML goes through ``osmnx.graph_from_xml``; PBF through pyrosm (see :func:`read_osm_network`).
Every graph leaves here projected to a metric CRS, in osmnx conventions (nodes ``x``/``y``,
edges ``length`` in metres).
"""

from __future__ import annotations

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
    if G.number_of_nodes() == 0:
        raise InputError("no walkable street in this OSM file", file=path)
    return ox.project_graph(G, to_crs=crs)
