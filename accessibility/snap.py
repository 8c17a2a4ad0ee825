"""Snapping points (homes, facilities) onto the street network, with the off-network walk.

A point joins the network at the nearest point of the nearest street *segment* (not the nearest
node: on a long block the nearest node can be hundreds of metres further than the street in front
of the door). From there it can go either way along the segment, so a :class:`Snap` keeps
**both ends** with their offsets::

    offset_u_s = dist_m / walk speed + pos_m / network speed             (to the u end)
    offset_v_s = dist_m / walk speed + (edge_len - pos_m) / network speed  (to the v end)

The snapped segment itself is taken as walkable both ways (true of the walking networks built
here, which ignore one-way tags; on a directed network the along-segment part of an offset may
run against a one-way street). Shortest-path code (:mod:`accessibility.reach`) starts from / ends at both ends with these
offsets, which is exact; ``node`` / ``offset_s`` name the cheaper end for callers that want one
node per point.

Why shapely's STRtree and not a KDTree over sample points: the STRtree's nearest search returns
the exact nearest segment and its exact distance in vectorised GEOS calls; a KDTree over points
sampled along the segments is only as exact as its sampling step and needs a refinement pass over
candidate segments to be exact. Measured at a million nodes (555,744 cells, 1.65 M segments): a
scipy ``cKDTree`` over segment pieces cut to <= 75 m, the exact distance to the candidates in numpy
and the STRtree only for near-ties gave the very same segments and distances, but for 0.7-0.9 of the
STRtree's CPU time (index builds included; four variants tried) and, from the arrays' sizes, about
a gigabyte more memory at four million nodes — not worth hand-written geometry. What large snaps
do instead, all in shapely: ask the tree for the few segments within 15, 40, then 120 m of a point
and measure them (:func:`_nearest_segments`: the nearest search's very result at 0.55-0.6 of its
CPU time), and use the cores — shapely 2 releases the GIL inside the tree's queries, ``distance``
and ``line_locate_point``, so the points are split into chunks run on a thread pool
(:func:`_nearest_chunked`), with results identical to one call.

Every street segment of the network is a candidate — parallel streets between the same junctions
and loop streets included (:class:`~accessibility.network.TravelNetwork` keeps each as its own
segment), so a home beside a crescent snaps to the crescent, not to the straight street behind it.
The rule, in full: a segment is a street from junction to junction (after osmnx's
simplification); a point joins the nearest point of the nearest segment (straight-line distance in
the projected CRS); its position along the segment is the fraction of the segment's drawn line
times the segment's network length (so offsets agree with the matrix weights); off-network part at
walking speed, along-segment part at network speed, both ends tried, and a source on the very
segment of a point is reached along it directly (:mod:`accessibility.reach`). Ties between equally
near segments go to one of them. tests/osm_cases.py re-implements this rule with networkx.

Points further than :data:`layers.norms.MAX_SNAP_M` from any street are *not* silently snapped:
``ok`` is False, ``far`` lists them and the engines treat them as unreachable.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyproj
import shapely

from accessibility.cores import threads
from layers.norms import MAX_SNAP_M

__all__ = ["Snap", "snap_points", "network_key"]


@dataclass(eq=False)
class Snap:
    """Where each of ``n`` points joins the network, and at what cost.

    Attributes
    ----------
    edge : ndarray of int64, shape (n,)
        Index of the street segment in the network's edge arrays.
    u, v : ndarray of int64
        Node indices of that segment's ends.
    pos_m : ndarray of float
        Position of the snapped point along the segment from ``u`` (metres of ``edge_len``).
    dist_m : ndarray of float
        Straight off-network distance from the point to the street.
    offset_u_s, offset_v_s : ndarray of float
        Seconds from the point to node ``u`` / ``v``: off-network walk (walking speed) plus the
        along-edge part (network speed).
    node : ndarray of int64
        The cheaper of ``u`` / ``v``.
    offset_s : ndarray of float
        Seconds from the point to ``node``.
    ok : ndarray of bool
        ``dist_m <= max_snap_m``; points that are not ok never start or end a path.
    max_snap_m : float
        The limit used.
    labels : ndarray or None
        Identifiers of the points (GeoDataFrame index), used in warnings.
    mode : str
        Mode of the network whose speeds the offsets use.
    streets : tuple or None
        ``(net.streets, n_nodes, n_segments)`` of the network snapped onto: segment and node
        indices mean something only on networks with the same key (see :func:`network_key`).
    xy : ndarray (n, 2) or None
        The points' coordinates, so that a snap can be redone on other streets.
    """

    edge: np.ndarray
    u: np.ndarray
    v: np.ndarray
    pos_m: np.ndarray
    dist_m: np.ndarray
    offset_u_s: np.ndarray
    offset_v_s: np.ndarray
    ok: np.ndarray
    max_snap_m: float = MAX_SNAP_M
    labels: np.ndarray | None = None
    mode: str = "walk"
    streets: tuple | None = None
    xy: np.ndarray | None = None
    node: np.ndarray = field(init=False)
    offset_s: np.ndarray = field(init=False)

    def __post_init__(self):
        use_u = self.offset_u_s <= self.offset_v_s
        self.node = np.where(use_u, self.u, self.v)
        self.offset_s = np.where(use_u, self.offset_u_s, self.offset_v_s)

    def __len__(self) -> int:
        return len(self.edge)

    @property
    def far(self) -> np.ndarray:
        """Mask of points further than ``max_snap_m`` from any street (not snapped)."""
        return ~self.ok

    def warnings(self) -> list[str]:
        """One line per point that could not be snapped, for callers to show the user."""
        labels = self.labels if self.labels is not None else np.arange(len(self))
        return [f"{labels[i]}: {self.dist_m[i]:.0f} m from the nearest street (limit {self.max_snap_m:.0f} m), "
                "left out" for i in np.flatnonzero(self.far)]

    def subset(self, mask) -> "Snap":
        """The snap of a subset of the points (boolean mask or index array)."""
        sel = np.asarray(mask)
        return Snap(self.edge[sel], self.u[sel], self.v[sel], self.pos_m[sel], self.dist_m[sel],
                    self.offset_u_s[sel], self.offset_v_s[sel], self.ok[sel], self.max_snap_m,
                    None if self.labels is None else self.labels[sel], self.mode, self.streets,
                    None if self.xy is None else self.xy[sel])


def network_key(net) -> tuple:
    """What a snap onto ``net`` depends on: which street graph (``net.streets``) and its size."""
    return (getattr(net, "streets", "walk"), int(net.n_nodes), int(net.n_edges))


def _coords(points) -> tuple[np.ndarray, np.ndarray | None]:
    """(n, 2) coordinates and labels of a GeoSeries / GeoDataFrame / array of points."""
    if hasattr(points, "geometry"):
        geom = points.geometry
        labels = np.asarray(points.index)
        g = np.asarray(geom.values)
        if len(g) and not (shapely.get_type_id(g) == 0).all():  # polygons -> representative points
            g = np.where(shapely.get_type_id(g) == 0, g, shapely.point_on_surface(g))
        xy = shapely.get_coordinates(g) if len(g) else np.empty((0, 2))
        if len(xy) != len(g):
            raise ValueError("points must be single, non-empty geometries")
        return xy, labels
    xy = np.asarray(points, dtype=float).reshape(-1, 2)
    return xy, None


def check_crs(net, points) -> None:
    """Raise ValueError when ``points`` carry a CRS other than the network's."""
    if hasattr(points, "crs") and points.crs is not None and net.crs is not None:
        if pyproj.CRS.from_user_input(points.crs) != pyproj.CRS.from_user_input(net.crs):
            raise ValueError(f"points are in {points.crs}, the network in {net.crs}: reproject first")


