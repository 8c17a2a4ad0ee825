"""`hedong gaps` (norm radii) and `hedong access` (2SFCA supply per demand).

    hedong gaps [--area A] [--level primary ...] [--scenario S --year Y] [--out gaps.gpkg] [--json]
    hedong access --service S [--method 2sfca|e2sfca|g2sfca] [--minutes M] [--mode walk|bike]
                  [--area A] [--scenario S --year Y] [--json]

``gaps`` answers "which homes lie beyond the norm radius of each facility level" (NORMS.md:
kindergarten 300 m, primary 500 m, junior 1000 m, ... as network walking distance), by district;
``access`` answers "how much supply (seats, places, beds, m²) is within reach per 1,000 of the
people who need it" with the two-step floating catchment family.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from accessibility.fca import fca
from accessibility.params import USER_MODE
from accessibility.norm_check import norm_gap_cells, norm_gaps
from gis import areas  # called as areas.load_area_cached: one place a caller (a test, a plug-in) can swap the loader
from hedong.cli import add_area_argument
from hedong.cmd_coverage import check_args, scenario_facilities
from presentation.qgis_styles import write_styled_gpkg
from hedong.output import add_output_flags, check_out_file, gpkg_write_options, print_json, table
from layers.params import choices_of
from layers.families import NORM_LEVELS, SERVICES


def register(sub) -> None:
    """Add the ``gaps`` and ``access`` commands to the ``hedong`` parser."""
    g = sub.add_parser("gaps", help="homes beyond the norm service radius of each facility level, by district",
                       description="Residential cells beyond the NORMS.md service radius (network walking "
                                   "distance) of each facility level, by district.")
    add_area_argument(g)
    g.add_argument("--level", action="append", choices=list(NORM_LEVELS),
                   help="norm level (repeatable; default all)")
    _scenario_args(g)
    g.add_argument("--out", default=None, help="also write the cells beyond the radius to this GeoPackage")

    add_output_flags(g)
    g.add_argument("--json", action="store_true", help="stable JSON on stdout")
    g.set_defaults(func=run_gaps)

    a = sub.add_parser("access", help="2SFCA: seats / beds / area within reach per 1,000 people who need them",
                       description="Two-step floating catchment accessibility (2SFCA, enhanced stepped, "
                                   "Gaussian) of one service, by district.")
    add_area_argument(a)
    a.add_argument("--service", required=True, choices=[k for k, s in SERVICES.items() if s.capacity],
                   help="service key")
    a.add_argument("--method", choices=choices_of(fca, "method"), default="2sfca", help="catchment method (default 2sfca)")
    a.add_argument("--minutes", type=float, default=None, help="catchment in minutes (default 15)")
    a.add_argument("--mode", choices=list(USER_MODE.options()), default="walk", help="travel mode (default walk)")
    _scenario_args(a)
    a.add_argument("--json", action="store_true", help="stable JSON on stdout")
    a.set_defaults(func=run_access)


def _scenario_args(p) -> None:
    p.add_argument("--scenario", default=None, help="scenario whose projects are open (needs --year)")
    p.add_argument("--year", type=int, default=None, help="year of the scenario")


def _area_and_facilities(args):
    if not hasattr(args, "minutes"):
        args.minutes = None  # gaps has no --minutes; the shared check reads it
    check_args(args)
    area = areas.load_area_cached(args.area)
    return area, scenario_facilities(area, args.scenario, args.year)


def gaps_json(area, table_df, scenario=None, year=None) -> dict:
    """The JSON object of ``hedong gaps``: per level the totals and the district rows."""
    levels = {}
    for key, g in table_df.groupby("level", sort=False):
        tot = g[g["district_id"] == "*"].iloc[0]
        rows = g[g["district_id"] != "*"]
        levels[key] = {
            "radius_m": float(tot["radius_m"]), "mark": tot["mark"], "demand_column": tot["demand_column"],
            # where the radius comes from, and what it is in minutes at walking pace (reading only:
            # the check is in metres)
            "tier": None if pd.isna(tot["tier"]) else int(tot["tier"]),
            "clause": str(tot["clause"] or ""), "clause_recalled": bool(tot["recalled"]),
            "walk_m_per_min": float(tot["walk_m_per_min"]), "walk_minutes": float(tot["walk_minutes"]),
            "facilities": int(tot["facilities"]), "cells_beyond": int(tot["cells_beyond"]),
            "population_beyond": float(tot["population_beyond"]), "demand": float(tot["demand"]),
            "demand_beyond": float(tot["demand_beyond"]), "demand_share_beyond": _num(tot["demand_share_beyond"]),
            "by_district": [{"district": r["district"], "district_id": r["district_id"],
                             "cells_beyond": int(r["cells_beyond"]), "demand": float(r["demand"]),
                             "demand_beyond": float(r["demand_beyond"]),
                             "demand_share_beyond": _num(r["demand_share_beyond"])} for _, r in rows.iterrows()],
        }
    out = {"area": area.name, "synthetic": area.synthetic, "levels": levels}
    if scenario:
        out["scenario"], out["year"] = scenario, year
    return out


def _num(x):
    x = float(x)
    return None if x != x else x  # NaN -> null


def _nan_to_none(obj):
    """``obj`` with every NaN float replaced by None, recursively."""
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_nan_to_none(v) for v in obj]
    return None if isinstance(obj, float) and obj != obj else obj


def run_gaps(args) -> int:
    """Run ``hedong gaps``."""
    area, fac = _area_and_facilities(args)
    if args.out:
        check_out_file(args.out, args, "--out")
    df = norm_gaps(area, facilities=fac, levels=args.level)
    if args.out:
        levels = list(dict.fromkeys(df["level"]))
        cells = gpd.GeoDataFrame(pd.concat([norm_gap_cells(area, lv, fac) for lv in levels], ignore_index=True),
                                 geometry="geometry", crs=area.crs)
        write_styled_gpkg({"norm_gaps": cells}, args.out, **gpkg_write_options(args))
    j = gaps_json(area, df, args.scenario, args.year)
    if args.json:
        print_json(j)
        return 0
    print(f"{area.name}: residents beyond the norm radius (network walking distance)"
          + (" — GENERATED DEMO DATA, not real" if area.synthetic else ""))
    rows = [{"level": k, "radius m": v["radius_m"], f"= min at {v['walk_m_per_min']:g} m/min": round(v["walk_minutes"], 1),
             "tier": v["tier"] or "", "mark": v["mark"], "facilities": v["facilities"],
             "cohort": v["demand_column"], "cohort beyond": v["demand_beyond"],
             "% beyond": 100 * (v["demand_share_beyond"] or 0)} for k, v in j["levels"].items()]
    print(table(rows))
    for k, v in j["levels"].items():
        print(f"\n{k} (radius {v['radius_m']:g} m) by district")
        print(table([{"district": r["district"], "cohort": r["demand"], "beyond": r["demand_beyond"],
                      "% beyond": 100 * (r["demand_share_beyond"] or 0)} for r in v["by_district"]]))
    if args.out:
        print(f"\ncells beyond the radius written to {args.out}")
    return 0


def run_access(args) -> int:
    """Run ``hedong access``."""
    area, fac = _area_and_facilities(args)
    r = fca(area, args.service, method=args.method, minutes=args.minutes, mode=args.mode, facilities=fac)
    # NaN -> None here (not only in print_json): the text output below tests for None.
    j = _nan_to_none({"area": area.name, "synthetic": area.synthetic, **r.to_dict()})
    if args.scenario:
        j["scenario"], j["year"] = args.scenario, args.year
    if args.json:
        print_json(j)
        return 0
    print(f"{area.name}: {r.capacity} within {r.minutes:g} min ({r.mode}) per 1,000 {r.demand}, "
          f"{r.method}" + (" — GENERATED DEMO DATA, not real" if area.synthetic else ""))
    tgt = j["target_per_1000"]
    print(f"study area: {j['per_1000']:.1f} per 1,000" if j["per_1000"] is not None else "study area: no demand")
    if tgt is not None:  # the plan's figure is a city-wide ratio, not a walking-catchment target
        print(f"plan target: {tgt:g} per 1,000 — a city-wide ratio: compare it with the study-area ratio "
              "(hedong indicators), not with the within-reach figures below")
    print(table([{"district": b["district"], "demand": b["demand"], "within reach per 1,000": b["per_1000"]
                  if b["per_1000"] is not None else float("nan"),
                  "in district per 1,000": b["local_per_1000"] if b["local_per_1000"] is not None else float("nan")}
                 for b in j["by_district"]]))
    return 0
