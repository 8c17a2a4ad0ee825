"""The travel network: a street graph as a scipy CSR matrix of travel seconds, per mode.

Every accessibility question (minutes to the nearest school, 15-minute circles, 2SFCA pairs)
runs on :class:`TravelNetwork`, built once per study area and mode from the osmnx-style graph of
:class:`gis.study_area.StudyArea` and kept by the area's :class:`accessibility.context.ComputeContext`.

What it holds
-------------
* ``node_ids`` — the graph's node ids, in matrix order; ``xy`` their projected coordinates (n, 2).
* ``csr`` — ``scipy.sparse.csr_matrix`` (n, n) of travel seconds ``length / speed``; parallel
  edges collapse to the fastest one. ``csr[i, j]`` is the time from node ``i`` to node ``j``.
* ``csr_t`` — its transpose (time *into* a node), used when the question is "how long from here
  *to* the nearest facility": Dijkstra from the facilities over the transposed graph gives exactly
  the origin-to-facility times even on a directed graph (for walking the two are equal; see
  :attr:`TravelNetwork.symmetric`).
  A network built undirected (every edge both ways) has one matrix for both: ``csr_t is csr``
  (and a directed one whose transpose is exactly itself); nothing changes either in place.
  Both are made on first access, not at build (``length / speed`` over the kept length matrices):
  a process whose searches all run in worker processes (:mod:`accessibility.parallel`) never
  holds them.
* edge arrays — one row per *undirected* street segment (``edge_u``, ``edge_v`` node indices,
  ``edge_len`` metres, ``edge_geom`` shapely LineStrings oriented from ``u`` to ``v``). These are
  what points snap onto and what circles cut. Every street is its own row: parallel streets
  between the same two junctions and loop streets stay (routing alone takes the fastest edge
  per node pair).

Streets per mode. Walking uses the area's walking graph (``area.graph``). Cycling uses the
area's own cycling graph (``area.bike_graph``, built from the OSM file with the bike filter of
:mod:`gis.osm_filter`, one-way streets directed) when the area has one; an area without one (the
generated demo, whose generator draws no cycling tags) rides its walking streets at cycling speed.
``streets`` names which graph a network was built from, and snaps remember it
(:func:`accessibility.reach.retime` re-snaps a point set made on other streets).

Speeds come from :data:`layers.norms.SPEEDS`; the off-network walk of a snapped point is always on
foot (:func:`walk_mode_for`).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp
import shapely

from accessibility.cores import threads
from accessibility.snap import snap_points
from layers.norms import SPEEDS

__all__ = ["TravelNetwork", "walk_mode_for", "MODES", "LazyLines"]

#: Modes a user may ask for on the command line; ``walk_elderly`` is chosen by services.
MODES = ("walk", "bike")


def walk_mode_for(mode: str) -> str:
    """The :data:`SPEEDS` key used for the off-network walk of a network of ``mode``.

    Somebody cycling still walks from the door to the street; an elderly walker walks at the
    elderly pace on and off the street.
    """
    return "walk_elderly" if mode == "walk_elderly" else "walk"


def _node_id_array(ids) -> np.ndarray:
    """Graph node ids as an array: int64 when they are integers, else objects."""
    node_ids = np.array(ids, dtype=object)
    try:
        return node_ids.astype(np.int64)
    except (TypeError, ValueError):
        return node_ids  # non-integer ids stay objects


def _check_mode(mode: str) -> None:
    if mode not in SPEEDS:
        raise ValueError(f"unknown travel mode {mode!r}: use one of {', '.join(SPEEDS)}")


@dataclass(eq=False)
class TravelNetwork:
    """A street network as arrays: CSR matrix of travel seconds plus undirected edge geometry.

    Build with :meth:`from_graph` or :meth:`for_area`; derive another speed with :meth:`for_mode`
    (shares all arrays but the weights).

    Attributes
    ----------
    node_ids : ndarray
        Graph node ids in matrix order.
    xy : ndarray of float, shape (n, 2)
        Node coordinates in ``crs``.
    csr : scipy.sparse.csr_matrix, shape (n, n)
        Travel seconds from row node to column node (fastest parallel edge).
    csr_t : scipy.sparse.csr_matrix
        ``csr.T`` in CSR form (time into a node); the very ``csr`` object when the matrix is its own
        transpose exactly (an undirected build).
    edge_u, edge_v : ndarray of int64, shape (m,)
        Node indices of each undirected street segment.
    edge_len : ndarray of float, shape (m,)
        Segment length in metres (the graph's ``length``, not the geometry's, so that
        along-edge offsets agree with the matrix weights).
    edge_geom : ndarray of shapely.LineString, shape (m,)
        Segment geometry from ``edge_u`` to ``edge_v``.
    mode : str
        Key of :data:`layers.norms.SPEEDS` used for the weights.
    speed_m_per_s : float
        Network travel speed.
    walk_m_per_s : float
        Speed of the off-network walk (door to street).
    crs : str or None
        Projected CRS of ``xy`` and ``edge_geom``.
    symmetric : bool
        True when every edge can be travelled both ways at equal cost (a walking network).
    streets : str
        Which street graph the arrays come from: ``walk`` (``area.graph``) or ``bike``
        (``area.bike_graph``). Networks that share ``streets`` share segment numbering.
    """

    node_ids: np.ndarray
    xy: np.ndarray
    csr: sp.csr_matrix
    csr_t: sp.csr_matrix
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_len: np.ndarray
    edge_geom: np.ndarray
    mode: str
    speed_m_per_s: float
    walk_m_per_s: float
    crs: object = None
    symmetric: bool = True
    streets: str = "walk"
    # the spatial index and lazily made lines, shared by every mode of these streets (for_mode)
    _shared: dict = field(default_factory=dict, repr=False)
    _length_csr: object = field(default=None, repr=False)
    # its transpose, kept so that a mode's ``csr_t`` is one division (no transposition per mode) and
    # so that a prepared network (accessibility.prepared) reloads it instead of computing it
    _length_csr_t: object = field(default=None, repr=False)
    # content key of a network kept on disk (accessibility.prepared); None for one built in memory
    _prepared: object = field(default=None, repr=False)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_graph(cls, G, mode: str = "walk", *, streets: str = "walk") -> "TravelNetwork":
        """Build from an osmnx-style projected (Multi)DiGraph.

        Parameters
        ----------
        G : networkx.MultiDiGraph
            Nodes with ``x``/``y`` in a projected CRS (``G.graph["crs"]``), edges with ``length``
            in metres and optionally ``geometry`` (a LineString; a straight line is used when
            absent). An undirected graph is taken as walkable both ways.
        mode : str
            Key of :data:`layers.norms.SPEEDS` (``walk``, ``walk_elderly``, ``bike``).
        streets : str
            Label of the street graph (``walk`` or ``bike``), see :attr:`streets`.

        Returns
        -------
        TravelNetwork

        Raises
        ------
        ValueError
            If ``mode`` is unknown, the graph is empty or an edge has no usable length.
        """
        _check_mode(mode)
        if G.number_of_nodes() == 0:
            raise ValueError("the street graph has no nodes")
        node_ids = _node_id_array(list(G.nodes))
        index = {n: i for i, n in enumerate(G.nodes)}
        xy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)], dtype=float)

        # One pass over the edges (graph construction, not a hot path).
        us, vs, lens, geoms = [], [], [], []
        multi = G.is_multigraph()
        it = G.edges(keys=True, data=True) if multi else ((u, v, 0, d) for u, v, d in G.edges(data=True))
        for u, v, _k, d in it:
            us.append(index[u])
            vs.append(index[v])
            lens.append(d.get("length", np.nan))
            geoms.append(d.get("geometry"))
        geom = np.empty(len(geoms), dtype=object)
        geom[:] = geoms
        crs = G.graph.get("crs")
        if crs is not None and hasattr(crs, "to_string"):
            crs = crs.to_string()  # pyproj CRS -> "EPSG:32635": printable, comparable, picklable
        return cls.from_edges(node_ids, xy, np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64),
                              np.asarray(lens, dtype=float), geom, directed=G.is_directed(), mode=mode,
                              streets=streets, crs=crs)

    @classmethod
    def from_street_frames(cls, frames, mode: str = "walk", *, streets: str = "walk") -> "TravelNetwork":
        """Build from a street graph's cached node and edge tables (:class:`gis.street_frames.StreetFrames`)
        without building the networkx graph.

        Equal to ``from_graph(frames.to_graph(), mode, streets=streets)`` — same node order, segment
        numbering, matrix, lengths and geometries — because :meth:`StreetFrames.edge_arrays
        <gis.street_frames.StreetFrames.edge_arrays>` gives the edges in the graph's iteration order;
        tables that are no plain image of a graph go through the graph.
        """
        arrays = frames.edge_arrays()
        if arrays is None:
            return cls.from_graph(frames.to_graph(), mode, streets=streets)
        return cls.from_edges(_node_id_array(arrays["node_ids"]), arrays["xy"], arrays["u"], arrays["v"],
                              arrays["length"], arrays["geom"], directed=arrays["directed"], mode=mode,
                              streets=streets, crs=arrays["crs"])

    @classmethod
    def from_edges(cls, node_ids, xy, u, v, length, geom=None, *, directed: bool = True, mode: str = "walk",
                   streets: str = "walk", crs=None) -> "TravelNetwork":
        """Build from arrays: what :meth:`from_graph` does after reading the graph, without networkx.

        A province-size network (millions of nodes) is built here in seconds, where a networkx
        graph of it costs minutes and gigabytes (``benchmarks/bench_scale.py``).

        Parameters
        ----------
        node_ids : ndarray, shape (n,)
        xy : ndarray of float, shape (n, 2)
            Projected node coordinates.
        u, v : ndarray of int, shape (m,)
            Node *indices* (0..n-1) of each edge.
        length : ndarray of float, shape (m,)
            Metres; NaN takes the geometry's length.
        geom : ndarray of LineString or None, shape (m,), optional
            Edge lines from ``u`` to ``v`` (None: straight lines).
        directed : bool
            False: every edge is walkable both ways (its reverse is added).
        mode, streets, crs
            As :meth:`from_graph`.

        Notes
        -----
        What is kept (the rules; see :func:`_segment_rows`, :func:`_undirected_matrix` and
        :func:`_directed_matrices` for how):

        * the length matrix holds, per directed node pair, the shortest edge (at least 1e-9 m: csgraph
          drops explicit zeros in some code paths, and a zero-length edge must stay an edge);
        * every street keeps its own segment row — parallel streets between the same two junctions
          (a crescent beside a straight street, both sides of a boulevard) and loops included, each
          with its own geometry. Only the reverse twin of a two-way street is dropped: a row whose
          unordered ends, length to the millimetre and line midpoint to the decimetre equal another's
          (the midpoint is only computed where the first three tie); of such a group the row first
          in (u, v, length, input row) order is kept, the reverse of an undirected edge counting as
          input row ``i + m``. Rows are ordered by (smaller end, larger end, length, midpoint x, y);
          each line is oriented from its ``u`` to its ``v``.
        """
        _check_mode(mode)
        xy = np.asarray(xy, dtype=float)
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        length = np.array(length, dtype=float)
        if geom is None:
            geom = np.full(len(u), None, dtype=object)
        else:
            geom = np.array(geom, dtype=object)
        if len(xy) == 0:
            raise ValueError("the street graph has no nodes")
        if len(u) == 0:
            raise ValueError("the street graph has no edges")
        n = len(node_ids)
        if min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n:
            raise ValueError(f"an edge end is not a node index (0 to {n - 1})")
        # Missing lengths: take the geometry / straight-line length (osmnx always sets length,
        # hand-built graphs may not).
        nogeom = shapely.is_missing(geom)
        if nogeom.any():
            geom[nogeom] = shapely.linestrings(np.stack([xy[u[nogeom]], xy[v[nogeom]]], axis=1))
        bad = ~np.isfinite(length)
        length[bad] = shapely.length(geom[bad])
        if (length < 0).any():
            raise ValueError("an edge has a negative length")

        a, b = np.minimum(u, v), np.maximum(u, v)
        ab = a * n + b
        order = _sort_by_ends(ab, length)
        if directed:
            length_csr, length_csr_t, symmetric = _directed_matrices(u, v, length, n)
        else:  # symmetric by construction: the matrix is its own transpose (one matrix, not two)
            length_csr = length_csr_t = _undirected_matrix(a, b, ab, length, order, n)
            symmetric = True
        sel, eu, ev = _segment_rows(u, v, a, b, ab, order, length, geom, directed)
        del a, b, ab, order
        elen, egeom = length[sel], geom[sel]
        start = _first_coordinates(egeom, eu, xy)
        # Orient each line from eu to ev (osmnx stores reversed geometry on reverse edges).
        d_u = np.hypot(start[:, 0] - xy[eu, 0], start[:, 1] - xy[eu, 1])
        d_v = np.hypot(start[:, 0] - xy[ev, 0], start[:, 1] - xy[ev, 1])
        flip = d_v < d_u
        if flip.any():
            egeom[flip] = shapely.reverse(egeom[flip])

        net = cls(
            node_ids=node_ids, xy=xy, csr=None, csr_t=None, edge_u=eu, edge_v=ev, edge_len=elen,
            edge_geom=egeom, mode=mode, speed_m_per_s=SPEEDS[mode].m_per_s,
            walk_m_per_s=SPEEDS[walk_mode_for(mode)].m_per_s, crs=crs, symmetric=symmetric,
            streets=streets, _length_csr=length_csr, _length_csr_t=length_csr_t,
        )
        return net  # csr / csr_t are made on first access (_set_weights)

    def _set_weights(self) -> None:
        """Fill ``csr`` / ``csr_t`` from the length matrix and the speed (whichever is still None).

        Called on first access of either (the :attr:`csr` / :attr:`csr_t` properties), not at build:
        a process whose searches run in worker processes (:mod:`accessibility.parallel`, which maps
        the length matrix and divides by the speed itself) never holds a mode's weights (issue 28:
        about 424 MiB at 4 M nodes for walk and walk_elderly). Under one lock, so that two threads
        asking at once get the same objects (and ``csr_t is csr`` stays true where it should).
        """
        # The weight matrices share the length matrices' index arrays (one new data array each); a
        # network whose length matrix is its own transpose (undirected) shares one matrix for both.
        with _WEIGHTS_LOCK:
            d = self.__dict__
            L, Lt = self._length_csr, self._length_csr_t
            if d.get("_csr") is None:
                d["_csr"] = sp.csr_matrix((L.data / self.speed_m_per_s, L.indices, L.indptr), shape=L.shape)
            if d.get("_csr_t") is None:
                if Lt is None:
                    Lt = self._length_csr_t = L.T.tocsr()
                    Lt.sort_indices()
                if Lt is L:
                    d["_csr_t"] = d["_csr"]
                else:
                    d["_csr_t"] = sp.csr_matrix((Lt.data / self.speed_m_per_s, Lt.indices, Lt.indptr),
                                                shape=Lt.shape)

    @property
    def weights_made(self) -> bool:
        """Whether ``csr`` / ``csr_t`` exist yet (they are made on first access)."""
        return self.__dict__.get("_csr") is not None and self.__dict__.get("_csr_t") is not None

    def for_mode(self, mode: str) -> "TravelNetwork":
        """The same streets at another mode's speed (arrays and spatial index shared, weights new).

        Parameters
        ----------
        mode : str
            Key of :data:`layers.norms.SPEEDS`.
        """
        _check_mode(mode)
        if mode == self.mode:
            return self
        # edge_geom passed as stored (lines not yet made stay so; the spatial index is shared via _shared)
        net = replace(self, mode=mode, speed_m_per_s=SPEEDS[mode].m_per_s,
                      walk_m_per_s=SPEEDS[walk_mode_for(mode)].m_per_s, csr=None, csr_t=None,
                      edge_geom=self.__dict__["_edge_geom"])
        return net  # its csr / csr_t are made on first access (_set_weights)

    # ------------------------------------------------------------------ properties

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        """Number of undirected street segments."""
        return len(self.edge_u)

    @property
    def edge_seconds(self) -> np.ndarray:
        """Travel seconds of each undirected segment at the network speed."""
        return self.edge_len / self.speed_m_per_s

    def _spatial_index(self):
        """The STRtree over edge geometries (built lazily, shared between modes)."""
        tree = self._shared.get("tree")
        if tree is None:
            tree = shapely.STRtree(self.edge_geom)
            # GEOS may build a tree on its first query; one query here, before it is shared, means
            # snaps querying it from several threads (accessibility.snap) never race on that build.
            tree.query(shapely.points(0.0, 0.0))
            self._shared["tree"] = tree
        return tree

    # ------------------------------------------------------------------ snapping

    def snap(self, points, max_snap_m: float | None = None):
        """Snap points to the nearest point of the nearest street segment.

        See :func:`accessibility.snap.snap_points` (this is a shortcut).
        """
        return snap_points(self, points, max_snap_m=max_snap_m)

    def __repr__(self) -> str:  # the dataclass repr would print whole arrays
        return (f"TravelNetwork(mode={self.mode!r}, nodes={self.n_nodes}, segments={self.n_edges}, "
                f"speed={self.speed_m_per_s * 60:.0f} m/min, crs={self.crs!r})")



# ---------------------------------------------------------------------- building blocks of from_edges
# Hand-written with numpy rather than scipy's COO -> CSR conversion and a five-key row sort: the
# edges come nearly sorted from a graph, so one stable integer sort (timsort runs) plus counting
# gives the matrices and the segment rows in a fraction of the time and memory
# (benchmarks/bench_scale.py; tests/test_network_build.py checks them against the plain rules).

def _first_coordinates(geom: np.ndarray, u: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """(m, 2) first vertex of each line (an empty line: its ``u`` node, so it is never flipped)."""
    num = shapely.get_num_coordinates(geom)
    first_at = np.cumsum(num) - num
    coords = shapely.get_coordinates(geom)
    ok = num > 0
    if ok.all():
        return coords[first_at]
    out = xy[u]
    out[ok] = coords[first_at[ok]]
    return out


def _runs(s: np.ndarray, same: np.ndarray):
    """(start, size) of the runs of tied neighbours in ``s`` (``same[i]``: ``s[i]`` ties ``s[i + 1]``)."""
    edge = np.diff(np.concatenate([[False], same, [False]]).astype(np.int8))
    start, stop = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)
    return start, stop - start + 1


def _run_positions(start: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Every position of the runs ``(start, size)``, in order."""
    return np.repeat(start - (np.cumsum(size) - size), size) + np.arange(size.sum())