#: Fewest points worth splitting over threads (below it a snap takes milliseconds).
CHUNK_MIN_POINTS = 20_000

#: Search radii (metres) tried, one after the other, before the tree's nearest-neighbour search.
#: They change the speed only, never a result (see :func:`_nearest_segments`). The demo's cells lie
#: within 15 m of a street for 63 %, within 40 m for 95 %; a point with no street within the last
#: radius gets the full search.
NEAR_RADII_M = (15.0, 40.0, 120.0)


def _nearest_segments(tree, geoms, pts) -> tuple[np.ndarray, np.ndarray]:
    """Nearest segment and its distance for each of ``pts``: the result of
    ``tree.query_nearest(pts, return_distance=True, all_matches=False)``, bit for bit, in 0.55-0.6
    of its CPU time (measured at a million nodes).

    Why not that one call: GEOS's nearest-neighbour search costs about 7 microseconds a point at a
    million nodes, while asking the tree for the segments within ``r`` of a point
    (``predicate="dwithin"``) and measuring those few (``shapely.distance``, the function the
    nearest search itself uses) costs about 4, the full searches of the last points included. The
    answer is exact when the nearest segment found lies closer than ``r`` (less a rounding margin):
    every segment at least as near is within ``r``, so it was found. When exactly one segment has
    that distance, it is the one ``query_nearest`` returns (its search is exact), with that very
    distance. Points with no segment that near, and ties (several segments at the same distance,
    e.g. a point on a junction), go to ``query_nearest`` itself, so a tie goes where it always went.
    """
    n = len(pts)
    edge = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.nan)
    rest = np.arange(n)
    for r in NEAR_RADII_M:
        if len(rest) == 0:
            break
        p = pts[rest]
        pi, li = tree.query(p, predicate="dwithin", distance=r)
        if len(pi) > 1 and (np.diff(pi) < 0).any():  # grouped by point, as GEOS returns them
            order = np.argsort(pi, kind="stable")
            pi, li = pi[order], li[order]
        d = shapely.distance(p[pi], geoms[li])
        k = len(rest)
        cnt = np.bincount(pi, minlength=k)
        has = cnt > 0
        m = np.full(k, np.inf)
        m[has] = np.minimum.reduceat(d, (np.cumsum(cnt) - cnt)[has])
        at_min = d == m[pi]
        best = np.full(k, -1, dtype=np.int64)
        best[pi[at_min]] = li[at_min]
        ok = has & (np.bincount(pi[at_min], minlength=k) == 1) & (m < r * (1.0 - 1e-9) - 1e-6)
        edge[rest[ok]] = best[ok]
        dist[rest[ok]] = m[ok]
        rest = rest[~ok]
    if len(rest):
        (ip, ie), dd = tree.query_nearest(pts[rest], return_distance=True, all_matches=False)
        edge[rest[ip]] = ie
        dist[rest[ip]] = dd
    return edge, dist


