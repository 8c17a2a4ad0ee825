"""An independent computation of walking minutes, for cross-checking the production engine.

Written from the documented rule, not from the engine's code: every point (home cell or facility)
joins the street segment nearest to it (straight-line walk at walking pace), at the position along
the segment's drawn line carried over to the segment's stated ``length``; farther than
:data:`layers.norms.MAX_SNAP_M` from any street it is left out. The street segments holding
points are split at them, so a home and a facility on the same street meet directly. Shortest
paths come from ``networkx.multi_source_dijkstra_path_length`` on an undirected graph (walking
ignores one-way rules), every parallel segment and loop kept as its own edge.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import shapely
from shapely import LineString

from layers.norms import MAX_SNAP_M


def _segments(G):
    """(u, v, length_m, line) for every edge of ``G``, each undirected street once."""
    seen, out = set(), []
    for u, v, k, d in G.edges(keys=True, data=True):
        line = d.get("geometry")
        if line is None:
            line = LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])
        # the reverse twin of a two-way street has the same geometry reversed: keep one copy
        key = (min(u, v), max(u, v), round(float(d["length"]), 6), shapely.normalize(line).wkb)
        if key in seen:
            continue
        seen.add(key)
        out.append((u, v, float(d["length"]), line))
    return out


def walk_minutes(G, cells_xy, sites_xy, m_per_min: float = 60.0, cutoff_min: float | None = None):
    """Minutes from each cell to its nearest site along ``G`` (``inf`` where none is reachable).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Projected street graph (``x``/``y`` on nodes, ``length`` and optional ``geometry`` on edges).
    cells_xy, sites_xy : array (n, 2)
        Points in the graph's CRS (metres).
    m_per_min : float
        Walking pace, on and off the network.
    cutoff_min : float, optional
        Search limit (cells beyond get ``inf``).
    """
    segs = _segments(G)
    lines = np.array([s[3] for s in segs], dtype=object)
    tree = shapely.STRtree(lines)
    H = nx.MultiGraph()
    H.add_nodes_from(G.nodes)
    on_seg: dict[int, list] = {}

    def attach(xy, tag):
        pts = shapely.points(np.asarray(xy, float).reshape(-1, 2))
        if len(pts) == 0:
            return np.zeros(0, bool)
        idx, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
        ok = np.zeros(len(pts), bool)
        for i, e, d in zip(idx[0], idx[1], dist):
            if d > MAX_SNAP_M:
                continue
            ok[i] = True
            line = lines[e]
            frac = shapely.line_locate_point(line, pts[i]) / line.length if line.length > 0 else 0.0
            on_seg.setdefault(int(e), []).append((min(max(frac, 0.0), 1.0) * segs[e][2], (tag, int(i)), float(d)))
        return ok

    cell_ok = attach(cells_xy, "cell")
    attach(sites_xy, "site")
    for e, (u, v, length, _) in enumerate(segs):
        pts = sorted(on_seg.get(e, []), key=lambda t: t[0])
        if not pts:
            H.add_edge(u, v, w=length)
            continue
        prev, prev_pos = u, 0.0
        for pos, name, _ in pts:
            foot = ("foot", e, name)
            H.add_edge(prev, foot, w=pos - prev_pos)
            prev, prev_pos = foot, pos
        H.add_edge(prev, v, w=length - prev_pos)
        for pos, name, d in pts:
            H.add_edge(("foot", e, name), name, w=d)
    sources = [n for n in H.nodes if isinstance(n, tuple) and n[0] == "site"]
    out = np.full(len(cell_ok), np.inf)
    if not sources:
        return out
    cutoff = None if cutoff_min is None else cutoff_min * m_per_min
    dist = nx.multi_source_dijkstra_path_length(H, sources, cutoff=cutoff, weight="w")
    for i in np.flatnonzero(cell_ok):
        out[i] = dist.get(("cell", int(i)), np.inf) / m_per_min
    return out


def population_share(minutes, pop, limit_min: float) -> float:
    """Share of ``pop`` with ``minutes <= limit_min``."""
    pop = np.asarray(pop, float)
    return float(pop[np.asarray(minutes) <= limit_min].sum() / pop.sum())
