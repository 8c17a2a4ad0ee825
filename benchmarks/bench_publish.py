"""Benchmark: publishing the offline maps (the app's "publish" button), seconds per map; and the walking-area
union, piece by piece (the method before) against straight street chains (the method now), in one run.

Run: ``python benchmarks/bench_publish.py [--scale 1] [--lang zh] [--repeat 1] [--json]``.

1. **Publish.** Loads ``yuncheng-demo`` at ``--scale`` (``gis.areas.load_area``, from the disk cache after
   the first time) and times :func:`presentation.publish.publish_zip` — what the app's publish button and
   ``hedong publish`` do: 9 coverage maps, the life-circle map, 7 seat maps, the index, zipped. The first
   run starts from the freshly loaded area (its travel networks and cell snapping are built inside and
   counted); ``--repeat`` runs again on the same area, as a second click in the app would (the area's
   caches warm). Seconds per map = seconds / maps in the zip (index.html not counted). Target on this
   machine (issue 13): 1.5 s per map.
2. **Walking-area union.** For every service at its own minutes: the reached street pieces as
   :func:`accessibility.circles.service_area` cuts them, unioned after buffering each piece
   (``buffered_union(chains=False)``) and after joining them into straight chains (the default); total
   seconds of each, their ratio, and the largest symmetric difference of the two areas as a share of the
   area (they should agree up to the buffer arcs' approximation).

The machine is shared: the load average before and after is printed with the times.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import warnings
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def time_publish(area, lang: str, repeat: int, log) -> list[dict]:
    """Seconds of ``publish_zip`` per run, with the number of maps and the zip's size."""
    from presentation.publish import publish_zip

    runs = []
    for i in range(repeat):
        before = _load()
        t = time.perf_counter()
        data = publish_zip(area, lang=lang)
        s = time.perf_counter() - t
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            maps = sum(1 for n in z.namelist() if n.endswith(".html") and not n.endswith("/index.html"))
        runs.append({"run": i + 1, "seconds": round(s, 2), "maps": maps, "seconds_per_map": round(s / maps, 3),
                     "zip_mb": round(len(data) / 1e6, 2), "load_before": before, "load_after": _load()})
        log(f"publish run {i + 1}: {s:.2f} s, {maps} maps, {s / maps:.2f} s per map, zip {len(data) / 1e6:.1f} MB "
            f"(load {before} -> {runs[-1]['load_after']})")
    return runs


def time_unions(area, log) -> dict:
    """Total seconds of the two union methods over every service, and how far apart their areas are."""
    import shapely

    from accessibility.circles import WALK_OFF_M, _pieces_to_lines, buffered_union, reachable_pieces
    from accessibility.context import ComputeContext
    from accessibility.coverage import effective_mode, service_facilities
    from accessibility.reach import nearest_seconds
    from layers.families import SERVICES

    ctx = ComputeContext.for_area(area)
    old_s = new_s = 0.0
    worst = 0.0
    rows = []
    before = _load()
    for key, svc in SERVICES.items():
        mode = effective_mode(svc, None)
        net = ctx.network(mode)
        snap = ctx.facility_snap(service_facilities(area, svc), mode)
        budget = svc.minutes * 60.0
        _, edge, start, end = reachable_pieces(net, nearest_seconds(net, snap, limit_s=budget), budget, snap)
        lines = _pieces_to_lines(net, edge, start, end)
        t = time.perf_counter()
        old = buffered_union(lines, WALK_OFF_M, chains=False)
        t_old = time.perf_counter() - t
        t = time.perf_counter()
        new = buffered_union(lines, WALK_OFF_M)
        t_new = time.perf_counter() - t
        a = shapely.area(old)
        diff = float(shapely.area(shapely.symmetric_difference(old, new)) / a) if a > 0 else 0.0
        worst = max(worst, diff)
        old_s += t_old
        new_s += t_new
        rows.append({"service": key, "pieces": int(len(lines)), "pieces_s": round(t_old, 3),
                     "chains_s": round(t_new, 3), "rel_sym_diff": diff})
        log(f"  {key:13s} {len(lines):6,} pieces: piece by piece {t_old:.2f} s, chains {t_new:.2f} s, "
            f"areas differ by {diff:.1e} of the area")
    ratio = old_s / new_s if new_s > 0 else float("nan")
    log(f"union, all services: piece by piece {old_s:.2f} s, chains {new_s:.2f} s, ratio {ratio:.2f}x; "
        f"largest difference {worst:.1e} of the area (load {before} -> {_load()})")
    return {"pieces_s": round(old_s, 2), "chains_s": round(new_s, 2), "ratio": round(ratio, 2),
            "max_rel_sym_diff": worst, "services": rows}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="demo scale (1 = the default demo)")
    ap.add_argument("--lang", default="zh", choices=["zh", "en", "zh,en"])
    ap.add_argument("--repeat", type=int, default=1, help="publish runs on the same area (the first is cold)")
    ap.add_argument("--no-union", action="store_true", help="skip the union comparison")
    ap.add_argument("--json", action="store_true", help="print the results as JSON (the log goes to stderr)")
    args = ap.parse_args()
    log = (lambda s: print(s, file=sys.stderr, flush=True)) if args.json else (lambda s: print(s, flush=True))

    from gis.areas import load_area

    t = time.perf_counter()
    area = load_area("yuncheng-demo", scale=args.scale)
    log(f"yuncheng-demo scale {args.scale:g}: {len(area.population):,} cells, {len(area.facilities):,} facilities; "
        f"loaded in {time.perf_counter() - t:.1f} s")
    out = {"scale": args.scale, "lang": args.lang, "cells": len(area.population), "cpus": os.cpu_count(),
           "publish": time_publish(area, args.lang, max(1, args.repeat), log)}
    if not args.no_union:
        out["union"] = time_unions(area, log)
    if args.json:
        print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
