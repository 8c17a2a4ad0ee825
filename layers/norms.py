"""Planning norms as data: travel speeds, service thresholds, norm radii — each with its source.

Every value carries a ``mark`` as in shared NORMS.md: ``C`` read in the cited source,
``S`` secondary, ``U`` unconfirmed documented default (the UI says so). A planner can override
any of them by building a :class:`Service` with other values (``dataclasses.replace``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from layers.plan import INDICATORS

# ---------------------------------------------------------------- speeds


@dataclass(frozen=True)
class Speed:
    """A travel mode's speed in metres per minute, with where it comes from."""

    mode: str
    m_per_min: float
    source: str
    mark: str

    @property
    def m_per_s(self) -> float:
        """Metres per second."""
        return self.m_per_min / 60.0


SPEEDS: dict[str, Speed] = {
    "walk": Speed("walk", 60.0, "implied by GB 50180-2018 life-circle distances (300 m / 5 min); no national norm states a speed", "U"),
    "walk_elderly": Speed("walk_elderly", 50.0, "slow bound implied by GB 50180-2018 (500 m / 10 min)", "U"),
    "bike": Speed("bike", 250.0, "15 km/h, a literature convention", "U"),
}
#: Sensitivity range for walking (m/min), per NORMS.md.
WALK_SENSITIVITY = (50.0, 60.0, 67.0)

#: Off-network walk (snapping) is always on foot, at the mode's walking speed; beyond this many
#: metres from the nearest street a point is reported as unsnappable rather than silently snapped.
MAX_SNAP_M = 500.0


# ---------------------------------------------------------------- life circles (GB 50180-2018 3.0.4)

LIFE_CIRCLES = (
    {"level": "15-minute", "minutes": 15, "distance_m": (800, 1000), "residents": (50000, 100000), "mark": "C"},
    {"level": "10-minute", "minutes": 10, "distance_m": (500, 500), "residents": (15000, 25000), "mark": "C"},
    {"level": "5-minute", "minutes": 5, "distance_m": (300, 300), "residents": (5000, 12000), "mark": "S"},
)
LIFE_CIRCLE_SOURCE = "GB 50180-2018 《城市居住区规划设计标准》 clause 3.0.4; TD/T 1062-2021; MOFCOM 一刻钟便民生活圈 (2021)"


# ---------------------------------------------------------------- services


@dataclass(frozen=True)
class Service:
    """One public service: who supplies it, who demands it, how they travel and how far is too far.

    One engine serves all six families through these records (no per-family code paths).

    Attributes
    ----------
    key : str
        Identifier used in JSON and the CLI (``fitness``, ``primary`` ...).
    families : tuple of str
        Facility families that supply it.
    subtypes : tuple of str or None
        Sub-types within those families that supply it (None: all).
    capacity : str or None
        Capacity column (seats, places, beds, area) used by capacity-aware measures.
    demand : str
        Population column that demands it (``pop_total`` or an age cohort).
    mode : str
        Key of :data:`SPEEDS`.
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
        Counted in the one-quarter-hour life-circle index.
    """

    key: str
    zh: str
    en: str
    families: tuple[str, ...]
    subtypes: tuple[str, ...] | None
    capacity: str | None
    demand: str
    mode: str = "walk"
    minutes: float = 15.0
    radius_m: float | None = None
    per_1000: float | None = None
    source: str = ""
    mark: str = "U"
    life_circle: bool = False
    notes: str = field(default="", compare=False)

    def label(self, lang: str = "zh") -> str:
        """Display name in ``zh`` or ``en``."""
        return self.zh if lang == "zh" else self.en


SERVICES: dict[str, Service] = {
    s.key: s
    for s in (
        Service("kindergarten", "幼儿园", "Kindergarten", ("kindergarten",), None, "places_kindergarten", "age_3_5",
                minutes=5, radius_m=300,
                source="5-minute life circle; radius 300 m (another old code says 500 m); 30 children per class",
                mark="S", life_circle=True),
        Service("primary", "小学", "Primary school", ("school",), ("primary", "nine_year"), "seats_primary", "age_6_11",
                minutes=10, radius_m=500,
                source="10-minute life circle (GB 50180-2018); radius 500 m; 45 pupils per class", mark="S",
                life_circle=True,
                notes="the school family enters the life-circle index through primary schools, the ones young children walk to"),
        Service("junior", "初中", "Junior middle school", ("school",), ("junior", "nine_year", "complete"), "seats_junior",
                "age_12_14", minutes=15, radius_m=1000,
                source="15-minute life circle (GB 50180-2018); radius 1000 m; 50 pupils per class", mark="S"),
        Service("clinic", "医疗卫生", "Clinics & health", ("clinic",), None, "beds", "pop_total",
                minutes=15, radius_m=1000, per_1000=INDICATORS["beds_per_1000"]["2025"],
                source=(f"community health centre in the 15-minute circle [U]; "
                        f"{INDICATORS['beds_per_1000']['2025']:.1f} beds per 1,000 by 2025 (plan indicator 15)"),
                mark="U", life_circle=True),
        Service("elderly_care", "养老服务", "Elderly care", ("elderly_care",), None, "beds", "age_65_plus",
                mode="walk_elderly", minutes=15, radius_m=1000, per_1000=35.0,
                source="nursing home 15-minute circle [U]; 35-40 beds per 1,000 elderly (national 2020 target)",
                mark="U", life_circle=True),
        Service("study_room", "河东书房", "Hedong Study Room", ("study_room",), None, "area_m2", "pop_total",
                minutes=15, source="no norm found; 15-minute walk by analogy with the fitness circle", mark="U",
                life_circle=True),
        Service("fitness", "健身设施", "Fitness", ("fitness",), None, "area_m2", "pop_total",
                # m2 per person (plan indicator 12) -> m2 per 1,000 residents
                minutes=15, per_1000=INDICATORS["sports_area_per_capita"]["2025"] * 1000.0,
                source=(f"15-minute fitness circle (全民健身场地设施提升行动工作方案 2023-2025); "
                        f"{INDICATORS['sports_area_per_capita']['2025']:g} m2 sports area per person (plan)"),
                mark="C", life_circle=True),
    )
}