def _midpoints(lines: np.ndarray, chunk: int = 200_000) -> np.ndarray:
    """(k, 2) point halfway along each line. In chunks, on up to two threads (``HEDONG_THREADS``, via
    :func:`accessibility.cores.threads`: 1 keeps it on this thread): shapely releases the GIL (two
    cores share the work), and only two chunks' Point objects exist at once (a point object per line
    of a province would cost more memory than the rest of the build)."""
    def mid(part):
        return shapely.get_coordinates(shapely.line_interpolate_point(part, 0.5, normalized=True))

    workers = min(2, threads())
    if len(lines) <= chunk or workers < 2:
        return np.concatenate([mid(lines[i:i + chunk]) for i in range(0, len(lines), chunk)]) if len(lines) else mid(lines)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return np.concatenate(list(pool.map(mid, (lines[i:i + chunk] for i in range(0, len(lines), chunk)))))


def _sort_by_ends(ab: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Order of the edges by (unordered ends ``ab``, length), stable."""
    order = np.argsort(ab, kind="stable")
    s = ab[order]
    same = s[1:] == s[:-1]
    if same.any():  # edges sharing their ends (a street drawn both ways, parallel streets)
        start, size = _runs(s, same)
        # pairs (most: the two directions of a street) by one swap, longer runs by a sort
        p = start[size == 2]
        swap = p[length[order[p]] > length[order[p + 1]]]
        order[swap], order[swap + 1] = order[swap + 1], order[swap]
        long = size > 2
        if long.any():
            pos = _run_positions(start[long], size[long])
            rows = order[pos]
            order[pos] = rows[np.lexsort((length[rows], ab[rows]))]
    return order


def _csr(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n: int) -> sp.csr_matrix:
    """A canonical CSR matrix from arrays already in row order with sorted columns (the index dtype
    scipy's own COO conversion picks: int32 while it fits)."""
    idx = np.int32 if max(n, len(data)) <= np.iinfo(np.int32).max else np.int64
    M = sp.csr_matrix((data, indices.astype(idx, copy=False), indptr.astype(idx, copy=False)), shape=(n, n))
    M.sort_indices()  # a check only: the columns are sorted, this sets the flag
    return M


def _undirected_matrix(a: np.ndarray, b: np.ndarray, ab: np.ndarray, length: np.ndarray, order: np.ndarray,
                       n: int) -> sp.csr_matrix:
    """Symmetric length matrix of undirected edges (ends ``a`` <= ``b``, ``ab`` their pair number), with
    ``order`` sorting them by (pair, length): the shortest edge per pair, both ways (a loop once)."""
    s_ab = ab[order]
    first = np.ones(len(s_ab), dtype=bool)
    first[1:] = s_ab[1:] != s_ab[:-1]
    del s_ab
    keep = order[first]
    idx = np.int32 if max(n, 2 * len(keep)) <= np.iinfo(np.int32).max else np.int64  # as scipy would pick
    pa, pb = a[keep].astype(idx), b[keep].astype(idx)
    pl = np.maximum(length[keep], 1e-9)
    # Row r holds (r, a) for pairs a < r = b, then (r, b) for pairs r = a <= b: listed in that order
    # (both already sorted by column within a row), scipy's stable COO -> CSR placement gives a
    # canonical matrix with no sort (its canonical-format check then finds nothing to do). The COO
    # arrays are filled in place: at a province size every temporary array costs page faults.
    off = pa != pb
    t = int(np.count_nonzero(off))
    rows, cols = np.empty(t + len(pa), dtype=idx), np.empty(t + len(pa), dtype=idx)
    data = np.empty(t + len(pa))
    np.compress(off, pb, out=rows[:t])
    np.compress(off, pa, out=cols[:t])
    np.compress(off, pl, out=data[:t])
    rows[t:], cols[t:], data[t:] = pa, pb, pl
    del pa, pb, pl, off
    L = sp.csr_matrix((data, (rows, cols)), shape=(n, n))
    L.sort_indices()
    return L


def _directed_matrices(u: np.ndarray, v: np.ndarray, length: np.ndarray, n: int):
    """(length matrix, its transpose, symmetric) of directed edges: the shortest edge per (u, v).
    The transpose *is* the matrix when they are equal (a walking graph drawn both ways)."""
    key = u * n + v
    order = np.argsort(key, kind="stable")
    k = key[order]
    starts = np.flatnonzero(np.concatenate([[True], k[1:] != k[:-1]]))
    dlen = np.maximum(np.minimum.reduceat(length[order], starts), 1e-9)
    rows = order[starts]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u[rows], minlength=n), out=indptr[1:])
    L = _csr(indptr, v[rows], dlen, n)
    Lt = L.T.tocsr()
    Lt.sort_indices()
    if np.array_equal(L.indptr, Lt.indptr) and np.array_equal(L.indices, Lt.indices):
        symmetric = bool(np.abs(L.data - Lt.data).max() <= 1e-6)
        if np.array_equal(L.data, Lt.data):
            Lt = L
    else:
        symmetric = bool(abs(L - Lt).max() <= 1e-6)
    return L, Lt, symmetric


