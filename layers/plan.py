"""The Yuncheng 14th Five-Year Plan for public services (Dec 2021) as data — the one place its figures live.

Source: 《运城市"十四五"公共服务和社会保障事业规划》, full text in shared/seed; figures as quoted in
shared PLAN.md. Values marked ``derived`` are inferences from the plan's totals, stated as such.
"""

from __future__ import annotations

PLAN_TITLE = "运城市“十四五”公共服务和社会保障事业规划"
PLAN_SOURCE = f"{PLAN_TITLE} (Yuncheng 14th Five-Year Plan for public services and social security, Dec 2021)"

#: 专栏：书香运城中小学及幼儿园建设计划 — the central-city school programme.
SCHOOL_PROGRAMME = {
    "counts": {"primary": 6, "junior": 3, "nine_year": 6, "complete": 1, "kindergarten": 12},
    "primary_seats": 25920,
    "junior_seats": 15000,
    # year -> (schools, kindergartens), 拟建
    "schedule": {2021: (3, 1), 2022: (5, 4), 2023: (6, 3), 2024: (1, 1), 2025: (1, 3)},
    # The plan says the 2024 and 2025 schools are primary schools; nothing else about type by year.
    "schedule_types_given": {2024: ("primary",), 2025: ("primary",)},
}


def _derived_seats():
    c = SCHOOL_PROGRAMME["counts"]
    primary_carriers = c["primary"] + c["nine_year"]
    junior_carriers = c["junior"] + c["nine_year"] + c["complete"]
    return {
        "primary_per_school": SCHOOL_PROGRAMME["primary_seats"] // primary_carriers,
        "junior_per_school": SCHOOL_PROGRAMME["junior_seats"] // junior_carriers,
        "primary_carriers": primary_carriers,
        "junior_carriers": junior_carriers,
    }


#: Years a project may open and a scenario may be evaluated in: from the plan's first year (the
#: population layers describe 2021) to the end of the project horizon. Loaders (layers.validate)
#: and scenarios (scenarios.demand / scenarios.model) both take it from here.
PROJECT_YEARS = (min(SCHOOL_PROGRAMME["schedule"]), 2035)

#: The plan's schedule years are 拟建 years: construction is planned to start then (PLAN.md). Pupils
#: arrive when the school opens; the documented assumption is the September intake after one year
#: of building, ``open_year = build_year + OPENING_LAG``. A scenario can set any project's
#: ``open_year`` itself (``hedong scenario move --set-year``).
OPENING_LAG = 1

#: Years a scenario is evaluated in by default (compare, the app, published maps): the plan's first
#: year to 2030, so the projects started in 2025 (opening 2026) show their effect and the falling
#: births reach the kindergartens and primary schools.
EVALUATION_YEARS = tuple(range(PROJECT_YEARS[0], 2031))

#: Derived, an inference: 25,920 / 12 = 2,160 primary seats (48 classes x 45) per school carrying primary
#: seats; 15,000 / 10 = 1,500 junior seats (30 classes x 50) per school carrying junior seats.
DERIVED_SEATS = _derived_seats()
DERIVED_NOTE = (
    "derived (inference): the plan gives only totals; seats split evenly, 2,160 primary seats (48 classes x 45) "
    "per school with primary seats and 1,500 junior seats (30 classes x 50) per school with junior seats; "
    "kindergarten places 12 classes x 30 = 360 (a standard size from the norms, the plan gives none)"
)

