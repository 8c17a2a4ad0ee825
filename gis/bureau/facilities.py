"""A bureau's lists as planner layers: facilities (schools, kindergartens, clinics, care homes),
projects (项目库), the pupil roster (学籍, -> ``enrolment.csv``) and births (-> ``births.csv``).

Coordinates come in WGS84, GCJ-02 (Amap, Tencent) or BD-09 (Baidu), converted with
:mod:`gis.crs`; a point outside the study-area boundary is refused naming its sheet and row, and
says which coordinate system it was read in (a list in BD-09 read as GCJ-02 lands ~1 km off).

Capacities by type: a primary school's 学位数 are primary seats, a junior school's junior seats,
a kindergarten's places; a nine-year school (九年一贯制) takes 小学学位 / 初中学位 when the list has
them, else its 学位数 split 6 : 3 by grades (named in the report); a complete middle school
(完全中学) counts its 初中学位 (or, without that column, all its 学位数, with a warning: they may
include senior-high seats). Clinics and care homes take 床位数. 班级数 and 在校生数 are kept as
``classes`` and ``pupils`` columns (a school's pupils now; the roster gives them by grade).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.bureau.report import Report
from gis.bureau.spread import largest_remainder
from gis.bureau.tables import Sheet, is_blank, text, whole_number, year_number
from gis.crs import COORD_SYSTEMS, WGS84, to_wgs84
from gis.layer_io import parse_coordinate
from layers.errors import InputError
from layers.headers import GRADE_LEVEL, GRADES, OWNERSHIP_WORDS, TYPE_WORDS, norm_grade, norm_type
from layers.families import SCHOOL_LEVELS, classes_column, main_level, type_capacity
from layers.schema import FACILITY_ATTRIBUTES

__all__ = ["sheet_points", "facilities_from_sheet", "projects_from_sheet", "enrolment_from_sheet",
           "births_from_sheet", "LEVELS_OF"]

#: Family / subtype -> the levels of the roster's grades it teaches (the registry's, kept live).
LEVELS_OF = SCHOOL_LEVELS
#: Primary : junior grades of a nine-year school (6 + 3), how its 学位数 are split without the two columns.
NINE_YEAR_SPLIT = (6, 3)


def sheet_points(sheet: Sheet, coords: str, crs: str, outline) -> gpd.GeoSeries:
    """The rows' points, converted from ``coords`` to WGS84 and projected to ``crs``, each checked to
    lie in ``outline`` (1 m tolerance, as every other path).

    Raises
    ------
    layers.errors.InputError
        A missing or non-numeric coordinate, an unknown ``coords``, a point outside the boundary
        (naming the sheet and the spreadsheet row; hints at swapped 经度 / 纬度).
    """
    c = str(coords).lower().replace("-", "").replace("_", "")
    if c not in COORD_SYSTEMS:
        raise InputError(f"unknown coordinate system {coords!r}: use one of {', '.join(COORD_SYSTEMS)}",
                         file=sheet.label, field="coords")
    lon = np.array([parse_coordinate(v, file=sheet.label, row=r, field=sheet.mapping["lon"])
                    for r, v in zip(sheet.data.index, sheet.data["lon"])], dtype=float)
    lat = np.array([parse_coordinate(v, file=sheet.label, row=r, field=sheet.mapping["lat"])
                    for r, v in zip(sheet.data.index, sheet.data["lat"])], dtype=float)
    for arr, fld, lim in ((lon, "lon", 180), (lat, "lat", 90)):
        bad = np.flatnonzero(np.abs(arr) > lim)
        if len(bad):
            i = int(bad[0])
            raise InputError(f"{arr[i]} is not a {'longitude' if fld == 'lon' else 'latitude'} (|value| <= {lim})",
                             file=sheet.label, row=int(sheet.data.index[i]), field=sheet.mapping[fld])
    x, y = to_wgs84(lon, lat, c)
    pts = gpd.GeoSeries(gpd.points_from_xy(np.atleast_1d(x), np.atleast_1d(y)), crs=WGS84).to_crs(crs)
    inside = shapely.dwithin(pts.to_numpy(), outline, 1.0)
    for i in np.flatnonzero(~inside):
        sx, sy = to_wgs84(lat[i], lon[i], c)
        swapped = gpd.GeoSeries(gpd.points_from_xy([sx], [sy]), crs=WGS84).to_crs(crs).iloc[0] \
            if abs(lon[i]) <= 90 else None
        hint = "; 经度 and 纬度 look swapped" if swapped is not None and outline.covers(swapped) else ""
        d = outline.distance(pts.iloc[i])
        raise InputError(f"location ({lon[i]:.6f}, {lat[i]:.6f}) read as {c.upper()} lies {d:,.0f} m outside the "
                         f"study-area boundary{hint}; correct it or remove the row", file=sheet.label,
                         row=int(sheet.data.index[i]), field=f"{sheet.mapping['lon']}/{sheet.mapping['lat']}")
    return pts.set_axis(sheet.data.index)


def _type_of(sheet: Sheet, r, v, allowed=None) -> tuple[str, str]:
    ft = norm_type(v)
    if ft is None or (allowed is not None and ft[1] not in allowed):
        words = [w for w, t in TYPE_WORDS.items() if allowed is None or t[1] in allowed and not w.isascii()]
        raise InputError(f"unknown type {text(v)!r}: write one of {', '.join(words[:14])}", file=sheet.label, row=r,
                         field=sheet.mapping["type"])
    return ft


def _seats(sheet: Sheet, r, row, family: str, subtype: str, report: Report) -> dict:
    """Capacity columns of one row by its type (the module's rules); report what was derived."""
    L = sheet.label
    get = lambda f: whole_number(row.get(f), file=L, row=r, field=sheet.mapping.get(f, f), default=0)  # noqa: E731
    has = lambda f: f in row.index and not is_blank(row.get(f))  # noqa: E731
    seats = get("seats") if has("seats") else None
    cap = {}
    if subtype == "nine_year":
        cols = type_capacity(subtype)  # its primary and junior seat columns, from the registry
        if any(has(c) for c in cols):
            cap = {c: get(c) for c in cols}
        elif seats is not None:
            p, j = largest_remainder(seats, NINE_YEAR_SPLIT)
            cap = dict(zip(cols, (int(p), int(j))))
            report.derive(f"nine-year school: {seats} 学位 split {p} primary / {j} junior by grades (6 : 3)",
                          file=L, row=r, field=sheet.mapping.get("seats"))
    elif subtype in ("primary", "junior"):
        (own,) = type_capacity(subtype)
        cap = {own: get(own) if has(own) else seats} if (has(own) or seats is not None) else {}
    elif subtype == "complete":
        if has("seats_junior"):
            cap = {"seats_junior": get("seats_junior")}
        elif seats is not None:
            cap = {"seats_junior": seats}
            report.warn("complete middle school without 初中学位: all its 学位数 counted as junior seats (they may "
                        "include senior-high seats); add a 初中学位 column", file=L, row=r,
                        field=sheet.mapping.get("seats"))
    elif family == "kindergarten":
        cap = {"places_kindergarten": seats} if seats is not None else {}
    elif family == "childcare":
        cap = {"places_childcare": seats} if seats is not None else {}
    elif family in ("clinic", "elderly_care"):
        cap = {"beds": get("beds")} if has("beds") else {}
    if not cap or all(v is None for v in cap.values()):
        what = "床位数" if family in ("clinic", "elderly_care") else "学位数"
        report.warn(f"no {what}: the site counts with capacity 0", file=L, row=r, field=what)
        cap = {}
    return {k: float(v) for k, v in cap.items() if v is not None}


def _ids(sheet: Sheet, prefix: str, field: str = "code") -> list[str]:
    if field in sheet.data.columns:
        ids = [text(v) for v in sheet.data[field]]
        for r, v in zip(sheet.data.index, ids):
            if not v:
                raise InputError("empty code; every row needs one (or drop the column to number rows)",
                                 file=sheet.label, row=r, field=sheet.mapping[field])
        return ids
    return [f"{prefix}{r}" for r in sheet.data.index]  # the spreadsheet row: findable by hand


def facilities_from_sheet(sheet: Sheet, *, coords: str, crs: str, outline, report: Report, prefix: str,
                          source: str) -> gpd.GeoDataFrame:
    """Facility rows (the columns :func:`layers.validate.validate_layer` checks) from a facility list.

    ``facility_id`` is the list's code column (学校代码) when it has one, else ``prefix`` + the
    spreadsheet row. Extra columns: ``address``, ``classes``, ``pupils``, ``school_ownership``
    (办学性质 of a school: the facility ``ownership`` column is for kindergartens, childcare and care).
    """
    pts = sheet_points(sheet, coords, crs, outline)
    if coords.lower().replace("-", "") != "wgs84":
        report.derive(f"{len(pts)} points converted from {coords.upper()} to WGS84 (gis.crs)", file=sheet.label)
    ids = _ids(sheet, prefix)
    rows = []
    for (r, row), fid in zip(sheet.data.iterrows(), ids):
        fam, sub = _type_of(sheet, r, row["type"])
        own_word = text(row.get("ownership")) if "ownership" in row.index else ""
        own = next((v for w, v in OWNERSHIP_WORDS.items() if w in own_word.lower()), "") if own_word else ""
        if own_word and not own:
            report.warn(f"办学性质 {own_word!r} is neither 公办 nor 民办: left empty", file=sheet.label, row=r,
                        field=sheet.mapping.get("ownership"))
        rec = {"facility_id": fid, "name": text(row["name"]), "family": fam, "subtype": sub,
               **_seats(sheet, r, row, fam, sub, report), "source": source,
               "address": text(row.get("address")) if "address" in row.index else "",
               "classes": whole_number(row.get("classes"), file=sheet.label, row=r, field=sheet.mapping.get("classes"),
                                       default=0) if "classes" in row.index else 0,
               "pupils": whole_number(row.get("pupils"), file=sheet.label, row=r, field=sheet.mapping.get("pupils"),
                                      default=0) if "pupils" in row.index else 0}
        if fam in FACILITY_ATTRIBUTES["ownership"]["families"]:
            rec["ownership"] = own
            if "puhui" in row.index and not is_blank(row.get("puhui")):
                rec["puhui"] = text(row["puhui"])
        else:
            rec["school_ownership"] = own
        if not rec["name"]:
            raise InputError("empty name", file=sheet.label, row=r, field=sheet.mapping["name"])
        rows.append(rec)
    df = pd.DataFrame(rows)
    return gpd.GeoDataFrame(df, geometry=pts.to_numpy(), crs=crs)


def projects_from_sheet(sheet: Sheet, *, coords: str, crs: str, outline, report: Report,
                        source: str) -> gpd.GeoDataFrame:
    """Project rows from a 项目库 sheet: ``project_id``, ``name``, ``type`` (primary / junior / nine_year /
    complete / kindergarten), seats by type, ``build_year`` (拟建: construction starts), ``open_year``
    when the sheet gives it (else the validator sets ``build_year`` + 1), ``classes_<level>``."""
    pts = sheet_points(sheet, coords, crs, outline)
    ids = _ids(sheet, "P")
    rows = []
    for (r, row), pid in zip(sheet.data.iterrows(), ids):
        fam, sub = _type_of(sheet, r, row["type"], allowed=tuple(LEVELS_OF))
        cap = _seats(sheet, r, row, fam, sub, report)
        rec = {"project_id": pid, "name": text(row["name"]), "type": sub, "source": source,
               **{k: int(v) for k, v in cap.items()},
               "build_year": year_number(row["build_year"], file=sheet.label, row=r, field=sheet.mapping["build_year"])}
        if "open_year" in row.index and not is_blank(row.get("open_year")):
            rec["open_year"] = year_number(row["open_year"], file=sheet.label, row=r, field=sheet.mapping["open_year"])
        if "classes" in row.index and not is_blank(row.get("classes")) and sub != "nine_year":
            rec[classes_column(main_level(sub))] = whole_number(row["classes"], file=sheet.label, row=r,
                                                   field=sheet.mapping["classes"])
        rows.append(rec)
    df = pd.DataFrame(rows)
    if "open_year" in df.columns:
        df["open_year"] = df["open_year"].fillna(df["build_year"] + 1).astype(int)
        report.derive("open_year = build_year (拟建) + 1 where the sheet gives none", file=sheet.label)
    else:
        report.derive("open_year = build_year (拟建) + 1: pupils arrive the September after a year of building",
                      file=sheet.label)
    return gpd.GeoDataFrame(df, geometry=pts.to_numpy(), crs=crs)


def _lookup(facilities: pd.DataFrame) -> dict:
    """School code and name -> facility_id (a name two schools share is no key)."""
    by = {}
    names = facilities["name"].astype(str)
    dup = set(names[names.duplicated()])
    for fid, name in zip(facilities["facility_id"].astype(str), names):
        by[fid] = fid
        if name not in dup:
            by[name] = fid
            by["".join(name.split())] = fid
    return by


def enrolment_from_sheet(sheet: Sheet, facilities: pd.DataFrame) -> pd.DataFrame:
    """``enrolment.csv`` rows (``school_id, year, grade, pupils``) from a roster sheet.

    The school is matched by its code (facility_id) or its name in the facility lists; the grade
    (小班 / 一年级 / 初一 / 七年级 / 7 ...) must be one the school teaches.

    Raises
    ------
    layers.errors.InputError
        A school in no facility list, an unknown grade, a grade the school does not teach, a
        pupil count that is not a whole number, a school, year and grade given twice.
    """
    L = sheet.label
    by = _lookup(facilities)
    sub_of = dict(zip(facilities["facility_id"].astype(str), facilities["subtype"].astype(str)))
    out, seen = [], {}
    for r, row in sheet.data.iterrows():
        key = text(row["school"])
        fid = by.get(key) or by.get("".join(key.split()))
        if fid is None:
            raise InputError(f"school {key!r} is in no facility list (match by 学校名称 or 学校代码)", file=L, row=r,
                             field=sheet.mapping["school"])
        g = norm_grade(row["grade"])
        if g is None:
            raise InputError(f"unknown grade {text(row['grade'])!r}: write 小班/中班/大班, 一年级..六年级, 七年级..九年级 "
                             f"(or {', '.join(GRADES)})", file=L, row=r, field=sheet.mapping["grade"])
        if GRADE_LEVEL[g] not in LEVELS_OF.get(sub_of[fid], ()):
            raise InputError(f"grade {g} ({GRADE_LEVEL[g]}) is not taught at {key!r} ({sub_of[fid]})", file=L, row=r,
                             field=sheet.mapping["grade"])
        y = year_number(row["year"], file=L, row=r, field=sheet.mapping["year"])
        if (fid, y, g) in seen:
            raise InputError(f"{key!r} {y} grade {g} appears twice (also in row {seen[(fid, y, g)]})", file=L, row=r,
                             field=sheet.mapping["grade"])
        seen[(fid, y, g)] = r
        out.append({"school_id": fid, "year": y, "grade": g,
                    "pupils": whole_number(row["pupils"], file=L, row=r, field=sheet.mapping["pupils"])})
    df = pd.DataFrame(out, columns=["school_id", "year", "grade", "pupils"])
    order = {g: i for i, g in enumerate(GRADES)}
    return df.sort_values(["school_id", "year", "grade"], key=lambda s: s.map(order) if s.name == "grade" else s,
                          kind="stable").reset_index(drop=True)


def births_from_sheet(sheet: Sheet, districts: pd.DataFrame) -> pd.DataFrame:
    """``births.csv`` rows (``district_id, year, births``) from a births sheet by subdistrict (name or code)."""
    L = sheet.label
    by = {}
    for did, name in zip(districts["district_id"].astype(str), districts["name"].astype(str)):
        by[did] = did
        by["".join(name.split())] = did
    out = []
    for r, row in sheet.data.iterrows():
        key = "".join(text(row["unit"]).split())
        did = by.get(key)
        if did is None:
            raise InputError(f"{text(row['unit'])!r} is not a district of the map (districts: "
                             f"{', '.join(districts['name'].astype(str))})", file=L, row=r, field=sheet.mapping["unit"])
        out.append({"district_id": did, "year": year_number(row["year"], file=L, row=r, field=sheet.mapping["year"]),
                    "births": whole_number(row["births"], file=L, row=r, field=sheet.mapping["births"])})
    return pd.DataFrame(out, columns=["district_id", "year", "births"])
