"""Independent shortest-path searches on every core: worker processes reading one shared matrix.

Coverage asks one multi-source Dijkstra per service (nine services, two modes): independent
searches over the same matrix. scipy's ``csgraph.dijkstra`` holds the GIL for the whole search
(measured: two searches in a ``ThreadPoolExecutor`` take as long as one after the other, with the
process's CPU time equal to the wall clock), so threads cannot share the cores; processes can.

How the matrix is shared. A worker needs ``net.csr_t`` (time *into* a node). It is the network's
transposed length matrix divided by the mode's speed, so a worker maps the three ``.npy`` arrays of
that matrix (copy-on-write memory maps: every process reads the same pages of the page cache, no
copy per worker) and divides by the speed itself — the same operation on the same floats as the
parent's, hence the same matrix. A prepared network (:mod:`accessibility.prepared`) already has
those files; any other network writes them once to a temporary folder (``/dev/shm`` where there is
one), removed with the network. Each job sends the super-source's edges (a few kilobytes) and gets
the node seconds back; the search itself is :func:`accessibility.reach.super_source_seconds`, the
very function the single-core path runs, so results are identical (tests/test_parallel.py).

When. ``HEDONG_THREADS`` sets how many processes (default: the cores this process may use,
``os.sched_getaffinity``); 1 turns parallel searches off. Networks under
:data:`PARALLEL_MIN_NODES` nodes run in this process: there a search takes milliseconds and a
round trip to a worker costs more. The workers start once per process: forked when this process
runs one thread (the CLI, a script), else from a ``forkserver`` with the engine preloaded (the app
is multi-threaded, and forking a threaded process can deadlock; a forkserver re-imports the main
script, which then needs the usual ``if __name__ == "__main__"`` guard) (:func:`warm` starts them while a large network loads), and stay up for the next call. A pool that fails (a worker killed) is dropped and
the searches are run here instead.
"""

from __future__ import annotations

import atexit
import multiprocessing as mp
import os
import shutil
import tempfile
import threading
import weakref
from concurrent.futures import CancelledError, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from accessibility.cores import threads  # the knob, shared with accessibility.snap
from accessibility.reach import super_source_edges, super_source_seconds

__all__ = ["threads", "PARALLEL_MIN_NODES", "nearest_seconds_many", "shutdown", "warm"]

#: Smallest network (nodes) whose searches go to worker processes.
PARALLEL_MIN_NODES = 150_000

_pool = None
_pool_workers = 0
_pool_lock = threading.Lock()


def _matrix_folder(net) -> Path:
    """A folder holding ``Lt_indptr.npy``, ``Lt_indices.npy``, ``Lt_data.npy`` of ``net`` (lengths)."""
    folder = net._shared.get("folder")  # a prepared network's own bundle (accessibility.prepared)
    if folder is not None and (Path(folder) / "manifest.json").is_file():
        return Path(folder)
    base = net._length_csr_t  # shared by every mode of the street graph: one folder for all
    # kept in the network's _shared dict (one per street graph, shared by its modes), not keyed on id()
    folder = net._shared.get("worker_folder")
    if folder is None:
        shm = Path("/dev/shm")
        folder = Path(tempfile.mkdtemp(prefix="hedong-csr-", dir=shm if shm.is_dir() else None))
        for name in ("indptr", "indices", "data"):
            np.save(folder / f"Lt_{name}.npy", getattr(base, name), allow_pickle=False)
        net._shared["worker_folder"] = folder
        weakref.finalize(base, shutil.rmtree, folder, ignore_errors=True)
    return folder


# ---------------------------------------------------------------------- worker side

_attached: dict = {}


def _worker_matrix(folder: str, n: int, speed: float) -> sp.csr_matrix:
    key = (folder, n, speed)
    M = _attached.get(key)
    if M is None:
        f = Path(folder)
        arr = {k: np.load(f / f"Lt_{k}.npy", mmap_mode="c", allow_pickle=False) for k in ("indptr", "indices", "data")}
        # as TravelNetwork._set_weights makes csr_t: lengths over speed, the same index arrays
        M = sp.csr_matrix((arr["data"] / speed, arr["indices"], arr["indptr"]), shape=(n, n), copy=False)
        if len(_attached) >= 4:
            _attached.pop(next(iter(_attached)))
        _attached[key] = M
    return M


