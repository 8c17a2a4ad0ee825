"""Saving and loading scenarios: GeoPackage or GeoJSON, versioned, written atomically.

File formats (``SCHEMA_VERSION`` = 1):

* **GeoPackage** — layer ``projects`` (points in the study area's CRS, columns
  :data:`layers.schema.PROJECT_COLUMNS` + ``notes``) and an attribute table ``hedong_scenario``
  with ``key`` / ``value`` rows: ``schema_version``, ``name``, ``area``, ``description``.
* **GeoJSON** — a FeatureCollection in WGS84 (RFC 7946) with a foreign member
  ``"hedong_scenario": {"schema_version": 1, "name": ..., "area": ..., "description": ...}``.

A scenario's actions on existing schools (expand / close / convert, :data:`scenarios.model.ACTION_COLUMNS`)
are an attribute table ``actions`` in the GeoPackage and a list ``"hedong_actions"`` in the GeoJSON;
both are optional (a file without them has no actions), so version-1 files stay readable.
Its street changes (:mod:`scenarios.streets`) are a line layer ``streets`` in the GeoPackage and a
FeatureCollection ``"hedong_streets"`` (WGS84) in the GeoJSON, optional in the same way.

Writes go to a temporary file in the target folder and are moved into place with
``os.replace`` (or hard-linked when overwriting is refused, which fails atomically if a file
appeared meanwhile), so a reader never sees half a file and a crash leaves no debris.

User scenarios live in a per-area store folder: ``$HEDONG_DATA_DIR/scenarios/<key>/<name>.gpkg``,
default ``~/.local/share/hedong/scenarios/<key>/``. The key (:func:`area_id`) is the name of a
built-in area, or for a user's folder its last component plus a hash of its resolved path — so
``2023/yanhu`` and ``2024/yanhu`` never share scenarios, and ``--area .`` has a store of its own.

Every write of a scenario holds an exclusive lock in the store's root, ``$HEDONG_DATA_DIR/locks/``
(:func:`locked`, :func:`lock_path`); an edit re-reads the file under that lock and applies itself to
what it reads (:func:`scenarios.model.edit_stored`), so two edits at once both land. A save that replaces a
scenario read earlier can pass the version it read (:func:`file_version`): if another edit
landed meanwhile, :class:`ScenarioChangedError` refuses it instead of losing that edit.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import stat
import time
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from gis.io import GPKG_DATASET_OPTIONS, atomic_path, default_styles
from gis.qml import write_layer_styles
from layers.errors import DataWarning, InputError

# A scenario is parsed from one read of its bytes (read_scenario_file); GDAL opens them under a
# /vsimem/ name without the .gpkg suffix and would warn about that on every load.
warnings.filterwarnings("ignore", message=".*non conformant file extension", category=RuntimeWarning)

SCHEMA_VERSION = 1
META_LAYER = "hedong_scenario"
ACTIONS_LAYER = "actions"
ACTIONS_MEMBER = "hedong_actions"
STREETS_LAYER = "streets"
STREETS_MEMBER = "hedong_streets"
SUFFIXES = (".gpkg", ".geojson", ".json")
_NAME_RE = re.compile(r"[\w][\w.\-]*", re.UNICODE)
#: Longest scenario name: the file name (plus the temp file's prefix and suffix) stays far below
#: the 255-byte limit of common file systems even in 3-byte UTF-8 characters.
NAME_MAX = 64
#: Largest scenario file read (a plan of thousands of projects is well under 1 MiB).
MAX_SCENARIO_BYTES = 64 * 2**20
#: Seconds an edit waits for another one holding the scenario's lock before refusing.
LOCK_TIMEOUT_S = 30.0


class ScenarioExistsError(InputError):
    """Saving would overwrite another scenario; pass ``overwrite=True`` (CLI ``--overwrite``)."""


class ScenarioChangedError(InputError):
    """The stored scenario changed since it was read: saving would lose another edit."""


def data_dir() -> Path:
    """Root of the user's Hedong data (``$HEDONG_DATA_DIR`` or ``~/.local/share/hedong``)."""
    return Path(os.environ.get("HEDONG_DATA_DIR") or Path.home() / ".local" / "share" / "hedong")


def _folder_key(folder) -> str:
    p = Path(folder).resolve()
    stem = re.sub(r"[^\w.\-]", "_", p.name).strip(".") or "root"
    return f"{stem}-{hashlib.sha256(str(p).encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"


def area_id(area) -> str:
    """The store key of a study area: a built-in area's name, or for a user's folder its last
    path component plus a hash of the resolved path (two folders named alike never collide).

    ``area`` is a :class:`~gis.study_area.StudyArea` (a folder area carries its resolved path in
    ``area.cache["folder"]``, set by :func:`gis.areas.load_area`) or an ``--area`` spec string.
    """
    if isinstance(area, (str, os.PathLike)):
        spec = str(area)
        if _NAME_RE.fullmatch(spec) and not Path(spec).is_dir():
            return spec
        return _folder_key(spec)
    folder = getattr(area, "cache", {}).get("folder")
    return _folder_key(folder) if folder else area_id(area.name)


