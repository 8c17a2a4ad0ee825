"""OpenStreetMap tags -> facility family, sub-type and capacity: the mapping as a table.

The table :data:`TAG_RULES` is data; :func:`rules_markdown` renders it (the README quotes it).
Rules are tried in order and the first that matches a feature wins, so specific rules come first.

===  ==============================================================  ============  ==============  =====================================
 #   OSM tags                                                        family        sub-type        capacity (tag, else default)
===  ==============================================================  ============  ==============  =====================================
 1   amenity=school                                                  school        primary [1]     capacity= seats; else site area / 20 m² per pupil,
                                                                                                   clamped to 6-48 classes; else 24 classes [2]
 2   amenity=kindergarten                                            kindergarten  kindergarten    capacity=; else 12 classes x 30 = 360 places
 3   amenity=childcare taking ages 3+ (min_age >= 3 or max_age >= 4)  kindergarten  kindergarten    capacity=; else 360 places
 3a  amenity=childcare (under 3: any other)                          childcare     childcare_centre capacity=; else 100 places [U]
 4   amenity=hospital                                                clinic        hospital        beds=; else 100 beds [U]
 5   healthcare=centre                                               clinic        health_centre   beds=; else 20 beds [U]
 6   amenity=clinic                                                  clinic        health_station  beds=; else 0
 7   amenity=doctors                                                 clinic        health_station  beds=; else 0
 8   amenity=social_facility + social_facility=nursing_home           elderly_care  nursing_home    beds= or capacity=; else 50 beds [U]
 9   amenity=social_facility + social_facility=assisted_living        elderly_care  nursing_home    beds= or capacity=; else 50 beds [U]
10   amenity=nursing_home (deprecated tag, still common)              elderly_care  nursing_home    beds= or capacity=; else 50 beds [U]
11   amenity=social_facility + social_facility=day_care (not for children)
                                                                     elderly_care  day_care        beds= or capacity=; else 10 places [U]
12   amenity=social_facility + social_facility:for=senior / elderly  elderly_care  day_care        beds= or capacity=; else 10 places [U]
13   amenity=library                                                 study_room    study_room      area_m2 = footprint; else 200 m² [U]
14   leisure=fitness_centre                                          fitness       fitness_centre  area_m2 = footprint; else 500 m² [U]
15   leisure=sports_centre / sports_hall                             fitness       fitness_centre  area_m2 = footprint; else 500 m² [U]
16   leisure=stadium / leisure=sports_park                           fitness       sports_park     area_m2 = site; else 10,000 m² [U]
17   leisure=park + sport=*                                          fitness       sports_park     area_m2 = site; else 10,000 m² [U]
18   leisure=pitch                                                   fitness       pitch           area_m2 = site; else 800 m² [U] [3]
19   leisure=fitness_station                                         fitness       fitness_square  area_m2 = site; else 200 m² [U]
20   leisure=track, or fitness_trail=yes, or route=fitness_trail     fitness       trail           area_m2 = site; else 1,000 m² [U]
21   amenity=arts_centre                                             culture       cultural_centre floor_area_m2 = footprint x levels; else 2,000 m² [U]
22   amenity=community_centre                                        culture       community_culture_room  floor_area_m2 = footprint x levels; else 200 m² [U]
23   tourism=museum / tourism=gallery                                culture       museum          floor_area_m2 = footprint x levels; else 2,000 m² [U]
===  ==============================================================  ============  ==============  =====================================

[1] School sub-type: ``isced:level`` (1 -> primary, 2 -> junior, 1+2 -> nine_year, 2+3 -> complete;
    3 alone, an upper-secondary school, serves neither planned level and is not mapped), else
    ``school=primary|junior|secondary``, else name keywords (小学 / 初中 / 九年一贯 / 完全中学,
    Finnish ala-aste / alakoulu / yläaste / yläkoulu / lukio), else primary.
[2] 20 m² of school site per pupil is a documented assumption [U] in the range Chinese school-land
    standards use; class sizes 45 (primary) / 50 (junior) are from NORMS.md [C]. A nine-year
    school gets 24 primary and 12 junior classes by default; a complete school 12 junior classes.
[3] 800 m² is about a non-standard (5/7-a-side) football pitch, the kind the plan asks every new
    community to have.

Ownership (kindergartens, childcare, elderly care): ``operator:type`` public / government / community
-> public, private / business / ngo / religious -> private, else unknown; a public kindergarten or
childcare centre is 普惠. Bed type is not tagged in OSM (left unknown).

Geometry: polygons become their centroid (in the projected CRS) and give ``area_m2`` (for the
families that carry area) or the site area the seat default uses. A node POI lying inside a
polygon of the same family and the same name (the same facility mapped twice, common in OSM) is
merged into the polygon — the only rows that are combined, and they are counted in the
``merged`` attribute of the result. Capacity columns a family does not use are 0
(:data:`layers.schema.FAMILY_CAPACITY`). ``source`` is ``OpenStreetMap (ODbL) <type>/<id>``.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import DataWarning
from layers.families import SCHOOL_LEVELS, SERVICES
from layers.norms import CLASS_SIZE, KINDERGARTEN_STANDARD_CLASSES
from layers.schema import CAPACITY_COLUMNS, FACILITY_ATTRIBUTES, FACILITY_COLUMNS, FAMILY_CAPACITY

OSM_SOURCE = "OpenStreetMap (ODbL)"
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)"

#: m² of school site per pupil for the area-based seat default [U].
SCHOOL_SITE_M2_PER_PUPIL = 20.0

#: Classes per school level of an untagged school with no site area, by sub-type [U]: 24 classes of
#: its main level; a nine-year school 12 junior classes on top; a complete middle school's junior
#: half 12. The levels' seats are these classes x each level's class size (the registry's records);
#: a sub-type not listed gets 24 classes of each level it carries (layers.families.SCHOOL_LEVELS).
DEFAULT_SCHOOL_CLASSES = {"primary": {"primary": 24}, "junior": {"junior": 24},
                          "nine_year": {"primary": 24, "junior": 12}, "complete": {"junior": 12}}


@dataclass(frozen=True)
class TagRule:
    """One row of the mapping table.

    Attributes
    ----------
    tags : tuple of (key, values)
        All must hold; ``values`` is a tuple of accepted values or ``None`` for "any value".
    family, subtype : str
        Where a matching feature goes (``subtype`` is the default; schools are refined).
    capacity_tags : tuple of str
        OSM tags read as the capacity, in order (``capacity``, ``beds``).
    default : float
        Capacity when no tag gives one (seats / places / beds / m²) and no area rule applies.
    condition : str
        Extra condition, by name (see :func:`_CONDITIONS`), or "".
    text : str
        The row as printed in the table.
    """

    tags: tuple
    family: str
    subtype: str
    capacity_tags: tuple = ()
    default: float = 0.0
    condition: str = ""
    text: str = ""


_KG_DEFAULT = KINDERGARTEN_STANDARD_CLASSES * CLASS_SIZE["kindergarten"]  # 360

TAG_RULES: tuple[TagRule, ...] = (
    TagRule((("amenity", ("school",)),), "school", "primary", ("capacity",), 0, "school",
            "amenity=school"),
    TagRule((("amenity", ("kindergarten",)),), "kindergarten", "kindergarten", ("capacity",), _KG_DEFAULT, "",
            "amenity=kindergarten"),
    TagRule((("amenity", ("childcare",)),), "kindergarten", "kindergarten", ("capacity",), _KG_DEFAULT, "ages_3_plus",
            "amenity=childcare taking ages 3+ (min_age >= 3 or max_age >= 4)"),
    TagRule((("amenity", ("childcare",)),), "childcare", "childcare_centre", ("capacity",), 100, "",
            "amenity=childcare (under 3: any other)"),
    TagRule((("amenity", ("hospital",)),), "clinic", "hospital", ("beds",), 100, "", "amenity=hospital"),
    TagRule((("healthcare", ("centre",)),), "clinic", "health_centre", ("beds",), 20, "", "healthcare=centre"),
    TagRule((("amenity", ("clinic",)),), "clinic", "health_station", ("beds",), 0, "", "amenity=clinic"),
    TagRule((("amenity", ("doctors",)),), "clinic", "health_station", ("beds",), 0, "", "amenity=doctors"),
    TagRule((("amenity", ("social_facility",)), ("social_facility", ("nursing_home",))), "elderly_care",
            "nursing_home", ("beds", "capacity"), 50, "", "amenity=social_facility + social_facility=nursing_home"),
    TagRule((("amenity", ("social_facility",)), ("social_facility", ("assisted_living",))), "elderly_care",
            "nursing_home", ("beds", "capacity"), 50, "", "amenity=social_facility + social_facility=assisted_living"),
    TagRule((("amenity", ("nursing_home",)),), "elderly_care", "nursing_home", ("beds", "capacity"), 50, "",
            "amenity=nursing_home"),
    TagRule((("amenity", ("social_facility",)), ("social_facility", ("day_care",))), "elderly_care", "day_care",
            ("beds", "capacity"), 10, "not_for_children",
            "amenity=social_facility + social_facility=day_care (not for children)"),
    TagRule((("amenity", ("social_facility",)), ("social_facility:for", ("senior", "elderly", "seniors"))),
            "elderly_care", "day_care", ("beds", "capacity"), 10, "",
            "amenity=social_facility + social_facility:for=senior / elderly"),
    TagRule((("amenity", ("library",)),), "study_room", "study_room", (), 200, "", "amenity=library"),
    TagRule((("leisure", ("fitness_centre",)),), "fitness", "fitness_centre", (), 500, "", "leisure=fitness_centre"),
    TagRule((("leisure", ("sports_centre", "sports_hall")),), "fitness", "fitness_centre", (), 500, "",
            "leisure=sports_centre / sports_hall"),
    TagRule((("leisure", ("stadium", "sports_park")),), "fitness", "sports_park", (), 10000, "",
            "leisure=stadium / leisure=sports_park"),
    TagRule((("leisure", ("park",)), ("sport", None)), "fitness", "sports_park", (), 10000, "",
            "leisure=park + sport=*"),
    TagRule((("leisure", ("pitch",)),), "fitness", "pitch", (), 800, "", "leisure=pitch"),
    TagRule((("leisure", ("fitness_station",)),), "fitness", "fitness_square", (), 200, "",
            "leisure=fitness_station"),
    TagRule((("leisure", ("track",)),), "fitness", "trail", (), 1000, "", "leisure=track"),
    TagRule((("fitness_trail", ("yes",)),), "fitness", "trail", (), 1000, "", "fitness_trail=yes"),
    TagRule((("route", ("fitness_trail",)),), "fitness", "trail", (), 1000, "", "route=fitness_trail"),
    TagRule((("amenity", ("arts_centre",)),), "culture", "cultural_centre", (), 2000, "", "amenity=arts_centre"),
    TagRule((("amenity", ("community_centre",)),), "culture", "community_culture_room", (), 200, "",
            "amenity=community_centre"),
    TagRule((("tourism", ("museum", "gallery")),), "culture", "museum", (), 2000, "",
            "tourism=museum / tourism=gallery"),
)

#: OSM keys any rule looks at (for ``pyrosm.OSM.get_pois(custom_filter=...)`` / osmnx ``features``).
OSM_KEYS: tuple[str, ...] = ("amenity", "healthcare", "leisure", "social_facility", "fitness_trail", "route", "tourism")


def osm_filter() -> dict:
    """The tag filter selecting every feature a rule could match (osmnx ``tags=`` / pyrosm ``custom_filter``)."""
    out: dict[str, set] = {}
    for rule in TAG_RULES:
        k, vals = rule.tags[0]
        out.setdefault(k, set()).update(vals or ())
    return {k: sorted(v) for k, v in out.items()}


def rules_markdown() -> str:
    """The mapping table as Markdown (for the README and docs)."""
    lines = ["| OSM tags | family | sub-type | capacity tags | default capacity |", "|---|---|---|---|---|"]
    for r in TAG_RULES:
        caps = ", ".join(f"{t}=" for t in r.capacity_tags) or "(area)"
        default = "area rule" if r.family == "school" else f"{r.default:g}"
        lines.append(f"| {r.text} | {r.family} | {r.subtype} | {caps} | {default} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- matching


def _num(v) -> float | None:
    """A number from an OSM tag value ('120', '120 beds', '1,200'), or None."""
    if v is None:
        return None
    # "1,200" and "1 200" are thousands; "120 beds" and "120;140" take the first number.
    m = re.search(r"\d+(?:\.\d+)?", str(v).replace(",", "").replace(" ", ""))
    if not m:
        return None
    f = float(m.group(0))
    return f if math.isfinite(f) and f >= 0 else None


def _cond_ages_3_plus(tags: dict) -> bool:
    lo, hi = _num(tags.get("min_age")), _num(tags.get("max_age"))
    return (lo is not None and lo >= 3) or (hi is not None and hi >= 4)


def _cond_not_for_children(tags: dict) -> bool:
    return str(tags.get("social_facility:for", "")).lower() not in ("child", "children", "juvenile", "youth")


_CONDITIONS = {
    "": lambda tags: True,
    "ages_3_plus": _cond_ages_3_plus,
    "not_for_children": _cond_not_for_children,
    "school": lambda tags: school_subtype(tags) is not None,
}

_NAME_KEYWORDS = (  # checked in order; first hit wins
    ("九年一贯", "nine_year"), ("完全中学", "complete"), ("初级中学", "junior"), ("初中", "junior"), ("小学", "primary"),
    ("高中", None), ("lukio", None), ("gymnasium", None),
    ("ala-aste", "primary"), ("alakoulu", "primary"), ("yläaste", "junior"), ("yläkoulu", "junior"),
    ("peruskoulu", "nine_year"),
)


def school_subtype(tags: dict) -> str | None:
    """The school sub-type from tags; None for an upper-secondary-only school (not a planned level).

    Order: ``isced:level``, then ``school=``, then name keywords, else ``primary`` (see the table notes).
    """
    isced = tags.get("isced:level")
    if isced:
        levels = {int(x) for x in re.findall(r"\d", str(isced))}
        if {1, 2} <= levels:
            return "nine_year"
        if 1 in levels:
            return "primary"
        if {2, 3} <= levels:
            return "complete"
        if 2 in levels:
            return "junior"
        if levels and min(levels) >= 3:
            return None
    kind = str(tags.get("school", "")).lower()
    if kind in ("primary", "elementary"):
        return "primary"
    if kind in ("junior", "lower_secondary", "middle"):
        return "junior"
    if kind in ("upper_secondary", "high"):
        return None
    name = " ".join(str(tags.get(k, "")) for k in ("name", "name:zh", "name:fi")).lower()
    for word, subtype in _NAME_KEYWORDS:
        if word in name:
            return subtype
    return "primary"


def match_tags(tags: dict) -> TagRule | None:
    """The first rule of :data:`TAG_RULES` that ``tags`` (an OSM key -> value dict) satisfies, or None."""
    for rule in TAG_RULES:
        ok = True
        for key, values in rule.tags:
            v = tags.get(key)
            if v is None or (values is not None and str(v) not in values):
                ok = False
                break
        if ok and _CONDITIONS[rule.condition](tags):
            return rule
    return None


def capacity_for(rule: TagRule, subtype: str, tags: dict, site_area_m2: float) -> dict[str, float]:
    """Capacity columns of one feature: tags first, else the documented defaults (see the table).

    Parameters
    ----------
    rule : TagRule
    subtype : str
        The (refined) sub-type.
    tags : dict
        The feature's OSM tags.
    site_area_m2 : float
        Area of the feature's polygon in m² (0 for a node).

    Returns
    -------
    dict
        Every column of :data:`layers.schema.CAPACITY_COLUMNS`; those the family does not use are 0.
    """
    cap = dict.fromkeys(CAPACITY_COLUMNS, 0.0)
    tagged = next((n for n in (_num(tags.get(t)) for t in rule.capacity_tags) if n is not None), None)
    fam = rule.family
    # a family with one capacity column (a kindergarten) takes the tag or the rule's default below
    levels = SCHOOL_LEVELS.get(subtype, ()) if len(FAMILY_CAPACITY.get(fam, ())) > 1 else ()
    if levels:  # a school carrying one or more levels: the seats split between their capacity columns
        classes = DEFAULT_SCHOOL_CLASSES.get(subtype) or dict.fromkeys(levels, 24)
        seats = {lv: classes.get(lv, 0) * SERVICES[lv].class_size for lv in levels}
        if tagged is not None:
            total = tagged
        elif site_area_m2 > 0:
            # area rule, clamped to 6-48 classes of the school's first level with classes
            size = SERVICES[next(lv for lv in levels if seats[lv])].class_size
            total = float(np.clip(site_area_m2 / SCHOOL_SITE_M2_PER_PUPIL, 6 * size, 48 * size))
        else:
            total = float(sum(seats.values()))
        whole, left = sum(seats.values()), total
        carrying = [lv for lv in levels if seats[lv]]
        for lv in carrying[:-1]:
            cap[SERVICES[lv].capacity] = round(total * seats[lv] / whole)
            left -= cap[SERVICES[lv].capacity]
        cap[SERVICES[carrying[-1]].capacity] = round(left)
    elif fam in ("study_room", "fitness"):
        cap["area_m2"] = round(site_area_m2, 1) if site_area_m2 > 0 else float(rule.default)
    elif fam == "culture":  # floor area: footprint x building:levels (1 when untagged)
        levels = _num(tags.get("building:levels")) or 1.0
        cap["floor_area_m2"] = round(site_area_m2 * levels, 1) if site_area_m2 > 0 else float(rule.default)
    else:
        (col,) = FAMILY_CAPACITY[fam]
        cap[col] = float(tagged) if tagged is not None else float(rule.default)
    return cap


# ---------------------------------------------------------------- frames


#: Longest tag value kept, in characters: OpenStreetMap's own limit (API 0.6 refuses longer values), so a
#: longer one is not real OSM data. A 6 MB street name filled 17 published pages with 5 MB each (issue 27).
MAX_TAG_CHARS = 255


class LongTagWarning(DataWarning):
    """Tag values longer than :data:`MAX_TAG_CHARS` were cut while reading an OSM file."""


def cut_tags(tags: dict, cut: list) -> dict:
    """``tags`` with every value longer than :data:`MAX_TAG_CHARS` cut to that length (its key appended
    to ``cut``, so the reader can say what it cut). Non-text values are left as they are."""
    for k, v in tags.items():
        if isinstance(v, str) and len(v) > MAX_TAG_CHARS:
            tags[k] = v[:MAX_TAG_CHARS - 1] + "…"
            cut.append(k)
    return tags


def warn_cut(cut: list, file) -> None:
    """One warning naming ``file`` when :func:`cut_tags` cut any value while reading it."""
    if cut:
        keys = ", ".join(sorted(set(map(str, cut)))[:5])
        warnings.warn(f"{file}: {len(cut)} tag value(s) longer than {MAX_TAG_CHARS} characters (the OSM limit) were "
                      f"cut to {MAX_TAG_CHARS} (tags: {keys})", LongTagWarning, stacklevel=3)


def _row_tags(row: pd.Series, tag_columns: list[str]) -> dict:
    """Merge a row's tag columns with its JSON ``tags`` field (pyrosm keeps rare tags there)."""
    tags = {}
    raw = row.get("tags")
    if isinstance(raw, str) and raw.startswith("{"):
        try:
            tags.update({k: v for k, v in json.loads(raw).items() if isinstance(v, (str, int, float))})
        except json.JSONDecodeError:
            pass
    elif isinstance(raw, dict):
        tags.update(raw)
    for c in tag_columns:
        v = row.get(c)
        if v is not None and not (isinstance(v, float) and math.isnan(v)):
            tags[c] = str(v)
    return tags


