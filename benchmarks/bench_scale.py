"""Benchmark: province-size networks on one machine — today's path against prepared networks on every core.

    python benchmarks/bench_scale.py [--nodes 250000 1000000] [--pandana 250000] [--json] [--json-out F]
    python benchmarks/bench_scale.py --nodes 1000000 4000000   # 4 M: by hand, not in CI

A network of about ``N`` nodes is made fast by *tiling* the default demo (scale 1, 17,714 nodes):
its street arrays, population cells and facilities are copied ``k`` times on a grid of tiles 1 km
apart (ids renumbered; tiles are not joined by streets, so each tile is one town of a county-level
network). The generator never runs at the large size. Each size runs two fresh subprocesses, so
``peak_MiB`` (the process's ``ru_maxrss``) is that phase's alone:

1. **today** (``HEDONG_THREADS=1``): ``build`` (:meth:`TravelNetwork.from_edges`), ``snap`` (the
   cells onto the streets) and every service's (eleven) :func:`~accessibility.coverage.service_coverage`
   one after the other — "after load" is their sum, as in the issue-15 table; then ``write``: the
   prepared network, the cells' snap and the services' facility snaps written to disk
   (:mod:`accessibility.prepared`) — the one-off cost a study area pays on its first open.
2. **new**: ``key`` (the content hash of the tiled arrays, as a context computes it from an area's
   street tables), ``load_network`` + ``load_cells`` (the prepared bundle memory-mapped and
   checked), then every service by :func:`~accessibility.coverage.service_coverages` with the
   searches in worker processes (``HEDONG_THREADS``, default every core) — "after load" is that
   time; the workers' own peak memory is printed beside the parent's. Its shares must equal
   today's, float for float, and :func:`~accessibility.coverage.coverage_shares` (bounded searches,
   stopped at 15 minutes) must give the same shares. Then the services' multi-source searches alone,
   on the same arrays, four ways: scipy on one core (today's), scipy on every core, networkit
   (one thread, ``Dijkstra`` from a super-source node per service) and python-igraph
   (``distances(algorithm="dijkstra")``), with the largest difference of their times to scipy's.
3. **pandana** (``--pandana N``, default 250 k; 0 skips it): ``Network()`` and ``precompute(900)``
   (its contraction hierarchy), the nearest facility of each service within 900 s,
   and one aggregation (people within 15 minutes) — the usual alternative.

A last table gives the issue's figures per size: ``key + reload + services`` (from the street
arrays to every service's coverage with a prepared network; issue 28 asks <= 20 s at 4 M nodes,
<= 5 s at 1 M), the CPU seconds of this process and of the workers, and the memory: this process's
peak after load plus the workers' private memory after the services (<= 4 GiB at 4 M), and in
brackets the same with each worker's *peak* private memory (read from ``/proc`` every second while
the services run: a search lasts seconds, so the sampling sees what it allocates).

Seconds are wall clock; the machine's size and its load average before and after are printed
(on a shared machine the wall clock also counts waiting for a core). Every tile is the same town,
so each service's share must equal the demo's own (checked).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GAP_M = 1000.0


def _tile_grid(k: int) -> np.ndarray:
    cols = math.ceil(math.sqrt(k))
    return np.array([(i % cols, i // cols) for i in range(k)], dtype=float)


def _tiled(target_nodes: int):
    """The demo tiled to about ``target_nodes`` nodes: (demo area, tiled area, from_edges arguments, load s, tile s)."""
    sys.path.insert(0, str(ROOT))
    import geopandas as gpd
    import networkx as nx
    import pandas as pd
    import shapely

    from accessibility.network import TravelNetwork
    from gis.areas import load_area
    from gis.study_area import StudyArea
    import demo  # noqa: F401 - registers the demo area

    t = time.perf_counter()
    area = load_area("yuncheng-demo", scale=1.0)
    base = TravelNetwork.from_graph(area.graph)
    t_load = time.perf_counter() - t

    t = time.perf_counter()
    n, m = base.n_nodes, base.n_edges
    k = max(1, round(target_nodes / n))
    lo, hi = base.xy.min(axis=0), base.xy.max(axis=0)
    off = _tile_grid(k) * (hi - lo + GAP_M)  # (k, 2)
    xy = (base.xy[None, :, :] + off[:, None, :]).reshape(-1, 2)
    shift = (np.arange(k, dtype=np.int64) * n)[:, None]
    u = (base.edge_u[None, :] + shift).ravel()
    v = (base.edge_v[None, :] + shift).ravel()
    length = np.tile(base.edge_len, k)
    coords, idx = shapely.get_coordinates(base.edge_geom, return_index=True)
    all_c = (coords[None, :, :] + off[:, None, :]).reshape(-1, 2)
    all_i = (idx[None, :] + (np.arange(k, dtype=np.int64) * m)[:, None]).ravel()
    geom = shapely.linestrings(all_c, indices=all_i)
    del all_c, all_i

    def tiled(gdf, id_col):
        parts = []
        for i, (dx, dy) in enumerate(off):
            p = gdf.copy()
            p[id_col] = p[id_col].astype(str) + f"-{i}"
            p["geometry"] = shapely.transform(gdf.geometry.values, lambda c, dx=dx, dy=dy: c + [dx, dy])
            parts.append(p)
        return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=gdf.crs)

    pop = tiled(area.population, "cell_id")
    fac = tiled(area.facilities, "facility_id")
    big = StudyArea(name=f"tiled x{k}", crs=area.crs, boundary=area.boundary, districts=area.districts,
                    population=pop, facilities=fac, projects=area.projects, graph=nx.MultiDiGraph(),
                    synthetic=True, sources={"area": f"{k} tiles of the generated demo"}, cell_size=area.cell_size)
    edges = dict(node_ids=np.arange(n * k), xy=xy, u=u, v=v, length=length, geom=geom)
    return area, big, edges, k, t_load, time.perf_counter() - t


def _bench_root() -> Path:
    from gis.study_area import cache_dir

    return cache_dir() / "bench-networks"


def _rss_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _reset_peak() -> float:
    """Start counting this process's peak memory afresh (Linux: ``clear_refs`` 5 resets ``VmHWM``),
    so that the peak *after load* leaves out the benchmark's own tiling; returns the MiB handed back.

    The tiling's freed memory (millions of street lines made for the key) stays in the C heap, still
    resident, unless given back: ``malloc_trim`` (glibc) returns it to the system first, so the
    peak counts what the engine holds and allocates, not the benchmark's garbage (at 1 M nodes
    about 380 MiB; the figure is printed)."""
    import ctypes
    import gc

    gc.collect()
    before = _rss_now_mib()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing handed back
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return before - _rss_now_mib()


def _rss_now_mib() -> float:
    """Resident memory now (``VmRSS``), MiB; NaN where unknown."""
    try:
        return next(int(x.split()[1]) for x in Path("/proc/self/status").read_text().splitlines()
                    if x.startswith("VmRSS:")) / 1024.0
    except (OSError, StopIteration):
        return float("nan")


def _peak_since_reset_mib() -> float:
    """Peak resident memory since :func:`_reset_peak` (``VmHWM``), MiB; NaN where unknown."""
    try:
        return next(int(x.split()[1]) for x in Path("/proc/self/status").read_text().splitlines()
                    if x.startswith("VmHWM:")) / 1024.0
    except (OSError, StopIteration):
        return float("nan")


def run_today(target_nodes: int) -> dict:
    """Today's path in this process, single core: build, snap, every service's coverage one after
    the other; then the prepared network and snap written to disk for :func:`run_prepared`."""
    os.environ["HEDONG_THREADS"] = "1"
    import shutil

    from accessibility import prepared
    from accessibility.context import ComputeContext
    from accessibility.coverage import service_coverage, service_facilities
    from accessibility.network import TravelNetwork
    from layers.families import SERVICES

    area, big, e, k, row_load, row_tile = _tiled(target_nodes)
    row = {"target_nodes": target_nodes, "load": row_load, "tile": row_tile, "tiles": k}
    cpu = {}
    _reset_peak()
    t, c0 = time.perf_counter(), time.process_time()
    net = TravelNetwork.from_edges(e["node_ids"], e["xy"], e["u"], e["v"], e["length"], e["geom"], directed=False,
                                   crs=big.crs)
    row["build"], cpu["build"] = time.perf_counter() - t, time.process_time() - c0
    ctx = ComputeContext.for_area(big)
    ctx.add_network(net)
    t, c0 = time.perf_counter(), time.process_time()
    cells = ctx.cell_snap("walk")
    row["snap"], cpu["snap"] = time.perf_counter() - t, time.process_time() - c0
    shares = {}
    for key in SERVICES:
        t, c0 = time.perf_counter(), time.process_time()
        c = service_coverage(big, key)
        row[key], cpu[key] = time.perf_counter() - t, time.process_time() - c0
        shares[key] = c.population_share
    row["after_load"] = row["build"] + row["snap"] + sum(row[s] for s in SERVICES)
    row["after_load_cpu"] = sum(cpu.values())
    row["cpu"] = cpu
    row["peak_MiB"] = _rss_peak_mib()
    row["peak_after_load_MiB"] = _peak_since_reset_mib()
    row.update(nodes=net.n_nodes, edges=net.n_edges, cells=len(big.population), facilities=len(big.facilities),
               services=len(SERVICES), service_keys=list(SERVICES), shares=shares)
    # write the prepared network and cells' snap (keyed by content, as an area's context does)
    root = _bench_root()
    shutil.rmtree(root, ignore_errors=True)
    t = time.perf_counter()
    key = prepared.network_key(e["node_ids"], e["xy"], e["u"], e["v"], e["length"], e["geom"], directed=False,
                               crs=big.crs, streets="walk")
    row["key"] = time.perf_counter() - t
    t = time.perf_counter()
    prepared.save_network(net, key, root)
    xy, _ = prepared._coords(big.population)
    prepared.save_cells(net, cells, prepared.cells_key(xy, key, cells.max_snap_m), root)
    for svc in SERVICES.values():  # the services' facility snaps, as a context keeps them on a large network
        prepared.prepared_facility_snap(net, service_facilities(big, svc), root=root)
    row["write"] = time.perf_counter() - t
    row["prepared_MiB"] = sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) / 2**20
    one = {s: service_coverage(area, s).population_share for s in SERVICES}
    row["same_shares_as_demo"] = all(abs(shares[s] - one[s]) < 1e-9 for s in SERVICES)
    return row


def _worker_pids() -> list:
    from accessibility import parallel

    pool = parallel._pool
    return list(getattr(pool, "_processes", {}) or {}) if pool is not None else []


def _private_mib(pid) -> float:
    """A process's private memory now (``Private_Clean + Private_Dirty`` of ``smaps_rollup``), MiB."""
    roll = {x.split(":")[0]: int(x.split()[1]) for x in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
            if x.split(":")[0] in ("Private_Clean", "Private_Dirty")}
    return (roll["Private_Clean"] + roll["Private_Dirty"]) / 1024.0


