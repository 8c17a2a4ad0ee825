"""A user's own study area as a folder, and the export that writes one (CONTRACT.md).

Layout::

    DIR/
      area.gpkg        layers boundary, districts, population, facilities, projects (optional),
                       housing (optional: housing_id, completion_year, dwellings; points)
      network.osm      OSM XML walking network (or network.osm.pbf)
      births.csv       optional: district_id, year, births (UTF-8) — the enrolment projection's births
      enrolment.csv    optional: school_id, year, grade, pupils (UTF-8) — a pupil roster (学籍); grades
                       K1-K3, 1-9; enrolment then follows grade progression (scenarios.roster)
      area.json        optional: name, synthetic flag, sources, estimated layers, cell size (written by export)
      README.txt       optional: what the files are, sources and licences (written by export)

:func:`load_folder` reads any CRS with an EPSG code and reprojects every layer to the projected
CRS :func:`gis.crs.local_projected_crs` picks for the boundary; every row is validated by
:mod:`layers.validate`. :func:`export_area` writes the same layout from any
:class:`~gis.study_area.StudyArea`, each file atomically, so ``export -> load_folder`` gives the
same layers and a network with the same node and edge counts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
import pyogrio
from pyproj import CRS

from gis.cache import load_study_area, save_study_area, tidy_graph
from gis.crs import local_projected_crs
from gis.io import write_data_csv_atomic, write_gpkg_atomic, write_text_atomic
from gis.osm import read_osm_networks
from gis.osm_xml import CREATED_ID_MIN, graph_to_osm_xml
from gis.study_area import StudyArea, cache_dir, validate_layers
from layers.errors import InputError
from layers.frames import empty_layer
from layers.norms import AGE_60_DERIVED_NOTE
from layers.schema import LAYERS_OPTIONAL, LAYERS_REQUIRED, ROSTER_COLUMNS, is_generated
from layers.validate import validate_births, validate_layer, validate_roster

GPKG_NAME = "area.gpkg"
NETWORK_NAMES = ("network.osm", "network.osm.pbf", "network.pbf")
META_NAME = "area.json"
BIRTHS_NAME = "births.csv"
ROSTER_NAME = "enrolment.csv"
README_NAME = "README.txt"
#: The files of a study-area folder: what an export replaces, or removes when it has none of its own.
OWN_FILES = (GPKG_NAME, *NETWORK_NAMES, BIRTHS_NAME, ROSTER_NAME, META_NAME, README_NAME)


def _read_network(path: Path, crs) -> tuple[nx.MultiDiGraph, nx.MultiDiGraph | None]:
    """The walking and cycling networks of a study-area folder, projected to ``crs``.

    Every file takes the one path, :func:`gis.osm.read_osm_networks` (the filter table of
    :mod:`gis.osm_filter`, whatever the file's ``generator`` says). A file this module wrote reads
    back with the same graph: it holds only walkable ways with their ``highway`` tags, and every
    graph node carries :data:`NODE_MARKER`, which keeps it a node through simplification.
    """
    graphs, _ = read_osm_networks(path, crs=crs)
    return graphs["walk"], graphs.get("bike")


def is_study_area_file(path) -> bool:
    """True when ``path`` is one of a study-area folder's own files (area.gpkg, network, area.json).

    Output options must never replace these: a catchments-only file written over ``area.gpkg``
    destroys the study area (issue 14).
    """
    p = Path(path).resolve()
    own = (GPKG_NAME, *NETWORK_NAMES, META_NAME, README_NAME)
    return p.name in own and (p.parent / GPKG_NAME).is_file()


# ---------------------------------------------------------------- load

#: Side of square population cells accepted in area.json, metres.
CELL_SIZE_RANGE = (10.0, 2000.0)


def read_area_json(path: Path) -> dict:
    """The optional ``area.json`` of a folder, checked: ``synthetic`` a JSON boolean, ``sources`` an
    object of texts, ``cell_size`` a number of metres in :data:`CELL_SIZE_RANGE`; {} if absent.

    ``"synthetic": "false"`` (a string) would be truthy and mark a real area as generated; a
    ``cell_size`` of ``"abc"`` or ``1e7`` broke the catchment squares later (exit 1).
    """
    if not path.is_file():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"not valid JSON ({e})", file=path) from e
    if not isinstance(meta, dict):
        raise InputError("must hold a JSON object (name, synthetic, sources, cell_size)", file=path)
    if "synthetic" in meta and not isinstance(meta["synthetic"], bool):
        raise InputError(f"synthetic must be true or false (JSON booleans, no quotes), got {meta['synthetic']!r}",
                         file=path, field="synthetic")
    src = meta.get("sources")
    if src is not None and not (isinstance(src, dict) and all(isinstance(v, str) for v in src.values())):
        raise InputError('sources must be an object of texts, e.g. {"facilities": "survey 2024"}', file=path,
                         field="sources")
    est = meta.get("estimated")
    if est is not None and not (isinstance(est, list) and all(isinstance(v, str) for v in est)):
        raise InputError('estimated must be a list of layer names, e.g. ["population"]', file=path,
                         field="estimated")
    cs = meta.get("cell_size")
    if cs is not None:
        lo, hi = CELL_SIZE_RANGE
        if isinstance(cs, bool) or not isinstance(cs, (int, float)) or not lo <= cs <= hi:
            raise InputError(f"cell_size {cs!r} must be a number of metres, {lo:g}-{hi:g}", file=path,
                             field="cell_size")
        meta["cell_size"] = float(cs)
    return meta



def _read_gpkg_layer(gpkg: Path, layer: str) -> gpd.GeoDataFrame:
    try:
        gdf = gpd.read_file(gpkg, layer=layer, engine="pyogrio")
    except Exception as e:  # noqa: BLE001 - GDAL errors are untyped; name the file and layer
        raise InputError(f"cannot read layer {layer!r} ({type(e).__name__}: {e})", file=gpkg) from e
    if gdf.crs is None:
        raise InputError(f"layer {layer!r} has no CRS; save it with one that has an EPSG code", file=gpkg,
                         field="crs")
    if gdf.crs.to_epsg() is None:
        raise InputError(f"layer {layer!r} has a CRS without an EPSG code ({gdf.crs.name}); "
                         f"reproject it to one with an EPSG code", file=gpkg, field="crs")
    return gdf


def load_folder(path, **_ignored) -> StudyArea:
    """Load a user's study-area folder (CONTRACT.md "A user's own study area").

    Parameters
    ----------
    path : str or Path
        Folder holding ``area.gpkg`` and ``network.osm`` or ``network.osm.pbf``.

    Returns
    -------
    StudyArea
        Named after the folder; every layer and the graph in the boundary's local projected CRS
        (EPSG:4546 around Yuncheng, else the UTM zone). ``synthetic`` is True when ``area.json``
        says so or when any ``source`` value marks a generated row.

    Raises
    ------
    layers.errors.InputError
        A missing file or required layer (named), a layer without an EPSG CRS, or any invalid
        row (file, layer, row and field named).
    """
    folder = Path(path)
    if not folder.is_dir():
        raise InputError("not a folder", file=folder)
    gpkg = folder / GPKG_NAME
    if not gpkg.is_file():
        raise InputError(f"missing {GPKG_NAME}: a study-area folder holds {GPKG_NAME} and network.osm",
                         file=gpkg)
    try:
        present = {str(x[0]) for x in pyogrio.list_layers(gpkg)}
    except Exception as e:  # noqa: BLE001
        raise InputError(f"not a readable GeoPackage ({type(e).__name__}: {e})", file=gpkg) from e
    for layer in LAYERS_REQUIRED:
        if layer not in present:
            raise InputError(f"missing required layer {layer!r} (layers found: {', '.join(sorted(present)) or 'none'})",
                             file=gpkg, field=layer)
    net = next((folder / n for n in NETWORK_NAMES if (folder / n).is_file()), None)
    if net is None:
        raise InputError("missing network.osm (or network.osm.pbf): the walking network of the area",
                         file=folder / "network.osm")

    raw = {n: _read_gpkg_layer(gpkg, n) for n in (*LAYERS_REQUIRED, "projects") if n in present}
    crs = local_projected_crs(raw["boundary"])
    raw.setdefault("projects", empty_layer("projects", crs))
    checked = validate_layers(raw, crs, where=lambda n: f"{gpkg} layer {n}",
                              default_source=f"user study area {folder.name}")
    boundary, districts, population = checked["boundary"], checked["districts"], checked["population"]
    facilities, projects = checked["facilities"], checked["projects"]
    housing = None
    if "housing" in present:  # optional pipeline of new estates (issue 11)
        h = _read_gpkg_layer(gpkg, "housing")
        if not CRS.from_user_input(crs).equals(h.crs):
            h = h.to_crs(crs)
        housing = validate_layer(h, "housing", file=f"{gpkg} layer housing", boundary=boundary.geometry.iloc[0],
                                 default_source=f"user study area {folder.name}")
    births = None
    if (folder / BIRTHS_NAME).is_file():
        try:
            # as text: the checks quote the file's own cell (1e20, 2022.5) and parse before any arithmetic
            raw_b = pd.read_csv(folder / BIRTHS_NAME, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
            raise InputError(f"not a readable CSV ({type(e).__name__})", file=folder / BIRTHS_NAME) from e
        births = validate_births(raw_b, districts["district_id"], source=str(folder / BIRTHS_NAME))
    roster = None
    if (folder / ROSTER_NAME).is_file():
        roster = _read_roster(folder / ROSTER_NAME, facilities)

    communities = None
    if "communities" in present:  # the optional 社区 layer
        com = _read_gpkg_layer(gpkg, "communities")
        if not CRS.from_user_input(crs).equals(com.crs):
            com = com.to_crs(crs)
        communities = validate_layer(com, "communities", file=f"{gpkg} layer communities",
                                     default_source=f"user study area {folder.name}")
    graph, bike_graph = _read_network(net, crs)

    meta = read_area_json(folder / META_NAME)
    sources_cols = [df["source"] for df in (facilities, projects, population) if "source" in df]
    generated = any(is_generated(s) for col in sources_cols for s in col)
    return StudyArea(
        name=folder.name, crs=crs, boundary=boundary, districts=districts, population=population,
        facilities=facilities, projects=projects, graph=graph,
        # Generated rows are never shown as real data, whatever area.json says.
        synthetic=bool(meta.get("synthetic", False)) or generated,
        sources=_with_derived(meta.get("sources") or {"area": f"user study area {folder}"}, population),
        cell_size=meta.get("cell_size"), bike_graph=bike_graph, births=births, housing=housing,
        communities=communities, roster=roster, estimated=frozenset(meta.get("estimated") or ()),
    )


def _read_roster(path: Path, facilities):
    """The roster ``enrolment.csv`` as text (grades such as ``K1`` and ids such as ``007`` kept as written),
    checked row by row against the facilities (:func:`layers.validate.validate_roster`)."""
    try:
        raw = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise InputError(f"not a readable CSV ({type(e).__name__})", file=path) from e
    return validate_roster(raw, facilities, source=str(path))


def _with_derived(sources: dict, population) -> dict:
    """``sources`` plus a note for every cohort the loader derived (age_60_plus from 65+)."""
    derived = population.attrs.get("derived_cohorts", [])
    return {**sources, **({"age_60_plus": AGE_60_DERIVED_NOTE} if "age_60_plus" in derived else {})}


# ---------------------------------------------------------------- export


#: Bump when :func:`load_folder` changes what it builds or checks: older cache entries are then ignored.
FOLDER_CACHE_VERSION = 6  # 3: cycling graph and OSM filter report cached; 4: births, housing, communities, age_60_plus; 6: roster, births bounds


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def folder_cache_key(path) -> dict:
    """What a cached folder area is built from: its resolved path and the SHA-256 of each input file."""
    folder = Path(path).resolve()
    files = [folder / GPKG_NAME, *(folder / n for n in NETWORK_NAMES), folder / META_NAME, folder / BIRTHS_NAME,
             folder / ROSTER_NAME]
    return {"kind": "folder", "version": FOLDER_CACHE_VERSION, "folder": str(folder),
            "files": {p.name: _file_digest(p) for p in files if p.is_file()}}


def load_folder_cached(path) -> StudyArea:
    """:func:`load_folder` through the on-disk cache (:mod:`gis.cache`), keyed by content hash.

    Parsing ``network.osm`` takes ~20 s for a small town and minutes for a large extract; every
    CLI call paid it. The key holds the SHA-256 of ``area.gpkg``, the network file and
    ``area.json``: any edit to them is a miss that rebuilds (and re-validates). The area returned
    is the one read back from the cache, so a cold and a warm load give the same object graph.
    """
    t0 = time.perf_counter()
    folder = Path(path)
    if not folder.is_dir():
        return load_folder(folder)  # the loader names the problem
    key = folder_cache_key(folder)
    entry = cache_dir() / "folders" / hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]
    area = load_study_area(entry, key)
    from_cache = area is not None
    if area is None:
        built = load_folder(folder)
        tidy_graph(built.graph)
        try:
            save_study_area(built, entry, key)
            area = load_study_area(entry, key)
        except OSError:  # a read-only cache folder: use the build as is
            area = None
        area = area if area is not None else built
    area.cache["from_cache"] = from_cache
    area.cache["load_seconds"] = round(time.perf_counter() - t0, 3)
    area.cache["folder"] = str(folder.resolve())
    return area


# ---------------------------------------------------------------- export


def _readme(area: StudyArea, files: list[str]) -> str:
    src = "\n".join(f"  - {k}: {v}" for k, v in (area.sources or {}).items()) or "  (none recorded)"
    warn = ("GENERATED DATA: streets, people and facilities of this area are generated by the Hedong Planner "
            "demo, not real.\n\n" if area.synthetic else "")
    return (f"Hedong Planner study area: {area.name}\n{'=' * (27 + len(area.name))}\n\n{warn}"
            f"Files:\n" + "".join(f"  - {f}\n" for f in files) +
            f"\narea.gpkg layers (CRS {area.crs}): boundary, districts, population, facilities"
            f"{', projects' if len(area.projects) else ''}"
            f"{', communities' if area.communities is not None and len(area.communities) else ''} — columns as in the Hedong Planner contract.\n"
            f"network.osm: the walking network as OSM XML (WGS84), nodes then ways by ascending id; ids the planner "
            f"made up are {CREATED_ID_MIN} and above; reopen with `hedong info --area <this folder>`.\n"
            f"Open area.gpkg in QGIS (Layer > Add Vector Layer); open network.osm there too and pick its layer "
            f"'lines' (the streets; GDAL's OSM driver).\n\nSources and licences:\n{src}\n")


def export_area(area: StudyArea, out_dir) -> list[Path]:
    """Write a study area as a folder that :func:`load_folder` reads back.

    Every file is first written complete into a temporary folder inside ``out_dir``; only then are
    they moved into place (each atomically) and any study-area file of an earlier export that this
    one does not write (``births.csv``, ``network.osm.pbf`` ...) removed — a stale ``births.csv``
    switched the exported area to another projection (issue 27). Other files of the folder stay.

    Parameters
    ----------
    area : StudyArea
    out_dir : str or Path
        Created if missing; existing study-area files (:data:`OWN_FILES`) are replaced or removed.

    Returns
    -------
    list of Path
        The files written: ``area.gpkg`` (all layers written atomically as a whole),
        ``network.osm``, ``births.csv`` (when the area has births; written verbatim, it is data),
        ``area.json``, ``README.txt``.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("the output path exists and is not a folder", file=out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=out))
    try:
        written = _export_files(area, tmp)
        names = {p.name for p in written}
        for name in OWN_FILES:
            if name in names:
                os.replace(tmp / name, out / name)
            else:
                with contextlib.suppress(FileNotFoundError):
                    (out / name).unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [out / p.name for p in written]