def _osm_ids(gdf: gpd.GeoDataFrame) -> list[tuple[str, str]]:
    """(element type, id) per row, from pyrosm columns (osm_type, id) or osmnx's (element, id) index."""
    if "osm_type" in gdf.columns and "id" in gdf.columns:
        return [(str(t), str(int(i))) for t, i in zip(gdf["osm_type"], gdf["id"])]
    if isinstance(gdf.index, pd.MultiIndex) and gdf.index.nlevels == 2:
        return [(str(t), str(i)) for t, i in gdf.index]
    if "element" in gdf.columns and "id" in gdf.columns:
        return [(str(t), str(i)) for t, i in zip(gdf["element"], gdf["id"])]
    return [("feature", str(i)) for i in gdf.index]


#: ``operator:type`` values read as public / private ownership (others: unknown, "").
_OWNERSHIP = {"public": "public", "government": "public", "community": "public", "private": "private",
              "business": "private", "ngo": "private", "religious": "private"}


def _attributes(family: str, tags: dict) -> dict:
    """``ownership`` from ``operator:type`` (kindergartens, childcare, elderly care), ``puhui`` (a public
    kindergarten / childcare centre is 普惠; OSM has no tag for a private one's status), ``bed_type`` ("")."""
    own = _OWNERSHIP.get(str(tags.get("operator:type", "")).lower(), "") \
        if family in FACILITY_ATTRIBUTES["ownership"]["families"] else ""
    return {"ownership": own, "puhui": own == "public" and family in FACILITY_ATTRIBUTES["puhui"]["families"],
            "bed_type": ""}


