"""Saving and loading scenarios: GeoPackage or GeoJSON, versioned, written atomically.

File formats (``SCHEMA_VERSION`` = 1):

* **GeoPackage** — layer ``projects`` (points in the study area's CRS, columns
  :data:`layers.schema.PROJECT_COLUMNS` + ``notes``) and an attribute table ``hedong_scenario``
  with ``key`` / ``value`` rows: ``schema_version``, ``name``, ``area``, ``description``.
* **GeoJSON** — a FeatureCollection in WGS84 (RFC 7946) with a foreign member
  ``"hedong_scenario": {"schema_version": 1, "name": ..., "area": ..., "description": ...}``.

Writes go to a temporary file in the target folder and are moved into place with
``os.replace`` (or hard-linked when overwriting is refused, which fails atomically if a file
appeared meanwhile), so a reader never sees half a file and a crash leaves no debris.

User scenarios live in a per-area store folder: ``$HEDONG_DATA_DIR/scenarios/<area>/<name>.gpkg``,
default ``~/.local/share/hedong/scenarios/<area>/``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from gis.io import GPKG_DATASET_OPTIONS, atomic_path
from layers.errors import InputError

SCHEMA_VERSION = 1
META_LAYER = "hedong_scenario"
SUFFIXES = (".gpkg", ".geojson", ".json")
_NAME_RE = re.compile(r"^[\w][\w.\-]*$", re.UNICODE)


class ScenarioExistsError(InputError):
    """Saving would overwrite another scenario; pass ``overwrite=True`` (CLI ``--overwrite``)."""


def data_dir() -> Path:
    """Root of the user's Hedong data (``$HEDONG_DATA_DIR`` or ``~/.local/share/hedong``)."""
    return Path(os.environ.get("HEDONG_DATA_DIR") or Path.home() / ".local" / "share" / "hedong")


def area_key(area_name: str) -> str:
    """Folder-safe key of a study area (a user's folder path becomes its last component)."""
    name = Path(str(area_name)).name or str(area_name)
    return re.sub(r"[^\w.\-]", "_", name)


def store_dir(area_name: str, create: bool = False) -> Path:
    """Folder of the user scenarios of one study area."""
    p = data_dir() / "scenarios" / area_key(area_name)
    if create:
        p.mkdir(parents=True, exist_ok=True)
    return p


def check_name(name: str) -> str:
    """A scenario name must be usable as a file name: letters, digits, ``_``, ``-``, ``.``."""
    if not name or not _NAME_RE.match(name):
        raise InputError("a scenario name may hold letters, digits, '_', '-' and '.' only", field="name")
    return name


def stored_paths(area_name: str) -> dict[str, Path]:
    """name -> path of every scenario in the area's store folder."""
    d = store_dir(area_name)
    out = {}
    if d.is_dir():
        for p in sorted(d.iterdir()):
            if p.suffix in SUFFIXES and not p.name.startswith("."):
                out.setdefault(p.stem, p)
    return out


def _atomic_write(path: Path, writer, overwrite: bool) -> Path:
    """``writer(tmp)`` then into place by the one atomic writer (:func:`gis.io.atomic_path`)."""
    path = Path(path)
    try:
        with atomic_path(path, overwrite=overwrite) as tmp:
            writer(str(tmp))
    except FileExistsError:
        raise ScenarioExistsError("a scenario file already exists here; choose another name or overwrite it",
                                  file=path) from None
    return path


def write_scenario_file(scenario, path, overwrite: bool = False) -> Path:
    """Write a :class:`scenarios.model.Scenario` to ``path`` (.gpkg or .geojson), atomically.

    Raises
    ------
    ScenarioExistsError
        If ``path`` exists and ``overwrite`` is False.
    InputError
        If the suffix is not .gpkg / .geojson / .json.
    """
    path = Path(path)
    meta = {"schema_version": SCHEMA_VERSION, "name": scenario.name, "area": scenario.area,
            "description": scenario.description or ""}
    projects = scenario.projects
    if path.suffix == ".gpkg":
        def writer(tmp):
            projects.to_file(tmp, layer="projects", driver="GPKG", engine="pyogrio", geometry_type="Point",
                             dataset_options=GPKG_DATASET_OPTIONS)
            pyogrio.write_dataframe(pd.DataFrame({"key": list(meta), "value": [str(v) for v in meta.values()]}),
                                    tmp, layer=META_LAYER, driver="GPKG", append=True)
    elif path.suffix in (".geojson", ".json"):
        def writer(tmp):
            g = projects.to_crs(4326) if projects.crs is not None and len(projects) else projects
            fc = json.loads(g.to_json(drop_id=True)) if len(g) else {"type": "FeatureCollection", "features": []}
            fc["hedong_scenario"] = meta
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(fc, f, ensure_ascii=False, indent=1)
    else:
        raise InputError("save a scenario as .gpkg or .geojson", file=path)
    return _atomic_write(path, writer, overwrite)


def read_scenario_file(path) -> tuple[dict, gpd.GeoDataFrame]:
    """Read a scenario file; returns (metadata dict, raw projects GeoDataFrame).

    Raises
    ------
    InputError
        Unreadable file, missing metadata, or a schema version this program does not know.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("no such scenario file", file=path)
    try:
        if path.suffix == ".gpkg":
            layers = {str(n) for n, _ in pyogrio.list_layers(path)}
            if META_LAYER not in layers or "projects" not in layers:
                raise InputError(f"not a Hedong scenario: layers '{META_LAYER}' and 'projects' are required", file=path)
            m = pyogrio.read_dataframe(path, layer=META_LAYER, read_geometry=False)
            meta = dict(zip(m["key"].astype(str), m["value"]))
            gdf = gpd.read_file(path, layer="projects", engine="pyogrio")
        elif path.suffix in (".geojson", ".json"):
            with open(path, encoding="utf-8-sig") as f:
                fc = json.load(f)
            if not isinstance(fc, dict) or "hedong_scenario" not in fc:
                raise InputError("not a Hedong scenario: the 'hedong_scenario' member is missing", file=path,
                                 field="hedong_scenario")
            meta = dict(fc["hedong_scenario"])
            feats = fc.get("features") or []
            gdf = (gpd.GeoDataFrame.from_features(feats, crs="EPSG:4326") if feats
                   else gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs="EPSG:4326")))
        else:
            raise InputError("a scenario file is .gpkg or .geojson", file=path)
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001 - any reader failure is bad input, said in one line
        raise InputError(f"cannot read the scenario file ({type(e).__name__}: {e})", file=path) from None
    try:
        version = int(float(meta.get("schema_version")))
    except (TypeError, ValueError, OverflowError):
        version = None
    if version != SCHEMA_VERSION:
        raise InputError(f"schema_version {meta.get('schema_version')!r} is not supported (this program reads "
                         f"version {SCHEMA_VERSION}); re-export the scenario with this version",
                         file=path, field="schema_version")
    return meta, gdf
