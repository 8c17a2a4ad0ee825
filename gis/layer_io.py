"""Loading a user's point layers — facilities, projects, population — from the files planners have.

Formats: CSV (longitude / latitude columns), GeoJSON, GeoPackage (one layer) and Shapefile.
CSV is read as text first so that encoding and delimiter can be detected (Excel in China saves
GBK; Excel elsewhere adds a UTF-8 byte-order mark; some locales use ``;``) and so that every cell
reaches the validators as written. Coordinates from Chinese web maps (Amap / Tencent GCJ-02,
Baidu BD-09) are converted to WGS84 with :mod:`gis.crs` when ``coords=`` says so.

Every loader returns a GeoDataFrame in the schema of :mod:`layers.schema`, projected to ``crs``,
with the same rows in the same order as the file; any bad row raises
:class:`layers.errors.InputError` naming the file, the 1-based data row and the field.
"""

from __future__ import annotations

import csv
import io
import json
import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from gis.qml import data_layers
from gis.crs import COORDS, WGS84, normalize_coords, to_wgs84, transform_geometry_coords
from layers.errors import InputError
from layers.validate import validate_layer

#: Column names taken as longitude / latitude in CSV files (matched case-insensitively, in order).
LON_ALIASES = ("lon", "lng", "long", "longitude", "x", "经度")
LAT_ALIASES = ("lat", "latitude", "y", "纬度")
#: Encodings tried in order. UTF-8 (with or without BOM) first: GB18030, a superset of GBK, would
#: decode almost any bytes, so it is only the fallback.
ENCODINGS = ("utf-8-sig", "gb18030")

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")


# ---------------------------------------------------------------- CSV


#: Most columns (and header characters) a point list may have; far above any real one.
MAX_COLUMNS = 500
MAX_HEADER_CHARS = 20_000


def read_csv_text(path) -> tuple[pd.DataFrame, dict]:
    """Read a CSV file as text cells, detecting the encoding and the delimiter.

    Returns
    -------
    (DataFrame, dict)
        All cells as strings (nothing converted, empty cells ""), and ``{"encoding", "delimiter"}``.

    Raises
    ------
    layers.errors.InputError
        Unreadable encoding, an empty file, or rows with more fields than the header.
    """
    raw = Path(path).read_bytes()
    text = enc = None
    for enc in ENCODINGS:
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise InputError("cannot decode the file as UTF-8 or GBK; save it as UTF-8 CSV", file=path)
    if not text.strip():
        raise InputError("the file is empty", file=path)
    header = text.split("\n", 1)[0]
    if len(header) > MAX_HEADER_CHARS or max(header.count(c) for c in ",;\t|") >= MAX_COLUMNS:
        # A 1.5 MB header of 200,000 columns took a minute and 1.1 GB to parse: refuse it at once.
        raise InputError(f"the header has more than {MAX_COLUMNS} columns (or {MAX_HEADER_CHARS:,} characters); "
                         f"keep only the columns of the point list", file=path, row=1)
    sample = text[:8192]
    try:
        delim = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delim = "\t" if "\t" in sample.splitlines()[0] else ","
    try:
        with warnings.catch_warnings():
            # index_col=False: a row with more fields than the header must not silently turn the
            # first column into the index (shifting every value); pandas warns, we refuse.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(io.StringIO(text), sep=delim, dtype=str, keep_default_na=False, skipinitialspace=True,
                             index_col=False)
    except (pd.errors.ParserError, pd.errors.ParserWarning) as e:
        why = " ".join(str(e).split())
        raise InputError(f"malformed CSV ({why}); check quotes and the number of fields per row", file=path) from e
    except pd.errors.EmptyDataError as e:
        raise InputError("the file has no header row", file=path) from e
    df.columns = [str(c).strip() for c in df.columns]
    return df, {"encoding": "gbk" if enc == "gb18030" else "utf-8", "delimiter": delim}


def _find_column(df: pd.DataFrame, aliases: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in df.columns}
    return next((lower[a] for a in aliases if a in lower), None)


def parse_coordinate(v, *, file, row, field) -> float:
    """A longitude or latitude cell as a finite float; InputError naming the file, row and field
    (an empty cell, None from a spreadsheet, text, NaN / infinity)."""
    s = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
    if not s:
        raise InputError("missing coordinate; every row needs a location", file=file, row=row, field=field)
    try:
        f = float(s)
    except ValueError:
        raise InputError(f"{v!r} is not a number (decimal degrees expected, e.g. 111.0034)", file=file, row=row,
                         field=field) from None
    if not math.isfinite(f):
        raise InputError(f"{v!r} is not a finite coordinate", file=file, row=row, field=field)
    return f


_coord = parse_coordinate  # the name this module's callers use


