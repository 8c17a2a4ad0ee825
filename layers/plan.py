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

#: Spatially meaningful indicators (主要发展指标). key -> record.
INDICATORS = {
    "kindergarten_puhui_share": {"no": 7, "zh": "普惠性幼儿园覆盖率", "en": "Public-benefit kindergarten coverage",
                                 "unit": "%", "2020": 92.51, "2025": 93.0},
    "culture_area_per_10k": {"no": 9, "zh": "每万人口拥有公共文化设施建筑面积", "en": "Public cultural floor area per 10,000",
                             "unit": "m2", "2020": 102.7, "2025": 180.5},
    "sports_population_share": {"no": 11, "zh": "体育人口占比", "en": "Share of regular sports participants",
                                "unit": "%", "2020": 33.68, "2025": 40.0},
    "sports_area_per_capita": {"no": 12, "zh": "人均体育场地面积", "en": "Sports area per person", "unit": "m2",
                               "2020": 1.88, "2025": 2.6, "alt_2025": 2.5,
                               "note": "indicator table 2.6 m2; fitness column 2.5 m2 — the plan gives both"},
    "beds_per_1000": {"no": 15, "zh": "每千人口医疗卫生机构床位数", "en": "Health-institution beds per 1,000",
                      "unit": "beds", "2020": 6.1, "2025": 7.0},
    "doctors_per_1000": {"no": 16, "zh": "每千人口执业(助理)医师数", "en": "Licensed doctors per 1,000",
                         "unit": "doctors", "2020": 2.5, "2025": 3.0},
    "childcare_per_1000": {"no": 19, "zh": "每千人3岁以下儿童托育机构托位数", "en": "Childcare places (under 3) per 1,000",
                           "unit": "places", "2020": 2.0, "2025": 5.0},
    "destitute_care_share": {"no": 22, "zh": "生活不能自理特困人员集中供养率", "en": "Institutional care of dependent destitute",
                             "unit": "%", "2020": 24.8, "2025": 60.0, "comparison": ">="},
    "old_housing_renewal": {"no": 28, "zh": "城镇老旧小区改造", "en": "Old residential compounds renewed", "unit": "10k m2",
                            "2020": None, "2025": 456.73},
}

#: Other targets the plan names in the text.
TARGETS = {
    "study_rooms_2025": 50,  # 河东书房, citywide by 2025
    "elderly_site_min_community_pop": 10000,  # a site in every urban community over 10,000 residents
    "kindergarten_gross_enrolment_pct": 99.8,
    "public_kindergarten_share_pct": 55.0,
    "elderly_institutions_2020": 176,
    "elderly_beds_2020": 17094,
    "day_care_centres_2020": 1457,
    "nursing_bed_share_pct": 55.0,
    "fitness_circle_minutes": 15,
}
