"""Prepared networks on disk (issue 28, item 2): a reloaded network and cell snapping give the very
numbers of a fresh build; a damaged or partial bundle is detected and rebuilt, never trusted."""

from __future__ import annotations

import numpy as np
import pytest

from accessibility import prepared
from accessibility.context import ComputeContext
from accessibility.coverage import service_coverage
from accessibility.network import TravelNetwork
from accessibility.reach import cell_seconds, nearest_seconds
from gis.cache import load_arrays, save_arrays
from layers.families import SERVICES


def _arrays_equal(a: TravelNetwork, b: TravelNetwork) -> None:
    for name in ("node_ids", "xy", "edge_u", "edge_v", "edge_len"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in ("csr", "csr_t"):
        x, y = getattr(a, name), getattr(b, name)
        np.testing.assert_array_equal(x.indptr, y.indptr)
        np.testing.assert_array_equal(x.indices, y.indices)
        np.testing.assert_array_equal(x.data, y.data)
    import shapely

    assert shapely.equals_exact(a.edge_geom, b.edge_geom, tolerance=0).all()
    assert a.symmetric == b.symmetric and a.crs == b.crs and a.mode == b.mode


def test_reloaded_network_is_the_fresh_build(small_demo, tmp_path):
    frames = small_demo.street_frames("walk")
    fresh = TravelNetwork.from_street_frames(frames)
    arrays = frames.edge_arrays()
    built = prepared.prepared_network(arrays, "walk", root=tmp_path)  # built and written
    assert built._prepared is not None and any(tmp_path.iterdir())
    loaded = prepared.prepared_network(arrays, "walk", root=tmp_path)  # read back
    assert loaded is not built and loaded._prepared == built._prepared
    _arrays_equal(fresh, built)
    _arrays_equal(fresh, loaded)
    # same cells' snap and same seconds, bit for bit, every mode
    pop = small_demo.population
    snap0 = fresh.snap(pop)
    prepared.prepared_cell_snap(loaded, pop, root=tmp_path)  # snapped and written
    snap1 = prepared.prepared_cell_snap(loaded, pop, root=tmp_path)  # read back
    for name in ("edge", "u", "v", "pos_m", "dist_m", "offset_u_s", "offset_v_s", "ok", "xy", "labels"):
        np.testing.assert_array_equal(getattr(snap0, name), getattr(snap1, name), err_msg=name)
    assert snap1.streets == snap0.streets
    fac = small_demo.facilities
    for mode in ("walk", "walk_elderly", "bike"):
        a, b = fresh.for_mode(mode), loaded.for_mode(mode)
        fa, fb = a.snap(fac), b.snap(fac)
        ta = cell_seconds(a, snap0, nearest_seconds(a, fa), fa)
        tb = cell_seconds(b, snap1, nearest_seconds(b, fb), fb)
        np.testing.assert_array_equal(ta, tb)


def test_undirected_network_stores_its_one_matrix_once(small_demo, tmp_path):
    """An undirected build's length matrix is its own transpose (one object); the bundle stores it once,
    under the transpose's names the worker processes read, and the reload shares it again."""
    from accessibility import parallel

    base = TravelNetwork.from_graph(small_demo.graph)
    args = (base.node_ids, base.xy, base.edge_u, base.edge_v, base.edge_len, base.edge_geom)
    net = TravelNetwork.from_edges(*args, directed=False, crs=base.crs)
    assert net._length_csr_t is net._length_csr and net.csr_t is net.csr
    key = prepared.network_key(*args, directed=False, crs=base.crs, streets="walk")
    assert key != prepared.network_key(*args, directed=True, crs=base.crs, streets="walk")
    folder = prepared.save_network(net, key, tmp_path)
    names = {f.stem for f in folder.glob("*.npy")}
    assert {"Lt_indptr", "Lt_indices", "Lt_data"} <= names and not any(n.startswith("L_") for n in names)
    loaded = prepared.load_network(key, "walk", tmp_path)
    assert loaded._length_csr_t is loaded._length_csr and loaded.csr_t is loaded.csr
    _arrays_equal(net, loaded)
    assert parallel._matrix_folder(loaded) == folder
    bike = loaded.for_mode("bike")
    assert bike.csr_t is bike.csr and np.array_equal(bike.csr.toarray(), net.for_mode("bike").csr.T.toarray())


def test_network_key_refuses_lines_it_cannot_store(small_demo):
    import shapely

    base = TravelNetwork.from_graph(small_demo.graph)
    args = dict(node_ids=base.node_ids, xy=base.xy, u=base.edge_u, v=base.edge_v, length=base.edge_len,
                directed=False, crs=base.crs, streets="walk")
    g = base.edge_geom.copy()
    assert prepared.network_key(geom=g, **args) is not None
    g[0] = shapely.LineString()
    assert prepared.network_key(geom=g, **args) is None  # an empty line
    g = base.edge_geom.copy()
    g[1] = shapely.force_3d(g[1], 5.0)
    assert prepared.network_key(geom=g, **args) is None  # a 3-D line
    g = base.edge_geom.copy()
    g[2] = None  # a missing line is fine (a straight one is drawn), and changes the key
    assert prepared.network_key(geom=g, **args) not in (None, prepared.network_key(geom=base.edge_geom, **args))
    g = base.edge_geom.copy()
    g[3] = shapely.transform(g[3], lambda c: c + 0.01)  # one line moved by a centimetre
    assert prepared.network_key(geom=g, **args) not in (None, prepared.network_key(geom=base.edge_geom, **args))


def test_cached_area_uses_prepared_network_with_identical_shares(small_demo, monkeypatch):
    """Through the area's context: off (built in memory), then on twice (written, then reloaded)."""
    monkeypatch.setenv("HEDONG_PREPARED", "0")
    off = small_demo.replace()
    assert ComputeContext.for_area(off).network("walk")._prepared is None
    ref = {k: service_coverage(off, k) for k in SERVICES}
    monkeypatch.setenv("HEDONG_PREPARED", "1")
    for _ in range(2):
        on = small_demo.replace()
        net = ComputeContext.for_area(on).network("walk")
        assert net._prepared is not None
        for k, c in ref.items():
            got = service_coverage(on, k)
            assert got.population_share == c.population_share, k
            np.testing.assert_array_equal(got.cell_minutes.to_numpy(), c.cell_minutes.to_numpy())


def test_damaged_or_partial_bundle_is_rebuilt(small_demo, tmp_path):
    arrays = small_demo.street_frames("walk").edge_arrays()
    net = prepared.prepared_network(arrays, "walk", root=tmp_path)
    key = net._prepared
    folder = prepared.network_folder(key, "walk", tmp_path)
    assert prepared.load_network(key, "walk", tmp_path) is not None
    # one flipped byte in the middle of an array, size unchanged: the checksum catches it
    f = folder / "L_data.npy"
    raw = bytearray(f.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    f.write_bytes(bytes(raw))
    assert prepared.load_network(key, "walk", tmp_path) is None
    assert not folder.exists()  # the damaged bundle is removed ...
    again = prepared.prepared_network(arrays, "walk", root=tmp_path)  # ... and written again
    _arrays_equal(net, again)
    assert prepared.load_network(key, "walk", tmp_path) is not None
    # a truncated file: the size check catches it
    f = folder / "line_xy.npy"
    f.write_bytes(f.read_bytes()[:-16])
    assert prepared.load_network(key, "walk", tmp_path) is None
    # a bundle without its manifest (a writer killed before the rename would leave only a temp folder)
    prepared.prepared_network(arrays, "walk", root=tmp_path)
    (folder / "manifest.json").unlink()
    assert prepared.load_network(key, "walk", tmp_path) is None
    assert prepared.load_network(key, "walk", tmp_path) is None  # still absent, never an error


def test_array_bundle_checks(tmp_path):
    a = {"x": np.arange(10.0), "e": np.empty(0, np.int64), "s": np.array(["a", "bc"])}
    save_arrays(tmp_path / "b", a, {"key": "k"})
    got, meta = load_arrays(tmp_path / "b", {"key": "k"})
    assert meta["key"] == "k" and set(got) == set(a)
    for k in a:
        np.testing.assert_array_equal(got[k], a[k])
    assert load_arrays(tmp_path / "b", {"key": "other"}) is None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folder left
    with pytest.raises(TypeError):
        save_arrays(tmp_path / "c", {"o": np.array([object()])}, {})
    assert not (tmp_path / "c").exists()


def test_edited_streets_get_another_key(small_demo):
    arrays = small_demo.street_frames("walk").edge_arrays()
    k = lambda **ch: prepared.network_key(**{**{n: arrays[n] for n in ("node_ids", "xy", "u", "v", "length", "geom")},
                                              "directed": True, "crs": arrays["crs"], "streets": "walk", **ch})
    base = k()
    length = arrays["length"].copy()
    length[0] += 0.001
    assert k(length=length) != base
    xy = arrays["xy"].copy()
    xy[3, 0] += 0.01
    assert k(xy=xy) != base
    assert k(streets="bike") != base and k(directed=False) != base
    assert k() == base


def test_reload_makes_lines_only_when_needed_and_keeps_facility_snaps(small_demo, tmp_path, monkeypatch):
    """A reloaded network makes its lines on first use (coverage from kept snaps needs none), and
    facility snaps are kept on large networks (here: the threshold lowered to the demo's size)."""
    monkeypatch.setattr(prepared, "FACILITY_SNAP_MIN_NODES", 0)
    arrays = small_demo.street_frames("walk").edge_arrays()
    fresh = prepared.prepared_network(arrays, "walk", root=tmp_path)
    fac = small_demo.facilities[small_demo.facilities["family"] == "primary"]
    pop = small_demo.population
    ref_f, ref_c = fresh.snap(fac), fresh.snap(pop)
    prepared.prepared_facility_snap(fresh, fac, root=tmp_path)
    prepared.prepared_cell_snap(fresh, pop, root=tmp_path)
    net = prepared.load_network(fresh._prepared, "walk", tmp_path)
    lines = net.__dict__["_edge_geom"]
    elderly = net.for_mode("walk_elderly")
    f = prepared.prepared_facility_snap(elderly, fac, root=tmp_path)
    c = prepared.prepared_cell_snap(elderly, pop, root=tmp_path)
    assert not lines.made  # snaps read from disk: no line made yet
    a = fresh.for_mode("walk_elderly")
    np.testing.assert_array_equal(cell_seconds(elderly, c, nearest_seconds(elderly, f), f),
                                  cell_seconds(a, a.snap(pop), nearest_seconds(a, a.snap(fac)), a.snap(fac)))
    for name in ("edge", "pos_m", "dist_m", "ok", "labels"):
        np.testing.assert_array_equal(getattr(f, name), getattr(ref_f, name))
        np.testing.assert_array_equal(getattr(c, name), getattr(ref_c, name))
    assert net.edge_geom is elderly.edge_geom and lines.made  # made once, shared by the modes
    with pytest.raises(ValueError, match="reproject"):
        prepared.prepared_facility_snap(net, fac.to_crs(4326), root=tmp_path)
