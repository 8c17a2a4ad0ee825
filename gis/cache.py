"""On-disk cache of a built :class:`~gis.study_area.StudyArea`: GeoParquet layers, no pickle.

A cache entry is one folder holding ``boundary``, ``districts``, ``population``, ``facilities``,
``projects``, the graph as ``nodes`` / ``edges`` (loaded as :class:`~gis.street_frames.StreetFrames`:
the networkx graph is built only when something asks for ``area.graph``), any
``extra`` layers, and ``meta.json`` (key, CRS, sources, report). The folder is written complete
under a temporary name next to its final place and then renamed with ``os.replace`` — one atomic
step, so a reader sees either no entry or a whole one, and two processes building the same entry
at once cannot interleave their files (the loser's copy is discarded).

Prepared arrays (:func:`save_arrays` / :func:`load_arrays`): numeric arrays as memory-mapped
``.npy`` files with a manifest of sizes and CRC-32 checksums, written the same atomic way
(both through :func:`atomic_folder`). The
travel networks of :mod:`accessibility.prepared` are kept so (CSR matrices, segment table, the
cells' snapping) and reloaded instead of rebuilt; a truncated or damaged bundle is detected and
rebuilt, never trusted.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import zlib
from pathlib import Path
from typing import Iterator

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely import LineString

from gis.street_frames import StreetFrames, graph_from_frames  # noqa: F401 - graph_from_frames: its old home
from gis.study_area import StudyArea

_LAYERS = ("boundary", "districts", "population", "facilities", "projects")
#: Optional parts of a study area kept with it when present (tables or layers), and which are layers.
_OPTIONAL = ("communities", "births", "housing", "roster")
_GEO_OPTIONAL = ("communities", "housing")
_NODE_ATTRS = ("x", "y", "street_count")
_EDGE_ATTRS = ("osmid", "highway", "name", "length", "geometry")


@contextlib.contextmanager
def atomic_folder(folder, complete: str) -> Iterator[Path]:
    """Yield a fresh temporary folder beside ``folder``; when the block ends, rename it to ``folder``.

    The one folder writer of the cache (:func:`save_study_area`, :func:`save_arrays`): the entry is
    written complete under a temporary name in the same parent (``os.replace`` is atomic only
    within one file system) and renamed in one step, so a reader sees no entry or a whole one.
    Files are not fsynced (as before this helper): a cache entry lost or damaged by a power cut
    is detected on load (missing ``complete`` file, sizes, CRC-32) and rebuilt, so durability is
    not worth a flush per file.

    Parameters
    ----------
    folder : str or Path
        The final folder.
    complete : str
        The file written last, whose presence marks a complete entry (``meta.json``,
        ``manifest.json``). If another process put a complete entry at ``folder`` first, that
        one is kept and this copy dropped; an incomplete folder there (debris) is replaced.

    Yields
    ------
    Path
        The temporary folder to write into. If the block raises, the temporary folder is
        removed and ``folder`` is untouched; the exception propagates.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    try:
        yield tmp
        try:
            os.replace(tmp, folder)  # atomic; fails if a non-empty folder is there (another process won)
        except OSError:
            if not (folder / complete).is_file():  # a stale, incomplete entry: replace it
                shutil.rmtree(folder, ignore_errors=True)
                os.replace(tmp, folder)
    finally:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(tmp)


