"""Atomic file writes: a reader never sees a half-written file, a crash never leaves one.

Every writer here writes to a temporary file in the *same folder* as the target and then
``os.replace``-s it into place. Same folder because ``os.replace`` is atomic only within one
file system; a temp file under ``/tmp`` could sit on another device. A GeoPackage with several
layers is written completely to one temp file and replaced once, so the layers are atomic as a
whole (no reader sees the boundary of the new area with the facilities of the old one).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterator, Mapping

import geopandas as gpd
import pandas as pd
import pyogrio

from gis.qml import geometry_kind, single_qml, write_layer_styles
from layers.errors import InputError


@contextlib.contextmanager
def atomic_path(path, *, suffix: str | None = None, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it over ``path`` atomically.

    The one atomic writer of the project: every file writer (here, scenarios.store, the CLI's
    exports) goes through it.

    Parameters
    ----------
    path : str or Path
        The final file.
    suffix : str, optional
        Suffix of the temp file (default: that of ``path``) — GDAL drivers pick the format by it.
    overwrite : bool
        Replace an existing ``path`` (default). When False an existing file is never replaced:
        the temp file is hard-linked into place, which fails atomically if a file of that name
        appeared meanwhile (on file systems without hard links: checked, then renamed).

    Yields
    ------
    Path
        Where to write. If the block raises, the temp file is removed and ``path`` is untouched.

    Raises
    ------
    FileExistsError
        ``overwrite=False`` and ``path`` exists (before or after writing).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite and path.exists():
        raise FileExistsError(str(path))
    suffix = path.suffix if suffix is None else suffix
    clean_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{suffix}", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    # GDAL refuses to create a GeoPackage over an existing (empty) file on some versions.
    tmp.unlink()
    try:
        yield tmp
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_new(tmp, path)
    finally:
        # On failure remove the temp file and any GDAL side files (-wal/-shm/-journal).
        for p in [tmp, *tmp.parent.glob(tmp.name + "-*")]:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()


#: Age after which a temp file next to a target is debris of a killed write (never one in progress).
STALE_TEMP_S = 3600.0


def clean_stale_temps(path, max_age_s: float = STALE_TEMP_S) -> int:
    """Remove temp files a killed write of ``path`` left (``.<stem>.*.tmp*``, with GDAL side files),
    older than ``max_age_s``; returns how many. ``kill -9`` debris was 2.3 MB a time, never cleaned."""
    path = Path(path)
    n = 0
    now = time.time()
    for p in path.parent.glob(f".{glob.escape(path.stem)}.*.tmp*"):
        with contextlib.suppress(OSError):
            if p.is_file() and now - p.stat().st_mtime > max_age_s:
                p.unlink()
                n += 1
    return n


def _link_new(tmp: Path, path: Path) -> None:
    """Put ``tmp`` at ``path`` only if nothing is there (FileExistsError otherwise)."""
    try:
        os.link(tmp, path)  # atomic: fails if the name exists
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if path.exists():
            raise FileExistsError(str(path)) from None
        os.replace(tmp, path)


def write_bytes_atomic(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically. Returns ``path`` as a Path."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    return Path(path)


def write_text_atomic(path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8 by default). Returns ``path`` as a Path."""
    return write_bytes_atomic(path, text.encode(encoding))


#: First characters that make Excel / LibreOffice read a cell as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_cell(v):
    """A text cell that would start a formula (``=``, ``+``, ``-``, ``@``, tab, CR) prefixed with ``'``
    so a spreadsheet shows it as text; numbers and other values unchanged."""
    if isinstance(v, str) and v.startswith(_FORMULA_START):
        return "'" + v
    return v


def write_csv_atomic(df, path) -> Path:
    """Write a DataFrame as UTF-8-with-BOM CSV (Excel opens Chinese correctly), atomically, with every
    text cell and header passed through :func:`csv_safe_cell` — the one CSV writer of the project."""
    safe = pd.DataFrame({csv_safe_cell(str(c)): df[c] if pd.api.types.is_numeric_dtype(df[c])
                         else df[c].map(csv_safe_cell) for c in df.columns})
    with atomic_path(path) as tmp:
        safe.to_csv(tmp, index=False, encoding="utf-8-sig")
    return Path(path)