def _lex_less(x: tuple, y: tuple) -> np.ndarray:
    """Elementwise: is the key tuple ``x`` (arrays, most significant first) below ``y``?"""
    less = np.zeros(len(x[0]), dtype=bool)
    equal = np.ones(len(x[0]), dtype=bool)
    for a, b in zip(x, y):
        less |= equal & (a < b)
        equal &= a == b
    return less


def _segment_rows(u, v, a, b, ab, order, length, geom, directed: bool):
    """(rows of the input kept as segments, in segment order; their u; their v) — see the rules in
    :meth:`TravelNetwork.from_edges`. ``order``: the edges sorted by (``ab``, length)."""
    m = len(u)
    if directed:
        ru, rv, ridx = u, v, np.arange(m)
    else:
        # of an edge and its reverse (input row i + m) the one from the smaller end comes first
        ru, rv = a, b
        ridx = np.arange(m)
        ridx[u > v] += m
    s_ab, rl = ab[order], np.round(length[order] * 1e3)
    same = (s_ab[1:] == s_ab[:-1]) & (rl[1:] == rl[:-1])
    keep = np.ones(m, dtype=bool)
    if not same.any():
        sel = order
        return sel, ru[sel], rv[sel]
    # Rows that tie on ends and rounded length (a two-way street drawn both ways, equal parallel
    # streets): only these need the midpoint, the costly part of the twin key.
    order = order.copy()
    start, size = _runs(s_ab, same)
    pos = _run_positions(start, size)
    rows = order[pos]
    mid = np.round(_midpoints(geom[rows]) * 10)
    mx = np.empty(m)
    my = np.empty(m)
    mx[rows], my[rows] = mid[:, 0], mid[:, 1]
    # Ties of two rows (nearly all): one is dropped when both have the same rounded midpoint (the
    # later in (u, v, length, input row) order), else they are ordered by (length, midpoint).
    p = start[size == 2]
    x, y = order[p], order[p + 1]
    twin = (mx[x] == mx[y]) & (my[x] == my[y])
    later = _lex_less((ru[y], rv[y], length[y], ridx[y]), (ru[x], rv[x], length[x], ridx[x]))
    swap = np.where(twin, later, _lex_less((length[y], mx[y], my[y]), (length[x], mx[x], my[x])))
    order[p[swap]], order[p[swap] + 1] = y[swap], x[swap]
    keep[p[twin] + 1] = False
    long = size > 2
    if long.any():  # three or more: the general rule, by sorting
        pos = _run_positions(start[long], size[long])
        rows = order[pos]
        r_ab, r_rl, r_len, r_mx, r_my = ab[rows], rl[pos], length[rows], mx[rows], my[rows]
        rank = np.empty(len(rows), dtype=np.int64)
        rank[np.lexsort((ridx[rows], r_len, rv[rows], ru[rows]))] = np.arange(len(rows))
        by_key = np.lexsort((rank, r_my, r_mx, r_rl, r_ab))
        new_key = np.zeros(len(rows), dtype=bool)
        new_key[0] = True
        for col in (r_ab, r_rl, r_mx, r_my):
            c = col[by_key]
            new_key[1:] |= c[1:] != c[:-1]
        first = np.zeros(len(rows), dtype=bool)
        first[by_key[new_key]] = True  # the first row of each twin group
        final = np.lexsort((r_my, r_mx, r_len, r_ab))
        order[pos], keep[pos] = rows[final], first[final]
    sel = order[keep]
    return sel, ru[sel], rv[sel]


