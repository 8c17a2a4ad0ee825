"""A bureau's OSM extract: the walking network cut to the study area, and the buildings the spreading weighs.

The extract is parsed once (OSM XML or PBF: :func:`gis.osm.parse_osm_xml` /
:func:`gis.osm_pbf.parse_pbf`); the networks take the one filter table of :mod:`gis.osm_filter`
(:func:`gis.osm.networks_from_elements`), so the folder's ``network.osm`` is what any other path
would build. The network is cut to the boundary plus a margin (default
:data:`DEFAULT_MARGIN_M`): a trip from a home near the edge may run along a street just outside,
and a school just inside is reached from across the line.

Buildings and residential land use are the closed ways tagged ``building=*`` /
``landuse=residential`` (multipolygon relations are not assembled: in a county extract they are a
few large estates, which then count through their land use or their streets instead).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from gis.osm import networks_from_elements, parse_osm_xml
from layers.errors import InputError

__all__ = ["read_extract", "cut_graph", "DEFAULT_MARGIN_M"]

#: Street network kept beyond the boundary, metres.
DEFAULT_MARGIN_M = 1000.0


def _polygons(nodes: dict, ways: list, keep) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for wid, refs, tags in ways:
        if len(refs) < 4 or refs[0] != refs[-1] or not keep(tags):
            continue
        pts = [nodes.get(r) for r in refs]
        if any(p is None or p[0] is None for p in pts):
            continue  # a way cut by the extract's edge: its ring is incomplete
        ring = [(float(p[0]), float(p[1])) for p in pts]
        g = shapely.Polygon(ring)
        if not g.is_valid:
            g = shapely.make_valid(g)
        if g.is_empty or g.area == 0:
            continue
        rows.append({"id": wid, "building": tags.get("building"), "building:levels": tags.get("building:levels"),
                     "landuse": tags.get("landuse")})
        geoms.append(g)
    cols = {k: [r[k] for r in rows] for k in ("id", "building", "building:levels", "landuse")}
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")


def read_extract(path, crs: str) -> dict:
    """The walking and cycling networks, buildings and residential land use of an OSM file.

    Parameters
    ----------
    path : str or Path
        ``.osm`` (XML) or ``.osm.pbf``.
    crs : str
        The area's projected CRS.

    Returns
    -------
    dict
        ``walk`` / ``bike`` (projected graphs, ``bike`` None without cyclable streets),
        ``buildings`` (polygons with ``building``, ``building:levels``, ``id``; WGS84),
        ``landuse`` (residential land-use polygons, WGS84), ``report`` (the filter report).

    Raises
    ------
    layers.errors.InputError
        A missing or unreadable file, or one without a walkable street.
    """
    import osmnx as ox  # lazy: ~1.7 s to import

    path = Path(path)
    if not path.is_file():
        raise InputError("OSM extract not found", file=path)
    if path.name.lower().endswith(".pbf"):
        from gis.osm_pbf import parse_pbf

        nodes, ways = parse_pbf(path)
    else:
        nodes, ways = parse_osm_xml(path)
    graphs, report = networks_from_elements(nodes, ways, path)
    if graphs["walk"].number_of_edges() == 0:
        raise InputError("no walkable street in the OSM extract", file=path)
    out = {"report": report}
    for net in ("walk", "bike"):
        G = graphs.get(net)
        out[net] = None if G is None or G.number_of_edges() == 0 else ox.project_graph(G, to_crs=crs)
    out["buildings"] = _polygons(nodes, ways, lambda t: "building" in t)
    out["landuse"] = _polygons(nodes, ways, lambda t: t.get("landuse") == "residential")
    return out


def cut_graph(G: nx.MultiDiGraph, outline, margin_m: float) -> nx.MultiDiGraph:
    """The part of a projected graph within ``margin_m`` of ``outline``: its largest connected piece.

    Raises
    ------
    layers.errors.InputError
        When no street of the extract reaches the study area (the extract is of another place).
    """
    ids = list(G.nodes)
    pts = shapely.points([G.nodes[n]["x"] for n in ids], [G.nodes[n]["y"] for n in ids])
    near = shapely.dwithin(pts, outline, margin_m)
    keep = [n for n, k in zip(ids, near) if k]
    if not keep:
        raise InputError("no street of the OSM extract lies in the study area: is it an extract of another place?",
                         field="streets")
    H = G.subgraph(keep).copy()
    comp = max(nx.weakly_connected_components(H), key=len)
    H = H.subgraph(comp).copy()
    H.graph.update(G.graph)
    return H


def street_lines(G: nx.MultiDiGraph) -> gpd.GeoSeries:
    """Edge geometries of a projected osmnx graph (straight segments where an edge has none)."""
    geoms = []
    for u, v, d in G.edges(data=True):
        g = d.get("geometry")
        if g is None:
            g = shapely.LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])
        geoms.append(g)
    return gpd.GeoSeries(np.asarray(geoms, dtype=object), crs=G.graph.get("crs"))