def _worker_peaks_mib(sampled: dict | None = None) -> list:
    """Per live worker process: peak resident MiB (``VmHWM``), proportional set size (``Pss``) and
    private memory (``Private_Clean + Private_Dirty``) now, and the largest private memory seen
    while the services ran (``sampled``: :class:`_PrivateSampler`), MiB.

    A forked worker's resident set counts the parent's pages it shares (copy-on-write) and the
    memory-mapped matrix every process shares; ``Pss`` divides shared pages among their sharers.
    The parent's peak plus the workers' private memory is what the searches cost the machine; with
    the workers' sampled *peak* private memory it is nearer the worst moment (what a search
    allocates is freed after it; a worker's ``VmHWM`` is no help there: measured, it stays at the
    resident size the worker inherited at the fork)."""
    out = []
    for pid in _worker_pids():
        try:
            hwm = next(int(x.split()[1]) for x in Path(f"/proc/{pid}/status").read_text().splitlines()
                       if x.startswith("VmHWM:"))
            roll = {x.split(":")[0]: int(x.split()[1]) for x in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
                    if x.split(":")[0] in ("Pss", "Private_Clean", "Private_Dirty")}
            private = (roll["Private_Clean"] + roll["Private_Dirty"]) / 1024.0
            out.append((hwm / 1024.0, roll["Pss"] / 1024.0, private, max(private, (sampled or {}).get(pid, 0.0))))
        except (OSError, StopIteration, KeyError):
            pass
    return out


