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


# ---------------------------------------------------------------- norm distances (the norm check, 规范核查)


@dataclass(frozen=True)
class NormDistance:
    """A facility level's norm walking distance (network metres) and the clause that sets it.

    The one source of every norm radius: the family registry's ``radius_m`` and the norm levels
    read these records (:mod:`layers.families`), the norm check (:mod:`accessibility.norm_check`)
    measures network metres against ``distance_m``, and the README's norm table is checked against
    them (tests/test_norm_distances.py).

    Attributes
    ----------
    key : str
        The service or norm-level key (``primary``, ``day_care`` ...).
    zh, en : str
        The facility as the standard names it.
    distance_m : float
        Network walking distance the facility should lie within (服务半径).
    tier : int
        GB 50180-2018 life-circle tier (5 / 10 / 15 minutes) the standard places it in.
    clause : str
        Standard, clause and table.
    mark : str
        C / S / U as in shared NORMS.md (how sure the *figure* is).
    recalled : bool
        True when the clause and table numbers are recalled from the standard rather than read from
        its text here (no copy of the standard is on this machine); the figure's certainty is ``mark``.
    note : str
        What else to know (an older code's other figure, a figure borrowed from the tier).
    """

    key: str
    zh: str
    en: str
    distance_m: float
    tier: int
    clause: str
    mark: str
    recalled: bool = True
    note: str = ""

    def minutes(self, mode: str = "walk") -> float:
        """Minutes the distance takes at ``mode``'s speed (:data:`SPEEDS`): 500 m at 60 m/min = 8.3."""
        return self.distance_m / SPEEDS[mode].m_per_min


_C01 = "GB 50180-2018 appendix C, table C.0.1 (十五分钟、十分钟生活圈居住区配套设施规划建设控制要求)"
_C02 = "GB 50180-2018 appendix C, table C.0.2 (五分钟生活圈居住区配套设施规划建设控制要求)"
_T304 = "GB 50180-2018 clause 3.0.4, table 3.0.4 (居住区分级控制规模)"

#: The norm distances per facility level (GB 50180-2018). Figures as shared NORMS.md marks them
#: ("Facility service norms" table and the turn-3 corrections: kindergarten <= 300 m, primary
#: <= 500 m, junior <= 1,000 m, day care in the 5-minute tier <= 300 m); the appendix-C table numbers
#: are recalled (``recalled=True``), not read from the standard's text.
NORM_DISTANCES: dict[str, NormDistance] = {n.key: n for n in (
    NormDistance("kindergarten", "幼儿园", "Kindergarten", 300, 5,
                 f"{_C02}: 幼儿园 服务半径不宜大于300m; tier: {_T304}", "S",
                 note="an older code (城市居住区规划设计规范 GB 50180-93) says 500 m"),
    NormDistance("childcare", "托儿所", "Childcare (nursery)", 300, 5, f"{_C02}: 托儿所 服务半径不宜大于300m", "S"),
    NormDistance("day_care", "老年人日间照料中心", "Elderly day-care centre", 300, 5,
                 f"{_C02}: 老年人日间照料中心 服务半径不宜大于300m", "S"),
    NormDistance("health_station", "社区卫生服务站", "Health station", 300, 5,
                 f"{_C02}: 社区卫生服务站 (5-minute facility); the 300 m is the 5-minute tier's distance ({_T304})",
                 "U"),
    NormDistance("primary", "小学", "Primary school", 500, 10, f"{_C01}: 小学 服务半径不宜大于500m; tier: {_T304}", "S"),
    NormDistance("junior", "初中", "Junior middle school", 1000, 15,
                 f"{_C01}: 初中 服务半径不宜大于1000m; tier: {_T304}", "S"),
    NormDistance("health_centre", "社区卫生服务中心", "Community health centre", 1000, 15,
                 f"{_C01}: 社区卫生服务中心 服务半径不宜大于1000m", "U",
                 note="one per subdistrict, 30,000-50,000 residents (NORMS.md) [C]"),
    NormDistance("nursing_home", "养老院", "Care home (养老机构)", 1000, 15,
                 f"{_C01}: 养老院 (15-minute facility); no radius in the table: the 15-minute tier's outer "
                 f"distance ({_T304}: 800-1,000 m)", "U",
                 note="beds are a city-wide ratio (hedong indicators), not a walking catchment"),
    NormDistance("culture", "文化活动中心", "Cultural centre", 1000, 15,
                 f"{_C01}: 文化活动中心 (15-minute facility); the 15-minute tier's outer distance ({_T304})", "C"),
)}


