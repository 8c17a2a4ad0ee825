"""Benchmark: "who is within 15 minutes of each of the six life-circle services" three ways.

    python benchmarks/bench_accessibility.py [--scales 1 4] [--minutes 15] [--json]

Per demo scale (``demo.yuncheng.load_yuncheng_demo(scale=s)``) it times, in one run:

(a) **ours** — :func:`accessibility.coverage.life_circle`: for all six services, snap the
    facilities, one super-source multi-source Dijkstra (``scipy.sparse.csgraph``), every
    population cell's minutes with its own snap offsets, shares and district tables. The travel
    network (CSR matrix) and the snapping of the population cells are built once per study area and
    cached; they are **excluded** from ``ours_s`` and reported separately as ``ours_build_s``.
    ``ours_core_s`` is the bare same-answer computation (six Dijkstra calls + lookups).
(b) **ego_graph** — the osmnx/networkx recipe: ``nx.ego_graph(G, node, radius, distance="time")``
    per facility, union of reached nodes. Graph conversion excluded. If all facilities would take
    too long (``--ego-budget`` seconds per scale), it runs on a subset and extrapolates linearly in the
    number of facilities, and says so (``egograph_extrapolated``).
(c) **pandana** — ``pandana.Network`` build (contraction hierarchies) + ``set_pois`` +
    ``nearest_pois`` per service; ``pandana_s`` = build + queries.

Same answer, same semantic. ego_graph can only say "node reached within the radius", so the
comparison uses the semantic all three can express: each facility is moved onto its nearest network
node (sklearn ``KDTree``; then our edge snap puts it at that node with offset 0, and pandana's own
POI snapping picks the same node), and a cell counts as covered when its nearest node is reached
within the limit (``<=`` for ours and ego_graph; pandana reports unreached nodes *at* the limit, so
``<`` there). Elderly care runs at the elderly pace (50 m/min) in all three, as in ``hedong coverage``.
Cells whose node time lies within ``TOL_S`` of the limit are not counted as disagreements (float
round-off between implementations); their number is reported. ``agree`` is true when every other
cell agrees for every service.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from layers.families import LIFE_CIRCLE_SERVICES, SERVICES  # noqa: E402
from layers.norms import SPEEDS  # noqa: E402

TOL_S = 1e-3


def _node_snapped_facilities(area, net):
    """The facility layer with every point moved onto its nearest network node (sklearn KDTree)."""
    import geopandas as gpd
    from sklearn.neighbors import KDTree

    fac = area.facilities.copy()
    pts = fac.geometry
    _, idx = KDTree(net.xy).query(np.c_[pts.x, pts.y], k=1)
    fac["node"] = idx[:, 0]
    fac = gpd.GeoDataFrame(fac, geometry=gpd.points_from_xy(*net.xy[idx[:, 0]].T), crs=area.crs)
    return fac


def run_scale(scale: float, minutes: float, ego_budget: float, log) -> dict:
    import networkx as nx
    from sklearn.neighbors import KDTree

    from accessibility.context import ComputeContext
    from accessibility.coverage import effective_mode, life_circle, service_facilities
    from accessibility.reach import nearest_seconds
    from demo.yuncheng import load_yuncheng_demo

    limit = minutes * 60.0
    t = time.perf_counter()
    area = load_yuncheng_demo(scale=scale)
    log(f"scale {scale}: demo loaded in {time.perf_counter() - t:.1f} s")

    # ---- (a) ours: build (excluded) then the six services
    t = time.perf_counter()
    nets = {m: ComputeContext.for_area(area).network(m) for m in ("walk", "walk_elderly")}
    ComputeContext.for_area(area).cell_snap("walk")
    build_s = time.perf_counter() - t
    fac = _node_snapped_facilities(area, nets["walk"])
    life_circle(area, minutes, facilities=fac)  # warm-up (imports, first-call allocations)
    t = time.perf_counter()
    lc = life_circle(area, minutes, facilities=fac)
    ours_s = time.perf_counter() - t

    pop = area.population
    _, anchor = KDTree(nets["walk"].xy).query(np.c_[pop.geometry.x, pop.geometry.y], k=1)
    anchor = anchor[:, 0]
    svc_nodes, svc_mode = {}, {}
    for k in LIFE_CIRCLE_SERVICES:
        f = service_facilities(fac, SERVICES[k])
        svc_nodes[k] = np.unique(f["node"].to_numpy())
        svc_mode[k] = effective_mode(SERVICES[k], "walk")
    snaps = {k: nets[svc_mode[k]].snap(service_facilities(fac, SERVICES[k])) for k in LIFE_CIRCLE_SERVICES}
    t = time.perf_counter()
    ours_cov = {k: nearest_seconds(nets[svc_mode[k]], snaps[k], limit_s=limit)[anchor] <= limit
                for k in LIFE_CIRCLE_SERVICES}
    ours_core_s = time.perf_counter() - t
    ours_T = {k: nearest_seconds(nets[svc_mode[k]], snaps[k])[anchor] for k in LIFE_CIRCLE_SERVICES}
    log(f"  ours: {ours_s:.3f} s (core {ours_core_s:.3f} s; network + cell snapping built once in {build_s:.2f} s)")

    # ---- (b) networkx ego_graph per facility
    G = nx.MultiDiGraph(area.graph)  # copy: the time attributes stay out of the area's graph
    for _, _, d in G.edges(data=True):
        d["t_walk"] = d["length"] / SPEEDS["walk"].m_per_s
        d["t_walk_elderly"] = d["length"] / SPEEDS["walk_elderly"].m_per_s
    ids = nets["walk"].node_ids
    pos = {n: i for i, n in enumerate(ids)}
    n_fac = sum(len(v) for v in svc_nodes.values())
    # estimate one ego_graph's cost to decide the subset
    k0 = LIFE_CIRCLE_SERVICES[0]
    nx.ego_graph(G, ids[svc_nodes[k0][0]], radius=limit, distance="t_walk")  # warm-up
    t = time.perf_counter()
    for node in svc_nodes[k0][:3]:
        nx.ego_graph(G, ids[node], radius=limit, distance="t_walk")
    per = (time.perf_counter() - t) / len(svc_nodes[k0][:3])
    frac = 1.0 if per * n_fac <= ego_budget else max(ego_budget / (per * n_fac), 0.02)
    ego_cov, done, ego_time = {}, 0, 0.0
    subset = {}
    for k in LIFE_CIRCLE_SERVICES:
        nodes = svc_nodes[k]
        m = max(1, int(round(len(nodes) * frac))) if frac < 1 else len(nodes)
        subset[k] = nodes[:m]
        attr = "t_walk_elderly" if svc_mode[k] == "walk_elderly" else "t_walk"
        reached = np.zeros(len(ids), dtype=bool)
        t = time.perf_counter()
        for node in subset[k]:  # the recipe: one ego graph per facility
            sub = nx.ego_graph(G, ids[node], radius=limit, distance=attr)
            reached[[pos[n] for n in sub.nodes]] = True
        ego_time += time.perf_counter() - t
        done += len(subset[k])
        ego_cov[k] = reached[anchor]
    extrapolated = done < n_fac
    egograph_s = ego_time * n_fac / done
    log(f"  ego_graph: {egograph_s:.2f} s" + (f" (extrapolated from {done} of {n_fac} facilities)" if extrapolated else ""))

    # ---- (c) pandana
    import pandas as pd
    import pandana

    net = nets["walk"]
    # pandana's C++ prints its progress on fd 1: send it to stderr so --json output stays JSON.
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    t = time.perf_counter()
    pn = pandana.Network(
        pd.Series(net.xy[:, 0], index=np.arange(net.n_nodes)), pd.Series(net.xy[:, 1], index=np.arange(net.n_nodes)),
        pd.Series(net.edge_u), pd.Series(net.edge_v),
        pd.DataFrame({"walk": net.edge_len / SPEEDS["walk"].m_per_s,
                      "walk_elderly": net.edge_len / SPEEDS["walk_elderly"].m_per_s}),
        twoway=True)
    pandana_build = time.perf_counter() - t
    os.dup2(saved, 1)
    os.close(saved)
    pan_cov, pan_T = {}, {}
    t = time.perf_counter()
    for k in LIFE_CIRCLE_SERVICES:
        f = service_facilities(fac, SERVICES[k])
        if len(f) == 0:
            pan_T[k] = np.full(len(anchor), np.inf)
            continue
        pn.set_pois(category=k, maxdist=limit, maxitems=1, x_col=f.geometry.x, y_col=f.geometry.y)
        res = pn.nearest_pois(distance=limit, category=k, num_pois=1, imp_name=svc_mode[k])
        pan_T[k] = res[1].to_numpy()[anchor]
    pandana_query = time.perf_counter() - t
    pandana_s = pandana_build + pandana_query
    for k in LIFE_CIRCLE_SERVICES:
        pan_cov[k] = pan_T[k] < limit
    log(f"  pandana: {pandana_s:.2f} s (build {pandana_build:.2f} s + queries {pandana_query:.3f} s)")

    # ---- agreement
    agree, borderline, mismatches = True, 0, {}
    for k in LIFE_CIRCLE_SERVICES:
        border = np.abs(ours_T[k] - limit) <= TOL_S
        borderline += int(border.sum())
        if extrapolated:  # compare ego_graph with ours restricted to the same facility subset
            sub_snap = nets[svc_mode[k]].snap(np.asarray(net.xy[subset[k]]))
            ref_ego = nearest_seconds(nets[svc_mode[k]], sub_snap, limit_s=limit)[anchor] <= limit
        else:
            ref_ego = ours_cov[k]
        bad_ego = int(((ego_cov[k] != ref_ego) & ~border).sum())
        bad_pan = int(((pan_cov[k] != ours_cov[k]) & ~border).sum())
        mismatches[k] = {"egograph": bad_ego, "pandana": bad_pan}
        agree &= bad_ego == 0 and bad_pan == 0
    shares = {k: lc.services[k].population_share for k in LIFE_CIRCLE_SERVICES}
    return {
        "scale": scale, "nodes": net.n_nodes, "edges": int(net.csr.nnz), "cells": len(pop), "facilities": n_fac,
        "minutes": minutes,
        "ours_s": round(ours_s, 4), "ours_core_s": round(ours_core_s, 4), "ours_build_s": round(build_s, 3),
        "egograph_s": round(egograph_s, 3), "egograph_extrapolated": extrapolated,
        "egograph_facilities_run": done,
        "pandana_s": round(pandana_s, 3), "pandana_build_s": round(pandana_build, 3),
        "pandana_query_s": round(pandana_query, 4),
        "speedup_vs_egograph": round(egograph_s / ours_s, 1), "speedup_vs_pandana": round(pandana_s / ours_s, 1),
        # the like-for-like ratio: the same covered-node answer ego_graph gives, without our extras
        # (per-cell offsets, medians, p90, district tables)
        "speedup_core_vs_egograph": round(egograph_s / ours_core_s, 1),
        "agree": bool(agree), "borderline_cells": borderline, "mismatches": mismatches,
        "population_share": {k: round(v, 4) for k, v in shares.items()},
        "all_services_share": round(lc.all_services_share, 4),
        "mean_services_within": round(lc.mean_services_within, 3),
    }


def main(argv=None) -> int:
    """Run the benchmark; prints a table (or ``--json``: a list, one object per scale)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[1.0, 4.0])
    ap.add_argument("--minutes", type=float, default=15.0)
    ap.add_argument("--ego-budget", type=float, default=120.0,
                    help="seconds of ego_graph work per scale before switching to a subset + extrapolation")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    log = (lambda s: sys.stderr.write(s + "\n")) if args.json else print
    out = []
    for s in args.scales:
        r = run_scale(s if s != int(s) else int(s), args.minutes, args.ego_budget, log)
        out.append(r)
        if not args.json:
            print(f"  => ours {r['ours_s']:.3f} s | ego_graph {r['egograph_s']:.2f} s "
                  f"({r['speedup_vs_egograph']}x{', extrapolated' if r['egograph_extrapolated'] else ''}) | "
                  f"pandana {r['pandana_s']:.2f} s ({r['speedup_vs_pandana']}x) | core-only vs ego_graph "
                  f"{r['speedup_core_vs_egograph']}x | agree: {r['agree']} "
                  f"(borderline cells {r['borderline_cells']})")
    if args.json:
        print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
