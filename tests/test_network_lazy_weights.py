"""Issue 28: a network's weight matrices ``csr`` / ``csr_t`` are made on first access, not at build,
and are then exactly what the eager build made (``length / speed`` over the same length matrices)."""

from __future__ import annotations

import pickle
import threading

import networkx as nx
import numpy as np
import scipy.sparse as sp

from accessibility import prepared
from accessibility.network import TravelNetwork
from layers.norms import SPEEDS


def _graph(directed_extra: bool):
    """Four nodes in a square, two ways; with ``directed_extra`` one extra one-way diagonal."""
    G = nx.MultiDiGraph(crs="EPSG:4546")
    pts = [(0, 0), (100, 0), (100, 250), (0, 250)]
    for i, (x, y) in enumerate(pts):
        G.add_node(i, x=float(x), y=float(y))
    for i in range(4):
        j = (i + 1) % 4
        d = float(np.hypot(*np.subtract(pts[j], pts[i])))
        G.add_edge(i, j, length=d)
        G.add_edge(j, i, length=d)
    if directed_extra:
        G.add_edge(0, 2, length=123.0)
    return G


def _same(x: sp.csr_matrix, y: sp.csr_matrix) -> None:
    np.testing.assert_array_equal(x.indptr, y.indptr)
    np.testing.assert_array_equal(x.indices, y.indices)
    assert np.array_equal(x.data, y.data)  # bit for bit, not approximately
    assert x.shape == y.shape


def test_weights_are_made_on_first_access_and_equal_length_over_speed():
    for extra in (False, True):
        net = TravelNetwork.from_graph(_graph(extra), mode="walk")
        assert not net.weights_made
        bike = net.for_mode("bike")
        elderly = net.for_mode("walk_elderly")
        assert not bike.weights_made and not elderly.weights_made and not net.weights_made
        for n in (net, bike, elderly):
            L, Lt = n._length_csr, n._length_csr_t
            speed = SPEEDS[n.mode].m_per_s
            _same(n.csr, sp.csr_matrix((L.data / speed, L.indices, L.indptr), shape=L.shape))
            _same(n.csr_t, sp.csr_matrix((Lt.data / speed, Lt.indices, Lt.indptr), shape=Lt.shape))
            # independent of the kept transpose: csr_t is csr's transpose, values equal to dense L / speed
            np.testing.assert_array_equal(n.csr_t.toarray(), n.csr.toarray().T)
            dense = L.toarray()
            np.testing.assert_array_equal(n.csr.toarray(), np.where(dense != 0, dense / speed, 0.0))
            assert n.weights_made
            assert (n.csr_t is n.csr) == (Lt is L)
        assert net.symmetric == (not extra)
        # one mode's weights never made another's
        assert net.csr[0, 1] == 100.0 / SPEEDS["walk"].m_per_s
        assert bike.csr[0, 1] == 100.0 / SPEEDS["bike"].m_per_s


def test_threads_asking_at_once_get_one_matrix():
    for extra in (False, True):
        net = TravelNetwork.from_graph(_graph(extra), mode="walk")
        start = threading.Barrier(8)
        got = [None] * 8

        def ask(i):
            start.wait()
            got[i] = (net.csr_t, net.csr) if i % 2 else (net.csr, net.csr_t)

        ts = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        csrs = {id(g[0] if i % 2 == 0 else g[1]) for i, g in enumerate(got)}
        csr_ts = {id(g[1] if i % 2 == 0 else g[0]) for i, g in enumerate(got)}
        assert csrs == {id(net.csr)} and csr_ts == {id(net.csr_t)}
        assert (net.csr_t is net.csr) == (not extra)


def test_pickled_network_makes_the_same_weights():
    for made in (False, True):
        net = TravelNetwork.from_graph(_graph(True), mode="walk_elderly")
        if made:
            net.csr_t  # noqa: B018 - make them before pickling
        back = pickle.loads(pickle.dumps(net))
        assert back.weights_made == made
        _same(back.csr, net.csr)
        _same(back.csr_t, net.csr_t)


def test_reloaded_prepared_network_has_no_weights_until_asked(small_demo, tmp_path):
    arrays = small_demo.street_frames("walk").edge_arrays()
    fresh = TravelNetwork.from_street_frames(small_demo.street_frames("walk"), "walk")
    key = prepared.prepared_network(arrays, "walk", root=tmp_path)._prepared  # built and written
    net = prepared.load_network(key, "walk", tmp_path)
    assert net is not None and not net.weights_made
    elderly = net.for_mode("walk_elderly")
    assert not elderly.weights_made
    _same(net.csr, fresh.csr)
    _same(net.csr_t, fresh.csr_t)
    _same(elderly.csr, fresh.for_mode("walk_elderly").csr)
    _same(elderly.csr_t, fresh.for_mode("walk_elderly").csr_t)
