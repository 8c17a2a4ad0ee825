"""Validation of user layers, table-driven: one function checks any frame against a column spec.

Each layer (boundary, districts, population, facilities, projects) is described once by a tuple
of :class:`Column` records in :data:`SPECS`; :func:`validate_frame` checks attributes and
:func:`validate_geometry` checks geometry, for every layer alike. Every problem raises
:class:`layers.errors.InputError` naming the file, the 1-based data row and the field, and saying
what to do. Nothing is ever silently dropped: a bad row stops the load with a message.

Values are normalised on the way (ids to text, numbers to float, family / sub-type / type names
matched case-insensitively and by their Chinese labels, e.g. 幼儿园 -> kindergarten).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from layers.errors import InputError
from layers.families import SERVICES, TYPE_CAPACITY, on_registry_change
from layers.plan import OPENING_LAG, PROJECT_YEARS
from layers.schema import (
    BIRTHS_COLUMNS,
    CAPACITY_COLUMNS,
    CLASSES_OF,
    COHORTS,
    FACILITY_ATTRIBUTES,
    FAMILIES,
    FAMILY_CAPACITY,
    FAMILY_LABELS,
    GRADE_LEVEL,
    GRADES,
    OPTIONAL_COHORTS,
    PROJECT_CAPACITY,
    PROJECT_TYPES,
    ROSTER_COLUMNS,
    SUBTYPE_LABELS,
    SUBTYPES,
    derive_age_60_plus,
)


@dataclass(frozen=True)
class Column:
    """One column of a layer spec.

    Attributes
    ----------
    name : str
        Column name in the schema.
    kind : str
        ``id`` (non-empty text, unique), ``text``, ``enum`` (one of ``choices``), ``subtype``
        (one of the row family's sub-types), ``count`` (finite number >= 0, at most ``hi`` when
        ``hi`` is set), ``whole`` (a ``count`` that is a whole number, stored as int: project
        seats), ``seats`` (a whole ``count`` stored as float: facility capacities), ``year``
        (integer in ``lo``..``hi``; an optional year column with ``default`` None is nullable: an
        empty cell is <NA>), ``flag`` (yes / no: true, 1, 是 ... ; empty -> ``default``).
    required : bool
        A missing column is an error; otherwise it takes ``default``.
    default : object
        Value of a missing optional column, and of an empty cell of an optional column.
    choices : tuple of str
        Allowed values for ``enum``.
    lo, hi : int
        Range for ``year``.
    unit : str
        What a ``whole`` / ``seats`` column counts, named when a value is not whole.
    """

    name: str
    kind: str
    required: bool = True
    default: object = None
    choices: tuple = ()
    lo: int = 0
    hi: int = 0
    unit: str = "seats"


#: Largest capacity of one site (seats, places, beds; candidate capacity): a typo such as 1e19 seats
#: would overflow int64 and make the school vanish, or swamp every district's balance.
MAX_SEATS = 100_000
#: Largest head count of one population cell (any cohort, and the total).
MAX_CELL_COUNT = 1_000_000
#: Yearly district growth rates accepted (``growth_rate``, and ``net_migration`` of the cohort
#: projection): -20 % to +20 % a year. A "2" meant as 2 % would multiply the children 19,683-fold by 2030.
GROWTH_RATE_RANGE = (-0.2, 0.2)
#: Yearly child survival accepted (``child_survival``): China's under-five mortality is a few per
#: thousand, so anything below 0.9 a year is a typo, not a district.
SURVIVAL_RANGE = (0.9, 1.0)
#: Calendar years a births table may hold: the oldest child of the base year 2021 was born in 2006;
#: the projection reads no year after 2035. A wider window keeps history and long series loadable.
BIRTHS_YEAR_RANGE = (1950, 2100)
#: Most live births of one district in one year. The largest Chinese county-level units have a few
#: million residents, i.e. a few tens of thousands of births a year; a million is a typo (or a
#: whole province), and keeps every later sum far from int64 / float overflow.
MAX_BIRTHS = 1_000_000

#: Capacity columns are whole numbers (0.6 seats would truncate to 0); area_m2 need not be.
# Seats, places and beds are whole; areas (m², site or floor) are not.
def _cap_optional() -> tuple:
    """One optional column per capacity column registered now."""
    return tuple(Column(c, "seats", required=False, default=0.0, hi=MAX_SEATS) if CAPACITY_COLUMNS[c]["unit"] != "m2"
                 else Column(c, "count", required=False, default=0.0) for c in CAPACITY_COLUMNS)


def _facility_spec() -> tuple:
    """The facilities layer's columns: ids, family and sub-type, every registered capacity column, attributes."""
    return (Column("facility_id", "id"), Column("name", "text", required=False, default=""),
            Column("family", "enum", choices=FAMILIES), Column("subtype", "subtype", required=False, default=""),
            *_cap_optional(),
            Column("ownership", "enum", required=False, default="", choices=("", "public", "private")),
            Column("puhui", "flag", required=False, default=False),
            Column("bed_type", "enum", required=False, default="", choices=("", "nursing", "general")),
            Column("source", "text", required=False, default=""))


