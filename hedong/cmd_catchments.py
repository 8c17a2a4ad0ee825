"""`hedong catchments`: the 学区图 (each school's catchment after the seat assignment) and any service's
per-facility service areas, as GeoPackage layers.

    hedong catchments [--area A] [--scenario S] [--year Y] [--assign walk|catchment] [--level L ...]
                      --out OUT.gpkg [--overwrite | --append-layer] [--json]
    hedong catchments --service SERVICE --out OUT.gpkg ...

Without ``--service``: layer ``catchments``, one dissolved polygon per school (the cells whose children
it seats most; ties to the lower facility_id, :data:`scenarios.catchments.RULE`). With ``--service``:
layer ``service_area_<service>``, one square per population cell with its nearest facility along the
streets and the minutes (the undissolved partition QGIS users build with QNEAT3).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from gis import areas  # called as areas.load_area_cached: one place a caller (a test) can swap the loader
from hedong.cli import add_area_argument
from hedong.output import add_output_flags, check_out_file, gpkg_write_options, print_json, table
from layers.families import LEVELS, SERVICES
from presentation.qgis_styles import write_styled_gpkg
from scenarios.catchments import RULE, catchment_layer, service_area_layer
from scenarios.evaluate import ASSIGN_MODES, Evaluator


def register(sub) -> None:
    """Add the ``catchments`` command to the ``hedong`` parser."""
    p = sub.add_parser("catchments", help="school catchments (学区图) after the seat assignment, or a service's "
                                          "per-facility service areas, as a GeoPackage layer",
                       description="School catchments under the assignment rule (each cell to the school seating "
                                   "most of its children; ties to the lower facility_id), dissolved per school; "
                                   "or with --service the nearest-facility partition of the population cells.")
    add_area_argument(p)
    p.add_argument("--scenario", default=None, help="scenario (default plan when the area has projects, else existing)")
    p.add_argument("--year", type=int, default=2025, help="school year (default 2025)")
    p.add_argument("--assign", choices=ASSIGN_MODES, default="walk",
                   help="assignment rule: walk (within the level's walking minutes) or catchment (划片: own district)")
    p.add_argument("--level", action="append", choices=list(LEVELS), help="school level (repeatable; default all)")
    p.add_argument("--service", choices=list(SERVICES), default=None,
                   help="write the service areas of this service instead (nearest facility per cell)")
    p.add_argument("--out", required=True, help="the GeoPackage to write")
    add_output_flags(p)
    p.add_argument("--json", action="store_true", help="print a summary as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    """Write the layer; returns the exit code."""
    check_out_file(args.out, args, "--out")
    area = areas.load_area_cached(args.area)
    if args.service:
        name = f"service_area_{args.service}"
        g = service_area_layer(area, args.service)
        summary = {"layer": name, "service": args.service, "cells": int(len(g)),
                   "cells_unreached": int(len(area.population) - len(g)),
                   "facilities": int(g["facility_id"].nunique())}
    else:
        name = "catchments"
        scenario = args.scenario or ("plan" if len(getattr(area, "projects", [])) else "existing")
        ev = Evaluator.for_area(area).evaluate(scenario, args.year, assign=args.assign,
                                               levels=tuple(args.level or LEVELS))
        parts = [catchment_layer(r) for r in ev.levels.values()]
        g = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=area.crs)
        summary = {"layer": name, "scenario": ev.scenario, "year": ev.year, "assign": args.assign, "rule": RULE,
                   "schools": int(len(g)), "cells": int(g["cells"].sum()) if len(g) else 0,
                   "by_level": {lv: int((g["level"] == lv).sum()) for lv in ev.levels}}
    write_styled_gpkg({name: g}, args.out, **gpkg_write_options(args))
    out = {"out": str(args.out), "area": area.name, "synthetic": bool(area.synthetic), **summary}
    if args.json:
        print_json(out)
    else:
        print(table([{k: v for k, v in out.items() if not isinstance(v, dict)}]))
        if area.synthetic:
            print("GENERATED DEMO DATA, not real")
    return 0
