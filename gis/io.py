"""Atomic file writes: a reader never sees a half-written file, a crash never leaves one.

Every writer here writes to a temporary file in the *same folder* as the target and then
``os.replace``-s it into place. Same folder because ``os.replace`` is atomic only within one
file system; a temp file under ``/tmp`` could sit on another device. A GeoPackage with several
layers is written completely to one temp file and replaced once, so the layers are atomic as a
whole (no reader sees the boundary of the new area with the facilities of the old one).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator, Mapping

import geopandas as gpd


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


def write_gpkg_atomic(layers: Mapping[str, gpd.GeoDataFrame], path) -> Path:
    """Write several layers into one GeoPackage, atomically as a whole.

    Parameters
    ----------
    layers : mapping of layer name -> GeoDataFrame
        Written in order; an empty frame still creates its (empty) layer so readers find it.
    path : str or Path
        The ``.gpkg`` file; replaced in one step when every layer is written.

    Returns
    -------
    Path
    """
    with atomic_path(path, suffix=".gpkg") as tmp:
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", dataset_options=GPKG_DATASET_OPTIONS)
    return Path(path)


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