SPECS: dict[str, tuple[Column, ...]] = {
    "boundary": (Column("name", "text", required=False, default="study area"),),
    "districts": (Column("district_id", "id"), Column("name", "text")),
    # Cohorts are required: a missing cohort column silently read as 0 would hide all its demand.
    # except the optional ones, derived when absent (OPTIONAL_COHORTS; the loaders say so).
    "population": (Column("cell_id", "id"), Column("district_id", "text"),
                   Column("pop_total", "count", hi=MAX_CELL_COUNT),
                   *(Column(c, "count", required=c not in OPTIONAL_COHORTS, default=0.0, hi=MAX_CELL_COUNT)
                     for c in COHORTS)),
    "facilities": _facility_spec(),
    "communities": (Column("community_id", "id"), Column("name", "text", required=False, default=""),
                    Column("district_id", "text", required=False, default=""), Column("pop_total", "count")),
    "projects": (Column("project_id", "id"), Column("name", "text", required=False, default=""),
                 # choices are the registry's live dict: a family registered later is accepted
                 Column("type", "enum", choices=PROJECT_TYPES),
                 *(Column(c, "whole", required=False, default=0, hi=MAX_SEATS) for c in PROJECT_CAPACITY),
                 Column("open_year", "year", lo=PROJECT_YEARS[0], hi=PROJECT_YEARS[1]), Column("source", "text", required=False, default=""),
                 # Optional (layers.schema.PROJECT_OPTIONAL): the plan's year (拟建, construction starts; a
                 # project may have started up to ten years before the first evaluated year) and classes
                 # per level (0 = derived from seats / class size).
                 Column("build_year", "year", required=False, default=None, lo=PROJECT_YEARS[0] - 10, hi=PROJECT_YEARS[1]),
                 *(Column(c, "whole", required=False, default=0, hi=MAX_SEATS, unit="classes") for c in CLASSES_OF.values())),
    # Optional housing pipeline (issue 11): per100_<level> columns are optional extras (kept as given).
    "housing": (Column("housing_id", "id"), Column("name", "text", required=False, default=""),
                Column("completion_year", "year", lo=PROJECT_YEARS[0] - 10, hi=PROJECT_YEARS[1]),
                Column("dwellings", "count")),
}
# A capacity column registered later (a new family's) is a facilities column from then on.
on_registry_change(lambda: SPECS.__setitem__("facilities", _facility_spec()))

#: Geometry each layer takes: ``point`` (polygons become centroids, documented), ``polygon``.
GEOMETRY: dict[str, str] = {"boundary": "polygon", "districts": "polygon", "population": "point",
                            "facilities": "point", "projects": "point", "housing": "point", "communities": "polygon"}

#: Alternative column names accepted on import (lower-case), per schema column.
ALIASES: dict[str, tuple[str, ...]] = {
    "facility_id": ("id", "设施编号", "编号"),
    "project_id": ("id", "项目编号", "编号"),
    "cell_id": ("id",),
    "name": ("名称",),
    "family": ("category", "类别"),
    "subtype": ("sub_type", "子类"),
    "pop_total": ("population", "pop", "人口"),
    "community_id": ("id", "社区编号", "编号"),
    "ownership": ("举办性质", "性质"),
    "puhui": ("普惠",),
    "bed_type": ("床位类型",),
}

# Chinese words for the facility attributes (layers.schema.FACILITY_ATTRIBUTES).
_ATTRIBUTE_WORDS = {"公办": "public", "公立": "public", "民办": "private", "私立": "private",
                    "护理型": "nursing", "护理": "nursing", "普通": "general", "普通型": "general"}
