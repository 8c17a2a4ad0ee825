"""One compute context per study area: the networks, the cell snapping and the caches every engine shares.

The pipeline "service -> mode -> network -> facilities -> snap -> cells -> Dijkstra" exists
here once. Coverage, circles, 2SFCA, norm checks, scenario evaluation and the optimiser all ask
a :class:`ComputeContext` two questions:

* :meth:`ComputeContext.seconds` — seconds from a facility layer (the nearest of its points) to
  every population cell, snap offsets included (one multi-source Dijkstra; several layers at once,
  on every core, with :meth:`ComputeContext.seconds_many`);
* :meth:`ComputeContext.pairs` — cell -> facility pairs within a time limit (one limited
  Dijkstra per facility, cached per facility location, so moving one site costs one search).

What it owns, built lazily and once:

* the travel network per mode (:class:`~accessibility.network.TravelNetwork`; the graph is
  converted once, other modes share its arrays; an area loaded from the disk cache reloads its
  prepared network and cells' snap from disk, :mod:`accessibility.prepared`);
* **one** snapping of the population cells per street graph (geometric, made on the walking
  network — or on the area's cycling graph for ``bike`` where it has one — and re-timed per mode);
* the cells' district codes in display order;
* a bounded cache of snapped facility layers (keyed by coordinates and labels: an edited layer
  gets its own entry), of the cells' seconds to each such layer (per mode and limit: a
  publication asks for each service's times for its coverage map, its circles, the life circle
  and the "my place" data) and of per-site pairs (keyed by site coordinates, limit and mode).

How it is reached: ``ComputeContext.for_area(area)``. The context lives in the area's one opaque
slot (:meth:`gis.study_area.StudyArea.context_slot`) — ``gis`` sits below ``accessibility`` and
cannot build it itself. A study area is immutable, so nothing here can go stale;
``area.replace(population=...)`` makes a new area with a new context. Nothing is keyed on ``id()``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict

import geopandas as gpd
import numpy as np
import pandas as pd

from accessibility.network import TravelNetwork
from accessibility.parallel import nearest_seconds_many
from accessibility.params import check_mode
from accessibility.prepared import network_from_frames, prepared_cell_snap, prepared_facility_snap
from accessibility.reach import cell_seconds, od_pairs, retime
from accessibility.snap import Snap

__all__ = ["ComputeContext"]

#: Snapped facility layers one context keeps (a planner moving sites makes a new layer each time).
SNAP_CACHE_SIZE = 64
#: Cell -> site pairs one context keeps across all cached sites (12 bytes a pair: about 50 MB).
REACH_CACHE_PAIRS = 4_000_000
#: Cell times one context keeps (floats, over all cached layers: 32 MB; 400 layers of a 10,000-cell
#: town, 4 of a million-cell province).
SECONDS_CACHE_VALUES = 4_000_000
#: Walking-area polygons one context keeps (:meth:`ComputeContext.service_area`).
AREA_CACHE_SIZE = 32
#: Derived results one context keeps in :meth:`ComputeContext.memo` (maps, tables, place data ...).
MEMO_CACHE_SIZE = 128
#: Site coordinates are matched to 1 cm in the per-site pair cache.
_XY_DECIMALS = 2

_for_area_lock = threading.Lock()


def _labelled(snap: Snap, facilities) -> Snap:
    """``snap`` with the ``facility_id`` values as labels, so far-facility warnings name the
    facility (they gave a 0-based row index)."""
    if hasattr(facilities, "columns") and "facility_id" in facilities.columns and len(facilities):
        return dataclasses.replace(snap, labels=facilities["facility_id"].astype(str).to_numpy())
    return snap


def _layer_key(facilities, xy: np.ndarray) -> str:
    """A hash of a point layer's coordinates and index labels (an edited layer gets a new key)."""
    h = hashlib.blake2b(xy.tobytes(), digest_size=16)
    h.update(repr(list(facilities.index)).encode())
    return h.hexdigest()


def _point_xy(points) -> np.ndarray | None:
    """(n, 2) coordinates when every geometry is a point, else None (polygons are snapped uncached)."""
    geom = points.geometry if hasattr(points, "geometry") else points
    if len(geom) == 0 or not (geom.geom_type == "Point").all():
        return None
    return np.ascontiguousarray(np.c_[geom.x.to_numpy(float), geom.y.to_numpy(float)])


