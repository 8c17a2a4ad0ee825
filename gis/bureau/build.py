"""``hedong area init``: a checked study-area folder from a bureau's own files, complete or not at all.

The pieces (:mod:`gis.bureau.manifest`) are read and checked one by one — maps, census sheet,
street extract, facility lists, projects, roster, births — the population is spread by the rule
of :mod:`gis.bureau.spread`, and the result goes through the folder export every other area takes
(:func:`gis.folder.export_area`), into a temporary folder next to the target. That folder is then
loaded back with :func:`gis.folder.load_folder` (so every layer passes the one validator) and only
then moved into place with ``os.replace``; a target folder that exists is replaced only with
``overwrite`` (moved aside first, removed after). Any error leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.bureau.facilities import (
    births_from_sheet, enrolment_from_sheet, facilities_from_sheet, projects_from_sheet,
)
from gis.bureau.report import Report
from gis.bureau.spread import (
    CELL_SIZE, band_pieces, cell_weights, check_bands, cohort_ranges, split_unit, spread_units, unit_cells,
)
from gis.bureau.streets import DEFAULT_MARGIN_M, cut_graph, read_extract, street_lines
from gis.bureau.tables import read_sheet, text, whole_number
from gis.districts import district_of
from gis.crs import WGS84, gcj02_to_wgs84, bd09_to_wgs84, local_projected_crs, transform_geometry_coords
from gis.folder import export_area, load_folder
from gis.helsinki import residential_floor_area
from gis.io import write_data_csv_atomic, write_text_atomic
from gis.study_area import StudyArea, validate_layers
from layers.errors import InputError
from layers.frames import empty_layer
from layers.headers import check_no_duplicate, match_headers

__all__ = ["build_area", "read_units", "census_units", "ENROLMENT_NAME", "REPORT_NAMES"]

ENROLMENT_NAME = "enrolment.csv"
REPORT_NAMES = ("report.txt", "report.html")
_CONVERT = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}


def _key(name) -> str:
    """Names compared without spaces (中城 街道 == 中城街道)."""
    return "".join(str(name).split())


# ---------------------------------------------------------------- maps


def read_units(entry: dict, report: Report, headers: dict, what: str) -> gpd.GeoDataFrame:
    """Polygons of a map piece (districts, units, boundary) in WGS84 with ``name``, ``code``, ``parent``.

    A Shapefile without a ``.cpg`` is read as UTF-8 and, when that fails, as GBK (what Chinese
    desktop GIS writes); ``encoding`` in the manifest says it outright. ``coords = "gcj02"`` /
    ``"bd09"`` converts every vertex to WGS84.
    """
    path = Path(entry["file"])
    if not path.exists():
        raise InputError("file not found", file=path)
    enc = entry.get("encoding")
    note = ""
    try:
        if enc is None and path.suffix.lower() == ".shp" and not path.with_suffix(".cpg").exists():
            try:
                gdf = gpd.read_file(path, engine="pyogrio", encoding="utf-8")
                note = "utf-8 (no .cpg)"
            except UnicodeDecodeError:
                gdf = gpd.read_file(path, engine="pyogrio", encoding="gbk")
                note = "gbk (no .cpg; not UTF-8)"
                report.derive("attributes read as GBK: the Shapefile has no .cpg and is not UTF-8", file=path)
        else:
            gdf = gpd.read_file(path, engine="pyogrio", **({"encoding": enc} if enc else {}))
            note = enc or ""
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001 - GDAL / decoding errors are untyped; name the file
        raise InputError(f"cannot read the map ({type(e).__name__}: {' '.join(str(e).split())})", file=path) from e
    if len(gdf) == 0:
        raise InputError("the map has no features", file=path)
    if gdf.crs is None:
        raise InputError("the map has no CRS; save it with one (WGS84 for lon/lat)", file=path, field="crs")
    gdf = gdf.to_crs(WGS84)
    c = str(entry.get("coords", "wgs84")).lower().replace("-", "")
    if c in _CONVERT:
        gdf = gdf.set_geometry(transform_geometry_coords(gdf.geometry.to_numpy(), _CONVERT[c]), crs=WGS84)
        report.derive(f"{what} polygons converted from {c.upper()} to WGS84", file=path)
    cols = [str(x) for x in gdf.columns if x != gdf.geometry.name]
    user = {**headers, **{entry[f]: f for f in ("name", "code", "parent") if f in entry}}
    if what == "boundary" and not any(v == "name" for v in user.values()) and "name" not in cols:
        mapping = {}
    else:
        mapping, _ = match_headers(cols, "units", user, file=path)
    bad = [i for i, g in enumerate(gdf.geometry) if g is None or g.is_empty
           or g.geom_type not in ("Polygon", "MultiPolygon")]
    if bad:
        raise InputError("a feature without a polygon", file=path, row=bad[0] + 1, field="geometry")
    out = gpd.GeoDataFrame({f: [text(v) for v in gdf[col]] for f, col in mapping.items()},
                           geometry=shapely.make_valid(gdf.geometry.to_numpy()), crs=WGS84)
    report.add_file(str(path), what, len(out), encoding=note, mapping=mapping)
    return out


def _ids(units: gpd.GeoDataFrame) -> list[str]:
    return list(units["code"]) if "code" in units.columns and all(units["code"]) else list(units["name"])


# ---------------------------------------------------------------- census


def census_units(sheet, units: gpd.GeoDataFrame, report: Report, *, map_label: str) -> list:
    """Sheet row of each map unit (None for a unit the sheet lacks); a sheet unit not on the map is an error.

    Units match by code when both the sheet and the map have codes, else by name.
    """
    L = sheet.label
    by_code = "unit_code" in sheet.data.columns and "code" in units.columns and all(units["code"])
    keys = [_key(text(v)) for v in (sheet.data["unit_code"] if by_code else sheet.data["unit"])]
    check_no_duplicate(keys, file=L, field=sheet.mapping["unit_code" if by_code else "unit"], rows=sheet.data.index)
    map_keys = [_key(v) for v in (units["code"] if by_code else units["name"])]
    where = {k: i for i, k in enumerate(map_keys)}
    for r, k in zip(sheet.data.index, keys):
        if k not in where:
            raise InputError(f"unit {k!r} is in the census sheet but not on the map {map_label} (units on the map: "
                             f"{', '.join(map_keys[:12])}{' ...' if len(map_keys) > 12 else ''}); fix the name or add "
                             f"the unit to the map", file=L, row=r,
                             field=sheet.mapping["unit_code" if by_code else "unit"])
    rows = dict(zip(keys, sheet.data.index))
    for k in map_keys:
        if k not in rows:
            report.warn(f"unit {k!r} is on the map but not in the census sheet: nobody is placed there", file=map_label,
                        field=k)
    return [rows.get(k) for k in map_keys]


def _census_counts(sheet, bands, unit_rows, report: Report) -> tuple[np.ndarray, np.ndarray]:
    """Whole people per unit and band, and per-unit totals (the sheet's 总人口 or the bands' sum)."""
    L = sheet.label
    counts = np.zeros((len(unit_rows), len(bands)), dtype=np.int64)
    totals = np.zeros(len(unit_rows), dtype=np.int64)
    has_total = "total" in sheet.data.columns
    for u, r in enumerate(unit_rows):
        if r is None:
            continue
        row = sheet.data.loc[r]
        for b, band in enumerate(bands):
            counts[u, b] = whole_number(row[band.header], file=L, row=r, field=band.header)
        s = int(counts[u].sum())
        if has_total:
            totals[u] = whole_number(row["total"], file=L, row=r, field=sheet.mapping["total"])
            if totals[u] != s:
                report.warn(f"the bands add up to {s:,}, {sheet.mapping['total']} says {int(totals[u]):,}: cells carry "
                            f"{sheet.mapping['total']} as pop_total and the bands as given", file=L, row=r,
                            field=sheet.mapping["total"])
        else:
            totals[u] = s
    if not has_total:
        report.derive("pop_total of each unit = the sum of its bands (the sheet has no 总人口 column)", file=L)
    if sheet.total_row is not None:
        r = sheet.total_row.name
        for b, band in enumerate(bands):
            v = whole_number(sheet.total_row[band.header], file=L, row=r, field=band.header, default=0)
            if v != int(counts[:, b].sum()):
                report.warn(f"the sheet's own total row gives {v:,} for {band.header}, its units add up to "
                            f"{int(counts[:, b].sum()):,}", file=L, row=r, field=band.header)
    return counts, totals


def _check_parents(sheet, rows, units, districts, report: Report) -> None:
    """A census row's own 街道 column against the district its unit lies in on the map (a warning:
    the map decides, but a mismatch is usually a renamed or moved community)."""
    names = dict(zip(districts["district_id"], districts["name"]))
    for u, r in enumerate(rows):
        if r is None:
            continue
        given = _key(text(sheet.data.loc[r, "parent"]))
        d = units["district_id"].iloc[u]
        if given and given not in (_key(names[d]), _key(d)):
            report.warn(f"the sheet puts {units['name'].iloc[u]!r} in {given!r}, the map in {names[d]!r}; the map "
                        f"is used", file=sheet.label, row=r, field=sheet.mapping["parent"])


# ---------------------------------------------------------------- build


def _district_of_units(units, districts, entry_parent: bool, report: Report, label) -> list[str]:
    """The district of each census unit: its parent column (by name or code) or, without one, the
    district holding its representative point."""
    d_ids = districts["district_id"].tolist()
    by = {_key(n): i for i, n in zip(d_ids, districts["name"])} | {_key(i): i for i in d_ids}
    if entry_parent and "parent" in units.columns:
        out = []
        for i, p in enumerate(units["parent"]):
            d = by.get(_key(p))
            if d is None:
                raise InputError(f"{p!r} is not a district of the districts map ({', '.join(districts['name'])})",
                                 file=label, row=i + 1, field="parent")
            out.append(d)
        return out
    pts = gpd.GeoSeries(units.geometry.representative_point(), crs=units.crs)
    report.derive("each census unit's district = the district holding a point inside it", file=label)
    return district_of(pts, districts, file=label)


def build_area(manifest: dict, out, *, overwrite: bool = False, strict: bool = False,
               site_check=None) -> tuple[list[Path], Report]:
    """Build a study-area folder from a bureau's files (see the module notes).

    Parameters
    ----------
    manifest : dict
        From :func:`gis.bureau.manifest.read_manifest` / :func:`~gis.bureau.manifest.from_flags`.
    out : str or Path
        The folder to create.
    overwrite : bool
        Replace ``out`` when it exists (otherwise that is an error).
    strict : bool
        Warnings are errors.
    site_check : callable, optional
        The planner's one site check, :func:`scenarios.sites.check_sites` (``hedong area init`` passes
        it; this package sits below ``scenarios`` and cannot import it): the 项目库's projects are
        refused, naming the sheet, row and coordinate columns, when farther than the snapping limit
        from every street of the walking network built here. Without it only the boundary is checked.

    Returns
    -------
    (list of Path, Report)
        The files of the folder, and the report (also written as ``report.txt`` / ``report.html``).

    Raises
    ------
    layers.errors.InputError
        Any bad input (file, sheet, row and field named); nothing is written then.
    """
    out = Path(out)
    if out.exists() and not overwrite:
        raise InputError("the folder exists; add --overwrite to replace it", file=out, field="--out")
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder", file=out, field="--out")
    headers = manifest.get("headers", {})
    name = str(manifest.get("name") or out.name)
    synthetic = bool(manifest.get("synthetic", False))
    report = Report(name=name, synthetic=synthetic)
    sources = dict(manifest.get("sources", {}))
    gen = "generated (Hedong Planner worked example, not real)" if synthetic else ""

    # maps
    districts_w = read_units(manifest["districts"], report, headers, "districts")
    crs = local_projected_crs(districts_w)
    districts = districts_w.to_crs(crs)
    districts["district_id"] = _ids(districts)
    check_no_duplicate(districts["district_id"].tolist(), file=manifest["districts"]["file"], field="name",
                       rows=range(1, len(districts) + 1))
    if "boundary" in manifest:
        b = read_units(manifest["boundary"], report, headers, "boundary").to_crs(crs)
        outline = shapely.make_valid(b.geometry.union_all())
    else:
        outline = shapely.make_valid(districts.geometry.union_all())
        report.derive("the boundary is the union of the districts (no [boundary] given)")
    outline = outline.buffer(0) if outline.geom_type not in ("Polygon", "MultiPolygon") else outline
    if "units" in manifest:
        units = read_units(manifest["units"], report, headers, "census units").to_crs(crs)
        units["unit_id"] = _ids(units)
        units["district_id"] = _district_of_units(units, districts, True, report, str(manifest["units"]["file"]))
        unit_label = str(manifest["units"]["file"])
    else:
        units = districts.copy()
        units["unit_id"] = units["district_id"]
        unit_label = str(manifest["districts"]["file"])
    off = [i for i, g in enumerate(units.geometry) if not outline.buffer(1.0).covers(g)]
    if off:
        i = off[0]
        raise InputError(f"unit {units['name'].iloc[i]!r} reaches outside the study-area boundary", file=unit_label,
                         row=i + 1, field="geometry")

    # census
    c = manifest["census"]
    sheet = read_sheet(c["file"], "census", sheet=c.get("sheet"), headers=headers)
    report.add_sheet(sheet, "census")
    bands, warns = check_bands(sheet.bands, file=sheet.label)
    for w in warns:
        report.warn(w, file=sheet.label)
    pieces, notes = band_pieces(bands)
    for n in notes:
        report.derive(n, file=sheet.label)
    rows = census_units(sheet, units, report, map_label=unit_label)
    if "parent" in sheet.data.columns and "units" in manifest:
        _check_parents(sheet, rows, units, districts, report)
    band_counts, totals = _census_counts(sheet, bands, rows, report)
    piece_counts = np.vstack([split_unit(bc, pieces) for bc in band_counts]) if len(band_counts) else \
        np.zeros((0, len(pieces)), dtype=np.int64)
    for cohort, (lo, hi) in cohort_ranges().items():
        ks = [f"{p.lo}-{p.hi}" if p.hi is not None else f"{p.lo}+" for p in pieces
              if p.lo >= lo and (hi is None or (p.hi is not None and p.hi <= hi))]
        report.derive(f"{cohort} = ages {', '.join(ks)} of the bands")

    # streets and the weights of the spreading
    s = manifest["streets"]
    ext = read_extract(s["file"], crs)
    margin = float(s.get("margin_m", DEFAULT_MARGIN_M))
    full_nodes = ext["walk"].number_of_nodes()
    walk = cut_graph(ext["walk"], outline, margin)
    bike = cut_graph(ext["bike"], outline, margin) if ext["bike"] is not None else None
    report.add_file(str(s["file"]), "streets", int(ext["report"]["ways"]),
                    mapping={"walk nodes kept": f"{walk.number_of_nodes()} of {full_nodes} (boundary + {margin:g} m)"})
    floor = residential_floor_area(ext["buildings"], crs, ext["landuse"]) if len(ext["buildings"]) else None
    landuse = ext["landuse"].to_crs(crs) if len(ext["landuse"]) else None
    cell_size = float(manifest.get("cell_size", CELL_SIZE))
    cells = unit_cells(units, cell_size)
    weights = cell_weights(cells, floor_points=floor, landuse=landuse, streets=street_lines(walk))
    band_labels = ["band_" + b.label().replace("-", "_").replace("+", "_plus") for b in bands]
    population, rules = spread_units(units, pieces, piece_counts, totals, weights=weights, cells=cells,
                                     band_labels=band_labels)
    population["source"] = gen or sources.get("population", f"census sheet {Path(c['file']).name}, spread by "
                                                             f"gis.bureau.spread")
    for u, rule in enumerate(rules):
        report.derive(f"unit {units['name'].iloc[u]!r}: people spread by {rule}", file=unit_label,
                      field=units["unit_id"].iloc[u])
    report.figures.update({"population": int(population["pop_total"].sum()), "cells": len(population),
                           "crs": crs})

    # facilities, projects, roster, births
    facs = []
    for k, entry in enumerate(manifest.get("facilities", [])):
        sh = read_sheet(entry["file"], "facilities", sheet=entry.get("sheet"), headers=headers)
        report.add_sheet(sh, "facilities")
        facs.append(facilities_from_sheet(sh, coords=entry.get("coords", "wgs84"), crs=crs, outline=outline,
                                          report=report, prefix=entry.get("id_prefix", f"F{k + 1}-"),
                                          source=gen or sources.get("facilities", f"{Path(entry['file']).name}")))
    facilities = pd.concat(facs, ignore_index=True) if facs else empty_layer("facilities", crs)
    facilities = gpd.GeoDataFrame(facilities, geometry="geometry", crs=crs)
    for col in ("ownership", "puhui"):
        if col in facilities.columns:
            facilities[col] = facilities[col].where(facilities[col].notna(), None)
    check_no_duplicate(facilities["facility_id"].astype(str).tolist(), file="facility lists", field="facility_id",
                       rows=range(1, len(facilities) + 1))
    def sheet_of(key: str):
        """The manifest's sheet ``key`` read and recorded, or None when the manifest has none."""
        if key not in manifest:
            return None, None
        e = manifest[key]
        sh = read_sheet(e["file"], key, sheet=e.get("sheet"), headers=headers)
        report.add_sheet(sh, key)
        return sh, e

    sh, e = sheet_of("projects")
    projects = empty_layer("projects", crs) if sh is None else projects_from_sheet(
        sh, coords=e.get("coords", "wgs84"), crs=crs, outline=outline, report=report,
        source=gen or sources.get("projects", Path(e["file"]).name))
    project_sheet = sh  # its rows are named if a project has no street front (below)
    sh, _ = sheet_of("roster")
    enrolment = None if sh is None else enrolment_from_sheet(sh, facilities)
    sh, _ = sheet_of("births")
    births = None if sh is None else births_from_sheet(sh, districts)

    communities = None
    if "units" in manifest:
        pop_by_unit = population.groupby("unit_id")["pop_total"].sum()
        communities = gpd.GeoDataFrame({"community_id": units["unit_id"], "name": units["name"],
                                        "district_id": units["district_id"],
                                        "pop_total": units["unit_id"].map(pop_by_unit).fillna(0.0).astype(float)},
                                       geometry=units.geometry.values, crs=crs)
    facilities["source"] = facilities["source"].astype(str)
    sources = {"population": population["source"].iloc[0] if len(population) else "", "area": "bureau files "
               f"({', '.join(sorted(k for k in manifest if k in ('census', 'facilities', 'roster', 'births', 'projects')))})",
               "network": (f"street extract {Path(s['file']).name}" if synthetic else
                           f"OpenStreetMap extract {Path(s['file']).name} (© OpenStreetMap contributors, ODbL)")
               + f", cut to the boundary + {margin:g} m", **sources}
    if synthetic:
        sources = {k: f"{gen}: {v}" if not str(v).lower().startswith("generated") else v for k, v in sources.items()}
    report.figures.update({"facilities": len(facilities), "projects": len(projects),
                           "enrolment_rows": 0 if enrolment is None else len(enrolment),
                           "births_rows": 0 if births is None else len(births)})
    report.raise_if_strict(strict)

    # every layer through the one validator before it is written (the folder's load checks again)
    layers = {"boundary": gpd.GeoDataFrame({"name": [name]}, geometry=[outline], crs=crs),
              "districts": districts[["district_id", "name", "geometry"]], "population": population,
              "facilities": facilities, "projects": projects}
    if communities is not None:
        layers["communities"] = communities
    checked = validate_layers(layers, crs, where=lambda n: f"the {n} built from the bureau's files",
                              default_source=gen)
    area = StudyArea(name=name, crs=crs, boundary=checked["boundary"], districts=checked["districts"],
                     population=checked["population"], facilities=checked["facilities"],
                     projects=checked["projects"], graph=walk, bike_graph=bike, synthetic=synthetic,
                     sources=sources, cell_size=cell_size, births=births,
                     communities=checked.get("communities", communities))
    if site_check is not None and project_sheet is not None and len(projects):
        # the one site check of every path that places a school (scenarios.sites): the boundary was
        # checked row by row above; here a street front on the walking network just built
        site_check(area, projects.geometry, file=project_sheet.label, what="project",
                    labels=projects["project_id"].astype(str).tolist(), rows=list(project_sheet.data.index),
                    field=f"{project_sheet.mapping['lon']}/{project_sheet.mapping['lat']}")
    return _write(area, out, overwrite=overwrite, enrolment=enrolment, report=report)


def _write(area: StudyArea, out: Path, *, overwrite: bool, enrolment, report: Report) -> tuple[list[Path], Report]:
    """Write the folder into a temp folder next to ``out``, load it back, then move it into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    old = None
    try:
        export_area(area, tmp)
        if enrolment is not None:
            write_data_csv_atomic(enrolment, tmp / ENROLMENT_NAME)  # data the loader reads back: verbatim
        # every layer through the one validator: a folder that would not load is never put in place
        back = load_folder(tmp)
        report.figures["network_nodes"] = back.graph.number_of_nodes()
        write_text_atomic(tmp / REPORT_NAMES[0], report.to_text())
        write_text_atomic(tmp / REPORT_NAMES[1], report.to_html())
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)
    except BaseException:
        if old is not None and not out.exists():  # put the old folder back
            os.replace(old / out.name, out)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    with contextlib.suppress(OSError):
        shutil.rmtree(tmp)
    return sorted(p for p in out.iterdir() if p.is_file()), report