def area_key(area) -> str:
    """Folder-safe store key of a study area (see :func:`area_id`); never ``.``, ``..`` or empty."""
    key = area_id(area)
    if not _NAME_RE.fullmatch(key) or key in (".", ".."):
        raise InputError("not a usable study-area key", field="area")
    return key


def store_dir(area, create: bool = False) -> Path:
    """Folder of the user scenarios of one study area (a StudyArea or its key, :func:`area_id`)."""
    p = data_dir() / "scenarios" / area_key(area)
    if create:
        p.mkdir(parents=True, exist_ok=True)
    return p


def check_name(name: str) -> str:
    """A scenario name must be usable as a file name: letters, digits, ``_``, ``-``, ``.``."""
    # fullmatch: with match and "$", "mine\n" passed and made a file name with a line break.
    if not name or not _NAME_RE.fullmatch(name):
        raise InputError("a scenario name may hold letters, digits, '_', '-' and '.' only", field="name")
    if len(name) > NAME_MAX:
        raise InputError(f"a scenario name is at most {NAME_MAX} characters (got {len(name)})", field="name")
    return name


class StoreWarning(DataWarning):
    """A file in the scenario store that is not read (not a regular file, or too large)."""


def stored_paths(area) -> dict[str, Path]:
    """name -> path of every scenario in the area's store folder.

    Only regular files of at most :data:`MAX_SCENARIO_BYTES` count: a FIFO or a link to
    ``/dev/zero`` named ``*.gpkg`` hung ``scenario list`` and the Schools page (issue 27); it is
    skipped with a :class:`StoreWarning` naming it.
    """
    d = store_dir(area)
    out = {}
    if d.is_dir():
        for p in sorted(d.iterdir()):
            if p.suffix in SUFFIXES and not p.name.startswith("."):
                why = _not_readable(p)
                if why:
                    warnings.warn(f"{p}: skipped, {why}", StoreWarning, stacklevel=2)
                    continue
                out.setdefault(p.stem, p)
    return out


def _not_readable(p: Path) -> str | None:
    """Why the store does not read ``p`` (a stat, never an open: opening a FIFO blocks), or None."""
    try:
        st = p.stat()  # follows a link: a link to a regular scenario file is fine
    except OSError as e:
        return f"cannot be read ({e.strerror or e})"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    if st.st_size > MAX_SCENARIO_BYTES:
        return f"larger than {MAX_SCENARIO_BYTES // 2**20} MiB"
    return None


def file_version(path) -> str | None:
    """A fingerprint of a scenario file's bytes (None when it does not exist)."""
    try:
        return hashlib.sha256(read_bounded(path)).hexdigest()
    except InputError:
        if not os.path.lexists(path):
            return None
        raise