_FLAG = {"true": True, "yes": True, "y": True, "1": True, "1.0": True, "是": True, "普惠": True,
         "false": False, "no": False, "n": False, "0": False, "0.0": False, "否": False}


def _label_to_key() -> dict[str, str]:
    """Chinese and English labels accepted for family / sub-type names (read from the registry each time),
    and the words of the facility attributes."""
    return {**{v.lower(): k for d in (FAMILY_LABELS, SUBTYPE_LABELS) for k, lab in d.items() for v in lab.values()},
            **_ATTRIBUTE_WORDS}


#: layer -> (column naming the kind, kind -> capacity columns it may carry, columns checked, word after the kind)
_CAPACITY_RULE = {"facilities": ("family", FAMILY_CAPACITY, CAPACITY_COLUMNS, ""),
                  "projects": ("type", TYPE_CAPACITY, PROJECT_CAPACITY, " project")}


def _counted_capacity(layer: str, kind: str, subtype=None) -> tuple[str, ...]:
    """Capacity columns a row of ``layer`` must fill (an empty cell there is an error, never 0 seats):
    a project's type's seats; a facility's family's seats, places or beds — for a school those of its
    sub-type's levels (a primary school need not give junior seats). Areas (m²) may stay empty."""
    if layer == "projects":
        cols = TYPE_CAPACITY.get(kind, ())
    elif kind == "school" and subtype in TYPE_CAPACITY:
        cols = TYPE_CAPACITY[subtype]
    else:
        cols = FAMILY_CAPACITY.get(kind, ())
    return tuple(c for c in cols if CAPACITY_COLUMNS.get(c, {}).get("unit") != "m2")


def _is_empty(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip()) \
        or v is pd.NA or v is pd.NaT


def _norm_key(v) -> str:
    s = str(v).strip()
    return _label_to_key().get(s.lower(), s.lower().replace(" ", "_").replace("-", "_"))


def rename_aliases(df: pd.DataFrame, layer: str) -> pd.DataFrame:
    """Rename alias columns (case-insensitive) to schema names, when the schema name is absent."""
    names = {c.name for c in SPECS[layer]}
    lower = {str(c).strip().lower(): c for c in df.columns}
    ren = {}
    for col in names:
        if col in df.columns:
            continue
        if col in lower:
            ren[lower[col]] = col
            continue
        if len(col) > 10 and col[:10] in lower:  # Shapefile (dBASE) truncates names to 10 characters
            ren[lower[col[:10]]] = col
            continue
        for a in ALIASES.get(col, ()):
            if a in lower and lower[a] not in ren:
                ren[lower[a]] = col
                break
    return df.rename(columns=ren)


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def _number(v, *, file, row, field) -> float:
    """A finite number >= 0 from a cell, or InputError."""
    if isinstance(v, str):
        s = v.strip()
        if "," in s:
            # Only a thousands separator (2,160 / 12,000.5) is dropped. "1,5" is a decimal comma in
            # the locales whose Excel saves ';'-separated CSV: reading it as 15 would be a wrong number.
            if not _THOUSANDS.fullmatch(s):
                raise InputError(f"{v!r} is ambiguous (decimal comma?); write a plain number such as 1200 or 1.5",
                                 file=file, row=row, field=field)
            s = s.replace(",", "")
        try:
            f = float(s)
        except ValueError:
            raise InputError(f"{v!r} is not a number; write a plain number such as 1200", file=file, row=row,
                             field=field) from None
    else:
        try:
            f = float(v)
        except OverflowError:  # a Python int beyond float range (a GeoJSON 1e400-digit integer)
            f = math.inf
        except (TypeError, ValueError):
            raise InputError(f"{v!r} is not a number", file=file, row=row, field=field) from None
    if not math.isfinite(f):
        raise InputError(f"{v!r} is not a finite number (NaN / infinity); write a number >= 0",
                         file=file, row=row, field=field)
    if f < 0:
        raise InputError(f"{f:g} is negative; capacities and counts must be >= 0", file=file, row=row, field=field)
    return f


