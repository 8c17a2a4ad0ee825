"""Street changes as scenario edits: a new street (a footbridge, a gate in a compound wall, a road
built with a school) or a closed one, each from a year.

A scenario's ``streets`` table (:data:`STREET_COLUMNS`, line geometry in the scenario's CRS) holds
one row per edit:

* ``add`` — a line, its OSM-like ``tags`` (JSON text, e.g. ``{"highway": "footway", "name": "..."}``)
  and the ``year`` it opens. It joins the network **at its two ends only** (a bridge or an underpass
  crosses other streets without meeting them): each end joins the nearest street node within
  :data:`JOIN_NODE_M`, or else the nearest street, which is split there (the end moves onto it).
  Its length is the great-circle length of its line (osmnx's convention, like every OSM street);
  the split street's pieces share its length as their great-circle lengths do — the lengths osmnx
  gives when the split point is a node of the way, so the edited network equals the network of an
  OSM file holding the new street as a way (tests/test_street_edits.py). It enters the walking graph when
  its tags pass the walking filter and the cycling graph when they pass the cycling filter
  (:mod:`gis.osm_filter`), one-way for bikes by the same rules as OSM ways.
* ``close`` — from ``year`` on, the street segments of OSM way ``way_id`` (or of an added street,
  by its ``street_id``), or those lying within :data:`CLOSE_MATCH_M` of a drawn line, are gone from
  both graphs. The network keeps streets merged junction to junction (osmnx simplification), so
  closing a way closes the whole junction-to-junction segment carrying it. Closing a street the
  scenario adds undoes the addition (its ends' splits too): the network is the one without it.

:func:`apply_street_edits` gives the study area "as it is in year Y" — a new immutable
:class:`~gis.study_area.StudyArea` with the edited graphs (``area.replace(graph=...)``), so its own
compute context builds its networks, snapping and caches from the edited streets and everything
downstream (coverage, circles, 2SFCA, the seat assignment's walking check, gains maps) follows. It
is kept in the base area's :meth:`~accessibility.context.ComputeContext.memo` under a hash of the
edits in force, so two scenarios with different edits never share a network and two years with the
same edits in force share one.
"""

from __future__ import annotations

import hashlib
import json

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import LineString
from shapely.ops import substring

from accessibility.context import ComputeContext
from gis.osm_filter import bike_oneway, way_verdict
from layers.errors import InputError
from layers.norms import MAX_SNAP_M
from scenarios.horizon import YEAR_RANGE
from scenarios.sites import BOUNDARY_TOLERANCE_M

__all__ = ["STREET_COLUMNS", "STREET_KINDS", "empty_streets", "add_row", "close_row", "validate_streets", "in_force", "apply_street_edits",
           "check_street_edits", "scenario_area", "street_rows"]

STREET_KINDS = ("add", "close")
STREET_COLUMNS = ("street_id", "kind", "way_id", "year", "tags", "notes")
#: An added street's end within this many metres of a street node joins that node (a click near a
#: junction means the junction); farther, it joins the nearest street at its nearest point.
JOIN_NODE_M = 5.0
#: A drawn closing line closes the street segments lying wholly within this many metres of it.
CLOSE_MATCH_M = 10.0
_MEMO = "street_edits"


def empty_streets(crs=None) -> gpd.GeoDataFrame:
    """A street-edits table with no rows (:data:`STREET_COLUMNS` plus line geometry)."""
    cols = {c: pd.Series([], dtype="int64" if c == "year" else "object") for c in STREET_COLUMNS}
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()


def _tags(v, where) -> dict:
    """Tags from a dict, JSON text or ``k=v;k=v`` text."""
    if isinstance(v, dict):
        d = v
    else:
        s = _text(v)
        if not s:
            return {}
        if s.startswith("{"):
            try:
                d = json.loads(s)
            except ValueError:
                raise InputError("streets: tags are not valid JSON", field="tags", **where) from None
        else:
            d = {}
            for part in s.split(";"):
                if part.strip():
                    k, eq, val = part.partition("=")
                    if not eq or not k.strip():
                        raise InputError(f"streets: tag {part.strip()!r} is not key=value", field="tags", **where)
                    d[k.strip()] = val.strip()
    if not isinstance(d, dict):
        raise InputError("streets: tags must be key=value pairs", field="tags", **where)
    return {str(k): str(val) for k, val in d.items()}