def _nearest(tree, geoms, xy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest segment, distance and fraction along that segment's line for each point of ``xy``.

    Exact nearest segment per point (:func:`_nearest_segments`; ties: one of them, the tree's
    choice); the fraction is of the segment's drawn line, so that callers carry it over to the
    graph's length (offsets then agree with the matrix weights).
    """
    pts = shapely.points(xy)
    edge, d = _nearest_segments(tree, geoms, pts)
    geom = geoms[edge]
    glen = shapely.length(geom)
    frac = np.divide(shapely.line_locate_point(geom, pts), glen, out=np.zeros(len(pts)), where=glen > 0)
    return edge, d, frac


def _nearest_chunked(tree, net, xy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_nearest` over chunks of the points ``xy`` in a thread pool of
    :func:`accessibility.cores.threads` threads (``HEDONG_THREADS``).

    Why threads work here: shapely 2 releases the GIL inside the STRtree's queries,
    ``distance``, ``line_locate_point`` and ``length`` (a pure-Python loop keeps running beside a
    query), so chunks run on separate cores. Each point's search reads the same, already built
    tree, and a point's result does not depend on the other points of its call, so the chunks'
    results are the single call's, field for field (tests/test_snap_chunked.py checks it, ties
    included). The segment lines are made before the threads start (they may be made lazily, once).
    """
    geoms = net.edge_geom
    n = len(xy)
    workers = min(threads(), max(1, n // CHUNK_MIN_POINTS))
    if workers <= 1:
        return _nearest(tree, geoms, xy)
    # a few chunks per thread, so that a thread kept waiting for a core does not hold the others up
    bounds = np.linspace(0, n, 4 * workers + 1).astype(np.int64)
    parts = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    with ThreadPoolExecutor(workers) as pool:
        out = list(pool.map(lambda sl: _nearest(tree, geoms, xy[sl]), parts))
    return tuple(np.concatenate(x) for x in zip(*out))


def snap_points(net, points, max_snap_m: float | None = None) -> Snap:
    """Snap points to the nearest street segment of ``net``.

    Parameters
    ----------
    net : accessibility.network.TravelNetwork
    points : GeoSeries, GeoDataFrame or array-like (n, 2)
        In the network's CRS (polygons are replaced by a point on their surface).
    max_snap_m : float, optional
        Off-network distance beyond which a point is reported rather than snapped
        (default :data:`layers.norms.MAX_SNAP_M`).

    Returns
    -------
    Snap
    """
    max_snap_m = MAX_SNAP_M if max_snap_m is None else float(max_snap_m)
    check_crs(net, points)
    xy, labels = _coords(points)
    if len(xy) == 0:
        e = np.empty(0, dtype=np.int64)
        f = np.empty(0)
        return Snap(e, e, e, f, f, f, f, np.empty(0, dtype=bool), max_snap_m, labels, net.mode,
                    network_key(net), xy)
    tree = net._spatial_index()
    edge, d, frac = _nearest_chunked(tree, net, xy)
    L = net.edge_len[edge]
    pos = np.clip(frac, 0.0, 1.0) * L
    walk_s = d / net.walk_m_per_s
    return Snap(
        edge=edge, u=net.edge_u[edge], v=net.edge_v[edge], pos_m=pos, dist_m=d,
        offset_u_s=walk_s + pos / net.speed_m_per_s,
        offset_v_s=walk_s + (L - pos) / net.speed_m_per_s,
        ok=d <= max_snap_m, max_snap_m=max_snap_m, labels=labels, mode=net.mode,
        streets=network_key(net), xy=xy,
    )
