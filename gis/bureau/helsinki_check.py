"""How close the spreading rule of :mod:`gis.bureau.spread` gets to the Helsinki loader's population.

The Helsinki loader (:mod:`gis.helsinki`) spreads one city-wide total over 100 m cells by
residential floor area. Here its own district totals (summed from its cells, by cohort) are
treated as a census sheet by district and spread again by the bureau rule — buildings read by
:mod:`gis.bureau.streets` (closed ways only; the loader's pyrosm reader also assembles
multipolygon relations), cells cut at the district lines, whole people by largest remainder —
and the two grids are compared cell by cell. Run ``python -m gis.bureau.helsinki_check``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gis.bureau.spread import (
    band_pieces, cell_weights, check_bands, largest_remainder, split_unit, spread_units, unit_cells,
)
from gis.bureau.streets import read_extract, street_lines
from gis.helsinki import CELL_SIZE, helsinki_pbf_path, load_helsinki, residential_floor_area
from layers.headers import Band

__all__ = ["rebuild_helsinki"]

#: The cohorts of the loader as bands that tile the ages (15-64 is the rest of the total).
_BANDS = [("age_0_2", 0, 2), ("age_3_5", 3, 5), ("age_6_11", 6, 11), ("age_12_14", 12, 14), (None, 15, 64),
          ("age_65_plus", 65, None)]


def rebuild_helsinki(area=None, *, by: str = "districts", ext=None) -> dict:
    """Rebuild Helsinki's population from its own totals by the bureau rule; compare the grids.

    Parameters
    ----------
    area : StudyArea, optional
        The Helsinki area (default :func:`gis.helsinki.load_helsinki`).
    by : {"districts", "city"}
        The "census sheet": one row per district of the loader (its cells summed by the district
        the loader gave each cell — that of the cell's centre), or one row for the whole extract.
    ext : dict, optional
        :func:`gis.bureau.streets.read_extract` of the PBF, when already read.

    Returns
    -------
    dict
        ``loader_total`` and ``rebuilt_total`` (people), ``cells_loader`` / ``cells_rebuilt``,
        ``abs_diff_share`` (sum over 100 m cells of |rebuilt - loader| / total: the share of people
        placed in another cell), ``pearson_r`` of the cell counts, ``max_cell_diff`` (people),
        ``district_totals_exact`` (the rebuilt cells of every district add up to its total),
        ``rules`` (unit -> weight rule used), ``floor_m2`` (residential floor area found).
    """
    area = area or load_helsinki()
    pop, crs = area.population, area.crs
    if by == "city":
        units = area.boundary[["geometry"]].assign(district_id="city", name="Helsinki centre")
        pop = pop.assign(district_id="city")
    else:
        units = area.districts[["district_id", "name", "geometry"]].copy()
    units = units.reset_index(drop=True)
    units["unit_id"] = units["district_id"]
    sums = pop.groupby("district_id")[["pop_total", *[c for c, _, _ in _BANDS if c]]].sum()
    sums = sums.reindex(units["district_id"]).fillna(0.0)
    totals = np.array([int(round(v)) for v in sums["pop_total"]], dtype=np.int64)
    bands = [Band(lo, hi, f"{lo}-{hi}" if hi is not None else f"{lo}+") for _, lo, hi in _BANDS]
    bands, _ = check_bands(bands, file="helsinki")
    counts = []
    for u, t in enumerate(totals):  # whole people per band that add up to the district's total
        parts = [sums[c].iloc[u] if c else 0.0 for c, _, _ in _BANDS]
        parts[4] = max(float(sums["pop_total"].iloc[u]) - sum(parts), 0.0)
        counts.append(largest_remainder(int(t), parts) if t else np.zeros(len(parts), dtype=np.int64))
    pieces, _ = band_pieces(bands)
    piece_counts = np.vstack([split_unit(c, pieces) for c in counts])
    ext = ext or read_extract(helsinki_pbf_path(), crs)
    floor = residential_floor_area(ext["buildings"], crs, ext["landuse"])
    cells = unit_cells(units, CELL_SIZE)
    weights = cell_weights(cells, floor_points=floor, landuse=ext["landuse"].to_crs(crs),
                           streets=street_lines(area.graph))
    labels = [f"band_{b.label()}" for b in bands]
    rebuilt, rules = spread_units(units, pieces, piece_counts, totals, weights=weights, cells=cells,
                                  band_labels=labels)
    exact = all(int(rebuilt.loc[rebuilt["unit_id"] == d, "pop_total"].sum()) == t
                for d, t in zip(units["unit_id"], totals))
    # both grids keyed by their 100 m cell (ix, iy): the loader's cell_id is hel-<ix>-<iy>
    old = pop.assign(key=pop["cell_id"].str.split("-", n=1).str[1]).groupby("key")["pop_total"].sum()
    new = rebuilt.assign(key=rebuilt["cell_id"].str.split("-").str[:2].str.join("-")).groupby("key")[
        "pop_total"].sum()
    both = pd.concat([old.rename("loader"), new.rename("rebuilt")], axis=1).fillna(0.0)
    total = float(old.sum())
    return {"loader_total": round(total, 1), "rebuilt_total": float(new.sum()), "cells_loader": int(len(old)),
            "cells_rebuilt": int(len(new)),
            "abs_diff_share": round(float((both["rebuilt"] - both["loader"]).abs().sum() / total), 4),
            "pearson_r": round(float(np.corrcoef(both["loader"], both["rebuilt"])[0, 1]), 4),
            "max_cell_diff": round(float((both["rebuilt"] - both["loader"]).abs().max()), 1),
            "district_totals_exact": bool(exact), "rules": dict(zip(units["name"], rules)),
            "floor_m2": round(float(floor["floor_m2"].sum()))}


if __name__ == "__main__":
    import json

    a = load_helsinki()
    e = read_extract(helsinki_pbf_path(), a.crs)
    print(json.dumps({b: rebuild_helsinki(a, by=b, ext=e) for b in ("city", "districts")}, ensure_ascii=False,
                     indent=1))
