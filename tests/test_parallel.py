"""Both cores (issue 28, item 3): searches in worker processes and bounded searches give the very
numbers of the single-core, unbounded path."""

from __future__ import annotations

import numpy as np
import pytest

from accessibility import parallel
from accessibility.context import ComputeContext
from accessibility.coverage import coverage_shares, service_coverage, service_coverages, service_facilities
from accessibility.network import TravelNetwork
from accessibility.reach import nearest_seconds
from layers.families import SERVICES


def test_threads_knob(monkeypatch):
    monkeypatch.delenv("HEDONG_THREADS", raising=False)
    assert parallel.threads() >= 1
    monkeypatch.setenv("HEDONG_THREADS", "3")
    assert parallel.threads() == 3
    for bad in ("0", "-1", "two"):
        monkeypatch.setenv("HEDONG_THREADS", bad)
        with pytest.raises(ValueError, match="HEDONG_THREADS"):
            parallel.threads()


def test_worker_searches_equal_single_core(small_demo):
    """Every service, three modes, on a prepared network and on one built in memory (its matrix
    written to a temporary folder for the workers)."""
    ctx = ComputeContext.for_area(small_demo)
    in_memory = TravelNetwork.from_street_frames(small_demo.street_frames("walk"))
    assert in_memory._prepared is None
    jobs = []
    for base in (ctx.network("walk"), in_memory):
        for mode in ("walk", "walk_elderly", "bike"):
            net = base.for_mode(mode)
            for k, svc in SERVICES.items():
                snap = net.snap(service_facilities(small_demo, svc))
                jobs.append((net, snap, None if k != "clinic" else 600.0))
    got = parallel.nearest_seconds_many(jobs, workers=2, min_nodes=0)
    assert parallel._pool is not None  # the workers did run
    for (net, snap, limit), d in zip(jobs, got):
        np.testing.assert_array_equal(d, nearest_seconds(net, snap, limit_s=limit))


@pytest.mark.parametrize("mode", [None, "bike"])
def test_parallel_coverage_and_bounded_shares_equal_single_core(small_demo, monkeypatch, mode):
    single = small_demo.replace()
    ref = {k: service_coverage(single, k, 15, mode) for k in SERVICES}
    monkeypatch.setenv("HEDONG_THREADS", "2")
    monkeypatch.setattr(parallel, "PARALLEL_MIN_NODES", 0)
    both = service_coverages(small_demo.replace(), None, 15, mode)
    assert list(both) == list(SERVICES)
    for k, c in ref.items():
        b = both[k]
        assert (b.population_share, b.cohort_share, b.median_minutes, b.p90_minutes) == \
            (c.population_share, c.cohort_share, c.median_minutes, c.p90_minutes), k
        np.testing.assert_array_equal(b.cell_minutes.to_numpy(), c.cell_minutes.to_numpy())
        assert b.by_district == c.by_district
    for minutes in (5, 10, 15):
        bounded = coverage_shares(small_demo.replace(), None, minutes, mode)
        for k in SERVICES:
            c = ref[k] if minutes == 15 else service_coverage(single, k, minutes, mode)
            assert bounded[k]["population_share"] == c.population_share, (k, minutes)
            assert bounded[k]["cohort_share"] == c.cohort_share, (k, minutes)


def _service_jobs(area, modes=("walk", "walk_elderly", "bike")):
    net = ComputeContext.for_area(area).network("walk")
    jobs = []
    for mode in modes:
        m = net.for_mode(mode)
        for svc in SERVICES.values():
            jobs.append((m, m.snap(service_facilities(area, svc)), None))
    return jobs


def test_answers_through_shared_memory_equal_pickled_ones(small_demo, monkeypatch):
    """The workers' node seconds read from files in /dev/shm (mapped, then unlinked) are the very
    arrays the pipe carries, writable like them, and no file is left behind."""
    from pathlib import Path

    if not Path("/dev/shm").is_dir():
        pytest.skip("no /dev/shm here: answers always go through the pipe")
    jobs = _service_jobs(small_demo)
    read = []
    real_read = parallel._read_result
    monkeypatch.setattr(parallel, "_read_result", lambda got, n: read.append(type(got)) or real_read(got, n))
    before = set(Path("/dev/shm").glob("hedong-res-*"))
    monkeypatch.setattr(parallel, "_SHM_RESULTS", True)
    shm = parallel.nearest_seconds_many(jobs, workers=2, min_nodes=0)
    assert read and set(read) == {tuple}  # every answer came as a file
    assert set(Path("/dev/shm").glob("hedong-res-*")) == before
    read.clear()
    monkeypatch.setattr(parallel, "_SHM_RESULTS", False)
    piped = parallel.nearest_seconds_many(jobs, workers=2, min_nodes=0)
    assert read and set(read) == {np.ndarray}
    for a, b in zip(shm, piped):
        np.testing.assert_array_equal(a, b)
        assert a.flags.writeable and a.dtype == np.float64 and a.shape == b.shape


