"""Service areas ("15-minute circles") as polygons: the reachable streets, buffered.

How a circle is drawn
---------------------
1. One multi-source Dijkstra (:func:`accessibility.reach.nearest_seconds`) gives every node's
   seconds to the nearest facility.
2. Each street segment ``(u, v)`` of length ``L`` is reached from ``u`` for ``r_u = (B - T[u]) *
   speed`` metres and from ``v`` for ``r_v`` metres (``B`` the budget in seconds). If ``r_u + r_v
   >= L`` the whole segment is in; otherwise the *reachable parts* ``[0, r_u]`` and
   ``[L - r_v, L]`` are cut out of its geometry. A facility's own segment is also reached directly
   from its snap point, ``pos ± (B - walk) * speed``. This uses the segment's cost in both
   directions, i.e. assumes the symmetric walking network (``net.symmetric``).
3. The pieces are cut with a vectorised substring (:func:`substrings`, numpy on the coordinate
   arrays + ``shapely.linestrings``; shapely 2 has no vectorised ``substring``) and buffered by a
   **walk-off distance** (default :data:`WALK_OFF_M` = 50 m): a home within 50 m of a reached street
   counts as inside. (Exact would shrink the buffer with the time left at each point; 50 m is the
   common planning convention and under a minute's walk.)
4. The buffered pieces are unioned (:func:`buffered_union`). Since the buffer of a union is the union
   of the buffers, the pieces are first joined end to end into streets that go straight on through
   the nodes (:func:`straight_chains`): the same area from about a quarter as many polygons, which
   overlap far less (one outline per street instead of a rounded end per piece at every node), so
   the union takes about half the time (``benchmarks/bench_publish.py`` prints the ratio).

``per_facility=True`` draws one circle per facility from per-facility Dijkstra rows
(:func:`accessibility.reach.source_node_seconds`), vectorised over (facility, segment) pairs.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from accessibility.context import ComputeContext
from accessibility.coverage import DEFAULT_MINUTES, effective_mode, get_service, service_facilities
from accessibility.params import check_minutes, check_mode
from accessibility.reach import nearest_seconds, retime, source_node_seconds

__all__ = ["WALK_OFF_M", "substrings", "reachable_pieces", "straight_chains", "buffered_union", "service_area",
           "circles_gdf"]

#: Buffer around reached streets, metres (see module docstring).
WALK_OFF_M = 50.0
#: Segments per quarter circle of the buffers' round ends (4: 1.3 m error at 50 m, 20 % faster than 8).
_QUAD_SEGS = 4


def substrings(geoms: np.ndarray, start_m: np.ndarray, end_m: np.ndarray) -> np.ndarray:
    """Vectorised ``shapely.ops.substring``: the part of each line between two distances.

    Parameters
    ----------
    geoms : ndarray of LineString
    start_m, end_m : ndarray of float
        Distances along each line's own geometry (metres), ``0 <= start < end <= length``.

    Returns
    -------
    ndarray of LineString
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    if n == 0:
        return np.empty(0, dtype=object)
    start_m = np.asarray(start_m, dtype=float)
    end_m = np.asarray(end_m, dtype=float)
    xy, gi = shapely.get_coordinates(geoms, return_index=True)
    # cumulative distance of every vertex along its own line
    step = np.zeros(len(xy))
    step[1:] = np.hypot(*(xy[1:] - xy[:-1]).T)
    first = np.ones(len(xy), dtype=bool)
    first[1:] = gi[1:] != gi[:-1]
    step[first] = 0.0
    cum = np.cumsum(step)
    cum -= cum[first][np.cumsum(first) - 1]  # restart at 0 on each line
    inner = (cum > start_m[gi]) & (cum < end_m[gi])
    p0 = shapely.get_coordinates(shapely.line_interpolate_point(geoms, start_m))
    p1 = shapely.get_coordinates(shapely.line_interpolate_point(geoms, end_m))
    ids = np.concatenate([np.arange(n), gi[inner], np.arange(n)])
    key = np.concatenate([start_m, cum[inner], end_m])
    rank = np.concatenate([np.zeros(n), np.ones(inner.sum()), np.full(n, 2.0)])
    pts = np.concatenate([p0, xy[inner], p1])
    order = np.lexsort((rank, key, ids))
    return shapely.linestrings(pts[order], indices=ids[order])