def _unions(todo) -> dict:
    """Which requested layers are exactly the union of others (:meth:`ComputeContext.seconds_many`).

    ``todo`` items end with ``(..., mode, limit_s, xy)``. Returns ``{j: [parts]}``: layer ``j``'s set
    of points equals the union of the parts' sets, all of the same mode and limit; parts are
    searched (never unions themselves). Points are compared by their exact coordinates (a snap,
    hence a search, depends on nothing else).
    """
    groups: dict = {}
    for j, item in enumerate(todo):
        mode, limit_s, xy = item[-3], item[-2], item[-1]
        if xy is not None and len(xy):
            groups.setdefault((mode, limit_s), []).append(j)
    unions: dict = {}
    for js in groups.values():
        if len(js) < 2:
            continue
        sets = {j: set(map(tuple, todo[j][-1].tolist())) for j in js}
        parts_used: set = set()
        for j in sorted(js, key=lambda j: (-len(sets[j]), j)):  # the largest first: unions of smaller ones
            if j in parts_used:
                continue
            parts = [p for p in js if p != j and p not in unions and sets[p] <= sets[j]]
            if parts and set().union(*(sets[p] for p in parts)) == sets[j]:
                unions[j] = parts
                parts_used.update(parts)
    return unions


class ComputeContext:
    """The derived, reusable structures of one immutable study area (see the module docstring).

    Parameters
    ----------
    area : gis.study_area.StudyArea
        Use :meth:`for_area` rather than the constructor, so the area keeps one context.
    """

    def __init__(self, area):
        self.area = area
        self._lock = threading.RLock()
        self._nets: dict[str, TravelNetwork] = {}
        self._cells: dict[str, Snap] = {}  # per street graph
        self._districts = None
        self._snaps: OrderedDict = OrderedDict()
        self._seconds: OrderedDict = OrderedDict()
        self._areas: OrderedDict = OrderedDict()
        self._seconds_values = 0
        self._reach: OrderedDict = OrderedDict()
        self._reach_pairs = 0
        self._n_cells = len(area.population)
        self._memo: OrderedDict = OrderedDict()

    @classmethod
    def for_area(cls, area) -> "ComputeContext":
        """The context of ``area`` (built on first use, then the same object)."""
        with _for_area_lock:
            return area.context_slot(cls)

    def __repr__(self) -> str:
        return (f"ComputeContext(area={self.area.name!r}, cells={self._n_cells}, networks={sorted(self._nets)}, "
                f"facility snaps={len(self._snaps)}, sites with pairs={len(self._reach)})")

    # ------------------------------------------------------------------ derived results

    def memo(self, key, factory):
        """The value cached under ``key`` for this area, made by ``factory()`` on first use.

        The one place for results derived from an area that callers above ``accessibility``
        (published maps, the app, enrolment tables, place data) want to keep: they live and die
        with the area's context, so no cache outside it is keyed on ``id()`` or outlives its area.

        Parameters
        ----------
        key : hashable
            Names the result by content (e.g. ``("cell_squares", display_crs)``, a scenario's
            fingerprint); never an object's ``id()``.
        factory : callable
            Called with no arguments when ``key`` is not cached; its value is stored.

        Returns
        -------
        The cached or newly made value. The newest :data:`MEMO_CACHE_SIZE` keys are kept
        (least recently used dropped first).
        """
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = factory()  # outside the lock: a slow factory must not stall other readers
        with self._lock:
            if key in self._memo:  # another thread made it meanwhile: keep one value
                self._memo.move_to_end(key)
                return self._memo[key]
            self._memo[key] = value
            while len(self._memo) > MEMO_CACHE_SIZE:
                self._memo.popitem(last=False)
        return value

    # ------------------------------------------------------------------ networks and snapping

    def network(self, mode: str = "walk") -> TravelNetwork:
        """The travel network for ``mode`` (a key of :data:`layers.norms.SPEEDS`).

        ``bike`` runs on the area's own cycling graph (``area.bike_graph``) when it has one, else
        on the walking streets at cycling speed; every other mode on the walking streets. A cached
        area's network is built from its street tables (:meth:`gis.study_area.StudyArea.street_frames`),
        never from a networkx graph.
        """
        check_mode(mode, allowed="speeds")
        with self._lock:
            net = self._nets.get(mode)
            if net is None:
                streets = self._streets(mode)
                base = self._nets.get(streets)
                if base is None:
                    frames = self.area.street_frames(streets)
                    if frames is not None:  # a cached area: its prepared network, or built from its tables
                        base = network_from_frames(frames, streets)
                    else:
                        G = self.area.graph if streets == "walk" else self.area.bike_graph
                        base = TravelNetwork.from_graph(G, mode=streets, streets=streets)
                    if base.crs is None:
                        base.crs = self.area.crs
                    self._nets[streets] = base
                net = self._nets[mode] = base.for_mode(mode)
            return net

    def add_network(self, net: TravelNetwork) -> None:
        """Use ``net`` as the street network of its street graph (``net.streets``) instead of
        building one from the area's networkx graph.

        For networks built from arrays (:meth:`TravelNetwork.from_edges`): a province-size network
        as a networkx graph costs minutes and gigabytes before any search (benchmarks/bench_scale.py).

        Raises
        ------
        RuntimeError
            If a network for those streets was already built or added (results may use it).
        """
        with self._lock:
            if net.streets in self._nets:
                raise RuntimeError(f"the {net.streets!r} network of this area is already built")
            if net.crs is None:
                net.crs = self.area.crs
            self._nets[net.streets] = net

    def _streets(self, mode: str) -> str:
        """Which street graph ``mode`` runs on: ``bike`` (the area's cycling graph) or ``walk``."""
        return "bike" if mode == "bike" and self.area.has_bike_graph else "walk"

    def _snap_network(self, mode: str) -> TravelNetwork:
        """The network points are snapped on for ``mode``: the base network of its street graph
        (snapping is geometric; times are re-timed per mode)."""
        return self.network(self._streets(mode))

    def _check_cells(self) -> None:
        # The area is immutable, but a frame can still be edited in place; fail clearly, not with
        # an IndexError deep in numpy.
        if len(self.area.population) != self._n_cells:
            raise RuntimeError("the population layer changed in place after its cells were snapped; "
                               "edit a copy with area.replace(population=...)")

    def cell_snap(self, mode: str = "walk") -> Snap:
        """The population cells snapped once per street graph (walking; cycling where the area has
        its own), re-timed for ``mode``."""
        self._check_cells()
        streets = self._streets(mode)
        with self._lock:
            cells = self._cells.get(streets)
            if cells is None:
                cells = self._cells[streets] = prepared_cell_snap(self._snap_network(mode), self.area.population)
        return retime(cells, self.network(mode))

    def facility_snap(self, facilities, mode: str = "walk") -> Snap:
        """``facilities`` (GeoDataFrame / GeoSeries) snapped, re-timed for ``mode``; cached.

        Snapping is geometric, so it is made once per street graph. The key is a hash of
        the coordinates and index labels, so an edited layer (a moved site) gets its own entry;
        the most recent :data:`SNAP_CACHE_SIZE` layers are kept.
        """
        net = self.network(mode)
        xy = _point_xy(facilities)
        if xy is None:  # polygons / empty layers: not worth caching
            return _labelled(retime(self._snap_network(mode).snap(facilities), net), facilities)
        key = (self._streets(mode), _layer_key(facilities, xy))
        with self._lock:
            snap = self._snaps.pop(key, None)
        if snap is None:
            snap = prepared_facility_snap(self._snap_network(mode), facilities)
        with self._lock:
            self._snaps[key] = snap  # most recently used last
            while len(self._snaps) > SNAP_CACHE_SIZE:
                self._snaps.popitem(last=False)
        return _labelled(retime(snap, net), facilities)

    def service_area(self, facilities, mode: str, minutes: float, walk_off_m: float, compute):
        """The walking area of ``facilities`` (``compute(net, facility_snap)``, e.g.
        :func:`accessibility.circles.service_area`), cached per layer, mode, minutes and walk-off: a
        second publication of the same maps (the other language) or a second circles export reuses it.
        The most recent :data:`AREA_CACHE_SIZE` are kept; shapely geometries are immutable."""
        xy = _point_xy(facilities)
        key = None if xy is None else (mode, _layer_key(facilities, xy), float(minutes), float(walk_off_m))
        if key is not None:
            with self._lock:
                hit = self._areas.get(key)
                if hit is not None:
                    self._areas.move_to_end(key)
                    return hit
        geom = compute(self.network(mode), self.facility_snap(facilities, mode))
        if key is not None:
            with self._lock:
                self._areas[key] = geom
                while len(self._areas) > AREA_CACHE_SIZE:
                    self._areas.popitem(last=False)
        return geom

    def district_codes(self):
        """(per-cell district code, district ids, district names) in display order.

        Display order is the district layer's order, then ids found only on cells (cells in no
        known district keep their own id, so district rows still add up to the totals).
        """
        self._check_cells()
        with self._lock:
            if self._districts is None:
                names = self.area.district_names()
                # factorize (a hash of the ids, no Python string per cell) and sort only the distinct
                # ids: np.unique over two million cells' ids cost seconds at a province (issue 28)
                cell_codes, found = pd.factorize(self.area.population["district_id"].astype(str), use_na_sentinel=False)
                found = [str(d) for d in found]
                uniq = sorted(found)  # as np.unique orders them
                present = set(uniq)
                ids = [d for d in names if d in present] + [d for d in uniq if d not in names]
                codes = pd.Index(ids).get_indexer(found)[cell_codes]
                self._districts = (codes, np.array(ids, dtype=object), [names.get(d, d) for d in ids])
            return self._districts

    # ------------------------------------------------------------------ the two questions

    def seconds(self, facilities, mode: str = "walk", limit_s: float | None = None) -> np.ndarray:
        """Seconds from every population cell to the nearest of ``facilities``, offsets included.

        Parameters
        ----------
        facilities : GeoDataFrame or GeoSeries
            In the area's CRS.
        mode : str
            Key of :data:`layers.norms.SPEEDS`.
        limit_s : float, optional
            Search cut-off; cells further (or not snapped, or with no facility) get ``inf``.

        Returns
        -------
        ndarray of float, shape (n_cells,)
            A new array (the cached one stays as computed).
        """
        return self.seconds_many([(facilities, mode, limit_s)])[0]

    def seconds_many(self, requests, on_result=None) -> list:
        """:meth:`seconds` for several facility layers and modes at once, the searches on every core.

        The searches not already cached run together (:func:`accessibility.parallel.nearest_seconds_many`:
        worker processes on a large network, this process on a small one); each result is the one
        :meth:`seconds` gives alone, float for float.

        A layer whose points are exactly the union of other requested layers (same mode and limit:
        elderly care = day-care centres and care homes) is not searched: its seconds are the
        element-wise minimum of theirs, which is the same number, not an approximation — a search
        from several sources gives every node the least, over its paths from any source, of the
        path's running float sum, and adding an edge's seconds to the lesser of two floats rounds to
        the lesser of the two sums; the cells' own offsets and same-segment paths are minima of the
        same kind (tests/test_parallel.py compares it with the layer's own search).

        Parameters
        ----------
        requests : list of (facilities, mode, limit_s)
            As the arguments of :meth:`seconds` (``limit_s`` may be None).
        on_result : callable, optional
            ``on_result(i, seconds)`` is called as each request's cell seconds are ready (cached ones
            first, then in the order the searches finish): a caller's work overlaps the searches.

        Returns
        -------
        list of ndarray
            One per request, in order (new arrays). With ``on_result`` the arrays are handed over
            and not kept (the list holds None): at a province eleven of them are 200 MB.
        """
        self._check_cells()
        out: list = [None] * len(requests)
        todo = []
        for i, (facilities, mode, limit_s) in enumerate(requests):
            net = self.network(mode)
            xy = _point_xy(facilities)
            key = None if xy is None else (mode, _layer_key(facilities, xy), limit_s)
            hit = None
            if key is not None:
                with self._lock:
                    hit = self._seconds.get(key)
                    if hit is not None:
                        self._seconds.move_to_end(key)
                        hit = hit.copy()
            if hit is not None:
                if on_result is not None:
                    on_result(i, hit)
                else:
                    out[i] = hit
                continue
            todo.append((i, key, net, self.facility_snap(facilities, mode), mode, limit_s, xy))
        unions = _unions(todo)  # position in todo -> the positions whose union it is
        searched = [j for j in range(len(todo)) if j not in unions]
        part_of: dict = {}
        for j, parts in unions.items():
            for p in parts:
                part_of.setdefault(p, []).append(j)
        least: dict = {}  # union -> the minimum of its parts' seconds so far, and the parts still due
        cells: dict = {}  # mode -> the cells' snap (re-timed once per call, not once per layer)

        def finish(j, T):
            i, key = todo[j][0], todo[j][1]
            if key is not None:
                with self._lock:
                    if key not in self._seconds:
                        self._seconds[key] = T.copy()
                        self._seconds_values += len(T)
                    while self._seconds_values > SECONDS_CACHE_VALUES and len(self._seconds) > 1:
                        _, old = self._seconds.popitem(last=False)
                        self._seconds_values -= len(old)
            if on_result is not None:
                on_result(i, T)
            else:
                out[i] = T

        def done(s, nt):
            j = searched[s]
            _i, _key, net, fs, mode, _limit, _xy = todo[j]
            if mode not in cells:
                cells[mode] = self.cell_snap(mode)
            T = cell_seconds(net, cells[mode], nt, fs)
            del nt
            ready = []
            for u in part_of.get(j, ()):  # before on_result: a caller may change T in place
                if u not in least:
                    least[u] = [T.copy(), len(unions[u]) - 1]
                else:
                    np.minimum(least[u][0], T, out=least[u][0])
                    least[u][1] -= 1
                if least[u][1] == 0:
                    ready.append(u)
            finish(j, T)
            del T
            for u in ready:
                finish(u, least.pop(u)[0])

        nearest_seconds_many([(todo[j][2], todo[j][3], todo[j][5]) for j in searched], on_result=done)
        return out

    def pairs(self, facilities, limit_s: float, mode: str = "walk"):
        """Cell -> facility pairs within ``limit_s`` seconds (inclusive), snap offsets included.

        Each facility location's pairs are computed once per (limit, mode) and kept (a bounded
        cache of :data:`REACH_CACHE_PAIRS` pairs), so re-asking after moving one site runs one
        new search. The result equals :func:`accessibility.reach.od_pairs` on the same points.

        Parameters
        ----------
        facilities : GeoDataFrame or GeoSeries
            Sites in the area's CRS (points; other geometries are computed uncached).
        limit_s : float
            Largest travel time kept.
        mode : str
            Key of :data:`layers.norms.SPEEDS`.

        Returns
        -------
        orig, dest : ndarray of int64
            Cell positions (in ``area.population``) and facility positions (in ``facilities``).
        seconds : ndarray of float
            Sorted by facility, then cell.
        """
        limit_s = float(limit_s)
        net = self.network(mode)
        xy = _point_xy(facilities)
        if xy is None:
            if len(facilities) == 0:
                return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
            return od_pairs(net, self.cell_snap(mode), self._snap_network(mode).snap(facilities), limit_s)
        keys = [(x, y, limit_s, mode) for x, y in np.round(xy, _XY_DECIMALS).tolist()]
        with self._lock:
            have = {k: self._hit(k) for k in set(keys) if k in self._reach}
        todo = [k for k in dict.fromkeys(keys) if k not in have]
        if todo:
            where = {k: i for i, k in enumerate(keys)}
            idx = [where[k] for k in todo]
            geom = facilities.geometry if hasattr(facilities, "geometry") else facilities
            pts = gpd.GeoSeries(geom.iloc[idx].values, crs=geom.crs)
            o, d, s = od_pairs(net, self.cell_snap(mode), retime(self._snap_network(mode).snap(pts), net), limit_s)
            bounds = np.searchsorted(d, np.arange(len(todo) + 1))  # od_pairs sorts by destination
            with self._lock:
                for t, k in enumerate(todo):
                    a, b = bounds[t], bounds[t + 1]
                    have[k] = (o[a:b].astype(np.int32), s[a:b].copy())
                    self._store(k, have[k])
        got = [have[k] for k in keys]
        O = [g[0].astype(np.int64) for g in got]
        D = [np.full(len(g[0]), j, np.int64) for j, g in enumerate(got)]
        S = [g[1] for g in got]
        return np.concatenate(O), np.concatenate(D), np.concatenate(S)

    def _hit(self, key):
        entry = self._reach[key]
        self._reach.move_to_end(key)
        return entry

    def _store(self, key, entry) -> None:
        old = self._reach.pop(key, None)
        if old is not None:
            self._reach_pairs -= len(old[0])
        self._reach[key] = entry
        self._reach_pairs += len(entry[0])
        # Keep the newest entry even when it alone is over the bound (the caller needs it now).
        while self._reach_pairs > REACH_CACHE_PAIRS and len(self._reach) > 1:
            _, (o, _s) = self._reach.popitem(last=False)
            self._reach_pairs -= len(o)