def _export_files(area: StudyArea, out: Path) -> list[Path]:
    """Write every file of the export of ``area`` into the (new, empty) folder ``out``."""
    layers = {"boundary": area.boundary, "districts": area.districts, "population": area.population,
              "facilities": area.facilities}
    if len(area.projects):  # optional layer: an area without projects simply has none
        layers["projects"] = area.projects
    if getattr(area, "housing", None) is not None and len(area.housing):
        layers["housing"] = area.housing
    if area.communities is not None and len(area.communities):  # optional too
        layers["communities"] = area.communities
    layers = {k: v.to_crs(area.crs) if v.crs is not None and not v.crs.equals(CRS.from_user_input(area.crs)) else v
              for k, v in layers.items()}
    written = [write_gpkg_atomic(layers, out / GPKG_NAME)]
    # Only a network whose own source says "generated" (the demo) has made-up node ids to move into
    # the created-id range; a real network keeps its OSM ids (gis.osm_xml).
    generated_net = is_generated((area.sources or {}).get("network", ""))
    osm = graph_to_osm_xml(area.graph, area.graph.graph.get("crs", area.crs), generated=generated_net)
    written.append(write_text_atomic(out / "network.osm", osm))
    if getattr(area, "births", None) is not None:
        # data the loader reads back: verbatim (a people's CSV prefixes "'" to "-1", issue 27)
        written.append(write_data_csv_atomic(area.births, out / BIRTHS_NAME))
    if getattr(area, "roster", None) is not None:  # the roster's own columns, as loaded, verbatim
        written.append(write_data_csv_atomic(area.roster[list(ROSTER_COLUMNS)], out / ROSTER_NAME))
    meta = {"name": area.name, "crs": area.crs, "synthetic": bool(area.synthetic), "sources": area.sources,
            "estimated": sorted(area.estimated), "cell_size": area.cell_size, "layers": list(layers)}
    written.append(write_text_atomic(out / META_NAME, json.dumps(meta, ensure_ascii=False, indent=1)))
    names = [p.name for p in written] + [README_NAME]
    written.append(write_text_atomic(out / README_NAME, _readme(area, names)))
    return written


__all__ = ["load_folder", "load_folder_cached", "export_area", "graph_to_osm_xml", "LAYERS_OPTIONAL"]
