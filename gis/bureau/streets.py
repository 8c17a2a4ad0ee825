"""A bureau's OSM extract: the walking network cut to the study area, and the buildings the spreading weighs.

The extract is parsed once (OSM XML or PBF: :func:`gis.osm.parse_osm_xml` /
:func:`gis.osm_pbf.parse_pbf`); the networks take the one filter table of :mod:`gis.osm_filter`
(:func:`gis.osm.networks_from_elements`), so the folder's ``network.osm`` is what any other path
would build. The network is cut to the boundary plus a margin (default
:data:`DEFAULT_MARGIN_M`): a trip from a home near the edge may run along a street just outside,
and a school just inside is reached from across the line.

Buildings and residential land use (``building=*``, ``landuse=residential``) are closed ways and
multipolygon relations, assembled by libosmium (:func:`_areas`); a way the extract's edge cuts is
closed over the nodes it still has (:func:`_cut_ways`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from gis.osm import networks_from_elements, parse_osm_xml
from gis.osm_pbf import parse_pbf
from layers.errors import InputError

__all__ = ["read_extract", "cut_graph", "DEFAULT_MARGIN_M"]

#: Street network kept beyond the boundary, metres.
DEFAULT_MARGIN_M = 1000.0


def _areas(path: Path) -> tuple[list, list]:
    """Buildings and residential land use of an OSM file: attribute rows and polygons (WGS84).

    libosmium's area assembler (pyosmium ``FileProcessor.with_areas``) builds them from closed ways
    *and* multipolygon relations — a city-centre block with a courtyard is a relation — in XML and
    PBF alike; an area the extract cuts (nodes missing) is skipped by it.
    """
    import osmium  # lazy: only the bureau import reads buildings

    wkb = osmium.geom.WKBFactory()
    rows, geoms = [], []
    fp = (osmium.FileProcessor(str(path)).with_areas(osmium.filter.KeyFilter("building", "landuse"))
          .with_filter(osmium.filter.EntityFilter(osmium.osm.AREA)))
    try:
        for o in fp:
            tags = {t.k: t.v for t in o.tags}
            if "building" not in tags and tags.get("landuse") != "residential":
                continue
            try:
                g = shapely.from_wkb(bytes.fromhex(wkb.create_multipolygon(o)))
            except RuntimeError:  # an area libosmium could not close
                continue
            if not g.is_valid:
                g = shapely.make_valid(g)
            rows.append({"id": o.orig_id(), "from_way": o.from_way(), "building": tags.get("building"),
                         "building:levels": tags.get("building:levels"), "landuse": tags.get("landuse")})
            geoms.append(g)
    except Exception as e:  # noqa: BLE001 - libosmium raises RuntimeError subclasses on corrupt files
        raise InputError(f"cannot read the buildings of the OSM extract ({type(e).__name__}: {e})", file=path) from e
    return rows, geoms


def _cut_ways(nodes: dict, ways: list, done: set) -> tuple[list, list]:
    """Building / residential ways libosmium left out because the extract's edge cut them (nodes
    missing): closed over the nodes the file still has, as pyrosm does — a bounding-box extract of a
    city centre cuts the large residential land-use polygons that decide which untyped buildings
    are housing."""
    rows, geoms = [], []
    for wid, refs, tags in ways:
        if wid in done or ("building" not in tags and tags.get("landuse") != "residential"):
            continue
        pts = [(float(nodes[r][0]), float(nodes[r][1])) for r in refs if r in nodes and nodes[r][0] is not None]
        if len(pts) < 3 or len(refs) < 4 or refs[0] != refs[-1]:
            continue  # not an area (an open way), or too little of it in the file
        g = shapely.make_valid(shapely.Polygon(pts))
        if g.is_empty or g.area == 0:
            continue
        rows.append({"id": wid, "from_way": True, "building": tags.get("building"),
                     "building:levels": tags.get("building:levels"), "landuse": tags.get("landuse")})
        geoms.append(g)
    return rows, geoms


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
    rows, geoms = _areas(path)
    more, more_g = _cut_ways(nodes, ways, {r["id"] for r in rows if r["from_way"]})
    cols = {k: [r[k] for r in rows + more] for k in ("id", "building", "building:levels", "landuse")}
    gdf = gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries(geoms + more_g, crs="EPSG:4326"), crs="EPSG:4326")
    out["buildings"] = gdf[gdf["building"].notna()].reset_index(drop=True)
    out["landuse"] = gdf[gdf["landuse"] == "residential"].reset_index(drop=True)
    report["areas_closed_over_cut"] = len(more)
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