def validate_frame(df: pd.DataFrame, layer: str, *, file, default_source: str = "") -> pd.DataFrame:
    """Check and normalise the attribute columns of one layer against :data:`SPECS`.

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        The layer as read; alias column names are accepted (:data:`ALIASES`). Extra columns are kept.
    layer : str
        Key of :data:`SPECS` (``facilities``, ``projects``, ``population``, ``districts``, ``boundary``).
    file : str
        Named in error messages.
    default_source : str
        ``source`` of rows that give none (e.g. ``user file facilities.csv``).

    Returns
    -------
    DataFrame
        Same rows in the same order, schema columns first with normalised values.

    Raises
    ------
    layers.errors.InputError
        Missing required column; empty / duplicate id; unknown family, sub-type or type (the
        message lists the allowed ones); a count that is not a finite number >= 0 (thousands
        separators such as "2,160" are accepted, a decimal comma is not); seats that are not
        whole; a year out of range; a capacity column the family (facilities) or the project type
        (projects) does not use set to non-zero. This is the one projects validator: scenarios
        (:func:`scenarios.model.validate_projects`) check their projects with it too.
    """
    spec = SPECS[layer]
    df = rename_aliases(df, layer).copy()
    if layer == "projects" and "open_year" not in df.columns and "build_year" in df.columns:
        # A file giving only the plan's year: pupils arrive OPENING_LAG years later (layers.plan).
        df["open_year"] = pd.to_numeric(df["build_year"], errors="coerce") + OPENING_LAG
    absent_cohorts = [c for c in OPTIONAL_COHORTS if c not in df.columns] if layer == "population" else []
    for c in spec:
        if c.name not in df.columns:
            if c.required:
                found = ", ".join(str(x) for x in df.columns if x != "geometry") or "none"
                raise InputError(f"missing required column in the {layer} layer (columns found: {found})",
                                 file=file, field=c.name)
            df[c.name] = c.default if c.name != "source" else default_source
    n = len(df)
    out: dict[str, list] = {}
    empty_cells: dict[str, set] = {}  # capacity column -> rows left empty (an error where the row uses it)
    for c in spec:
        vals = list(df[c.name])
        res = []
        for i, v in enumerate(vals):
            row = i + 1
            if c.kind == "id":
                if _is_empty(v):
                    raise InputError("empty id; every row needs a unique id", file=file, row=row, field=c.name)
                if isinstance(v, float) and v.is_integer():
                    v = int(v)  # 12.0 read from a numeric column is the id "12"
                res.append(str(v).strip())
            elif c.kind == "text":
                if _is_empty(v):
                    if c.required:
                        raise InputError("empty value; fill it in", file=file, row=row, field=c.name)
                    v = default_source if c.name == "source" else c.default
                if isinstance(v, float) and v.is_integer():
                    v = int(v)
                res.append(str(v).strip())
            elif c.kind == "enum":
                key = "" if _is_empty(v) else _norm_key(v)
                if key not in c.choices:
                    raise InputError(f"unknown {c.name} {'' if _is_empty(v) else repr(v)}: use one of "
                                     f"{', '.join(c.choices)}", file=file, row=row, field=c.name)
                res.append(key)
            elif c.kind == "subtype":
                fam = out["family"][i]
                allowed = SUBTYPES[fam]
                key = "" if _is_empty(v) else _norm_key(v)
                if not key:
                    key = allowed[0]  # documented default: the family's first sub-type
                if key not in allowed:
                    raise InputError(f"unknown subtype {v!r} for family {fam}: use one of {', '.join(allowed)}",
                                     file=file, row=row, field=c.name)
                res.append(key)
            elif c.kind in ("count", "whole", "seats"):
                if _is_empty(v):
                    if c.required:
                        raise InputError("empty value; write a number >= 0", file=file, row=row, field=c.name)
                    empty_cells.setdefault(c.name, set()).add(i)
                    res.append(float(c.default))
                else:
                    f = _number(v, file=file, row=row, field=c.name)
                    if c.hi and f > c.hi:
                        raise InputError(f"{f:g} is more than {c.hi:,}, the most one "
                                         f"{'cell' if c.kind == 'count' else 'site'} can hold; check the value",
                                         file=file, row=row, field=c.name)
                    if c.kind in ("whole", "seats") and not f.is_integer():
                        raise InputError(f"{v!r} is not a whole number; {c.unit} are counted whole", file=file,
                                         row=row, field=c.name)
                    res.append(int(f) if c.kind == "whole" else f)
            elif c.kind == "flag":
                if _is_empty(v):
                    res.append(bool(c.default))
                elif isinstance(v, (bool, np.bool_)):
                    res.append(bool(v))
                else:
                    key = str(v).strip().lower()
                    if key not in _FLAG:
                        raise InputError(f"{v!r} is not yes / no (write true or false, 1 or 0, 是 or 否)",
                                         file=file, row=row, field=c.name)
                    res.append(_FLAG[key])
            elif c.kind == "year":
                if _is_empty(v) and _nullable(c):
                    res.append(pd.NA)
                    continue
                if _is_empty(v):
                    raise InputError(f"empty year; write the opening year ({c.lo}-{c.hi})", file=file, row=row,
                                     field=c.name)
                try:
                    f = float(str(v).strip())
                except ValueError:
                    f = float("nan")
                if not (math.isfinite(f) and f.is_integer() and c.lo <= f <= c.hi):
                    raise InputError(f"{v!r} is not a year: write an integer {c.lo}-{c.hi}", file=file, row=row,
                                     field=c.name)
                res.append(int(f))
            else:  # pragma: no cover - a spec typo
                raise ValueError(f"unknown column kind {c.kind!r}")
        out[c.name] = res
        if c.kind == "id":
            seen: dict[str, int] = {}
            for i, v in enumerate(res):
                if v in seen:
                    raise InputError(f"duplicate id {v!r} (also in row {seen[v] + 1}); ids must be unique",
                                     file=file, row=i + 1, field=c.name)
                seen[v] = i
    if layer in _CAPACITY_RULE:
        # A family carries only its own capacity columns (layers.schema.FAMILY_CAPACITY); a project
        # only the seats of its type's levels (layers.families.TYPE_CAPACITY).
        key_col, allowed, columns, what = _CAPACITY_RULE[layer]
        for i in range(n):
            k = out[key_col][i]
            for col in columns:
                if col not in allowed[k] and out[col][i] != 0:
                    raise InputError(f"a {k}{what} does not use {col} (it uses {', '.join(allowed[k])}); "
                                     f"set it to 0 or leave it empty", file=file, row=i + 1, field=col)
            for col in _counted_capacity(layer, k, out["subtype"][i] if layer == "facilities" else None):
                if i in empty_cells.get(col, ()):
                    # An empty cell read as 0 made the school vanish from every balance (issue 27).
                    raise InputError(f"empty {col}: a {k}{what} counts its {CAPACITY_COLUMNS[col]['unit']} here; "
                                     f"write the number (0 if it has none)", file=file, row=i + 1, field=col)
    if layer == "facilities":  # ownership / 普惠 / bed type belong to some families (FACILITY_ATTRIBUTES)
        for i in range(n):
            fam = out["family"][i]
            for col, spec_ in FACILITY_ATTRIBUTES.items():
                if fam not in spec_["families"] and out[col][i] not in ("", False):
                    raise InputError(f"{col} applies to {', '.join(spec_['families'])}, not to a {fam}; "
                                     f"leave it empty", file=file, row=i + 1, field=col)
            if out["ownership"][i] == "public" and fam in FACILITY_ATTRIBUTES["puhui"]["families"]:
                out["puhui"][i] = True  # 普惠 includes the public ones (the plan's coverage rate counts them)
    if layer == "districts":
        _check_districts(df, out, file)
    if layer == "projects":  # a school opens after its construction starts
        for i in range(n):
            by = out["build_year"][i]
            if by is not pd.NA and out["open_year"][i] < by:
                raise InputError(f"open_year {out['open_year'][i]} is before build_year {by}; a school opens after "
                                 f"its construction starts", file=file, row=i + 1, field="open_year")
    result = df.copy()
    for c in spec:
        result[c.name] = pd.Series(out[c.name], index=df.index, dtype=column_dtype(c))
    if layer == "districts":
        for col in ("growth_rate", "net_migration", "child_survival"):
            if col in df.columns:
                result[col] = out[col]
    if absent_cohorts:  # age_60_plus from age_65_plus by the census ratio; loaders note it in the sources
        result = result.drop(columns=absent_cohorts)
        derive_age_60_plus(result)
        result.attrs["derived_cohorts"] = absent_cohorts
    first = [c.name for c in spec]
    rest = [c for c in result.columns if c not in first]
    out_df = result[first + rest]
    out_df.attrs.update(result.attrs)
    return out_df


