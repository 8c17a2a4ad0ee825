"""Planning norms as data: travel speeds, service thresholds, norm radii — each with its source.

Every value carries a ``mark`` as in shared NORMS.md: ``C`` read in the cited source,
``S`` secondary, ``U`` unconfirmed documented default (the UI says so). A planner can override
any of them by building a :class:`layers.families.Service` with other values (``dataclasses.replace``).
"""

from __future__ import annotations

from dataclasses import dataclass

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
#: The public-service concept is the 15分钟社区生活圈 of TD/T 1062-2021 (tiers of GB 50180-2018); the
#: commerce ministry's 一刻钟便民生活圈 is a retail-convenience concept and is not cited for public services.
LIFE_CIRCLE_NAME = {"zh": "15分钟社区生活圈", "en": "15-minute community life circle"}
LIFE_CIRCLE_SOURCE = "GB 50180-2018 《城市居住区规划设计标准》 clause 3.0.4; TD/T 1062-2021 《社区生活圈规划技术指南》 (15分钟社区生活圈)"


#: The GB 50180-2018 tiers of the 15分钟社区生活圈: which facilities each tier provides (Appendix B,
#: 配套设施设置规定), the walking distance and minutes. A service's ``tier`` in the family registry
#: (layers.families) names one of these; the tiered life-circle index counts each service at its tier.
LIFE_CIRCLE_TIERS = {
    5: {"distance_m": 300, "facilities_zh": ("幼儿园", "托儿所", "老年人日间照料中心", "社区卫生服务站", "文化活动站",
                                             "室外综合健身场地"),
        "source": "GB 50180-2018 clause 3.0.4 and appendix B (5-minute life circle)", "mark": "S"},
    10: {"distance_m": 500, "facilities_zh": ("小学", "中型多功能运动场地"),
         "source": "GB 50180-2018 clause 3.0.4 and appendix B (10-minute life circle)", "mark": "C"},
    15: {"distance_m": 1000, "facilities_zh": ("初中", "社区卫生服务中心", "养老院", "文化活动中心", "大型多功能运动场地"),
         "source": "GB 50180-2018 clause 3.0.4 and appendix B (15-minute life circle); TD/T 1062-2021", "mark": "C"},
}


# ---------------------------------------------------------------- census shares

#: 2020 national census shares of the population (NORMS.md) [C].
CENSUS_2020_SHARES = {"age_0_14": 0.1795, "age_60_plus": 0.1870, "age_65_plus": 0.1350}
#: People aged 60+ per person aged 65+ (2020 census, national): how ``age_60_plus`` is derived from
#: ``age_65_plus`` when a population layer lacks it (the loaders say so in the area's sources).
AGE_60_PER_65 = CENSUS_2020_SHARES["age_60_plus"] / CENSUS_2020_SHARES["age_65_plus"]
AGE_60_DERIVED_NOTE = (f"age_60_plus derived from age_65_plus x {AGE_60_PER_65:.4f} (2020 national census: "
                       f"60+ {CENSUS_2020_SHARES['age_60_plus']:.2%}, 65+ {CENSUS_2020_SHARES['age_65_plus']:.2%}); "
                       "not in the population layer")


# ---------------------------------------------------------------- services

# The service records (thresholds, radii, tiers, class sizes per level) are part of the family
# registry, layers.families (Service, SERVICES, LIFE_CIRCLE_SERVICES, NORM_LEVELS live there),
# which reads the numbers of this module; this module imports nothing of it.


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