def write_data_csv_atomic(df, path) -> Path:
    """Write a DataFrame as UTF-8-with-BOM CSV atomically, every cell verbatim: the writer of CSV files
    the planner reads back as data (a study area's ``births.csv``). :func:`write_csv_atomic` is for
    tables meant for people: its ``'`` before ``-1`` made a district id the reader no longer knew."""
    with atomic_path(path) as tmp:
        pd.DataFrame(df).to_csv(tmp, index=False, encoding="utf-8-sig")
    return Path(path)


def write_parquet_atomic(gdf: gpd.GeoDataFrame, path) -> Path:
    """Write a GeoDataFrame as GeoParquet atomically (the cache format: fast, typed, no pickle)."""
    with atomic_path(path) as tmp:
        gdf.to_parquet(tmp, index=False)
    return Path(path)


#: GeoPackage creation options for every .gpkg the planner writes. pyogrio's bundled GDAL (3.7+) writes
#: GeoPackage 1.4 by default, which GDAL 3.6 (Debian 12, under its QGIS 3.22) opens with a
#: "may only be partially supported" warning; 1.2 is what GDAL up to 3.6 writes itself and every
#: GDAL since 2.2 reads without a word (the layers are the same).
GPKG_DATASET_OPTIONS = {"VERSION": "1.2"}


def write_gpkg_atomic(layers: Mapping[str, gpd.GeoDataFrame], path, *, append: bool = False,
                      replace_layers: bool = False, styles: Mapping[str, str] | None = None) -> Path:
    """Write several layers into one GeoPackage, atomically as a whole.

    Parameters
    ----------
    layers : mapping of layer name -> GeoDataFrame
        Written in order; an empty frame still creates its (empty) layer so readers find it.
    path : str or Path
        The ``.gpkg`` file; replaced in one step when every layer is written.
    append : bool
        Keep the other layers of an existing ``path`` and add these (what QGIS users expect of
        "add a layer"): the file is copied, extended and replaced in one step.
    replace_layers : bool
        With ``append``, a layer of the same name is replaced; otherwise that is an InputError.
    styles : mapping of layer name -> QML, optional
        QGIS default styles written into the file's ``layer_styles`` table (:mod:`gis.qml`); a layer
        without one gets a plain symbol of its geometry type, so every GeoPackage the planner writes
        opens styled in QGIS.

    Returns
    -------
    Path
    """
    path = Path(path)
    base = path if append and path.is_file() else None
    if base is not None:
        try:
            present = {str(n) for n, _ in pyogrio.list_layers(base)}
        except Exception as e:  # noqa: BLE001 - GDAL errors are untyped
            raise InputError(f"cannot add a layer: not a readable GeoPackage ({type(e).__name__})", file=path) from e
        clash = sorted(present & set(layers))
        if clash and not replace_layers:
            raise InputError(f"the GeoPackage already has a layer {clash[0]!r}; add --overwrite to replace that "
                             f"layer", file=path, field="--append-layer")
    with atomic_path(path, suffix=".gpkg") as tmp:
        if base is not None:
            shutil.copyfile(base, tmp)  # a layer of the same name is replaced by to_file below
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", dataset_options=GPKG_DATASET_OPTIONS)
        write_layer_styles(tmp, default_styles(layers, styles))
    return Path(path)


def default_styles(layers: Mapping[str, gpd.GeoDataFrame], styles: Mapping[str, str] | None = None) -> dict:
    """``styles`` completed with a plain grey symbol of its geometry type for every other layer."""
    out = dict(styles or {})
    for name, gdf in layers.items():
        if name not in out:
            gt = gdf.geom_type.iloc[0] if len(gdf) and isinstance(gdf, gpd.GeoDataFrame) else None
            out[name] = single_qml(geometry_kind(gt), "#7f7f7f", alpha=0.6)
    return out


def write_file_atomic(gdf: gpd.GeoDataFrame, path, **kwargs) -> Path:
    """``GeoDataFrame.to_file`` atomically (driver chosen by the suffix of ``path``).

    Single-file formats only (GeoPackage, GeoJSON, FlatGeobuf): a Shapefile is several files
    and cannot be replaced in one step, so it is refused.
    """
    path = Path(path)
    if path.suffix.lower() == ".shp":
        raise ValueError("a Shapefile is several files and cannot be written atomically; use .gpkg")
    with atomic_path(path) as tmp:
        gdf.to_file(tmp, engine="pyogrio", **kwargs)
    return path
