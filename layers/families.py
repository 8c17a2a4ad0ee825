"""The facility-family registry: one record per facility family and one per service level.

Everything the program knows about a kind of facility lives in one :class:`Family` record and
the :class:`Service` records (levels) it supplies: labels (zh/en), sub-types, capacity columns
and their units, the demand cohort, the norm threshold / radius and life-circle tier, whether
pupils are assigned with capacity (school levels), the class size, the capacity of a new site,
the map colour and symbol, and whether the life-circle index counts it.

Every consumer (loaders, engines, the optimiser, the CLI's choices, the app's selectors, legends
and published pages) reads this registry, so a new family is one :func:`register_family` call
plus its data::

    from layers.families import CapacityColumn, Family, Service, Subtype, register_capacity_column, register_family
    register_capacity_column(CapacityColumn("places_childcare", "places", "托位", "childcare places", "托位", "places"))
    register_family(Family(
        "childcare", "托育", "Childcare", subtypes=(Subtype("childcare", "托育机构", "childcare centre"),),
        capacity=("places_childcare",), color="#e377c2", symbol="circle",
        services=(Service("childcare", "托育", "Childcare", demand="age_0_2", capacity="places_childcare",
                          minutes=10, tier=10),)))

A family's services are listed in registration order, family by family; the school levels
(``assigned=True``) in that order are :data:`LEVELS`.

The old names (``FAMILIES``, ``SERVICES``, ``FAMILY_LABELS``, ``CAPACITY_COLUMNS`` ... also
re-exported by :mod:`layers.schema` and :mod:`layers.norms`) are *derived* from the registry and
stay current: the dicts are updated in place and the tuples are live views
(:class:`RegistryView`), so a family registered at run time shows up wherever they are read —
as long as a consumer reads them when it needs them (a parser built, a page rendered), not
copies them at import.

Layer columns: the loaders' facilities columns (:data:`layers.validate.SPECS`) and
:func:`layers.schema.facility_columns` follow the registry (:func:`on_registry_change`), so a
family with a capacity column of its own (:func:`register_capacity_column` first) loads and
reaches the engines; the constant ``layers.schema.FACILITY_COLUMNS`` (and the projects columns)
stay as they were at import.

A school level is one :class:`Service` with ``assigned=True``: its capacity and classes columns,
class size, large-class rule, siting models, scenario actions and a new site's capacity are read
from the record by the seat engine (:mod:`scenarios.model`, :mod:`scenarios.evaluate`), the CLI's
choices and the published seat maps (tests/test_registry_levels.py registers one).

Norm numbers (class sizes, the standard kindergarten size) come from :mod:`layers.norms`; plan
figures (beds per 1,000, the derived school sizes) from :mod:`layers.plan`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from layers.care_families import CARE_CAPACITY_COLUMNS, CARE_FAMILIES
from layers.norms import CLASS_SIZE, KINDERGARTEN_STANDARD_CLASSES, NORM_DISTANCES, SPEEDS, NormLevel
from layers.params import Options, validate_params
from layers.plan import DERIVED_SEATS, INDICATORS
from layers.records import ATTENDANCE_MODEL, SEAT_MODELS, CapacityColumn, Family, Service, Subtype

# the records and the model names, re-exported (and the names below)
__all__ = ["CapacityColumn", "Family", "Service", "Subtype", "SEAT_MODELS", "ATTENDANCE_MODEL"]

# ---------------------------------------------------------------- records

# CapacityColumn, Subtype, Service and Family live in layers.records (re-exported here), below this
# module and layers.care_families, so the plan's extra families are records this module registers.


# ---------------------------------------------------------------- the registry

_CAPACITY: dict[str, CapacityColumn] = {}
_FAMILIES: dict[str, Family] = {}


class RegistryView(Sequence):
    """A read-only tuple-like view of registry keys, computed on every access (never stale)."""

    def __init__(self, compute, doc: str = ""):
        self._compute = compute
        self.__doc__ = doc

    def _items(self) -> tuple:
        return tuple(self._compute())

    def __getitem__(self, i):
        return self._items()[i]

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self):
        return iter(self._items())

    def __contains__(self, x) -> bool:
        return x in self._items()

    def __eq__(self, other) -> bool:
        return self._items() == tuple(other) if isinstance(other, (tuple, list, RegistryView)) else NotImplemented

    __hash__ = None

    def __add__(self, other):
        return self._items() + tuple(other)

    def __radd__(self, other):
        return tuple(other) + self._items()

    def __repr__(self) -> str:
        return repr(self._items())


#: Derived, kept current by :func:`_rebuild` (updated in place: importers hold the same objects).
FAMILY_LABELS: dict[str, dict[str, str]] = {}
SUBTYPES: dict[str, tuple[str, ...]] = {}
SUBTYPE_LABELS: dict[str, dict[str, str]] = {}
CAPACITY_COLUMNS: dict[str, dict[str, str]] = {}
FAMILY_CAPACITY: dict[str, tuple[str, ...]] = {}
SERVICES: dict[str, Service] = {}
NORM_LEVELS: dict[str, NormLevel] = {}
SCHOOL_LEVELS: dict[str, tuple[str, ...]] = {}
PROJECT_TYPES: dict[str, tuple[str, str]] = {}
FAMILY_STYLE: dict[str, dict[str, str]] = {}
TYPE_CAPACITY: dict[str, tuple[str, ...]] = {}
SERVICE_COLOR: dict[str, str] = {}
#: Capacity column -> classes column, of the assigned levels (``seats_primary`` -> ``classes_primary`` ...).
CLASSES_OF: dict[str, str] = {}

#: The facility families, in display order.
FAMILIES = RegistryView(lambda: _FAMILIES, "facility family keys, display order")
#: The services of the life-circle index, in report order.
LIFE_CIRCLE_SERVICES = RegistryView(lambda: (k for k, s in SERVICES.items() if s.life_circle),
                                    "services counted by the life-circle index")
#: The school levels (pupils assigned with capacity), in report order.
LEVELS = RegistryView(lambda: (k for k, s in SERVICES.items() if s.assigned), "school levels")
#: The services the optimiser sites (any :attr:`Service.models`), in report order.
SITED_LEVELS = RegistryView(lambda: (k for k, s in SERVICES.items() if s.models), "services the optimiser sites")
#: Capacity columns a planned project may carry (those of the project types' levels or families).
PROJECT_CAPACITY = RegistryView(lambda: dict.fromkeys(c for t in PROJECT_TYPES for c in type_capacity(t)),
                                "capacity columns of planned projects")


_LISTENERS: list = []


def on_registry_change(callback) -> None:
    """Call ``callback()`` after every change of the registry (a table built from it, such as the
    loaders' facilities columns in :mod:`layers.validate`, rebuilds itself)."""
    _LISTENERS.append(callback)


def _set(target: dict, values: dict) -> None:
    target.clear()
    target.update(values)


def _levels_of(fam: Family, subtype: str, assigned_only: bool = True) -> tuple[str, ...]:
    return tuple(s.key for f in _FAMILIES.values() for s in f.services
                 if fam.key in s.families and (s.subtypes is None or subtype in s.subtypes)
                 and (s.assigned or not assigned_only))


def _norm_level(s: Service) -> NormLevel:
    return NormLevel(s.key, s.zh, s.en, s.families, s.subtypes, s.demand, s.radius_m, s.mode,
                     f"{s.minutes:g}-minute life circle, {s.radius_m:g} m", s.mark)


def _rebuild() -> None:
    """Recompute every derived name from the registry (in place)."""
    fams = list(_FAMILIES.values())
    _set(CAPACITY_COLUMNS, {c.key: {"unit": c.unit, "zh": c.zh, "en": c.en} for c in _CAPACITY.values()})
    _set(FAMILY_LABELS, {f.key: {"zh": f.zh, "en": f.en} for f in fams})
    _set(SUBTYPES, {f.key: f.subtype_keys for f in fams})
    _set(SUBTYPE_LABELS, {s.key: {"zh": s.zh, "en": s.en} for f in fams for s in f.subtypes})
    _set(FAMILY_CAPACITY, {f.key: f.capacity for f in fams})
    _set(SERVICES, {s.key: s for f in fams for s in f.services})
    # The assigned levels with a norm radius are norm levels of the same name (one radius, one
    # set of sub-types); each family adds its other levels.
    _set(NORM_LEVELS, {**{s.key: _norm_level(s) for s in SERVICES.values() if s.assigned and s.radius_m},
                       **{n.key: n for f in fams for n in f.norm_levels}})
    _set(SCHOOL_LEVELS, {s.key: _levels_of(f, s.key) for f in fams for s in f.subtypes if _levels_of(f, s.key)})
    _set(PROJECT_TYPES, {s.key: (f.key, s.key) for f in fams for s in f.subtypes if s.project})
    _set(TYPE_CAPACITY, {t: type_capacity(t) for t in PROJECT_TYPES})
    _set(FAMILY_STYLE, {f.key: {"color": f.color, "shape": f.symbol} for f in fams})
    _set(CLASSES_OF, {s.capacity: s.classes for s in SERVICES.values() if s.assigned and s.capacity and s.classes})
    _set(SERVICE_COLOR, {s.key: s.color or _FAMILIES[s.families[0]].color for s in SERVICES.values()
                         if s.families and s.families[0] in _FAMILIES})
    for callback in _LISTENERS:
        callback()


_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def register_capacity_column(column: CapacityColumn, *, replace_existing: bool = False) -> CapacityColumn:
    """Add a capacity column (before a family that uses it). Returns it.

    Raises
    ------
    ValueError
        A column of that name exists (and ``replace_existing`` is False).
    """
    if column.key in _CAPACITY and not replace_existing:
        raise ValueError(f"capacity column {column.key!r} is already registered")
    _CAPACITY[column.key] = column
    _rebuild()
    return column


def unregister_capacity_column(key: str) -> CapacityColumn:
    """Remove a capacity column no family uses (for tests that register a temporary one).

    Raises
    ------
    ValueError
        A registered family still carries it.
    """
    users = [f.key for f in _FAMILIES.values() if key in f.capacity]
    if users:
        raise ValueError(f"capacity column {key!r} is used by {', '.join(users)}")
    c = _CAPACITY.pop(key)
    _rebuild()
    return c


def register_family(family: Family, *, replace_existing: bool = False) -> Family:
    """Add a facility family (and its services) to the registry; every consumer then sees it.

    Parameters
    ----------
    family : Family
    replace_existing : bool
        Replace a family of the same key (its position is kept).

    Returns
    -------
    Family
        The record as stored (its services' ``families`` filled in).

    Raises
    ------
    ValueError
        A key already used (family, or a service of another family), an unknown capacity
        column, travel mode, colour or siting model, no sub-types, a service's capacity column the
        family does not carry, or an assigned level without a capacity column and class size.
    """
    f = family
    if f.key in _FAMILIES and not replace_existing:
        raise ValueError(f"family {f.key!r} is already registered")
    if not f.subtypes:
        raise ValueError(f"family {f.key!r} needs at least one sub-type")
    if not _COLOR.match(f.color):
        raise ValueError(f"family {f.key!r}: colour {f.color!r} is not #rrggbb")
    unknown = [c for c in f.capacity if c not in _CAPACITY]
    if unknown:
        raise ValueError(f"family {f.key!r}: unknown capacity column(s) {', '.join(unknown)}; "
                         "register_capacity_column first")
    others = {s.key for k, g in _FAMILIES.items() if k != f.key for s in g.services}
    for s in f.services:
        if s.key in others:
            raise ValueError(f"service {s.key!r} is already supplied by another family")
        if s.mode not in SPEEDS:
            raise ValueError(f"service {s.key!r}: unknown mode {s.mode!r}; use one of {', '.join(SPEEDS)}")
        if s.capacity is not None and f.key in s.families and s.capacity not in f.capacity:
            raise ValueError(f"service {s.key!r}: capacity column {s.capacity!r} is not one of the family's "
                             f"({', '.join(f.capacity)})")
        if s.color is not None and not _COLOR.match(s.color):
            raise ValueError(f"service {s.key!r}: colour {s.color!r} is not #rrggbb")
        if s.assigned and not (s.capacity and s.class_size):
            raise ValueError(f"service {s.key!r}: an assigned (school) level needs a capacity column and a class size")
        unknown_models = [m for m in s.models if m not in (*SEAT_MODELS, ATTENDANCE_MODEL)]
        if unknown_models:
            raise ValueError(f"service {s.key!r}: unknown siting model(s) {', '.join(unknown_models)}")
    _FAMILIES[f.key] = f
    _rebuild()
    return f


def unregister_family(key: str) -> Family:
    """Remove a family (and its services) again — for tests that register a temporary one."""
    f = _FAMILIES.pop(key)
    _rebuild()
    return f


# ---------------------------------------------------------------- readers


def families() -> tuple[Family, ...]:
    """Every registered family, in display order."""
    return tuple(_FAMILIES.values())


def family(key: str) -> Family:
    """The family ``key``; ``KeyError`` naming the known ones otherwise."""
    try:
        return _FAMILIES[key]
    except KeyError:
        raise KeyError(f"unknown family {key!r}: use one of {', '.join(_FAMILIES)}") from None


def services() -> tuple[Service, ...]:
    """Every service (level), family by family."""
    return tuple(SERVICES.values())


def service(key: str) -> Service:
    """The service ``key``; ``KeyError`` naming the known ones otherwise."""
    try:
        return SERVICES[key]
    except KeyError:
        raise KeyError(f"unknown service {key!r}: use one of {', '.join(SERVICES)}") from None


def capacity_column(key: str) -> CapacityColumn:
    """The capacity column ``key``."""
    return _CAPACITY[key]


def family_of_service(key: str) -> Family:
    """The (first) family supplying service ``key``."""
    return _FAMILIES[service(key).families[0]]


def family_label(key: str, lang: str = "zh") -> str:
    """Display name of a family (the key itself when unknown)."""
    f = _FAMILIES.get(key)
    return f.label(lang) if f else str(key)


def subtype_label(key: str, lang: str = "zh") -> str:
    """Display name of a sub-type (the key itself when unknown)."""
    lab = SUBTYPE_LABELS.get(key)
    return lab[lang if lang in lab else "en"] if lab else str(key)


def service_label(key: str, lang: str = "zh") -> str:
    """Display name of a service (the key itself when unknown)."""
    s = SERVICES.get(key)
    return s.label(lang) if s else str(key)


def unit_label(column: str | None, lang: str = "zh") -> str:
    """Unit of a capacity column as shown next to a number (the column name when unknown)."""
    c = _CAPACITY.get(column) if column else None
    return c.unit_label(lang) if c else str(column)


def type_capacity(ptype: str) -> tuple[str, ...]:
    """Capacity columns a planned project of type ``ptype`` may carry, its main level's first.

    A project of a sub-type carrying school levels uses those levels' columns (a nine-year
    school: primary then junior seats); any other project type its family's columns.
    """
    fam_key, sub = PROJECT_TYPES[ptype]
    fam = _FAMILIES[fam_key]
    cols = tuple(dict.fromkeys(SERVICES[lv].capacity for lv in SCHOOL_LEVELS.get(sub, ()) if SERVICES[lv].capacity))
    return cols or fam.capacity


def main_level(ptype: str) -> str | None:
    """The school level whose capacity a project of type ``ptype`` carries first (None if none)."""
    _, sub = PROJECT_TYPES[ptype]
    lv = SCHOOL_LEVELS.get(sub, ())
    return lv[0] if lv else None


def new_site_capacity(level: str) -> int:
    """Capacity of one new site of ``level`` when nothing else gives it (the one rule).

    School levels use the plan's derived school sizes (2,160 primary = 48 x 45; 1,500 junior =
    30 x 50 — an inference, :data:`layers.plan.DERIVED_NOTE`) and the norm's standard
    kindergarten (12 classes x 30 = 360 places).

    Raises
    ------
    ValueError
        The level has no default capacity.
    """
    cap = service(level).new_site_capacity
    if cap is None:
        raise ValueError(f"service {level!r} has no default capacity for a new site")
    return int(cap)


def project_capacity(ptype: str) -> dict[str, int]:
    """Capacity columns of one new project of type ``ptype`` (0 for the columns it does not use).

    Each level the type carries contributes :func:`new_site_capacity` to its column.
    """
    cap = dict.fromkeys(PROJECT_CAPACITY, 0)
    _, sub = PROJECT_TYPES[ptype]
    for lv in SCHOOL_LEVELS.get(sub, ()):
        cap[SERVICES[lv].capacity] = new_site_capacity(lv)
    return cap


#: The one check of a school-level argument (:func:`layers.params.validate_params`; the CLI's choices).
LEVEL = Options(lambda: LEVELS, "level")


@validate_params({"level": LEVEL})
def level_service(level: str) -> Service:
    """The record of an assigned (school) level; :class:`~layers.errors.ParameterError` (a
    ``ValueError``) naming the levels otherwise."""
    return SERVICES[level]


def level_of_capacity(column: str) -> str:
    """The assigned level whose capacity column is ``column`` (``seats_primary`` -> ``primary``)."""
    for k in LEVELS:
        if SERVICES[k].capacity == column:
            return k
    raise ValueError(f"no school level has capacity column {column!r}: "
                     f"use one of {', '.join(SERVICES[k].capacity for k in LEVELS)}")


def classes_column(level: str) -> str:
    """The classes column of an assigned level (its record's ``classes``, else ``classes_<level>``)."""
    return level_service(level).classes or f"classes_{level}"


def supplies(family_key: str, subtype: str, level: str) -> bool:
    """Whether a facility of ``family_key`` / ``subtype`` supplies ``level`` (the rule of
    :func:`accessibility.services.service_facilities`, for one row)."""
    s = SERVICES.get(level)
    return s is not None and family_key in s.families and (s.subtypes is None or subtype in s.subtypes)


def levels_with_action(action: str) -> tuple[str, ...]:
    """The levels a scenario action (``expand``, ``close``, ``convert``) applies to, in report order."""
    return tuple(k for k, s in SERVICES.items() if action in s.actions)


def levels_for_model(model: str) -> tuple[str, ...]:
    """The services a siting model applies to (:attr:`Service.models`), in report order."""
    return tuple(k for k, s in SERVICES.items() if model in s.models)


@validate_params({"level": LEVEL})
def demand_of(level: str) -> str:
    """The population column demanding a school ``level``; :class:`~layers.errors.ParameterError`
    (a ``ValueError``) for other keys."""
    return SERVICES[level].demand


# ---------------------------------------------------------------- the families of the plan

for _c in (
    CapacityColumn("seats_primary", "seats", "小学学位", "primary seats", "学位", "seats"),
    CapacityColumn("seats_junior", "seats", "初中学位", "junior seats", "学位", "seats"),
    CapacityColumn("places_kindergarten", "places", "幼儿园学位", "kindergarten places", "学位", "places"),
    CapacityColumn("beds", "beds", "床位", "beds", "床位", "beds"),
    CapacityColumn("area_m2", "m2", "面积(m²)", "area (m²)", "平方米", "m²"),
):
    register_capacity_column(_c)

_KG_PLACES = KINDERGARTEN_STANDARD_CLASSES * CLASS_SIZE["kindergarten"]  # 12 x 30 = 360 [C]

register_family(Family(
    "school", "中小学", "Schools",
    subtypes=(Subtype("primary", "小学", "primary school", project=True),
              Subtype("junior", "初中", "junior middle school", project=True),
              Subtype("nine_year", "九年一贯制学校", "nine-year school", project=True),
              # 完全中学 = junior + senior middle; only its junior seats matter here
              Subtype("complete", "完全中学", "complete middle school", project=True)),
    capacity=("seats_primary", "seats_junior"), color="#1f5fbf", symbol="square", id_prefix="sch",
    services=(
        Service("primary", "小学", "Primary school", subtypes=("primary", "nine_year"), capacity="seats_primary",
                demand="age_6_11", minutes=10, radius_m=NORM_DISTANCES["primary"].distance_m, tier=10,
                source="10-minute life circle (GB 50180-2018); radius 500 m; 45 pupils per class", mark="S",
                life_circle=True, assigned=True, class_size=CLASS_SIZE["primary"],
                new_site_capacity=DERIVED_SEATS["primary_per_school"], classes="classes_primary", large_classes=True,
                models=SEAT_MODELS, actions=("expand", "close"),
                notes="the school family enters the life-circle index through primary schools, the ones young "
                      "children walk to"),
        Service("junior", "初中", "Junior middle school", subtypes=("junior", "nine_year", "complete"),
                capacity="seats_junior", demand="age_12_14", minutes=15, radius_m=NORM_DISTANCES["junior"].distance_m, tier=15,
                source="15-minute life circle (GB 50180-2018); radius 1000 m; 50 pupils per class", mark="S",
                assigned=True, class_size=CLASS_SIZE["junior"], new_site_capacity=DERIVED_SEATS["junior_per_school"],
                color="#17becf", classes="classes_junior", large_classes=True, models=SEAT_MODELS,
                actions=("expand", "close")),
    ),
))
register_family(Family(
    "kindergarten", "幼儿园", "Kindergartens",
    subtypes=(Subtype("kindergarten", "幼儿园", "kindergarten", project=True),),
    capacity=("places_kindergarten",), color="#e6731a", symbol="circle", id_prefix="kg",
    services=(
        Service("kindergarten", "幼儿园", "Kindergarten", capacity="places_kindergarten", demand="age_3_5",
                minutes=5, radius_m=NORM_DISTANCES["kindergarten"].distance_m, tier=5,
                source="5-minute life circle; radius 300 m (another old code says 500 m); 30 children per class",
                mark="S", life_circle=True, assigned=True, class_size=CLASS_SIZE["kindergarten"],
                new_site_capacity=_KG_PLACES, classes="classes_kindergarten", models=(*SEAT_MODELS, ATTENDANCE_MODEL),
                # 幼转老: a kindergarten converts into an elderly day-care site (scenarios.model.apply_actions)
                actions=("expand", "close", "convert")),
    ),
))
register_family(Family(
    "clinic", "医疗卫生", "Clinics & health",
    subtypes=(Subtype("health_centre", "社区卫生服务中心", "community health centre"),
              Subtype("health_station", "卫生服务站/诊所", "health station / doctors"),
              Subtype("hospital", "医院", "hospital")),
    capacity=("beds",), color="#d62728", symbol="cross", id_prefix="cli",
    services=(
        Service("clinic", "医疗卫生", "Clinics & health", capacity="beds", minutes=15,
                radius_m=NORM_DISTANCES["health_centre"].distance_m, tier=15,
                per_1000=INDICATORS["beds_per_1000"]["2025"],
                source=(f"community health centre in the 15-minute circle [U]; "
                        f"{INDICATORS['beds_per_1000']['2025']:.1f} beds per 1,000 by 2025 (plan indicator 15)"),
                mark="U", life_circle=True),
    ),
    norm_levels=(
        NormLevel("health_centre", "社区卫生服务中心", "Community health centre", ("clinic",),
                  ("health_centre", "hospital"), "pop_total", NORM_DISTANCES["health_centre"].distance_m, "walk",
                  "15-minute level; one per subdistrict (30,000-50,000 residents)", "U"),
        NormLevel("health_station", "卫生服务站", "Health station", ("clinic",), None, "pop_total",
                  NORM_DISTANCES["health_station"].distance_m, "walk",
                  "5-minute level", "U"),
    ),
))
register_family(Family(
    "elderly_care", "养老服务", "Elderly care",
    subtypes=(Subtype("day_care", "日间照料中心", "elderly day-care centre"),
              Subtype("nursing_home", "养老院", "nursing home")),
    capacity=("beds",), color="#7b3fa0", symbol="diamond", id_prefix="eld",
    services=(
        # Both kinds together, as before the split: kept so that every output keyed ``elderly_care``
        # keeps its meaning (CONTRACT: keys are never dropped). The life-circle index counts the two
        # services below, each at its own tier, instead.
        Service("elderly_care", "养老服务", "Elderly care", capacity="beds", demand="age_60_plus",
                mode="walk_elderly", minutes=15, radius_m=NORM_DISTANCES["nursing_home"].distance_m, tier=15,
                per_1000=None,
                source="day-care centres and care homes together (the two services day_care and nursing_home "
                       "split them); demand: people aged 60+ (Chinese bed ratios count 60+); the plan's bed target "
                       "is the nursing-bed share (养老机构护理型床位占比 55 %), a city-wide ratio in hedong "
                       "indicators, not a walking-catchment figure",
                mark="U", life_circle=False),
        Service("day_care", "老年人日间照料中心", "Elderly day care", subtypes=("day_care",), capacity="beds",
                demand="age_60_plus", mode="walk_elderly", minutes=5,
                radius_m=NORM_DISTANCES["day_care"].distance_m, tier=5,
                source="老年人日间照料中心 in the 5-minute life circle, <= 300 m (GB 50180-2018 appendix C, "
                       "table C.0.2, recalled); capacity: day-care places (beds column); demand: people aged 60+; "
                       "the plan: a site in every urban community of 10,000 residents or more",
                mark="S", life_circle=True,
                notes="day-care places are not 养老机构 beds: the nursing-bed share leaves them out"),
        Service("nursing_home", "养老院（养老机构）", "Care home (养老机构)", subtypes=("nursing_home",),
                capacity="beds", demand="age_60_plus", mode="walk_elderly", minutes=15,
                radius_m=NORM_DISTANCES["nursing_home"].distance_m, tier=15,
                source="养老院 in the 15-minute life circle (GB 50180-2018 appendix B/C, recalled); capacity: "
                       "institutional beds (养老机构床位, the base of the plan's 55 % nursing-bed share); "
                       "demand: people aged 60+",
                mark="U", life_circle=True, color="#54278f"),
    ),
    norm_levels=(
        NormLevel("day_care", "日间照料中心", "Elderly day care", ("elderly_care",), ("day_care",), "age_60_plus",
                  NORM_DISTANCES["day_care"].distance_m, "walk_elderly",
                  "5-minute level; every community of 10,000 residents or more gets a site (city plan)", "S"),
        NormLevel("nursing_home", "养老院", "Nursing home", ("elderly_care",), ("nursing_home",), "age_60_plus",
                  NORM_DISTANCES["nursing_home"].distance_m, "walk_elderly",
                  "15-minute level (beds are a city-wide ratio: hedong indicators)", "U"),
    ),
))
register_family(Family(
    "study_room", "河东书房", "Hedong Study Rooms",
    subtypes=(Subtype("study_room", "河东书房", "Hedong Study Room"),),
    capacity=("area_m2",), color="#8c564b", symbol="book", id_prefix="study",
    services=(
        Service("study_room", "河东书房", "Hedong Study Room", capacity="area_m2", minutes=15, tier=15,
                source="no norm found; 15-minute walk by analogy with the fitness circle", mark="U",
                life_circle=True),
    ),
))
register_family(Family(
    "fitness", "健身设施", "Fitness",
    subtypes=(Subtype("fitness_centre", "健身中心", "fitness centre"),
              Subtype("sports_park", "体育公园", "sports park"),
              Subtype("pitch", "球场", "pitch / court"),
              Subtype("fitness_square", "健身广场", "fitness square"),
              Subtype("trail", "健身步道", "fitness trail")),
    capacity=("area_m2",), color="#2a9d3a", symbol="triangle", id_prefix="fit",
    services=(
        Service("fitness", "健身设施", "Fitness", capacity="area_m2", tier=15,
                # m2 per person (plan indicator 12) -> m2 per 1,000 residents
                minutes=15, per_1000=INDICATORS["sports_area_per_capita"]["2025"] * 1000.0,
                source=(f"15-minute fitness circle (全民健身场地设施提升行动工作方案 2023-2025); "
                        f"{INDICATORS['sports_area_per_capita']['2025']:g} m2 sports area per person (plan)"),
                mark="C", life_circle=True),
    ),
))
del _c

# The families the plan's indicator table adds (childcare, culture): records of layers.care_families.
for _c in CARE_CAPACITY_COLUMNS:
    register_capacity_column(_c)
for _f in CARE_FAMILIES:
    register_family(_f)
del _c, _f
