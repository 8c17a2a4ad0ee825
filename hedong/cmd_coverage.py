"""`hedong coverage` and `hedong circles` (CONTRACT.md).

    hedong coverage [--area A] [--minutes 15] [--mode walk|bike] [--scenario S --year Y] [--json]
                    [--cells-out cells.csv]
    hedong circles --service fitness [--minutes 15] [--mode walk|bike] [--area A] [--per-facility]
                   [--scenario S --year Y] --out circles.gpkg [--json]

``--minutes`` applies to every service (default 15, the 15-minute community life circle, 15分钟社区生活圈). With
``--mode walk`` elderly care is measured at the elderly walking pace (50 m/min; see
:func:`accessibility.coverage.effective_mode`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

from accessibility.circles import circles_gdf
from accessibility.coverage import coverage_report, service_coverage
from accessibility.params import USER_MODE, check_minutes
from gis import areas  # called as areas.load_area_cached: one place a caller (a test, a plug-in) can swap the loader
from gis.io import write_csv_atomic
from presentation.qgis_styles import write_styled_gpkg
from hedong.cli import add_area_argument
from hedong.output import add_output_flags, check_out_file, gpkg_write_options, print_json, table
from layers.errors import InputError
from layers.families import SERVICES
from presentation.i18n import cohort_label
from scenarios.model import facilities_for, resolve_scenario
from scenarios.streets import scenario_area


def register(sub) -> None:
    """Add the ``coverage`` and ``circles`` commands to the ``hedong`` parser."""
    p = sub.add_parser("coverage", help="share of the people each service is for within N minutes, by district",
                       description="Coverage of every public service: the share of the people it is for (children "
                                   "of the level, residents 60+, or all residents) within the minutes, the "
                                   "all-residents share beside it, median minutes, by district; and the "
                                   "15-minute life-circle index.")
    add_area_argument(p)
    _common(p)
    p.add_argument("--json", action="store_true", help="print the CONTRACT.md JSON object")
    p.add_argument("--cells-out", default=None, metavar="FILE",
                   help="also write per-cell minutes to the nearest facility of every service as CSV "
                        "(cell_id, one column per service; inf = unreachable), written atomically")
    add_output_flags(p, append=False)
    p.set_defaults(func=run_coverage)

    c = sub.add_parser("circles", help="write service-area polygons (the 15-minute circles) to a GeoPackage",
                       description="Service areas of one service: reachable streets (partly reached ones cut) "
                                   "buffered by 50 m, with the population covered.")
    add_area_argument(c)

    c.add_argument("--service", required=True, choices=list(SERVICES), help="service key")
    _common(c)
    c.add_argument("--per-facility", action="store_true", help="one polygon per facility instead of one union")
    c.add_argument("--out", required=True, help="output GeoPackage (written atomically)")
    add_output_flags(c)
    c.add_argument("--json", action="store_true", help="print a summary as JSON")
    c.set_defaults(func=run_circles)


def _common(p) -> None:
    p.add_argument("--minutes", type=float, default=None, help="threshold minutes for every service (default 15)")
    p.add_argument("--mode", choices=list(USER_MODE.options()), default="walk", help="travel mode (default walk)")
    p.add_argument("--scenario", default=None, help="scenario whose projects are open (needs --year)")
    p.add_argument("--year", type=int, default=None, help="year of the scenario")


def check_args(args) -> None:
    """The checks ``--minutes`` and ``--scenario``/``--year`` share across commands (exit 2 on failure)."""
    check_minutes(args.minutes)  # the library's rule, before the area loads
    if (args.scenario is None) != (args.year is None):
        raise InputError("--scenario and --year go together", field="--scenario" if args.scenario is None else "--year")


def scenario_area_facilities(area, scenario: str | None, year: int | None):
    """(the study area as the scenario has it in ``year`` — its street changes applied,
    :func:`scenarios.streets.scenario_area` — and its facility layer); ``(area, None)`` without a scenario."""
    if scenario is None:
        return area, None
    scn = resolve_scenario(area, scenario)
    return scenario_area(area, scn, year), scenario_facilities(area, scn, year)


def scenario_facilities(area, scenario: str | None, year: int | None):
    """The facility layer of ``scenario`` in ``year`` (None: the area's own), via scenarios.model.

    Raises
    ------
    layers.errors.InputError
        If the scenario is unknown.
    """
    if scenario is None:
        return None
    try:
        return facilities_for(area, scenario, year)
    except InputError:
        raise
    except (KeyError, ValueError) as e:
        raise InputError(f"cannot use scenario {scenario!r}: {e}", field="--scenario") from e


def run_coverage(args) -> int:
    """Run ``hedong coverage``; returns the exit code."""
    check_args(args)
    if args.cells_out:
        check_out_file(args.cells_out, args, "--cells-out", suffixes=(".csv",))
    area, fac = scenario_area_facilities(areas.load_area_cached(args.area), args.scenario, args.year)
    rep = coverage_report(area, minutes=args.minutes, mode=args.mode, facilities=fac)
    if args.scenario:
        rep["scenario"], rep["year"] = args.scenario, args.year
    if args.cells_out:
        rep["cells_out"] = str(write_cell_minutes(area, args, fac))
    if args.json:
        print_json(rep)
        return 0

    # each service for the people it is for first (its cohort: the level's children, older residents, or all
    # residents), as in the app and the published maps; the all-residents share beside it (issue 26 item 2)
    rows = [{"service": f"{SERVICES[k].zh} {k}", "people served": cohort_label(v["cohort"], "en"),
             "served %": 100 * (v["cohort_share"] or 0), "not covered": round(v["cohort_uncovered"]),
             "residents %": 100 * (v["population_share"] or 0),
             # None: "—" (no facility in reach; hedong.output.table)
             "median min": v["cohort_median_minutes"], "p90 min": v["p90_minutes"],
             "facilities": v["facilities"], "mode": v["travel_mode"]}
            for k, v in rep["services"].items()]
    head = f"{area.name}: people served within {rep['minutes']} min ({rep['mode']})"
    if args.scenario:
        head += f", scenario {args.scenario} {args.year}"
    print(head + (" — GENERATED DEMO DATA, not real" if area.synthetic else ""))
    print(table(rows))
    lt = rep["life_circle_tiered"]
    print(f"\n{lt['name']['zh']} (each service at its GB 50180-2018 tier): {100 * (lt['all_services_share'] or 0):.1f} % "
          f"of residents reach all {len(lt['services'])} services; mean {lt['mean_services_within']:.2f}")
    lc = rep["life_circle"]
    print(f"life circle: {100 * (lc['all_services_share'] or 0):.1f} % of residents reach all "
          f"{len(lc['services'])} services; mean {lc['mean_services_within']:.2f} services within reach")
    dist = [{"district": n, **{k: (100 * s if s is not None else float("nan"))
                              for k, s in ((k, rep["services"][k]["cohort_by_district"].get(n)) for k in rep["services"])}}
            for n in area.district_names().values()]
    print("\nby district (% of the people each service is for):")
    print(table(dist))
    for w in rep["warnings"]:
        sys.stderr.write(f"warning: facility {w}\n")
    if rep["far_cells"]:
        sys.stderr.write(f"warning: {rep['far_cells']} population cells are too far from any street and count as uncovered\n")
    print(f"\n({rep['seconds']:.2f} s)")
    return 0


def write_cell_minutes(area, args, fac) -> Path:
    """``--cells-out``: minutes from every population cell to each service's nearest facility, as CSV."""
    out = Path(args.cells_out)
    df = pd.DataFrame({"cell_id": area.population["cell_id"].to_numpy() if "cell_id" in area.population
                       else area.population.index.to_numpy()})
    for k in SERVICES:
        df[k] = service_coverage(area, k, args.minutes, args.mode, fac).cell_minutes.to_numpy(float)
    return write_csv_atomic(df, out)


def run_circles(args) -> int:
    """Run ``hedong circles``; returns the exit code."""
    check_args(args)
    check_out_file(args.out, args, "--out")
    t0 = time.perf_counter()
    area, fac = scenario_area_facilities(areas.load_area_cached(args.area), args.scenario, args.year)
    g = circles_gdf(area, args.service, args.minutes, per_facility=args.per_facility, mode=args.mode,
                    facilities=fac)
    g["synthetic"] = bool(area.synthetic)
    write_styled_gpkg({f"circles_{args.service}": g}, Path(args.out), **gpkg_write_options(args))
    summary = {"service": args.service, "minutes": float(g["minutes"].iloc[0]) if len(g) else args.minutes,
               "mode": g["mode"].iloc[0] if len(g) else args.mode, "out": str(args.out), "features": len(g),
               "population_covered": float(g["population"].sum()) if not args.per_facility and len(g) else None,
               "area_km2": float(g["area_km2"].sum()) if not args.per_facility else None,
               "seconds": round(time.perf_counter() - t0, 3)}
    if args.json:
        print_json(summary)
    else:
        print(table([summary]))
    return 0
