"""The manifest of ``hedong area init``: a small TOML file listing a bureau's pieces.

Example (every ``file`` relative to the manifest's folder; only ``census``, ``districts`` and
``streets`` are required)::

    name = "示例县"                      # the study area's name
    synthetic = false                   # true when the files are generated (the worked example)
    cell_size = 100                     # population cells, metres

    [districts]                         # 街道/乡镇 polygons: GeoJSON, GeoPackage or Shapefile
    file = "subdistricts.shp"
    name = "街道名称"                    # column of the name (default: found by spelling)
    code = "街道代码"                    # optional code column: district_id (default: the name)
    encoding = "gbk"                    # attribute encoding of a Shapefile without .cpg
    coords = "wgs84"                    # or gcj02 / bd09 (a boundary taken from Amap is GCJ-02)

    [units]                             # optional: the census units when finer than districts (社区)
    file = "communities.geojson"
    parent = "所属街道"                  # column naming each unit's district (default: by location)

    [boundary]                          # optional: the outline (default: the districts' union)
    file = "boundary.geojson"

    [census]                            # 七普 / yearbook sheet by unit: total and age bands
    file = "census.xlsx"
    sheet = "分社区年龄"

    [[facilities]]                      # one table per list: schools, kindergartens, clinics, care
    file = "schools.xlsx"
    coords = "gcj02"

    [roster]     file = "roster.xlsx"   # 学籍: pupils by school, year and grade -> enrolment.csv
    [births]     file = "births.csv"    # births by district and year -> births.csv
    [projects]   file = "projects.xlsx" # 项目库 -> the projects layer (拟建 = build_year)
                 coords = "gcj02"
    [streets]    file = "extract.osm.pbf"
                 margin_m = 1000

    [headers]                           # spellings the built-in table lacks: header = field
    "学校全称" = "name"

    [sources]                           # what each layer comes from (shown in the app and maps)
    census = "第七次全国人口普查 分社区数据 (县统计局)"

A manifest is a dict once read; the command line can give the same pieces as flags
(:func:`from_flags`), which win over the manifest's.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from layers.errors import InputError

__all__ = ["read_manifest", "from_flags", "PIECES", "REQUIRED"]

#: Manifest tables naming a file.
PIECES = ("boundary", "districts", "units", "census", "facilities", "roster", "births", "projects", "streets")
REQUIRED = ("districts", "census", "streets")
_TOP = ("name", "synthetic", "cell_size", "headers", "sources", *PIECES)


def _resolve(entry, base: Path, key: str, label) -> dict:
    if isinstance(entry, str):
        entry = {"file": entry}
    if not isinstance(entry, dict) or "file" not in entry:
        raise InputError(f"[{key}] needs a file = \"...\"", file=label, field=key)
    out = dict(entry)
    p = Path(str(entry["file"]))
    out["file"] = p if p.is_absolute() else base / p
    return out


def read_manifest(path) -> dict:
    """Read a manifest: paths resolved against its folder, pieces checked, ``facilities`` a list.

    Raises
    ------
    layers.errors.InputError
        Not a readable TOML file, an unknown table (a typo), a piece without ``file``.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("manifest not found", file=path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"not a valid TOML manifest ({e})", file=path) from e
    return normalise(raw, path.parent, label=path)


def normalise(raw: dict, base: Path, label=None) -> dict:
    """A manifest dict (from TOML or flags) with paths resolved and pieces checked."""
    unknown = [k for k in raw if k not in _TOP]
    if unknown:
        raise InputError(f"unknown manifest entry {unknown[0]!r}: the entries are {', '.join(_TOP)}", file=label,
                         field=unknown[0])
    m = {k: v for k, v in raw.items() if k not in PIECES}
    for key in PIECES:
        if key not in raw or raw[key] is None:
            continue
        if key == "facilities":
            entries = raw[key] if isinstance(raw[key], list) else [raw[key]]
            m[key] = [_resolve(e, base, key, label) for e in entries]
        else:
            m[key] = _resolve(raw[key], base, key, label)
    for key in REQUIRED:
        if key not in m:
            raise InputError(f"the manifest needs [{key}] (file = ...)", file=label, field=key)
    for key in ("headers", "sources"):
        v = m.get(key, {})
        if not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()):
            raise InputError(f"[{key}] must map texts to texts", file=label, field=key)
        m[key] = dict(v)
    m.setdefault("facilities", [])
    return m


def from_flags(args, base: dict | None = None) -> dict:
    """Merge command-line pieces (``--census FILE`` ...) over a manifest dict (or build one)."""
    m = dict(base or {})
    flat = {"census": args.census, "districts": args.districts, "units": args.units, "boundary": args.boundary,
            "roster": args.roster, "births": args.births, "streets": args.streets}
    for key, f in flat.items():
        if f:
            m[key] = {**(m.get(key) if isinstance(m.get(key), dict) else {}), "file": Path(f)}
    if args.projects:
        m["projects"] = {"file": Path(args.projects), "coords": args.coords}
    if args.facilities:
        m["facilities"] = [{"file": Path(f), "coords": args.coords} for f in args.facilities]
    if args.name:
        m["name"] = args.name
    return normalise({k: v for k, v in m.items()}, Path.cwd(), label="command line")
