"""Benchmark (issue 13): a warm start — the cached demo loaded, then the first coverage result.

    python benchmarks/bench_warm_load.py [--scale 1] [--repeat 5] [--json]

Two paths, each timed in fresh processes (imports excluded, the same for both), alternating:

* **new** — ``load_area("yuncheng-demo")`` keeps the street graph as its cached tables
  (:class:`gis.street_frames.StreetFrames`) and the first ``service_coverage(area, "fitness")``
  builds the travel network straight from them (``TravelNetwork.from_street_frames``);
* **old** — the same load, then the networkx graph built and given to the area as it was before
  (``area.replace(graph=area.graph)``), so the first coverage builds the network from the graph
  (``TravelNetwork.from_graph``): the warm start before issue 13.

Printed: the medians of ``load_s`` (area ready) and ``first_s`` (load + first coverage result),
old / new as a ratio, and whether both paths gave identical cell minutes. The cache entry is built
first if missing (not timed). Read the figures with the load average printed beside them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(path: str, scale: float) -> dict:
    """One warm start in this process along ``path`` (``old`` / ``new``)."""
    from accessibility.coverage import service_coverage
    from demo.yuncheng import load_yuncheng_demo

    t0 = time.perf_counter()
    area = load_yuncheng_demo(scale=scale)
    if path == "old":  # the graph built at load and handed to the area, as before issue 13
        area = area.replace(graph=area.graph, bike_graph=area.bike_graph, validate=False)
    t_load = time.perf_counter()
    cov = service_coverage(area, "fitness")
    t_first = time.perf_counter()
    return {"path": path, "from_cache": bool(area.cache.get("from_cache")),
            "tables": area.street_frames("walk") is not None,
            "load_s": t_load - t0, "first_s": t_first - t0,
            "cells_md5": hashlib.md5(cov.cell_minutes.to_numpy().tobytes()).hexdigest(),
            "share": cov.population_share}


def run(path: str, scale: float) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", path, "--scale", str(scale)], check=True,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    """Run the benchmark; prints a table (or ``--json``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", choices=("old", "new"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.scale)))
        return 0
    from demo.yuncheng import load_yuncheng_demo

    load_yuncheng_demo(scale=args.scale)  # make sure the cache entry exists (a cold build is not timed)
    runs = {"old": [], "new": []}
    for _ in range(args.repeat):
        for path in ("old", "new"):
            r = run(path, args.scale)
            assert r["from_cache"], "the demo was not read from the cache"
            runs[path].append(r)
    med = {p: {k: statistics.median(r[k] for r in rs) for k in ("load_s", "first_s")} for p, rs in runs.items()}
    same = len({r["cells_md5"] for rs in runs.values() for r in rs}) == 1
    res = {"scale": args.scale, "repeat": args.repeat, "load_average": os.getloadavg()[0],
           "old": med["old"], "new": med["new"],
           "load_ratio": med["old"]["load_s"] / med["new"]["load_s"],
           "first_ratio": med["old"]["first_s"] / med["new"]["first_s"],
           "new_path_uses_tables": all(r["tables"] for r in runs["new"]), "identical_cell_minutes": same}
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print(f"warm start, demo scale {args.scale:g}, median of {args.repeat} fresh processes "
              f"(load average {res['load_average']:.2f}):")
        for p in ("old", "new"):
            print(f"  {p}: area loaded {med[p]['load_s']:.3f} s, first coverage result {med[p]['first_s']:.3f} s")
        print(f"  old / new: load {res['load_ratio']:.2f}x, to first result {res['first_ratio']:.2f}x; "
              f"identical cell minutes: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
