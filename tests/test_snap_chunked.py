"""The snap split over threads (accessibility.snap._nearest_chunked) equals the single call, field
for field, and both equal a brute-force nearest segment (shapely.distance to every segment)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from accessibility import snap as snap_mod
from accessibility.context import ComputeContext
from accessibility.network import TravelNetwork
from layers.norms import MAX_SNAP_M

FIELDS = ("edge", "u", "v", "pos_m", "dist_m", "offset_u_s", "offset_v_s", "ok", "node", "offset_s", "xy")


def _snap_both_ways(net, points, monkeypatch):
    """(single-call snap, chunked snap, number of chunks the second one ran)."""
    monkeypatch.setenv("HEDONG_THREADS", "1")
    one = net.snap(points)
    calls = []
    real = snap_mod._nearest

    def counted(tree, geoms, pts):
        calls.append(len(pts))
        return real(tree, geoms, pts)

    monkeypatch.setenv("HEDONG_THREADS", "2")
    monkeypatch.setattr(snap_mod, "CHUNK_MIN_POINTS", 10)  # the demo's points split into chunks
    monkeypatch.setattr(snap_mod, "_nearest", counted)
    many = net.snap(points)
    return one, many, calls


def _assert_same(one, many):
    for f in FIELDS:
        a, b = getattr(one, f), getattr(many, f)
        assert a.dtype == b.dtype, f
        assert np.array_equal(a, b), f  # bit for bit, not approximately
    assert (one.max_snap_m, one.mode, one.streets) == (many.max_snap_m, many.mode, many.streets)
    assert (one.labels is None and many.labels is None) or np.array_equal(one.labels, many.labels)


def test_chunked_snap_equals_single_call_on_demo(small_demo, monkeypatch):
    net = ComputeContext.for_area(small_demo).network("walk")
    one, many, calls = _snap_both_ways(net, small_demo.population, monkeypatch)
    assert len(calls) > 1 and sum(calls) == len(small_demo.population)  # really split
    _assert_same(one, many)


def test_chunked_snap_equals_single_call_on_hard_points(small_demo, monkeypatch):
    """Random points, points exactly on nodes (every segment at the node ties at distance 0), on
    segment vertices, and far points (beyond MAX_SNAP_M): chunked = single call, and the distance
    is the brute-force minimum over every segment. Ties may go to any of the equally near segments
    (the rule says "one of them"); the chunked and single calls pick the same one because each point's
    search runs on the same tree."""
    net = ComputeContext.for_area(small_demo).network("walk")
    rng = np.random.default_rng(28)
    lo, hi = net.xy.min(axis=0), net.xy.max(axis=0)
    on_nodes = net.xy[rng.choice(net.n_nodes, 300, replace=False)]
    verts = shapely.get_coordinates(net.edge_geom)
    on_verts = verts[rng.choice(len(verts), 300, replace=False)]
    inside = rng.uniform(lo, hi, size=(600, 2))
    far = np.column_stack([np.full(50, hi[0] + MAX_SNAP_M + 500.0), rng.uniform(lo[1], hi[1], 50)])
    xy = np.concatenate([on_nodes, on_verts, inside, far])
    one, many, calls = _snap_both_ways(net, xy, monkeypatch)
    assert len(calls) > 1
    _assert_same(one, many)

    # independent check: the exact nearest distance over all segments
    pts = shapely.points(xy)
    brute = np.array([shapely.distance(p, net.edge_geom).min() for p in pts])
    assert np.array_equal(one.dist_m, brute)
    assert (one.dist_m[:600] == 0).all()  # on a node or a vertex: on the street
    assert one.far[-50:].all() and not one.far[:600].any()
    # the chosen segment is one of the nearest (ties included)
    assert np.array_equal(shapely.distance(pts, net.edge_geom[one.edge]), brute)


def test_chunked_snap_small_input_is_one_call(monkeypatch):
    """Under CHUNK_MIN_POINTS points there is one call and no thread pool."""
    import networkx as nx

    G = nx.MultiDiGraph(crs="EPSG:4546")
    G.add_node(0, x=0.0, y=0.0)
    G.add_node(1, x=100.0, y=0.0)
    G.add_edge(0, 1, length=100.0)
    G.add_edge(1, 0, length=100.0)
    net = TravelNetwork.from_graph(G)
    calls = []
    real = snap_mod._nearest
    monkeypatch.setattr(snap_mod, "_nearest", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setenv("HEDONG_THREADS", "2")
    s = net.snap(np.array([[50.0, 5.0], [0.0, 0.0]]))
    assert len(calls) == 1
    assert s.dist_m.tolist() == pytest.approx([5.0, 0.0]) and s.pos_m.tolist() == pytest.approx([50.0, 0.0])


def _hard_points(net, rng):
    lo, hi = net.xy.min(axis=0), net.xy.max(axis=0)
    verts = shapely.get_coordinates(net.edge_geom)
    mids = shapely.get_coordinates(shapely.line_interpolate_point(net.edge_geom, 0.5, normalized=True))
    return np.concatenate([
        net.xy[rng.choice(net.n_nodes, 300, replace=False)],       # on junctions: ties at 0 m
        verts[rng.choice(len(verts), 300, replace=False)],         # on bends
        mids[rng.choice(len(mids), 200, replace=False)] + 0.5,     # just beside a street
        rng.uniform(lo, hi, size=(800, 2)),                        # anywhere
        np.column_stack([np.full(50, hi[0] + MAX_SNAP_M + 500.0), rng.uniform(lo[1], hi[1], 50)]),  # far
        np.column_stack([np.full(20, hi[0] + 14.9), rng.uniform(lo[1], hi[1], 20)]),  # near a radius
    ])


def test_radius_passes_equal_the_tree_nearest_search(small_demo, monkeypatch):
    """_nearest_segments (segments within 15/40/120 m first) returns what one
    STRtree.query_nearest call returns — same segment, same distance, bit for bit — on the demo's
    cells and on hard points: points on junctions (every segment there ties), on bends, beside a
    street, anywhere, further than MAX_SNAP_M and about one radius away. Both sets really use the
    radius passes and the full search (counted)."""
    net = ComputeContext.for_area(small_demo).network("walk")
    tree, geoms = net._spatial_index(), net.edge_geom
    full = []
    real = tree.query_nearest

    class Spy:  # the tree, counting how many points reach the full nearest search
        def query(self, *a, **k):
            return tree.query(*a, **k)

        def query_nearest(self, pts, **k):
            full.append(len(pts))
            return real(pts, **k)

    rng = np.random.default_rng(7)
    cells = shapely.get_coordinates(small_demo.population.geometry.representative_point().values)
    for xy in (cells, _hard_points(net, rng)):
        pts = shapely.points(xy)
        (ip, ie), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
        full.clear()
        edge, d = snap_mod._nearest_segments(Spy(), geoms, pts)
        assert np.array_equal(ip, np.arange(len(pts)))
        assert np.array_equal(edge, ie) and np.array_equal(d, dist)
        assert 0 < sum(full) < len(pts)  # some points settled by the radii, some by the full search
        monkeypatch.setattr(snap_mod, "NEAR_RADII_M", ())  # the full search only: the same again
        e2, d2 = snap_mod._nearest_segments(tree, geoms, pts)
        monkeypatch.undo()
        assert np.array_equal(e2, ie) and np.array_equal(d2, dist)
