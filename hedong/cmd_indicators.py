"""`hedong indicators`: the plan's indicator table computed from the study area's layers.

    hedong indicators [--area A] [--scenario S --year Y] [--lang zh|en] [--json] [--csv FILE [--overwrite]]

One row per indicator of 《运城市"十四五"公共服务和社会保障事业规划》 (7, 9, 12, 15, 19, 22 ...)
and per text target (毛入园率 proxy, public kindergartens, nursing beds, 50 study rooms, a care site
in every community of 10,000 or more, a 普惠 childcare centre in every township, county and town
fitness rules, special education, community workers, senior-secondary enrolment): the 指标性质, the
2020 baseline, the 2025 target, the value for the area and each subdistrict (for information where
the target is area-wide), and met / not met / not comparable with the reason, the scope and the
population base. With ``--scenario S --year Y`` the children in the denominators are the
seat-planning projection of year Y (:func:`scenarios.demand.children`); residents and people aged
60+ stay at the base year, labelled. The numbers come from
:func:`accessibility.indicators.indicator_table`.
"""

from __future__ import annotations


from accessibility.indicators import indicator_frame, indicator_table
from gis import areas  # called as areas.load_area_cached: one place a caller (a test, a plug-in) can swap the loader
from gis.io import write_csv_atomic
from hedong.cli import add_area_argument
from hedong.cmd_coverage import scenario_facilities
from hedong.output import check_out_file, print_json, table
from layers.errors import InputError
from scenarios.indicator_years import projected_cohorts


def register(sub) -> None:
    """Add the ``indicators`` command to the ``hedong`` parser."""
    p = sub.add_parser("indicators", help="the plan's indicator table: baseline, target, value by subdistrict, status",
                       description="The plan's indicators and text targets computed from the layers: 2020 baseline, "
                                   "2025 target, value for the area and each subdistrict, met / not met / not "
                                   "comparable (with the reason), 指标性质, scope and population base. Area-wide ratios "
                                   "are judged once (subdistrict values for information); rules per unit are judged unit "
                                   "by unit. With --scenario/--year the children in the denominators are that year's "
                                   "projection (adults at the base year). The walking measure beside each ratio is "
                                   "labelled with its speed and distance.")
    add_area_argument(p)
    p.add_argument("--scenario", default=None, help="scenario whose projects are open (needs --year)")
    p.add_argument("--year", type=int, default=None,
                   help="year of the scenario (its projected children divide the per-child rows)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the table and CSV (default zh)")
    p.add_argument("--no-walking", action="store_true", help="skip the walking measures (faster)")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.add_argument("--csv", metavar="FILE", help="write one row per indicator and place as UTF-8-BOM CSV (Excel)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --csv file")
    p.set_defaults(func=run_indicators)


def run_indicators(args) -> int:
    """Run ``hedong indicators``; returns the exit code."""
    if (args.scenario is None) != (args.year is None):
        raise InputError("--scenario and --year go together", field="--scenario" if args.scenario is None else "--year")
    # the output rules of every command's file (suffix, folder, a study-area file, --overwrite)
    out = check_out_file(args.csv, args, "--csv", suffixes=(".csv",)) if args.csv else None
    area = areas.load_area_cached(args.area)
    fac = scenario_facilities(area, args.scenario, args.year)
    cohorts = projected_cohorts(area, args.year) if args.year is not None else None
    tab = indicator_table(area, fac, walking=not args.no_walking, year=args.year, cohorts=cohorts)
    if args.scenario:
        tab["scenario"], tab["year"] = args.scenario, args.year
    if out is not None:
        write_csv_atomic(indicator_frame(tab, args.lang), out)  # the one CSV writer for people (formula-safe)
    if args.json:
        print_json(tab)
        return 0
    lang = args.lang
    rows = [{"no": r["no"] or "", "indicator": r[lang], "nature": r.get("nature") or "", "unit": r["unit"],
             "2020": "" if r["baseline_2020"] is None else r["baseline_2020"],
             "2025": "" if r["target_2025"] is None else f"{r['comparison']} {r['target_2025']:g}",
             "value": "—" if r["value"] is None else r["value"], "status": r["status"],
             "reason": (r["reason"] or {}).get(lang, "")} for r in tab["indicators"]]
    print(f"{area.name}: {tab['plan']}" + (" — GENERATED DEMO DATA, not real" if area.synthetic else ""))
    print(table(rows))
    print("\n" + tab["population"]["note"][lang])
    if out is not None:
        print(f"\nwrote {out}")
    return 0