def lock_path(path) -> Path:
    """The lock file of scenario file ``path``: ``$HEDONG_DATA_DIR/locks/<hash of its resolved path>.lock``.

    In the scenario store's own root, beside what it protects, so every process sharing the store
    excludes the others whatever its cache folder (issue 27: a lock in ``$HEDONG_CACHE_DIR`` let two
    planners with their own caches lose each other's edits). Not in the area's scenario folder (which
    holds scenarios only) nor beside a scenario saved into a planner's own folder (which holds nothing
    but the scenario).
    """
    digest = hashlib.sha256(str(Path(path).resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return data_dir() / "locks" / f"{digest}.lock"


@contextlib.contextmanager
def locked(path, timeout: float = LOCK_TIMEOUT_S):
    """Hold an exclusive lock on scenario file ``path`` (threads and processes; the lock file is
    :func:`lock_path`, in the scenario store).

    Raises
    ------
    InputError
        When another edit holds the lock longer than ``timeout`` seconds.
    """
    path = Path(path)
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:  # flock locks per open file: threads of one process exclude each other too
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise InputError(f"another edit of this scenario has held it for {timeout:g} s; try again",
                                     file=path) from None
                time.sleep(0.02)
        yield path
    finally:
        os.close(fd)  # releases the lock


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
    actions = getattr(scenario, "actions", None)
    actions = pd.DataFrame(actions) if actions is not None and len(actions) else None
    streets = getattr(scenario, "streets", None)
    streets = streets if streets is not None and len(streets) else None
    if path.suffix == ".gpkg":
        def writer(tmp):
            projects.to_file(tmp, layer="projects", driver="GPKG", engine="pyogrio", geometry_type="Point",
                             dataset_options=GPKG_DATASET_OPTIONS)
            pyogrio.write_dataframe(pd.DataFrame({"key": list(meta), "value": [str(v) for v in meta.values()]}),
                                    tmp, layer=META_LAYER, driver="GPKG", append=True)
            if actions is not None:
                pyogrio.write_dataframe(actions, tmp, layer=ACTIONS_LAYER, driver="GPKG", append=True)
            if streets is not None:  # a closing by way id has no line: a null geometry
                pyogrio.write_dataframe(streets, tmp, layer=STREETS_LAYER, driver="GPKG", append=True,
                                        geometry_type="LineString")
            write_layer_styles(tmp, default_styles({"projects": projects}))  # opens styled in QGIS, as every GPKG
    elif path.suffix in (".geojson", ".json"):
        def writer(tmp):
            g = projects.to_crs(4326) if projects.crs is not None and len(projects) else projects
            fc = json.loads(g.to_json(drop_id=True)) if len(g) else {"type": "FeatureCollection", "features": []}
            fc["hedong_scenario"] = meta
            if actions is not None:
                fc[ACTIONS_MEMBER] = json.loads(actions.to_json(orient="records", force_ascii=False))
            if streets is not None:
                st = streets.to_crs(4326) if streets.crs is not None else streets
                fc[STREETS_MEMBER] = json.loads(st.to_json(drop_id=True))
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(fc, f, ensure_ascii=False, indent=1)
    else:
        raise InputError("save a scenario as .gpkg or .geojson", file=path)
    return _atomic_write(path, writer, overwrite)


def read_bounded(path, limit: int | None = None) -> bytes:
    """The bytes of regular file ``path`` of at most ``limit`` bytes (default :data:`MAX_SCENARIO_BYTES`).

    Opened without blocking (a FIFO has no writer), checked on the open descriptor (no swap between
    a check and the read), read to ``limit`` + 1 bytes at most (``/dev/zero`` never ends).

    Raises
    ------
    InputError
        Missing, not a regular file, larger than ``limit``, or unreadable.
    """
    limit = MAX_SCENARIO_BYTES if limit is None else limit
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise InputError("no such scenario file", file=path) from None
    except OSError as e:
        raise InputError(f"cannot read the scenario file ({e.strerror or e})", file=path) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError("not a regular file (a pipe, device or folder); a scenario is a .gpkg or .geojson file",
                             file=path)
        if st.st_size > limit:
            raise InputError(f"the scenario file is larger than {limit // 2**20} MiB; is it a scenario?", file=path)
        with os.fdopen(os.dup(fd), "rb") as f:
            raw = f.read(limit + 1)
    except OSError as e:
        raise InputError(f"cannot read the scenario file ({e.strerror or e})", file=path) from None
    finally:
        os.close(fd)
    if len(raw) > limit:  # grew while read
        raise InputError(f"the scenario file is larger than {limit // 2**20} MiB; is it a scenario?", file=path)
    return raw


def read_scenario_file(path) -> tuple[dict, gpd.GeoDataFrame]:
    """Read a scenario file; returns (metadata dict, raw projects GeoDataFrame).

    The metadata's ``actions`` key holds the raw actions table (list of records), empty if none;
    ``file_version`` is the :func:`file_version` of the very bytes that were parsed.

    Raises
    ------
    InputError
        Unreadable file, missing metadata, or a schema version this program does not know.
    """
    path = Path(path)
    # One read of the bytes, parsed and fingerprinted together: a writer replacing the file
    # between two opens could otherwise pair one version's projects with another's metadata,
    # or a stale read with the newer version's fingerprint (and a save would then pass its check).
    raw = read_bounded(path)
    try:
        if path.suffix == ".gpkg":
            layers = {str(n) for n, _ in pyogrio.list_layers(raw)}
            if META_LAYER not in layers or "projects" not in layers:
                raise InputError(f"not a Hedong scenario: layers '{META_LAYER}' and 'projects' are required", file=path)
            m = pyogrio.read_dataframe(raw, layer=META_LAYER, read_geometry=False)
            meta = dict(zip(m["key"].astype(str), m["value"]))
            gdf = pyogrio.read_dataframe(raw, layer="projects")
            if ACTIONS_LAYER in layers:
                meta["actions"] = pyogrio.read_dataframe(raw, layer=ACTIONS_LAYER,
                                                         read_geometry=False).to_dict(orient="records")
            if STREETS_LAYER in layers:
                meta["streets"] = pyogrio.read_dataframe(raw, layer=STREETS_LAYER)
        elif path.suffix in (".geojson", ".json"):
            fc = json.loads(raw.decode("utf-8-sig"))
            if not isinstance(fc, dict) or "hedong_scenario" not in fc:
                raise InputError("not a Hedong scenario: the 'hedong_scenario' member is missing", file=path,
                                 field="hedong_scenario")
            meta = dict(fc["hedong_scenario"])
            acts = fc.get(ACTIONS_MEMBER) or []
            if not isinstance(acts, list) or not all(isinstance(a, dict) for a in acts):
                raise InputError(f"'{ACTIONS_MEMBER}' must be a list of objects", file=path, field=ACTIONS_MEMBER)
            meta["actions"] = acts
            sts = fc.get(STREETS_MEMBER)
            if sts is not None:
                if not isinstance(sts, dict) or not isinstance(sts.get("features"), list):
                    raise InputError(f"'{STREETS_MEMBER}' must be a FeatureCollection", file=path, field=STREETS_MEMBER)
                meta["streets"] = (gpd.GeoDataFrame.from_features(sts["features"], crs="EPSG:4326")
                                   if sts["features"] else None)
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
    meta["file_version"] = hashlib.sha256(raw).hexdigest()  # of exactly the bytes parsed above
    return meta, gdf
