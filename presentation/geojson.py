"""GeoJSON builders and data shaping for the maps: features, cell squares, facility tables,
life-circle cells, place-finder payloads and street lines.

The app rebuilds a map whenever a choice changes. Thousands of per-cell polygons cost seconds to
serialise and to draw, so the app's maps draw cells *dissolved*: one (multi)polygon per colour
class. Layers that do not depend on the choice (districts, density, facilities, streets) are built
once per area, display datum and language as GeoJSON dicts (:func:`static_layer`) and kept in the
area's compute context (:meth:`accessibility.context.ComputeContext.memo`), so they live and die
with the area; a new service or threshold only dissolves its own cells.
"""

from __future__ import annotations

import base64
import html as _html
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from accessibility.context import ComputeContext
from accessibility.place import service_tree
from gis.crs import wgs84_to_gcj02
from layers.families import FAMILY_CAPACITY, SERVICE_COLOR, SERVICES
from layers.frames import projects_as_facilities
from layers.schema import CAPACITY_COLUMNS, COHORTS
from presentation.i18n import CATALOGUE, display_names, family_label, subtype_label, t
from presentation.styles import DENSITY_COLORS, UNCOVERED_COLOR, class_breaks, class_of, esc, to_display


def geojson_features(gdf: gpd.GeoDataFrame, props: list[str]) -> dict:
    """A compact GeoJSON FeatureCollection with only ``props`` as properties.

    Every text property is escaped (:func:`esc`): tooltips and pop-ups render them as HTML.
    """
    feats = []
    cols = [c for c in props if c in gdf.columns]
    records = gdf[cols].to_dict("records") if cols else [{}] * len(gdf)
    # All geometries to GeoJSON text in one vectorised call and parsed in one json.loads (a call of
    # each per geometry cost 0.3 s per 10,000 cells of a published map).
    text = shapely.to_geojson(np.asarray(gdf.geometry.values, dtype=object))
    geoms = json.loads("[" + ",".join("null" if g is None else g for g in text) + "]")
    for geom, rec in zip(geoms, records):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, (np.integer,)):
                v = int(v)
            elif isinstance(v, (np.floating, float)):
                v = None if not np.isfinite(v) else round(float(v), 4)
            elif v is not None and not isinstance(v, (int, bool)):
                v = esc(v)
            clean[k] = v
        feats.append({"type": "Feature", "geometry": geom, "properties": clean})
    return {"type": "FeatureCollection", "features": feats}


def cell_squares(points: gpd.GeoDataFrame, cell_size: float, value_cols: list[str], agg_m: float | None = None
                 ) -> gpd.GeoDataFrame:
    """Population cell centres to square polygons, optionally aggregated onto a coarser grid.

    Parameters
    ----------
    points : GeoDataFrame
        Cell centres (projected CRS).
    cell_size : float
        Side of the original cells in metres.
    value_cols : list of str
        Columns summed per square.
    agg_m : float, optional
        Side of the output squares; ``None`` keeps the original cells.

    Returns
    -------
    GeoDataFrame of squares with ``value_cols`` summed and ``area_km2``.
    """
    side = float(agg_m or cell_size or 100.0)
    if len(points) == 0:
        return gpd.GeoDataFrame({c: [] for c in value_cols} | {"area_km2": []}, geometry=[], crs=points.crs)
    x = points.geometry.x.to_numpy()
    y = points.geometry.y.to_numpy()
    if agg_m and agg_m > (cell_size or 0):
        ix = np.floor(x / side).astype(np.int64)
        iy = np.floor(y / side).astype(np.int64)
        df = pd.DataFrame({"ix": ix, "iy": iy, **{c: points[c].to_numpy(dtype=float) for c in value_cols}})
        df = df.groupby(["ix", "iy"], as_index=False)[value_cols].sum()
        x0 = df["ix"].to_numpy() * side
        y0 = df["iy"].to_numpy() * side
    else:
        df = pd.DataFrame({c: points[c].to_numpy(dtype=float) for c in value_cols})
        x0, y0 = x - side / 2, y - side / 2
    geoms = shapely.box(x0, y0, x0 + side, y0 + side)
    out = gpd.GeoDataFrame(df[value_cols].reset_index(drop=True), geometry=geoms, crs=points.crs)
    out["area_km2"] = side * side / 1e6
    return out