#: Where a target is set for (the plan's own words) and the scope a target carries: what kind of
#: quantity it is and so how it is judged (shared NORMS.md, turn 2-3: city-wide ratios are computed over
#: the whole population of the area the target was set for; per-subdistrict values are for information).
PLAN_AREAS = {
    "city": {"zh": "全市", "en": "the whole city (运城市)", "names": ("运城市", "全市")},
    # 盐湖区 is the central city's district; its 街道 are the 中心城区 the school programme is for.
    "central_city": {"zh": "中心城区", "en": "the central city", "names": ("中心城区", "盐湖区")},
    "county": {"zh": "县（市、区）", "en": "each county-level unit", "names": ()},
}
SCOPES = {
    "city_ratio": {"zh": "全域比例：按目标所指区域的全部常住人口计算，各街道数值仅供参考",
                   "en": "area-wide ratio: computed over everyone in the area the target was set for; "
                         "subdistrict values are for information"},
    "city_count": {"zh": "全域总量：只对目标所指区域判断", "en": "area-wide total: judged only for the area the "
                                                          "target was set for"},
    "unit_rule": {"zh": "逐个单元的规则：每个单元自身判断", "en": "rule per unit: every unit judged on its own"},
    "catchment": {"zh": "步行服务范围", "en": "walking catchment"},
}
#: Population bases of per-capita figures. The tool divides by residents (常住, the population layer).
#: The plan's own base is stated only for row 11: 180.95万 regular exercisers = 33.68 % implies about
#: 537.3万, the registered (户籍) population; the other rows do not say (health statistics use 常住).
POPULATION_BASES = {
    "resident": {"zh": "常住人口（人口图层）", "en": "residents (常住, the population layer)"},
    "registered": {"zh": "户籍人口", "en": "registered population (户籍)"},
    "unstated": {"zh": "规划未说明", "en": "not stated by the plan"},
}
SPORTS_PARTICIPANTS_2020 = 1809500  # 180.95万 regular exercisers (seed, 体育 section)
REGISTERED_POPULATION_IMPLIED = round(SPORTS_PARTICIPANTS_2020 / 0.3368)  # ~ 537.3万: the 户籍 base (inference)

#: Spatially meaningful indicators (主要发展指标). key -> record. ``zh`` is the seed table's exact label;
#: ``nature`` its 指标性质 column (约束性 binding / 预期性 expected); ``scope`` / ``area`` as above;
#: ``plan_base`` the population base the plan uses (where a per-capita row).
INDICATORS = {
    "kindergarten_puhui_share": {"no": 7, "zh": "普惠性幼儿园（在园幼儿数）覆盖率", "en": "Public-benefit kindergarten coverage (children enrolled)",
                                 "unit": "%", "2020": 92.51, "2025": 93.0, "nature": "预期性",
                                 "scope": "city_ratio", "area": "city"},
    "culture_area_per_10k": {"no": 9, "zh": "每万人口拥有公共文化设施建筑面积", "en": "Public cultural floor area per 10,000",
                             "unit": "m2", "2020": 102.7, "2025": 180.5, "nature": "预期性", "scope": "city_ratio",
                             "area": "city", "plan_base": "unstated"},
    "sports_population_share": {"no": 11, "zh": "体育人口占比", "en": "Share of regular sports participants",
                                "unit": "%", "2020": 33.68, "2025": 40.0, "nature": "预期性", "scope": "city_ratio",
                                "area": "city", "plan_base": "registered"},
    "sports_area_per_capita": {"no": 12, "zh": "人均体育场面积", "en": "Sports area per person", "unit": "m2",
                               "2020": 1.88, "2025": 2.6, "alt_2025": 2.5, "nature": "约束性", "scope": "city_ratio",
                               "area": "city", "plan_base": "unstated",
                               "note": "indicator table 2.6 m2 (人均体育场面积, 约束性); fitness column 2.5 m2 "
                                       "(人均体育场地面积) — the plan gives both"},
    "beds_per_1000": {"no": 15, "zh": "每千人口医疗卫生机构床位数", "en": "Health-institution beds per 1,000",
                      "unit": "beds", "2020": 6.1, "2025": 7.0, "nature": "预期性", "scope": "city_ratio",
                      "area": "city", "plan_base": "unstated"},
    "doctors_per_1000": {"no": 16, "zh": "每千人口执业（助理）医师数", "en": "Licensed doctors per 1,000",
                         "unit": "doctors", "2020": 2.5, "2025": 3.0, "nature": "预期性", "scope": "city_ratio",
                         "area": "city", "plan_base": "unstated"},
    "childcare_per_1000": {"no": 19, "zh": "每千人3岁以下儿童托育机构托位数", "en": "Childcare places (under 3) per 1,000",
                           "unit": "places", "2020": 2.0, "2025": 5.0, "nature": "预期性", "scope": "city_ratio",
                           "area": "city", "plan_base": "unstated"},
    "destitute_care_share": {"no": 22, "zh": "生活不能自理特困人员集中供养率", "en": "Institutional care of dependent destitute",
                             "unit": "%", "2020": 24.8, "2025": 60.0, "comparison": ">=", "nature": "预期性",
                             "scope": "city_ratio", "area": "city"},
    "old_housing_renewal": {"no": 28, "zh": "城镇老旧小区改造", "en": "Old residential compounds renewed", "unit": "10k m2",
                            "2020": None, "2025": 456.73, "nature": "预期性", "scope": "city_count", "area": "city"},
}