def validate_streets(gdf, source=None, crs=None) -> gpd.GeoDataFrame:
    """Check and normalise a street-edits table; :class:`InputError` naming file, row and field.

    Checks: unique non-empty ``street_id``; ``kind`` in :data:`STREET_KINDS`; ``year`` a whole number
    in the scenario horizon; ``add`` needs a line of two or more finite points and tags a pedestrian
    or a cyclist may use (``highway=...``); ``close`` needs a ``way_id`` or a drawn line. Whether the
    way exists and the street lies in the study area is checked where the area is known
    (:func:`check_street_edits`). ``tags`` are stored as sorted JSON text.
    """
    if gdf is None or len(gdf) == 0:
        return empty_streets(getattr(gdf, "crs", None) or crs)
    g = gpd.GeoDataFrame(gdf).copy().reset_index(drop=True)
    if g.geometry.name != "geometry":
        g = g.rename_geometry("geometry")
    for c in ("street_id", "kind", "year"):
        if c not in g.columns:
            raise InputError("streets: column is missing", file=source, field=c)
    for c in STREET_COLUMNS:
        if c not in g.columns:
            g[c] = ""
    for c in ("street_id", "kind", "way_id", "notes"):
        g[c] = g[c].map(_text)
    g["way_id"] = g["way_id"].str.replace(r"\.0$", "", regex=True)  # a numeric column read back as floats
    tags = []
    for i, r in enumerate(g.itertuples(index=False), start=1):
        where = dict(file=source, row=i)
        if not r.street_id:
            raise InputError("streets: street_id is empty", field="street_id", **where)
        if r.kind not in STREET_KINDS:
            raise InputError(f"streets: unknown kind {r.kind!r}; use add or close", field="kind", **where)
        y = pd.to_numeric(pd.Series([r.year]), errors="coerce").iloc[0]
        if not np.isfinite(y) or y != np.floor(y) or not YEAR_RANGE[0] <= y <= YEAR_RANGE[1]:
            raise InputError(f"streets: year {r.year!r} is not a year in {YEAR_RANGE[0]}-{YEAR_RANGE[1]}",
                             field="year", **where)
        t = _tags(r.tags, where)
        geom = r.geometry
        line_ok = (geom is not None and not geom.is_empty and geom.geom_type == "LineString"
                   and len(geom.coords) >= 2 and np.isfinite(np.asarray(geom.coords)).all() and geom.length > 0)
        if r.kind == "add":
            if not line_ok:
                raise InputError("streets: a new street needs a line of two or more distinct points",
                                 field="geometry", **where)
            if "highway" not in t:
                raise InputError("streets: a new street needs a highway tag (e.g. highway=footway)", field="tags",
                                 **where)
            walk, bike = way_verdict(t, "walk"), way_verdict(t, "bike")
            if walk is not None and bike is not None:
                raise InputError(f"streets: no pedestrian or cyclist may use a street tagged {walk}", field="tags",
                                 **where)
        else:
            if not r.way_id and not line_ok:
                raise InputError("streets: a closing needs a way_id or a drawn line", field="way_id", **where)
        tags.append(json.dumps(t, sort_keys=True, ensure_ascii=False))
    g["tags"] = tags
    g["year"] = pd.to_numeric(g["year"]).astype(np.int64)
    dup = g["street_id"].duplicated()
    if dup.any():
        raise InputError(f"streets: duplicate street_id {g['street_id'][dup].iloc[0]!r}", file=source,
                         row=int(np.flatnonzero(dup)[0]) + 1, field="street_id")
    added = dict(zip(g.loc[g["kind"] == "add", "street_id"], g.loc[g["kind"] == "add", "year"]))
    for i, r in enumerate(g.itertuples(index=False), start=1):
        if r.kind == "close" and r.way_id in added and r.year < added[r.way_id]:
            raise InputError(f"streets: {r.way_id} is closed in {r.year}, before it opens in {added[r.way_id]}",
                             file=source, row=i, field="year")
    out = g[[*STREET_COLUMNS, "geometry"]]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=g.crs if g.crs is not None else crs)


def in_force(edits, year: int) -> gpd.GeoDataFrame:
    """The edits with ``year <= year``, in year then street_id order (the order they are applied)."""
    if edits is None or len(edits) == 0:
        return empty_streets(getattr(edits, "crs", None))
    e = edits[edits["year"].astype(int) <= int(year)]
    return e.sort_values(["year", "street_id"], kind="stable")


