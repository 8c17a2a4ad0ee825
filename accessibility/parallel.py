"""Independent shortest-path searches on every core: worker processes reading one shared matrix.

Coverage asks one multi-source Dijkstra per service (nine services, two modes): independent
searches over the same matrix. scipy's ``csgraph.dijkstra`` holds the GIL for the whole search
(measured: two searches in a ``ThreadPoolExecutor`` take as long as one after the other, with the
process's CPU time equal to the wall clock), so threads cannot share the cores; processes can.

How the matrix is shared. A worker needs ``net.csr_t`` (time *into* a node). It is the network's
transposed length matrix divided by the mode's speed, so a worker maps the three ``.npy`` arrays of
that matrix (read-only memory maps: every process reads the same pages of the page cache), copies
the index arrays once into buffers of its own with room after the last row, and divides the lengths
by the speed into its data buffer (``np.divide``: the same operation on the same floats as the
parent's, hence the same matrix; :class:`_Matrix`). A prepared network
(:mod:`accessibility.prepared`) already has those files; any other network writes them once to a
temporary folder (``/dev/shm`` where there is one), removed with the network. Each job sends the
super-source's edges (a few kilobytes); the worker writes them as the matrix's last row (the rows
:func:`accessibility.reach.virtual_tail` gives the single-core path too) and runs the same
``csgraph.dijkstra`` call as :func:`accessibility.reach.super_source_seconds`, so results are
identical (tests/test_parallel.py). The node seconds come back through a file in ``/dev/shm``
that this process maps and unlinks (no pickling of 32 MB per search at four million nodes;
through the pipe where there is no ``/dev/shm`` or it is full).

Memory. Per worker: the index buffers and one data buffer (175 MB at four million nodes), plus
what ``dijkstra`` allocates during a search (its distances and heap); measured at four million
nodes, about 225 MB of private memory per worker at the end and at the sampled peak
(``benchmarks/bench_scale.py``). The matrix files themselves are shared page cache.

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
import mmap
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
from scipy.sparse.csgraph import dijkstra

from accessibility.cores import threads  # the knob, shared with accessibility.snap
from accessibility.reach import super_source_edges, super_source_seconds, virtual_tail

__all__ = ["threads", "PARALLEL_MIN_NODES", "nearest_seconds_many", "shutdown", "warm"]

#: Smallest network (nodes) whose searches go to worker processes.
PARALLEL_MIN_NODES = 150_000

#: Workers hand their answers back through files in ``/dev/shm`` (mapped by this process, no copy)
#: rather than pickled through a pipe (32 MB a search at four million nodes, copied five times).
_SHM_RESULTS = True

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

class _Matrix:
    """One worker's search matrix: a network's transposed matrix at one speed, with room after its
    last row for the super-source row of a search.

    Why buffers and not the single-core path's concatenation. :func:`accessibility.reach._with_virtual_rows`
    copies the whole matrix per search (175 MB at four million nodes, a tenth of a second, and as
    much memory again); here the index arrays are copied once per worker, the lengths are divided
    by the speed into the data buffer when the speed changes (``np.divide`` into it: the very
    operation ``Lt.data / speed`` of the parent, so the same floats), and a search only writes its
    few super-source edges after the last row. One network and one speed at a time: the parent
    sends the searches ordered by speed, so a worker re-divides at most once per speed.
    """

    def __init__(self, folder: str, n: int, room: int):
        f = Path(folder)
        self.key = (folder, n)
        self.lengths = np.load(f / "Lt_data.npy", mmap_mode="r", allow_pickle=False)
        indices = np.load(f / "Lt_indices.npy", mmap_mode="r", allow_pickle=False)
        indptr = np.load(f / "Lt_indptr.npy", mmap_mode="r", allow_pickle=False)
        self.nnz = nnz = len(indices)
        room = max(_MIN_ROOM, 1 << int(room - 1).bit_length())  # (a larger search grows it: rare)
        # int32 indices when they fit: csgraph works on int32 and would copy int64 ones per search
        idx = np.int32 if nnz + room < 2 ** 31 and n + 1 < 2 ** 31 else np.int64
        self.data = np.empty(nnz + room)
        self.indices = np.empty(nnz + room, idx)
        self.indices[:nnz] = indices
        self.indptr = np.empty(n + 2, idx)
        self.indptr[:n + 1] = indptr
        self.speed = None

    def with_source(self, speed: float, cols: np.ndarray, w: np.ndarray) -> sp.csr_matrix:
        """The matrix at ``speed`` plus virtual node ``n`` with edges ``-> cols`` of ``w`` seconds
        (``cols`` / ``w`` as :func:`accessibility.reach.virtual_tail` gives them)."""
        nnz, k, n = self.nnz, len(cols), len(self.indptr) - 2
        if self.speed != speed:
            np.divide(self.lengths, speed, out=self.data[:nnz])
            self.speed = speed
        self.data[nnz:nnz + k] = w
        self.indices[nnz:nnz + k] = cols
        self.indptr[n + 1] = nnz + k
        return sp.csr_matrix((self.data[:nnz + k], self.indices[:nnz + k], self.indptr), shape=(n + 1, n + 1),
                             copy=False)


_matrix: _Matrix | None = None
#: Super-source edges a worker's buffers hold at least (two per facility; more grows them).
_MIN_ROOM = 4096


def _worker_matrix(folder: str, n: int, room: int) -> _Matrix:
    global _matrix
    m = _matrix
    if m is None or m.key != (folder, n) or len(m.data) - m.nnz < room:
        _matrix = m = None  # the old buffers go before the new ones are made
        _matrix = m = _Matrix(folder, n, room)
    return m


def _worker_search(folder: str, n: int, speed: float, cols, w, limit_s, out_path: str | None = None):
    """:func:`accessibility.reach.super_source_seconds` on the shared matrix; the seconds are
    returned as an array, or written to ``out_path`` (shared memory) with ``("file", path)`` returned."""
    if len(cols) == 0:
        d = np.full(n, np.inf)
    else:
        _counts, cols, w = virtual_tail(np.zeros(len(cols), dtype=np.int64), np.asarray(cols, np.int64),
                                        np.asarray(w, float), 1)
        M = _worker_matrix(folder, n, len(cols)).with_source(speed, cols, w)
        d = dijkstra(M, directed=True, indices=n, limit=np.inf if limit_s is None else float(limit_s))[:n]
    if out_path is not None:
        try:
            d.tofile(out_path)
            return ("file", out_path)
        except OSError:  # shared memory full: the array goes back through the pipe instead
            Path(out_path).unlink(missing_ok=True)
    return d


def _read_result(got, n: int) -> np.ndarray:
    """A worker's answer as an array: a file in shared memory is mapped (not copied) and unlinked at
    once; its pages are freed when the array is dropped."""
    if not (isinstance(got, tuple) and got[0] == "file"):
        return got
    path = got[1]
    try:
        with open(path, "r+b") as fh:
            mm = mmap.mmap(fh.fileno(), n * 8, access=mmap.ACCESS_WRITE)
    finally:
        os.unlink(path)
    return np.frombuffer(mm, dtype=np.float64, count=n)


def _results_folder() -> Path | None:
    """A private folder in shared memory for the workers' answers, or None (answers are pickled)."""
    shm = Path("/dev/shm")
    if not (_SHM_RESULTS and shm.is_dir()):
        return None
    try:
        return Path(tempfile.mkdtemp(prefix="hedong-res-", dir=shm))
    except OSError:
        return None


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

    results = None
    try:
        if workers > 1 and len(big) > 1:
            index = {}
            results = _results_folder()
            try:
                pool = _get_pool(workers)  # (one pool size per process: a new size would restart the workers)
                # by speed: a worker divides the lengths by a speed once, not at every other search
                for i in sorted(big, key=lambda i: (specs[i][0].speed_m_per_s, i)):
                    net, cols, w, limit = specs[i]
                    out_path = None if results is None else str(results / f"{i}.f8")
                    index[pool.submit(_worker_search, str(_matrix_folder(net)), net.n_nodes, net.speed_m_per_s,
                                      cols, w, limit, out_path)] = i
            except (BrokenProcessPool, OSError):
                shutdown()  # no pool: every search runs here below
                index = {}
            for f in as_completed(index):
                i = index.pop(f)  # (drops the future, and with it the result, once handed over)
                try:
                    d = _read_result(f.result(), specs[i][0].n_nodes)
                except (BrokenProcessPool, CancelledError, OSError):
                    shutdown()  # a lost worker (killed, out of memory): answered here, started afresh next time
                    continue
                deliver(i, d)
                del d
    finally:
        if results is not None:
            shutil.rmtree(results, ignore_errors=True)  # (answers are unlinked as read: only a failed one is left)
    for i, (net, cols, w, limit) in enumerate(specs):
        if i not in answered:
            deliver(i, super_source_seconds(net.csr_t, cols, w, limit))
    return out
