"""`hedong info`: what a study area holds — network, population by cohort and district, facilities, plan.

Every figure is computed from the study area's layers (nothing is read from a report), so the
command works the same for the generated demo, real OSM areas and a user's own folder.
JSON keys follow shared CONTRACT.md and are a promise: add keys, never rename or drop one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gis import areas  # called as areas.load_area: one place a caller can swap the loader
from hedong.cli import add_area_argument
from hedong.output import print_json, table
from layers.schema import COHORTS, FAMILIES, FAMILY_LABELS


def _int(v) -> int:
    """Round a count that may be float (a user's population layer) to a JSON integer."""
    v = float(v)
    return int(round(v)) if np.isfinite(v) else 0


def _graph_size(area, streets: str) -> tuple[int, int, dict]:
    """(nodes, edges, graph attributes) of the area's ``walk`` or ``bike`` graph; a cached area's
    from its street tables, without building the networkx graph."""
    frames = area.street_frames(streets)
    if frames is not None:
        return (*frames.counts(), frames.attrs)
    G = area.graph if streets == "walk" else area.bike_graph
    return G.number_of_nodes(), G.number_of_edges(), G.graph


def _network(area) -> dict:
    """The ``network`` block: sizes, and what the OSM filter kept and dropped (by tag)."""
    nodes, edges, attrs = _graph_size(area, "walk")
    rep = attrs.get("osm_filter") or {}
    bike = _graph_size(area, "bike") if area.has_bike_graph else None
    return {"nodes": int(nodes), "edges": int(edges),
            "kept_ways": rep.get("kept_ways", {}).get("walk"),
            "dropped_ways": {str(k): int(n) for k, n in rep.get("dropped_ways", {}).get("walk", {}).items()},
            "bike": None if bike is None else {"nodes": int(bike[0]), "edges": int(bike[1])}}


def info_dict(area) -> dict:
    """The ``hedong info --json`` document of a study area (CONTRACT.md keys, in contract order).

    Parameters
    ----------
    area : gis.study_area.StudyArea

    Returns
    -------
    dict
        ``area``, ``synthetic``, ``crs``, ``network`` {``nodes``, ``edges`` (directed edges of the
        MultiDiGraph), ``kept_ways`` and ``dropped_ways`` {reason: ways} (what the walk filter of
        :mod:`gis.osm_filter` did to the area's OSM file; null / {} when the area was not read from
        one just now, e.g. a cached demo), ``bike`` {``nodes``, ``edges``} of the cycling graph or
        null when cycling rides the walking streets}, ``population`` {``total``, ``cells``, ``cohorts``}, ``districts``
        [{``id``, ``name``, ``population``}], ``facilities`` {family: count, all six},
        ``planned_projects`` {``count``, ``primary_seats``, ``junior_seats``, ``by_year`` (the plan's
        year, ``build_year``; ``open_year`` for a layer without it), ``by_open_year``}; and (added)
        ``estimated``, the layers the loader estimated rather than measured (``StudyArea.estimated``).
    """
    pop = area.population
    cohorts = {c: _int(pop[c].sum()) if c in pop else 0 for c in COHORTS}
    by_district = (pop.groupby(pop["district_id"].astype(str))["pop_total"].sum()
                   if "district_id" in pop and len(pop) else pd.Series(dtype=float))
    districts = [{"id": str(i), "name": str(n), "population": _int(by_district.get(str(i), 0))}
                 for i, n in zip(area.districts["district_id"], area.districts["name"])]
    fam = area.facilities["family"].value_counts() if "family" in area.facilities else pd.Series(dtype=int)
    facilities = {f: int(fam.get(f, 0)) for f in FAMILIES}

    prj = area.projects if area.projects is not None else pd.DataFrame()
    def count_years(col):
        years = pd.to_numeric(prj[col], errors="coerce").dropna().astype(int)
        return {str(y): int(n) for y, n in years.value_counts().sort_index().items()}

    # by_year counts the plan's year (build_year, construction starts); a projects layer without
    # build_year is read as before, its open_year counted. by_open_year: when pupils arrive.
    by_year: dict[str, int] = {}
    by_open_year: dict[str, int] = {}
    if len(prj) and "open_year" in prj:
        by_open_year = count_years("open_year")
        has_build = "build_year" in prj and pd.to_numeric(prj["build_year"], errors="coerce").notna().any()
        by_year = count_years("build_year") if has_build else by_open_year

    def seats(col):
        return _int(pd.to_numeric(prj[col], errors="coerce").fillna(0).sum()) if len(prj) and col in prj else 0

    return {
        "area": area.name,
        "synthetic": bool(area.synthetic),
        "crs": str(area.crs),
        "network": _network(area),
        "population": {"total": _int(pop["pop_total"].sum()) if "pop_total" in pop else 0, "cells": int(len(pop)),
                       "cohorts": cohorts},
        "districts": districts,
        "facilities": facilities,
        "planned_projects": {"count": int(len(prj)), "primary_seats": seats("seats_primary"),
                             "junior_seats": seats("seats_junior"), "by_year": by_year,
                             "by_open_year": by_open_year},
        "estimated": sorted(getattr(area, "estimated", ()) or ()),
    }


def _network_lines(n: dict) -> list[str]:
    """What the OSM filter left out, and the cycling network, as text lines."""
    out = []
    if n.get("bike"):
        out.append(f"Cycling network: {n['bike']['nodes']:,} nodes, {n['bike']['edges']:,} directed edges "
                   f"(bike filter, one-way streets respected)")
    else:
        out.append("Cycling network: the walking streets at cycling speed (no cycling graph in this area)")
    if n.get("kept_ways") is not None:
        dropped = n.get("dropped_ways") or {}
        out.append(f"OSM ways kept by the walk filter: {n['kept_ways']:,}; left out: {sum(dropped.values()):,}")
        items = list(dropped.items())
        out += [f"  {n_:>6,}  {why}" for why, n_ in items[:12]]
        if len(items) > 12:
            out.append(f"  {sum(n_ for _, n_ in items[12:]):>6,}  other reasons ({len(items) - 12}; see --json)")
    return out


def format_info(d: dict, area=None) -> str:
    """Human-readable text of :func:`info_dict` (tables via :func:`hedong.output.table`)."""
    kind = "generated demo data (not real)" if d["synthetic"] else "real data"
    pop = d["population"]
    lines = [
        f"Study area: {d['area']}  ({kind}, CRS {d['crs']})",
        f"Street network: {d['network']['nodes']:,} nodes, {d['network']['edges']:,} directed edges",
        *_network_lines(d["network"]),
        f"Population: {pop['total']:,} in {pop['cells']:,} cells",
        "",
        table([{"cohort": COHORTS[c]["en"], "people": v,
                "share": (v / pop["total"] if pop["total"] else 0.0)} for c, v in pop["cohorts"].items()]),
        "",
        "Districts",
        table([{"id": r["id"], "name": r["name"], "population": r["population"]} for r in d["districts"]]),
        "",
        "Existing facilities",
        table([{"family": f, "label": f"{FAMILY_LABELS[f]['zh']} / {FAMILY_LABELS[f]['en']}", "count": n}
               for f, n in d["facilities"].items()]),
        "",
    ]
    p = d["planned_projects"]
    if p["count"]:
        lines += [f"Planned projects: {p['count']} — {p['primary_seats']:,} primary seats, "
                  f"{p['junior_seats']:,} junior seats",
                  "by the plan's year (build_year: construction starts) and by opening year (pupils arrive)",
                  table([{"year": y, "projects (plan year)": p["by_year"].get(y, 0),
                          "projects opening": p.get("by_open_year", {}).get(y, 0)}
                         for y in sorted(set(p["by_year"]) | set(p.get("by_open_year", {})))])]
    else:
        lines.append("Planned projects: none")
    if area is not None and area.sources:
        est = getattr(area, "estimated", ()) or ()
        lines += ["", "Sources"] + [f"  {k}{' (estimated)' if k in est else ''}: {v}" for k, v in area.sources.items()]
    return "\n".join(lines)


def run(args) -> int:
    """Run ``hedong info`` with parsed ``args`` (``area``, ``json``)."""
    area = areas.load_area(args.area)
    d = info_dict(area)
    if args.json:
        print_json(d)
    else:
        print(format_info(d, area))
    return 0


def register(subparsers) -> None:
    """Add the ``info`` command to the ``hedong`` parser."""
    p = subparsers.add_parser("info", help="what a study area holds: network, population, districts, facilities, plan",
                              description="Summarise a study area: street network size, population by age cohort "
                                          "and district, facilities per family and the planned projects.")
    add_area_argument(p)
    p.add_argument("--json", action="store_true", help="stable JSON output (keys per CONTRACT.md)")
    p.set_defaults(func=run)
