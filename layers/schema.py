"""The facility, project and population schema shared by every loader, engine and writer.

The age cohorts and the layer columns of a study-area GeoPackage (CONTRACT.md).
"""

from __future__ import annotations

from layers.norms import AGE_60_PER_65
from layers.families import (
    CAPACITY_COLUMNS, CLASSES_OF, FAMILIES, FAMILY_CAPACITY, FAMILY_LABELS, PROJECT_CAPACITY, PROJECT_TYPES, SCHOOL_LEVELS, SUBTYPE_LABELS,
    SUBTYPES,
)

# The facility families, their sub-types, capacity columns and project types live in the family
# registry (layers.families); these names are derived from it and stay current when a family is
# registered (dicts updated in place, tuples are live views).
__all__ = [
    "FAMILIES", "FAMILY_LABELS", "SUBTYPES", "SUBTYPE_LABELS", "CAPACITY_COLUMNS", "FAMILY_CAPACITY",
    "SCHOOL_LEVELS", "PROJECT_TYPES", "PROJECT_CAPACITY", "COHORTS", "BOUNDARY_COLUMNS", "DISTRICT_COLUMNS",
    "POPULATION_COLUMNS", "FACILITY_COLUMNS", "FACILITY_ATTRIBUTES", "COMMUNITY_COLUMNS", "OPTIONAL_COHORTS", "NAME_EN",
    "derive_age_60_plus", "PROJECT_COLUMNS", "LAYERS_REQUIRED", "LAYERS_OPTIONAL",
    "SOURCE_GENERATED", "is_generated", "CLASSES_OF", "facility_columns",
]

#: Age cohorts of the population layer, with the service level that demands them.
COHORTS: dict[str, dict[str, str]] = {
    "age_0_2": {"zh": "0-2岁", "en": "aged 0-2", "demand_for": "childcare"},
    "age_3_5": {"zh": "3-5岁", "en": "aged 3-5", "demand_for": "kindergarten"},
    "age_6_11": {"zh": "6-11岁", "en": "aged 6-11", "demand_for": "primary"},
    "age_12_14": {"zh": "12-14岁", "en": "aged 12-14", "demand_for": "junior"},
    "age_65_plus": {"zh": "65岁以上", "en": "aged 65+", "demand_for": "elderly_care"},
    # Chinese bed ratios (beds per 1,000 elderly) count people aged 60+. Optional in a user's layer:
    # derived from 65+ by the census ratio when absent (derive_age_60_plus; the loaders say so).
    "age_60_plus": {"zh": "60岁以上", "en": "aged 60+", "demand_for": "elderly_beds"},
}
#: Cohorts a population layer may omit, and how each is then derived.
OPTIONAL_COHORTS = {"age_60_plus": "age_65_plus"}

# Layer columns of area.gpkg (beyond geometry), CONTRACT.md "A user's own study area".
BOUNDARY_COLUMNS = ("name",)
DISTRICT_COLUMNS = ("district_id", "name")
POPULATION_COLUMNS = ("cell_id", "district_id", "pop_total", *COHORTS)
#: Attributes of a facility beyond its capacity (optional in a user's layer; "" / False when unknown):
#: ``ownership`` public / private (公办 / 民办), ``puhui`` 普惠 (public-benefit; a public kindergarten or
#: childcare centre is 普惠 by definition), ``bed_type`` nursing / general (护理型 / 普通) for elderly care.
FACILITY_ATTRIBUTES = {
    "ownership": {"values": ("public", "private"), "families": ("kindergarten", "childcare", "elderly_care"),
                  "zh": "举办性质", "en": "ownership"},
    "puhui": {"values": (True, False), "families": ("kindergarten", "childcare"), "zh": "普惠", "en": "public-benefit"},
    "bed_type": {"values": ("nursing", "general"), "families": ("elderly_care",), "zh": "床位类型", "en": "bed type"},
}
FACILITY_COLUMNS = ("facility_id", "name", "family", "subtype", *CAPACITY_COLUMNS, *FACILITY_ATTRIBUTES, "source")
#: The optional communities layer (社区: the unit of the plan's "a care site in every urban community
#: over 10,000 residents"): polygons with their residents.
COMMUNITY_COLUMNS = ("community_id", "name", "district_id", "pop_total")
PROJECT_COLUMNS = ("project_id", "name", "type", *PROJECT_CAPACITY, "open_year", "source")
#: Optional English name of a district, facility, project or community, beside ``name`` (the local,
#: usually Chinese, name). The demo's generated layers carry both; the app and published maps show it
#: when the language is English and fall back to ``name`` where it is missing or empty.
NAME_EN = "name_en"
#: Optional project columns (issue 11). ``build_year``: the plan's year (拟建, construction starts);
#: a file without it is read as before (``open_year`` is the opening year). ``classes_<level>``:
#: classes per level, 0 = derived from seats / class size. CLASSES_OF (capacity column -> its
#: classes column, projects and facilities that carry one) is the registry's (live) dict.
PROJECT_OPTIONAL = ("build_year", *CLASSES_OF.values())