def points_from_csv(df: pd.DataFrame, *, file, coords: str = "wgs84") -> gpd.GeoDataFrame:
    """Point geometry (WGS84) from the longitude / latitude columns of a text frame.

    Parameters
    ----------
    df : DataFrame
        From :func:`read_csv_text`.
    file : str
        Named in errors.
    coords : str
        Coordinate system of the columns: ``wgs84``, ``gcj02`` (Amap, Tencent) or ``bd09`` (Baidu).

    Raises
    ------
    layers.errors.InputError
        No longitude / latitude column; a missing, non-numeric or out-of-range coordinate (with a
        hint when longitude and latitude look swapped, or when the values look like metres).
    """
    lon_c, lat_c = _find_column(df, LON_ALIASES), _find_column(df, LAT_ALIASES)
    for col, aliases, what in ((lon_c, LON_ALIASES, "longitude"), (lat_c, LAT_ALIASES, "latitude")):
        if col is None:
            raise InputError(f"no {what} column: name it one of {', '.join(aliases)}", file=file, field=what)
    lon = np.empty(len(df))
    lat = np.empty(len(df))
    for i, (a, b) in enumerate(zip(df[lon_c], df[lat_c])):
        row = i + 1
        x, y = _coord(a, file=file, row=row, field=lon_c), _coord(b, file=file, row=row, field=lat_c)
        if abs(x) > 180 or abs(y) > 90:
            if abs(x) > 1000 or abs(y) > 1000:
                hint = ("the values look like projected metres: give longitude/latitude in degrees, "
                        "or use a GeoPackage / GeoJSON that carries its CRS")
            elif abs(y) > 90 and abs(x) <= 90:
                hint = "longitude and latitude look swapped"
            else:
                hint = "longitude must be -180..180 and latitude -90..90"
            raise InputError(f"coordinate ({x}, {y}) out of range: {hint}", file=file, row=row,
                             field=lat_c if abs(y) > 90 else lon_c)
        lon[i], lat[i] = x, y
    wlon, wlat = to_wgs84(lon, lat, coords)
    rest = df.drop(columns=[lon_c, lat_c])
    return gpd.GeoDataFrame(rest, geometry=gpd.points_from_xy(wlon, wlat), crs=WGS84)


# ---------------------------------------------------------------- vector files


def _pick_layer(path: Path, layer: str | None, kind: str) -> str | None:
    try:
        layers = data_layers(path)  # not a QGIS-styled file's layer_styles
    except Exception as e:  # noqa: BLE001 - GDAL error zoo; name the file
        raise InputError(f"cannot read ({type(e).__name__}: {e})", file=path) from e
    if layer is not None:
        if layer not in layers:
            raise InputError(f"no layer {layer!r} (layers: {', '.join(layers)})", file=path, field="layer")
        return layer
    if len(layers) <= 1:
        return layers[0] if layers else None
    if kind in layers:
        return kind
    raise InputError(f"the file holds several layers ({', '.join(layers)}): choose one with layer=",
                     file=path, field="layer")


def _geojson_feature_count(path: Path) -> int | None:
    """Number of features of a GeoJSON FeatureCollection, checking each is a Feature (GDAL skips
    malformed features silently; a skipped row must be an error, never a silent drop).

    None when the text is not a FeatureCollection that Python's json reads (GDAL then decides).
    """
    try:
        fc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(fc, dict) or fc.get("type") != "FeatureCollection" or not isinstance(fc.get("features"), list):
        return None
    for i, f in enumerate(fc["features"]):
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise InputError('not a GeoJSON Feature (each feature needs "type": "Feature")', file=path, row=i + 1)
    return len(fc["features"])


def read_vector(path, *, layer: str | None = None, kind: str = "", coords: str = "wgs84") -> gpd.GeoDataFrame:
    """Read a GeoJSON / GeoPackage / Shapefile layer; GCJ-02 / BD-09 vertices converted to WGS84.

    A file without a CRS is taken as WGS84 when its coordinates fit longitude / latitude (GeoJSON
    is WGS84 by definition); otherwise that is an error.
    """
    path = Path(path)
    name = _pick_layer(path, layer, kind) if path.suffix.lower() == ".gpkg" else layer
    n_features = _geojson_feature_count(path) if path.suffix.lower() in (".geojson", ".json") else None
    try:
        gdf = gpd.read_file(path, layer=name, engine="pyogrio")
    except Exception as e:  # noqa: BLE001
        raise InputError(f"cannot read ({type(e).__name__}: {' '.join(str(e).split())})", file=path) from e
    if n_features is not None and len(gdf) != n_features:
        raise InputError(f"{n_features} features in the file but {len(gdf)} readable; check that every feature "
                         f"is a GeoJSON Feature", file=path)
    if gdf.crs is None:
        b = gdf.total_bounds if len(gdf) and gdf.geometry.notna().any() else np.zeros(4)
        if np.all(np.isfinite(b)) and -180 <= b[0] and b[2] <= 180 and -90 <= b[1] and b[3] <= 90:
            gdf = gdf.set_crs(WGS84)
        else:
            raise InputError("the layer has no CRS; save it with one (an EPSG code)", file=path, field="crs")
    if normalize_coords(coords) != "wgs84":
        if not gdf.crs.is_geographic:
            raise InputError(f"coords={coords!r} needs longitude/latitude data, but the layer is in {gdf.crs}",
                             file=path, field="coords")
        valid = gdf.geometry.notna().values
        conv = np.asarray(gdf.geometry.values, dtype=object)
        conv[valid] = transform_geometry_coords(conv[valid], lambda x, y: to_wgs84(x, y, coords))
        gdf = gdf.set_geometry(gpd.GeoSeries(conv, index=gdf.index, crs=gdf.crs))
    return gdf