def _key(edits, crs) -> str:
    """A hash of edits (attributes and geometry in ``crs``): the cache key of an edited network."""
    h = hashlib.sha1(str(crs).encode())
    if len(edits):
        e = edits.to_crs(crs) if edits.crs is not None and crs is not None else edits
        h.update(pd.util.hash_pandas_object(pd.DataFrame(e[list(STREET_COLUMNS)]).astype(str),
                                            index=False).to_numpy().tobytes())
        h.update(b"".join(b"-" if g is None else shapely.to_wkb(g) for g in e.geometry))
    return h.hexdigest()[:16]


def street_rows(edits) -> list[dict]:
    """The edits as JSON-ready rows (tags as a dict, the line as [[lon, lat], ...] or None)."""
    if edits is None or len(edits) == 0:
        return []
    ll = edits.to_crs(4326) if edits.crs is not None else edits
    return [{"street_id": r.street_id, "kind": r.kind, "way_id": r.way_id or None, "year": int(r.year),
             "tags": json.loads(r.tags or "{}"), "notes": r.notes,
             "line": None if g is None or g.is_empty else [[round(x, 7), round(y, 7)] for x, y in g.coords]}
            for r, g in zip(edits.itertuples(index=False), ll.geometry)]


def _line(coords, crs, target_crs) -> LineString:
    """A line through ``coords`` given in ``crs``, in ``target_crs``."""
    try:
        pts = np.asarray(coords, dtype=float).reshape(-1, 2)
    except (TypeError, ValueError):
        raise InputError("a street needs points as (x, y) pairs", field="geometry") from None
    line = gpd.GeoSeries([LineString(pts)] if len(pts) >= 2 else [None], crs=crs)
    return (line.to_crs(target_crs) if target_crs is not None and len(pts) >= 2 else line).iloc[0]


def _next_id(edits) -> str:
    ids = set(edits["street_id"].astype(str)) if len(edits) else set()
    n = len(ids) + 1
    while f"S{n}" in ids:
        n += 1
    return f"S{n}"


def _append(edits, row: dict, geom, target_crs) -> gpd.GeoDataFrame:
    base = edits if edits is not None and len(edits) else empty_streets(target_crs)
    new = gpd.GeoDataFrame([row], geometry=[geom], crs=target_crs)
    if base.crs is None and target_crs is not None:
        base = base.set_crs(target_crs)
    return pd.concat([base, new.to_crs(base.crs) if base.crs is not None else new], ignore_index=True)


def add_row(edits, coords, year, tags=None, crs="EPSG:4326", street_id=None, notes="", target_crs=None):
    """``edits`` plus one new street (see :meth:`scenarios.model.Scenario.add_street`); not yet validated."""
    t = _tags(tags, {}) if tags is not None else {"highway": "footway"}
    row = {"street_id": str(street_id or _next_id(edits)), "kind": "add", "way_id": "", "year": year,
           "tags": json.dumps(t, sort_keys=True, ensure_ascii=False), "notes": notes}
    return _append(edits, row, _line(coords, crs, target_crs), target_crs)


def close_row(edits, year, way_id=None, coords=None, crs="EPSG:4326", street_id=None, notes="", target_crs=None):
    """``edits`` plus one closing (see :meth:`scenarios.model.Scenario.close_street`); not yet validated."""
    geom = _line(coords, crs, target_crs) if coords is not None else None
    row = {"street_id": str(street_id or _next_id(edits)), "kind": "close", "way_id": _text(way_id), "year": year,
           "tags": "{}", "notes": notes}
    return _append(edits, row, geom, target_crs)


# ----------------------------------------------------------------------------- the study area, edited


def scenario_area(area, scenario, year: int):
    """The study area as ``scenario`` has it in ``year``: ``area`` itself when no street edit is in
    force, else :func:`apply_street_edits`. The one place a scenario's streets reach an analysis."""
    edits = getattr(scenario, "streets", None)
    return apply_street_edits(area, edits, year, source=f"scenario '{getattr(scenario, 'name', '')}': streets")