def facility_columns() -> tuple[str, ...]:
    """The facility columns with every capacity column registered now (:data:`FACILITY_COLUMNS` is
    the set at import, which the loaders' column specs use)."""
    return ("facility_id", "name", "family", "subtype", *CAPACITY_COLUMNS, *FACILITY_ATTRIBUTES, "source")

#: Optional ``housing`` layer (points): new estates with their completion year and dwellings; the
#: enrolment projection adds their children from the completion year on. ``per100_<level>``
#: (children per 100 dwellings) is optional, default :data:`layers.norms.HOUSING_CHILDREN_PER_100`.
HOUSING_COLUMNS = ("housing_id", "completion_year", "dwellings")
HOUSING_OPTIONAL = ("name", "per100_kindergarten", "per100_primary", "per100_junior")

#: Optional births table of an area (``births.csv`` in a study-area folder): live births per
#: district and calendar year. With it the enrolment projection ages cohorts (scenarios.enrolment);
#: without it demand grows at the districts' ``growth_rate`` (the older mode).
BIRTHS_COLUMNS = ("district_id", "year", "births")
#: Optional per-district factors of the projection (districts layer columns): yearly child survival
#: and yearly net migration of children (a rate, 0.01 = +1 % a year; default 0 — a district's
#: ``growth_rate`` is not applied on top of births, it serves the growth-rate mode only).
DISTRICT_PROJECTION_COLUMNS = ("child_survival", "net_migration")

#: Optional pupil roster of an area (``enrolment.csv`` in a study-area folder; 学籍: pupils by school,
#: year and grade). ``school_id`` is a school's or kindergarten's ``facility_id``; ``grade`` is text.
ROSTER_COLUMNS = ("school_id", "year", "grade", "pupils")
#: Grades of the roster in order of progression, and the level each belongs to: kindergarten 小/中/大班
#: (K1-K3), primary 1-6, junior 7-9.
GRADE_LEVEL = {"K1": "kindergarten", "K2": "kindergarten", "K3": "kindergarten",
               **{str(g): "primary" for g in range(1, 7)}, **{str(g): "junior" for g in range(7, 10)}}
GRADES = tuple(GRADE_LEVEL)

#: GeoPackage layers of a study area; projects and communities are optional.
LAYERS_REQUIRED = ("boundary", "districts", "population", "facilities")
LAYERS_OPTIONAL = ("projects", "housing", "communities")

#: Values of the ``source`` column. Anything starting with "generated" is synthetic.
SOURCE_GENERATED = "generated (Hedong Planner demo, not real)"


def is_generated(source: str) -> bool:
    """True if a ``source`` value marks a row as generated demo data."""
    return str(source).lower().startswith("generated")


def derive_age_60_plus(population) -> bool:
    """Add ``age_60_plus`` (from ``age_65_plus`` x :data:`layers.norms.AGE_60_PER_65`) when absent.

    Modifies ``population`` in place. Returns True when the column was derived (the caller says so:
    :data:`layers.norms.AGE_60_DERIVED_NOTE`), False when the layer had it.
    """
    if "age_60_plus" in population.columns:
        return False
    # 60+ never exceeds the whole cell
    population["age_60_plus"] = (population["age_65_plus"].astype(float) * AGE_60_PER_65).clip(
        upper=population["pop_total"].astype(float))
    return True