def _worker_search(folder: str, n: int, speed: float, cols, w, limit_s):
    return super_source_seconds(_worker_matrix(folder, n, speed), cols, w, limit_s)


# ---------------------------------------------------------------------- parent side

def _get_pool(workers: int) -> ProcessPoolExecutor:
    global _pool, _pool_workers
    with _pool_lock:
        if _pool is None or _pool_workers != workers:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            # fork from a single-threaded process (the CLI, a script: nothing re-imported, no
            # ``if __name__ == "__main__"`` guard needed); a forkserver from a threaded one (the app)
            if threading.active_count() == 1 and "fork" in mp.get_all_start_methods():
                ctx = mp.get_context("fork")
            else:
                ctx = mp.get_context("forkserver")
                ctx.set_forkserver_preload(["accessibility.parallel"])
            _pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
            _pool_workers = workers
        return _pool


def _noop() -> int:
    return os.getpid()


def warm(n_nodes: int) -> None:
    """Start the worker processes in the background for a network of ``n_nodes`` nodes that will
    be searched in parallel (they import the engine while this process goes on loading)."""
    workers = threads()
    if workers > 1 and n_nodes >= PARALLEL_MIN_NODES:
        pool = _get_pool(workers)
        for _ in range(workers):
            pool.submit(_noop)


def shutdown() -> None:
    """Stop the worker processes (they are started again when needed)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None


atexit.register(shutdown)


def nearest_seconds_many(jobs, *, workers: int | None = None, min_nodes: int | None = None,
                         on_result=None) -> list:
    """:func:`accessibility.reach.nearest_seconds` for several independent searches at once.

    Parameters
    ----------
    jobs : list of (TravelNetwork, Snap, limit_s or None)
        Each: seconds from every node of the network to the nearest of the snapped sources.
        Networks may differ (two modes, two street graphs).
    workers : int, optional
        Processes to use (default :func:`threads`).
    min_nodes : int, optional
        Smallest network sent to workers (default :data:`PARALLEL_MIN_NODES`).
    on_result : callable, optional
        ``on_result(i, seconds)`` is called in this process as each job's result arrives (in the
        order they finish), so a caller's own work on one result overlaps the workers' searches.

    Returns
    -------
    list of ndarray
        One node-seconds array per job, in order; equal, float for float, to the single-core result.
        With ``on_result`` the arrays are handed over and not kept (the list holds None): at four
        million nodes nine of them are 300 MB.
    """
    workers = threads() if workers is None else max(1, int(workers))
    min_nodes = PARALLEL_MIN_NODES if min_nodes is None else int(min_nodes)
    specs = [(net, *super_source_edges(net, snap), limit) for net, snap, limit in jobs]
    big = [i for i, (net, *_rest) in enumerate(specs) if net.n_nodes >= min_nodes]
    out: list = [None] * len(specs)
    answered = set()

    def deliver(i, d):
        answered.add(i)
        if on_result is None:
            out[i] = d
        else:
            on_result(i, d)

    if workers > 1 and len(big) > 1:
        index = {}
        try:
            pool = _get_pool(workers)  # (one pool size per process: a new size would restart the workers)
            for i in big:
                net, cols, w, limit = specs[i]
                index[pool.submit(_worker_search, str(_matrix_folder(net)), net.n_nodes, net.speed_m_per_s,
                                  cols, w, limit)] = i
        except (BrokenProcessPool, OSError):
            shutdown()  # no pool: every search runs here below
            index = {}
        for f in as_completed(index):
            i = index.pop(f)  # (drops the future, and with it the result, once handed over)
            try:
                d = f.result()
            except (BrokenProcessPool, CancelledError, OSError):
                shutdown()  # a lost worker (killed, out of memory): answered here, started afresh next time
                continue
            deliver(i, d)
            del d
    for i, (net, cols, w, limit) in enumerate(specs):
        if i not in answered:
            deliver(i, super_source_seconds(net.csr_t, cols, w, limit))
    return out
