"""Street networks from OpenStreetMap files: the one path real and generated data both take.

OSM XML goes through ``osmnx.graph_from_xml``; PBF through pyrosm (see :func:`read_osm_network`).
Every graph leaves here projected to a metric CRS, in osmnx conventions (nodes ``x``/``y``,
edges ``length`` in metres).
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx

from layers.errors import InputError


#: Way tags the walk filter reads (osmnx keeps only its ``useful_tags_way`` by default).
_WALK_TAGS = ("highway", "area", "access", "foot", "service")
#: ``highway`` values nobody walks along — osmnx's own "walk" network filter
#: (``highway!~abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|proposed|raceway|razed``).
_NOT_WALKABLE_HIGHWAY = ("abandoned", "bus_guideway", "construction", "cycleway", "motor", "no", "planned",
                         "platform", "proposed", "raceway", "razed")


def _values(v) -> list[str]:
    return [str(x) for x in v] if isinstance(v, (list, tuple, set)) else ([] if v is None else [str(v)])


def walkable(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Drop the ways a pedestrian cannot use, as osmnx's "walk" filter does for online downloads.

    Removed: ``highway`` matching :data:`_NOT_WALKABLE_HIGHWAY` (motorways, construction, cycleways,
    platforms ...), ``area=yes``, ``foot=no``, ``access=private`` and ``service=private``; then the
    nodes left without an edge. PBF files take pyrosm's "walking" filter instead, to the same effect.
    An OSM XML file is a user's own extract, so it is filtered here rather than trusted.
    """
    import re

    bad_hw = re.compile("|".join(_NOT_WALKABLE_HIGHWAY))
    drop = []
    for u, v, k, d in G.edges(keys=True, data=True):
        if (any(bad_hw.search(h) for h in _values(d.get("highway")))
                or "yes" in _values(d.get("area")) or "no" in _values(d.get("foot"))
                or "private" in _values(d.get("access")) or "private" in _values(d.get("service"))):
            drop.append((u, v, k))
    if drop:
        G = G.copy()
        G.remove_edges_from(drop)
        G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    return G


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
    layers.errors.InputError
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
            # bidirectional: a walking network ignores one-way tags. Unsimplified first, so the
            # walk filter sees each OSM way's own tags (a simplified edge merges several ways).
            saved = ox.settings.useful_tags_way
            ox.settings.useful_tags_way = list(dict.fromkeys([*saved, *_WALK_TAGS]))
            try:
                G = ox.graph_from_xml(path, bidirectional=True, simplify=False, retain_all=True)
            finally:
                ox.settings.useful_tags_way = saved
        except Exception as e:  # osmnx raises a zoo of errors on bad XML; name the file instead
            raise InputError(f"cannot read OSM XML ({type(e).__name__}: {e})", file=path) from e
        G = walkable(G)
        if G.number_of_edges():
            G = ox.truncate.largest_component(G)
            if simplify:
                G = ox.simplify_graph(G)
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