def _nullable(c: Column) -> bool:
    """An optional year whose default is None: an empty cell (or a missing column) is <NA>."""
    return c.kind == "year" and not c.required and c.default is None


def column_dtype(c: Column) -> str:
    """The dtype of column ``c`` after :func:`validate_frame` (also that of an empty layer,
    :func:`layers.frames.empty_layer`)."""
    if c.kind in ("count", "seats"):
        return "float64"
    if c.kind == "year":
        return "Int64" if _nullable(c) else "int64"
    return {"whole": "int64", "flag": "bool"}.get(c.kind, "object")


def _check_districts(df: pd.DataFrame, out: dict, file) -> None:
    """District names must be unique (maps and reports are keyed by name: two "Same" districts
    merged into one row); the optional ``growth_rate`` and ``net_migration`` are numbers in
    :data:`GROWTH_RATE_RANGE`, ``child_survival`` in :data:`SURVIVAL_RANGE`. Adds the parsed values
    to ``out[column]`` (an empty rate is 0: none; an empty survival is NaN: the norm's default)."""
    seen: dict[str, int] = {}
    for i, v in enumerate(out["name"]):
        if v in seen:
            raise InputError(f"duplicate district name {v!r} (also in row {seen[v] + 1}); names must be unique",
                             file=file, row=i + 1, field="name")
        seen[v] = i
    for col, (lo, hi), default, what in (
            ("growth_rate", GROWTH_RATE_RANGE, 0.0, "a yearly rate between {lo:g} and {hi:g} (e.g. 0.02 for 2 % a year)"),
            ("net_migration", GROWTH_RATE_RANGE, 0.0, "a yearly rate between {lo:g} and {hi:g} (e.g. 0.02 for 2 % a year)"),
            ("child_survival", SURVIVAL_RANGE, None, "a yearly survival between {lo:g} and {hi:g} (e.g. 0.999)")):
        if col not in df.columns:
            continue
        rates = []
        for i, v in enumerate(df[col]):
            if _is_empty(v):  # growth_rate / net_migration: none; child_survival: the norm's default
                rates.append(default if default is not None else math.nan)
                continue
            try:
                f = float(str(v).strip()) if isinstance(v, str) else float(v)
            except (TypeError, ValueError, OverflowError):
                f = math.nan
            if not (math.isfinite(f) and lo <= f <= hi):
                raise InputError(f"{col} {_text(v)!r} must be {what.format(lo=lo, hi=hi)}", file=file, row=i + 1,
                                 field=col)
            rates.append(f)
        out[col] = rates