def apply_street_edits(area, edits, year: int, source=None):
    """The study area with the street edits in force in ``year`` applied (``area`` when none is).

    Parameters
    ----------
    area : StudyArea
    edits : GeoDataFrame
        A validated street-edits table (:func:`validate_streets`).
    year : int
        Edits with ``year <= year`` apply.
    source : str, optional
        Named in errors.

    Returns
    -------
    StudyArea
        A new area (its own compute context) with edited ``graph`` and ``bike_graph``; the same
        object for the same edits in force (kept in ``area``'s context memo, keyed by their content).

    Raises
    ------
    InputError
        A street outside the study area, an end too far from every street, a closing naming no
        street of the network (row and field named).
    """
    if edits is None or len(edits) == 0:
        return area
    if area.meta.get(_MEMO):  # already an edited area (a scenario evaluated on its own edited area)
        return area
    check_street_edits(area, edits, source)
    now = in_force(edits, year)
    if not len(now):
        return area
    key = _key(now, area.crs)
    return ComputeContext.for_area(area).memo((_MEMO, key), lambda: _edited_area(area, now, key, source))


def check_street_edits(area, edits, source=None) -> None:
    """Check every edit against ``area`` whatever its year: lines inside the boundary, ends near a
    street, each closing names a street of the network (:class:`InputError` naming the row)."""
    if edits is None or len(edits) == 0:
        return
    key = _key(in_force(edits, YEAR_RANGE[1]), area.crs)
    # The area with every edit applied: kept like any edited area (the last years use this very one).
    ComputeContext.for_area(area).memo((_MEMO, key), lambda: _edited_area(area, in_force(edits, YEAR_RANGE[1]),
                                                                          key, source))


def _edited_area(area, edits, key, source):
    e = edits.to_crs(area.crs) if edits.crs is not None else edits.set_crs(area.crs)
    outline = shapely.union_all(area.boundary.geometry.to_crs(area.crs).values)
    row_of = {sid: i + 1 for i, sid in enumerate(edits["street_id"])}
    G = area.graph.copy()
    B = area.bike_graph.copy() if area.has_bike_graph else None
    graphs = [g for g in (G, B) if g is not None]
    ids = [n for g in graphs for n in g.nodes if isinstance(n, (int, np.integer))]
    counter = iter(range(max(ids, default=0) + 1, 2**62))
    order = e.sort_values(["year", "street_id"], kind="stable")
    closes = order[order["kind"] == "close"]
    # An added street closed again is never added: its ends' splits go too, so the network is the
    # one without it, edge for edge (a split street snaps homes by its pieces' drawn lines).
    undone = set(closes["way_id"]) & set(order.loc[order["kind"] == "add", "street_id"])
    for r in order[(order["kind"] == "add") & ~order["street_id"].isin(undone)].itertuples(index=False):
        where = dict(file=source, row=row_of[r.street_id])
        if not shapely.buffer(outline, BOUNDARY_TOLERANCE_M).covers(r.geometry):
            raise InputError(f"street {r.street_id} runs outside the study area '{area.name}' (a coordinate typo? "
                             f"check longitude and latitude)", field="geometry", **where)
        tags = json.loads(r.tags or "{}")
        for g, net in ((G, "walk"), (B, "bike")):
            if g is not None and way_verdict(tags, net) is None:
                _add_street(g, r, tags, net, counter, where)
    for r in closes[~closes["way_id"].isin(undone)].itertuples(index=False):
        where = dict(file=source, row=row_of[r.street_id])
        gone = sum(_close(g, r) for g in graphs)
        if not gone:
            what = f"way {r.way_id}" if r.way_id else f"a street within {CLOSE_MATCH_M:g} m of the drawn line"
            raise InputError(f"street edit {r.street_id}: there is no {what} in the network of '{area.name}'",
                             field="way_id" if r.way_id else "geometry", **where)
    for g in graphs:
        g.remove_nodes_from([n for n in list(g.nodes) if g.degree(n) == 0])
    meta = {**area.meta, _MEMO: key}
    return area.replace(graph=G, **({"bike_graph": B} if B is not None else {}), meta=meta)


def _great_circle_m(coords, crs) -> float:
    """Great-circle length (m) of a projected line, osmnx's haversine on its lon/lat points."""
    # lazy: osmnx takes ~1.7 s to import; only an added or split street needs its length rule
    import osmnx as ox

    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(*np.asarray(coords, float).T)
    return float(np.sum(ox.distance.great_circle(lat[:-1], lon[:-1], lat[1:], lon[1:])))


def _edge_line(G, u, v, d) -> LineString:
    g = d.get("geometry")
    return g if g is not None else LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])


