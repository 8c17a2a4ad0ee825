"""The facility, project and population schema shared by every loader, engine and writer.

The age cohorts and the layer columns of a study-area GeoPackage (CONTRACT.md).
"""

from __future__ import annotations

from layers.families import (
    CAPACITY_COLUMNS, FAMILIES, FAMILY_CAPACITY, FAMILY_LABELS, PROJECT_CAPACITY, PROJECT_TYPES, SCHOOL_LEVELS, SUBTYPE_LABELS,
    SUBTYPES,
)

# The facility families, their sub-types, capacity columns and project types live in the family
# registry (layers.families); these names are derived from it and stay current when a family is
# registered (dicts updated in place, tuples are live views).
__all__ = [
    "FAMILIES", "FAMILY_LABELS", "SUBTYPES", "SUBTYPE_LABELS", "CAPACITY_COLUMNS", "FAMILY_CAPACITY",
    "SCHOOL_LEVELS", "PROJECT_TYPES", "PROJECT_CAPACITY", "COHORTS", "BOUNDARY_COLUMNS", "DISTRICT_COLUMNS",
    "POPULATION_COLUMNS", "FACILITY_COLUMNS", "PROJECT_COLUMNS", "LAYERS_REQUIRED", "LAYERS_OPTIONAL",
    "SOURCE_GENERATED", "is_generated",
]

#: Age cohorts of the population layer, with the service level that demands them.
COHORTS: dict[str, dict[str, str]] = {
    "age_0_2": {"zh": "0-2岁", "en": "aged 0-2", "demand_for": "childcare"},
    "age_3_5": {"zh": "3-5岁", "en": "aged 3-5", "demand_for": "kindergarten"},
    "age_6_11": {"zh": "6-11岁", "en": "aged 6-11", "demand_for": "primary"},
    "age_12_14": {"zh": "12-14岁", "en": "aged 12-14", "demand_for": "junior"},
    "age_65_plus": {"zh": "65岁以上", "en": "aged 65+", "demand_for": "elderly_care"},
}

# Layer columns of area.gpkg (beyond geometry), CONTRACT.md "A user's own study area".
BOUNDARY_COLUMNS = ("name",)
DISTRICT_COLUMNS = ("district_id", "name")
POPULATION_COLUMNS = ("cell_id", "district_id", "pop_total", *COHORTS)
FACILITY_COLUMNS = ("facility_id", "name", "family", "subtype", *CAPACITY_COLUMNS, "source")
PROJECT_COLUMNS = ("project_id", "name", "type", *PROJECT_CAPACITY, "open_year", "source")
#: Optional project columns (issue 11). ``build_year``: the plan's year (拟建, construction starts);
#: a file without it is read as before (``open_year`` is the opening year). ``classes_<level>``:
#: classes per level, 0 = derived from seats / class size.
PROJECT_OPTIONAL = ("build_year", "classes_primary", "classes_junior", "classes_kindergarten")
#: Capacity column -> its classes column (projects, and facilities that carry one).
CLASSES_OF = {"seats_primary": "classes_primary", "seats_junior": "classes_junior",
              "places_kindergarten": "classes_kindergarten"}

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
#: and yearly net migration of children (a rate, 0.01 = +1 % a year; default the district's
#: ``growth_rate`` where present, else 0).
DISTRICT_PROJECTION_COLUMNS = ("child_survival", "net_migration")

#: GeoPackage layers of a study area; projects is the only optional one.
LAYERS_REQUIRED = ("boundary", "districts", "population", "facilities")
LAYERS_OPTIONAL = ("projects", "housing")

#: Values of the ``source`` column. Anything starting with "generated" is synthetic.
SOURCE_GENERATED = "generated (Hedong Planner demo, not real)"


def is_generated(source: str) -> bool:
    """True if a ``source`` value marks a row as generated demo data."""
    return str(source).lower().startswith("generated")
