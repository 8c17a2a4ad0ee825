"""The study-area model: everything the planner knows about one city, in one projected CRS.

A :class:`StudyArea` is **immutable**: assigning a layer (``area.population = ...``) raises
:class:`ImmutableAreaError`; :meth:`StudyArea.replace` returns an edited copy instead. That is
what lets the analysis packages derive structures from an area once (the travel networks, one
snapping of the population cells, district codes, snapped facilities — see
:class:`accessibility.context.ComputeContext`) and never serve a stale one: an edited copy is a
new object with an empty context slot.

Where the compute context lives
-------------------------------
``gis`` sits below ``accessibility`` and must not import it, so the area holds one *opaque slot*
(:meth:`StudyArea.context_slot`): the upper layer passes its context class in, the area builds it
on first use and keeps it for its lifetime. Nothing is keyed on ``id()``, and a copy made by
:meth:`replace`, :func:`copy.copy` or pickling starts with an empty slot.

Immutability covers the attributes, not the insides of the frames: ``area.population["pop_total"]
*= 2`` still edits a layer in place (pandas cannot be frozen cheaply). Do not do that; use
``area.replace(population=area.population.assign(pop_total=...))``.

Street graphs from the cache
----------------------------
An area read from the disk cache (:func:`gis.cache.load_study_area`) is given its graphs as
:class:`gis.street_frames.StreetFrames` (the cached node and edge tables): ``area.graph`` and
``area.bike_graph`` build the networkx graph on first access only, and the analyses build their
travel networks from the tables (:meth:`StudyArea.street_frames`) without networkx — a warm start
no longer pays for a graph it may never use. Copies (:meth:`replace`, pickles) carry the tables,
not the built graph.

Building areas
--------------
Loaders (the demo, Helsinki, cached builds) construct ``StudyArea(...)`` directly from data they
generated or already validated. A user's own data goes through :meth:`StudyArea.from_frames`
(in-memory frames) or :func:`gis.folder.load_folder` (a folder): both run the same checks,
:func:`validate_layers`.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
from pyproj import CRS

from gis.crs import local_projected_crs
from gis.street_frames import StreetFrames
from layers.errors import InputError
from layers.frames import empty_layer
from layers.norms import AGE_60_DERIVED_NOTE
from layers.schema import FAMILIES, LAYERS_REQUIRED, derive_age_60_plus, is_generated
from layers.validate import validate_layer

__all__ = ["StudyArea", "ImmutableAreaError", "validate_layers", "cache_dir"]

#: The layer attributes (GeoDataFrames) of a study area, in validation order.
LAYER_NAMES = ("boundary", "districts", "population", "facilities", "projects")
#: Point layers that must lie inside the boundary.
_INSIDE_BOUNDARY = ("population", "facilities", "projects")
#: The street-graph attributes, and which street network (``walk`` / ``bike``) each one is.
_GRAPHS = {"graph": "walk", "bike_graph": "bike"}
#: One lock for building graphs from their tables (rare, and two threads must not build one twice).
_graph_lock = threading.Lock()


class ImmutableAreaError(dataclasses.FrozenInstanceError):
    """An attribute of a :class:`StudyArea` was assigned or deleted; use :meth:`StudyArea.replace`."""


@dataclass(eq=False)
class StudyArea:
    """One city as the planner sees it. All layers share ``crs`` (a projected, metric CRS). Immutable.

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
        edges with ``length`` (m) and optionally ``geometry``. May be given as
        :class:`gis.street_frames.StreetFrames` (the cache does): built on first access.
    synthetic : bool
        True when streets / people / facilities are generated rather than real.
    sources : dict
        Layer name -> source and licence text shown in the UI, README and published maps.
    cell_size : float or None
        Side of the square population cells in metres, when cells are a regular grid.
    communities : GeoDataFrame or None
        Optional 社区 layer: :data:`layers.schema.COMMUNITY_COLUMNS`; polygons. None when the area has none.
    bike_graph : networkx.MultiDiGraph or None
        Cycling street network (bike filter of :mod:`gis.osm_filter`, one-way streets directed),
        same conventions as ``graph``; None when the source has none (the generated demo), and
        then cycling uses ``graph`` at cycling speed. May be given as street tables, like ``graph``.
    births : DataFrame or None
        Optional births table (:data:`layers.schema.BIRTHS_COLUMNS`: district_id, year, births);
        with it the enrolment projection ages cohorts (scenarios.enrolment).
    housing : GeoDataFrame or None
        Optional housing pipeline (:data:`layers.schema.HOUSING_COLUMNS`); points.
    roster : DataFrame or None
        Optional pupil roster (学籍, :data:`layers.schema.ROSTER_COLUMNS`: school_id, year, grade,
        pupils); with it enrolment follows grade progression (scenarios.roster).
    estimated : frozenset of str
        The layers (keys of ``sources``) whose values are estimates, not measurements — set by the
        loader that estimated them (Helsinki's population spread over OSM floor area, its Voronoi
        districts); kept through the cache and ``hedong export`` (``area.json``). Maps and the app
        say so for real data; nothing reads it from the wording of a source.
    meta : dict
        How the area was obtained — loader bookkeeping, never used by an analysis:
        ``from_cache``, ``load_seconds``, ``report`` (demo build figures), ``layers`` (extra
        layers such as barriers), ``files``. ``area.cache`` is the same dict (older name).

    Examples
    --------
    >>> import hedong as hd  # the facade; it registers the demo area
    >>> area = hd.load_area("yuncheng-demo", scale=0.15)
    >>> area.population = area.population.iloc[::2]
    Traceback (most recent call last):
    ...
    gis.study_area.ImmutableAreaError: StudyArea is immutable: cannot assign 'population'; use area.replace(population=...) for an edited copy
    >>> half = area.replace(population=area.population.iloc[::2])
    >>> len(half.population) * 2 >= len(area.population)
    True
    """

    name: str
    crs: str
    boundary: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    population: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    projects: gpd.GeoDataFrame
    graph: nx.MultiDiGraph = field(repr=False)  # not in repr: printing an area must not build it
    synthetic: bool
    sources: dict = field(default_factory=dict)
    cell_size: float | None = None
    communities: gpd.GeoDataFrame | None = None
    bike_graph: nx.MultiDiGraph | None = field(default=None, repr=False)
    meta: dict = field(default_factory=dict, repr=False)
    births: pd.DataFrame | None = None
    housing: gpd.GeoDataFrame | None = None
    roster: pd.DataFrame | None = None
    estimated: frozenset = frozenset()

    def __post_init__(self):
        est = self.estimated or ()
        if isinstance(est, str) or not all(isinstance(k, str) for k in est):
            raise TypeError(f"estimated must be a set of layer names, got {est!r}")
        self.estimated = frozenset(est)
        # Elderly care counts people aged 60+ (Chinese bed ratios do); an area built from frames
        # without that cohort gets it from 65+ by the census ratio, and its sources say so.
        pop = self.population
        if pop is not None and "age_60_plus" not in pop.columns and "age_65_plus" in pop.columns:
            pop = pop.copy()
            derive_age_60_plus(pop)
            self.population = pop
            self.sources = {**(self.sources or {}), "age_60_plus": AGE_60_DERIVED_NOTE}
        # The one mutable slot: the compute context an upper layer attaches (see context_slot).
        object.__setattr__(self, "_context", None)
        # Graphs built from StreetFrames on first access (see _StreetGraph).
        object.__setattr__(self, "_graphs", {})
        object.__setattr__(self, "_frozen", True)

    # ------------------------------------------------------------------ immutability

    def __setattr__(self, key, value):
        if self.__dict__.get("_frozen"):
            raise ImmutableAreaError(f"StudyArea is immutable: cannot assign {key!r}; "
                                     f"use area.replace({key}=...) for an edited copy")
        object.__setattr__(self, key, value)

    def __delattr__(self, key):
        raise ImmutableAreaError(f"StudyArea is immutable: cannot delete {key!r}; use area.replace(...)")

    def __getstate__(self):
        # Pickles and copies carry the data, never the derived context, nor a graph built from
        # street tables they carry anyway (the tables pickle far faster than a networkx graph).
        state = dict(self.__dict__)
        state["_context"] = None
        state["_graphs"] = {}
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)

    @property
    def cache(self) -> dict:
        """Older name of :attr:`meta` (loader bookkeeping only; engines keep nothing here)."""
        return self.meta

    def replace(self, *, validate: bool = True, **changes) -> "StudyArea":
        """An edited copy with an empty compute context (the original is unchanged).

        Parameters
        ----------
        validate : bool
            Check the changed layers as a folder load does (:func:`validate_layers`): schema,
            values, geometry inside the boundary, district ids. On by default.
        **changes
            New values of any attribute (``population=``, ``facilities=``, ``name=`` ...). Layers
            in another CRS are reprojected to the area's.

        Returns
        -------
        StudyArea
            The same results as a fresh load of the edited data.

        Raises
        ------
        TypeError
            An unknown attribute name.
        layers.errors.InputError
            A changed layer fails validation.
        """
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise TypeError(f"StudyArea has no attribute {', '.join(map(repr, unknown))}; "
                            f"use one of {', '.join(sorted(names))}")
        changed = [n for n in LAYER_NAMES if n in changes]
        if validate and changed:
            layers = {n: changes.get(n, getattr(self, n)) for n in LAYER_NAMES}
            # A new boundary or district layer re-checks the layers that depend on it.
            if "boundary" in changed:
                changed += [n for n in _INSIDE_BOUNDARY if n not in changed]
            if "districts" in changed and "population" not in changed:
                changed.append("population")
            checked = validate_layers(layers, changes.get("crs", self.crs), only=changed,
                                      where=lambda n: f"area.replace({n}=...)",
                                      default_source=f"edited study area {self.name}")
            changes.update({n: checked[n] for n in changed})
        if validate and "graph" in changes:
            changes["graph"] = check_graph(changes["graph"], changes.get("crs", self.crs),
                                           where="area.replace(graph=...)")
        changes.setdefault("meta", dict(self.meta))  # bookkeeping is copied, never shared
        kept = [n for n in _GRAPHS if n not in changes]
        # Unchanged graphs pass on as stored: street tables stay tables (dataclasses.replace would
        # read the attribute and build the graph).
        changes.update({n: self.__dict__[n] for n in kept})
        new = dataclasses.replace(self, **changes)
        new.__dict__["_graphs"].update({n: g for n, g in self.__dict__.get("_graphs", {}).items() if n in kept})
        return new

    def context_slot(self, factory):
        """The compute context of this area: ``factory(self)`` on first use, the same object after.

        Called by :meth:`accessibility.context.ComputeContext.for_area` (``gis`` cannot import
        ``accessibility``; the class is passed in). The area is immutable, so what the context
        derives from it never goes stale.
        """
        ctx = self.__dict__["_context"]
        if not isinstance(ctx, factory):
            ctx = factory(self)
            object.__setattr__(self, "_context", ctx)
        return ctx

    def street_frames(self, streets: str = "walk") -> StreetFrames | None:
        """The node and edge tables the ``walk`` (``graph``) or ``bike`` (``bike_graph``) street graph
        is built from, or None when the area was given a networkx graph (or has no cycling graph).

        The analyses build their travel networks from these when present (no networkx graph).
        """
        value = self.__dict__.get(_attr_of(streets))
        return value if isinstance(value, StreetFrames) else None

    @property
    def has_bike_graph(self) -> bool:
        """True when the area has its own cycling graph (without building it)."""
        return self.__dict__.get("bike_graph") is not None

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_frames(cls, *, name: str, boundary, districts, population, facilities, graph, projects=None,
                    crs=None, synthetic: bool | None = None, sources: dict | None = None,
                    cell_size: float | None = None) -> "StudyArea":
        """A study area from in-memory layers, checked exactly as a folder load checks them.

        Parameters
        ----------
        name : str
        boundary, districts, population, facilities : GeoDataFrame
            Any CRS with an EPSG code; columns as in CONTRACT.md (aliases such as ``人口`` or
            ``类别`` accepted, see :mod:`layers.validate`).
        graph : networkx.MultiDiGraph
            Walking network in osmnx conventions (``G.graph["crs"]`` set); projected to ``crs``
            when it is in another CRS.
        projects : GeoDataFrame, optional
            Planned projects; none by default.
        crs : str, optional
            Projected CRS for the area; default the one a folder load picks for the boundary
            (:func:`gis.crs.local_projected_crs`).
        synthetic : bool, optional
            Default: True when any ``source`` value marks a generated row.
        sources : dict, optional
            Layer -> source text.
        cell_size : float, optional
            Side of square population cells in metres.

        Returns
        -------
        StudyArea

        Raises
        ------
        layers.errors.InputError
            A layer without an EPSG CRS, a missing column, a bad value (row and field named), a
            point outside the boundary, a population cell in an unknown district, an empty graph.
        """
        if not isinstance(boundary, gpd.GeoDataFrame) or boundary.crs is None:
            raise InputError("boundary must be a GeoDataFrame with a CRS", file="from_frames(boundary=...)",
                             field="crs")
        crs = str(crs) if crs is not None else local_projected_crs(boundary)
        layers = {"boundary": boundary, "districts": districts, "population": population, "facilities": facilities,
                  "projects": empty_layer("projects", crs) if projects is None else projects}
        checked = validate_layers(layers, crs, where=lambda n: f"from_frames({n}=...)",
                                  default_source=f"in-memory study area {name}")
        graph = check_graph(graph, crs, where="from_frames(graph=...)")
        if synthetic is None:
            synthetic = any(is_generated(s) for n in _INSIDE_BOUNDARY if "source" in checked[n]
                            for s in checked[n]["source"])
        return cls(name=str(name), crs=crs, graph=graph, synthetic=bool(synthetic),
                   sources=dict(sources or {"area": f"in-memory study area {name}"}), cell_size=cell_size, **checked)

    # ------------------------------------------------------------------ queries

    def facilities_of(self, family: str) -> gpd.GeoDataFrame:
        """The facilities of one family."""
        if family not in FAMILIES:
            raise ValueError(f"unknown family {family!r}: use one of {', '.join(FAMILIES)}")
        return self.facilities[self.facilities["family"] == family]

    def district_names(self) -> dict[str, str]:
        """district_id -> name."""
        return dict(zip(self.districts["district_id"].astype(str), self.districts["name"]))


def _attr_of(streets: str) -> str:
    """The attribute holding the ``walk`` or ``bike`` street graph."""
    for attr, name in _GRAPHS.items():
        if name == streets:
            return attr
    raise ValueError(f"unknown street graph {streets!r}: use one of {', '.join(_GRAPHS.values())}")


class _StreetGraph:
    """``StudyArea.graph`` / ``bike_graph``: the stored value, or — when it is
    :class:`~gis.street_frames.StreetFrames` — the graph built from it on first access (then kept).

    A data descriptor, so the stored tables stay in the instance dict under the field's own name
    (pickling, :func:`copy.copy` and :meth:`StudyArea.replace` carry them unchanged).
    """

    def __init__(self, name: str):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = obj.__dict__.get(self.name)
        if not isinstance(value, StreetFrames):
            return value
        with _graph_lock:
            built = obj.__dict__.setdefault("_graphs", {})
            G = built.get(self.name)
            if G is None:
                G = built[self.name] = value.to_graph()
        return G

    def __set__(self, obj, value):  # reached only from __init__: StudyArea.__setattr__ guards the rest
        obj.__dict__[self.name] = value


# After @dataclass has read the fields: the descriptors must not be taken as field defaults.
for _name in _GRAPHS:
    setattr(StudyArea, _name, _StreetGraph(_name))


def validate_layers(layers: dict, crs, *, where, default_source: str = "", only=None) -> dict:
    """Check and normalise the layers of a study area: the one rule for folders and in-memory data.

    Each layer is reprojected to ``crs`` when it is in another CRS, checked by
    :func:`layers.validate.validate_layer` (points of the population, facilities and projects
    layers must lie inside the boundary), and every population cell's ``district_id`` must be in
    the districts layer.

    Parameters
    ----------
    layers : dict
        Layer name (:data:`LAYER_NAMES`) -> GeoDataFrame; ``boundary``, ``districts``,
        ``population`` and ``facilities`` are required, ``projects`` optional.
    crs : str
        Projected CRS of the area.
    where : callable
        Layer name -> the label error messages name (a file and layer, or an argument).
    default_source : str
        ``source`` of rows that give none.
    only : iterable of str, optional
        Check only these layers (the others are taken as already valid).

    Returns
    -------
    dict
        Layer name -> validated GeoDataFrame (the checked layers only, when ``only`` is given).
    """
    target = CRS.from_user_input(crs)
    todo = [n for n in LAYER_NAMES if n in layers and (only is None or n in only)]
    for n in LAYERS_REQUIRED:
        if only is None and layers.get(n) is None:
            raise InputError(f"missing required layer {n!r}", file=where(n), field=n)
    out = {}

    def prepared(n):
        gdf = layers[n]
        if not isinstance(gdf, gpd.GeoDataFrame):
            raise InputError(f"the {n} layer must be a GeoDataFrame, not {type(gdf).__name__}", file=where(n))
        if gdf.crs is None:
            raise InputError(f"layer {n!r} has no CRS; set one that has an EPSG code", file=where(n), field="crs")
        return gdf if target.equals(gdf.crs) else gdf.to_crs(target)

    outline = None
    if "boundary" in todo:
        out["boundary"] = validate_layer(prepared("boundary"), "boundary", file=where("boundary"),
                                         default_source=default_source)
        outline = out["boundary"].geometry.iloc[0]
    elif any(n in todo for n in _INSIDE_BOUNDARY):
        outline = prepared("boundary").geometry.iloc[0]
    for n in todo:
        if n == "boundary":
            continue
        out[n] = validate_layer(prepared(n), n, file=where(n), boundary=outline if n in _INSIDE_BOUNDARY else None,
                                default_source=default_source)
    if "population" in out or "districts" in out:
        pop = out.get("population", layers.get("population"))
        dist = out.get("districts", layers.get("districts"))
        ids = set(dist["district_id"].astype(str))
        cell_d = pop["district_id"].astype(str).to_numpy()
        bad = [i for i, d in enumerate(cell_d) if d not in ids]
        if bad:
            raise InputError(f"district_id {cell_d[bad[0]]!r} is not in the districts layer",
                             file=where("population"), row=bad[0] + 1, field="district_id")
    return out


def check_graph(G, crs, *, where: str):
    """The walking graph in ``crs``: non-empty, with node coordinates; projected when needed.

    Street tables (:class:`gis.street_frames.StreetFrames`) in ``crs`` pass as they are (the cache
    wrote them from a checked graph); in another CRS they are built and projected.
    """
    if isinstance(G, StreetFrames):
        if len(G.nodes) and len(G.edges) and CRS.from_user_input(G.crs).equals(CRS.from_user_input(crs)):
            return G
        G = G.to_graph()
    if not isinstance(G, nx.Graph):
        raise InputError(f"the street graph must be a networkx graph, not {type(G).__name__}", file=where)
    if G.number_of_nodes() == 0 or G.number_of_edges() == 0:
        raise InputError("no walkable street in the graph", file=where)
    gcrs = G.graph.get("crs")
    if gcrs is None:
        raise InputError("the graph has no CRS: set G.graph['crs'] (osmnx graphs carry one)", file=where,
                         field="crs")
    if not CRS.from_user_input(gcrs).equals(CRS.from_user_input(crs)):
        import osmnx as ox  # heavy optional import, only when a graph needs projecting

        G = ox.project_graph(G, to_crs=crs)
    return G


def cache_dir() -> Path:
    """Folder for built networks and other derived data (``$HEDONG_CACHE_DIR`` or ``~/.cache/hedong``)."""
    p = Path(os.environ.get("HEDONG_CACHE_DIR") or Path.home() / ".cache" / "hedong")
    p.mkdir(parents=True, exist_ok=True)
    return p