def reachable_pieces(net, node_seconds: np.ndarray, budget_s: float, source_snap=None):
    """Reached parts of street segments, as (segment index, start metres, end metres).

    Parameters
    ----------
    net : TravelNetwork
    node_seconds : ndarray, shape (n_nodes,) or (k, n_nodes)
        Seconds to the nearest source per node (one row per group for per-facility circles).
    budget_s : float
        Travel budget.
    source_snap : Snap, optional
        Sources, to add the direct reach along their own segment. For 2-D ``node_seconds`` row
        ``i`` belongs to source ``i``.

    Returns
    -------
    group, edge : ndarray of int64
        Row of ``node_seconds`` (0 for 1-D input) and segment index of each piece.
    start, end : ndarray of float
        Piece bounds in metres of the segment's graph length, ``start < end``.
    """
    T = np.atleast_2d(node_seconds)
    sp_ = net.speed_m_per_s
    L = net.edge_len[None, :]
    ru = np.clip((budget_s - T[:, net.edge_u]) * sp_, 0, None)  # (k, m); inf times -> 0
    rv = np.clip((budget_s - T[:, net.edge_v]) * sp_, 0, None)
    full = ru + rv >= L
    g1, e1 = np.nonzero(full)
    gu, eu = np.nonzero(~full & (ru > 0))
    gv, ev = np.nonzero(~full & (rv > 0))
    group = [g1, gu, gv]
    edge = [e1, eu, ev]
    start = [np.zeros(len(e1)), np.zeros(len(eu)), (L[0, ev] - rv[gv, ev])]
    end = [L[0, e1], ru[gu, eu], L[0, ev]]
    if source_snap is not None and len(source_snap):
        s = retime(source_snap, net)
        rem = (budget_s - s.dist_m / net.walk_m_per_s) * sp_
        keep = s.ok & (rem > 0)
        idx = np.flatnonzero(keep)
        e = s.edge[idx]
        group.append(idx if T.shape[0] > 1 else np.zeros(len(idx), dtype=np.int64))
        edge.append(e)
        start.append(np.clip(s.pos_m[idx] - rem[idx], 0, None))
        end.append(np.minimum(s.pos_m[idx] + rem[idx], net.edge_len[e]))
    group, edge = np.concatenate(group).astype(np.int64), np.concatenate(edge).astype(np.int64)
    start, end = np.concatenate(start), np.concatenate(end)
    ok = end > start
    return group[ok], edge[ok], start[ok], end[ok]


def _pieces_to_lines(net, edge, start, end) -> np.ndarray:
    """Cut pieces (graph metres) out of the segment geometries (geometry metres)."""
    geoms = net.edge_geom[edge]
    glen = shapely.length(geoms)
    scale = np.divide(glen, net.edge_len[edge], out=np.ones(len(edge)), where=net.edge_len[edge] > 0)
    s, e = start * scale, end * scale
    whole = (s <= 0) & (e >= glen)
    out = geoms.copy()
    part = ~whole
    if part.any():
        out[part] = substrings(geoms[part], s[part], e[part])
    return out


