"""`hedong scenario ...`: list, evaluate, compare, optimise, next-site, copy, move (CONTRACT.md).

Human-readable tables by default; ``--json`` prints the stable keys of CONTRACT.md (and more).
"""

from __future__ import annotations

import argparse

import numpy as np

from accessibility.params import check_count, check_minutes
from hedong.output import add_output_flags, check_out_file, gpkg_write_options, print_json, table
from layers.families import LEVELS


def _area(args):
    from gis.areas import load_area_cached

    return load_area_cached(args.area)


def _check_minutes(args) -> None:
    """``--minutes`` checked by the library's rule before the area loads (exit 2 otherwise)."""
    check_minutes(getattr(args, "minutes", None))


def _add_common(p, area=True, json=True):
    if area:
        from hedong.cli import add_area_argument

        add_area_argument(p)
    if json:
        p.add_argument("--json", action="store_true", help="stable JSON on stdout")


def register(subparsers) -> None:
    """Add the ``scenario`` command and its sub-commands to the ``hedong`` parser."""
    sc = subparsers.add_parser("scenario", help="school and kindergarten scenarios: evaluate, compare, optimise, edit")
    sub = sc.add_subparsers(dest="scenario_command", metavar="SUBCOMMAND")
    sc.set_defaults(func=lambda a: (sc.print_help(), 2)[1])

    p = sub.add_parser("list", help="shipped and stored scenarios of the area")
    _add_common(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("evaluate", help="seats within the walking limit, by level and district")
    _add_common(p)
    p.add_argument("--scenario", default="plan", help="shipped name, stored name or file (default plan)")
    p.add_argument("--year", type=int, default=2025)
    p.add_argument("--minutes", type=float, default=None, help="override the norm's walking limit for every level")
    p.add_argument("--catchments", metavar="FILE.gpkg", help="also write school catchment polygons")
    add_output_flags(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("compare", help="two or more scenarios side by side, with deltas")
    _add_common(p)
    p.add_argument("scenarios", nargs="+", metavar="S")
    p.add_argument("--year", type=int, default=None, help="one year (default: all plan years 2021-2025)")
    p.add_argument("--minutes", type=float, default=None)
    p.add_argument("--csv", metavar="FILE", help="export rows as UTF-8-BOM CSV (Excel)")
    p.add_argument("--gpkg", metavar="FILE", help="export district deltas and project changes (QGIS)")
    add_output_flags(p)
    p.set_defaults(func=cmd_compare)

    from scenarios.optimize import MODEL_HELP, OBJECTIVE_UNITS

    p = sub.add_parser(
        "optimize", help="choose new sites among candidates (HiGHS)", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Choose new school sites among candidates (exact MILP, HiGHS). Models:\n" + "\n".join(
            f"  {k:9s} {MODEL_HELP[k][1]} Objective in {OBJECTIVE_UNITS[k][1]}." for k in MODEL_HELP)
        + "\n\nCandidates file (--candidates): CSV with candidate_id, lon, lat (WGS84, or --coords gcj02/bd09) and "
        "an optional capacity (seats); or GeoJSON / GeoPackage points with candidate_id. Sites outside the study "
        "area are refused, naming the row. Example: docs/examples/candidates.csv.")
    _add_common(p)
    p.add_argument("--level", choices=list(LEVELS), default=LEVELS[0])
    p.add_argument("--model", choices=("pmedian", "mclp", "lscp", "pcenter", "cpmedian", "cmclp"), default="cmclp")
    p.add_argument("--p", type=int, default=1, help="number of new sites (existing schools always stay open)")
    p.add_argument("--minutes", type=float, default=None)
    p.add_argument("--candidates", metavar="FILE", help="CSV (candidate_id, lon, lat) or GeoJSON; default: generated")
    p.add_argument("--coords", choices=("wgs84", "gcj02", "bd09"), default="wgs84",
                   help="coordinate system of a CSV's lon/lat: gcj02 for Amap/Tencent lists, bd09 for Baidu")
    p.add_argument("--scenario", default="existing")
    p.add_argument("--year", type=int, default=2025)
    p.add_argument("--time-limit", type=float, default=60.0,
                   help="seconds for the MILP solver (default 60; when reached, the best solution found is reported with its MIP gap)")
    p.set_defaults(func=cmd_optimize)

    p = sub.add_parser("next-site", help="the single candidate serving most unserved children")
    _add_common(p)
    p.add_argument("--level", choices=list(LEVELS), default=LEVELS[0])
    p.add_argument("--minutes", type=float, default=None)
    p.add_argument("--candidates", metavar="FILE", help="CSV (candidate_id, lon, lat) or GeoJSON; default: generated")
    p.add_argument("--coords", choices=("wgs84", "gcj02", "bd09"), default="wgs84",
                   help="coordinate system of a CSV's lon/lat: gcj02 for Amap/Tencent lists, bd09 for Baidu")
    p.add_argument("--scenario", default="plan")
    p.add_argument("--year", type=int, default=2025)
    p.add_argument("--top", type=int, default=10, help="how many candidates to list (default 10)")
    p.set_defaults(func=cmd_next_site)

    p = sub.add_parser("copy", help="copy a scenario into the area's store under a new name")
    _add_common(p)
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_copy)

    p = sub.add_parser("move", help="edit a stored scenario: move a project, change its year or seats")
    _add_common(p)
    p.add_argument("dst", help="stored scenario name (create it with 'hedong scenario copy')")
    p.add_argument("--project", required=True, help="project_id")
    p.add_argument("--lon", type=float)
    p.add_argument("--lat", type=float)
    p.add_argument("--set-year", type=int)
    p.add_argument("--set-seats", type=int, help="seats of the project's main level (primary, junior or places)")
    p.add_argument("--seats-primary", type=int)
    p.add_argument("--seats-junior", type=int)
    p.add_argument("--places-kindergarten", type=int)
    p.set_defaults(func=cmd_move)