def _text(v) -> str:
    """A cell as its file wrote it: strings as they are, numbers without numpy's ``np.float64(...)``."""
    if isinstance(v, str):
        return v
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def validate_geometry(gdf: gpd.GeoDataFrame, layer: str, *, file, boundary=None) -> gpd.GeoDataFrame:
    """Check the geometry of one layer (projected or not) and normalise it.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer, in the same CRS as ``boundary`` if one is given.
    layer : str
        Key of :data:`GEOMETRY`.
    file : str
        Named in error messages.
    boundary : shapely geometry, optional
        Study-area outline in the layer's (projected) CRS; points must lie inside (1 m tolerance
        for points on the edge).

    Returns
    -------
    GeoDataFrame
        Point layers: polygons replaced by their centroids (documented: a facility drawn as its
        site polygon, a population cell drawn as a square, is placed at the centroid).

    Raises
    ------
    layers.errors.InputError
        Missing / empty / invalid geometry, the wrong geometry type, a point outside the
        boundary (with a hint when swapping x and y would put it inside), several boundary rows.
    """
    kind = GEOMETRY[layer]
    geoms = gdf.geometry.values
    if layer == "boundary" and len(gdf) != 1:
        raise InputError(f"the boundary layer must hold exactly one polygon (found {len(gdf)}); "
                         f"dissolve it into one feature", file=file, field="geometry")
    out = []
    for i, g in enumerate(geoms):
        row = i + 1
        if g is None:
            raise InputError("missing geometry; every row needs a location", file=file, row=row, field="geometry")
        if g.is_empty:
            raise InputError("empty geometry; every row needs a location", file=file, row=row, field="geometry")
        gt = g.geom_type
        if kind == "polygon":
            if gt not in ("Polygon", "MultiPolygon"):
                raise InputError(f"{gt} where a polygon is needed", file=file, row=row, field="geometry")
            if not g.is_valid:
                why = shapely.is_valid_reason(g)
                raise InputError(f"invalid polygon ({why}); repair it (QGIS: Fix geometries)", file=file, row=row,
                                 field="geometry")
        else:
            if gt in ("Polygon", "MultiPolygon"):
                if not g.is_valid:
                    raise InputError(f"invalid polygon ({shapely.is_valid_reason(g)}); repair it", file=file,
                                     row=row, field="geometry")
                g = g.centroid
            elif gt == "MultiPoint" and len(g.geoms) == 1:
                g = g.geoms[0]
            elif gt != "Point":
                raise InputError(f"{gt} where a point is needed", file=file, row=row, field="geometry")
            if not (math.isfinite(g.x) and math.isfinite(g.y)):
                raise InputError("coordinates are not finite numbers", file=file, row=row, field="geometry")
        out.append(g)
    gdf = gdf.copy()
    gdf.geometry = gpd.GeoSeries(out, index=gdf.index, crs=gdf.crs)
    if boundary is not None and kind == "point":
        inside = shapely.dwithin(np.asarray(out, dtype=object), boundary, 1.0)
        for i in np.flatnonzero(~inside):
            g = out[i]
            hint = "; longitude and latitude look swapped" if _swapped_inside(g, gdf.crs, boundary) else ""
            raise InputError(f"location ({g.x:.6f}, {g.y:.6f}) is outside the study-area boundary{hint}",
                             file=file, row=int(i) + 1, field="geometry")
    return gdf