def norm_distance_m(key: str) -> float:
    """The norm distance (m) of level ``key`` (:data:`NORM_DISTANCES`); ``KeyError`` naming the known ones."""
    try:
        return float(NORM_DISTANCES[key].distance_m)
    except KeyError:
        raise KeyError(f"no norm distance for {key!r}: known {', '.join(NORM_DISTANCES)}") from None


def minutes_view(minutes: float, mode: str = "walk", norm_m: float | None = None) -> dict:
    """What a minutes threshold means in metres: ``{"minutes", "mode", "speed_m_per_min",
    "implied_distance_m", "norm_distance_m"}`` — so a minutes view never passes for the norm check
    silently (10 min at 60 m/min is 600 m; the primary norm is 500 m)."""
    sp = SPEEDS[mode].m_per_min
    return {"minutes": float(minutes), "mode": mode, "speed_m_per_min": sp,
            "implied_distance_m": float(minutes) * sp,
            "norm_distance_m": None if norm_m is None else float(norm_m)}


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

#: Kindergarten classes by age (幼儿园工作规程, 教育部令第39号 2016: 小班 25, 中班 30, 大班 35, mixed 30) [S];
#: the planner's one class size for places is the mixed 30 (:data:`CLASS_SIZE`).
KINDERGARTEN_CLASS_SIZES = {"small": 25, "middle": 30, "large": 35, "mixed": 30}

#: Childcare classes (托育机构设置标准（试行）, 国卫人口发〔2019〕58号, the article on 班型): 乳儿班 (6-12
#: months) <= 10, 托小班 (12-24 months) <= 15, 托大班 (24-36 months) <= 20, mixed (18 months and over)
#: <= 18 children [S] (NORMS.md turn 3; the article number is not cited because it is recalled).
CHILDCARE_CLASS_MAX = {"infant": 10, "toddler_small": 15, "toddler_large": 20, "mixed": 18}
CHILDCARE_CLASS_LABELS = {"infant": ("乳儿班", "infant class (6-12 months)"),
                          "toddler_small": ("托小班", "small toddler class (12-24 months)"),
                          "toddler_large": ("托大班", "large toddler class (24-36 months)"),
                          "mixed": ("混合班", "mixed class (18 months and over)")}
#: A new childcare centre when nothing else gives its size: 1 乳儿班 + 2 托小班 + 3 托大班 at the caps
#: = 10 + 30 + 60 = 100 places in 6 classes (an assumption within the standard's caps [U]).
CHILDCARE_NEW_SITE_CLASSES = {"infant": 1, "toddler_small": 2, "toddler_large": 3}
CHILDCARE_NEW_SITE_PLACES = sum(n * CHILDCARE_CLASS_MAX[k] for k, n in CHILDCARE_NEW_SITE_CLASSES.items())

#: The national 2025 target of childcare places: 4.5 per 1,000 residents (中华人民共和国国民经济和社会发展
#: 第十四个五年规划和2035年远景目标纲要, main indicators, 每千人口拥有3岁以下婴幼儿托位数 1.8 -> 4.5,
#: 预期性) [S, recalled]. Yuncheng's plan sets 5 (layers.plan indicator 19); both are shown.
NATIONAL_CHILDCARE_PER_1000_2025 = 4.5

#: Township-level rules of the plan ("每个乡镇 ...") apply to towns (镇) and townships (乡). A district is
#: a town when its name ends in 镇 / 乡, or its 9-digit code's last three digits are 100-399 (统计用区划
#: 代码: 001-099 街道, 100-199 镇, 200-399 乡; recalled [S]).
TOWN_NAME_SUFFIXES = ("镇", "乡")
TOWN_CODE_RANGE = (100, 399)

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


# ---------------------------------------------------------------- where every figure of this module comes from

