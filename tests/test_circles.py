"""Service-area polygons against hand-worked geometry."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from accessibility.circles import (WALK_OFF_M, _pieces_to_lines, buffered_union, circles_gdf, reachable_pieces,
                                   service_area, straight_chains, substrings)
from accessibility.context import ComputeContext
from accessibility.coverage import effective_mode, service_facilities
from accessibility.reach import nearest_seconds
from layers.families import SERVICES
from accessibility.network import TravelNetwork
from tests.test_network import line_graph


def close(a, b, tol=1.0):
    """Symmetric difference of two polygons below ``tol`` m2."""
    return shapely.area(shapely.symmetric_difference(a, b)) < tol


def test_straight_street_five_minutes_reach_300m():
    """1 km street, source at one end, 5 min at 60 m/min: exactly the first 300 m, buffered."""
    net = TravelNetwork.from_graph(line_graph([(0, 0), (1000, 0)]))
    area = service_area(net, net.snap(np.array([[0.0, 0.0]])), minutes=5)
    expect = shapely.LineString([(0, 0), (300, 0)]).buffer(WALK_OFF_M, quad_segs=4)
    assert close(area, expect)


def test_partly_reached_edges_from_both_ends_and_middle():
    """Source 100 m beside the middle of a 1 km street (an L of two edges), 4 min = 240 m budget:
    100 m walk leaves 140 m each way along the street."""
    net = TravelNetwork.from_graph(line_graph([(0, 0), (1000, 0), (1000, 1000)]))
    snap = net.snap(np.array([[500.0, -100.0]]))
    area = service_area(net, snap, minutes=4, walk_off_m=10)
    expect = shapely.LineString([(360, 0), (640, 0)]).buffer(10, quad_segs=4)
    assert close(area, expect)
    # node 1 reached in 600 s, budget 660 s: 60 s to spare = 60 m into each edge at node 1
    g, e, s, t = reachable_pieces(net, np.array([np.inf, 600.0, np.inf]), 660.0)
    # from node 1 (60 s to spare = 60 m) both edges get a 60 m piece at their node-1 end
    pieces = sorted(zip(e.tolist(), np.round(s, 6).tolist(), np.round(t, 6).tolist()))
    assert pieces == [(0, 940.0, 1000.0), (1, 0.0, 60.0)]


def test_whole_edge_when_reached_from_both_ends():
    net = TravelNetwork.from_graph(line_graph([(0, 0), (100, 0)]))
    g, e, s, t = reachable_pieces(net, np.array([0.0, 50.0]), 60.0)
    # 60 m from u + 10 m from v < 100 m: two pieces; budget 80 -> 80 + 30 >= 100: whole
    assert len(e) == 2
    g, e, s, t = reachable_pieces(net, np.array([0.0, 50.0]), 80.0)
    assert len(e) == 1 and s[0] == 0 and t[0] == 100


def test_substrings_follow_vertices():
    geoms = np.array([shapely.LineString([(0, 0), (100, 0), (100, 100)])] * 2, dtype=object)
    out = substrings(geoms, np.array([50.0, 0.0]), np.array([150.0, 30.0]))
    assert shapely.get_coordinates(out[0]).tolist() == [[50, 0], [100, 0], [100, 50]]
    assert shapely.get_coordinates(out[1]).tolist() == [[0, 0], [30, 0]]


def test_circles_gdf_on_demo(small_demo):
    one = circles_gdf(small_demo, "fitness", 15)
    assert len(one) == 1 and one.crs == small_demo.crs
    assert one.geometry.is_valid.all() and one["area_km2"].iloc[0] > 0
    from accessibility.coverage import service_coverage

    cov = service_coverage(small_demo, "fitness", 15)
    assert one["population"].iloc[0] == pytest.approx(cov.population_covered)
    per = circles_gdf(small_demo, "fitness", 10, per_facility=True)
    assert len(per) == cov.n_facilities
    # the union of per-facility circles is the dissolved circle
    diss = circles_gdf(small_demo, "fitness", 10).geometry.iloc[0]
    u = shapely.union_all(per.geometry.values)
    assert shapely.area(shapely.symmetric_difference(u, diss)) / shapely.area(diss) < 1e-3


def _lines(*coords):
    return np.array([shapely.LineString(c) for c in coords], dtype=object)


def test_straight_chains_go_straight_on_through_a_crossing_and_a_t():
    """Four half-streets meeting at a crossing: two chains, each street whole (200 m); at a T the
    through street is one chain and the side street its own; the union of the chains is the union
    of the pieces."""
    cross = _lines([(-100, 0), (0, 0)], [(0, 0), (100, 0)], [(0, -100), (0, 0)], [(0, 100), (0, 0)])
    got = straight_chains(cross)
    assert sorted(shapely.length(got).round(6).tolist()) == [200.0, 200.0]
    assert all(shapely.get_type_id(g) == 1 for g in got)  # merged into single LineStrings
    assert shapely.equals(shapely.union_all(got), shapely.union_all(cross))
    tee = _lines([(-100, 0), (0, 0)], [(0, 0), (100, 0)], [(0, 0), (0, 100)])
    got = straight_chains(tee)
    assert sorted(shapely.length(got).round(6).tolist()) == [100.0, 200.0]
    # a bend of 30 degrees is gone on through; a turn back of 150 degrees is not
    bend = _lines([(0, 0), (100, 0)], [(100, 0), (100 + 86.6025, 50)])
    assert len(straight_chains(bend)) == 1
    back = _lines([(0, 0), (100, 0)], [(100, 0), (100 - 86.6025, 50)])
    assert len(straight_chains(back)) == 2


def _reached_lines(area, service):
    """The reached street pieces of ``service`` at its own minutes, as service_area cuts them."""
    svc = SERVICES[service]
    ctx = ComputeContext.for_area(area)
    mode = effective_mode(svc, None)
    net = ctx.network(mode)
    snap = ctx.facility_snap(service_facilities(area, svc), mode)
    budget = svc.minutes * 60.0
    _, edge, start, end = reachable_pieces(net, nearest_seconds(net, snap, limit_s=budget), budget, snap)
    return net, snap, _pieces_to_lines(net, edge, start, end)


# Helsinki (~9 s, every service) in the full suite only: fast-loop budget (issue 9)
@pytest.mark.parametrize("where", ["small_demo", pytest.param("helsinki", marks=pytest.mark.slow)])
def test_walking_area_by_chains_equals_piece_by_piece(where, request):
    """service_area buffers straight chains of the reached pieces instead of every piece (half the
    union time on the default demo). The buffer of a union is the union of the buffers, so on real
    inputs (the demo's generated streets, Helsinki's OSM ones) the two areas agree up to the arcs'
    approximation: symmetric difference under 1e-4 of the area, for every service."""
    area = request.getfixturevalue(where)
    for service in SERVICES:
        net, snap, lines = _reached_lines(area, service)
        if len(lines) == 0:
            continue
        old = buffered_union(lines, WALK_OFF_M, chains=False)
        new = service_area(net, snap, SERVICES[service].minutes)
        assert new.is_valid and not new.is_empty
        assert shapely.area(shapely.symmetric_difference(old, new)) <= 1e-4 * shapely.area(old), service
        assert len(straight_chains(lines)) < 0.7 * len(lines), service  # pieces really were joined


def test_walking_area_cached_per_layer_mode_and_minutes(small_demo, monkeypatch):
    """circles_gdf asks the area's context for the walking area: computed once per facility layer,
    mode, minutes and walk-off (a second publication reuses it); another layer or budget is new."""
    import accessibility.circles as circles_mod

    calls = []
    real = circles_mod.buffered_union
    monkeypatch.setattr(circles_mod, "buffered_union", lambda *a, **k: calls.append(1) or real(*a, **k))
    a = circles_gdf(small_demo, "childcare", 7.25)
    b = circles_gdf(small_demo, "childcare", 7.25)
    assert len(calls) == 1 and a.geometry.iloc[0] is b.geometry.iloc[0]
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    circles_gdf(small_demo, "childcare", 7.5)
    circles_gdf(small_demo, "childcare", 7.25, walk_off_m=40.0)
    assert len(calls) == 3
    fac = small_demo.facilities.copy()
    i = fac.index[fac["family"] == "childcare"][0]
    fac.loc[i, "geometry"] = shapely.Point(fac.loc[i, "geometry"].x + 300.0, fac.loc[i, "geometry"].y)
    moved = circles_gdf(small_demo, "childcare", 7.25, facilities=fac)
    assert len(calls) == 4 and not shapely.equals(moved.geometry.iloc[0], a.geometry.iloc[0])