class _PrivateSampler:
    """Reads the workers' private memory every ``period`` seconds in a thread while the services run
    and keeps each one's largest; its own CPU seconds (``cpu``) are left out of this process's."""

    def __init__(self, period: float = 1.0):
        import threading

        self.period, self.peak, self.cpu = period, {}, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        t0 = time.thread_time()
        while not self._stop.wait(self.period):
            for pid in _worker_pids():
                try:
                    self.peak[pid] = max(self.peak.get(pid, 0.0), _private_mib(pid))
                except (OSError, KeyError):
                    pass
        self.cpu = time.thread_time() - t0

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _workers_cpu() -> float:
    """CPU seconds (user + system) the live worker processes have used so far."""
    from accessibility import parallel

    pool = parallel._pool
    total = 0.0
    for pid in (list(getattr(pool, "_processes", {}) or {}) if pool is not None else []):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def _libraries(net, jobs) -> dict:
    """The same searches (a super-source per service over ``net.csr_t``) in networkit and igraph."""
    from accessibility.reach import nearest_seconds, super_source_edges

    out = {}
    n = net.n_nodes
    specs = [super_source_edges(j_net, snap) for j_net, snap, _l in jobs]
    M = net.csr_t.tocoo()
    rows = [np.concatenate([M.row.astype(np.int64)] + [np.full(len(c), n + i, np.int64) for i, (c, _w) in enumerate(specs)]),
            np.concatenate([M.col.astype(np.int64)] + [c for c, _w in specs]),
            np.concatenate([M.data] + [w for _c, w in specs])]
    ref = [nearest_seconds(j_net, snap) for j_net, snap, _l in jobs[:1]][0]
    try:
        import networkit as nk

        nk.setNumberOfThreads(1)
        t = time.perf_counter()
        G = nk.Graph(n + len(specs), weighted=True, directed=True)
        G.addEdges((rows[2], (rows[0], rows[1])))
        out["networkit_graph"] = time.perf_counter() - t
        t = time.perf_counter()
        first = None
        for i in range(len(specs)):
            d = nk.distance.Dijkstra(G, n + i, storePaths=False)
            d.run()
            dist = np.asarray(d.getDistances(asarray=True))[:n]
            first = dist if first is None else first
        out["networkit"] = time.perf_counter() - t
        first = np.where(first > 1e300, np.inf, first)
        out["networkit_max_diff_s"] = float(np.nanmax(np.abs(np.where(np.isinf(ref), 0, ref - first))))
    except Exception as exc:  # noqa: BLE001 - a library missing or failing is reported, not fatal
        out["networkit_error"] = repr(exc)
    try:
        import igraph as ig

        t = time.perf_counter()
        G = ig.Graph(n=n + len(specs), edges=np.column_stack([rows[0], rows[1]]), directed=True)
        G.es["w"] = rows[2]  # (an attribute: the weights are converted once, not per search)
        out["igraph_graph"] = time.perf_counter() - t
        w = "w"
        t = time.perf_counter()
        first = None
        for i in range(len(specs)):
            dist = np.asarray(G.distances(source=[n + i], weights=w, mode="out", algorithm="dijkstra")[0][:n])
            first = dist if first is None else first
        out["igraph"] = time.perf_counter() - t
        out["igraph_max_diff_s"] = float(np.nanmax(np.abs(np.where(np.isinf(ref), 0, ref - first))))
    except Exception as exc:  # noqa: BLE001
        out["igraph_error"] = repr(exc)
    return out


