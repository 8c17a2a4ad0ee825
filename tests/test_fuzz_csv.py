"""Fuzzing the CSV loaders of gis.layer_io (facilities, projects, population).

Property: a CSV either loads with every data row present, in order, or raises InputError naming
the file (and a row within the data / a field); never any other exception.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_strategies import (BOUNDARY, CRS, DELIMITERS, ENCODINGS, LAT0, LAT1, LON0, LON1, check_input_error,
                             encode_csv, fresh_dir, fuzz_settings, table)
from layers.errors import InputError
from gis.layer_io import load_layer
from layers.families import TYPE_CAPACITY
from layers.schema import COHORTS, FAMILIES, FAMILY_CAPACITY, PROJECT_TYPES, SUBTYPES

# Hypothesis fuzzing runs thousands of cases: the full suite (CI) runs it, the fast loop does not.
pytestmark = pytest.mark.slow

KINDS = ("facilities", "projects", "population")
ID_COL = {"facilities": "facility_id", "projects": "project_id", "population": "cell_id"}
#: Encodings whose text the loader reads back unchanged (the others may load as mojibake).
FAITHFUL = {"utf-8", "utf-8-sig", "gbk", "gb18030"}


def _load(data: bytes, kind: str, suffix: str = ".csv", boundary=BOUNDARY):
    p = fresh_dir() / f"in{suffix}"
    p.write_bytes(data)
    return p, load_layer(p, kind, crs=CRS, boundary=boundary)


def _check(data: bytes, kind: str, cols, rows, encoding: str, boundary=BOUNDARY):
    try:
        p = fresh_dir() / f"{kind}.csv"
        p.write_bytes(data)
        out = load_layer(p, kind, crs=CRS, boundary=boundary)
    except InputError as e:
        check_input_error(e, p, len(rows))
        return None
    # Loaded: no silent drops, no invented rows, same order.
    assert len(out) == len(rows), f"{len(rows)} rows in the file, {len(out)} loaded"
    assert str(out.crs) == CRS
    assert out.geometry.geom_type.eq("Point").all()
    if encoding in FAITHFUL and ID_COL[kind] in cols:
        i = cols.index(ID_COL[kind])
        expected = [r[i].strip() if i < len(r) else "" for r in rows]
        assert list(out[ID_COL[kind]]) == expected
    return out


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(400)
@given(data=st.data())
def test_fuzz_csv_tables(kind, data):
    """Random tables (garbage cells, missing / renamed / extra columns, ragged rows, duplicate ids,
    coordinates swapped or outside), any delimiter, encodings GBK / UTF-8-BOM / UTF-16 / latin-1 ..."""
    cols, header, rows = data.draw(table(kind), label="table")
    delim = data.draw(st.sampled_from(DELIMITERS), label="delimiter")
    enc = data.draw(st.sampled_from(ENCODINGS), label="encoding")
    eol = data.draw(st.sampled_from(["\n", "\r\n"]), label="eol")
    raw = encode_csv(header, rows, delim, enc, eol)
    if raw is None:  # text not representable in that encoding: write it as UTF-8 instead
        enc, raw = "utf-8", encode_csv(header, rows, delim, "utf-8", eol)
    _check(raw, kind, cols, rows, enc)


# ----------------------------------------------------------------------------- valid data must load

_name = st.text(st.characters(whitelist_categories=("L", "N"), max_codepoint=0x9FFF), max_size=8)
_lon = st.floats(LON0 + 1e-4, LON1 - 1e-4)
_lat = st.floats(LAT0 + 1e-4, LAT1 - 1e-4)


@st.composite
def valid_rows(draw, kind):
    n = draw(st.integers(1, 8))
    idv = draw(st.lists(st.text("abcXYZ0123456789-_", min_size=1, max_size=6), min_size=n, max_size=n, unique=True))
    rows = []
    for i in range(n):
        r = {ID_COL[kind]: idv[i], "lon": repr(draw(_lon)), "lat": repr(draw(_lat))}
        if kind == "facilities":
            fam = draw(st.sampled_from(FAMILIES))
            r.update(name=draw(_name), family=fam, subtype=draw(st.sampled_from(SUBTYPES[fam])))
            for c in FAMILY_CAPACITY[fam]:
                r[c] = str(draw(st.integers(0, 3000)))
        elif kind == "projects":
            t = draw(st.sampled_from(list(PROJECT_TYPES)))
            r.update(name=draw(_name), type=t, open_year=str(draw(st.integers(2021, 2035))),
                     seats_primary="0", seats_junior="0", places_kindergarten="0")
            # seats only in a column the type carries (a junior school has no primary seats)
            r[TYPE_CAPACITY[t][0]] = str(draw(st.integers(0, 3000)))
        else:
            r.update(district_id=draw(st.sampled_from(["D1", "D2"])), pop_total=str(draw(st.integers(0, 900))),
                     **{c: repr(draw(st.floats(0, 100))) for c in COHORTS})
        rows.append(r)
    return rows


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(100)
@given(data=st.data())
def test_valid_csv_always_loads(kind, data):
    """Well-formed files in every supported encoding / delimiter load completely and faithfully."""
    rows = data.draw(valid_rows(kind), label="rows")
    cols = list(dict.fromkeys(k for r in rows for k in r))
    cols = data.draw(st.permutations(cols), label="column order")
    table_rows = [[r.get(c, "") for c in cols] for r in rows]
    delim = data.draw(st.sampled_from(DELIMITERS), label="delimiter")
    enc = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk"]), label="encoding")
    raw = encode_csv(cols, table_rows, delim, enc)
    if raw is None:
        enc, raw = "utf-8", encode_csv(cols, table_rows, delim, "utf-8")
    p = fresh_dir() / f"{kind}.csv"
    p.write_bytes(raw)
    out = load_layer(p, kind, crs=CRS, boundary=BOUNDARY)  # must not raise
    assert list(out[ID_COL[kind]]) == [r[ID_COL[kind]] for r in rows]
    assert out.attrs["delimiter"] == delim
    back = out.to_crs(4326)
    for g, r in zip(back.geometry, rows):
        assert math.isclose(g.x, float(r["lon"]), abs_tol=1e-7) and math.isclose(g.y, float(r["lat"]), abs_tol=1e-7)
    if kind == "projects":
        assert list(out["open_year"]) == [int(r["open_year"]) for r in rows]


# ----------------------------------------------------------------------------- corner cases, named

GOOD = ("facility_id,family,lon,lat\nF1,school,111.0,35.03\n")


CORNER_CASES = [
    b"", b"   \n\n", b"\xef\xbb\xbf", b"\xff\xfe", "\ufeff".encode("utf-16"),
    b"facility_id,family,lon,lat\n",                       # header only
    b"facility_id,family,lon,lat\r\n\r\n",                 # header and blank lines
    b"\x00\x00\x00\x00", bytes(range(256)), b"\x89PNG\r\n\x1a\n\x00\x00",
    GOOD.encode("utf-16"), GOOD.encode("utf-16-le"), GOOD.encode("utf-32"),
    GOOD.replace(",", " ").encode(),                       # space-delimited: no column found
    b'facility_id,family,lon,lat\n"F1,school,111.0,35.03\n',  # unterminated quote
    b"facility_id,family,lon,lat\nF1,school,111.0,35.03,extra\nF2,school,111.0,35.03\n",
    b"facility_id,family,lon,lat\nF1,school,111.0,35.03\nF2,school,111.0,35.03,extra\n",
    b"facility_id,family,lon,lat\nF1,school,111.0\n",
    b"facility_id,family,lon,lat\nF1,school,35.03,111.0\n",  # swapped
    b"facility_id,family,lon,lat\nF1,school,500000,3876000\n",  # metres
    b"facility_id,family,lon,lat\nF1,school,111.0,35.03\nF1,school,111.0,35.03\n",  # duplicate id
    b"facility_id,family,lon,lat\nF1,school,1e400,35.03\n",
    b"facility_id,family,lon,lat,seats_primary\nF1,school,111.0,35.03,1e400\n",
    b"facility_id,family,lon,lat,seats_primary\nF1,school,111.0,35.03,-1\n",
    b"facility_id,family,lon,lat,seats_primary\nF1,school,111.0,35.03," + b"9" * 5000 + b"\n",
    b"lon,lat\n111.0,35.03\n",                             # missing id and family
    b"facility_id;family;lon;lat\nF1;school;111,0;35,03\n",  # decimal commas
    b"facility_id,family,lon,lat\nF1,school,111.0,35.03\n" * 3,  # header repeated as data
    ("facility_id,family,lon,lat\n" + "".join(f"F{i},school,111.0,35.03\n" for i in range(3000))).encode(),
]


@pytest.mark.parametrize("content", CORNER_CASES, ids=[f"case{i}" for i in range(len(CORNER_CASES))])
def test_csv_corner_cases(content):
    p = fresh_dir() / "facilities.csv"
    p.write_bytes(content)
    try:
        out = load_layer(p, "facilities", crs=CRS, boundary=BOUNDARY)
    except InputError as e:
        check_input_error(e, p)
        return
    n_data = sum(1 for line in content.decode("utf-8", "replace").splitlines()[1:] if line.strip())
    assert len(out) == n_data


def test_header_only_is_empty_layer_or_error():
    p = fresh_dir() / "facilities.csv"
    p.write_text("facility_id,family,lon,lat\n")
    try:
        out = load_layer(p, "facilities", crs=CRS, boundary=BOUNDARY)
    except InputError as e:
        check_input_error(e, p)
    else:
        assert len(out) == 0


def test_wrong_suffix_and_missing_file():
    d = fresh_dir()
    for name in ("facilities.xlsx", "facilities"):
        p = d / name
        p.write_text(GOOD)
        with pytest.raises(InputError) as ei:
            load_layer(p, "facilities", crs=CRS)
        check_input_error(ei.value, p)
    with pytest.raises(InputError) as ei:
        load_layer(d / "nope.csv", "facilities", crs=CRS)
    check_input_error(ei.value, d / "nope.csv")
    with pytest.raises(InputError) as ei:
        load_layer(d / "facilities", "facilities", crs=CRS, coords="mars")
    assert ei.value.field == "coords"
