"""TravelNetwork construction and snapping, hand-worked on toy graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely

from accessibility.context import ComputeContext
from accessibility.network import TravelNetwork
from layers.norms import MAX_SNAP_M


def line_graph(coords, crs="EPSG:4546", bidirectional=True):
    """A MultiDiGraph path through ``coords`` (straight edges, length = Euclidean)."""
    G = nx.MultiDiGraph(crs=crs)
    for i, (x, y) in enumerate(coords):
        G.add_node(i, x=float(x), y=float(y))
    for i in range(len(coords) - 1):
        L = float(np.hypot(*(np.subtract(coords[i + 1], coords[i]))))
        G.add_edge(i, i + 1, length=L)
        if bidirectional:
            G.add_edge(i + 1, i, length=L)
    return G


def test_from_graph_weights_and_parallel_edges():
    G = line_graph([(0, 0), (600, 0), (600, 300)])
    G.add_edge(0, 1, length=900.0)  # slower parallel edge: routing ignores it, snapping keeps it
    net = TravelNetwork.from_graph(G, mode="walk")
    assert net.n_nodes == 3 and net.n_edges == 3
    assert net.csr[0, 1] == pytest.approx(600.0)  # 600 m at 1 m/s
    assert net.csr[2, 1] == pytest.approx(300.0)
    assert net.symmetric
    assert net.crs == "EPSG:4546"
    bike = net.for_mode("bike")
    assert bike.csr[0, 1] == pytest.approx(600 / (250 / 60))
    assert bike.edge_geom is net.edge_geom  # arrays shared


def test_asymmetric_graph_detected():
    G = line_graph([(0, 0), (100, 0)], bidirectional=False)
    net = TravelNetwork.from_graph(G)
    assert not net.symmetric
    assert net.csr_t[1, 0] == pytest.approx(100.0)


def test_edge_geometry_oriented_u_to_v():
    G = line_graph([(0, 0), (100, 0)])
    # osmnx stores a curved geometry, reversed on the reverse edge
    geom = shapely.LineString([(0, 0), (50, 50), (100, 0)])
    for u, v, k, d in G.edges(keys=True, data=True):
        d["geometry"] = geom if u == 0 else shapely.reverse(geom)
    net = TravelNetwork.from_graph(G)
    g = net.edge_geom[0]
    start = shapely.get_coordinates(g)[0]
    assert tuple(start) == tuple(net.xy[net.edge_u[0]])


def test_snap_beside_middle_of_edge():
    """A point 30 m beside the middle of a 1 km street: 30 m walk + 500 m along to either end."""
    net = TravelNetwork.from_graph(line_graph([(0, 0), (1000, 0)]))
    s = net.snap(np.array([[500.0, 30.0]]))
    assert s.dist_m[0] == pytest.approx(30.0)
    assert s.pos_m[0] == pytest.approx(500.0)
    # walking 60 m/min = 1 m/s: 30 s off the street + 500 s along
    assert s.offset_u_s[0] == pytest.approx(530.0)
    assert s.offset_v_s[0] == pytest.approx(530.0)
    assert s.ok[0]


def test_snap_to_edge_not_node_and_far_points():
    net = TravelNetwork.from_graph(line_graph([(0, 0), (1000, 0), (1000, 1000)]))
    s = net.snap(np.array([[200.0, -10.0], [1010.0, 900.0], [500.0, -(MAX_SNAP_M + 100)]]))
    assert s.node[0] == 0 and s.offset_s[0] == pytest.approx(210.0)
    assert s.node[1] == 2 and s.offset_s[1] == pytest.approx(10.0 + 100.0)
    assert s.far.tolist() == [False, False, True]
    assert len(s.warnings()) == 1 and "left out" in s.warnings()[0]


def test_snap_bike_offsets_walk_off_network():
    net = TravelNetwork.from_graph(line_graph([(0, 0), (1000, 0)])).for_mode("bike")
    s = net.snap(np.array([[250.0, 60.0]]))
    # off-network on foot (60 m/min), along the street by bike (250 m/min)
    assert s.offset_u_s[0] == pytest.approx(60.0 + 250.0 / (250 / 60))


def test_crs_mismatch_raises():
    import geopandas as gpd

    net = TravelNetwork.from_graph(line_graph([(0, 0), (1000, 0)]))
    pts = gpd.GeoSeries([shapely.Point(0, 0)], crs="EPSG:4326")
    with pytest.raises(ValueError, match="reproject"):
        net.snap(pts)


def test_for_area_cached(small_demo):
    a = ComputeContext.for_area(small_demo).network("walk")
    assert ComputeContext.for_area(small_demo).network("walk") is a
    e = ComputeContext.for_area(small_demo).network("walk_elderly")
    assert e.n_nodes == a.n_nodes and e.speed_m_per_s < a.speed_m_per_s
    assert a.symmetric