def test_worker_buffers_follow_speed_and_grow(small_demo, tmp_path, monkeypatch):
    """A worker's search (run here): speeds switched back and forth, a search with more sources than
    its buffers had room for, an answer that cannot be written to shared memory — every time the
    single-core result, float for float."""
    from accessibility.reach import super_source_edges, super_source_seconds

    base = ComputeContext.for_area(small_demo).network("walk")
    folder = str(parallel._matrix_folder(base))
    rng = np.random.default_rng(3)
    lo, hi = base.xy.min(axis=0), base.xy.max(axis=0)
    import geopandas as gpd

    many = gpd.GeoSeries(gpd.points_from_xy(*rng.uniform(lo, hi, (3000, 2)).T), crs=small_demo.crs)
    few = service_facilities(small_demo, SERVICES["clinic"])
    monkeypatch.setattr(parallel, "_MIN_ROOM", 16)
    parallel._matrix = None
    try:
        rooms = []
        for mode, pts, limit in [("walk", few, None), ("bike", few, 300.0), ("walk", many, None),
                                 ("walk_elderly", few, None), ("walk", few, None)]:
            net = base.for_mode(mode)
            cols, w = super_source_edges(net, net.snap(pts))
            want = super_source_seconds(net.csr_t, cols, w, limit)
            got = parallel._worker_search(folder, net.n_nodes, net.speed_m_per_s, cols, w, limit)
            np.testing.assert_array_equal(got, want)
            assert parallel._matrix.speed == net.speed_m_per_s
            rooms.append(len(parallel._matrix.data) - parallel._matrix.nnz)
        assert rooms[0] < rooms[2] == rooms[-1]  # grew for the 3,000 points, and stayed
        net = base.for_mode("bike")
        cols, w = super_source_edges(net, net.snap(few))
        # shared memory unwritable: the array itself comes back
        got = parallel._worker_search(folder, net.n_nodes, net.speed_m_per_s, cols, w, None,
                                      str(tmp_path / "missing" / "0.f8"))
        np.testing.assert_array_equal(got, super_source_seconds(net.csr_t, cols, w))
        got = parallel._worker_search(folder, net.n_nodes, net.speed_m_per_s, cols, w, None, str(tmp_path / "0.f8"))
        assert got == ("file", str(tmp_path / "0.f8"))
        np.testing.assert_array_equal(parallel._read_result(got, net.n_nodes), super_source_seconds(net.csr_t, cols, w))
        assert not (tmp_path / "0.f8").exists()
    finally:
        parallel._matrix = None


@pytest.mark.parametrize("limit", [None, 240.0])
def test_a_union_layer_is_the_minimum_of_its_parts_exactly(small_demo, monkeypatch, limit):
    """A layer whose points are the union of two others' (overlapping, rows in another order) is not
    searched: its seconds, the minimum of its parts', equal its own search float for float."""
    import accessibility.context as context_mod

    fac = small_demo.facilities
    rng = np.random.default_rng(11)
    a = fac.iloc[np.sort(rng.choice(len(fac), len(fac) // 3, replace=False))]
    b = fac.iloc[np.sort(rng.choice(len(fac), len(fac) // 3, replace=False))]
    union = fac.loc[a.index.union(b.index)].iloc[::-1]
    assert len(union) < len(a) + len(b)  # they overlap
    searched = []
    real_many = context_mod.nearest_seconds_many
    monkeypatch.setattr(context_mod, "nearest_seconds_many",
                        lambda jobs, **k: searched.extend(len(j[1]) for j in jobs) or real_many(jobs, **k))
    area = small_demo.replace()
    got = ComputeContext.for_area(area).seconds_many(
        [(union, "walk", limit), (a, "walk", limit), (b, "walk", limit), (union, "bike", limit), (a, "bike", limit)])
    assert sorted(searched) == sorted([len(a), len(b), len(union), len(a)])  # the walking union: no search
    monkeypatch.setattr(context_mod, "nearest_seconds_many", real_many)
    for (layer, mode), g in zip([(union, "walk"), (a, "walk"), (b, "walk"), (union, "bike")], got):
        alone = ComputeContext.for_area(small_demo.replace()).seconds(layer, mode, limit)
        np.testing.assert_array_equal(g, alone)
    # delivered once each through on_result too, and cached: asked again, nothing is searched
    seen = []
    searched.clear()
    monkeypatch.setattr(context_mod, "nearest_seconds_many",
                        lambda jobs, **k: searched.extend(len(j[1]) for j in jobs) or real_many(jobs, **k))
    fresh = small_demo.replace()
    out = ComputeContext.for_area(fresh).seconds_many([(a, "walk", limit), (union, "walk", limit), (b, "walk", limit)],
                                                      on_result=lambda i, t: seen.append((i, t.copy())))
    assert out == [None] * 3 and sorted(i for i, _ in seen) == [0, 1, 2] and len(searched) == 2
    np.testing.assert_array_equal(dict(seen)[1], got[0])
    assert ComputeContext.for_area(fresh).seconds(union, "walk", limit) is not None and len(searched) == 2
