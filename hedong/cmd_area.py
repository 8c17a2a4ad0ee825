"""`hedong area init`: a checked study-area folder from a bureau's own files (census sheets, Excel
facility lists, rosters, births, project lists, boundaries and an OSM extract).

The work is :func:`gis.bureau.build.build_area`; this module parses the flags and prints what was
read, derived and left out.
"""

from __future__ import annotations

import argparse

from gis.bureau.build import build_area
from gis.bureau.manifest import from_flags, read_manifest
from hedong.output import print_json
from layers.norms import MAX_SNAP_M
from scenarios.sites import check_sites

INPUTS = f"""\
inputs (in a TOML manifest, or as flags; flags win):
  districts   街道/乡镇 polygons (GeoJSON, GeoPackage, Shapefile; GBK attributes detected)   required
  census      七普 / yearbook sheet by unit (XLSX or CSV, UTF-8 or GBK): unit name, 总人口,
              age bands 0-4岁, 5-9岁, ... 65岁及以上 (no gaps; single years or any widths)  required
  streets     OpenStreetMap extract (.osm or .osm.pbf), cut to the boundary + margin        required
  units       census units finer than districts (社区 polygons), optional
  boundary    the outline (default: the districts' union), optional
  facilities  school / kindergarten / clinic / care lists: 学校名称, 类型, 地址, 经度, 纬度 (WGS84,
              GCJ-02 or BD-09), 学位数, 班级数, 在校生数, 床位数, 办学性质, 普惠
  roster      学籍: 学校名称, 年份, 年级 (小班..大班, 一年级..九年级), 在校生数 -> enrolment.csv
  births      街道, 年份, 出生人数 -> births.csv
  projects    项目库: 项目名称, 类型, 经度, 纬度, 拟建年份, 学位数, 班级数 -> projects layer
              (each site inside the boundary and within {MAX_SNAP_M:g} m of a street, else refused by row)
People are spread onto 100 m cells by residential floor area of the OSM buildings, else residential
land use, else street length, else area; each unit's cells add up exactly to its row, band by band.
Writes area.gpkg, network.osm, births.csv, enrolment.csv, area.json, README.txt, report.txt,
report.html into a new folder (complete or not at all). See README "Your own city, step by step".
"""


def register(subparsers) -> None:
    """Add ``area init`` to the ``hedong`` parser."""
    sc = subparsers.add_parser("area", help="build a study-area folder from a bureau's own files (area init)")
    sub = sc.add_subparsers(dest="area_command", metavar="ACTION", parser_class=type(sc))
    p = sub.add_parser("init", help="census sheets, Excel lists and an OSM extract -> a checked study-area folder",
                       description="Build a study-area folder (the --area format) from a bureau's own files, "
                                   "check it, and report what was read, derived and left out.",
                       epilog=INPUTS, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manifest", metavar="TOML", help="manifest listing the pieces (see the README)")
    p.add_argument("--out", required=True, help="folder to create (replaced only with --overwrite)")
    p.add_argument("--name", help="name of the study area (default: the manifest's, else the folder's)")
    p.add_argument("--census", metavar="FILE", help="census sheet by unit (XLSX / CSV)")
    p.add_argument("--districts", metavar="FILE", help="subdistrict polygons")
    p.add_argument("--units", metavar="FILE", help="census-unit polygons (社区), when finer than districts")
    p.add_argument("--boundary", metavar="FILE", help="study-area outline")
    p.add_argument("--streets", metavar="FILE", help="OSM extract (.osm / .osm.pbf)")
    p.add_argument("--facilities", metavar="FILE", nargs="+", help="facility lists (XLSX / CSV)")
    p.add_argument("--coords", default="wgs84", choices=("wgs84", "gcj02", "bd09"),
                   help="coordinates of --facilities and --projects (default wgs84)")
    p.add_argument("--roster", metavar="FILE", help="pupils by school, year and grade")
    p.add_argument("--births", metavar="FILE", help="births by district and year")
    p.add_argument("--projects", metavar="FILE", help="project list (项目库)")
    p.add_argument("--overwrite", action="store_true", help="replace --out when it exists")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors (nothing is written)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)
    sc.set_defaults(func=lambda args: (sc.print_help(), 2)[1])


def run(args) -> int:
    """Build the folder; print the report."""
    manifest = read_manifest(args.manifest) if args.manifest else None
    m = from_flags(args, manifest)
    # the 项目库's projects through the one site check of every path that places a school (scenarios.sites)
    files, report = build_area(m, args.out, overwrite=args.overwrite, strict=args.strict, site_check=check_sites)
    if args.json:
        print_json({"out": str(args.out), "files": [str(f) for f in files], "synthetic": report.synthetic,
                    **report.to_dict()})
    else:
        print(report.to_text(), end="")
        print(f"\nwrote {args.out}: " + ", ".join(f.name for f in files))
    return 0
