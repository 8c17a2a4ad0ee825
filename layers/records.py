"""The records of the facility-family registry: capacity columns, sub-types, services, families.

Plain frozen dataclasses with no registry behind them (that is :mod:`layers.families`, which
re-exports them): the bottom of the registry, so a module defining families as data
(:mod:`layers.care_families`) needs nothing above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from layers.norms import NormLevel

__all__ = ["CapacityColumn", "Subtype", "Service", "Family", "SEAT_MODELS", "ATTENDANCE_MODEL"]

#: The optimiser's models that site seats against a demand (spopt's families plus the capacitated ones).
SEAT_MODELS = ("pmedian", "mclp", "lscp", "pcenter", "cpmedian", "cmclp")
#: The optimiser's model of distance-decayed attendance (a service people choose to use).
ATTENDANCE_MODEL = "attendance"


@dataclass(frozen=True)
class CapacityColumn:
    """A capacity column of the facilities / projects layers and its unit.

    Attributes
    ----------
    key : str
        Column name (``seats_primary``, ``beds`` ...).
    unit : str
        Machine unit (``seats``, ``places``, ``beds``, ``m2``).
    zh, en : str
        What the column counts (``小学学位`` / ``primary seats``).
    unit_zh, unit_en : str
        The unit as shown next to a number (``学位`` / ``seats``).
    """

    key: str
    unit: str
    zh: str
    en: str
    unit_zh: str
    unit_en: str

    def label(self, lang: str = "zh") -> str:
        """What the column counts, in ``zh`` or ``en``."""
        return self.zh if lang == "zh" else self.en

    def unit_label(self, lang: str = "zh") -> str:
        """The unit, in ``zh`` or ``en``."""
        return self.unit_zh if lang == "zh" else self.unit_en


@dataclass(frozen=True)
class Subtype:
    """A facility sub-type; ``project`` marks the ones a planned project may be (``PROJECT_TYPES``)."""

    key: str
    zh: str
    en: str
    project: bool = False

    def label(self, lang: str = "zh") -> str:
        """Display name in ``zh`` or ``en``."""
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Service:
    """One public service (a level of a family): who supplies it, who demands it, how far is too far.

    One engine serves every family through these records (no per-family code paths). A planner
    may override any value by building another record (``dataclasses.replace``).

    Attributes
    ----------
    key : str
        Identifier used in JSON and the CLI (``fitness``, ``primary`` ...).
    zh, en : str
        Display names.
    families : tuple of str
        Facility families that supply it (filled in by :class:`Family` for its own services).
    subtypes : tuple of str or None
        Sub-types within those families that supply it (None: all).
    capacity : str or None
        Capacity column (seats, places, beds, area) used by capacity-aware measures.
    demand : str
        Population column that demands it (``pop_total`` or an age cohort).
    mode : str
        Key of :data:`layers.norms.SPEEDS`.
    minutes : float
        Service threshold in minutes of travel (coverage, assignment limit).
    radius_m : float or None
        Norm service radius as network distance (norm checks), where a norm gives one.
    per_1000 : float or None
        Capacity target per 1,000 of the demand population where the plan or a norm gives one.
    source : str
        Where the threshold comes from.
    mark : str
        C / S / U as in NORMS.md.
    life_circle : bool
        Counted in the life-circle index.
    tier : int or None
        GB 50180-2018 life-circle tier (5, 10 or 15 minutes) the norm places the service in.
    assigned : bool
        Pupils are assigned to sites with capacity (a school level: the seat balance of
        :mod:`scenarios.evaluate`, the scenario editor, the seat maps).
    class_size : int or None
        Pupils per class (norms), for school levels.
    new_site_capacity : int or None
        Capacity of one new site (a candidate or a planned project giving none).
    color : str or None
        Colour of its service areas on maps; None: its family's colour.
    classes : str or None
        Column holding the classes of this level on facilities and projects (``classes_primary``
        ...); 0 or absent there means seats / ``class_size`` rounded up.
    large_classes : bool
        The 大班额 (56+) / 超大班额 (66+) thresholds apply to its classes (primary and junior schools;
        not kindergartens, whose norm size is the only check).
    models : tuple of str
        Siting models of the optimiser that apply (:data:`SEAT_MODELS` for a level with seats,
        ``attendance`` for decayed attendance); empty: the optimiser does not site it.
    actions : tuple of str
        Scenario actions on an existing site of this level (``expand``, ``close``, ``convert``).
    """

    key: str
    zh: str
    en: str
    families: tuple[str, ...] = ()
    subtypes: tuple[str, ...] | None = None
    capacity: str | None = None
    demand: str = "pop_total"
    mode: str = "walk"
    minutes: float = 15.0
    radius_m: float | None = None
    per_1000: float | None = None
    source: str = ""
    mark: str = "U"
    life_circle: bool = False
    notes: str = field(default="", compare=False)
    tier: int | None = None
    assigned: bool = False
    class_size: int | None = None
    new_site_capacity: int | None = None
    color: str | None = None
    classes: str | None = None
    large_classes: bool = False
    models: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()

    def label(self, lang: str = "zh") -> str:
        """Display name in ``zh`` or ``en``."""
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Family:
    """A facility family: its sub-types, capacity columns, map style and the services it supplies.

    Attributes
    ----------
    key : str
        Value of the facilities layer's ``family`` column.
    zh, en : str
        Display names.
    subtypes : tuple of Subtype
        The first one is the default when a source gives none.
    capacity : tuple of str
        Capacity columns a facility of this family may carry (others must be 0).
    color : str
        Map colour (``#rrggbb``).
    symbol : str
        Marker shape name (the presentation layer draws it: ``square``, ``circle``, ``cross``,
        ``diamond``, ``book``, ``triangle``).
    services : tuple of Service
        The services (levels) it supplies; their ``families`` default to ``(key,)``.
    norm_levels : tuple of NormLevel
        Facility levels with a norm radius beyond its services (``health_station`` ...).
    id_prefix : str
        Prefix of generated facility ids (demo data).
    """

    key: str
    zh: str
    en: str
    subtypes: tuple[Subtype, ...]
    capacity: tuple[str, ...]
    color: str
    symbol: str
    services: tuple[Service, ...] = ()
    norm_levels: tuple[NormLevel, ...] = ()
    id_prefix: str = ""

    def __post_init__(self):
        # A family's own services name it as their supplier unless they say otherwise.
        object.__setattr__(self, "services", tuple(s if s.families else replace(s, families=(self.key,))
                                                   for s in self.services))
        if not self.id_prefix:
            object.__setattr__(self, "id_prefix", self.key[:4])

    def label(self, lang: str = "zh") -> str:
        """Display name in ``zh`` or ``en``."""
        return self.zh if lang == "zh" else self.en

    @property
    def subtype_keys(self) -> tuple[str, ...]:
        """Keys of the sub-types, the default first."""
        return tuple(s.key for s in self.subtypes)
