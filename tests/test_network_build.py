"""Issue 28: the vectorised network build (:meth:`TravelNetwork.from_edges`) gives exactly the network
of the plain build it replaced — same length matrices (index dtypes included), same segment rows in
the same order, same geometries and orientation — on the demo, a tiled 250 k-node network and small
random graphs crowded with the ties the twin rule must settle (parallel streets of equal length,
loops, duplicates, both directions, reversed lines).

:func:`reference_build` is the previous implementation, kept here verbatim (less the class) as the
independent computation: one lexsort over every directed row, scipy's COO conversion, a five-key
twin key with the midpoint of every line.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import shapely

from accessibility.network import TravelNetwork

TILE_GAP_M = 1000.0


def reference_build(n, xy, u, v, length, geom, directed):
    """The build before issue 28: (length csr, its transpose, symmetric, eu, ev, elen, egeom)."""
    xy = np.asarray(xy, dtype=float)
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    length = np.array(length, dtype=float)
    geom = np.array(geom, dtype=object)
    nogeom = shapely.is_missing(geom)
    if nogeom.any():
        geom[nogeom] = shapely.linestrings(np.stack([xy[u[nogeom]], xy[v[nogeom]]], axis=1))
    bad = ~np.isfinite(length)
    length[bad] = shapely.length(geom[bad])
    mid = shapely.get_coordinates(shapely.line_interpolate_point(geom, 0.5, normalized=True))
    if not directed:
        u, v = np.concatenate([u, v]), np.concatenate([v, u])
        length = np.concatenate([length, length])
        geom = np.concatenate([geom, geom])
        mid = np.concatenate([mid, mid])
    order = np.lexsort((length, v, u))
    u, v, length, geom, mid = u[order], v[order], length[order], geom[order], mid[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    du, dv, dlen = u[first], v[first], length[first]
    L = sp.csr_matrix((np.maximum(dlen, 1e-9), (du, dv)), shape=(n, n))
    L.sort_indices()
    Lt = L.T.tocsr()
    Lt.sort_indices()
    symmetric = not directed or not L.nnz or bool(abs(L - L.T).max() <= 1e-6)
    a, b = np.minimum(u, v), np.maximum(u, v)
    key = (np.round(mid[:, 1] * 10), np.round(mid[:, 0] * 10), np.round(length * 1e3), b, a)
    by_key = np.lexsort(key)
    new_key = np.zeros(len(by_key), dtype=bool)
    new_key[:1] = True
    for col in key:
        c = col[by_key]
        new_key[1:] |= c[1:] != c[:-1]
    sel = by_key[new_key]
    sel = sel[np.lexsort((length[sel], b[sel], a[sel]))]
    eu, ev, elen, egeom = u[sel], v[sel], length[sel], geom[sel]
    first_at = np.concatenate([[0], np.cumsum(shapely.get_num_coordinates(egeom))[:-1]])
    start = shapely.get_coordinates(egeom)[first_at]
    d_u = np.hypot(start[:, 0] - xy[eu, 0], start[:, 1] - xy[eu, 1])
    d_v = np.hypot(start[:, 0] - xy[ev, 0], start[:, 1] - xy[ev, 1])
    flip = d_v < d_u
    egeom = egeom.copy()
    egeom[flip] = shapely.reverse(egeom[flip])
    return L, Lt, symmetric, eu, ev, elen, egeom


def assert_same_as_reference(node_ids, xy, u, v, length, geom, directed):
    """Build both ways and compare every array exactly."""
    net = TravelNetwork.from_edges(node_ids, xy, u, v, length, geom, directed=directed)
    L, Lt, symmetric, eu, ev, elen, egeom = reference_build(len(node_ids), xy, u, v, length, geom, directed)
    for mine, ref in ((net._length_csr, L), (net._length_csr_t, Lt)):
        assert mine.shape == ref.shape and mine.has_sorted_indices
        for part in ("indptr", "indices", "data"):
            x, y = getattr(mine, part), getattr(ref, part)
            assert x.dtype == y.dtype and np.array_equal(x, y), part
    for name, mine, ref in (("edge_u", net.edge_u, eu), ("edge_v", net.edge_v, ev), ("edge_len", net.edge_len, elen)):
        assert mine.dtype == ref.dtype and np.array_equal(mine, ref), name
    assert net.symmetric == symmetric
    # the very coordinates, in the same direction (WKB compares them bit for bit)
    assert np.array_equal(shapely.to_wkb(net.edge_geom), shapely.to_wkb(egeom))
    # the weights follow: csr_t is csr's transpose whether or not the two share one matrix
    assert np.array_equal(net.csr_t.toarray() if net.n_nodes < 5000 else net.csr_t.data,
                          net.csr.T.tocsr().toarray() if net.n_nodes < 5000 else net.csr.T.tocsr().data)
    return net


def _graph_arrays(G):
    """(node_ids, xy, u, v, length, geom) as TravelNetwork.from_graph reads them."""
    index = {nd: i for i, nd in enumerate(G.nodes)}
    xy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)], dtype=float)
    rows = list(G.edges(data=True))
    geom = np.empty(len(rows), dtype=object)
    geom[:] = [d.get("geometry") for _, _, d in rows]
    return (np.arange(len(xy)), xy, np.array([index[a] for a, _, _ in rows]), np.array([index[b] for _, b, _ in rows]),
            np.array([d.get("length", np.nan) for _, _, d in rows], dtype=float), geom)


def test_demo_graph_directed_and_undirected(small_demo):
    """The demo's walking graph as the app reads it (directed, both ways drawn) and its segments as an
    undirected input (in a shuffled order, lines half reversed)."""
    args = _graph_arrays(small_demo.graph)
    net = assert_same_as_reference(*args, directed=True)
    assert net.symmetric
    rng = np.random.default_rng(7)
    p = rng.permutation(net.n_edges)
    rev = rng.random(net.n_edges) < 0.5
    g = net.edge_geom[p].copy()
    g[rev] = shapely.reverse(g[rev])
    u = np.where(rev, net.edge_v[p], net.edge_u[p])
    v = np.where(rev, net.edge_u[p], net.edge_v[p])
    und = assert_same_as_reference(net.node_ids, net.xy, u, v, net.edge_len[p], g, directed=False)
    assert und.n_edges == net.n_edges and und.csr_t is und.csr


def _tiled(net, target_nodes):
    """``net``'s segments copied on a grid of tiles (as benchmarks/bench_scale.py tiles the demo)."""
    n, m = net.n_nodes, net.n_edges
    k = max(1, round(target_nodes / n))
    cols = int(np.ceil(np.sqrt(k)))
    grid = np.array([(i % cols, i // cols) for i in range(k)], dtype=float)
    off = grid * (net.xy.max(axis=0) - net.xy.min(axis=0) + TILE_GAP_M)
    xy = (net.xy[None] + off[:, None]).reshape(-1, 2)
    shift = (np.arange(k) * n)[:, None]
    coords, idx = shapely.get_coordinates(net.edge_geom, return_index=True)
    geom = shapely.linestrings((coords[None] + off[:, None]).reshape(-1, 2),
                               indices=(idx[None] + (np.arange(k) * m)[:, None]).ravel())
    return (np.arange(n * k), xy, (net.edge_u[None] + shift).ravel(), (net.edge_v[None] + shift).ravel(),
            np.tile(net.edge_len, k), geom)


@pytest.mark.slow  # 7 s: the demo and the random tie-crowded graphs cover the same rules in the fast loop
def test_tiled_250k_undirected(small_demo):
    """The benchmark's kind of input at 250 k nodes (undirected), and the same drawn both ways with a
    tenth of the streets one-way (directed)."""
    base = TravelNetwork.from_graph(small_demo.graph)
    node_ids, xy, u, v, length, geom = _tiled(base, 250_000)
    assert len(node_ids) > 240_000
    net = assert_same_as_reference(node_ids, xy, u, v, length, geom, directed=False)
    assert net.n_edges == len(u)  # every tile street is its own segment
    rng = np.random.default_rng(3)
    two = rng.random(len(u)) >= 0.1
    du, dv = np.concatenate([u, v[two]]), np.concatenate([v, u[two]])
    dl, dg = np.concatenate([length, length[two]]), np.concatenate([geom, shapely.reverse(geom[two])])
    p = np.argsort(du, kind="stable")  # graph order: by source node
    dnet = assert_same_as_reference(node_ids, xy, du[p], dv[p], dl[p], dg[p], directed=True)
    assert dnet.n_edges == net.n_edges and not dnet.symmetric


def _crowded(rng, n_nodes, m, directed):
    """A small random graph full of ties: few nodes, lengths from three values, lines from a few bends
    (so equal rounded midpoints occur between different streets), reversed copies, loops, no lines."""
    xy = rng.integers(0, 5, (n_nodes, 2)).astype(float) * 10
    u = rng.integers(0, n_nodes, m)
    v = np.where(rng.random(m) < 0.1, u, rng.integers(0, n_nodes, m))
    length = rng.choice([10.0, 10.0004, 25.0], m)
    bend = rng.choice([0.0, 0.0, 3.0, -3.0, 0.01], m)
    mid = (xy[u] + xy[v]) / 2 + bend[:, None]
    geom = shapely.linestrings(np.stack([xy[u], mid, xy[v]], axis=1))
    rev = rng.random(m) < 0.3
    geom[rev] = shapely.reverse(geom[rev])
    geom[rng.random(m) < 0.05] = None
    length[rng.random(m) < 0.05] = np.nan
    if directed:  # many streets drawn both ways, the reverse line reversed
        two = rng.random(m) < 0.6
        u, v = np.concatenate([u, v[two]]), np.concatenate([v, u[two]])
        length = np.concatenate([length, length[two]])
        geom = np.concatenate([geom, np.where(shapely.is_missing(geom[two]), None, shapely.reverse(geom[two]))])
        p = rng.permutation(len(u))
        u, v, length, geom = u[p], v[p], length[p], geom[p]
    return np.arange(n_nodes), xy, u, v, length, geom


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("seed", range(12))
def test_crowded_random_graphs(seed, directed):
    rng = np.random.default_rng(seed)
    assert_same_as_reference(*_crowded(rng, int(rng.integers(3, 12)), int(rng.integers(5, 300)), directed), directed)


def test_crowded_graphs_exercise_every_tie_rule():
    """The random graphs above do reach the cases: twins dropped, equal parallel streets kept (pairs and
    longer runs), loops."""
    rng = np.random.default_rng(0)
    node_ids, xy, u, v, length, geom = _crowded(rng, 6, 300, True)
    net = TravelNetwork.from_edges(node_ids, xy, u, v, length, geom, directed=True)
    a, b = np.minimum(net.edge_u, net.edge_v), np.maximum(net.edge_u, net.edge_v)
    ends_len = a * 1e9 + b * 1e3 + np.round(net.edge_len * 1e3) / 1e6
    _, counts = np.unique(ends_len, return_counts=True)
    assert net.n_edges < len(u) and (counts == 2).any() and (counts > 2).any() and (a == b).any()


def test_edge_ends_must_be_node_indices():
    xy = np.zeros((3, 2))
    for u, v in (([0, 3], [1, 2]), ([0, -1], [1, 2])):
        for directed in (False, True):
            with pytest.raises(ValueError, match="node index"):
                TravelNetwork.from_edges(np.arange(3), xy, u, v, [1.0, 1.0], directed=directed)


@pytest.mark.slow
def test_helsinki_graphs(helsinki):
    """Real OSM streets: the walking graph and the cycling graph (one-way streets directed)."""
    for G in (helsinki.graph, helsinki.bike_graph):
        assert_same_as_reference(*_graph_arrays(G), directed=G.is_directed())