def _join(G, p, counter, where, sid):
    """The node an added street's end ``p`` joins (an existing node, or a new one splitting the
    nearest street), and its coordinates."""
    xy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)])
    nodes = list(G.nodes)
    dn = np.hypot(xy[:, 0] - p.x, xy[:, 1] - p.y)
    i = int(np.argmin(dn))
    if dn[i] <= JOIN_NODE_M:
        return nodes[i], (float(xy[i, 0]), float(xy[i, 1]))
    edges = [(u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True)]
    lines = [_edge_line(G, u, v, d) for u, v, _, d in edges]
    j = int(shapely.STRtree(lines).nearest(p))
    u, v, k, d = edges[j]
    line = lines[j]
    dist = line.distance(p)
    if dist > MAX_SNAP_M:
        raise InputError(f"street {sid}: its end is {dist:,.0f} m from the nearest street (limit {MAX_SNAP_M:g} m)",
                         field="geometry", **where)
    at = line.project(p)
    if at <= 1e-9 or at >= line.length - 1e-9:
        n = u if at <= 1e-9 else v
        return n, (G.nodes[n]["x"], G.nodes[n]["y"])
    foot = line.interpolate(at)
    n = next(counter)
    G.add_node(n, x=float(foot.x), y=float(foot.y))
    L = float(d["length"])
    a, b = substring(line, 0, at), substring(line, at, line.length)
    # The pieces share the street's length as their great-circle lengths do: what osmnx gives had
    # the split point been a node of the way (a drawn-line fraction is not, where a street turns:
    # the sphere's metre is not the projection's alike east-west and north-south).
    ga, gb = _great_circle_m(a.coords, G.graph["crs"]), _great_circle_m(b.coords, G.graph["crs"])
    la = L * ga / (ga + gb)
    twin = _twin(G, u, v, k, line, L)
    G.remove_edge(u, v, k)
    G.add_edge(u, n, **{**d, "geometry": a, "length": la})
    G.add_edge(n, v, **{**d, "geometry": b, "length": L - la})
    if twin is not None:  # the reverse direction of a two-way street, split at the same place
        tk, td = twin
        G.remove_edge(v, u, tk)
        G.add_edge(v, n, **{**td, "geometry": b.reverse(), "length": L - la})
        G.add_edge(n, u, **{**td, "geometry": a.reverse(), "length": la})
    return n, (float(foot.x), float(foot.y))


def _twin(G, u, v, k, line, L):
    """The reverse edge (key, data) of edge (u, v, k): same length, same line reversed."""
    if not G.has_edge(v, u):
        return None
    rev = np.asarray(line.coords)[::-1]
    for kk, dd in G[v][u].items():
        if (v, u, kk) == (u, v, k):
            continue
        if abs(float(dd["length"]) - L) <= 1e-6:
            c = np.asarray(_edge_line(G, v, u, dd).coords)
            if c.shape == rev.shape and np.allclose(c, rev, atol=1e-6):
                return kk, dd
    return None


def _add_street(G, r, tags, net, counter, where) -> None:
    coords = list(r.geometry.coords)
    a, pa = _join(G, shapely.Point(coords[0]), counter, where, r.street_id)
    b, pb = _join(G, shapely.Point(coords[-1]), counter, where, r.street_id)
    if a == b:
        raise InputError(f"street {r.street_id}: both ends join the network at the same place", field="geometry",
                         **where)
    line = LineString([pa, *coords[1:-1], pb])
    L = _great_circle_m(line.coords, G.graph["crs"])
    attrs = {k: v for k, v in tags.items() if k in ("highway", "name", "bridge", "tunnel", "access", "service")}
    attrs.update(street_id=r.street_id, length=L)
    one, rev = bike_oneway(tags) if net == "bike" else (False, False)
    if rev:
        a, b, line = b, a, line.reverse()
    G.add_edge(a, b, **attrs, oneway=one, reversed=False, geometry=line)
    if not one:
        G.add_edge(b, a, **attrs, oneway=False, reversed=True, geometry=line.reverse())


def _close(G, r) -> int:
    """Remove the edges a closing names from ``G``; returns how many."""
    if G is None:
        return 0
    if r.way_id:
        wid = r.way_id

        def hit(d):
            o = d.get("osmid")
            osm = o if isinstance(o, list) else [o]
            return str(d.get("street_id", "")) == wid or any(str(x) == wid for x in osm if x is not None)

        gone = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if hit(d)]
    else:
        zone = r.geometry.buffer(CLOSE_MATCH_M)
        gone = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if zone.covers(_edge_line(G, u, v, d))]
    G.remove_edges_from(gone)
    return len(gone)