def run_prepared(target_nodes: int, today: dict | None = None, libraries: bool = True) -> dict:
    """The new path in a fresh process: the prepared network and snap loaded from disk, every
    service's coverage with the searches on every core; then the searches alone four ways."""
    from accessibility import parallel, prepared
    from accessibility.context import ComputeContext
    from accessibility.coverage import coverage_shares, service_coverages, service_facilities
    from accessibility.reach import nearest_seconds
    from layers.families import SERVICES

    area, big, e, k, row_load, row_tile = _tiled(target_nodes)
    row = {"target_nodes": target_nodes, "load": row_load, "tile": row_tile, "tiles": k,
           "threads": parallel.threads()}
    root = _bench_root()
    t = time.perf_counter()
    key = prepared.network_key(e["node_ids"], e["xy"], e["u"], e["v"], e["length"], e["geom"], directed=False,
                               crs=big.crs, streets="walk")
    row["key"] = time.perf_counter() - t
    del e
    row["trimmed_MiB"] = _reset_peak()
    row["rss_before_load_MiB"] = _rss_now_mib()
    t = time.perf_counter()
    net = prepared.load_network(key, "walk", root)
    row["load_network"] = time.perf_counter() - t
    if net is None:
        raise RuntimeError("no prepared network: run without --prepared-only first")
    ctx = ComputeContext.for_area(big)
    ctx.add_network(net)
    t = time.perf_counter()
    ctx._cells["walk"] = prepared.prepared_cell_snap(net, big.population, root=root)
    row["load_cells"] = time.perf_counter() - t
    row["load_prepared"] = row["load_network"] + row["load_cells"]
    row["load_avg_services"] = [os.getloadavg()[0]]
    with _PrivateSampler() as sampler:
        t, c0, w0 = time.perf_counter(), time.process_time(), _workers_cpu()
        covs = service_coverages(big, SERVICES)
        row["services"], row["services_cpu_parent"] = time.perf_counter() - t, time.process_time() - c0
    row["services_cpu_parent"] -= sampler.cpu  # (the sampler's reads of /proc are the benchmark's)
    row["sampler_cpu"] = sampler.cpu
    row["services_cpu_workers"] = _workers_cpu() - w0
    row["load_avg_services"].append(os.getloadavg()[0])
    row["after_load"] = row["services"]
    # the figure: from the street arrays to every service's coverage, with a prepared network
    row["key_reload_services"] = row["key"] + row["load_prepared"] + row["services"]
    row["peak_MiB"] = _rss_peak_mib()
    row["peak_after_load_MiB"] = _peak_since_reset_mib()  # the prepared load and the services
    row["worker_peak_MiB"] = _worker_peaks_mib(sampler.peak)
    row["total_MiB"] = row["peak_after_load_MiB"] + sum(w[2] for w in row["worker_peak_MiB"])
    row["total_peak_private_MiB"] = row["peak_after_load_MiB"] + sum(w[3] for w in row["worker_peak_MiB"])
    shares = {s: c.population_share for s, c in covs.items()}
    row["shares"] = shares
    if today is not None:
        row["same_shares_as_today"] = shares == today["shares"]
    # bounded: the shares alone, searches stopped at 15 minutes
    ctx._seconds.clear()
    ctx._seconds_values = 0
    t = time.perf_counter()
    bounded = coverage_shares(big, SERVICES)
    row["shares_bounded"] = time.perf_counter() - t
    row["bounded_same_shares"] = all(bounded[s]["population_share"] == shares[s] for s in SERVICES)
    # the searches alone, one per service (facilities already snapped), four ways, on the same arrays
    jobs = [(ctx.network(svc.mode), ctx.facility_snap(service_facilities(big, svc), svc.mode), None)
            for svc in SERVICES.values()]
    t = time.perf_counter()
    par = parallel.nearest_seconds_many(jobs)
    row["search_parallel"] = time.perf_counter() - t
    t = time.perf_counter()
    ser = [nearest_seconds(n_, s_) for n_, s_, _l in jobs]
    row["search_today"] = time.perf_counter() - t
    row["search_same"] = all(np.array_equal(a, b) for a, b in zip(par, ser))
    del par, ser
    parallel.shutdown()
    if libraries:
        # one network (walking speed) for the library runs: every service's sources at that speed
        walk = ctx.network("walk")
        ljobs = [(walk, ctx.facility_snap(service_facilities(big, svc), "walk"), None) for svc in SERVICES.values()]
        t = time.perf_counter()
        [nearest_seconds(n_, s_) for n_, s_, _l in ljobs]
        row["search_today_walk"] = time.perf_counter() - t
        row.update(_libraries(walk, ljobs))
    row["peak_MiB_end"] = _rss_peak_mib()
    row.update(nodes=net.n_nodes, edges=net.n_edges, cells=len(big.population), facilities=len(big.facilities))
    return row