class LazyLines:
    """Segment lines made on first use: a prepared network (:mod:`accessibility.prepared`) reloads
    its line coordinates and makes the shapely objects only when something draws, cuts or snaps
    onto them (making 1.6 M lines costs about as much as loading everything else).

    ``make`` is called once, with no arguments, and must return the object array of lines.
    Shared by every mode of the same streets, so the lines are made once.
    """

    def __init__(self, make):
        self._make = make
        self._lines = None
        self._lock = threading.Lock()

    def get(self) -> np.ndarray:
        """The lines (made now if not yet)."""
        with self._lock:
            if self._lines is None:
                self._lines = self._make()
                self._make = None
            return self._lines

    @property
    def made(self) -> bool:
        """Whether the lines exist yet."""
        return self._lines is not None

    def __reduce__(self):  # a pickled network carries its lines
        return (_lines_as_is, (self.get(),))


def _lines_as_is(lines):
    return lines


def _get_edge_geom(self) -> np.ndarray:
    g = self.__dict__["_edge_geom"]
    return g.get() if isinstance(g, LazyLines) else g


def _set_edge_geom(self, value) -> None:
    self.__dict__["_edge_geom"] = value


# Set after the dataclass is made: the generated __init__ assigns edge_geom, which lands here, so the
# field may hold a LazyLines; reading it always gives the lines.
TravelNetwork.edge_geom = property(_get_edge_geom, _set_edge_geom, doc="Segment lines from ``edge_u`` to ``edge_v`` (object array of LineStrings).")

# One lock for every network's weights: building them is rare (once per network and mode) and short
# next to the searches, and a module lock (not one per network) keeps networks picklable and copyable.
_WEIGHTS_LOCK = threading.Lock()


def _weights_property(name: str, doc: str) -> property:
    """``csr`` / ``csr_t``: made on first read (:meth:`TravelNetwork._set_weights`); the generated
    ``__init__`` and :func:`dataclasses.replace` assign them (None: make when needed)."""
    def get(self):
        w = self.__dict__.get(name)
        if w is None:
            self._set_weights()
            w = self.__dict__[name]
        return w

    def put(self, value) -> None:
        self.__dict__[name] = value

    return property(get, put, doc=doc)


# Like edge_geom, set after the dataclass is made (the fields stay in __init__ and replace()).
TravelNetwork.csr = _weights_property("_csr", "Travel seconds from row node to column node (made on first read).")
TravelNetwork.csr_t = _weights_property("_csr_t", "``csr.T`` in CSR form, time into a node (made on first read).")