def cmd_list(args) -> int:
    """``hedong scenario list``."""
    from scenarios.model import list_scenarios

    rows = list_scenarios(_area(args))
    if args.json:
        print_json(rows)
    else:
        print(table(rows, ["name", "projects", "source", "seats_primary", "seats_junior", "places_kindergarten",
                           "description"]))
    return 0


def _level_table(ev_json) -> str:
    rows = [{"level": lv, **{k: L[k] for k in ("demand", "seats", "assigned", "unserved", "unserved_no_seat",
                                               "unserved_beyond_reach", "median_minutes")},
             "coverage": L.get("coverage") or 0.0} for lv, L in ev_json["levels"].items()]
    return table(rows)


def _candidates(args, area):
    """The ``--candidates`` file loaded (with ``--coords``), or None to generate candidates."""
    if not args.candidates:
        return None
    from scenarios.candidates import load_candidates

    return load_candidates(args.candidates, area.crs, coords=args.coords)


def cmd_evaluate(args) -> int:
    """``hedong scenario evaluate``."""
    _check_minutes(args)
    from scenarios.evaluate import Evaluator

    if args.catchments:
        check_out_file(args.catchments, args, "--catchments")
    area = _area(args)
    ev = Evaluator.for_area(area).evaluate(args.scenario, args.year, args.minutes)
    j = ev.to_json()
    if args.catchments:
        import geopandas as gpd
        import pandas as pd

        from gis.io import write_gpkg_atomic

        g = gpd.GeoDataFrame(pd.concat([r.catchments() for r in ev.levels.values()], ignore_index=True),
                             geometry="geometry", crs=area.crs)
        write_gpkg_atomic({"catchments": g}, args.catchments, **gpkg_write_options(args))
    if args.json:
        print_json(j)
        return 0
    print(f"scenario {j['scenario']}, {j['year']} ({j['seconds']:.2f} s)")
    print(_level_table(j))
    for lv, L in j["levels"].items():
        print(f"\n{lv} by district (limit {L['minutes']:g} min)")
        print(table(L["by_district"], ["district", "demand", "seats", "assigned", "unserved", "unserved_no_seat",
                                       "unserved_beyond_reach", "coverage", "median_minutes"]))
    for lv, L in j["levels"].items():
        util = [r["utilisation"] for r in L["schools"] if r["utilisation"] is not None]
        if util:
            full = sum(u >= 0.99 for u in util)
            print(f"{lv}: {len(util)} open schools, {full} full (>= 99 %), median utilisation {np.median(util):.0%}")
    print("\nunserved_no_seat: a school is within the limit but full (seat shortage); "
          "unserved_beyond_reach: no open school within the limit (siting gap). --minutes changes the limit.")
    return 0


def cmd_compare(args) -> int:
    """``hedong scenario compare``."""
    _check_minutes(args)
    from scenarios.compare import compare, export_csv, export_gpkg

    area = _area(args)
    if len(args.scenarios) < 2:
        from layers.errors import InputError

        raise InputError("compare needs two or more scenarios", field="scenarios")
    if args.csv:
        check_out_file(args.csv, args, "--csv", suffixes=(".csv",))
    if args.gpkg:
        check_out_file(args.gpkg, args, "--gpkg")
    res = compare(area, args.scenarios, args.year, args.minutes)
    if args.csv:
        export_csv(res, args.csv)
    if args.gpkg:
        export_gpkg(res, area, args.gpkg, scenarios=args.scenarios, **gpkg_write_options(args))
    if args.json:
        print_json(res)
        return 0
    from scenarios.compare import to_rows

    df = to_rows(res)
    df = df[df["district"] == "(all)"]
    print(table(df.to_dict(orient="records"), ["year", "scenario", "level", "demand", "seats", "assigned",
                                               "unserved", "delta_unserved", "median_minutes"]))
    for s, diff in zip(res["scenarios"][1:], res["projects"]):
        print(f"\nprojects differing from {res['scenarios'][0]} in {s}:")
        print(table(diff, ["project_id", "name", "change", "details"]))
    return 0