# ---------------------------------------------------------------- loaders


def _boundary_geom(boundary, crs):
    """The boundary as one shapely geometry in ``crs`` (GeoDataFrame / GeoSeries are reprojected)."""
    if boundary is None:
        return None
    if isinstance(boundary, (gpd.GeoDataFrame, gpd.GeoSeries)):
        return boundary.to_crs(crs).geometry.union_all() if isinstance(boundary, gpd.GeoDataFrame) \
            else boundary.to_crs(crs).union_all()
    return boundary


def load_layer(path, kind: str, *, crs, boundary=None, coords: str = "wgs84", layer: str | None = None
               ) -> gpd.GeoDataFrame:
    """Load and validate one user layer of ``kind`` (``facilities``, ``projects``, ``population``).

    Parameters
    ----------
    path : str or Path
        CSV / GeoJSON / GeoPackage / Shapefile.
    kind : str
        Which layer spec of :mod:`layers.validate` applies.
    crs : str or pyproj.CRS
        Projected CRS of the result.
    boundary : GeoDataFrame, GeoSeries or shapely geometry, optional
        Every point must lie inside (a shapely geometry is taken to be in ``crs``).
    coords : str
        ``wgs84`` (default), ``gcj02`` or ``bd09``: the coordinate system of longitude / latitude
        data (CSV columns, or vertices of a layer whose CRS is geographic).
    layer : str, optional
        Layer of a multi-layer GeoPackage (default: the only one, or the one named ``kind``).

    Returns
    -------
    GeoDataFrame
        Schema columns first (extra columns kept after them), points in ``crs``, same rows as the
        file in the same order; ``attrs`` records the file, encoding and delimiter (CSV) and coords.
    """
    path = Path(path)
    if not COORDS.ok(coords):  # the one check of gis.crs, named with the file
        raise InputError(COORDS.reason(coords), file=path, field="coords")
    if not path.exists():
        raise InputError("file not found", file=path)
    suffix = path.suffix.lower()
    attrs = {"file": str(path), "coords": normalize_coords(coords)}
    if suffix in CSV_SUFFIXES:
        df, info = read_csv_text(path)
        attrs.update(info)
        gdf = points_from_csv(df, file=path, coords=coords)
    elif suffix in VECTOR_SUFFIXES:
        gdf = read_vector(path, layer=layer, kind=kind, coords=coords)
    else:
        raise InputError(f"unsupported file type {suffix or '(none)'}: use CSV, GeoJSON, GeoPackage or Shapefile",
                         file=path)
    # Geometry checks on the data as given, so a missing point is reported before projecting it.
    missing = [i + 1 for i, g in enumerate(gdf.geometry.values) if g is None or g.is_empty]
    if missing:
        raise InputError("missing or empty geometry; every row needs a location", file=path, row=missing[0],
                         field="geometry")
    projected = gdf.to_crs(crs)
    out = validate_layer(projected, kind, file=path, boundary=_boundary_geom(boundary, crs),
                         default_source=f"user file {path.name}")
    out.attrs.update(attrs)
    return out


def load_facilities(path, *, crs, boundary=None, coords: str = "wgs84", layer: str | None = None
                    ) -> gpd.GeoDataFrame:
    """Facilities from a file, validated, in :data:`layers.schema.FACILITY_COLUMNS`, projected to ``crs``.

    Missing optional columns (``name``, ``subtype``, capacity columns, ``source``) take their
    defaults (``""``, the family's first sub-type, 0, ``user file <name>``). See :func:`load_layer`.
    """
    return load_layer(path, "facilities", crs=crs, boundary=boundary, coords=coords, layer=layer)


def load_projects(path, *, crs, boundary=None, coords: str = "wgs84", layer: str | None = None
                  ) -> gpd.GeoDataFrame:
    """Planned projects (:data:`layers.schema.PROJECT_COLUMNS`; ``type`` in PROJECT_TYPES, ``open_year``
    an integer 2000-2100), validated and projected to ``crs``. See :func:`load_layer`."""
    return load_layer(path, "projects", crs=crs, boundary=boundary, coords=coords, layer=layer)


def load_population(path, *, crs, boundary=None, coords: str = "wgs84", layer: str | None = None
                    ) -> gpd.GeoDataFrame:
    """Population cells (:data:`layers.schema.POPULATION_COLUMNS`; every cohort column required),
    points or cell polygons (placed at centroids), validated and projected to ``crs``. See :func:`load_layer`."""
    return load_layer(path, "population", crs=crs, boundary=boundary, coords=coords, layer=layer)


__all__ = ["load_facilities", "load_projects", "load_population", "load_layer", "read_csv_text", "points_from_csv",
           "read_vector", "LON_ALIASES", "LAT_ALIASES"]