def straight_chains(lines: np.ndarray) -> np.ndarray:
    """Street pieces joined end to end where a street goes straight on, one (Multi)LineString per chain.

    At every point where piece ends meet, two ends are joined when each is the other's most nearly
    opposite direction and they turn by less than 90° (at a crossing: the two halves of each street;
    at a bend: the two sides; a side street at a T stays on its own). Joined pieces are merged with
    ``shapely.line_merge``. All vectorised (numpy, ``scipy.sparse.csgraph.connected_components``).

    Parameters
    ----------
    lines : ndarray of LineString
        Pieces (at least two coordinates each); ends that meet share their coordinates (to 1 mm).

    Returns
    -------
    ndarray of LineString / MultiLineString
        Covering exactly the pieces (the union of the result is the union of ``lines``).
    """
    lines = np.asarray(lines, dtype=object)
    n = len(lines)
    if n < 2:
        return lines.copy()
    xy, gi = shapely.get_coordinates(lines, return_index=True)
    first = np.r_[0, np.flatnonzero(np.diff(gi)) + 1]
    last = np.r_[first[1:] - 1, len(xy) - 1]
    # each end's point and outward direction (unit vector); ends 0..n-1 are starts, n..2n-1 ends
    pts = np.concatenate([xy[first], xy[last]])
    out = np.concatenate([xy[first] - xy[first + 1], xy[last] - xy[last - 1]])
    norm = np.hypot(out[:, 0], out[:, 1])
    out = out / np.where(norm > 0, norm, 1.0)[:, None]
    piece = np.r_[np.arange(n), np.arange(n)]
    # ends sorted by their point (to the millimetre); every ordered pair (a, b) of distinct ends at
    # the same point
    mm = np.round(pts * 1000.0).astype(np.int64)
    order = np.lexsort((mm[:, 1], mm[:, 0]))
    starts = np.flatnonzero(np.r_[True, (mm[order][1:] != mm[order][:-1]).any(axis=1)])
    sizes = np.diff(np.r_[starts, len(order)])
    k = np.repeat(sizes, sizes)  # size of each (sorted) end's point
    a = np.repeat(np.arange(len(order)), k)
    b = np.repeat(np.repeat(starts, sizes), k) + (np.arange(len(a)) - np.repeat(np.cumsum(k) - k, k))
    keep = a != b
    a, b = order[a[keep]], order[b[keep]]
    if len(a) == 0:
        return lines.copy()
    dot = np.einsum("ij,ij->i", out[a], out[b])  # -1: straight on
    o = np.lexsort((dot, a))
    a, b, dot = a[o], b[o], dot[o]
    best_row = np.r_[True, a[1:] != a[:-1]]
    best = np.full(len(pts), -1)
    best[a[best_row]] = np.where(dot[best_row] < 0.0, b[best_row], -1)
    ends = np.flatnonzero(best >= 0)
    mutual = ends[(best[best[ends]] == ends) & (ends < best[ends])]
    graph = coo_matrix((np.ones(len(mutual)), (piece[mutual], piece[best[mutual]])), shape=(n, n))
    _, chain = connected_components(graph, directed=False)
    o = np.argsort(chain, kind="stable")
    return shapely.line_merge(shapely.multilinestrings(lines[o], indices=chain[o]))


def buffered_union(lines: np.ndarray, walk_off_m: float = WALK_OFF_M, *, chains: bool = True):
    """The union of the lines buffered by ``walk_off_m`` (round ends, :data:`_QUAD_SEGS` per quarter).

    ``chains=True`` buffers :func:`straight_chains` of the lines; ``False`` buffers every piece on
    its own (the method before; the same area up to the arcs' approximation — a test checks both on
    the demo).
    """
    lines = np.asarray(lines, dtype=object)
    if len(lines) == 0:
        return shapely.Polygon()
    parts = straight_chains(lines) if chains else lines
    # Buffer every part (vectorised) and cascade-union the polygons. Measured on Helsinki
    # (3,300 pieces): 0.3 s, against 30-40 s for buffering the unioned multi-line in one call,
    # where GEOS spends its time on the self-overlapping offset curves.
    return shapely.union_all(shapely.buffer(parts, walk_off_m, quad_segs=_QUAD_SEGS))


def service_area(net, source_snap, minutes: float, walk_off_m: float = WALK_OFF_M):
    """The area within ``minutes`` of any source: reached streets buffered by ``walk_off_m``.

    Parameters
    ----------
    net : TravelNetwork
    source_snap : Snap
        The facilities.
    minutes : float
        Travel budget at the network's speed (offsets included).
    walk_off_m : float
        Buffer around reached streets, metres.

    Returns
    -------
    shapely geometry
        A (Multi)Polygon; empty when nothing is reached.
    """
    budget = float(minutes) * 60.0
    T = nearest_seconds(net, source_snap, limit_s=budget)
    _, edge, start, end = reachable_pieces(net, T, budget, source_snap)
    if len(edge) == 0:
        return shapely.Polygon()
    return buffered_union(_pieces_to_lines(net, edge, start, end), walk_off_m)


