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
