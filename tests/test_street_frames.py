"""Issue 13: a cached area keeps its street graphs as tables, and its travel networks are built
from them without networkx — the very networks the networkx graph gave, array for array.

Fast: the small demo (scale 0.15) and the Helsinki extract's walking and cycling graphs.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
import shapely

from accessibility.context import ComputeContext
from accessibility.coverage import service_coverage
from accessibility.network import TravelNetwork
from gis.cache import load_study_area, save_study_area
from gis.street_frames import StreetFrames
from gis.study_area import ImmutableAreaError
from hedong.cmd_info import info_dict


def assert_same_network(a: TravelNetwork, b: TravelNetwork) -> None:
    """Exact equality: node order, segment numbering, matrices, lengths, geometries."""
    for k in ("node_ids", "xy", "edge_u", "edge_v", "edge_len"):
        x, y = getattr(a, k), getattr(b, k)
        assert x.dtype == y.dtype and np.array_equal(x, y), k
    for k in ("csr", "csr_t", "_length_csr"):
        x, y = getattr(a, k), getattr(b, k)
        assert x.shape == y.shape, k
        for part in ("indptr", "indices", "data"):
            assert np.array_equal(getattr(x, part), getattr(y, part)), (k, part)
    assert np.array_equal(shapely.to_wkb(a.edge_geom), shapely.to_wkb(b.edge_geom))
    assert (a.crs, a.symmetric, a.streets, a.mode, a.speed_m_per_s) == (b.crs, b.symmetric, b.streets, b.mode,
                                                                        b.speed_m_per_s)


def networks_agree(frames: StreetFrames, streets: str) -> TravelNetwork:
    got = TravelNetwork.from_street_frames(frames, streets, streets=streets)
    assert_same_network(got, TravelNetwork.from_graph(frames.to_graph(), streets, streets=streets))
    return got


@pytest.fixture
def fresh_small(small_demo, tmp_path):
    """The small demo read back from a cache entry of its own (nothing built yet on it)."""
    folder = save_study_area(small_demo, tmp_path / "entry", {"k": 1})
    return load_study_area(folder, {"k": 1})


def test_cached_area_holds_tables_and_networks_equal_the_graph_path(small_demo):
    frames = small_demo.street_frames("walk")
    assert isinstance(frames, StreetFrames) and small_demo.street_frames("bike") is None
    net = networks_agree(frames, "walk")
    # the edge table was written in G.edges order: its rows come out in their own order
    ids, arrays = pd.Index(frames.nodes["osmid"]), frames.edge_arrays()
    assert np.array_equal(arrays["u"], ids.get_indexer(frames.edges["u"]))
    assert np.array_equal(arrays["v"], ids.get_indexer(frames.edges["v"]))
    assert net.n_nodes == small_demo.graph.number_of_nodes() and net.n_edges > 0


def test_any_row_order_gives_the_graph_order(small_demo):
    """Shuffled tables: networkx iterates edges by source node, then target by first appearance,
    then key; the arrays follow that order, so the network still equals the graph path's."""
    f = small_demo.street_frames("walk")
    rng = np.random.default_rng(7)
    shuffled = StreetFrames(f.nodes.iloc[rng.permutation(len(f.nodes))].reset_index(drop=True),
                            f.edges.iloc[rng.permutation(len(f.edges))].reset_index(drop=True), f.crs)
    arrays, G = shuffled.edge_arrays(), shuffled.to_graph()
    pos = {n: i for i, n in enumerate(G.nodes)}
    order = list(G.edges(keys=True, data="geometry"))
    assert list(arrays["node_ids"]) == list(G.nodes)
    assert arrays["u"].tolist() == [pos[u] for u, _, _, _ in order]
    assert arrays["v"].tolist() == [pos[v] for _, v, _, _ in order]
    assert all(g is h for g, (_, _, _, h) in zip(arrays["geom"], order))
    assert not np.array_equal(arrays["u"], pd.Index(shuffled.nodes["osmid"]).get_indexer(shuffled.edges["u"]))
    networks_agree(shuffled, "walk")


