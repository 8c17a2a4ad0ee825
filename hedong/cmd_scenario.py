"""`hedong scenario ...`: list, evaluate, enrolment, compare, optimise, next-site, copy, move, action, street
(CONTRACT.md).

Human-readable tables by default; ``--json`` prints the stable keys of CONTRACT.md (and more).
"""

from __future__ import annotations

import argparse

import geopandas as gpd
import numpy as np
import pandas as pd

from accessibility.norm_check import norm_radius_m
from accessibility.params import check_count, check_minutes
from gis import areas  # called as areas.load_area_cached: one place a caller (a test, a plug-in) can swap the loader
from gis.io import write_csv_atomic
from presentation.qgis_styles import write_styled_gpkg
from scenarios.catchments import catchment_layer
from hedong.cli import add_area_argument
from hedong.output import (add_output_flags, check_out_file, gpkg_write_options, has_value, print_json,
                           table)
from layers.errors import InputError
from layers.params import choices_of
from layers.families import LEVELS, PROJECT_CAPACITY, SITED_LEVELS, TYPE_CAPACITY, levels_with_action
from layers.plan import EVALUATION_YEARS
from presentation.i18n import t
from scenarios import (
    optimize,  # called as optimize.optimize_area: tests and plug-ins can swap it
    store,
)
from scenarios.candidates import load_candidates
from scenarios.compare import compare, export_csv, export_gpkg, to_rows
from scenarios.demand import check_year
from scenarios.enrolment import enrolment_table
from scenarios.evaluate import Evaluator, evaluate, load_zones
from scenarios.model import edit_stored, facilities_for, list_scenarios, resolve_scenario, save_scenario
from scenarios.optimize import MODEL_HELP_KEYS, objective_unit_key
from scenarios.seat_warnings import warnings_by_year
from scenarios.sensitivity import sensitivity
from scenarios.sites import check_site
from scenarios.store import ScenarioExistsError
from scenarios.streets import check_street_edits, street_rows


def _area(args):
    return areas.load_area_cached(args.area)


def _check_minutes(args) -> None:
    """``--minutes`` checked by the library's rule before the area loads (exit 2 otherwise)."""
    check_minutes(getattr(args, "minutes", None))


def _add_common(p, area=True, json=True):
    if area:
        add_area_argument(p)
    if json:
        p.add_argument("--json", action="store_true", help="stable JSON on stdout")


def _add_assign(p) -> None:
    p.add_argument("--assign", choices=choices_of(evaluate, "assign"), default="catchment",
                   help="the enrolment rule every headline, table and school figure follows: catchment (default, "
                        "划片) — each child seated in a school of its own district with room, no walking cut-off; "
                        "walk — seated only within the level's walking minutes. Both rules also report the norm "
                        "check (规范核查, key norm_check: children within the standard's network distance in metres — "
                        + ", ".join(f"{lv} {norm_radius_m(lv):,.0f} m" for lv in LEVELS if norm_radius_m(lv)) +
                        " — of an open school) and the walking-minutes view (key walk_check)")