def run_pandana(target_nodes: int) -> dict:
    """pandana on the same tiled arrays: contraction-hierarchy build, nearest facility per service
    within 15 minutes' walk, and one aggregation (people within 15 minutes)."""
    import pandana
    import pandas as pd

    from accessibility.coverage import service_facilities
    from layers.families import SERVICES
    from layers.norms import SPEEDS

    _area, big, e, k, _l, _t = _tiled(target_nodes)
    sec = e["length"] / SPEEDS["walk"].m_per_s
    row = {"target_nodes": target_nodes, "nodes": len(e["xy"]), "edges": len(e["u"])}
    t = time.perf_counter()
    net = pandana.Network(pd.Series(e["xy"][:, 0]), pd.Series(e["xy"][:, 1]), pd.Series(e["u"]), pd.Series(e["v"]),
                          pd.DataFrame({"s": sec}), twoway=True)
    row["pandana_build"] = time.perf_counter() - t
    t = time.perf_counter()
    net.precompute(900)
    row["pandana_precompute"] = time.perf_counter() - t
    t = time.perf_counter()
    for svc in SERVICES.values():
        fac = service_facilities(big, svc)
        net.set_pois(svc.key, 900, 1, fac.geometry.x, fac.geometry.y)
        net.nearest_pois(900, svc.key, num_pois=1)
    row["pandana_nearest_9"] = time.perf_counter() - t
    t = time.perf_counter()
    pop = big.population
    nodes = net.get_node_ids(pop.geometry.centroid.x, pop.geometry.centroid.y)
    net.set(nodes, variable=pop["pop_total"], name="pop")
    net.aggregate(900, type="sum", decay="flat", name="pop")
    row["pandana_aggregate"] = time.perf_counter() - t
    row["peak_MiB"] = _rss_peak_mib()
    return row


