"""Candidate school sites: read from a file, or generated from the network and the unserved children.

Generated candidates are of two kinds, both kept so the exact optimiser chooses among them:

* ``grid-NNNN`` — a regular grid over the study area; in each grid square the population cell
  with the most children of the level whose centre is within ``max_snap_m`` of a street (a
  school needs a street front), i.e. feasible sites near the network;
* ``km-NN`` — scikit-learn ``KMeans`` centres of the unserved children (cells weighted by
  unserved count): where a new school would meet the demand the current schools leave.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.crs import COORDS, normalize_coords, to_wgs84
from gis.layer_io import points_from_csv, read_csv_text
from gis.qml import data_layers
from layers.errors import InputError
from layers.params import validate_params
from layers.validate import MAX_SEATS

__all__ = ["load_candidates", "grid_candidates", "kmeans_candidates", "generate_candidates"]


@validate_params({"coords": COORDS})
def load_candidates(path, crs, coords: str = "wgs84") -> gpd.GeoDataFrame:
    """Candidates from a CSV (``candidate_id`` + longitude/latitude columns, or ``x``/``y`` in the
    area CRS) or a GeoJSON / GeoPackage of points with ``candidate_id``; optional ``capacity`` (seats).

    ``coords`` is the system of a CSV's longitude/latitude (``wgs84``, ``gcj02`` for Amap/Tencent
    lists, ``bd09`` for Baidu), converted to WGS84 as :func:`gis.layer_io.points_from_csv` does.
    Bad input raises :class:`layers.errors.InputError` naming the file, row and field.

    Returns ``candidate_id`` (str), optional ``capacity``, points in ``crs``.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("no such candidates file", file=path)
    if path.suffix.lower() == ".csv":
        # The shared CSV reader: UTF-8 / UTF-8-BOM / GBK, sniffed delimiter, malformed rows refused.
        df, _ = read_csv_text(path)
        cols = {c.lower() for c in df.columns}
        xy = _projected_xy(df, path) if {"x", "y"} <= cols and not ({"lon", "lat"} <= cols or {"lng", "lat"} <= cols) \
            else None
        if xy is not None:  # metres in the area's CRS
            g = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs)
        else:  # longitude / latitude (x, y in degrees too, as the facility loader reads them)
            g = points_from_csv(df, file=path, coords=coords)
    else:
        g = _read_vector(path, coords)
    if "capacity" in g.columns:  # CSV, GeoJSON and GeoPackage alike
        cap = pd.to_numeric(g["capacity"].replace("", np.nan), errors="coerce")
        c = cap.to_numpy(float)
        # Empty stays NaN (the level's default size); anything else a whole number of seats.
        bad = ~np.isnan(c) & ~((c >= 0) & (c <= MAX_SEATS) & (np.mod(c, 1) == 0))
        bad |= cap.isna().to_numpy() & g["capacity"].notna().to_numpy() & (g["capacity"].astype(str).str.strip() != "")
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"capacity {g['capacity'].iloc[i]!r} must be a whole number of seats, 0-{MAX_SEATS:,}",
                             file=path, row=i + 1, field="capacity")
        g["capacity"] = cap.astype(float)
    if "candidate_id" not in g.columns:
        raise InputError("column is missing", file=path, field="candidate_id")
    ids = g["candidate_id"].astype(str)
    dup = ids.duplicated()
    if dup.any():
        raise InputError(f"duplicate candidate_id {ids[dup].iloc[0]!r}", file=path, row=int(np.flatnonzero(dup)[0]) + 1,
                         field="candidate_id")
    for i, geom in enumerate(g.geometry, start=1):
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            raise InputError("each candidate needs one point", file=path, row=i, field="geometry")
    g["candidate_id"] = ids
    cols = ["candidate_id"] + (["capacity"] if "capacity" in g.columns else [])
    out = g[[*cols, "geometry"]].to_crs(crs).reset_index(drop=True)
    out.attrs["source"] = str(path)  # later checks (scenarios.sites) name the file and row
    return out


def _read_vector(path: Path, coords: str) -> gpd.GeoDataFrame:
    """A GeoJSON / GeoPackage of candidate points; ``coords`` shifts geographic coordinates
    (GCJ-02 / BD-09 exports) to WGS84 as for a CSV. A GeoPackage must hold one layer (or one named
    ``candidates``): picking the first of several silently could optimise the wrong sites."""
    layer = None
    try:
        if path.suffix.lower() == ".gpkg":
            names = data_layers(path)  # a QGIS-styled file's layer_styles is no data
            if len(names) > 1:
                if "candidates" not in names:
                    raise InputError(f"the GeoPackage holds {len(names)} layers ({', '.join(names[:6])}); keep only "
                                     f"the candidates or name that layer 'candidates'", file=path, field="layer")
                layer = "candidates"
        g = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001
        raise InputError(f"cannot read candidates ({e})", file=path) from None
    if g.crs is None:
        g = g.set_crs(4326)
    if normalize_coords(coords) != "wgs84" and len(g):
        if not g.crs.is_geographic:
            raise InputError(f"--coords {coords} applies to longitude/latitude; this file is in {g.crs.name}",
                             file=path, field="--coords")
        xy = shapely.get_coordinates(g.geometry.values)
        if len(xy) != len(g):
            raise InputError("each candidate needs one point", file=path, field="geometry")
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1], coords)
        g = g.set_geometry(gpd.points_from_xy(lon, lat), crs=4326)
    return g