def test_tables_that_are_not_a_plain_graph_go_through_networkx(small_demo):
    """A repeated edge key (networkx merges the two rows) and a missing length: same as the graph."""
    f = small_demo.street_frames("walk")
    edges = f.edges.copy()
    edges.loc[edges.index[5], "length"] = np.nan
    dup = StreetFrames(f.nodes, edges.iloc[list(range(len(edges))) + [3]].reset_index(drop=True), f.crs)
    assert dup.edge_arrays() is None and dup.counts() == (dup.to_graph().number_of_nodes(),
                                                          dup.to_graph().number_of_edges())
    networks_agree(dup, "walk")
    missing_len = StreetFrames(f.nodes, edges, f.crs)
    assert missing_len.edge_arrays() is not None
    networks_agree(missing_len, "walk")


def test_coverage_identical_to_the_graph_path(fresh_small, monkeypatch):
    """Coverage on the tables (no graph ever built) equals coverage on the networkx graph."""
    monkeypatch.setattr(StreetFrames, "to_graph", lambda self: pytest.fail("graph built"))
    new = service_coverage(fresh_small, "fitness")
    bike = service_coverage(fresh_small, "primary", mode="bike")
    monkeypatch.undo()
    old_area = fresh_small.replace(graph=fresh_small.street_frames("walk").to_graph(), validate=False)
    assert old_area.street_frames("walk") is None  # a networkx graph: the from_graph path
    old = service_coverage(old_area, "fitness")
    assert new.cell_minutes.equals(old.cell_minutes) and np.array_equal(new.covered, old.covered)
    assert new.population_share == old.population_share
    assert service_coverage(old_area, "primary", mode="bike").cell_minutes.equals(bike.cell_minutes)
    assert_same_network(ComputeContext.for_area(fresh_small).network("walk"),
                        ComputeContext.for_area(old_area).network("walk"))


def test_graph_is_lazy_and_kept(fresh_small, monkeypatch):
    with monkeypatch.context() as mp:  # loading, printing and info build no graph
        mp.setattr(StreetFrames, "to_graph", lambda self: pytest.fail("graph built"))
        repr(fresh_small)
        from_tables = info_dict(fresh_small)["network"]
    frames = fresh_small.street_frames("walk")
    G = fresh_small.graph
    assert fresh_small.graph is G  # built once
    assert G.graph["crs"] == fresh_small.crs and G.number_of_edges() == len(frames.edges)
    with pytest.raises(ImmutableAreaError):
        fresh_small.graph = G
    with pytest.raises(ImmutableAreaError):
        del fresh_small.graph
    assert info_dict(fresh_small.replace(graph=G, validate=False))["network"] == from_tables


def test_copies_pickles_and_replace_carry_the_tables(fresh_small):
    G = fresh_small.graph
    for b in (copy.copy(fresh_small), pickle.loads(pickle.dumps(fresh_small))):
        assert b.street_frames("walk") is not None
        assert b.graph.number_of_edges() == G.number_of_edges()
    # a pickle carries the tables, not the built graph (smaller, and rebuilt on demand)
    assert len(pickle.dumps(fresh_small)) < len(pickle.dumps(fresh_small.replace(graph=G, validate=False)))
    edited = fresh_small.replace(population=fresh_small.population.iloc[::2])
    assert edited.street_frames("walk") is fresh_small.street_frames("walk") and edited.graph is G
    assert fresh_small.replace(graph=G).street_frames("walk") is None  # a new graph replaces the tables


def test_saving_a_cached_area_writes_its_tables(fresh_small, tmp_path):
    again = load_study_area(save_study_area(fresh_small, tmp_path / "again", {"k": 2}), {"k": 2})
    a, b = fresh_small.street_frames("walk"), again.street_frames("walk")
    assert a.nodes.equals(b.nodes) and a.edges.equals(b.edges) and a.attrs == b.attrs


def test_helsinki_walk_and_bike_networks_from_tables(helsinki):
    """A real OSM area with a directed cycling graph (one-way streets)."""
    assert helsinki.has_bike_graph
    for streets in ("walk", "bike"):
        frames = helsinki.street_frames(streets)
        assert frames is not None
        net = networks_agree(frames, streets)
        assert_same_network(ComputeContext.for_area(helsinki).network(streets), net)
    assert not ComputeContext.for_area(helsinki).network("bike").symmetric  # one-way streets survived
    old = helsinki.replace(graph=helsinki.graph, bike_graph=helsinki.bike_graph, validate=False)
    for mode in ("walk", "bike"):
        assert service_coverage(helsinki, "fitness", mode=mode).cell_minutes.equals(
            service_coverage(old, "fitness", mode=mode).cell_minutes)