def tidy_graph(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Keep the graph attributes the planner uses, in types GeoParquet can store (in place).

    Nodes keep ``x``, ``y``, ``street_count``; edges ``osmid`` (first OSM way id of a simplified
    edge that merged several), ``highway`` and ``name`` (lists joined with ";" in sorted order,
    missing as ""), ``length`` (m) and ``geometry`` (straight edges get a two-point line). A graph so tidied survives the cache unchanged.
    """
    for _, d in G.nodes(data=True):
        for k in [k for k in d if k not in _NODE_ATTRS]:
            del d[k]

    for u, v, d in G.edges(data=True):
        if d.get("geometry") is None:  # straight edges get their line, as graph_to_gdfs would fill it
            d["geometry"] = LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])
        for k in [k for k in d if k not in _EDGE_ATTRS]:
            del d[k]
        oid = d.get("osmid")
        if isinstance(oid, (list, tuple)):
            d["osmid"] = int(min(oid))
        for k in ("highway", "name"):
            v = d.get(k)
            if isinstance(v, (list, tuple)):
                d[k] = ";".join(sorted({str(x) for x in v}))
            elif v is None or (isinstance(v, float) and np.isnan(v)):
                d[k] = ""
            else:
                d[k] = str(v)
        d["length"] = float(d["length"])
    return G


def graph_to_frames(G: nx.MultiDiGraph) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Nodes (column ``osmid``) and edges (columns ``u``, ``v``, ``key``) as flat GeoDataFrames."""
    # lazy: osmnx takes ~1.7 s to import; only writing a graph to the cache needs it
    import osmnx as ox

    nodes, edges = ox.graph_to_gdfs(G, nodes=True, edges=True, fill_edge_geometry=True)
    return nodes.reset_index(), edges.reset_index()


def save_study_area(area: StudyArea, folder, key: dict, *, extra: dict | None = None,
                    report: dict | None = None, files: dict | None = None) -> Path:
    """Write ``area`` to the cache folder ``folder`` atomically.

    Parameters
    ----------
    area : StudyArea
    folder : str or Path
        Final folder of the entry. An existing complete entry is left as it is.
    key : dict
        What the entry was built from (JSON-able); :func:`load_study_area` checks it.
    extra : dict of name -> GeoDataFrame, optional
        More layers to keep (e.g. barriers); loaded into ``area.cache["layers"]``.
    report : dict, optional
        Build figures (JSON-able) loaded into ``area.cache["report"]``.
    files : dict of name -> Path, optional
        Files to copy into the entry (e.g. the generated OSM XML).

    Returns
    -------
    Path
        The folder.
    """
    folder = Path(folder)
    with atomic_folder(folder, "meta.json") as tmp:
        nodes, edges = _street_tables(area, "walk")
        frames = {n: getattr(area, n) for n in _LAYERS} | {"nodes": nodes, "edges": edges} | (extra or {})
        has_bike = area.has_bike_graph
        if has_bike:  # the cycling streets of a real OSM area travel with it (bike mode runs on them)
            frames["bike_nodes"], frames["bike_edges"] = _street_tables(area, "bike")
        # the optional layers and tables travel with the area: communities (社区), and the seat-planning
        # births and housing (the cohort projection reads births)
        optional = [n for n in _OPTIONAL if getattr(area, n, None) is not None]
        frames |= {n: getattr(area, n) for n in optional}
        for name, gdf in frames.items():
            gdf.to_parquet(tmp / f"{name}.parquet", index=False)
        for name, src in (files or {}).items():
            shutil.copyfile(src, tmp / name)
        meta = {"key": key, "name": area.name, "crs": area.crs, "synthetic": area.synthetic,
                "sources": area.sources, "estimated": sorted(area.estimated), "cell_size": area.cell_size,
                "extra": sorted(extra or {}),
                "files": sorted(files or {}), "report": report or {}, "bike": has_bike, "optional": optional,
                # what the OSM filter kept and dropped (hedong info reports it) rides on the graph
                "osm_filter": _graph_attrs(area).get("osm_filter")}
        # meta.json last: an entry without it is incomplete by definition.
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def _street_tables(area: StudyArea, streets: str) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The node and edge tables of the area's ``walk`` or ``bike`` graph: the ones it was loaded
    with, or written from its networkx graph (tidied)."""
    src = area.street_frames(streets)
    if src is not None:
        return src.nodes, src.edges
    G = area.graph if streets == "walk" else tidy_graph(area.bike_graph)
    return graph_to_frames(G)


def _graph_attrs(area: StudyArea) -> dict:
    """Graph-level attributes of the walking graph (without building it from tables)."""
    src = area.street_frames("walk")
    return src.attrs if src is not None else area.graph.graph


def _checked(frames: StreetFrames) -> StreetFrames:
    """``frames`` if they hold the columns a graph is built from; a damaged entry raises (and is rebuilt)."""
    missing = ({"osmid", "x", "y"} - set(frames.nodes.columns)) | ({"u", "v", "key"} - set(frames.edges.columns))
    if missing or not len(frames.nodes) or not len(frames.edges):
        raise ValueError(f"damaged street tables (missing {sorted(missing)} or empty)")
    return frames


def load_study_area(folder, key: dict | None = None) -> StudyArea | None:
    """The study area cached in ``folder``, or None if there is no complete entry for ``key``.

    A damaged entry counts as missing (the caller rebuilds it); it is never an error.
    """
    folder = Path(folder)
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if key is not None and meta.get("key") != key:
            return None
        f = {n: gpd.read_parquet(folder / f"{n}.parquet") for n in (*_LAYERS, "nodes", "edges", *meta["extra"])}
        # The graphs stay tables: area.graph builds the networkx graph on first access, and the
        # travel networks are built from the tables (a warm start skips networkx altogether).
        attrs = {"osm_filter": meta["osm_filter"]} if meta.get("osm_filter") is not None else {}
        G = _checked(StreetFrames(f["nodes"], f["edges"], meta["crs"], attrs))
        bike = None
        if meta.get("bike"):
            bike = _checked(StreetFrames(gpd.read_parquet(folder / "bike_nodes.parquet"),
                                         gpd.read_parquet(folder / "bike_edges.parquet"), meta["crs"]))
        area = StudyArea(name=meta["name"], crs=meta["crs"], boundary=f["boundary"], districts=f["districts"],
                         population=f["population"], facilities=f["facilities"], projects=f["projects"], graph=G,
                         synthetic=meta["synthetic"], sources=meta["sources"], cell_size=meta["cell_size"],
                         estimated=frozenset(meta.get("estimated", ())),
                         bike_graph=bike, **{n: (gpd.read_parquet if n in _GEO_OPTIONAL else pd.read_parquet)(
                             folder / f"{n}.parquet") for n in meta.get("optional", [])})
        area.cache["layers"] = {n: f[n] for n in meta["extra"]}
        area.cache["report"] = meta.get("report", {})
        area.cache["files"] = {n: folder / n for n in meta.get("files", [])}
        area.cache["cache_key"] = meta.get("key")  # what it was built from: a batch task's key holds it
    except Exception:  # noqa: BLE001 - a damaged cache (files or meta.json) is rebuilt, never fatal
        return None
    return area


# ---------------------------------------------------------------------- prepared arrays

#: Version of the array-bundle layout written by :func:`save_arrays` (a reader skips other versions).
ARRAYS_FORMAT = 1
_MANIFEST = "manifest.json"


def _crc(a: np.ndarray) -> int:
    """CRC-32 of an array's bytes: a corruption check (2.5 GB/s here; not a content key)."""
    return zlib.crc32(memoryview(np.ascontiguousarray(a)).cast("B")) if a.size else 0


#: Block size of :func:`_file_crc` (large enough that the Python loop costs nothing next to the CRC).
_CRC_BLOCK = 8 << 20


def _file_crc(path: Path, a: np.ndarray) -> int:
    """:func:`_crc` of the array ``a`` memory-mapped from ``path``, computed from the file with plain
    reads rather than through the map.

    Reading through the map makes every page of it resident in this process (a whole prepared
    bundle counted in the parent's peak memory, issue 28); read from the file, the pages go to the
    page cache only (where the worker processes mapping the same file find them). The bytes are
    those of the map: from the map's offset (past the ``.npy`` header, as numpy read it) for
    ``a.nbytes`` bytes; a C-ordered array's bytes are its ``np.ascontiguousarray`` bytes, which is
    what :func:`save_arrays` checksummed. Anything else (not a map, other order) goes through
    :func:`_crc` as before.
    """
    if not isinstance(a, np.memmap) or not a.flags.c_contiguous or not a.size:
        return _crc(a)
    crc, left = 0, a.nbytes
    with open(path, "rb", buffering=0) as f:
        f.seek(a.offset)
        buf = bytearray(min(_CRC_BLOCK, left))
        view = memoryview(buf)
        while left:
            got = f.readinto(view[:min(len(buf), left)])
            if not got:  # shorter than the manifest says: damaged (the size check should catch it first)
                return -1
            crc = zlib.crc32(view[:got], crc)
            left -= got
    return crc


def save_arrays(folder, arrays: dict, meta: dict) -> Path:
    """Write numeric arrays as ``.npy`` files plus a manifest to ``folder``, atomically.

    The bundle is written complete under a temporary name beside ``folder`` and renamed in one
    step (as :func:`save_study_area` does); the manifest, written last, records every array's
    dtype, shape, file size and CRC-32 so that :func:`load_arrays` never trusts a truncated or
    damaged file. An existing complete bundle is left as it is (same key, same content).

    Parameters
    ----------
    folder : str or Path
        Final folder of the bundle; its name should carry the content key.
    arrays : dict of name -> ndarray
        Numeric or fixed-width string arrays (no object arrays: nothing here is pickled).
    meta : dict
        JSON-able facts stored with the arrays (key, format, counts ...); returned by :func:`load_arrays`.

    Returns
    -------
    Path
        The folder.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    if (folder / _MANIFEST).is_file():
        return folder
    with atomic_folder(folder, _MANIFEST) as tmp:
        entries = {}
        for name, a in arrays.items():
            a = np.ascontiguousarray(a)
            if a.dtype.hasobject:
                raise TypeError(f"array {name!r} holds Python objects; only numeric arrays are stored")
            path = tmp / f"{name}.npy"
            np.save(path, a, allow_pickle=False)
            entries[name] = {"dtype": a.dtype.str, "shape": list(a.shape), "bytes": path.stat().st_size,
                             "crc32": _crc(a)}
        manifest = {"format": ARRAYS_FORMAT, "meta": meta, "arrays": entries}
        (tmp / _MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder


def load_arrays(folder, meta: dict | None = None, *, verify: bool = True) -> tuple[dict, dict] | None:
    """The arrays and meta of a bundle written by :func:`save_arrays`, or None when there is none.

    Arrays are memory-mapped copy-on-write (``mmap_mode="c"``): pages are read from the page
    cache as they are used and shared by every process mapping the same file; writing to one
    changes this process's copy only.

    Parameters
    ----------
    folder : str or Path
    meta : dict, optional
        Entries the stored meta must match (e.g. the content key); a mismatch counts as missing.
    verify : bool
        Check every array's CRC-32 (it reads every byte of the files once, with plain reads and
        not through the maps, so the bytes land in the page cache but not in this process's
        resident memory; a damaged bundle is detected even where the size is right). Sizes,
        dtypes and shapes are always checked.

    Returns
    -------
    (arrays, meta) or None
        None for a missing, partial, damaged or mismatching bundle (the caller rebuilds it and
        may :func:`discard_arrays` the bad one); never an error.
    """
    folder = Path(folder)
    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != ARRAYS_FORMAT:
            return None
        stored = manifest["meta"]
        if meta is not None and any(stored.get(k) != v for k, v in meta.items()):
            return None
        out = {}
        for name, e in manifest["arrays"].items():
            path = folder / f"{name}.npy"
            if path.stat().st_size != e["bytes"]:
                return None
            # (an empty array cannot be memory-mapped)
            a = np.load(path, mmap_mode="c" if np.prod(e["shape"]) else None, allow_pickle=False)
            if a.dtype.str != e["dtype"] or list(a.shape) != e["shape"]:
                return None
            # from the file, not the map: the map's pages stay out of this process (_file_crc)
            if verify and _file_crc(path, a) != e["crc32"]:
                return None
            out[name] = a
    except Exception:  # noqa: BLE001 - a damaged bundle (any file, the manifest) is rebuilt, never fatal
        return None
    return out, stored


def discard_arrays(folder) -> None:
    """Remove a bundle (a damaged one, before it is written again); missing is fine."""
    folder = Path(folder)
    if folder.is_dir():
        # rename first, then delete: a concurrent reader sees the bundle whole or not at all
        gone = folder.with_name(f".{folder.name}.{os.getpid()}.gone")
        with contextlib.suppress(OSError):
            os.replace(folder, gone)
            folder = gone
        shutil.rmtree(folder, ignore_errors=True)
