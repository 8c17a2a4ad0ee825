"""Spreading census units onto 100 m cells: the documented dasymetric rule, integers that reconcile exactly.

The rule
--------
1. **Bands to pieces.** A unit's age bands (``0-4``, ``5-9``, ..., ``65+``) must tile the ages from 0
   with no gap and no overlap (:func:`check_bands`). Each band is cut at the cohort bounds of
   :data:`layers.schema.COHORTS` (3, 6, 12, 15, 60, 65): band ``0-4`` becomes the pieces ``0-2`` and
   ``3-4``. People are taken as **uniform across the single years of a band** (the simplest rule
   that needs no outside data; a 5-year band of 500 gives 300 aged 0-2 and 200 aged 3-4), split to
   whole people by the largest-remainder method (:func:`largest_remainder`), so the pieces of a band
   add up to the band. An open last band that starts at 60 is split at 65 by the 2020 census ratio
   of 60+ to 65+ (:data:`layers.norms.AGE_60_PER_65`), named in the report.
2. **Weights inside the unit.** The unit is cut into the square cells of a grid aligned to
   multiples of the cell size (a cell on a unit's edge becomes one piece per unit). Each cell piece
   weighs, by the first rule that gives the unit any weight:
   ``buildings`` — residential floor area of the OSM buildings whose centroid lies in it (footprint
   x ``building:levels``, default 5; typed dwellings and untyped buildings in residential land use:
   the rule of :func:`gis.helsinki.residential_floor_area`); ``landuse`` — its area of
   ``landuse=residential``; ``streets`` — its length of walkable street; ``area`` — its area.
3. **Whole people per cell.** Every piece of every band, and the unit's total, is spread over the
   cells by the weights with the largest-remainder method: the cells of a unit add up **exactly**
   to the sheet, band by band. Cohorts are sums of whole pieces.

A cell's point is its centre when the centre lies in the unit, else a point inside its piece, so
every population point lies in its unit and so in the study area.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import InputError
from layers.headers import Band
from layers.norms import AGE_60_PER_65
from layers.schema import COHORTS

__all__ = ["largest_remainder", "check_bands", "cohort_ranges", "band_pieces", "split_unit", "spread_units",
           "RULES", "CELL_SIZE"]

CELL_SIZE = 100.0
#: Weight rules, in the order tried for each unit.
RULES = ("buildings", "landuse", "streets", "area")


def largest_remainder(total: int, weights) -> np.ndarray:
    """Split a whole ``total`` into whole parts proportional to ``weights`` that add up to it exactly.

    Each part gets the floor of its quota; the people left over go one each to the largest
    fractional remainders (ties to the earlier part, so the split is deterministic). All-zero
    weights with ``total > 0`` raise ValueError (nowhere to put people).

    >>> largest_remainder(10, [1, 1, 1]).tolist()
    [4, 3, 3]
    """
    w = np.asarray(weights, dtype=float)
    total = int(total)
    if total == 0:
        return np.zeros(len(w), dtype=np.int64)
    s = w.sum()
    if not (s > 0) or total < 0:
        raise ValueError("largest_remainder needs a total >= 0 and some positive weight")
    quota = total * w / s
    base = np.floor(quota).astype(np.int64)
    left = total - int(base.sum())
    if left:
        order = np.lexsort((np.arange(len(w)), -(quota - base)))  # largest remainder first, then index
        base[order[:left]] += 1
    return base


def cohort_ranges() -> dict[str, tuple[int, int | None]]:
    """Ages of each cohort of :data:`layers.schema.COHORTS` read from its name (``age_3_5`` -> (3, 5),
    ``age_65_plus`` -> (65, None))."""
    out = {}
    for c in COHORTS:
        parts = c.split("_")[1:]
        out[c] = (int(parts[0]), None) if parts[-1] == "plus" else (int(parts[0]), int(parts[1]))
    return out


def check_bands(bands: list[Band], *, file) -> tuple[list[Band], list[str]]:
    """Bands sorted by age, checked to tile 0..the open band; and the warnings.

    Raises
    ------
    layers.errors.InputError
        No band; ages missing at the start or between two bands (a missing band: named with the
        headers on either side); overlapping bands; an open band that starts below 60 (it hides
        the 65+ the planner needs).
    """
    if not bands:
        raise InputError("no age band among the headers (e.g. 0-4岁, 5-9岁, ..., 65岁及以上); the cohorts cannot "
                         "be derived", file=file, field="age bands")
    bs = sorted(bands, key=lambda b: b.lo)
    warnings = []
    if bs[0].lo != 0:
        raise InputError(f"missing band: no column for ages 0-{bs[0].lo - 1} (the first band is "
                         f"{bs[0].header!r})", file=file, field=f"0-{bs[0].lo - 1}岁")
    for a, b in zip(bs, bs[1:]):
        if a.hi is None:
            raise InputError(f"band {b.header!r} overlaps the open band {a.header!r}", file=file, field=b.header)
        if b.lo > a.hi + 1:
            raise InputError(f"missing band: no column for ages {a.hi + 1}-{b.lo - 1} (between {a.header!r} and "
                             f"{b.header!r})", file=file, field=f"{a.hi + 1}-{b.lo - 1}岁")
        if b.lo <= a.hi:
            raise InputError(f"bands {a.header!r} and {b.header!r} overlap", file=file, field=b.header)
    last = bs[-1]
    if last.hi is None and last.lo < 60:
        raise InputError(f"the open band {last.header!r} hides the ages 60+ and 65+ the planner needs; give bands "
                         f"up to 65岁及以上 (or 60岁及以上)", file=file, field=last.header)
    if last.hi is not None:
        if last.hi < 65:
            raise InputError(f"missing band: no column for ages {last.hi + 1} and over (the last band is "
                             f"{last.header!r}); add 65岁及以上", file=file, field=f"{last.hi + 1}岁及以上")
        warnings.append(f"no open band after {last.header!r}: people older than {last.hi} are in no band "
                        f"(only the total counts them)")
    return bs, warnings


@dataclass(frozen=True)
class Piece:
    """A part of a band: ages ``lo``..``hi`` (None: and over) of band ``band`` and its weight share."""

    band: int
    lo: int
    hi: int | None
    share: float

    def label(self) -> str:
        """``0-2`` / ``65+``."""
        return f"{self.lo}+" if self.hi is None else f"{self.lo}-{self.hi}"


def band_pieces(bands: list[Band]) -> tuple[list[Piece], list[str]]:
    """The pieces each band is cut into at the cohort bounds, and what was derived (report lines).

    Shares are uniform over the single years of a closed band; an open band from 60 is split at
    65 by :data:`layers.norms.AGE_60_PER_65`.
    """
    cuts = sorted({lo for lo, _ in cohort_ranges().values()} | {hi + 1 for _, hi in cohort_ranges().values()
                                                                 if hi is not None})
    pieces, notes = [], []
    for i, b in enumerate(bands):
        inner = [c for c in cuts if b.lo < c and (b.hi is None or c <= b.hi)]
        if b.hi is None:
            if not inner:
                pieces.append(Piece(i, b.lo, None, 1.0))
                continue
            # an open band from 60 (checked: never lower) holds 65+: the census ratio splits it
            s65 = 1.0 / AGE_60_PER_65
            pieces += [Piece(i, b.lo, 64, 1.0 - s65), Piece(i, 65, None, s65)]
            notes.append(f"band {b.header!r} split into {b.lo}-64 and 65+ by the 2020 census ratio "
                         f"(65+ = {s65:.4f} of 60+)")
            continue
        edges = [b.lo, *inner, b.hi + 1]
        for lo, nxt in zip(edges, edges[1:]):
            pieces.append(Piece(i, lo, nxt - 1, (nxt - lo) / b.width))
        if inner:
            notes.append(f"band {b.header!r} split into " + ", ".join(
                f"{lo}-{nxt - 1}" for lo, nxt in zip(edges, edges[1:])) + " uniformly over its single years")
    return pieces, notes


def piece_cohorts(pieces: list[Piece]) -> dict[str, list[int]]:
    """Cohort -> indices of the pieces inside it."""
    out = {}
    for c, (lo, hi) in cohort_ranges().items():
        out[c] = [k for k, p in enumerate(pieces) if p.lo >= lo and (hi is None or (p.hi is not None and p.hi <= hi))]
    return out


def split_unit(band_counts, pieces: list[Piece]) -> np.ndarray:
    """Whole people per piece from whole people per band (largest remainder within each band)."""
    out = np.zeros(len(pieces), dtype=np.int64)
    for bi, n in enumerate(band_counts):
        ks = [k for k, p in enumerate(pieces) if p.band == bi]
        out[ks] = largest_remainder(int(n), [pieces[k].share for k in ks])
    return out


# ---------------------------------------------------------------- cells and weights


def unit_cells(units: gpd.GeoDataFrame, cell_size: float = CELL_SIZE) -> gpd.GeoDataFrame:
    """Every unit cut into grid-cell pieces: ``unit`` (row position), ``ix``, ``iy``, polygon."""
    parts = []
    for u, geom in enumerate(units.geometry.values):
        minx, miny, maxx, maxy = geom.bounds
        ix = np.arange(math.floor(minx / cell_size), math.ceil(maxx / cell_size))
        iy = np.arange(math.floor(miny / cell_size), math.ceil(maxy / cell_size))
        gx, gy = np.meshgrid(ix, iy)
        gx, gy = gx.ravel(), gy.ravel()
        boxes = shapely.box(gx * cell_size, gy * cell_size, (gx + 1) * cell_size, (gy + 1) * cell_size)
        shapely.prepare(geom)
        hit = shapely.intersects(geom, boxes)
        pieces = shapely.intersection(boxes[hit], geom)
        keep = ~shapely.is_empty(pieces) & (shapely.area(pieces) > 0)
        parts.append(pd.DataFrame({"unit": u, "ix": gx[hit][keep], "iy": gy[hit][keep],
                                   "geometry": pieces[keep]}))
    df = pd.concat(parts, ignore_index=True)
    out = gpd.GeoDataFrame(df, geometry="geometry", crs=units.crs)
    out.attrs["cell_size"] = float(cell_size)
    return out


def cell_weights(cells: gpd.GeoDataFrame, *, floor_points=None, landuse=None, streets=None) -> pd.DataFrame:
    """The weight of each cell piece under every rule of :data:`RULES` (columns of that name).

    Parameters
    ----------
    cells : GeoDataFrame
        From :func:`unit_cells`.
    floor_points : GeoDataFrame, optional
        Residential buildings as points with ``floor_m2`` (:func:`gis.helsinki.residential_floor_area`).
    landuse : GeoDataFrame, optional
        ``landuse=residential`` polygons.
    streets : GeoSeries, optional
        Walkable street lines.
    """
    w = pd.DataFrame(0.0, index=cells.index, columns=list(RULES))
    w["area"] = cells.geometry.area.to_numpy()
    if floor_points is not None and len(floor_points):
        j = gpd.sjoin(floor_points[["floor_m2", "geometry"]], cells[["geometry"]], how="inner",
                      predicate="within")
        j = j[~j.index.duplicated(keep="first")]  # a centroid on a shared edge counts once
        w["buildings"] = j.groupby("index_right")["floor_m2"].sum().reindex(cells.index, fill_value=0.0)
    geoms = cells.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    if landuse is not None and len(landuse):
        # pairwise (land-use polygon, cell) intersections from the tree: a county has 10^5 cells, and
        # intersecting each with one union of every polygon is quadratic
        zones = shapely.make_valid(landuse.geometry.to_numpy())
        zi, ci = tree.query(zones, predicate="intersects")
        area = shapely.area(shapely.intersection(zones[zi], geoms[ci]))
        # overlapping land-use polygons would count twice: each cell's area is its cap
        w["landuse"] = np.minimum(np.bincount(ci, weights=area, minlength=len(cells)), w["area"].to_numpy())
    if streets is not None and len(streets):
        lines = np.asarray(streets.to_numpy(), dtype=object)
        li, ci = tree.query(lines, predicate="intersects")
        length = shapely.length(shapely.intersection(lines[li], geoms[ci]))
        w["streets"] = np.bincount(ci, weights=length, minlength=len(cells))
    return w


def spread_units(units: gpd.GeoDataFrame, pieces: list[Piece], piece_counts: np.ndarray, totals, *,
                 weights: pd.DataFrame, cells: gpd.GeoDataFrame, band_labels: list[str]) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Whole people per cell piece, by piece, band, cohort and total.

    Parameters
    ----------
    units : GeoDataFrame
        The units (polygons, projected), with ``unit_id`` and ``district_id``.
    pieces : list of Piece
        From :func:`band_pieces`.
    piece_counts : ndarray (units x pieces)
        Whole people per unit and piece (:func:`split_unit`).
    totals : array of int
        Each unit's total (the sheet's 总人口, or its bands' sum).
    weights, cells
        From :func:`cell_weights` / :func:`unit_cells`.
    band_labels : list of str
        Names of the band columns written (``band_0_4`` ...).

    Returns
    -------
    (GeoDataFrame, list)
        Population rows — ``cell_id``, ``district_id``, ``unit_id``, ``pop_total``, the cohorts,
        the band columns, ``rule`` — at points; cells where nobody lives are left out. And the
        rule each unit used (one per unit, in order).
    """
    cohorts = piece_cohorts(pieces)
    n_pieces = len(pieces)
    out_counts = np.zeros((len(cells), n_pieces), dtype=np.int64)
    out_total = np.zeros(len(cells), dtype=np.int64)
    rules = []
    unit_of = cells["unit"].to_numpy()
    for u in range(len(units)):
        mask = np.flatnonzero(unit_of == u)
        rule = next((r for r in RULES if weights[r].to_numpy()[mask].sum() > 0), None)
        if rule is None:  # a unit with no area at all (a sliver): nowhere to put people
            if int(totals[u]) or piece_counts[u].sum():
                raise InputError("the unit has no area on the map to spread its people over",
                                 field=str(units["unit_id"].iloc[u]))
            rules.append("none")
            continue
        rules.append(rule)
        w = weights[rule].to_numpy()[mask]
        for k in range(n_pieces):
            out_counts[mask, k] = largest_remainder(int(piece_counts[u, k]), w)
        out_total[mask] = largest_remainder(int(totals[u]), w)
    df = pd.DataFrame({"unit_id": units["unit_id"].to_numpy()[unit_of],
                       "district_id": units["district_id"].to_numpy()[unit_of],
                       "pop_total": out_total.astype(float)})
    for c, ks in cohorts.items():
        df[c] = out_counts[:, ks].sum(axis=1).astype(float)
    for bi, lab in enumerate(band_labels):
        df[lab] = out_counts[:, [k for k, p in enumerate(pieces) if p.band == bi]].sum(axis=1)
    df["rule"] = np.asarray(rules, dtype=object)[unit_of]
    df["ix"], df["iy"] = cells["ix"].to_numpy(), cells["iy"].to_numpy()
    # the cell centre when it lies in the piece, else a point inside the piece (a cell cut by the unit's edge)
    geoms = cells.geometry.to_numpy()
    size = _cell_size(cells)
    centres = shapely.points((cells["ix"].to_numpy() + 0.5) * size, (cells["iy"].to_numpy() + 0.5) * size)
    pts = np.where(shapely.covers(geoms, centres), centres, shapely.point_on_surface(geoms))
    df["cell_id"] = [f"{a}-{b}-{uid}" for a, b, uid in zip(df["ix"], df["iy"], df["unit_id"])]
    people = (df["pop_total"] > 0) | (df[list(cohorts)].sum(axis=1) > 0)
    gdf = gpd.GeoDataFrame(df, geometry=pts, crs=cells.crs)[people.to_numpy()]
    cols = ["cell_id", "district_id", "unit_id", "pop_total", *cohorts, *band_labels, "rule", "geometry"]
    return gdf[cols].reset_index(drop=True), rules


def _cell_size(cells: gpd.GeoDataFrame) -> float:
    return float(cells.attrs.get("cell_size", CELL_SIZE))
