"""Which facility is nearest, and the way there: the shortest-path tree of a multi-source Dijkstra.

:func:`accessibility.reach.nearest_seconds` answers "how many seconds to the nearest facility" from
every node with one Dijkstra from a virtual source joined to every facility's street ends. Asking
scipy's ``dijkstra`` for its predecessors on the same call keeps the tree: following a node's
predecessors walks the shortest route to the nearest facility (the tree runs over ``net.csr_t``, the
time *into* a node, so a predecessor is the next node *towards* the facility), and the node the walk
ends on tells which facility it is. Hence

- :func:`nearest_tree` — seconds, predecessor and nearest facility of every node (one Dijkstra);
- :func:`cell_nearest` — per population cell the nearest facility and the seconds (the undissolved
  "service area" partition QGIS users build with QNEAT3), equal to the coverage engine's seconds;
- :func:`route_from` — the walking route from a point to its nearest facility, as node indices and a
  line, with its minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from accessibility.reach import _ok_sources, _same_edge, _with_virtual_rows, retime
from accessibility.snap import Snap

__all__ = ["NearestTree", "nearest_tree", "cell_nearest", "route_from", "Route"]


@dataclass
class NearestTree:
    """The shortest-path tree towards the nearest facility.

    Attributes
    ----------
    seconds : ndarray (n_nodes,)
        Seconds from each node to its nearest facility (offsets included), ``inf`` if none.
    pred : ndarray of int (n_nodes,)
        Next node towards the nearest facility; ``-1`` at a node where the route leaves the street
        for the facility (a root) and where no facility is reachable.
    facility : ndarray of int (n_nodes,)
        Position (in the facility snap given to :func:`nearest_tree`) of the node's nearest
        facility; ``-1`` when none is reachable.
    sources : Snap
        The facility snap (all points, ok or not), positions as in ``facility``.
    """

    seconds: np.ndarray
    pred: np.ndarray
    facility: np.ndarray
    sources: Snap


def nearest_tree(net, source_snap: Snap) -> NearestTree:
    """One multi-source Dijkstra (scipy.sparse.csgraph) with predecessors: the tree towards the nearest
    facility of ``source_snap`` over ``net``."""
    n = net.n_nodes
    snap = retime(source_snap, net)
    ok_pos = np.flatnonzero(snap.ok)
    if len(ok_pos) == 0:
        return NearestTree(np.full(n, np.inf), np.full(n, -1), np.full(n, -1), snap)
    src = snap.subset(ok_pos)
    k = len(src)
    cols = np.concatenate([src.u, src.v])
    w = np.concatenate([src.offset_u_s, src.offset_v_s])
    M = _with_virtual_rows(net.csr_t, np.zeros(2 * k, dtype=np.int64), cols, w, 1)
    d, p = dijkstra(M, directed=True, indices=n, return_predecessors=True)
    d, p = d[:n], p[:n].astype(np.int64)
    reached = np.isfinite(d)
    # the facility at each root: the one whose street end there costs least (as the virtual edge kept)
    order = np.lexsort((np.tile(ok_pos, 2), w, cols))  # by node, then offset, then lower facility
    first = np.ones(len(order), bool)
    first[1:] = cols[order][1:] != cols[order][:-1]
    root_fac = np.full(n, -1, np.int64)
    root_fac[cols[order][first]] = np.tile(ok_pos, 2)[order][first]
    root = reached & (p == n)
    # each node's root by pointer jumping (log depth passes, vectorised)
    anc = np.where(root | ~reached, np.arange(n), p)
    while True:
        nxt = anc[anc]
        if np.array_equal(nxt, anc):
            break
        anc = nxt
    fac = np.where(reached, root_fac[anc], -1)
    pred = np.where(reached & ~root, p, -1)
    return NearestTree(d, pred, fac, snap)


def cell_nearest(net, cell_snap: Snap, tree: NearestTree) -> tuple[np.ndarray, np.ndarray]:
    """Per point of ``cell_snap`` its nearest facility (position in ``tree.sources``, -1 if none) and the
    seconds — the same seconds as :func:`accessibility.reach.cell_seconds` (same-segment paths included).
    """
    cs = retime(cell_snap, net)
    tu = cs.offset_u_s + tree.seconds[cs.u]
    tv = cs.offset_v_s + tree.seconds[cs.v]
    use_u = tu <= tv
    t = np.where(use_u, tu, tv)
    fac = np.where(use_u, tree.facility[cs.u], tree.facility[cs.v])
    t[~cs.ok] = np.inf
    fac[~cs.ok | ~np.isfinite(t)] = -1
    src = tree.sources
    if len(src) and src.ok.any():
        m = _same_edge(cs, src, net)
        for o, d, s in zip(m["o"].to_numpy(), m["d"].to_numpy(), m["s"].to_numpy()):
            if s < t[o] or (s == t[o] and d < fac[o]):
                t[o], fac[o] = s, d
    return fac, t


@dataclass
class Route:
    """A walking route to the nearest facility: ``facility`` (position in the tree's sources, -1 if
    none), ``seconds``, ``nodes`` (street nodes in walking order), ``line`` (shapely LineString in
    the network's CRS: the point, the nodes, the facility; None when there is no route)."""

    facility: int
    seconds: float
    nodes: list
    line: object
    name: str = ""
    facility_id: str = ""

    @property
    def minutes(self) -> float:
        """Minutes of the route."""
        return self.seconds / 60.0


def route_from(net, point_snap: Snap, tree: NearestTree, i: int = 0) -> Route:
    """The route from point ``i`` of ``point_snap`` to its nearest facility along the tree.

    The street part follows the straight segments between nodes (the network's node coordinates); the
    ends join the point and the facility to their streets.
    """
    ps = retime(point_snap, net)
    fac, sec = cell_nearest(net, ps.subset([i]), tree)
    f, s = int(fac[0]), float(sec[0])
    if f < 0:
        return Route(-1, float("inf"), [], None)
    src = tree.sources
    pxy = ps.xy[i] if ps.xy is not None else None
    fxy = src.xy[f] if src.xy is not None else None
    same = ps.edge[i] == src.edge[f] and abs(
        (ps.dist_m[i] + src.dist_m[f]) / net.walk_m_per_s
        + abs(ps.pos_m[i] - src.pos_m[f]) / net.speed_m_per_s - s) < 1e-6
    nodes: list = []
    if not same:
        start = ps.u[i] if ps.offset_u_s[i] + tree.seconds[ps.u[i]] <= ps.offset_v_s[i] + tree.seconds[ps.v[i]] \
            else ps.v[i]
        a = int(start)
        while a >= 0 and len(nodes) <= net.n_nodes:
            nodes.append(a)
            a = int(tree.pred[a])
    pts = ([tuple(pxy)] if pxy is not None else []) + [tuple(net.xy[a]) for a in nodes] + \
        ([tuple(fxy)] if fxy is not None else [])
    line = shapely.LineString(pts) if len(pts) >= 2 else None
    return Route(f, s, nodes, line)


def routes_gdf(routes: dict, crs) -> gpd.GeoDataFrame:
    """Routes keyed by service as a GeoDataFrame (``service``, ``minutes``, geometry); none-routes left out."""
    rows = [(k, r.minutes, r.line) for k, r in routes.items() if r.line is not None]
    return gpd.GeoDataFrame({"service": [r[0] for r in rows], "minutes": [r[1] for r in rows]},
                            geometry=[r[2] for r in rows], crs=crs)
