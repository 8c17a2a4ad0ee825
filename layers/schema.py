"""The facility, project and population schema shared by every loader, engine and writer.

One place names the six facility families, their sub-types, the capacity columns and their
units, the age cohorts and the layer columns of a study-area GeoPackage (CONTRACT.md).
"""

from __future__ import annotations

#: The six facility families the plan names, in display order.
FAMILIES: tuple[str, ...] = ("school", "kindergarten", "clinic", "elderly_care", "study_room", "fitness")

FAMILY_LABELS: dict[str, dict[str, str]] = {
    "school": {"zh": "中小学", "en": "Schools"},
    "kindergarten": {"zh": "幼儿园", "en": "Kindergartens"},
    "clinic": {"zh": "医疗卫生", "en": "Clinics & health"},
    "elderly_care": {"zh": "养老服务", "en": "Elderly care"},
    "study_room": {"zh": "河东书房", "en": "Hedong Study Rooms"},
    "fitness": {"zh": "健身设施", "en": "Fitness"},
}

#: Sub-types per family. The first one is the default when a source gives none.
SUBTYPES: dict[str, tuple[str, ...]] = {
    "school": ("primary", "junior", "nine_year", "complete"),
    "kindergarten": ("kindergarten",),
    "clinic": ("health_centre", "health_station", "hospital"),
    "elderly_care": ("day_care", "nursing_home"),
    "study_room": ("study_room",),
    "fitness": ("fitness_centre", "sports_park", "pitch", "fitness_square", "trail"),
}

SUBTYPE_LABELS: dict[str, dict[str, str]] = {
    "primary": {"zh": "小学", "en": "primary school"},
    "junior": {"zh": "初中", "en": "junior middle school"},
    "nine_year": {"zh": "九年一贯制学校", "en": "nine-year school"},
    "complete": {"zh": "完全中学", "en": "complete middle school"},
    "kindergarten": {"zh": "幼儿园", "en": "kindergarten"},
    "health_centre": {"zh": "社区卫生服务中心", "en": "community health centre"},
    "health_station": {"zh": "卫生服务站/诊所", "en": "health station / doctors"},
    "hospital": {"zh": "医院", "en": "hospital"},
    "day_care": {"zh": "日间照料中心", "en": "elderly day-care centre"},
    "nursing_home": {"zh": "养老院", "en": "nursing home"},
    "study_room": {"zh": "河东书房", "en": "Hedong Study Room"},
    "fitness_centre": {"zh": "健身中心", "en": "fitness centre"},
    "sports_park": {"zh": "体育公园", "en": "sports park"},
    "pitch": {"zh": "球场", "en": "pitch / court"},
    "fitness_square": {"zh": "健身广场", "en": "fitness square"},
    "trail": {"zh": "健身步道", "en": "fitness trail"},
}

#: Capacity columns with their unit; a row leaves the columns it does not use at 0.
CAPACITY_COLUMNS: dict[str, dict[str, str]] = {
    "seats_primary": {"unit": "seats", "zh": "小学学位", "en": "primary seats"},
    "seats_junior": {"unit": "seats", "zh": "初中学位", "en": "junior seats"},
    "places_kindergarten": {"unit": "places", "zh": "幼儿园学位", "en": "kindergarten places"},
    "beds": {"unit": "beds", "zh": "床位", "en": "beds"},
    "area_m2": {"unit": "m2", "zh": "面积(m²)", "en": "area (m²)"},
}

#: Which capacity columns a family may carry (others must be 0).
FAMILY_CAPACITY: dict[str, tuple[str, ...]] = {
    "school": ("seats_primary", "seats_junior"),
    "kindergarten": ("places_kindergarten",),
    "clinic": ("beds",),
    "elderly_care": ("beds",),
    "study_room": ("area_m2",),
    "fitness": ("area_m2",),
}

#: Which school sub-types carry which seats (a nine-year or complete school serves two levels).
SCHOOL_LEVELS: dict[str, tuple[str, ...]] = {
    "primary": ("primary",),
    "junior": ("junior",),
    "nine_year": ("primary", "junior"),
    "complete": ("junior",),  # 完全中学 = junior + senior middle; only its junior seats matter here
}

#: Project types (CONTRACT.md) and the facility family / sub-type a project becomes when it opens.
PROJECT_TYPES: dict[str, tuple[str, str]] = {
    "primary": ("school", "primary"),
    "junior": ("school", "junior"),
    "nine_year": ("school", "nine_year"),
    "complete": ("school", "complete"),
    "kindergarten": ("kindergarten", "kindergarten"),
}

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
PROJECT_COLUMNS = (
    "project_id", "name", "type", "seats_primary", "seats_junior", "places_kindergarten", "open_year", "source",
)
PROJECT_CAPACITY = ("seats_primary", "seats_junior", "places_kindergarten")
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