def cmd_optimize(args) -> int:
    """``hedong scenario optimize``."""
    _check_minutes(args)
    from scenarios.model import resolve_scenario
    from scenarios.optimize import optimize_area

    from layers.errors import InputError

    if not (args.time_limit > 0):  # also refuses NaN
        raise InputError("--time-limit must be a number of seconds greater than 0", field="--time-limit")
    check_count(args.p, "p", lo=0)
    area = _area(args)
    scn = resolve_scenario(area, args.scenario)
    res = optimize_area(area, args.level, args.model, args.p, args.minutes, _candidates(args, area), scn, args.year,
                        args.time_limit)
    if args.json:
        print_json(res)
        return 0
    print(f"{res['model']} for {res['level']} ({res['candidates']} candidates, {res['demand_cells']} cells, "
          f"{res['seconds']:.2f} s): objective {res['objective_value']:,.1f} {res['objective_unit']}")
    print(f"unserved children {res['unserved_before']:,} -> {res['unserved_after']:,}")
    if res.get("time_limit_reached"):
        gap = "unknown" if res.get("gap") is None else f"{res['gap']:.1%}"
        print(f"time limit reached: best solution found so far, within {gap} of the optimum (MIP gap)")
    print(table(res["chosen_sites"], ["candidate_id", "district", "lon", "lat", "lon_gcj02", "lat_gcj02", "seats"]))
    return 0


def cmd_next_site(args) -> int:
    """``hedong scenario next-site``."""
    _check_minutes(args)
    from scenarios.model import resolve_scenario
    from scenarios.optimize import best_next_site_area

    check_count(args.top, "top", lo=1)  # before the area loads
    area = _area(args)
    res = best_next_site_area(area, args.level, resolve_scenario(area, args.scenario), args.year, args.minutes,
                              _candidates(args, area), args.top)
    if args.json:
        print_json(res)
    else:
        print(table(res["best"]))
    return 0


def cmd_copy(args) -> int:
    """``hedong scenario copy SRC DST``."""
    from scenarios import store
    from scenarios.model import resolve_scenario, save_scenario
    from scenarios.store import ScenarioExistsError

    area = _area(args)
    s = resolve_scenario(area, args.src).copy(args.dst)
    s.area = store.area_id(area)
    try:
        path = save_scenario(s, overwrite=args.overwrite)
    except ScenarioExistsError as e:
        raise ScenarioExistsError(f"{e.reason}; add --overwrite to replace it", file=e.file, row=e.row,
                                  field=e.field) from None
    out = {"name": args.dst, "path": str(path), "projects": int(len(s.projects)), "from": args.src}
    print_json(out) if args.json else print(f"saved {args.dst} ({out['projects']} projects) to {path}")
    return 0


def cmd_move(args) -> int:
    """``hedong scenario move DST --project ID ...`` (edits a stored scenario under its lock: re-read,
    apply, save atomically — two edits at once both land)."""
    from layers.errors import InputError
    from layers.families import TYPE_CAPACITY
    from scenarios.model import edit_stored
    from scenarios.sites import check_site

    area = _area(args)
    if (args.lon is None) != (args.lat is None):
        raise InputError("give both --lon and --lat", field="lon")
    changed = []

    def edit(s):
        changed.clear()
        if args.lon is not None:
            check_site(area, args.lon, args.lat, field="--lon/--lat")
            s.move(args.project, args.lon, args.lat)
            changed.append("site")
        if args.set_year is not None:
            s.set_year(args.project, args.set_year)
            changed.append("open_year")
        seats = {"seats_primary": args.seats_primary, "seats_junior": args.seats_junior,
                 "places_kindergarten": args.places_kindergarten}
        if args.set_seats is not None:
            t = s.projects["type"].iloc[s._row(args.project)]  # an unknown project is an InputError
            seats[TYPE_CAPACITY[t][0]] = args.set_seats
        if any(v is not None for v in seats.values()):
            s.set_seats(args.project, **seats)
            changed.append("seats")
        if not changed:
            raise InputError("nothing to change: give --lon/--lat, --set-year or --set-seats", field="project")

    _, path = edit_stored(area, args.dst, edit)
    out = {"name": args.dst, "project": args.project, "changed": changed, "path": str(path)}
    print_json(out) if args.json else print(f"{args.dst}: {args.project} {', '.join(changed)} updated ({path})")
    return 0