def _swapped_inside(g, crs, boundary) -> bool:
    """True if the point with longitude and latitude exchanged lies inside ``boundary``."""
    if crs is None:
        return False

    crs = CRS.from_user_input(crs)
    try:
        to_wgs = Transformer.from_crs(crs, 4326, always_xy=True)
        lon, lat = to_wgs.transform(g.x, g.y)
        if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lon) > 90:
            return False
        x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(lat, lon)
    except Exception:  # noqa: BLE001 - a hint only; never fail the message on it
        return False
    return math.isfinite(x) and math.isfinite(y) and boundary.covers(shapely.Point(x, y))


def validate_layer(gdf: gpd.GeoDataFrame, layer: str, *, file, boundary=None,
                   default_source: str = "") -> gpd.GeoDataFrame:
    """:func:`validate_frame` then :func:`validate_geometry`: one user layer checked end to end."""
    attrs = validate_frame(pd.DataFrame(gdf.drop(columns=gdf.geometry.name)), layer, file=file,
                           default_source=default_source)
    g = gpd.GeoDataFrame(attrs, geometry=gdf.geometry.values, crs=gdf.crs)
    g.attrs.update(attrs.attrs)  # derived_cohorts: the loader says what it derived
    return validate_geometry(g, layer, file=file, boundary=boundary)