def _sub(flag: str, size: int, env: dict) -> dict:
    p = subprocess.run([sys.executable, __file__, flag, str(size)], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit(1)
    return json.loads(p.stdout.strip().splitlines()[-1])


def _machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GiB"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, nargs="+", default=[250_000, 1_000_000])
    ap.add_argument("--pandana", type=int, default=250_000, help="pandana at this size (0: skip)")
    ap.add_argument("--no-libraries", action="store_true", help="skip the networkit / igraph runs")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--json-out", help="also write the rows as JSON to this file")
    # internal: one phase of one size in this process, its JSON printed
    ap.add_argument("--today", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--new", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--new-nolib", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--pandana-one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.today:
        print(json.dumps(run_today(args.today)))
        return 0
    if args.new or args.new_nolib:
        print(json.dumps(run_prepared(args.new or args.new_nolib, libraries=bool(args.new))))
        return 0
    if args.pandana_one:
        print(json.dumps(run_pandana(args.pandana_one)))
        return 0
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    load0 = os.getloadavg()
    rows = []
    for size in args.nodes:
        today = _sub("--today", size, env)
        new = _sub("--new-nolib" if args.no_libraries else "--new", size, env)
        new["same_shares_as_today"] = new["shares"] == today["shares"]
        rows.append({"today": today, "new": new})
    pand = _sub("--pandana-one", args.pandana, env) if args.pandana else None
    load1 = os.getloadavg()
    for a, b in zip(rows, rows[1:]):
        for side in ("today", "new"):
            b[side]["growth"] = (math.log(b[side]["after_load"] / a[side]["after_load"])
                                 / math.log(b["today"]["nodes"] / a["today"]["nodes"]))
    result = {"machine": _machine(), "load_before": load0, "load_after": load1, "rows": rows, "pandana": pand}
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=1))
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    f = lambda x: f"{x:.2f}"
    print(f"machine: {_machine()}; load average (1, 5, 15 min) before {load0[0]:.1f} {load0[1]:.1f} {load0[2]:.1f}, "
          f"after {load1[0]:.1f} {load1[1]:.1f} {load1[2]:.1f}; HEDONG_THREADS -> {rows[0]['new']['threads']}")
    ns = len(rows[0]["today"]["service_keys"])
    print(f"\nToday's path (one core): build + snap + {ns} services, seconds after load; then the prepared files written")
    print("nodes | edges | cells | build | snap | services | after_load | peak_MiB (after load) | write | prepared_MiB")
    for r in rows:
        t = r["today"]
        svc = sum(t[s] for s in t["service_keys"])
        print(" | ".join([f"{t['nodes']:,}", f"{t['edges']:,}", f"{t['cells']:,}", f(t["build"]), f(t["snap"]), f(svc),
                          f(t["after_load"]), f"{t['peak_MiB']:.0f} ({t.get('peak_after_load_MiB', float('nan')):.0f})",
                          f(t["write"]), f"{t['prepared_MiB']:.0f}"]))
    print(f"\nPrepared path (fresh process): network + cells' snap loaded from disk, {ns} services on every core")
    print("nodes | key | load_network | load_cells | services (= after_load) | ratio today/new | peak_MiB (after load) | workers' peak_MiB "
          "| shares bounded | same shares")
    for r in rows:
        t, n = r["today"], r["new"]
        print(" | ".join([f"{n['nodes']:,}", f(n["key"]), f(n["load_network"]), f(n["load_cells"]), f(n["after_load"]),
                          f"{t['after_load'] / n['after_load']:.1f}x",
                          f"{n['peak_MiB']:.0f} ({n.get('peak_after_load_MiB', float('nan')):.0f})",
                          "; ".join(f"{w[0]:.0f} (Pss {w[1]:.0f}, private {w[2]:.0f}, sampled peak private {w[3]:.0f})"
                                    for w in n["worker_peak_MiB"]) or "-",
                          f(n["shares_bounded"]),
                          str(n["same_shares_as_today"] and n["bounded_same_shares"] and t["same_shares_as_demo"])]))
    for r in rows:
        t, n = r["today"], r["new"]
        print(f"    {n['nodes']:,} nodes, CPU seconds of the {ns} services: today {t['after_load_cpu'] - t['cpu']['build'] - t['cpu']['snap']:.2f}"
              f" (one process); new {n['services_cpu_parent']:.2f} in this process + {n.get('services_cpu_workers', 0):.2f}"
              f" in the workers — wall {n['services']:.2f} s")
    print("\nIssue 28: key + reload + services <= 20 s and <= 4 GiB at 4 M nodes, <= 5 s at 1 M (memory: this process's "
          "peak after load + the workers' private memory; in brackets with the workers' peak private memory, sampled "
          "every second)")
    print("nodes | key + reload + services (s) | services wall (s) | CPU s parent + workers | total MiB (with peak) "
          "| load average (1 min) during the services")
    for r in rows:
        n = r["new"]
        la = n.get("load_avg_services", [float("nan")] * 2)
        print(" | ".join([f"{n['nodes']:,}", f(n["key_reload_services"]), f(n["services"]),
                          f"{n['services_cpu_parent']:.2f} + {n.get('services_cpu_workers', 0):.2f}",
                          f"{n['total_MiB']:.0f} ({n['total_peak_private_MiB']:.0f})", f"{la[0]:.1f} -> {la[1]:.1f}"]))
    for r in rows:
        n = r["new"]
        if "rss_before_load_MiB" in n:
            print(f"    {n['nodes']:,} nodes: resident before the load {n['rss_before_load_MiB']:.0f} MiB (the tiled study "
                  f"area, the demo and the libraries); the tiling's freed heap handed back first: {n['trimmed_MiB']:.0f} MiB")
    print(f"\nThe {ns} multi-source searches alone, same arrays (seconds; ratio = that / scipy on every core)")
    print("nodes | scipy today (one core) | scipy, every core | networkit (1 thread) | igraph | graph build nk / ig")
    for r in rows:
        n = r["new"]
        par = n["search_parallel"]
        cell = lambda k: f"{n[k]:.2f} ({n[k] / par:.1f}x)" if k in n else n.get(k + "_error", "-")
        print(" | ".join([f"{n['nodes']:,}", cell("search_today"), f"{par:.2f} (1.0x)", cell("networkit"), cell("igraph"),
                          f"{n.get('networkit_graph', float('nan')):.2f} / {n.get('igraph_graph', float('nan')):.2f}"]))
        if "search_today_walk" in n:
            print(f"    (libraries on the walking network; scipy one core on it: {n['search_today_walk']:.2f} s; "
                  f"largest difference to scipy: networkit {n.get('networkit_max_diff_s', float('nan')):.2g} s, "
                  f"igraph {n.get('igraph_max_diff_s', float('nan')):.2g} s)")
    if pand:
        print(f"\npandana at {pand['nodes']:,} nodes: Network() {pand['pandana_build']:.2f} s, precompute(900 s) "
              f"{pand['pandana_precompute']:.2f} s, nearest facility x{ns} {pand['pandana_nearest_9']:.2f} s, "
              f"aggregate (people within 15 min) {pand['pandana_aggregate']:.2f} s, peak {pand['peak_MiB']:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
