"""`hedong export --area A --out DIR`: write a study area as area.gpkg + network.osm (CONTRACT.md).

The folder it writes is itself a valid ``--area``, so any study area round-trips.
"""

from __future__ import annotations

from pathlib import Path

from gis import areas  # called as areas.load_area: one place a caller can swap the loader
from gis.folder import OWN_FILES, export_area
from hedong.cli import add_area_argument
from hedong.output import print_json
from layers.errors import InputError


def register(subparsers) -> None:
    """Add the ``export`` command to the ``hedong`` parser."""
    p = subparsers.add_parser(
        "export", help="write the study area as a folder (area.gpkg + network.osm) that QGIS and --area read",
        description="Write the study area as area.gpkg (boundary, districts, population, facilities, projects), "
                    "network.osm (OSM XML walking network), area.json and README.txt. The folder is itself a "
                    "valid --area.",
    )
    add_area_argument(p)
    p.add_argument("--out", required=True,
                   help="output folder (created if missing; existing files of the same names need --overwrite)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the study-area files already in --out (area.gpkg, network.osm, births.csv ...); "
                        "one the new export does not write is removed")
    p.add_argument("--json", action="store_true", help='print {"area", "out", "files"} as JSON')
    p.set_defaults(func=run)


def run(args) -> int:
    """Export the area; print the files written."""
    out = Path(args.out)
    if Path(args.area).is_dir() and out.is_dir() and out.resolve() == Path(args.area).resolve():
        raise InputError("--out is the study area being exported; choose another folder", file=out, field="--out")
    clash = [n for n in OWN_FILES if (out / n).exists()]  # replaced or removed by the export
    if out.is_dir() and clash and not args.overwrite:
        raise InputError(f"the folder already holds {clash[0]}; add --overwrite to replace it", file=out / clash[0],
                         field="--out")
    area = areas.load_area(args.area)
    files = export_area(area, args.out)
    if args.json:
        print_json({"area": area.name, "out": str(args.out), "files": [str(f) for f in files]})
    else:
        print(f"exported {area.name} ({'generated' if area.synthetic else 'real'} data, {area.crs}) to {args.out}:")
        for f in files:
            print(f"  {f}  ({f.stat().st_size:,} bytes)")
    return 0