def validate_births(df, district_ids, source="births") -> pd.DataFrame:
    """Check a births table (:data:`layers.schema.BIRTHS_COLUMNS`); :class:`InputError` naming file, row and field.

    Every district of the area needs at least one year; years are whole numbers in
    :data:`BIRTHS_YEAR_RANGE`, births numbers from 0 to :data:`MAX_BIRTHS`; a district and year
    appear once. Each cell is checked as the file wrote it (the message quotes that text), before
    any arithmetic: a ``1e20`` never reaches an int64. Rows are numbered from 1 (the CSV's data rows).
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError("the births table must be a table of district_id, year, births", file=source)
    for c in BIRTHS_COLUMNS:
        if c not in df.columns:
            raise InputError("column is missing", file=source, field=c)
    g = df[list(BIRTHS_COLUMNS)].copy()
    g["district_id"] = g["district_id"].astype(str).str.strip()
    bounds = {"year": BIRTHS_YEAR_RANGE, "births": (0, MAX_BIRTHS)}
    for c in ("year", "births"):
        vals = []
        lo, hi = bounds[c]
        for i, raw in enumerate(df[c].tolist()):
            if _is_empty(raw):
                raise InputError("is empty; give a number", file=source, row=i + 1, field=c)
            try:
                f = float(raw.strip()) if isinstance(raw, str) else float(raw)
            except (TypeError, ValueError, OverflowError):
                f = math.nan
            whole = c != "year" or (math.isfinite(f) and f == math.floor(f))
            if not (math.isfinite(f) and lo <= f <= hi and whole):
                what = (f"a whole year from {lo} to {hi}" if c == "year"
                        else f"a number of births from 0 to {hi:,} for one district and year")
                raise InputError(f"{c} {_text(raw)!r} must be {what}", file=source, row=i + 1, field=c)
            vals.append(f)
        g[c] = np.asarray(vals, dtype=np.int64 if c == "year" else float)
    dup = g.duplicated(["district_id", "year"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError("a district and year appear twice", file=source, row=i + 1, field="year")
    missing = sorted(set(map(str, district_ids)) - set(g["district_id"]))
    if missing:
        raise InputError(f"no births for district(s) {', '.join(missing[:5])}", file=source, field="district_id")
    return g


#: Calendar years a pupil roster may hold (学籍 records: recent school years).
ROSTER_YEAR_RANGE = (1990, 2100)


def validate_roster(df, facilities, source="enrolment.csv") -> pd.DataFrame:
    """Check a pupil roster (:data:`layers.schema.ROSTER_COLUMNS`); :class:`InputError` naming file, row and field.

    ``school_id`` must be the ``facility_id`` of a facility with seats of the grade's level
    (``seats_primary`` for grades 1-6 ...); ``grade`` one of :data:`layers.schema.GRADES` (``K1``-``K3``,
    ``1``-``9``); ``year`` a whole year in :data:`ROSTER_YEAR_RANGE`; ``pupils`` a whole number from 0
    to :data:`MAX_SEATS`; a school, year and grade appear once. Cells are checked as the file wrote
    them (the message quotes that text). Rows are numbered from 1 (the CSV's data rows).

    Returns
    -------
    DataFrame
        ``school_id`` (str), ``year`` (int64), ``grade`` (str), ``pupils`` (int64), ``level`` (str).
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError("the roster must be a table of school_id, year, grade, pupils", file=source)
    for c in ROSTER_COLUMNS:
        if c not in df.columns:
            raise InputError(f"column is missing (the roster's columns are {', '.join(ROSTER_COLUMNS)})",
                             file=source, field=c)
    fac = facilities.set_index(facilities["facility_id"].astype(str))
    ids, years, grades, pupils, levels = [], [], [], [], []
    for i, r in enumerate(df[list(ROSTER_COLUMNS)].itertuples(index=False)):
        row = i + 1
        sid = "" if _is_empty(r.school_id) else _text(r.school_id).strip()
        if sid not in fac.index:
            raise InputError(f"school_id {sid!r} is not a facility_id of the facilities layer", file=source, row=row,
                             field="school_id")
        g = "" if _is_empty(r.grade) else _text(r.grade).strip().upper()
        if g not in GRADE_LEVEL:
            raise InputError(f"grade {_text(r.grade)!r} must be one of {', '.join(GRADES)} (K1-K3 kindergarten "
                             f"小/中/大班, 1-6 primary, 7-9 junior)", file=source, row=row, field="grade")
        level = GRADE_LEVEL[g]
        cap = SERVICES[level].capacity
        seats = fac.loc[sid, cap] if cap in fac.columns else 0
        seats = seats.iloc[0] if isinstance(seats, pd.Series) else seats
        if not (pd.notna(seats) and float(seats) > 0):
            raise InputError(f"school {sid!r} has no {cap} in the facilities layer, so it cannot hold {level} grade "
                             f"{g}", file=source, row=row, field="school_id")
        for field, v, (lo, hi), out in (("year", r.year, ROSTER_YEAR_RANGE, years),
                                        ("pupils", r.pupils, (0, MAX_SEATS), pupils)):
            try:
                f = math.nan if _is_empty(v) else (float(v.strip()) if isinstance(v, str) else float(v))
            except (TypeError, ValueError, OverflowError):
                f = math.nan
            if not (math.isfinite(f) and lo <= f <= hi and f == math.floor(f)):
                raise InputError(f"{field} {_text(v)!r} must be a whole number from {lo} to {hi}", file=source,
                                 row=row, field=field)
            out.append(int(f))
        ids.append(sid)
        grades.append(g)
        levels.append(level)
    out = pd.DataFrame({"school_id": pd.Series(ids, dtype=object), "year": pd.Series(years, dtype="int64"),
                        "grade": pd.Series(grades, dtype=object), "pupils": pd.Series(pupils, dtype="int64"),
                        "level": pd.Series(levels, dtype=object)})
    dup = out.duplicated(["school_id", "year", "grade"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError("a school, year and grade appear twice", file=source, row=i + 1, field="grade")
    return out
