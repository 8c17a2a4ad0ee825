"""Shortest travel times on a :class:`~accessibility.network.TravelNetwork` (scipy.sparse.csgraph).

Direction. Every function here answers "how long from a home (or node) *to* a facility": the
Dijkstra runs *from* the facilities over the transposed matrix ``net.csr_t``, which gives exactly
the origin-to-facility times on any directed graph. On a walking network the matrix is symmetric
(``net.symmetric``), so the same numbers are also facility-to-home times.

Exact offsets. A facility joins the network part-way along a segment (see
:mod:`accessibility.snap`). Instead of a Python loop over facilities, all of them hang off one
*virtual super-source* row appended to the matrix: an edge ``S -> u`` weighted ``offset_u_s`` and
``S -> v`` weighted ``offset_v_s`` per facility (the cheaper one kept when facilities share an
end). One single-source Dijkstra from ``S`` is then exactly the multi-source "seconds to the
nearest facility, offsets included" for every node, in one C call.

The one path a node-based search cannot see — a home and a facility on the *same* segment, which
meet along the segment without passing an end — is added exactly in :func:`cell_seconds` and
:func:`od_pairs` when the source snap is given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from accessibility.snap import Snap, network_key, snap_points

__all__ = ["nearest_seconds", "cell_seconds", "od_pairs", "source_node_seconds", "retime", "super_source_edges",
           "super_source_seconds"]

#: Upper bound of float cells held by one batch of per-source Dijkstra rows (about 80 MB).
_BATCH_CELLS = 10_000_000


def retime(snap: Snap, net) -> Snap:
    """The same snap with offsets at ``net``'s speeds (snaps are geometric; times depend on mode).

    Parameters
    ----------
    snap : Snap
        A snap of the same points; made on other streets (another ``network_key``), it is
        redone on ``net``'s streets.
    net : TravelNetwork
    """
    if snap.streets is not None and snap.xy is not None and snap.streets != network_key(net):
        # Made on other streets (the walking graph, asked for the cycling one): snap again.
        again = snap_points(net, snap.xy, max_snap_m=snap.max_snap_m)
        again.labels = snap.labels
        return again
    if snap.mode == net.mode:
        return snap
    walk_s = snap.dist_m / net.walk_m_per_s
    L = net.edge_len[snap.edge]
    return Snap(snap.edge, snap.u, snap.v, snap.pos_m, snap.dist_m,
                walk_s + snap.pos_m / net.speed_m_per_s, walk_s + (L - snap.pos_m) / net.speed_m_per_s,
                snap.ok, snap.max_snap_m, snap.labels, net.mode, snap.streets, snap.xy)


def _with_virtual_rows(M: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray, w: np.ndarray, k: int) -> sp.csr_matrix:
    """``M`` grown by ``k`` virtual nodes whose out-edges are ``(rows[i] -> cols[i], w[i])``.

    ``rows`` are virtual-node numbers 0..k-1. Duplicate (row, col) pairs keep the smallest weight
    (csgraph would otherwise see two parallel entries). Virtual nodes get no in-edges, so no path
    ever passes through one. Built by concatenating CSR arrays: O(nnz), no format conversion.
    """
    n = M.shape[0]
    counts, cols, w = virtual_tail(rows, cols, w, k)
    indptr = np.concatenate([M.indptr, M.indptr[-1] + np.cumsum(counts)])
    data = np.concatenate([M.data, w])
    indices = np.concatenate([M.indices, cols]).astype(M.indices.dtype, copy=False)
    # rows are sorted, cols sorted within a row: canonical CSR, nothing for scipy to fix up.
    return sp.csr_matrix((data, indices, indptr), shape=(n + k, n + k))


def virtual_tail(rows: np.ndarray, cols: np.ndarray, w: np.ndarray, k: int):
    """The rows ``_with_virtual_rows`` appends: (edges per virtual node, their columns, their weights),
    sorted by virtual node then column, one edge per (row, col) pair — the smallest weight.

    Shared with the worker processes of :mod:`accessibility.parallel`, which write these rows into
    buffers of their own instead of concatenating the matrix: the same rows, so the same matrix.
    """
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return np.bincount(rows[first], minlength=k), cols[first], w[first]


def _ok_sources(net, snap: Snap) -> Snap:
    snap = retime(snap, net)
    return snap.subset(snap.ok) if not snap.ok.all() else snap


def nearest_seconds(net, source_snap: Snap, limit_s: float | None = None) -> np.ndarray:
    """Seconds from every node to the nearest source, offsets included — one Dijkstra call.

    Parameters
    ----------
    net : TravelNetwork
    source_snap : Snap
        The sources (facilities); points that are not ``ok`` are left out.
    limit_s : float, optional
        Stop the search here; nodes further away get ``inf``.

    Returns
    -------
    ndarray of float, shape (n_nodes,)
        ``inf`` where no source is reachable (within ``limit_s``).
    """
    cols, w = super_source_edges(net, source_snap)
    return super_source_seconds(net.csr_t, cols, w, limit_s)


def super_source_edges(net, source_snap: Snap) -> tuple[np.ndarray, np.ndarray]:
    """The virtual super-source's out-edges for ``source_snap`` on ``net``: node indices and seconds
    (both ends of each snapped source with its offsets; sources that are not ``ok`` left out)."""
    src = _ok_sources(net, source_snap)
    return np.concatenate([src.u, src.v]), np.concatenate([src.offset_u_s, src.offset_v_s])


def super_source_seconds(csr_t: sp.csr_matrix, cols: np.ndarray, w: np.ndarray,
                         limit_s: float | None = None) -> np.ndarray:
    """One Dijkstra from a virtual node with edges ``-> cols[i]`` of ``w[i]`` seconds over ``csr_t``.

    The kernel of :func:`nearest_seconds`, also run by the worker processes of
    :mod:`accessibility.parallel` (the same code, so the same floats). ``inf`` where unreached.
    """
    n = csr_t.shape[0]
    if len(cols) == 0:
        return np.full(n, np.inf)
    M = _with_virtual_rows(csr_t, np.zeros(len(cols), dtype=np.int64), np.asarray(cols, np.int64),
                           np.asarray(w, float), 1)
    d = dijkstra(M, directed=True, indices=n, limit=np.inf if limit_s is None else float(limit_s))
    return d[:n]


def _same_edge(origin: Snap, dest: Snap, net) -> pd.DataFrame:
    """Direct along-segment times for origins and destinations snapped to the same segment.

    Pure numpy (sort the destinations by segment, expand each origin over its segment's run of
    destinations): this runs on every coverage call, where a pandas merge cost more than the
    Dijkstra itself.

    Returns a frame with columns ``o`` (origin position), ``d`` (destination position) and ``s``.
    """
    di = np.flatnonzero(dest.ok)
    di = di[np.argsort(dest.edge[di], kind="stable")]
    de = dest.edge[di]
    # Only origins on a segment that has a destination can match: a mask over the segments picks
    # them in one gather, so the binary searches below run on those few, not on two million cells
    # (the same origins in the same order, hence the same pairs).
    on_dest = np.zeros(max(int(origin.edge.max(initial=-1)), int(de.max(initial=-1))) + 1, dtype=bool)
    on_dest[de] = True
    oi = np.flatnonzero(origin.ok & on_dest[origin.edge])
    lo = np.searchsorted(de, origin.edge[oi], side="left")
    hi = np.searchsorted(de, origin.edge[oi], side="right")
    cnt = hi - lo
    has = cnt > 0
    oi, lo, cnt = oi[has], lo[has], cnt[has]
    if len(oi) == 0:
        return pd.DataFrame({"o": np.empty(0, np.int64), "d": np.empty(0, np.int64), "s": np.empty(0)})
    o = np.repeat(oi, cnt)
    # position within each origin's run: 0..cnt-1
    within = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    d = di[np.repeat(lo, cnt) + within]
    sec = ((origin.dist_m[o] + dest.dist_m[d]) / net.walk_m_per_s
           + np.abs(origin.pos_m[o] - dest.pos_m[d]) / net.speed_m_per_s)
    return pd.DataFrame({"o": o, "d": d, "s": sec})


def cell_seconds(net, cell_snap: Snap, node_seconds: np.ndarray, source_snap: Snap | None = None) -> np.ndarray:
    """Seconds from each point (population cell) to the nearest source, its own offsets included.

    ``min(offset_u + T[u], offset_v + T[v])`` over the two ends of the cell's segment; with
    ``source_snap`` also the direct path to a source on the same segment (exact).

    Parameters
    ----------
    net : TravelNetwork
    cell_snap : Snap
        The cells (points that are not ``ok`` get ``inf``).
    node_seconds : ndarray
        From :func:`nearest_seconds`.
    source_snap : Snap, optional
        The sources given to :func:`nearest_seconds`, to add same-segment paths.

    Returns
    -------
    ndarray of float, shape (n_cells,)
    """
    cs = retime(cell_snap, net)
    # min(offset_u + T[u], offset_v + T[v]) in place (two arrays, not five, of two million cells
    # at a province; a + b is b + a in floats, so the same numbers)
    t = node_seconds.take(cs.u)
    t += cs.offset_u_s
    tv = node_seconds.take(cs.v)
    tv += cs.offset_v_s
    np.minimum(t, tv, out=t)
    del tv
    t[~cs.ok] = np.inf
    if source_snap is not None and len(source_snap):
        m = _same_edge(cs, source_snap, net)
        if len(m):
            np.minimum.at(t, m["o"].to_numpy(), m["s"].to_numpy())
    return t


def source_node_seconds(net, source_snap: Snap, limit_s: float | None = None, max_batch: int | None = None):
    """Per-source seconds to every node, in batches (one multi-row Dijkstra call per batch).

    Each source gets its own virtual node (edges to both ends of its segment with its offsets);
    one ``dijkstra(indices=<all virtual nodes of the batch>)`` call answers the batch.

    Parameters
    ----------
    net : TravelNetwork
    source_snap : Snap
        All points are computed; rows of points that are not ``ok`` are all ``inf``.
    limit_s : float, optional
        Search cut-off.

    Yields
    ------
    (start, D)
        ``D`` has shape (batch, n_nodes): seconds from node to source ``start + row``.
    """
    n = net.n_nodes
    src = retime(source_snap, net)
    m = len(src)
    # Dijkstra answers a batch of k sources with a k x (n + k) matrix (the k virtual nodes are
    # columns too): k must satisfy k * (n + k) <= _BATCH_CELLS, not k * n — 100k candidates on a
    # 117-node network asked for 54 GiB. ``max_batch`` lets a caller bound its own per-batch arrays.
    k_max = int((np.sqrt(float(n) * n + 4.0 * _BATCH_CELLS) - n) // 2)
    batch = max(1, min(m, k_max, max_batch if max_batch else m))
    lim = np.inf if limit_s is None else float(limit_s)
    for start in range(0, m, batch):
        sel = np.arange(start, min(m, start + batch))
        okm = src.ok[sel]
        k = len(sel)
        D = np.full((k, n), np.inf)
        if okm.any():
            rows = np.concatenate([np.flatnonzero(okm)] * 2)
            s = sel[okm]
            M = _with_virtual_rows(net.csr_t, rows, np.concatenate([src.u[s], src.v[s]]),
                                   np.concatenate([src.offset_u_s[s], src.offset_v_s[s]]), k)
            D = dijkstra(M, directed=True, indices=n + np.arange(k), limit=lim)[:, :n]
            D[~okm] = np.inf
        yield start, D


def od_pairs(net, origin_snap: Snap, dest_snap: Snap, limit_s: float):
    """Sparse origin -> destination travel seconds within ``limit_s``, both snap offsets included.

    Runs a limited Dijkstra *from each destination* over the transposed matrix (exact
    origin-to-destination times on any graph; on the symmetric walking network this is the usual
    "search from the ~100 schools, not from the ~10,000 homes"), in batches so memory stays
    bounded, then reads each origin's two segment ends.

    Parameters
    ----------
    net : TravelNetwork
    origin_snap : Snap
        Origins (population cells); points that are not ``ok`` get no pair.
    dest_snap : Snap
        Destinations (facilities / candidate sites); points that are not ``ok`` get no pair.
    limit_s : float
        Largest travel time kept (inclusive).

    Returns
    -------
    orig_idx, dest_idx : ndarray of int64
        Positions in ``origin_snap`` / ``dest_snap``.
    seconds : ndarray of float
        Travel time of each pair, ``<= limit_s``. Sorted by destination then origin.
    """
    limit_s = float(limit_s)
    o = retime(origin_snap, net)
    oi = np.flatnonzero(o.ok)
    ou, ov, offu, offv = o.u[oi], o.v[oi], o.offset_u_s[oi], o.offset_v_s[oi]
    O, Dd, S = [], [], []
    # T below is (batch, origins): bounded like Dijkstra's output.
    for start, D in source_node_seconds(net, dest_snap, limit_s, max_batch=_BATCH_CELLS // max(len(oi), 1)):
        T = np.minimum(offu[None, :] + D[:, ou], offv[None, :] + D[:, ov])  # (batch, n_ok_origins)
        r, c = np.nonzero(T <= limit_s)
        O.append(oi[c])
        Dd.append(start + r)
        S.append(T[r, c])
    orig = np.concatenate(O) if O else np.empty(0, np.int64)
    dest = np.concatenate(Dd) if Dd else np.empty(0, np.int64)
    sec = np.concatenate(S) if S else np.empty(0)
    m = _same_edge(o, retime(dest_snap, net), net)
    m = m[m["s"] <= limit_s]
    if len(m):
        # Merge the direct same-segment times in, keeping the smaller where a pair exists twice.
        df = pd.DataFrame({"o": np.concatenate([orig, m["o"].to_numpy()]),
                           "d": np.concatenate([dest, m["d"].to_numpy()]),
                           "s": np.concatenate([sec, m["s"].to_numpy()])})
        df = df.groupby(["d", "o"], sort=True)["s"].min().reset_index()
        orig, dest, sec = df["o"].to_numpy(np.int64), df["d"].to_numpy(np.int64), df["s"].to_numpy()
    return orig.astype(np.int64), dest.astype(np.int64), sec
