"""`hedong publish`: standalone HTML maps (no server, no Python, no internet) and an index.html.

    hedong publish [--area A] [--scenario S[,S2]] --out DIR [--lang zh|en|zh,en] [--years 2025,2030]
                   [--services primary,clinic] [--minutes M] [--mode walk|bike] [--dry-run] [--json]

Writes ``coverage-<service>.html`` per service, ``seats-<year>.html`` for 2021-2030 (when the
area has a school programme), ``life-circle.html``, ``index.html`` and the shared ``data/*.js`` into
DIR, atomically (see :mod:`presentation.publish`); the size is printed before anything is moved into
place, and ``--dry-run`` stops there.
"""

from __future__ import annotations

import sys

from accessibility.params import USER_MODE, check_minutes
from gis import areas  # called as areas.load_area_cached: one place a caller (a test, a plug-in) can swap the loader
from hedong.cli import add_area_argument
from hedong.output import print_json, table
from presentation import publish as publishing  # called as publishing.publish: swappable in tests
from layers.errors import InputError
from layers.families import SERVICES
from presentation.i18n import LANGS
from presentation.publish import YEARS, check_out_dir, parse_list
from scenarios.model import resolve_scenario


def register(sub) -> None:
    """Add the ``publish`` command to the ``hedong`` parser."""
    p = sub.add_parser("publish", help="write standalone offline HTML maps and an index.html",
                       description="Write standalone HTML maps (vector only, no CDN, open offline from the "
                                   "folder): the coverage map of each service, the life-circle map, the school "
                                   "seat map per year and index.html. What the maps share (Leaflet, streets, "
                                   "cells, 'my place' minutes, walking routes, the layers' shapes) is written "
                                   "once into OUT/data/; keep the folder whole.")
    add_area_argument(p)
    p.add_argument("--scenario", default=None,
                   help="scenario(s) of the seat maps, comma-separated (default: plan when the area has projects, "
                        "else existing); several give seats-<scenario>-<year>.html")
    p.add_argument("--out", required=True,
                   help="output folder: new, empty or an earlier publication (only the files it wrote are replaced; "
                        "notes and photos you added stay)")
    p.add_argument("--lang", default="zh",
                   help="map language(s): zh, en or zh,en (the first keeps the plain file names, the other gets "
                        ".en.html / .zh.html; default zh); a second language adds only its words: data/ is shared")
    p.add_argument("--years", default=None,
                   help=f"seat-map years, comma-separated (default {YEARS[0]}-{YEARS[-1]})")
    p.add_argument("--services", default=None,
                   help="services with a coverage map, comma-separated (default all: " + ",".join(SERVICES) + ")")
    p.add_argument("--no-life-circle", action="store_true", help="leave out life-circle.html")
    p.add_argument("--dry-run", action="store_true", help="build the maps and print the files and sizes; write nothing")
    p.add_argument("--minutes", type=float, default=None, help="override every service's threshold minutes")
    p.add_argument("--mode", choices=list(USER_MODE.options()), default=None, help="override the travel mode")
    p.add_argument("--json", action="store_true", help="print the list of files as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    """Publish the maps; returns the exit code."""
    check_minutes(args.minutes)  # the library's rule, before the area loads
    langs = parse_list(args.lang, LANGS, "--lang")
    services = parse_list(args.services, list(SERVICES), "--services") or None
    years = _years(args.years)
    check_out_dir(args.out, field="--out")  # before the area loads: refuse a folder holding other work
    area = areas.load_area_cached(args.area)
    for scn in parse_list(args.scenario):  # fail before the long run: a wrong name lists the available ones
        resolve_scenario(area, scn)

    def progress(done, total, name):
        if not args.json:
            sys.stderr.write(f"\r[{done}/{total}] {name:<32}")
            sys.stderr.flush()

    def confirm(result):  # every file built, nothing moved into place yet
        if not args.json:
            sys.stderr.write("\n" + _size_line(result) + ("" if args.dry_run else "; writing ...") + "\n")

    result = publishing.publish(area, args.out, scenario=args.scenario, lang=langs, minutes=args.minutes,
                                mode=args.mode, progress=progress, years=years, services=services,
                                life_circle=not args.no_life_circle, dry_run=args.dry_run, confirm=confirm)
    if args.json:
        print_json(result)
    else:
        sys.stderr.write("\n")
        rows = [{"file": f["file"], "kind": f["kind"], "KB": round(f["bytes"] / 1024)} for f in result["files"]]
        print(table(rows))
        print(f"\n{_size_line(result)}")
        print(f"{len(rows)} files " + ("would be written to" if args.dry_run else "in")
              + f" {result['out']} ({result['seconds']} s)" + ("" if args.dry_run else "; open index.html in any browser."))
    return 0


def _years(text):
    """``--years`` as a list of ints (default :data:`presentation.publish.YEARS`)."""
    if not text:
        return YEARS
    try:
        return [int(y) for y in parse_list(text)]
    except ValueError:
        raise InputError(f"--years takes years separated by commas, e.g. 2025,2030 (got {text!r})",
                         field="--years") from None


def _size_line(result) -> str:
    """'Size: 11.2 MB in 30 files, largest map 0.9 MB': what the publication weighs."""
    return (f"Size: {result['bytes'] / 1e6:.1f} MB in {len(result['files'])} files, largest map "
            f"{result['largest_map_bytes'] / 1e6:.1f} MB" + (" (dry run: nothing written)" if result["dry_run"] else ""))