#: Every figure of this module with its source (standard, clause and table, or NORMS.md section), its
#: mark and whether the clause / table number is recalled rather than read from the standard's text
#: (no copy of the standards is on this machine: every GB / 建标 clause number below is recalled; the
#: figures themselves are as shared NORMS.md marks them). The README's norm table is built from this
#: and :data:`NORM_DISTANCES`; tests/test_norm_distances.py checks that every public figure is here.
NORM_SOURCES: dict[str, dict] = {
    "SPEEDS": {"source": "NORMS.md, Walking and cycling speeds: no national norm states a speed; 60 m/min implied "
                         "by GB 50180-2018 table 3.0.4 (300 m / 5 min), 50 m/min the slow bound (500 m / 10 min), "
                         "cycling 15 km/h a literature convention", "mark": "U", "recalled": False},
    "WALK_SENSITIVITY": {"source": "NORMS.md, Walking and cycling speeds (50-67 m/min implied by GB 50180-2018)",
                         "mark": "U", "recalled": False},
    "MAX_SNAP_M": {"source": "project default (no standard): beyond it a point is reported unsnappable", "mark": "U",
                   "recalled": False},
    "LIFE_CIRCLES": {"source": f"{_T304}; NORMS.md Life-circle levels (15- and 10-minute [C], 5-minute [S])",
                     "mark": "C", "recalled": True},
    "LIFE_CIRCLE_TIERS": {"source": "GB 50180-2018 appendix B, tables B.0.1 (15/10-minute) and B.0.2 (5-minute) "
                                    "配套设施设置规定; NORMS.md turn 2-3 corrections", "mark": "S", "recalled": True},
    "NORM_DISTANCES": {"source": f"{_C01} and {_C02} (服务半径); NORMS.md Facility service norms", "mark": "S",
                       "recalled": True},
    "CENSUS_2020_SHARES": {"source": "第七次全国人口普查公报（第五号）: 0-14 17.95 %, 60+ 18.70 %, 65+ 13.50 %; "
                                     "NORMS.md Reported figures", "mark": "C", "recalled": True},
    "CLASS_SIZE": {"source": "kindergarten 30 (幼儿园工作规程 2016, mixed class); primary 45 and junior 50 "
                             "(建标102-2002 class sizes; GB 50099-2011 the school design code); NORMS.md Facility service "
                             "norms", "mark": "C", "recalled": True},
    "KINDERGARTEN_STANDARD_CLASSES": {"source": "NORMS.md Facility service norms (6/9/12 classes; 12 x 30 = 360 typical)",
                                      "mark": "C", "recalled": False},
    "KINDERGARTEN_CLASS_SIZES": {"source": "幼儿园工作规程 (教育部令第39号, 2016), the article on class sizes; NORMS.md "
                                           "turn 3", "mark": "S", "recalled": True},
    "SCHOOL_CLASSES": {"source": "建标102-2002 《城市普通中小学校校舍建设标准》, the table of school sizes (规模): urban "
                                 "primary 12-30, nine-year 18-45 [C]; junior 12-30 [S]", "mark": "C", "recalled": True},
    "LARGE_CLASS": {"source": "教育部 policy on 大班额 (56+) and 超大班额 (66+); NORMS.md turn 2", "mark": "C",
                    "recalled": True},
    "SUPER_LARGE_CLASS": {"source": "as LARGE_CLASS", "mark": "C", "recalled": True},
    "CHILDCARE_CLASS_MAX": {"source": "托育机构设置标准（试行）(国卫人口发〔2019〕58号), the article on 班型; NORMS.md "
                                      "turn 3", "mark": "S", "recalled": True},
    "CHILDCARE_NEW_SITE_PLACES": {"source": "assumption within CHILDCARE_CLASS_MAX: 1 乳儿班 + 2 托小班 + 3 托大班 = 100",
                                  "mark": "U", "recalled": False},
    "NATIONAL_CHILDCARE_PER_1000_2025": {"source": "十四五规划纲要 main indicators: 每千人口拥有3岁以下婴幼儿托位数 "
                                                   "1.8 -> 4.5 (预期性); NORMS.md turn 3", "mark": "S", "recalled": True},
    "TOWN_CODE_RANGE": {"source": "统计用区划代码和城乡划分代码编制规则 (国统字〔2009〕91号): township-level codes "
                                  "001-099 街道, 100-199 镇, 200-399 乡", "mark": "S", "recalled": True},
    "CHILD_SURVIVAL": {"source": "documented default, not a measured figure (NORMS.md has none)", "mark": "U",
                       "recalled": False},
    "HOUSING_CHILDREN_PER_100": {"source": "documented default (no national figure found)", "mark": "U",
                                 "recalled": False},
    "E2SFCA_STEPS": {"source": "PySAL access, enhanced 2SFCA default weights 1 / 0.68 / 0.22 (Luo & Qi 2009); "
                               "NORMS.md Accessibility methods", "mark": "C", "recalled": False},
}