def _projected_xy(df, path):
    """``x``/``y`` columns as metres in the area's CRS, or None when they are degrees.

    The facility loader (:func:`gis.layer_io.points_from_csv`) reads ``x``/``y`` as longitude /
    latitude; so does this one when every value fits -180..180 / -90..90 (a projected CRS's metres
    never do near Yuncheng: x is ~500,000). Otherwise they are metres in the study area's CRS.
    """
    xcol = next(c for c in df.columns if c.lower() == "x")
    ycol = next(c for c in df.columns if c.lower() == "y")
    xy = []
    for i, (a, b) in enumerate(zip(df[xcol], df[ycol]), start=1):
        va, vb = pd.to_numeric(a, errors="coerce"), pd.to_numeric(b, errors="coerce")
        if not (np.isfinite(va) and np.isfinite(vb)):
            raise InputError("coordinates must be numbers", file=path, row=i, field=xcol if not np.isfinite(va) else ycol)
        xy.append((va, vb))
    arr = np.array(xy, float).reshape(-1, 2)
    if len(arr) and (np.abs(arr[:, 0]) <= 180).all() and (np.abs(arr[:, 1]) <= 90).all():
        return None
    return arr


def grid_candidates(area, weights, n_target: int = 500, max_snap_m: float = 100.0, net=None) -> gpd.GeoDataFrame:
    """About ``n_target`` sites on a regular grid: per square the cell with most ``weights`` near a street.

    The grid covers the populated cells, not the boundary: a district boundary (Yanhu's is about
    1,200 km2) is mostly countryside, and squares sized to it would leave a few dozen candidates
    in the city. The square side is chosen so that the eligible cells fill about ``n_target``.
    """
    pop = area.population
    pts = pop.geometry if (pop.geom_type == "Point").all() else pop.geometry.representative_point()
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    near = net.snap(pts).dist_m <= max_snap_m if net is not None else np.ones(len(x), bool)
    w = np.asarray(weights, float)
    ok = np.flatnonzero(near & (w > 0))
    if len(ok) == 0:
        return gpd.GeoDataFrame({"candidate_id": [], "cell": []}, geometry=gpd.GeoSeries([], crs=area.crs))
    cell = float(area.cell_size or 100.0)
    side = max(np.sqrt(len(ok) * cell * cell / max(n_target, 1)), cell)
    gx = np.floor((x[ok] - x[ok].min()) / side).astype(np.int64)
    gy = np.floor((y[ok] - y[ok].min()) / side).astype(np.int64)
    # per square the eligible cell with the most weight (ties: the first in layer order)
    order = np.lexsort((ok, -w[ok], gy, gx))
    sq = np.c_[gx[order], gy[order]]
    first = np.r_[True, np.any(sq[1:] != sq[:-1], axis=1)]
    idx = np.sort(ok[order][first])
    return gpd.GeoDataFrame({"candidate_id": [f"grid-{k:04d}" for k in range(len(idx))], "cell": idx},
                            geometry=gpd.points_from_xy(x[idx], y[idx]), crs=area.crs)


def kmeans_candidates(area, unserved, k: int = 20, seed: int = 0) -> gpd.GeoDataFrame:
    """``k`` KMeans centres of the unserved children (cells weighted by their unserved count)."""
    # lazy: scikit-learn takes ~1 s to import; only the KMeans suggestions need it
    from sklearn.cluster import KMeans

    pop = area.population
    pts = pop.geometry if (pop.geom_type == "Point").all() else pop.geometry.representative_point()
    u = np.asarray(unserved, float)
    m = u > 0
    if m.sum() == 0:
        return gpd.GeoDataFrame({"candidate_id": []}, geometry=gpd.GeoSeries([], crs=area.crs))
    xy = np.c_[pts.x.to_numpy()[m], pts.y.to_numpy()[m]]
    k = int(min(k, m.sum()))
    km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(xy, sample_weight=u[m])
    c = km.cluster_centers_
    return gpd.GeoDataFrame({"candidate_id": [f"km-{i:02d}" for i in range(k)]},
                            geometry=gpd.points_from_xy(c[:, 0], c[:, 1]), crs=area.crs)


def generate_candidates(area, weights, unserved, n_grid: int = 500, k: int = 20, net=None) -> gpd.GeoDataFrame:
    """Grid candidates plus KMeans centres of unserved children, one GeoDataFrame."""
    g = grid_candidates(area, weights, n_grid, net=net)
    km = kmeans_candidates(area, unserved, k)
    return gpd.GeoDataFrame(pd.concat([g[["candidate_id", "geometry"]], km[["candidate_id", "geometry"]]],
                                      ignore_index=True), geometry="geometry", crs=area.crs)