def _per_facility_areas(net, source_snap, minutes: float, walk_off_m: float) -> np.ndarray:
    """One service-area polygon per source (array aligned with ``source_snap``)."""
    budget = float(minutes) * 60.0
    out = np.empty(len(source_snap), dtype=object)
    out[:] = shapely.Polygon()
    for start_row, D in source_node_seconds(net, source_snap, limit_s=budget):
        k = D.shape[0]
        sub = source_snap.subset(np.arange(start_row, start_row + k))
        g, edge, s, e = reachable_pieces(net, D, budget, sub)
        if len(edge) == 0:
            continue
        polys = shapely.buffer(_pieces_to_lines(net, edge, s, e), walk_off_m, quad_segs=_QUAD_SEGS)
        order = np.argsort(g, kind="stable")
        groups, first = np.unique(g[order], return_index=True)
        # The buffering above is one vectorised call over all (facility, piece) pairs; only the
        # final per-facility union is a loop (GEOS has no grouped union), on the output side.
        for grp, part in zip(groups, np.split(polys[order], first[1:])):
            out[start_row + grp] = shapely.union_all(part)
    return out


def circles_gdf(area, service, minutes: float | None = None, per_facility: bool = False, *, mode: str | None = None,
                facilities=None, walk_off_m: float = WALK_OFF_M):
    """Service-area polygons of one service as a GeoDataFrame (what ``hedong circles`` writes).

    Parameters
    ----------
    area : gis.study_area.StudyArea
    service : str or layers.families.Service
        Service key (``fitness``, ``primary`` ...) or record.
    minutes : float, optional
        Budget; default :data:`accessibility.coverage.DEFAULT_MINUTES` (15).
    per_facility : bool
        One row per facility instead of one dissolved circle.
    mode : str, optional
        ``walk`` or ``bike`` (see :func:`accessibility.coverage.effective_mode`).
    facilities : GeoDataFrame, optional
        A facility layer replacing ``area.facilities`` (scenarios).
    walk_off_m : float
        Buffer around reached streets.

    Returns
    -------
    GeoDataFrame
        Columns ``service``, ``minutes``, ``mode``, ``population`` (residents whose network time,
        offsets included, is within the budget), ``demand`` (same for the service's demand
        cohort), ``demand_column``, ``area_km2``; per facility also ``facility_id`` and ``name``.
        CRS of the area.
    """
    svc = get_service(service)
    minutes = DEFAULT_MINUTES if check_minutes(minutes) is None else float(minutes)
    check_mode(mode, allowed="speeds")
    m = effective_mode(svc, mode)
    ctx = ComputeContext.for_area(area)
    net = ctx.network(m)
    fac = service_facilities(area if facilities is None else facilities, svc)
    fsnap = ctx.facility_snap(fac, m)
    pop = area.population["pop_total"].to_numpy(float)
    dem = area.population[svc.demand].to_numpy(float)
    budget = minutes * 60.0
    base = {"service": svc.key, "minutes": minutes, "mode": m, "demand_column": svc.demand}
    if not per_facility:
        geom = ctx.service_area(fac, m, minutes, walk_off_m,
                                lambda net_, snap_: service_area(net_, snap_, minutes, walk_off_m))
        # unlimited search: the same cells within the budget, and the times the coverage of the same
        # service already asked for (cached by the context)
        cov = ctx.seconds(fac, m) <= budget
        row = {**base, "facilities": len(fac), "population": float(pop[cov].sum()),
               "demand": float(dem[cov].sum()), "area_km2": shapely.area(geom) / 1e6}
        return gpd.GeoDataFrame([row], geometry=[geom], crs=area.crs)
    geoms = _per_facility_areas(net, fsnap, minutes, walk_off_m)
    o, d, _ = ctx.pairs(fac, budget, m)
    popf = np.bincount(d, weights=pop[o], minlength=len(fac))
    demf = np.bincount(d, weights=dem[o], minlength=len(fac))
    df = {
        "facility_id": fac["facility_id"].to_numpy() if "facility_id" in fac else np.arange(len(fac)),
        "name": fac["name"].to_numpy() if "name" in fac else [""] * len(fac),
        **{k: [v] * len(fac) for k, v in base.items()},
        "population": popf, "demand": demf, "area_km2": shapely.area(geoms) / 1e6,
    }
    return gpd.GeoDataFrame(df, geometry=list(geoms), crs=area.crs)
