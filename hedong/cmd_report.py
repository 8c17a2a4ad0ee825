"""`hedong report`: the education bureau's seat report (学位供需平衡表 ...) as an XLSX workbook.

``--json`` prints the same data the workbook holds (the rows of every sheet, untranslated keys;
the notes in ``--lang``), so a script can check or reuse every figure.
"""

from __future__ import annotations

from gis import areas  # called as areas.load_area_cached: one place a caller can swap the loader
from hedong.cli import add_area_argument
from hedong.output import check_out_file, print_json, table
from layers.params import choices_of
from layers.plan import EVALUATION_YEARS
from presentation.report_xlsx import note_rows, write_report
from scenarios.demand import check_year
from scenarios.evaluate import evaluate
from scenarios.seat_report import seat_report


def register(subparsers) -> None:
    """Add ``report`` to the ``hedong`` parser."""
    p = subparsers.add_parser(
        "report", help="the education bureau's seat report as an XLSX workbook (学位供需平衡表, schools, warnings, "
                       "projects, sensitivity, notes)",
        description="Write the seat report of one scenario and rule: the seat balance by subdistrict, level and year "
                    f"{EVALUATION_YEARS[0]}-{EVALUATION_YEARS[-1]} with 学位预警 (red >= 100 % utilisation, amber >= "
                    "90 %) and the norm check (规范核查: children within the standard's metres of an open school), "
                    "every school in --year (seats, classes, pupils, pupils per class, class-size flags, "
                    "warning), the projects with their construction (拟建) and opening years, the births and "
                    "opening-lag sensitivity, and notes (sources, assumptions, the generated-data notice).")
    add_area_argument(p)
    p.add_argument("--scenario", default="plan", help="shipped name, stored name or file (default plan)")
    p.add_argument("--year", type=int, default=2026, help="school year of the schools sheet and the sensitivity "
                                                          "(from September; default 2026)")
    p.add_argument("--assign", choices=choices_of(evaluate, "assign"), default="catchment",
                   help="catchment (default, 划片): each child seated in its own subdistrict; walk: within the level's "
                        "walking minutes. Every school figure and warning follows the rule chosen")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="headers and labels (default zh)")
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help="the workbook to write")
    p.add_argument("--overwrite", action="store_true", help="replace an existing file")
    p.add_argument("--json", action="store_true", help="also print the report's data as JSON on stdout")
    p.set_defaults(func=cmd_report)


def cmd_report(args) -> int:
    """``hedong report``."""
    check_year(args.year)
    out = check_out_file(args.out, args, "--out", suffixes=(".xlsx",))  # before any work
    area = areas.load_area_cached(args.area)
    data = seat_report(area, args.scenario, args.year, assign=args.assign)
    write_report(data, out, lang=args.lang, overwrite=args.overwrite)
    if args.json:
        print_json({**data, "lang": args.lang, "out": str(out), "notes": note_rows(data, args.lang)})
        return 0
    notice = " — GENERATED DEMO DATA, not real" if data["synthetic"] else ""
    print(f"seat report: scenario {data['scenario']}, {data['year']}, rule {data['assign']}{notice}")
    rows = []
    for lv in data["levels"]:
        b = [r for r in data["balance"] if r["level"] == lv and r["year"] == data["year"]]
        s = [r for r in data["schools"] if r["level"] == lv]
        rows.append({"level": lv, "seats": sum(r["seats"] for r in b), "enrolment": sum(r["enrolment"] for r in b),
                     "shortfall": sum(r["shortfall"] for r in b),
                     "red subdistricts": sum(r["warning"] == "red" for r in b),
                     "red schools": sum(r["warning"] == "red" for r in s),
                     "amber schools": sum(r["warning"] == "amber" for r in s)})
    print(table(rows))
    print(f"wrote {out}")
    return 0
