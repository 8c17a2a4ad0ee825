"""Hypothesis strategies and checks shared by the fuzz suites (tests/test_fuzz_*.py).

The property every loader must keep (hardening issue): an input either loads correctly — and
then every input row is in the output, in order — or raises :class:`layers.errors.InputError` whose
one-line message names the file (and the row / field when it gives them). Any other exception
is a bug.

A tiny boundary (about 2 km x 2 km around central Yuncheng) stands in for the study area, so
no demo has to be built.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

import geopandas as gpd
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from shapely.geometry import box

from layers.errors import InputError
from layers.schema import COHORTS, FAMILIES, PROJECT_TYPES, SUBTYPES

CRS = "EPSG:4546"
#: Tiny study area (WGS84): about 1.8 km x 2.2 km in central Yuncheng.
LON0, LAT0, LON1, LAT1 = 110.99, 35.02, 111.01, 35.04
BOUNDARY_WGS84 = gpd.GeoDataFrame({"name": ["tiny"]}, geometry=[box(LON0, LAT0, LON1, LAT1)], crs="EPSG:4326")
BOUNDARY = BOUNDARY_WGS84.to_crs(CRS)

#: Fuzz budgets. HEDONG_FUZZ_SCALE multiplies every budget (e.g. 10 for a nightly soak run); the
#: default 0.5 keeps the fuzzers at about a minute of the README's test command (15-minute budget).
SCALE = float(os.environ.get("HEDONG_FUZZ_SCALE", "0.5"))


def fuzz_settings(n: int, **kw):
    """Hypothesis settings for a fuzz test: ``n`` examples (times HEDONG_FUZZ_SCALE), no deadline."""
    return settings(max_examples=max(1, int(n * SCALE)), deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
                    **kw)


def fresh_dir(prefix: str = "hedong-fuzz-") -> Path:
    """A new temporary folder (hypothesis examples must not share files)."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def check_input_error(e: InputError, path, n_rows: int | None = None) -> None:
    """An InputError must name the file, stay on one line, and give a row within the data."""
    msg = e.one_line()
    assert "\n" not in msg and "\r" not in msg, f"message is not one line: {msg!r}"
    assert str(path) in msg or Path(path).name in msg, f"message does not name the file {path}: {msg!r}"
    assert e.reason, "empty reason"
    if e.row is not None and n_rows is not None and isinstance(e.row, int):
        assert 1 <= e.row <= max(n_rows, 1), f"row {e.row} outside 1..{n_rows}: {msg!r}"


# ----------------------------------------------------------------------------- cell values

_text_alphabet = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00\x85\u2028\u2029")
text = st.text(_text_alphabet, max_size=12)
garbage_number = st.sampled_from(["abc", "NaN", "nan", "inf", "-inf", "Infinity", "1e400", "-5", "-0.5", "", " ",
                                  "1,200", "12abc", "0x10", "１２", "9" * 400, "1e308", "None", "null", "--"])
good_count = st.one_of(st.integers(0, 5000).map(str), st.floats(0, 1e6, allow_nan=False).map(repr),
                       st.just("0"), st.just(" 12 "), st.just("1e3"))
count = st.one_of(good_count, good_count, good_count, garbage_number)
inside_lon = st.floats(LON0 + 1e-4, LON1 - 1e-4)
inside_lat = st.floats(LAT0 + 1e-4, LAT1 - 1e-4)
bad_coord = st.one_of(garbage_number, st.floats(allow_nan=True, allow_infinity=True).map(repr),
                      st.sampled_from(["500000.0", "3870000", "181", "-91", "35.03", "111.0", "0", "90", "-180"]))


@st.composite
def lonlat(draw):
    """(lon, lat) cells: mostly inside the tiny area, sometimes swapped, outside or garbage."""
    kind = draw(st.sampled_from(["in", "in", "in", "in", "swapped", "outside", "bad_lon", "bad_lat"]))
    lon, lat = draw(inside_lon), draw(inside_lat)
    if kind == "swapped":
        return repr(lat), repr(lon)
    if kind == "outside":
        return repr(draw(st.floats(-180, 180))), repr(draw(st.floats(-90, 90)))
    if kind == "bad_lon":
        return draw(bad_coord), repr(lat)
    if kind == "bad_lat":
        return repr(lon), draw(bad_coord)
    return repr(lon), repr(lat)


ids = st.one_of(st.sampled_from(["A", "B", "C", "12", "12.0", " A ", "", "nan", "设施1"]), text)
family = st.one_of(st.sampled_from(FAMILIES), st.sampled_from(["学校", "幼儿园", "School", "KINDERGARTEN", "hospital",
                                                                "", "unknown", "Fitness"]), text)
