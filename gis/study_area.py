"""The study-area model: everything the planner knows about one city, in one projected CRS."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx

from layers.schema import FAMILIES


@dataclass
class StudyArea:
    """One city as the planner sees it. All layers share ``crs`` (a projected, metric CRS).

    Attributes
    ----------
    name : str
        Identifier (``yuncheng-demo``, ``helsinki-osm`` or the folder name).
    crs : str
        Projected CRS of every layer and of the graph, e.g. ``EPSG:4546``.
    boundary : GeoDataFrame
        One polygon, column ``name``.
    districts : GeoDataFrame
        Columns ``district_id`` (str), ``name``; polygons.
    population : GeoDataFrame
        Columns ``cell_id``, ``district_id``, ``pop_total``, ``age_0_2``, ``age_3_5``, ``age_6_11``,
        ``age_12_14``, ``age_65_plus``, ``age_60_plus`` (floats, people); point geometry (cell centres).
    facilities : GeoDataFrame
        :data:`layers.schema.FACILITY_COLUMNS`; points.
    projects : GeoDataFrame
        :data:`layers.schema.PROJECT_COLUMNS` (+ ``notes``); points. Empty if the area has none.
    graph : networkx.MultiDiGraph
        Walking street network in osmnx conventions, projected to ``crs``: nodes with ``x``, ``y``;
        edges with ``length`` (m) and optionally ``geometry``.
    synthetic : bool
        True when streets / people / facilities are generated rather than real.
    sources : dict
        Layer name -> source and licence text shown in the UI, README and published maps.
    cell_size : float or None
        Side of the square population cells in metres, when cells are a regular grid.
    communities : GeoDataFrame or None
        Optional 社区 layer: :data:`layers.schema.COMMUNITY_COLUMNS`; polygons. None when the area has none.
    """

    name: str
    crs: str
    boundary: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    population: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    projects: gpd.GeoDataFrame
    graph: nx.MultiDiGraph
    synthetic: bool
    sources: dict = field(default_factory=dict)
    cell_size: float | None = None
    communities: gpd.GeoDataFrame | None = None
    #: Engines may cache derived structures here (travel network, snapping); never persisted.
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def facilities_of(self, family: str) -> gpd.GeoDataFrame:
        """The facilities of one family."""
        if family not in FAMILIES:
            raise ValueError(f"unknown family {family!r}: use one of {', '.join(FAMILIES)}")
        return self.facilities[self.facilities["family"] == family]

    def district_names(self) -> dict[str, str]:
        """district_id -> name."""
        return dict(zip(self.districts["district_id"].astype(str), self.districts["name"]))


def cache_dir() -> Path:
    """Folder for built networks and other derived data (``$HEDONG_CACHE_DIR`` or ``~/.cache/hedong``)."""
    p = Path(os.environ.get("HEDONG_CACHE_DIR") or Path.home() / ".cache" / "hedong")
    p.mkdir(parents=True, exist_ok=True)
    return p
