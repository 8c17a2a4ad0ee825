"""Shortest travel times: scipy super-source Dijkstra against networkx, exact snap offsets."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from accessibility.context import ComputeContext
from accessibility.network import TravelNetwork
from accessibility.reach import cell_seconds, nearest_seconds, od_pairs, source_node_seconds
from tests.test_network import line_graph


def random_graph(seed: int, n: int = 150, k: int = 3, directed_extra: int = 0) -> nx.MultiDiGraph:
    """A random planar-ish street graph: k nearest neighbours, lengths >= Euclidean, parallel edges."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 3000, (n, 2))
    G = nx.MultiDiGraph(crs="EPSG:4546")
    for i, (x, y) in enumerate(xy):
        G.add_node(int(i) * 7 + 3, x=float(x), y=float(y))  # ids unlike positions
    ids = list(G.nodes)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    for i in range(n):
        for j in np.argsort(d[i])[1:k + 1]:
            L = float(d[i, j] * rng.uniform(1.0, 1.3))
            G.add_edge(ids[i], ids[j], length=L)
            G.add_edge(ids[j], ids[i], length=L)
            if rng.random() < 0.1:  # a longer parallel way
                G.add_edge(ids[i], ids[j], length=L * 1.5)
    return G


def nx_seconds(G, net, sources, reverse=True):
    """networkx multi-source Dijkstra (seconds), node ids -> array in net order."""
    H = G.reverse(copy=True) if reverse else G.copy()
    for _, _, d in H.edges(data=True):
        d["t"] = d["length"] / net.speed_m_per_s
    ref = nx.multi_source_dijkstra_path_length(H, [net.node_ids[i] for i in sources], weight="t")
    return np.array([ref.get(n, np.inf) for n in net.node_ids])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_nearest_seconds_equals_networkx_on_random_graphs(seed, mode):
    G = random_graph(seed)
    net = TravelNetwork.from_graph(G, mode=mode)
    rng = np.random.default_rng(100 + seed)
    src = rng.choice(net.n_nodes, rng.integers(1, 12), replace=False)
    snap = net.snap(net.xy[src])  # points exactly on nodes: offset 0
    assert np.allclose(snap.offset_s, 0)
    ours = nearest_seconds(net, snap)
    ref = nx_seconds(G, net, src)
    assert np.array_equal(np.isinf(ours), np.isinf(ref))
    fin = np.isfinite(ref)
    assert np.allclose(ours[fin], ref[fin], atol=1e-6)
    # a cut-off gives the same numbers inside and inf outside
    lim = np.nanmedian(ref[fin])
    cut = nearest_seconds(net, snap, limit_s=lim)
    assert np.allclose(cut[ref <= lim], ref[ref <= lim])
    assert np.isinf(cut[ref > lim + 1e-9]).all()


def split_graph(G, net, pts, snap):
    """networkx graph where every snapped point is a real node on its (split) edge, joined to a
    node at the point itself by its off-network walk. All points must be on distinct edges."""
    H = nx.DiGraph()
    for u, v, d in G.edges(data=True):
        t = d["length"] / net.speed_m_per_s
        if not H.has_edge(u, v) or H[u][v]["t"] > t:
            H.add_edge(u, v, t=t)
    for i in range(len(pts)):
        u, v = net.node_ids[snap.u[i]], net.node_ids[snap.v[i]]
        L = net.edge_len[snap.edge[i]]
        for a, b in ((u, v), (v, u)):
            if H.has_edge(a, b) and H[a][b]["t"] >= L / net.speed_m_per_s - 1e-9:
                H.remove_edge(a, b)
        s, p = ("s", i), ("p", i)
        for a, t in ((u, snap.pos_m[i] / net.speed_m_per_s), (v, (L - snap.pos_m[i]) / net.speed_m_per_s)):
            H.add_edge(s, a, t=t)
            H.add_edge(a, s, t=t)
        w = snap.dist_m[i] / net.walk_m_per_s
        H.add_edge(s, p, t=w)
        H.add_edge(p, s, t=w)
    return H


@pytest.mark.parametrize("seed", range(4))
def test_offsets_exact_against_split_networkx_graph(seed):
    """Points off the network: our offsets + Dijkstra equal networkx on a graph with the points inserted."""
    G = random_graph(seed, n=120)
    net = TravelNetwork.from_graph(G, mode="walk_elderly")
    rng = np.random.default_rng(seed)
    pts = rng.uniform(200, 2800, (60, 2))
    snap = net.snap(pts)
    _, first = np.unique(snap.edge, return_index=True)  # one point per edge
    first = np.sort(first)[:40]
    pts = pts[first]
    snap = snap.subset(first)
    srcs, cells = np.arange(0, 8), np.arange(8, len(pts))
    H = split_graph(G, net, pts, snap)
    ref = nx.multi_source_dijkstra_path_length(H, [("p", i) for i in srcs], weight="t")
    T = nearest_seconds(net, snap.subset(srcs))
    ours = cell_seconds(net, snap.subset(cells), T, snap.subset(srcs))
    exp = np.array([ref.get(("p", i), np.inf) for i in cells])
    assert np.allclose(ours, exp, atol=1e-6)
    # od_pairs: per pair time equals networkx from that one source
    lim = float(np.nanpercentile(exp[np.isfinite(exp)], 60))
    o, d, s = od_pairs(net, snap.subset(cells), snap.subset(srcs), lim)
    for j in srcs[:3]:
        rj = nx.single_source_dijkstra_path_length(H, ("p", j), weight="t")
        e = {k: rj[("p", c)] for k, c in enumerate(cells) if rj.get(("p", c), np.inf) <= lim}
        got = {int(oo): ss for oo, dd, ss in zip(o, d, s) if dd == j}
        assert got.keys() == e.keys()
        assert all(abs(got[k] - e[k]) < 1e-6 for k in e)