subtype = st.one_of(st.sampled_from([s for v in SUBTYPES.values() for s in v]), st.just(""), text)
ptype = st.one_of(st.sampled_from(list(PROJECT_TYPES)), st.sampled_from(["小学", "", "high_school", "Primary"]), text)
year = st.one_of(st.integers(1990, 2110).map(str), st.sampled_from(["2025.0", "2025.5", "", "next year", "inf", "1e9"]))

#: Value strategy of every column, per layer (lon / lat are added by the row builder).
COLUMNS = {
    "facilities": {"facility_id": ids, "name": text, "family": family, "subtype": subtype,
                   "seats_primary": count, "seats_junior": count, "places_kindergarten": count, "beds": count,
                   "area_m2": count, "source": text},
    "projects": {"project_id": ids, "name": text, "type": ptype, "seats_primary": count, "seats_junior": count,
                 "places_kindergarten": count, "open_year": year, "source": text},
    "population": {"cell_id": ids, "district_id": st.sampled_from(["D1", "D2", "", "140802001"]),
                   "pop_total": count, **{c: count for c in COHORTS}},
}
#: Alternative header names the loaders accept for some columns.
HEADER_ALIASES = {"facility_id": ["id", "设施编号", "FACILITY_ID"], "project_id": ["id", "项目编号"],
                  "cell_id": ["id"], "pop_total": ["population", "人口"], "family": ["类别", "category"],
                  "lon": ["lng", "经度", "Longitude", "x"], "lat": ["纬度", "Latitude", "y"]}


#: Value strategies of a clean row (then only the geometry or structure may be at fault).
_zero = st.sampled_from(["0", "", " 0 "])
CLEAN = {
    "facilities": {"name": text, "family": st.sampled_from(FAMILIES), "subtype": st.just(""),
                   "seats_primary": _zero, "seats_junior": _zero, "places_kindergarten": _zero, "beds": _zero,
                   "area_m2": _zero, "source": text},
    "projects": {"name": text, "type": st.sampled_from(list(PROJECT_TYPES)), "seats_primary": _zero,
                 "seats_junior": _zero, "places_kindergarten": _zero,
                 "open_year": st.integers(2021, 2035).map(str), "source": text},
    "population": {"district_id": st.sampled_from(["D1", "D2"]), "pop_total": good_count,
                   **{c: good_count for c in COHORTS}},
}


def clean_value(draw, kind: str, col: str, i: int):
    """A valid cell of ``col`` in row ``i`` (ids unique per row)."""
    if col in ("facility_id", "project_id", "cell_id"):
        return f"id{i}"
    return draw(CLEAN[kind][col])


@st.composite
def table(draw, kind: str, max_rows: int = 6):
    """(cols, header, rows) for a layer: columns shuffled, sometimes renamed / dropped / extra.

    ``cols`` are the schema names of the header cells (``__extra__`` for an extra column)."""
    cols = list(COLUMNS[kind]) + ["lon", "lat"]
    cols = draw(st.permutations(cols))
    # Drop a column now and then (required ones included: that must be an InputError).
    if draw(st.integers(0, 4)) == 0:
        cols = [c for c in cols if c != draw(st.sampled_from(cols))]
    header = []
    for c in cols:
        if c in HEADER_ALIASES and draw(st.integers(0, 5)) == 0:
            header.append(draw(st.sampled_from(HEADER_ALIASES[c])))
        else:
            header.append(c)
    if draw(st.integers(0, 8)) == 0:
        header.append(draw(st.sampled_from(["extra", "备注", "lon", "", "Unnamed: 0"])))
        cols.append("__extra__")
    n = draw(st.integers(0, max_rows))
    clean = draw(st.integers(0, 2)) == 0  # a third of the tables: valid cells, so loads are exercised too
    rows = []
    for i in range(n):
        lon, lat = (repr(draw(inside_lon)), repr(draw(inside_lat))) if clean and draw(st.integers(0, 9)) \
            else draw(lonlat())
        row = []
        for c in cols:
            if c == "lon":
                row.append(lon)
            elif c == "lat":
                row.append(lat)
            elif c == "__extra__":
                row.append(draw(text))
            elif clean:
                row.append(clean_value(draw, kind, c, i))
            else:
                row.append(draw(COLUMNS[kind][c]))
        rows.append(row)
    # A ragged row now and then (too few / too many fields).
    if rows and draw(st.integers(0, 10)) == 0:
        i = draw(st.integers(0, len(rows) - 1))
        rows[i] = rows[i][:-1] if draw(st.booleans()) else rows[i] + ["surplus"]
    return cols, header, rows


ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le", "latin-1", "cp1252", "big5")
DELIMITERS = (",", ";", "\t", "|")


def encode_csv(header, rows, delimiter=",", encoding="utf-8", line_end="\n") -> bytes | None:
    """The CSV bytes, or None if the text cannot be encoded in ``encoding``."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=line_end)
    w.writerow(header)
    w.writerows(rows)
    try:
        return buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return None