def _capacity_text(row, lang: str) -> str:
    parts = []
    for col in FAMILY_CAPACITY.get(row.get("family"), ()):
        v = row.get(col, 0)
        try:
            v = float(v)
        except (TypeError, ValueError):
            continue
        if v and np.isfinite(v):
            parts.append(f"{int(round(v)):,} {CAPACITY_COLUMNS[col][lang]}")
    return "; ".join(parts) or "—"


def _serves_text(family: str, subtype: str, lang: str) -> str:
    out = []
    for s in SERVICES.values():
        if family not in s.families or (s.subtypes is not None and subtype not in s.subtypes):
            continue
        who = COHORTS[s.demand][lang] if s.demand in COHORTS else t("everyone", lang)
        within = t("within", lang, minutes=int(s.minutes), mode=t(s.mode, lang) if s.mode in CATALOGUE else s.mode)
        out.append(f"{who}（{within}）" if lang == "zh" else f"{who} ({within})")
    return "; ".join(out) or "—"


def facility_table(facilities: gpd.GeoDataFrame, lang: str = "zh") -> pd.DataFrame:
    """Display columns for facility pop-ups and tables: name (in ``lang``: the English ``name_en`` under an
    English map where a row has one), type, capacity, who it serves, source."""
    rows = []
    names = display_names(facilities, lang) if "name" in facilities.columns else [""] * len(facilities)
    for rec, name in zip(facilities.drop(columns="geometry").to_dict("records"), names):
        fam = rec.get("family", "")
        sub = rec.get("subtype", "")
        src = str(rec.get("source", ""))
        rows.append({
            "name": name,
            "type": f"{family_label(fam, lang)} · {subtype_label(sub, lang)}",
            "capacity": _capacity_text(rec, lang),
            "serves": _serves_text(fam, sub, lang),
            "source": t("generated", lang) if src.lower().startswith("generated") else src,
        })
    return pd.DataFrame(rows, index=facilities.index)