def facilities_from_osm(pois_gdf: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    """Turn OSM features (pyrosm ``get_pois`` or osmnx ``features_from_*``) into the facility layer.

    Parameters
    ----------
    pois_gdf : GeoDataFrame
        OSM features with tag columns (and, for pyrosm, a JSON ``tags`` column); any CRS.
    crs : str or pyproj.CRS
        Projected CRS of the result (areas and centroids are computed in it).

    Returns
    -------
    GeoDataFrame
        Columns :data:`layers.schema.FACILITY_COLUMNS`, point geometry in ``crs``; one row per
        matching feature (features no rule matches are not facilities), ``facility_id``
        ``osm-<type>-<id>``. ``result.attrs["merged"]`` counts node POIs merged into the polygon
        of the same facility (see the module notes).
    """
    empty = gpd.GeoDataFrame({c: pd.Series(dtype="object" if c in ("facility_id", "name", "family", "subtype", "source",
                                                                    "ownership", "bed_type")
                                           else "bool" if c == "puhui" else "float64") for c in FACILITY_COLUMNS},
                             geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    if pois_gdf is None or len(pois_gdf) == 0:
        empty.attrs["merged"] = 0
        return empty
    gdf = pois_gdf.to_crs(crs) if pois_gdf.crs is not None else pois_gdf.set_crs("EPSG:4326").to_crs(crs)
    tag_columns = [c for c in gdf.columns if c not in ("geometry", "tags", "id", "osm_type", "element", "lon", "lat",
                                                         "timestamp", "version", "changeset", "visible")]
    ids = _osm_ids(gdf)
    rows = []
    cut: list = []
    for (otype, oid), (_, row) in zip(ids, gdf.iterrows()):
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        tags = cut_tags(_row_tags(row, tag_columns), cut)
        rule = match_tags(tags)
        if rule is None:
            continue
        subtype = school_subtype(tags) if rule.family == "school" else rule.subtype
        polygonal = geom.geom_type in ("Polygon", "MultiPolygon")
        area = float(geom.area) if polygonal else 0.0
        cap = capacity_for(rule, subtype, tags, area)
        name = tags.get("name") or f"({subtype.replace('_', ' ')}, OSM {otype} {oid})"
        rows.append({"facility_id": f"osm-{otype}-{oid}", "name": name, "family": rule.family, "subtype": subtype,
                     **cap, **_attributes(rule.family, tags), "source": f"{OSM_SOURCE} {otype}/{oid}",
                     "_poly": geom if polygonal else None, "geometry": geom.centroid if polygonal else geom})
    warn_cut(cut, "OSM features")
    if not rows:
        empty.attrs["merged"] = 0
        return empty
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    # Merge a node POI into the polygon of the same named facility it lies in (same thing mapped twice).
    drop = set()
    polys = out[out["_poly"].notna()]
    for i, r in out[out["_poly"].isna()].iterrows():
        same = polys[(polys["family"] == r["family"]) & (polys["name"] == r["name"])]
        if any(p.covers(r.geometry) for p in same["_poly"]):
            drop.add(i)
    out = out.drop(index=list(drop)).drop(columns="_poly").reset_index(drop=True)
    out = out[[*FACILITY_COLUMNS, "geometry"]]
    out.attrs["merged"] = len(drop)
    return out