def register(subparsers) -> None:
    """Add the ``scenario`` command and its sub-commands to the ``hedong`` parser."""
    sc = subparsers.add_parser("scenario", help="school and kindergarten scenarios: evaluate, compare, optimise, edit")
    sub = sc.add_subparsers(dest="scenario_command", metavar="SUBCOMMAND")
    sc.set_defaults(func=lambda a: (sc.print_help(), 2)[1])

    p = sub.add_parser("list", help="shipped and stored scenarios of the area")
    _add_common(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("evaluate", help="seat balance by level and district, the norm check (metres), then seats "
                                        "within the walking limit (minutes)")
    _add_common(p)
    p.add_argument("--scenario", default="plan", help="shipped name, stored name or file (default plan)")
    p.add_argument("--year", type=int, default=2025,
                   help="school year (from September); projects seat pupils from their open_year (default 2025)")
    p.add_argument("--minutes", type=float, default=None,
                   help="override every level's walking limit in minutes (the minutes view; the norm check stays at "
                        "the standard's metres)")
    p.add_argument("--catchments", metavar="FILE.gpkg", help="also write school catchment polygons")
    _add_assign(p)
    p.add_argument("--zones", metavar="FILE", help="catchment zones (划片范围: polygons with zone_id, optional level) "
                                                   "used by --assign catchment instead of the districts")
    p.add_argument("--warnings", action="store_true",
                   help=f"also 学位预警 of every subdistrict and school in {EVALUATION_YEARS[0]}-{EVALUATION_YEARS[-1]} "
                        "with the first red year (red >= 100 %% utilisation, amber >= 90 %%; evaluates every year; "
                        "key 'warnings')")
    p.add_argument("--sensitivity", action="store_true",
                   help="also births low/high (x0.85 / x1.15) and projects opening 1 or 2 years after construction "
                        "starts (key 'sensitivity')")
    add_output_flags(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("enrolment", help="projected enrolment per district, level and year (2021-2030)")
    _add_common(p)
    p.add_argument("--from", dest="first", type=int, default=None, help="first year (default 2021)")
    p.add_argument("--to", dest="last", type=int, default=None, help="last year (default 2030)")
    p.add_argument("--demand", choices=("roster", "cohort", "growth"), default=None,
                   help="roster: grade progression from the pupil roster enrolment.csv (default when the area has one); "
                        "cohort: births and ageing (default when the area has births); growth: district growth_rate")
    p.add_argument("--csv", metavar="FILE", help="write the long table as UTF-8-BOM CSV (Excel)")
    add_output_flags(p, append=False)
    p.set_defaults(func=cmd_enrolment)

    p = sub.add_parser("action", help="edit a stored scenario: expand, close (merge) or convert an existing school")
    _add_common(p)
    p.add_argument("dst", help="stored scenario name (create it with 'hedong scenario copy')")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--expand", metavar="ID", help="facility_id (or project_id) to expand by --classes of --level")
    g.add_argument("--close", metavar="ID", help="facility_id to close; with --into its seats and pupils move there")
    g.add_argument("--convert", metavar="ID", help="kindergarten to turn into an elderly-care site (幼转老)")
    g.add_argument("--remove", metavar="ACTION_ID", help="drop an action (A1, A2 ...)")
    p.add_argument("--year", type=int, help="school year the action takes effect (from September)")
    p.add_argument("--level", choices=list(levels_with_action("expand")), help="level to expand")
    p.add_argument("--classes", type=int, default=0, help="classes to add (expand)")
    p.add_argument("--into", default="", help="receiving school of a closure (a merger)")
    p.add_argument("--beds", type=int, default=0, help="day-care beds of a converted kindergarten")
    p.add_argument("--notes", default="")
    p.set_defaults(func=cmd_action)

    _register_street(sub)

    p = sub.add_parser("compare", help="two or more scenarios side by side, with deltas")
    _add_common(p)
    p.add_argument("scenarios", nargs="+", metavar="S")
    p.add_argument("--year", type=int, default=None, help="one year (default: every year 2021-2030)")
    p.add_argument("--minutes", type=float, default=None)
    p.add_argument("--csv", metavar="FILE", help="export rows as UTF-8-BOM CSV (Excel)")
    p.add_argument("--gpkg", metavar="FILE", help="export district deltas and project changes (QGIS)")
    _add_assign(p)
    add_output_flags(p)
    p.set_defaults(func=cmd_compare)


    p = sub.add_parser(
        "optimize", help="choose new sites among candidates (HiGHS)", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Choose new school sites among candidates (exact MILP, HiGHS). Models:\n" + "\n".join(
            f"  {k:9s} {t(MODEL_HELP_KEYS[k], 'en')} Objective in {t(objective_unit_key(k), 'en')}."
            for k in MODEL_HELP_KEYS)
        + "\n\nCandidates file (--candidates): CSV with candidate_id, lon, lat (WGS84, or --coords gcj02/bd09) and "
        "an optional capacity (seats); or GeoJSON / GeoPackage points with candidate_id. Sites outside the study "
        "area are refused, naming the row. Example: docs/examples/candidates.csv.")
    _add_common(p)
    # Names of scenarios.optimize.MODELS / DECAYS, written out so that building the parser does not
    # import the solver stack (tests/test_attendance.py checks they agree); the levels are the
    # registry's services with siting models.
    p.add_argument("--level", choices=list(SITED_LEVELS), default=LEVELS[0],
                   help="school level; childcare only with --model attendance")
    p.add_argument("--model", choices=("pmedian", "mclp", "lscp", "pcenter", "cpmedian", "cmclp", "attendance"),
                   default="cmclp", help="attendance: maximise distance-decayed attendance (kindergarten, childcare)")
    p.add_argument("--decay", choices=("exponential", "linear"), default="exponential",
                   help="attendance model: exponential f(t) = 0.5 ** (t / h); linear f(t) = max(0, 1 - t / h)")
    p.add_argument("--decay-minutes", type=float, default=None,
                   help="attendance model: the decay scale h in minutes (default the service's norm minutes)")
    p.add_argument("--p", type=int, default=1, help="number of new sites (existing schools always stay open)")
    p.add_argument("--minutes", type=float, default=None)
    p.add_argument("--candidates", metavar="FILE", help="CSV (candidate_id, lon, lat) or GeoJSON; default: generated")
    p.add_argument("--coords", choices=choices_of(load_candidates, "coords"), default="wgs84",
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
    p.add_argument("--coords", choices=choices_of(load_candidates, "coords"), default="wgs84",
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
    for c in PROJECT_CAPACITY:  # one flag per capacity column a project may carry (--seats-primary ...)
        p.add_argument("--" + c.replace("_", "-"), type=int)
    p.set_defaults(func=cmd_move)


def cmd_list(args) -> int:
    """``hedong scenario list``."""
    rows = list_scenarios(_area(args))
    if args.json:
        print_json(rows)
    else:
        print(table(rows, ["name", "projects", "actions", "streets", "source", *PROJECT_CAPACITY,
                           "description"]))
    return 0


def norm_check_text(ev_json) -> str:
    """The norm check (规范核查, ``norm_check``) of every level: children within the standard's network
    distance of an open school, in total and by district — the same figure under either rule."""
    out = ["\nNorm check (规范核查): children living within the standard's network distance (metres, GB 50180-2018) "
           "of an open school of the level — the siting norm, whatever the enrolment rule"]
    rows = []
    for lv, L in ev_json["levels"].items():
        n = L.get("norm_check")
        if n:
            rows.append({"level": lv, "norm distance m": f"{n['radius_m']:,.0f}", "children": n["demand"],
                         "within": n["within"], "beyond": n["beyond"],
                         "share within": "" if n["share"] is None else f"{n['share']:.1%}"})
    out.append(table(rows))
    for lv, L in ev_json["levels"].items():
        n = L.get("norm_check")
        if n:
            out.append(f"\n{lv} norm check by district (within {n['radius_m']:,.0f} m; {n['clause']})")
            out.append(table([{"district": r["district"], "children": r["demand"], "within": r["within"],
                               "share within": "" if r["share"] is None else f"{r['share']:.1%}"}
                              for r in n["by_district"]]))
    return "\n".join(out)


def _level_table(ev_json) -> str:
    """The walking-minutes view of every level (its own section: ``walk_check``)."""
    rows = []
    for lv, L in ev_json["levels"].items():
        w = L.get("walk_check") or L
        rows.append({"level": lv, "demand": L["demand"], "seats": L["seats"],
                     **{k: w[k] for k in ("assigned", "unserved", "unserved_no_seat", "unserved_beyond_reach",
                                          "median_minutes")},
                     "coverage": w.get("coverage") or 0.0})
    return table(rows)


def _candidates(args, area):
    """The ``--candidates`` file loaded (with ``--coords``), or None to generate candidates."""
    if not args.candidates:
        return None

    return load_candidates(args.candidates, area.crs, coords=args.coords)


def cmd_evaluate(args) -> int:
    """``hedong scenario evaluate``."""
    _check_minutes(args)

    if args.catchments:
        check_out_file(args.catchments, args, "--catchments")
    area = _area(args)
    zones = None
    if args.zones:
        if args.assign != "catchment":
            raise InputError("--zones is the catchment rule's zones: use --assign catchment (the default), not "
                             "--assign walk", field="--zones")
        zones = load_zones(args.zones, area.crs)
    evaluator = Evaluator.for_area(area)
    scn = resolve_scenario(area, args.scenario)
    ev = evaluator.evaluate(scn, args.year, args.minutes, assign=args.assign, zones=zones)
    j = {**ev.to_json(), "synthetic": bool(area.synthetic)}  # generated data labelled, as coverage / indicators
    if args.warnings:
        years = [j if y == args.year else evaluator.evaluate(scn, y, args.minutes, assign=args.assign,
                                                               zones=zones).to_json() for y in EVALUATION_YEARS]
        j["warnings"] = warnings_by_year(years, args.assign)
    if args.sensitivity:
        j["sensitivity"] = sensitivity(area, scn, args.year, args.assign, minutes=args.minutes, evaluator=evaluator,
                                       zones=zones)
    if args.catchments:
        # the one catchment rule (scenarios.catchments: most children, ties to the lower facility_id)
        g = gpd.GeoDataFrame(pd.concat([catchment_layer(r) for r in ev.levels.values()], ignore_index=True),
                             geometry="geometry", crs=area.crs)
        write_styled_gpkg({"catchments": g}, args.catchments, **gpkg_write_options(args))
    if args.json:
        print_json(j)
        return 0
    rule = RULE_TEXT[j["assign"]]
    print(f"scenario {j['scenario']}, school year {j['year']} (from September; demand: {j['demand_mode']}, "
          f"{j['seconds']:.2f} s)" + (" — GENERATED DEMO DATA, not real" if area.synthetic else ""))
    print(f"rule: {rule}")
    print(seat_balance_text(j))
    for lv, L in j["levels"].items():
        util = [r["utilisation"] for r in L["schools"] if r["utilisation"] is not None]
        if util:
            full = sum(u >= 0.99 for u in util)
            print(f"{lv}: {len(util)} open schools, {full} full (>= 99 %), median utilisation {np.median(util):.0%} "
                  f"({j['assign']} rule)")
    print(norm_check_text(j))
    if j["assign"] == "catchment":
        print("\nWalking limit, minutes view (seated within the level's walking minutes by capacity; not the norm "
              "check and not the enrolment rule — every figure above is the catchment's)")
        print(_level_table(j))
        for lv, L in j["levels"].items():
            w = L["walk_check"]
            print(f"\n{lv} walking check by district (limit {w['minutes']:g} min)")
            print(table(w["by_district"], ["district", "assigned", "unserved", "unserved_no_seat",
                                           "unserved_beyond_reach", "coverage", "median_minutes"]))
        print("\nwithout a seat: no seat in the child's catchment; beyond the norm radius: seated, but living "
              "beyond the norm distance (metres) of its school. In the walking-minutes view, unserved_no_seat: a "
              "school is within the limit but full; unserved_beyond_reach: no open school within the limit. "
              "--minutes changes the limit (not the norm distance).")
    else:
        for lv, L in j["levels"].items():
            print(f"\n{lv} by district (limit {L['minutes']:g} min)")
            print(table(L["by_district"], ["district", "demand", "seats", "assigned", "unserved", "unserved_no_seat",
                                           "unserved_beyond_reach", "coverage", "median_minutes"]))
        print("\nunserved_no_seat: a school is within the limit but full (seat shortage); "
              "unserved_beyond_reach: no open school within the limit (siting gap). --minutes changes the limit.")
    if "warnings" in j:
        print(warnings_text(j["warnings"]))
    if "sensitivity" in j:
        print(sensitivity_text(j["sensitivity"]))
    if j["building"]:
        print(f"\nunder construction in {j['year']} (no pupils yet): "
              + ", ".join(f"{b['project_id']} (built from {b['build_year']}, opens {b['open_year']})"
                          for b in j["building"]))
    cc = j["class_checks"]
    if cc["outside_range"]:
        print(f"\n{cc['outside_range']} schools outside the class ranges ({cc['source']}):")
        print(table([c for c in cc["schools"] if c["flag"]], ["facility_id", "name", "subtype", "classes", "range",
                                                               "flag"]))
    return 0


def warnings_text(w: dict) -> str:
    """学位预警 over the years: the subdistricts and schools that turn red, with the first red year."""
    th = w["thresholds"]
    out = [f"\n学位预警 {w['years'][0]}-{w['years'][-1]} ({th['rule']}; schools under the {w['assign']} rule)"]
    for kind, key in (("subdistricts", "district"), ("schools", "name")):
        red = [r for r in w[kind if kind == "schools" else "districts"] if r["first_red"] is not None]
        out.append(f"{kind} turning red: {len(red)}")
        if red:
            out.append(table([{"level": r["level"], kind[:-1]: r[key], "first_red_year": r["first_red"],
                               **{y: r["warning_by_year"].get(y, "") for y in map(str, w["years"])}}
                              for r in red]))
    return "\n".join(out)


def sensitivity_text(s: dict) -> str:
    """The sensitivity rows as a table with their notes."""
    rows = [{k: r.get(k, "") for k in ("factor", "variant", "value", "level", "enrolment", "seats", "balance",
                                        "shortfall", "without_seat", "districts_red")} for r in s["rows"]]
    return "\n".join([f"\nsensitivity, {s['year']} ({s['assign']} rule)", table(rows), *s["notes"]])


#: The rule of a run as the text output names it.
RULE_TEXT = {"catchment": "catchment (划片): each child seated in a school of its own district with room, no walking "
                          "cut-off",
             "walk": "walk: seated only within the level's walking minutes (its life-circle tier at the walking pace)"}


def seat_balance_text(j: dict) -> str:
    """The seat balance by level and district under the run's rule — what the text output leads with.

    District rows show the seat balance and the shortfall (学位缺口), never a district's pupils per
    class (a shortfall is not a class); class-size flags are per school (large-class schools counted)."""
    out = []
    for lv, L in j["levels"].items():
        line = (f"\n{lv}: seats {L['seats']:,}, enrolment {L['enrolment']:,}, balance {L['balance']:+,}, "
                f"shortfall (学位缺口) {L.get('shortfall', 0):,}"
                + (f", utilisation {L['utilisation']:.0%}" if has_value(L.get("utilisation")) else "")
                + f"; without a seat ({j['assign']}) {L['unserved']:,}")
        radius = (L.get("catchment") or {}).get("norm_distance_m")
        if j["assign"] == "catchment" and radius is not None:
            line += f", seated beyond the norm radius ({radius:,.0f} m) {L.get('beyond_norm_radius') or 0:,}"
        if L.get("schools_large_classes"):
            line += f"; schools with large classes (大班额+) {L['schools_large_classes']}"
        out.append(line)
        rows = [{**r, "balance": f"{r['balance']:+,}", "without a seat": r["unserved"],
                 "large-class schools": r.get("schools_large_classes", 0)} for r in L["by_district"]]
        cols = ["district", "seats", "enrolment", "balance", "shortfall", "utilisation", "assigned", "without a seat",
                "classes", "large-class schools"]
        if j["assign"] == "catchment":
            for r in rows:
                r["beyond norm radius"] = r.get("beyond_norm_radius", 0)
                r["median walk min"] = r.get("median_minutes")
            cols += ["beyond norm radius", "median walk min"]
        out.append(table(rows, cols))
    return "\n".join(out)


def cmd_enrolment(args) -> int:
    """``hedong scenario enrolment``: projected enrolment per district, level and year."""
    first = check_year(args.first if args.first is not None else EVALUATION_YEARS[0])
    last = check_year(args.last if args.last is not None else EVALUATION_YEARS[-1])
    if last < first:
        raise InputError(f"--to {last} is before --from {first}", field="--to")
    if args.csv:
        check_out_file(args.csv, args, "--csv", suffixes=(".csv",))
    area = _area(args)
    df = enrolment_table(area, years=range(first, last + 1), mode=args.demand)
    if args.csv:
        write_csv_atomic(df, args.csv)  # the one CSV writer for people (formula-safe)
    if args.json:
        print_json({"area": area.name, "synthetic": bool(area.synthetic), "mode": df["mode"].iloc[0] if len(df) else args.demand,
                    "years": list(range(first, last + 1)), "rows": df.drop(columns="mode").to_dict(orient="records")})
        return 0
    mode = df["mode"].iloc[0] if len(df) else ""
    print(f"projected enrolment, {area.name} ({mode} mode; children of the level's ages living in each district)"
          + (" — GENERATED DEMO DATA, not real" if area.synthetic else ""))
    for lv, g in df.groupby("level", sort=False):
        w = g.pivot_table(index="district", columns="year", values="enrolment", sort=False)
        print(f"\n{lv}")
        print(table([{"district": d, **{str(y): int(v) for y, v in r.items()}} for d, r in w.iterrows()]))
    return 0


def cmd_action(args) -> int:
    """``hedong scenario action DST --expand/--close/--convert ID --year Y ...`` (edits a stored scenario
    under its lock, like ``move``)."""
    area = _area(args)
    if not args.remove and args.year is None:
        raise InputError("give --year (the school year the action takes effect)", field="--year")
    done = {}

    def edit(s):
        if args.remove:
            done.update(action=args.remove, change="removed")
            return s.remove_action(args.remove)
        kind, fid = next((k, v) for k, v in (("expand", args.expand), ("close", args.close),
                                              ("convert", args.convert)) if v)
        s = s.add_action(kind, fid, args.year, level=args.level, classes=args.classes, into=args.into,
                         beds=args.beds, notes=args.notes)
        facilities_for(area, s, args.year)  # unknown schools / levels fail here, before saving
        done.update(action=str(s.actions["action_id"].iloc[-1]), change=f"{kind} {fid} in {args.year}")
        return s

    s, path = edit_stored(area, args.dst, edit)
    out = {"name": args.dst, **done, "actions": int(len(s.actions)), "path": str(path)}
    print_json(out) if args.json else print(f"{args.dst}: action {done['action']} {done['change']} ({path})")
    return 0


def _register_street(sub) -> None:
    """``hedong scenario street add|close|list``: street changes of a stored scenario (scenarios.streets)."""
    st = sub.add_parser("street", help="edit a stored scenario's streets: add a street (a footbridge, a gate) or "
                                       "close one, from a year",
                        description="Street changes as scenario edits. A new street joins the network at its two "
                                    "ends (the nearest street node within 5 m, else the nearest street, split there); "
                                    "a closing removes an OSM way's segments (or an added street's) from a year. "
                                    "Evaluate, coverage --scenario and compare use the scenario's streets of the year.")
    ss = st.add_subparsers(dest="street_command", metavar="ACTION")
    st.set_defaults(func=lambda a: (st.print_help(), 2)[1])
    p = ss.add_parser("add", help="add a street (a line from --from through --via to --to, lon/lat WGS84)")
    _add_common(p)
    p.add_argument("dst", help="stored scenario name (create it with 'hedong scenario copy')")
    p.add_argument("--from", dest="start", required=True, metavar="LON,LAT")
    p.add_argument("--to", dest="end", required=True, metavar="LON,LAT")
    p.add_argument("--via", action="append", default=[], metavar="LON,LAT", help="a bend of the line (repeatable)")
    p.add_argument("--tags", default="highway=footway", help="OSM tags, k=v;k=v (default highway=footway)")
    p.add_argument("--year", type=int, required=True, help="year the street opens")
    p.add_argument("--id", dest="street_id", default=None, help="street_id (default S<n>)")
    p.add_argument("--notes", default="")
    p.set_defaults(func=cmd_street)
    p = ss.add_parser("close", help="close an OSM way (--way-id; or an added street's street_id) or the streets "
                                    "along a drawn line (--line), from a year")
    _add_common(p)
    p.add_argument("dst", help="stored scenario name")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--way-id", help="OSM way id, or the street_id of a street this scenario adds")
    g.add_argument("--line", metavar="LON,LAT;LON,LAT", help="close the streets within 10 m of this line")
    p.add_argument("--year", type=int, required=True, help="year the street closes")
    p.add_argument("--id", dest="street_id", default=None, help="street_id of this edit (default S<n>)")
    p.add_argument("--notes", default="")
    p.set_defaults(func=cmd_street)
    p = ss.add_parser("list", help="the street changes of a scenario")
    _add_common(p)
    p.add_argument("dst", help="scenario name or file")
    p.set_defaults(func=cmd_street)


def _lonlat(text: str, flag: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in str(text).split(","))
    except ValueError:
        raise InputError(f"give LON,LAT (e.g. 111.0,35.0), got {text!r}", field=flag) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(f"{text!r} is not a longitude,latitude pair", field=flag)
    return lon, lat


def cmd_street(args) -> int:
    """``hedong scenario street add|close|list`` (edits a stored scenario under its lock, like ``action``)."""
    area = _area(args)
    if args.street_command == "list":
        rows = street_rows(resolve_scenario(area, args.dst).streets)
        print_json(rows) if args.json else print(table([{**r, "tags": ";".join(f"{k}={v}" for k, v in r["tags"].items()),
                                                         "line": len(r["line"] or [])} for r in rows],
                                                       ["street_id", "kind", "way_id", "year", "tags", "notes"]))
        return 0
    check_year(args.year)

    def edit(s):
        if args.street_command == "add":
            pts = [_lonlat(args.start, "--from"), *(_lonlat(v, "--via") for v in args.via), _lonlat(args.end, "--to")]
            s = s.add_street(pts, args.year, tags=args.tags, street_id=args.street_id, notes=args.notes)
        else:
            line = None if args.line is None else [_lonlat(v, "--line") for v in args.line.split(";") if v.strip()]
            s = s.close_street(args.year, way_id=args.way_id, coords=line, street_id=args.street_id, notes=args.notes)
        check_street_edits(area, s.streets, source=f"scenario '{args.dst}': streets")  # fails here, before saving
        return s

    s, path = edit_stored(area, args.dst, edit)
    row = street_rows(s.streets.iloc[[-1]])[0]
    out = {"name": args.dst, **row, "streets": int(len(s.streets)), "path": str(path)}
    print_json(out) if args.json else print(f"{args.dst}: street {row['street_id']} {row['kind']} from {row['year']} "
                                            f"({path})")
    return 0


def cmd_compare(args) -> int:
    """``hedong scenario compare``."""
    _check_minutes(args)

    area = _area(args)
    if len(args.scenarios) < 2:
        raise InputError("compare needs two or more scenarios", field="scenarios")
    if args.csv:
        check_out_file(args.csv, args, "--csv", suffixes=(".csv",))
    if args.gpkg:
        check_out_file(args.gpkg, args, "--gpkg")
    res = compare(area, args.scenarios, args.year, args.minutes, assign=args.assign)
    if args.csv:
        export_csv(res, args.csv)
    if args.gpkg:
        export_gpkg(res, area, args.gpkg, scenarios=args.scenarios, **gpkg_write_options(args))
    if args.json:
        print_json(res)
        return 0

    df = to_rows(res)
    df = df[df["district"] == "(all)"]
    print(table(df.to_dict(orient="records"), ["year", "scenario", "level", "seats", "enrolment", "balance",
                                               "utilisation", "assigned", "unserved", "delta_unserved",
                                               "median_minutes"]))
    print(f"(balance = seats - enrolment; assigned / unserved under the rule: {RULE_TEXT[args.assign]})")
    for s, diff in zip(res["scenarios"][1:], res["projects"]):
        print(f"\nprojects differing from {res['scenarios'][0]} in {s}:")
        print(table(diff, ["project_id", "name", "change", "details"]))
    for s, diff in zip(res["scenarios"][1:], res.get("actions", [])):
        if diff:
            print(f"\nactions on schools differing from {res['scenarios'][0]} in {s}:")
            print(table(diff, ["action_id", "change", "details"]))
    _print_street_changes(res)
    return 0


def _print_street_changes(res) -> None:
    """The street changes differing, and what each scenario's streets alone change (assigned, unserved)."""
    for s, diff in zip(res["scenarios"][1:], res.get("streets", [])):
        if diff:
            print(f"\nstreet changes differing from {res['scenarios'][0]} in {s}:")
            print(table(diff, ["street_id", "change", "details"]))
    sd = res.get("street_delta")
    by_year = {res["year"]: sd} if "year" in res else (sd or {})
    rows = [{"year": y, "scenario": name, "level": lv, **{k: d.get(k) for k in ("assigned", "unserved", "median_minutes")}}
            for y, per in by_year.items() for name, one in zip(res["scenarios"], per or []) if one
            for lv, d in one.items()]
    if rows:
        print("\nwhat the street changes alone change (the scenario minus itself without them):")
        print(table(rows, ["year", "scenario", "level", "assigned", "unserved", "median_minutes"]))


def cmd_optimize(args) -> int:
    """``hedong scenario optimize``."""
    _check_minutes(args)


    if not (args.time_limit > 0):  # also refuses NaN
        raise InputError("--time-limit must be a number of seconds greater than 0", field="--time-limit")
    check_count(args.p, "p", lo=0)
    area = _area(args)
    scn = resolve_scenario(area, args.scenario)
    res = optimize.optimize_area(area, args.level, args.model, args.p, args.minutes, _candidates(args, area), scn, args.year,
                        args.time_limit, decay_kind=args.decay, decay_minutes=args.decay_minutes)
    if args.json:
        print_json(res)
        return 0
    print(f"{res['model']} for {res['level']} ({res['candidates']} candidates, {res['demand_cells']} cells, "
          f"{res['seconds']:.2f} s): objective {res['objective_value']:,.1f} {t(res['objective_unit_key'], 'en')}")
    print(f"unserved children {res['unserved_before']:,} -> {res['unserved_after']:,}")
    if res.get("time_limit_reached"):
        gap = "unknown" if res.get("gap") is None else f"{res['gap']:.1%}"
        print(f"time limit reached: best solution found so far, within {gap} of the optimum (MIP gap)")
    print(table(res["chosen_sites"], ["candidate_id", "district", "lon", "lat", "lon_gcj02", "lat_gcj02", "seats"]))
    return 0


def cmd_next_site(args) -> int:
    """``hedong scenario next-site``."""
    _check_minutes(args)

    check_count(args.top, "top", lo=1)  # before the area loads
    area = _area(args)
    res = optimize.best_next_site_area(area, args.level, resolve_scenario(area, args.scenario), args.year, args.minutes,
                              _candidates(args, area), args.top)
    if args.json:
        print_json(res)
    else:
        print(table(res["best"]))
    return 0


def cmd_copy(args) -> int:
    """``hedong scenario copy SRC DST``."""
    area = _area(args)
    s = resolve_scenario(area, args.src).copy(args.dst).replace(area=store.area_id(area))
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
    area = _area(args)
    if (args.lon is None) != (args.lat is None):
        raise InputError("give both --lon and --lat", field="lon")
    if args.lon is not None:  # before taking the lock: this may build the street network
        # the one site check (scenarios.sites): boundary and a street front, the scenario's added streets counting
        check_site(area, args.lon, args.lat, field="--lon/--lat", scenario=resolve_scenario(area, args.dst))
    changed = []

    def edit(s):
        changed.clear()
        if args.lon is not None:
            s = s.move(args.project, args.lon, args.lat)
            changed.append("site")
        if args.set_year is not None:
            s = s.set_year(args.project, args.set_year)
            changed.append("open_year")
        seats = {c: getattr(args, c) for c in PROJECT_CAPACITY}
        if args.set_seats is not None:
            t = s.project_type(args.project)  # an unknown project is an InputError
            seats[TYPE_CAPACITY[t][0]] = args.set_seats
        if any(v is not None for v in seats.values()):
            s = s.set_seats(args.project, **seats)
            changed.append("seats")
        if not changed:
            raise InputError("nothing to change: give --lon/--lat, --set-year or --set-seats", field="project")
        return s

    _, path = edit_stored(area, args.dst, edit)
    out = {"name": args.dst, "project": args.project, "changed": changed, "path": str(path)}
    print_json(out) if args.json else print(f"{args.dst}: {args.project} {', '.join(changed)} updated ({path})")
    return 0