def as_facilities(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Projects (column ``type``) as facility rows (``family``, ``subtype``); facilities pass through.

    The one converter, :func:`layers.frames.projects_as_facilities`: an unknown project type is an
    :class:`~layers.errors.InputError`, not drawn as a school.
    """
    return projects_as_facilities(gdf)


def cell_rows_of(area, cells: gpd.GeoDataFrame, cell_size: float) -> np.ndarray | None:
    """Positions of ``cells`` among the area's population cells, or None when they are not its rows
    (another index, moved points or another cell size)."""
    pop = area.population
    if float(cell_size) != float(area.cell_size or 100.0) or cells.crs != pop.crs:
        return None
    pos = pop.index.get_indexer(cells.index) if pop.index.is_unique else np.full(len(cells), -1)
    if (pos < 0).any():
        return None
    same = (np.array_equal(pop.geometry.x.to_numpy()[pos], cells.geometry.x.to_numpy())
            and np.array_equal(pop.geometry.y.to_numpy()[pos], cells.geometry.y.to_numpy()))
    return pos if same else None


def cell_square_texts(area, display: str) -> list[str]:
    """Each population cell's square as display GeoJSON text (as :func:`add_uncovered` draws it),
    built once per area and display datum."""
    return ComputeContext.for_area(area).memo(("map.cell_squares", display), lambda: _cell_square_texts(area, display))


def _cell_square_texts(area, display: str) -> list[str]:
    sq = cell_squares(area.population, area.cell_size or 100.0, [])
    geoms = to_display(sq, display).geometry.values
    if len(geoms) != len(sq):  # (squares are never empty; to_display drops empty ones)
        raise RuntimeError("a population cell has no square")
    texts = [json.dumps(f["geometry"], sort_keys=True) for f in geojson_features(gpd.GeoDataFrame(geometry=geoms), [])["features"]]
    return texts


def life_circle_cells(population: gpd.GeoDataFrame, covered: dict, cell_size: float) -> gpd.GeoDataFrame:
    """Population cells dissolved by *which* life-circle services are within reach.

    One row per combination of services present (at most 2**6 = 64, in practice a few dozen), so
    a whole city's index is a few hundred kB on the map and each area's tooltip can say what is
    missing there.

    Parameters
    ----------
    population : GeoDataFrame
        Cell centres (projected CRS) with ``pop_total``.
    covered : dict of service key -> bool array (n_cells,)
        Whether each cell has that service within the threshold (``ServiceCoverage.covered``),
        in the order of :data:`layers.norms.LIFE_CIRCLE_SERVICES`.
    cell_size : float
        Side of the cells in metres.

    Returns
    -------
    GeoDataFrame
        ``mask`` (bit i set = i-th service within reach), ``n`` (0..len(covered)), ``missing``
        (list of the service keys not within reach), ``pop_total``, ``cells``; squares dissolved,
        in the population's CRS, sorted by ``n``.
    """
    keys = list(covered)
    side = float(cell_size or 100.0)
    if len(population) == 0 or not keys:
        return gpd.GeoDataFrame({"mask": [], "n": [], "missing": [], "pop_total": [], "cells": []}, geometry=[],
                                crs=population.crs)
    mask = np.zeros(len(population), dtype=np.int64)
    for i, k in enumerate(keys):
        mask |= np.asarray(covered[k], dtype=bool).astype(np.int64) << i
    pop = population["pop_total"].to_numpy(float)
    x = population.geometry.x.to_numpy()
    y = population.geometry.y.to_numpy()
    # square corners snapped to the cell grid, so neighbouring squares share exact edges and the
    # dissolve is a cheap coverage union
    x0 = np.round((x - side / 2) / side) * side
    y0 = np.round((y - side / 2) / side) * side
    boxes = shapely.box(x0, y0, x0 + side, y0 + side)
    rows, geoms = [], []
    for m_ in np.unique(mask):
        sel = mask == m_
        rows.append({"mask": int(m_), "n": int(bin(int(m_)).count("1")),
                     "missing": [k for i, k in enumerate(keys) if not (int(m_) >> i) & 1],
                     "pop_total": float(pop[sel].sum()), "cells": int(sel.sum())})
        geoms.append(shapely.coverage_union_all(boxes[sel]))
    out = gpd.GeoDataFrame(rows, geometry=geoms, crs=population.crs)
    return out.sort_values(["n", "mask"]).reset_index(drop=True)


def dissolved_squares(xy: np.ndarray, side: float, crs) -> gpd.GeoDataFrame:
    """The union of ``side``-metre squares centred on ``xy`` (n, 2), as one row (empty when no points)."""
    if len(xy) == 0:
        return gpd.GeoDataFrame(geometry=[], crs=crs)
    h = side / 2.0
    boxes = shapely.box(xy[:, 0] - h, xy[:, 1] - h, xy[:, 0] + h, xy[:, 1] + h)
    # squares of one grid share edges exactly: the coverage union is exact and fast
    return gpd.GeoDataFrame(geometry=[shapely.coverage_union_all(boxes)], crs=crs)


def district_population(area, districts=None):
    """Residents per subdistrict (``pop_total`` of the population layer summed by ``district_id``), as whole
    numbers in the order of ``districts`` (default the area's); 0 for a subdistrict with no cells."""
    d = area.districts if districts is None else districts
    pop = area.population.groupby(area.population["district_id"].astype(str))["pop_total"].sum()
    return d["district_id"].astype(str).map(pop).fillna(0).round().astype(int).to_numpy()


def static_layer(area, kind: str, display: str = "wgs84", lang: str = "zh"):
    """A layer that depends only on the area (``districts``, ``boundary``, ``density``, ``facilities``),
    as built GeoJSON (plus legend data for ``density``), cached per area, display datum and language."""
    if kind not in ("boundary", "districts", "density"):
        raise ValueError(f"unknown static layer {kind!r}")
    return ComputeContext.for_area(area).memo(("map.static", kind, display, lang),
                                              lambda: _static_layer(area, kind, display, lang))


def _static_layer(area, kind: str, display: str, lang: str):
    if kind == "boundary":
        out = geojson_features(to_display(area.boundary, display, simplify_m=20), [])
    elif kind == "districts":
        d = area.districts.copy()
        d["label"] = display_names(d, lang)
        if len(area.population):
            d["pop"] = district_population(area, d)
        else:
            d["pop"] = 0
        out = geojson_features(to_display(d, display, simplify_m=10), ["label", "pop"])
    elif kind == "density":
        sq = cell_squares(area.population, area.cell_size or 100.0, ["pop_total"], agg_m=200.0)
        sq = sq[sq["pop_total"] > 0]
        dens = (sq["pop_total"] / sq["area_km2"]).round(-1)
        breaks = class_breaks(dens, len(DENSITY_COLORS))
        cls = np.array([class_of(v, breaks) for v in dens], int)
        rows = [(DENSITY_COLORS[k], shapely.coverage_union_all(sq.geometry.values[cls == k]))
                for k in sorted(set(cls.tolist()))]
        g = gpd.GeoDataFrame({"c": [c for c, _ in rows]}, geometry=[gm for _, gm in rows], crs=sq.crs)
        out = (geojson_features(to_display(g, display), ["c"]), breaks)
    else:
        raise ValueError(f"unknown static layer {kind!r}")
    return out


def coverage_overlays(area, service: str, minutes: float, covered: np.ndarray, *, lang: str = "zh",
                      display: str = "wgs84") -> list[dict]:
    """Homes within ``minutes`` of ``service`` and homes beyond it as two dissolved areas of population
    cells: ``[{name, data (GeoJSON), style}]`` in the ``display`` datum (the costly part of
    :func:`overview_layers_js`, kept apart so that a new base map or family choice reuses it)."""
    pop = area.population
    covered = np.asarray(covered, bool)
    has = pop["pop_total"].to_numpy(float) > 0
    xy = np.c_[pop.geometry.x.to_numpy(), pop.geometry.y.to_numpy()]
    side = float(area.cell_size or 100.0)
    svc = SERVICES[service].label(lang) if service in SERVICES else service
    color = SERVICE_COLOR.get(service, "#3366cc")
    out = []
    for name, mask, col, op in ((t("circles", lang, minutes=int(minutes), service=svc), covered & has, color, 0.35),
                                (t("uncovered_legend", lang, minutes=int(minutes), service=svc), ~covered & has,
                                 UNCOVERED_COLOR, 0.55)):
        g = dissolved_squares(xy[mask], side, area.crs)
        data = geojson_features(to_display(g, display), []) if len(g) else {"type": "FeatureCollection", "features": []}
        out.append({"name": name, "data": data,
                    "style": {"fillColor": col, "fillOpacity": op, "color": col, "weight": 0.6, "opacity": 0.8}})
    return out


#: Minutes are embedded as one byte per cell and service; this byte means "not reachable".
NO_MINUTES = 255


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def place_payload(area, cell_minutes: dict, display: str = "wgs84") -> dict:
    """The compact data behind the offline "my place" click, the same in every language (a publication
    shares it between its languages; the words are :func:`place_text`): cell centres (lon/lat x 1e5 as
    little-endian int32) and, per service, whole minutes to the nearest facility (uint8,
    :data:`NO_MINUTES` = not reachable), base64 — about 10 bytes per cell for seven services.

    Parameters
    ----------
    cell_minutes : dict service -> array (n_cells,)
        Minutes per population cell (``ServiceCoverage.cell_minutes``).
    """
    pts = area.population.geometry.to_crs(4326)
    lon, lat = pts.x.to_numpy(), pts.y.to_numpy()
    if display == "gcj02":
        lon, lat = wgs84_to_gcj02(lon, lat)
    services = []
    for s, mins in cell_minutes.items():
        m = np.asarray(mins, float)
        # round to whole minutes, but never round a time up across a band edge the reader checks
        b = np.where(np.isfinite(m) & (m < NO_MINUTES - 0.5), np.floor(m + 0.5), NO_MINUTES).astype("<u1")
        services.append({"key": s, "m": _b64(b)})
    return {"lon": _b64(np.round(np.asarray(lon) * 1e5).astype("<i4")),
            "lat": _b64(np.round(np.asarray(lat) * 1e5).astype("<i4")), "scale": 1e5,
            "services": services, "bands": [5, 10, 15], "no": NO_MINUTES,
            "maxd_m": float(max(300.0, 1.5 * float(area.cell_size or 100.0)))}


def place_text(area, services, lang: str = "zh") -> dict:
    """The words of the "my place" pop-up in ``lang`` (HTML-escaped): the label of each of ``services``
    (the order of :func:`place_payload`'s) and the pop-up's headings and note."""
    return {"labels": [_html.escape(SERVICES[s].label(lang) if s in SERVICES else s) for s in services],
            "text": {k: _html.escape(t(f"place.{k}", lang, size=float(area.cell_size or 100.0)))
                     for k in ("title", "service", "minutes", "nohome", "note")}}


def _street_name(nm) -> str:
    """A street's name as shown: the first of a list (OSM), "" for none."""
    if isinstance(nm, (list, tuple, np.ndarray)):
        nm = nm[0] if len(nm) else None
    return "" if nm is None or (not isinstance(nm, str) and pd.isna(nm)) else str(nm)


def _segments_from_graph(G) -> tuple[list, list[str]]:
    """(geometry, name) of every street segment of ``G`` once (both directions of a street are one),
    in the graph's edge order."""
    xs = {n: (d["x"], d["y"]) for n, d in G.nodes(data=True)}
    seen, geoms, names = set(), [], []
    for u, v, d in G.edges(data=True):
        k = (min(u, v), max(u, v))
        if k in seen:
            continue
        seen.add(k)
        g = d.get("geometry")
        geoms.append(g if g is not None else LineString([xs[u], xs[v]]))
        names.append(_street_name(d.get("name")))
    return geoms, names


def _segments_from_frames(frames) -> tuple[list, list[str]] | None:
    """:func:`_segments_from_graph` of the graph the cached street tables stand for, from the tables
    (vectorised; no networkx graph built — a second of a warm start on the default demo). None when
    the tables are not a plain image of a graph."""
    arr = frames.edge_arrays(columns=("name",))
    if arr is None:
        return None
    u, v = arr["u"], arr["v"]
    pair = np.minimum(u, v) * len(arr["xy"]) + np.maximum(u, v)
    _, first = np.unique(pair, return_index=True)
    keep = np.sort(first)  # the first edge of each street segment, in edge order
    geoms = arr["geom"][keep].copy()
    gap = np.array([g is None for g in geoms], dtype=bool)
    if gap.any():
        xy = arr["xy"]
        geoms[gap] = shapely.linestrings(np.stack([xy[u[keep][gap]], xy[v[keep][gap]]], axis=1))
    return list(geoms), [_street_name(nm) for nm in arr["columns"]["name"][keep]]


def street_lines(area, simplify_m: float | None = None) -> gpd.GeoDataFrame:
    """The area's street network as lines (``name`` where the data has one), one row per street name
    (unnamed streets merged into one row): small enough to draw as an offline base layer.

    ``simplify_m``: Douglas-Peucker tolerance (metres) applied to each street segment before the
    segments are collected by name.
    """
    frames = area.street_frames("walk")
    seg = _segments_from_frames(frames) if frames is not None else None
    geoms, names = seg if seg is not None else _segments_from_graph(area.graph)
    if not geoms:
        return gpd.GeoDataFrame({"name": []}, geometry=[], crs=area.crs)
    parts, idx = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    if simplify_m:
        # Segment by segment (vectorised): the same line-by-line simplification as simplifying each
        # name's multi-line, without GEOS checking every part of the 18,750-part unnamed row against
        # every other (3.8 s on the default demo, against 0.02 s here).
        parts = shapely.simplify(parts, simplify_m, preserve_topology=True)
    codes, uniq = pd.factorize(np.asarray(names, dtype=object)[idx], sort=True)
    order = np.argsort(codes, kind="stable")
    # one MultiLineString per name: collected, not unioned (a union nodes every crossing — seconds
    # on a city — and the drawing does not need it)
    merged = shapely.multilinestrings(parts[order], indices=codes[order])
    return gpd.GeoDataFrame({"name": np.asarray(uniq, dtype=str)}, geometry=merged, crs=area.crs)


def street_features(area, display: str) -> tuple[dict, dict, tuple[dict, dict]]:
    """The streets as display GeoJSON, named and unnamed apart, with empty text caches for their layers."""
    g = street_lines(area, simplify_m=3)
    feats = geojson_features(to_display(g, display), ["name"])["features"]
    named = {"type": "FeatureCollection", "features": [f for f in feats if f["properties"].get("name")]}
    plain = {"type": "FeatureCollection", "features": [f for f in feats if not f["properties"].get("name")]}
    return named, plain, ({}, {})


def route_payload(area, display: str = "wgs84", services=None) -> dict:
    """The data behind the offline walking routes of a published map's "my place" click, the same in
    every language (a publication writes it once, ``data/routes-<display>.js``): the walking network's
    nodes (lon/lat x 1e5, int32) and per service the shortest-path tree to its nearest facility
    (:func:`accessibility.place.service_tree`): each node's next node towards it (int32; -1 where the
    route leaves the street for the facility, -2 where none is reachable), the facility at each such
    root node and the facilities' positions, base64 as :func:`place_payload`. The services' labels
    and the facilities' names are :func:`route_names` (one small file per language)."""
    out, xy = [], None
    for s in (services or list(SERVICES)):
        net, tree, fac = service_tree(area, s, "walk")
        if xy is None:
            pts = gpd.GeoSeries(gpd.points_from_xy(net.xy[:, 0], net.xy[:, 1]), crs=net.crs).to_crs(4326)
            lon, lat = pts.x.to_numpy(), pts.y.to_numpy()
            if display == "gcj02":
                lon, lat = wgs84_to_gcj02(lon, lat)
            xy = (lon, lat)
        pred = np.where(np.isfinite(tree.seconds), tree.pred, -2).astype("<i4")
        roots = np.flatnonzero((pred == -1) & (tree.facility >= 0))
        fpts = fac.geometry.to_crs(4326)
        fx, fy = fpts.x.to_numpy(), fpts.y.to_numpy()
        if display == "gcj02":
            fx, fy = wgs84_to_gcj02(fx, fy)
        out.append({"key": s, "color": SERVICE_COLOR.get(s, "#3366cc"),
                    "pred": _b64(pred), "roots": {str(int(r)): int(tree.facility[r]) for r in roots},
                    "fx": np.round(fx, 5).tolist(), "fy": np.round(fy, 5).tolist()})
    return {"lon": _b64(np.round(np.asarray(xy[0]) * 1e5).astype("<i4")),
            "lat": _b64(np.round(np.asarray(xy[1]) * 1e5).astype("<i4")), "scale": 1e5, "services": out}


def route_names(area, lang: str = "zh", services=None) -> dict:
    """The words of :func:`route_payload` in ``lang``: per service (same order) its label and the names
    of its facilities (HTML-escaped; index = the facility numbers of ``roots``)."""
    out = []
    for s in (services or list(SERVICES)):
        fac = service_tree(area, s, "walk")[2]
        out.append({"key": s, "label": _html.escape(SERVICES[s].label(lang)),
                    "names": [_html.escape(str(n)) for n in display_names(fac, lang)] if len(fac) else []})
    return {"lang": lang, "services": out}
