"""A street graph kept as its two cached tables (nodes, edges), turned into a graph only when asked.

A cached study area (:mod:`gis.cache`) stores its walking and cycling graphs as GeoParquet
``nodes`` / ``edges`` tables. Rebuilding a networkx ``MultiDiGraph`` from them took most of a warm
start (about 1 s of 1.2 s for the default demo), yet the analyses never need networkx: the travel
network (:class:`accessibility.network.TravelNetwork`) is plain arrays. :class:`StreetFrames` holds
the tables; :meth:`StreetFrames.to_graph` builds the networkx graph (for the OSM export, ``hedong
info``, the web map's street layer, the cache writer) and :meth:`StreetFrames.edge_arrays` gives
the arrays a travel network is built from, **in the very order** ``TravelNetwork.from_graph`` reads
them from that graph — so both paths give the same network, segment for segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

__all__ = ["StreetFrames", "graph_from_frames"]


def graph_from_frames(nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, crs: str) -> nx.MultiDiGraph:
    """Inverse of :func:`gis.cache.graph_to_frames` for graphs tidied by :func:`gis.cache.tidy_graph`
    (node geometry dropped).

    Written out instead of ``osmnx.graph_from_gdfs`` because that checks every attribute of every
    edge with ``pandas.notna`` (about 300,000 calls for the default demo: most of a warm start);
    a tidied graph has no missing attribute to drop, so the columns go in as plain Python values.
    A column that does hold missing values falls back to per-value dropping, as osmnx does.
    """
    G = nx.MultiDiGraph(crs=crs, simplified=True)

    def records(df, cols):
        vals = {c: df[c].tolist() for c in cols}
        gaps = {c for c in cols if df[c].isna().any()}
        if not gaps:
            return [dict(zip(cols, row)) for row in zip(*(vals[c] for c in cols))]
        return [{c: v for c, v in zip(cols, row) if c not in gaps or v == v and v is not None}
                for row in zip(*(vals[c] for c in cols))]

    ncols = [c for c in nodes.columns if c not in ("osmid", "geometry")]
    G.add_nodes_from(zip(nodes["osmid"].tolist(), records(nodes, ncols)))
    ecols = [c for c in edges.columns if c not in ("u", "v", "key", "geometry")]
    attrs = records(edges, ecols)
    for a, g in zip(attrs, edges.geometry.to_numpy()):
        a["geometry"] = g
    G.add_edges_from(zip(edges["u"].tolist(), edges["v"].tolist(), edges["key"].tolist(), attrs))
    return G


@dataclass(frozen=True, eq=False)
class StreetFrames:
    """A directed street multigraph as the cache stores it: node and edge tables.

    Attributes
    ----------
    nodes : GeoDataFrame
        Column ``osmid`` (node id), ``x``, ``y`` (projected), any other node attributes.
    edges : GeoDataFrame
        Columns ``u``, ``v`` (node ids), ``key``, ``length`` (m), line geometry, other attributes.
    crs : str
        Projected CRS of the coordinates.
    attrs : dict
        Graph-level attributes (``osm_filter``: what the OSM filter kept and dropped).
    """

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    crs: str
    attrs: dict = field(default_factory=dict)

    def to_graph(self) -> nx.MultiDiGraph:
        """The networkx graph (osmnx conventions) the tables were written from; a new one each call."""
        G = graph_from_frames(self.nodes, self.edges, self.crs)
        G.graph.update(self.attrs)
        return G

    def _plain(self):
        """(node id index, edge source and target positions) when the tables are a plain image of a
        graph (unique node ids and edge keys, every edge end a known node with coordinates), else None."""
        nodes, edges = self.nodes, self.edges
        ids = pd.Index(nodes["osmid"])
        if not ids.is_unique or nodes[["x", "y"]].isna().any().any():
            return None
        ui, vi = ids.get_indexer(edges["u"]), ids.get_indexer(edges["v"])
        if (ui < 0).any() or (vi < 0).any() or edges.duplicated(["u", "v", "key"]).any():
            return None
        return ids, ui, vi

    def counts(self) -> tuple[int, int]:
        """(nodes, edges) of the graph :meth:`to_graph` builds — from the tables when they are a plain
        image of it (no graph built)."""
        if self._plain() is not None:
            return len(self.nodes), len(self.edges)
        G = self.to_graph()
        return G.number_of_nodes(), G.number_of_edges()

    def edge_arrays(self, columns=()) -> dict | None:
        """What ``TravelNetwork.from_graph(self.to_graph())`` reads from the graph, without building it.

        ``columns``: other edge columns to return in the same order (key ``columns``: name -> object
        array; a column the table lacks is all None), e.g. ``("name",)`` for the street names.

        Returns
        -------
        dict or None
            ``node_ids`` (graph node order: the node table's), ``xy`` (n, 2), ``u``, ``v`` (node
            *indices*), ``length`` (NaN where missing), ``geom`` (object array, None where missing)
            in the graph's edge iteration order, ``directed`` (True) and ``crs``. None when the
            tables are not a plain image of a graph — repeated node ids or edge keys, an edge end
            missing from the node table, a missing coordinate — where networkx would merge, add or
            drop entries; the caller then goes through :meth:`to_graph`.
        """
        plain = self._plain()
        if plain is None:
            return None
        ids, ui, vi = plain
        nodes, edges = self.nodes, self.edges
        # networkx iterates a MultiDiGraph's edges by source node (node order), then by target in
        # the order each (u, v) pair first appeared, then by key in insertion order. Reproduce it,
        # whatever order the table has (a table written from G.edges is already in it).
        n, m = len(ids), len(edges)
        row = np.arange(m)
        _, first, inverse = np.unique(ui.astype(np.int64) * n + vi, return_index=True, return_inverse=True)
        order = np.lexsort((row, first[inverse.ravel()], ui))
        length = (edges["length"].to_numpy(dtype=float, na_value=np.nan) if "length" in edges
                  else np.full(m, np.nan))
        geom = np.asarray(edges.geometry.to_numpy(), dtype=object)  # missing geometries are None
        extra = {c: (np.asarray(edges[c].astype(object).to_numpy(), dtype=object)[order] if c in edges.columns
                     else np.full(m, None, dtype=object)) for c in columns}
        return {"node_ids": np.array(ids.tolist(), dtype=object), "xy": nodes[["x", "y"]].to_numpy(dtype=float),
                "u": ui[order].astype(np.int64), "v": vi[order].astype(np.int64), "length": length[order],
                "geom": geom[order], "directed": True, "crs": self.crs, "columns": extra}