def test_same_edge_source_and_cell():
    """Home and facility on the same 1 km street, 200 m apart: 200 s direct, not via an end."""
    net = TravelNetwork.from_graph(line_graph([(0, 0), (1000, 0)]))
    src = net.snap(np.array([[400.0, 0.0]]))
    cell = net.snap(np.array([[600.0, 20.0]]))
    T = nearest_seconds(net, src)
    assert T.tolist() == pytest.approx([400.0, 600.0])
    assert cell_seconds(net, cell, T)[0] == pytest.approx(20 + 400 + 600)  # via the v end (no source info)
    assert cell_seconds(net, cell, T, src)[0] == pytest.approx(220.0)
    o, d, s = od_pairs(net, cell, src, 900)
    assert o.tolist() == [0] and d.tolist() == [0] and s[0] == pytest.approx(220.0)


def test_directed_graph_uses_time_to_facility():
    """One-way chain 0 -> 1 -> 2: homes reach a facility at node 2 from upstream only.

    (The snapped segment itself is taken as two-way — see accessibility.snap — so node 1 next to a
    facility at node 0 is reached through the along-edge offset; node 2 is not.)
    """
    net = TravelNetwork.from_graph(line_graph([(0, 0), (100, 0), (200, 0)], bidirectional=False))
    assert not net.symmetric
    T = nearest_seconds(net, net.snap(np.array([[200.0, 0.0]])))
    assert T[0] == pytest.approx(200.0)
    T2 = nearest_seconds(net, net.snap(np.array([[0.0, 0.0]])))
    assert np.isinf(T2[2])


def test_far_sources_are_left_out():
    net = TravelNetwork.from_graph(line_graph([(0, 0), (100, 0)]))
    snap = net.snap(np.array([[0.0, 5000.0]]))
    assert np.isinf(nearest_seconds(net, snap)).all()
    o, d, s = od_pairs(net, net.snap(np.array([[50.0, 0.0]])), snap, 1e9)
    assert len(o) == 0


def test_source_node_seconds_batches_match_nearest():
    G = random_graph(3)
    net = TravelNetwork.from_graph(G)
    snap = net.snap(np.random.default_rng(1).uniform(0, 3000, (25, 2)))
    rows = np.vstack([D for _, D in source_node_seconds(net, snap)])
    ok = snap.ok
    assert np.allclose(rows[ok].min(axis=0), nearest_seconds(net, snap), equal_nan=True)


@pytest.mark.slow
def test_real_helsinki_network_matches_networkx(helsinki):
    net = ComputeContext.for_area(helsinki).network("walk")
    G = helsinki.graph
    rng = np.random.default_rng(7)
    src = rng.choice(net.n_nodes, 300, replace=False)
    ours = nearest_seconds(net, net.snap(net.xy[src]))
    ref = nx_seconds(G, net, src)
    fin = np.isfinite(ref)
    assert np.array_equal(np.isinf(ours), ~fin)
    assert np.allclose(ours[fin], ref[fin], atol=1e-6)
    # od_pairs from 300 node targets to 5 node origins-as-destinations equals single-source networkx
    tgt = rng.choice(net.n_nodes, 300, replace=False)
    dst = src[:5]
    o, d, s = od_pairs(net, net.snap(net.xy[tgt]), net.snap(net.xy[dst]), 600.0)
    H = G.reverse(copy=True)
    for _, _, dd in H.edges(data=True):
        dd["t"] = dd["length"] / net.speed_m_per_s
    for j, node in enumerate(dst):
        r = nx.single_source_dijkstra_path_length(H, net.node_ids[node], cutoff=600.0, weight="t")
        exp = {k: r[net.node_ids[t]] for k, t in enumerate(tgt) if net.node_ids[t] in r}
        got = {int(a): b for a, b, c in zip(o, d, s) if b == j for a, b in [(a, c)]}
        assert got.keys() == exp.keys()
        assert all(abs(got[k] - exp[k]) < 1e-6 for k in exp)


@pytest.mark.parametrize("seed", [0, 1])
def test_same_segment_pairs_equal_every_pair_checked(seed):
    """_same_edge (origins filtered by a mask of the sources' segments) lists exactly the pairs on a
    common segment, with the direct seconds, in origin order — checked against every pair."""
    from accessibility.reach import _same_edge

    G = random_graph(seed, n=80)
    net = TravelNetwork.from_graph(G)
    rng = np.random.default_rng(seed)
    lo, hi = net.xy.min(axis=0), net.xy.max(axis=0)
    import geopandas as gpd

    pts = lambda k: gpd.GeoSeries(gpd.points_from_xy(*rng.uniform(lo, hi, (k, 2)).T), crs=net.crs)
    cells, srcs = net.snap(pts(600), max_snap_m=80.0), net.snap(pts(40), max_snap_m=80.0)
    m = _same_edge(cells, srcs, net)
    assert len(m) and (~cells.ok).any() and (~srcs.ok).any()
    want = [(o, d, (cells.dist_m[o] + srcs.dist_m[d]) / net.walk_m_per_s
             + abs(cells.pos_m[o] - srcs.pos_m[d]) / net.speed_m_per_s)
            for o in range(len(cells)) for d in range(len(srcs))
            if cells.ok[o] and srcs.ok[d] and cells.edge[o] == srcs.edge[d]]
    got = sorted(zip(m["o"].tolist(), m["d"].tolist(), m["s"].tolist()))
    assert got == sorted(want)
    assert (np.diff(m["o"].to_numpy()) >= 0).all()