#: The services of the one-quarter-hour life-circle index (一刻钟便民生活圈), one per facility family.
LIFE_CIRCLE_SERVICES: tuple[str, ...] = tuple(k for k, s in SERVICES.items() if s.life_circle)


# ---------------------------------------------------------------- norm radii per facility level


@dataclass(frozen=True)
class NormLevel:
    """A facility level with a norm service radius (network walking distance) from NORMS.md."""

    key: str
    zh: str
    en: str
    families: tuple[str, ...]
    subtypes: tuple[str, ...] | None
    demand: str
    radius_m: float
    mode: str
    source: str
    mark: str


NORM_LEVELS: dict[str, NormLevel] = {
    n.key: n
    for n in (
        # The school levels are the services of the same name: one radius, one set of sub-types.
        *(NormLevel(s.key, s.zh, s.en, s.families, s.subtypes, s.demand, s.radius_m, s.mode,
                    f"{s.minutes:g}-minute life circle, {s.radius_m:g} m", s.mark)
          for s in (SERVICES["kindergarten"], SERVICES["primary"], SERVICES["junior"])),
        NormLevel("health_centre", "社区卫生服务中心", "Community health centre", ("clinic",), ("health_centre", "hospital"),
                  "pop_total", 1000, "walk", "15-minute level; one per subdistrict (30,000-50,000 residents)", "U"),
        NormLevel("health_station", "卫生服务站", "Health station", ("clinic",), None, "pop_total", 300, "walk",
                  "5-minute level", "U"),
        NormLevel("day_care", "日间照料中心", "Elderly day care", ("elderly_care",), ("day_care",), "age_65_plus", 300,
                  "walk_elderly", "5-minute level; every community over 10,000 residents gets a site (city plan)", "U"),
        NormLevel("nursing_home", "养老院", "Nursing home", ("elderly_care",), ("nursing_home",), "age_65_plus", 1000,
                  "walk_elderly", "15-minute level; 35-40 beds per 1,000 elderly", "U"),
    )
}

# ---------------------------------------------------------------- capacity norms

CLASS_SIZE = {"kindergarten": 30, "primary": 45, "junior": 50}  # [C] per NORMS.md
KINDERGARTEN_STANDARD_CLASSES = 12  # 12 x 30 = 360 places: a typical size [C], used where the plan gives none

#: Classes per school by type (urban schools): 建标102-2002 《城市普通中小学校校舍建设标准》 gives
#: primary 12-30 and nine-year 18-45 classes [C]; junior middle 12-30 [S] (quoted secondarily, same
#: standard); kindergarten 6/9/12 classes [C] (NORMS.md). A nine-year school counts its primary and
#: junior classes together. The complete middle school (完全中学) also has senior classes the planner
#: does not model, so it gets no range.
SCHOOL_CLASSES: dict[str, tuple[int, int]] = {"primary": (12, 30), "nine_year": (18, 45), "junior": (12, 30),
                                              "kindergarten": (6, 12)}
SCHOOL_CLASSES_SOURCE = ("建标102-2002: urban primary 12-30 classes, nine-year 18-45 [C]; junior 12-30 [S]; "
                         "kindergarten 6/9/12 classes [C]")
PRIMARY_SCHOOL_CLASSES = SCHOOL_CLASSES["primary"]

#: Large classes: 大班额 56 or more pupils, 超大班额 66 or more (national policy to remove them) [C].
LARGE_CLASS = 56
SUPER_LARGE_CLASS = 66

# ---------------------------------------------------------------- enrolment projection (documented defaults)

#: Yearly survival of a child aged 0-14 when a district gives none (``child_survival`` column of the
#: districts layer). [U]: child mortality in China is a few per thousand over the first five years;
#: 0.999 a year is the documented default, not a measured figure.
CHILD_SURVIVAL = 0.999

#: Children per 100 new dwellings, by level, for the optional housing pipeline (``housing`` layer).
#: [U] a documented default (no national figure found); a housing layer may give its own per site
#: (columns ``per100_kindergarten``, ``per100_primary``, ``per100_junior``).
HOUSING_CHILDREN_PER_100 = {"kindergarten": 9.0, "primary": 18.0, "junior": 9.0}

#: 2SFCA distance-decay defaults: PySAL access's stepped weights for the enhanced variant.
E2SFCA_STEPS = ((1 / 3, 1.0), (2 / 3, 0.68), (1.0, 0.22))  # (fraction of threshold, weight)
