"""Benchmark: province-size networks on one machine — build, snap and every service's coverage.

    python benchmarks/bench_scale.py [--nodes 250000 1000000] [--json]
    python benchmarks/bench_scale.py --nodes 250000 1000000 4000000   # 4 M: by hand, not in CI

Each size runs in its own subprocess (so ``peak_MiB``, the process's ``ru_maxrss``, is that
size's alone). A network of about ``N`` nodes is made fast by *tiling* the default demo (scale 1,
17,714 nodes): its street arrays, population cells and facilities are copied ``k`` times on a grid
of tiles 1 km apart (ids renumbered; tiles are not joined by streets, so each tile is one town of
a county-level network). The generator never runs at the large size.

Steps timed per size (seconds; "after load" is everything but ``load`` and ``tile``):

* ``load`` — the demo study area from the disk cache (the generator runs once if it is cold);
* ``tile`` — copying arrays, cells and facilities (the benchmark's own set-up);
* ``build`` — :meth:`accessibility.network.TravelNetwork.from_edges` (CSR matrices, segment
  table, orientation) — no networkx graph;
* ``snap`` — the population cells onto the streets (shapely STRtree build + nearest query);
* one column per service — :func:`accessibility.coverage.service_coverage` (facility snapping,
  one multi-source Dijkstra, the cells' minutes, shares, district table).

Seconds are wall clock; ``after_load_cpu`` is the same steps' CPU time of the process (on a
shared machine the wall clock also counts waiting for a core). ``growth`` is the exponent ``b`` of ``time ~ nodes^b`` for the after-load CPU total between
consecutive sizes (1 = linear). Goal of issue 15: 1 M nodes, every service, under 30 s after load
and under 8 GiB peak.
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


def run_size(target_nodes: int) -> dict:
    """One size, in this process: returns the row (see the module docstring)."""
    sys.path.insert(0, str(ROOT))
    import geopandas as gpd
    import networkx as nx
    import pandas as pd
    import shapely

    from accessibility.context import ComputeContext
    from accessibility.coverage import service_coverage
    from accessibility.network import TravelNetwork
    from gis.areas import load_area
    from gis.study_area import StudyArea
    from layers.families import SERVICES
    import demo  # noqa: F401 - registers the demo area

    row = {"target_nodes": target_nodes}
    cpu = {}
    t = time.perf_counter()
    area = load_area("yuncheng-demo", scale=1.0)
    base = TravelNetwork.from_graph(area.graph)
    row["load"] = time.perf_counter() - t

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
    row["tile"] = time.perf_counter() - t

    t, c0 = time.perf_counter(), time.process_time()
    net = TravelNetwork.from_edges(np.arange(n * k), xy, u, v, length, geom, directed=False, crs=area.crs)
    del u, v, length, geom
    row["build"], cpu["build"] = time.perf_counter() - t, time.process_time() - c0
    ctx = ComputeContext.for_area(big)
    ctx.add_network(net)
    t, c0 = time.perf_counter(), time.process_time()
    ctx.cell_snap("walk")
    row["snap"], cpu["snap"] = time.perf_counter() - t, time.process_time() - c0
    shares = {}
    for key in SERVICES:
        t, c0 = time.perf_counter(), time.process_time()
        c = service_coverage(big, key)
        row[key], cpu[key] = time.perf_counter() - t, time.process_time() - c0
        shares[key] = c.population_share
    row.update(nodes=net.n_nodes, edges=net.n_edges, cells=len(pop), facilities=len(fac), tiles=k,
               services=len(SERVICES))
    row["after_load"] = row["build"] + row["snap"] + sum(row[s] for s in SERVICES)
    # CPU seconds beside the wall clock: on a shared machine the wall clock includes waiting for a core
    row["after_load_cpu"] = sum(cpu.values())
    row["cpu"] = cpu
    row["peak_MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    # Every tile is the same town: each service's share must equal the demo's own (a check that
    # tiling and the array-built network change no answer).
    one = {s: service_coverage(area, s).population_share for s in SERVICES}
    row["same_shares_as_demo"] = all(abs(shares[s] - one[s]) < 1e-9 for s in SERVICES)
    row["service_keys"] = list(SERVICES)
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, nargs="+", default=[250_000, 1_000_000])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: run one size, print its JSON
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_size(args.one)))
        return 0
    rows = []
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for size in args.nodes:
        p = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True, env=env)
        if p.returncode != 0:
            sys.stderr.write(p.stderr)
            return 1
        rows.append(json.loads(p.stdout.strip().splitlines()[-1]))
    for a, b in zip(rows, rows[1:]):
        # on CPU seconds: on a shared machine the wall clock's waiting for a core does not scale with size
        b["growth"] = math.log(b["after_load_cpu"] / a["after_load_cpu"]) / math.log(b["nodes"] / a["nodes"])
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    services = rows[0]["service_keys"]
    head = ["nodes", "edges", "cells", "facilities", "build", "snap", *services, "after_load", "after_load_cpu",
            "peak_MiB", "growth"]
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} (shared machine)")
    print(" | ".join(head))
    for r in rows:
        cells = [f"{r[h]:,}" if isinstance(r.get(h), int) else (f"{r[h]:.2f}" if isinstance(r.get(h), float) else "-")
                 for h in head]
        print(" | ".join(cells))
    print("same shares as the demo in every tile: " + ", ".join(str(r["same_shares_as_demo"]) for r in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
