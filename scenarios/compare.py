"""Compare scenarios side by side: deltas per level and district, and which projects differ.

``delta`` is always *second minus first* (for more than two scenarios: each against the first),
so a negative ``unserved`` delta is an improvement. Exports: a UTF-8-with-BOM CSV (Excel opens
Chinese names correctly only with the BOM) and a GeoPackage for QGIS (district deltas as
polygons, project differences as points).
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gis.io import write_csv_atomic, write_gpkg_atomic
from layers.families import CLASSES_OF, PROJECT_CAPACITY
from scenarios.evaluate import Evaluator
from scenarios.model import PLAN_YEARS, resolve_scenario
from scenarios.streets import street_rows

__all__ = ["project_diff", "action_diff", "street_diff", "compare", "delta", "to_rows", "export_csv", "export_gpkg"]

#: A site moved if it shifted more than this (m) — below it is digitising noise.
MOVE_TOLERANCE_M = 1.0


def project_diff(a, b) -> list[dict]:
    """Projects that differ between scenarios ``a`` and ``b`` (by ``project_id``).

    Returns a list of ``{project_id, name, change, details}``; ``change`` is ``added``,
    ``removed``, ``moved``, ``changed`` or ``moved+changed``.
    """
    pa = a.projects.set_index("project_id")
    pb = b.projects.to_crs(a.projects.crs).set_index("project_id") if len(b.projects) and a.projects.crs else \
        b.projects.set_index("project_id")
    out = []
    for pid in sorted(set(pa.index) | set(pb.index)):
        if pid not in pa.index:
            out.append({"project_id": pid, "name": pb.loc[pid, "name"], "change": "added", "details": ""})
            continue
        if pid not in pb.index:
            out.append({"project_id": pid, "name": pa.loc[pid, "name"], "change": "removed", "details": ""})
            continue
        ra, rb = pa.loc[pid], pb.loc[pid]
        kinds, det = [], []
        dist = ra.geometry.distance(rb.geometry)
        if dist > MOVE_TOLERANCE_M:
            kinds.append("moved")
            det.append(f"moved {dist:,.0f} m")
        for col in ("type", *PROJECT_CAPACITY, "open_year", "build_year", *CLASSES_OF.values()):
            va, vb = ra.get(col), rb.get(col)
            if (pd.isna(va) and pd.isna(vb)) or (not pd.isna(va) and not pd.isna(vb) and va == vb):
                continue
            det.append(f"{col} {va} -> {vb}")
            if "changed" not in kinds:
                kinds.append("changed")
        if kinds:
            out.append({"project_id": pid, "name": rb["name"], "change": "+".join(kinds), "details": "; ".join(det),
                        "distance_m": float(dist)})
    return out


def action_diff(a, b) -> list[dict]:
    """Actions on schools (expand / close / convert) that differ between scenarios ``a`` and ``b``.

    Returns ``{action_id, kind, facility_id, year, change, details}``; ``change`` is ``added``,
    ``removed`` or ``changed`` (matched by ``action_id``)."""
    cols = ("kind", "facility_id", "year", "level", "classes", "into", "beds")
    aa = {str(r["action_id"]): r for r in a.actions.to_dict(orient="records")}
    bb = {str(r["action_id"]): r for r in b.actions.to_dict(orient="records")}

    def text(r):
        t = f"{r['kind']} {r['facility_id']} in {r['year']}"
        if r["kind"] == "expand":
            t += f" (+{r['classes']} {r['level']} classes)"
        if r["kind"] == "close" and r["into"]:
            t += f" into {r['into']}"
        if r["kind"] == "convert":
            t += f" to elderly care ({r['beds']} beds)"
        return t

    out = []
    for aid in sorted(set(aa) | set(bb)):
        ra, rb = aa.get(aid), bb.get(aid)
        if ra is None or rb is None:
            r = rb if ra is None else ra
            out.append({"action_id": aid, "kind": r["kind"], "facility_id": r["facility_id"], "year": int(r["year"]),
                        "change": "added" if ra is None else "removed", "details": text(r)})
        elif any(ra[c] != rb[c] for c in cols):
            out.append({"action_id": aid, "kind": rb["kind"], "facility_id": rb["facility_id"], "year": int(rb["year"]),
                        "change": "changed", "details": f"{text(ra)} -> {text(rb)}"})
    return out


def street_diff(a, b) -> list[dict]:
    """Street changes (:mod:`scenarios.streets`) that differ between scenarios ``a`` and ``b``, matched by
    ``street_id``: ``{street_id, kind, way_id, year, change (added / removed / changed), details}``."""
    ra = {r["street_id"]: r for r in street_rows(a.streets)}
    rb = {r["street_id"]: r for r in street_rows(b.streets)}

    def text(r):
        what = r["tags"].get("name") or r["tags"].get("highway") or "street"
        return f"{r['kind']} {r['way_id'] or what} from {r['year']}"

    out = []
    for sid in sorted(set(ra) | set(rb)):
        x, y = ra.get(sid), rb.get(sid)
        if x is None or y is None:
            r = y if x is None else x
            out.append({"street_id": sid, "kind": r["kind"], "way_id": r["way_id"], "year": r["year"],
                        "change": "added" if x is None else "removed", "details": text(r)})
        elif x != y:
            out.append({"street_id": sid, "kind": y["kind"], "way_id": y["way_id"], "year": y["year"],
                        "change": "changed", "details": f"{text(x)} -> {text(y)}"})
    return out


def _num(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def _sub(b, a):
    a, b = _num(a), _num(b)
    return None if a is None or b is None else b - a


def delta(ev_a: dict, ev_b: dict) -> dict:
    """Per level and district differences (b - a) of two evaluation JSON dicts."""
    out = {}
    for lv in ev_a["levels"]:
        la, lb = ev_a["levels"][lv], ev_b["levels"][lv]
        d = {k: _sub(lb.get(k), la.get(k)) for k in ("demand", "seats", "assigned", "unserved", "median_minutes",
                                                      "coverage", "balance", "classes")}
        da = {r.get("district_id", r["district"]): r for r in la["by_district"]}
        rows = []
        for r in lb["by_district"]:
            ra = da.get(r.get("district_id", r["district"]), {})
            rows.append({"district": r["district"], "district_id": r.get("district_id"),
                         **{k: _sub(r.get(k), ra.get(k)) for k in ("seats", "assigned", "unserved", "coverage",
                                                                    "median_minutes", "balance", "classes")}})
        d["by_district"] = rows
        out[lv] = d
    return out


def compare(area, specs, years=None, minutes=None, assign: str = "walk") -> dict:
    """Evaluate two or more scenarios for one year or several, with deltas against the first.

    Parameters
    ----------
    area : StudyArea
    specs : list
        Scenario names, paths or :class:`~scenarios.model.Scenario` objects (two or more).
    years : int or sequence of int, optional
        One year, or several (default: 2021-2030, :data:`scenarios.model.PLAN_YEARS`).
    minutes : float, optional
        Override every level's walking limit.

    Returns
    -------
    dict
        ``{"scenarios": [...], "years": [...], "evaluations": {year: [eval json per scenario]},
        "delta": {year: [delta per later scenario]}, "projects": [diff per later scenario],
        "actions": [action diff per later scenario], "streets": [street diff per later scenario],
        "street_delta": {year: [per scenario: what its street changes alone change (the scenario minus the
        same scenario without them), None for one without street changes]}}``;
        for a single year also ``"evaluation_a"``, ``"evaluation_b"`` and a flat ``"delta"``.
    """
    if len(specs) < 2:
        raise ValueError("compare needs two or more scenarios")
    scns = [resolve_scenario(area, s) for s in specs]
    single = isinstance(years, (int, np.integer))
    yrs = [int(years)] if single else list(years or PLAN_YEARS)
    ev = Evaluator.for_area(area)
    evals = {y: [ev.evaluate(s, y, minutes, assign=assign).to_json() for s in scns] for y in yrs}
    deltas = {y: [delta(evals[y][0], e) for e in evals[y][1:]] for y in yrs}
    # What the streets alone change: each scenario against itself without its street changes.
    bare = [s.replace(streets=s.streets.iloc[0:0]) if len(s.streets) else None for s in scns]
    street_delta = {y: [None if b is None else delta(ev.evaluate(b, y, minutes, assign=assign).to_json(), e)
                        for b, e in zip(bare, evals[y])] for y in yrs}
    out = {"scenarios": [s.name for s in scns], "years": yrs,
           "projects": [project_diff(scns[0], s) for s in scns[1:]],
           "actions": [action_diff(scns[0], s) for s in scns[1:]],
           "streets": [street_diff(scns[0], s) for s in scns[1:]]}
    if single:
        y = yrs[0]
        out.update({"year": y, "evaluations": evals[y], "evaluation_a": evals[y][0], "evaluation_b": evals[y][1],
                    "delta": deltas[y][0] if len(scns) == 2 else deltas[y], "street_delta": street_delta[y]})
    else:
        out.update({"evaluations": {str(y): evals[y] for y in yrs}, "delta": {str(y): deltas[y] for y in yrs},
                    "street_delta": {str(y): street_delta[y] for y in yrs}})
    return out


def to_rows(result: dict) -> pd.DataFrame:
    """One row per year, level, district and scenario with the delta against the first scenario."""
    rows = []
    yrs = result["years"]
    for y in yrs:
        evs = result["evaluations"] if "year" in result else result["evaluations"][str(y)]
        base = evs[0]
        for ev in evs:
            for lv, L in ev["levels"].items():
                # Keyed by district_id: two districts sharing a name must never merge (issue 14).
                bd = {r.get("district_id", r["district"]): r for r in base["levels"][lv]["by_district"]}
                for r in [{"district": "(all)", "district_id": "(all)",
                           **{k: L.get(k) for k in ("demand", "seats", "assigned", "unserved", "median_minutes",
                                                    "coverage", "balance", "utilisation", "demand_ratio", "classes")}},
                          *L["by_district"]]:
                    key = r.get("district_id", r["district"])
                    b = bd.get(key) if key != "(all)" else base["levels"][lv]
                    rows.append({"year": y, "scenario": ev["scenario"], "level": lv, "district": r["district"],
                                 "district_id": key,
                                 "enrolment": r["demand"], "seats": r["seats"], "balance": r.get("balance"),
                                 "utilisation": _num(r.get("utilisation")),  # old name of demand_ratio
                                 "demand_ratio": _num(r.get("demand_ratio")), "classes": r.get("classes"),
                                 "demand": r["demand"], "assigned": r["assigned"],
                                 "unserved": r["unserved"], "coverage": _num(r.get("coverage")),
                                 "median_minutes": _num(r.get("median_minutes")),
                                 "delta_unserved": _sub(r["unserved"], (b or {}).get("unserved")),
                                 "delta_coverage": _sub(r.get("coverage"), (b or {}).get("coverage")),
                                 "delta_median_minutes": _sub(r.get("median_minutes"), (b or {}).get("median_minutes"))})
    return pd.DataFrame(rows)


def export_csv(result: dict, path) -> Path:
    """Write :func:`to_rows` as UTF-8-with-BOM CSV (opens in Excel with Chinese intact); cells that
    would start a formula are prefixed (:func:`gis.io.write_csv_atomic`)."""
    return write_csv_atomic(to_rows(result), path)


def export_gpkg(result: dict, area, path, scenarios=None, *, append: bool = False,
                replace_layers: bool = False) -> Path:
    """Write a GeoPackage: ``district_delta`` polygons (per year, level, scenario) and ``project_changes`` points.

    ``scenarios`` are the specs given to :func:`compare` (names, paths or Scenario objects); without
    them the names in ``result`` are resolved, which fails for a scenario read from a file (its name
    is not a path).
    """
    df = to_rows(result)
    df = df[df["district"] != "(all)"]
    d = area.districts[["district_id", "geometry"]].assign(district_id=lambda x: x["district_id"].astype(str))
    g = gpd.GeoDataFrame(df.merge(d, on="district_id", how="left"), geometry="geometry", crs=area.crs)
    scns = [resolve_scenario(area, n) for n in (result["scenarios"] if scenarios is None else scenarios)]
    pts = []
    for s, diff in zip(scns[1:], result["projects"]):
        geo = s.projects.set_index("project_id").geometry
        base = scns[0].projects.set_index("project_id").geometry
        for r in diff:
            geom = geo.get(r["project_id"]) if r["project_id"] in geo.index else base.get(r["project_id"])
            pts.append({"scenario": s.name, "project_id": r["project_id"], "name": r["name"], "change": r["change"],
                        "details": r["details"], "geometry": geom})
    p = gpd.GeoDataFrame(pts, geometry="geometry", crs=area.crs) if pts else None

    return write_gpkg_atomic({"district_delta": g} | ({"project_changes": p} if p is not None else {}), path,
                             append=append, replace_layers=replace_layers)
