"""`hedong publish`: standalone HTML maps (no server, no Python, no internet) and an index.html.

    hedong publish [--area A] [--scenario S] --out DIR [--lang zh|en] [--minutes M] [--mode walk|bike] [--json]

Writes ``coverage-<service>.html`` per service, ``seats-<year>.html`` for 2021-2025 (when the
area has a school programme) and ``index.html`` into DIR, atomically (see :mod:`presentation.publish`).
"""

from __future__ import annotations

import sys

from accessibility.params import USER_MODE, check_minutes
from gis import areas  # called as areas.load_area_cached: one place a caller (a test, a plug-in) can swap the loader
from hedong.cli import add_area_argument
from hedong.output import print_json, table
from presentation import publish as publishing  # called as publishing.publish: swappable in tests
from presentation.publish import check_out_dir
from scenarios.model import resolve_scenario


def register(sub) -> None:
    """Add the ``publish`` command to the ``hedong`` parser."""
    p = sub.add_parser("publish", help="write standalone offline HTML maps and an index.html",
                       description="Write standalone HTML maps (Leaflet inlined, vector only, no CDN): the "
                                   "coverage map of each service, the school seat map per year and index.html.")
    add_area_argument(p)
    p.add_argument("--scenario", default=None,
                   help="scenario of the seat maps (default: plan when the area has projects, else existing)")
    p.add_argument("--out", required=True,
                   help="output folder: new, empty or an earlier publication (only the files it wrote are replaced; "
                        "notes and photos you added stay)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="map language (default zh)")
    p.add_argument("--minutes", type=float, default=None, help="override every service's threshold minutes")
    p.add_argument("--mode", choices=list(USER_MODE.options()), default=None, help="override the travel mode")
    p.add_argument("--json", action="store_true", help="print the list of files as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    """Publish the maps; returns the exit code."""
    check_minutes(args.minutes)  # the library's rule, before the area loads
    check_out_dir(args.out, field="--out")  # before the area loads: refuse a folder holding other work
    area = areas.load_area_cached(args.area)
    if args.scenario:  # fail before the long run: a wrong name lists the available ones
        resolve_scenario(area, args.scenario)

    def progress(done, total, name):
        if not args.json:
            sys.stderr.write(f"\r[{done}/{total}] {name:<32}")
            sys.stderr.flush()

    result = publishing.publish(area, args.out, scenario=args.scenario, lang=args.lang, minutes=args.minutes,
                     mode=args.mode, progress=progress)
    if args.json:
        print_json(result)
    else:
        sys.stderr.write("\n")
        rows = [{"file": f["file"], "kind": f["kind"], "KB": round(f["bytes"] / 1024)} for f in result["files"]]
        print(table(rows))
        print(f"\n{len(rows)} files in {result['out']} ({result['seconds']} s); open index.html in any browser.")
    return 0