#: Targets of the plan's text the layers can check (or say why not), each with the seed's words.
#: ``threshold`` figures are inclusive where the text says 以上 (《民法典》 第1259条: 以上 includes the number).
TEXT_TARGETS = {
    "care_site_per_large_community": {
        "zh": "人口1万人以上的城市社区配置养老服务场所", "en": "An elderly-service site in every urban community of 10,000 residents or more",
        "quote": "在人口1万人以上的城市社区以及居民比较集中的城镇，采取改造或新建的办法，配置养老服务场所",
        "section": "专栏：幸福运城养老服务工程 · 城镇社区养老幸福工程", "threshold": 10000, "scope": "unit_rule",
        "area": "city"},
    "puhui_childcare_per_township": {
        "zh": "每个乡镇普惠婴幼儿照护机构不少于1家", "en": "At least one 普惠 childcare centre in every township",
        "quote": "到2025年，每个乡镇普惠婴幼儿照护机构不少于1家", "section": "6. 发展普惠托育服务",
        "scope": "unit_rule", "area": "city", "units": "towns"},
    "football_pitch_per_new_community": {
        "zh": "中心城区新建居住社区至少新建一个非标准足球场地设施",
        "en": "A non-standard football pitch in every new residential community of the central city",
        "quote": "中心城区新建居住社区至少新建一个非标准足球场地设施", "section": "全民健身", "scope": "unit_rule",
        "area": "central_city"},
    "special_education_per_county": {
        "zh": "30万以上人口的县（市、区）特殊教育学校全覆盖",
        "en": "A special-education school in every county of 300,000 people or more",
        "quote": "实现30万以上人口的县（市、区）特殊教育学校“全覆盖”", "section": "特殊教育", "threshold": 300000,
        "scope": "unit_rule", "area": "county"},
    "county_stadium": {
        "zh": "县级至少建有1个体育场（或田径场）", "en": "At least one stadium (or athletics ground) per county",
        "quote": "县级至少建有1个体育场（或田径场）和1个全民健身中心（或体育馆）", "section": "全民健身",
        "scope": "unit_rule", "area": "county"},
    "county_fitness_centre": {
        "zh": "县级至少建有1个全民健身中心（或体育馆）", "en": "At least one fitness centre (or gymnasium) per county",
        "quote": "县级至少建有1个体育场（或田径场）和1个全民健身中心（或体育馆）", "section": "全民健身",
        "scope": "unit_rule", "area": "county"},
    "town_fitness_centre": {
        "zh": "全市乡镇全民健身中心全覆盖", "en": "A fitness centre in every town",
        "quote": "“十四五”末实现全市乡镇全民健身中心全覆盖", "section": "全民健身", "scope": "unit_rule",
        "area": "city", "units": "towns"},
    "community_workers_per_10k": {
        "zh": "每万名城镇常住人口拥有城市社区工作者数量", "en": "Community workers per 10,000 urban residents",
        "quote": "每万名城镇常住人口拥有城市社区工作者数量达到16人", "section": "基层治理", "target": 16,
        "scope": "city_ratio", "area": "city", "plan_base": "resident"},
    "high_school_gross_enrolment": {
        "zh": "高中阶段教育毛入学率", "en": "Senior-secondary gross enrolment rate",
        "quote": "高中阶段教育毛入学率达到95%以上", "section": "普通高中", "target": 95.0, "scope": "city_ratio",
        "area": "city"},
}

#: Other targets the plan names in the text.
TARGETS = {
    "study_rooms_2025": 50,  # 河东书房, citywide by 2025
    "elderly_site_min_community_pop": 10000,  # a site in every urban community of 10,000 residents or more (1万人以上: inclusive)
    "kindergarten_gross_enrolment_pct": 99.8,
    "public_kindergarten_share_pct": 55.0,
    "elderly_institutions_2020": 176,
    "elderly_beds_2020": 17094,
    "day_care_centres_2020": 1457,
    "nursing_bed_share_pct": 55.0,
    "fitness_circle_minutes": 15,
}
