"""The words the engines say, zh / en: message keys and one function that renders them in both languages.

An engine (:mod:`accessibility.indicators`, :mod:`accessibility.indicator_scope`) never types a
sentence: it names a message key and its parameters, and :func:`both` renders ``{"zh": ..., "en": ...}``
— the shape the CLI's JSON has always carried (``reason``, ``note``, ``walking.measure``,
``population.note``). Presentation shows one language of the same entries: :data:`WORDS` is part of
the one catalogue, :data:`presentation.i18n.CATALOGUE` (merged there, so ``presentation.i18n.t``
renders an engine key as it renders a map's). The entries live here, in the bottom layer, because
the engines sit below :mod:`presentation` (the import-linter contract) and fill both languages
into their results.

Data only (and :func:`both`): every entry has both languages with the same placeholders
(tests/test_i18n.py checks the merged catalogue).
"""

from __future__ import annotations

__all__ = ["LANGS", "WORDS", "both"]

#: The languages every entry carries; the first is the default of every renderer.
LANGS = ("zh", "en")

WORDS: dict[str, dict[str, str]] = {
    # --------------------------------------------------- indicators: why a row is not comparable
    "ind.reason.no_data": {"zh": "现有图层没有此项数据", "en": "no layer holds these data"},
    "ind.reason.no_pop": {"zh": "无人口", "en": "no residents"},
    "ind.reason.city_wide": {"zh": "目标为全市总量，区/街道不按比例分摊",
                             "en": "the target is a city-wide total; a district is not pro-rated"},
    "ind.reason.not_target_area": {"zh": "目标为全市总量，研究范围不是全市：不判断（区/街道不按比例分摊）",
                                   "en": "the target is a city-wide total and the study area is not the whole city: "
                                         "not judged (a part is not pro-rated)"},
    "ind.reason.sports_partial": {"zh": "规划口径含全部体育场地（含学校操场），图层仅含公共健身设施：现值为下限",
                                  "en": "the plan counts all sports venues (school grounds included); the layer holds "
                                        "public fitness sites only, so the value is a lower bound"},
    "ind.reason.no_ownership": {"zh": "图层未标注举办性质/普惠", "en": "the layer gives no ownership / 普惠 status"},
    "ind.reason.no_bed_type": {"zh": "图层未标注床位类型", "en": "the layer gives no bed type"},
    "ind.reason.no_communities": {"zh": "研究范围没有社区图层", "en": "the study area has no communities layer"},
    "ind.reason.no_target": {"zh": "规划未设此比例目标（其目标为护理型床位占比）",
                             "en": "the plan sets no target for this ratio (its target is the nursing-bed share)"},
    "ind.reason.no_capacity": {"zh": "图层中没有此类设施", "en": "no such facilities in the layers"},
    "ind.reason.not_county": {"zh": "研究范围不是一个县（市、区），县级规则无法判断",
                              "en": "the study area is not one county-level unit, so a per-county rule cannot be "
                                    "judged"},
    "ind.reason.stadium_proxy": {"zh": "代理：图层把体育场归入体育公园（leisure=stadium / sports_park）",
                                 "en": "proxy: the layer files stadiums under sports parks (leisure=stadium / "
                                       "sports_park)"},
    "ind.reason.no_special_education": {"zh": "现有图层没有特殊教育学校", "en": "no layer holds special-education schools"},
    "ind.reason.below_threshold": {"zh": "研究范围人口不足30万，规则不适用",
                                   "en": "the study area has fewer than 300,000 people: the rule does not apply"},
    "ind.reason.no_new_communities": {"zh": "没有新建居住社区图层（housing 图层）",
                                      "en": "no layer of new residential communities (the housing layer)"},
    "ind.reason.pitch_proxy": {"zh": "代理：以 housing 图层的新建住宅点代表新建社区，300米直线距离内有球场即视为配建",
                               "en": "proxy: the housing layer's sites stand for new communities; a pitch within "
                                     "300 m straight-line counts as theirs"},
    "ind.reason.no_workers": {"zh": "现有图层没有社区工作者数据", "en": "no layer holds community workers"},
    "ind.reason.no_senior": {"zh": "图层没有高中学位，也没有15-17岁人口（完全中学的高中部未建模）",
                             "en": "no layer holds senior-secondary seats or people aged 15-17 (complete schools' "
                                   "senior classes are not modelled)"},
    "ind.reason.baseline_only": {"zh": "规划未设2025年目标；列出2020年全市基数与研究范围现值",
                                 "en": "the plan sets no 2025 figure; the 2020 city-wide baseline stands beside the "
                                       "study area's count"},
    # --------------------------------------------------- indicators: the labels of rows the plan's tables do not name
    "ind.label.kindergarten_gross_enrolment_proxy": {"zh": "学前三年毛入园率（代理：学位 ÷ 3-5岁儿童）",
                                                     "en": "Gross kindergarten enrolment (proxy: places / children "
                                                           "aged 3-5)"},
    "ind.label.public_kindergarten_share": {"zh": "公办幼儿园占比（按学位）", "en": "Public kindergartens (share of places)"},
    "ind.label.nursing_bed_share": {"zh": "养老机构护理型床位占比",
                                    "en": "Nursing-type share of care-institution (养老机构) beds"},
    "ind.label.elderly_beds_per_1000_60plus": {"zh": "每千名老年人（60岁以上）养老床位",
                                               "en": "Elderly-care beds per 1,000 aged 60+"},
    "ind.label.study_rooms_2025": {"zh": "河东书房数量（全市）", "en": "Hedong Study Rooms (city-wide)"},
    "ind.label.elderly_institutions": {"zh": "养老机构数", "en": "Elderly-care institutions (养老机构)"},
    "ind.label.elderly_institution_beds": {"zh": "养老机构床位数", "en": "Beds of elderly-care institutions"},
    "ind.label.day_care_centres": {"zh": "日间照料中心数", "en": "Elderly day-care centres"},
    # --------------------------------------------------- indicators: notes under a row
    "ind.note.kindergarten_puhui_share": {"zh": "按学位计（在园幼儿占比的代理）",
                                          "en": "share of places (a proxy of the share of children enrolled)"},
    "ind.note.culture_area_per_10k": {"zh": "公共文化设施建筑面积 + 河东书房面积，按常住人口",
                                      "en": "cultural floor area + study rooms, over residents"},
    "ind.note.kindergarten_gross_enrolment_proxy": {"zh": "毛入园率的代理指标，并非毛入园率本身",
                                                    "en": "a proxy of the gross enrolment rate (毛入园率), not the "
                                                          "rate itself"},
    "ind.note.nursing_bed_share": {"zh": "分母为养老机构（养老院）床位，不含日间照料床位",
                                   "en": "over the beds of care institutions (nursing homes) only; day-care places "
                                         "are not in it"},
    "ind.note.elderly_beds_per_1000_60plus": {"zh": "按60岁以上人口（中国床位口径）",
                                              "en": "over people aged 60+ (the Chinese bed-ratio base)"},
    "ind.note.care_site_per_large_community": {"zh": "现值 = 未设站点的1万人以上社区数（含1万人）",
                                               "en": "value = communities of 10,000 residents or more without a "
                                                     "site (10,000 included)"},
    "ind.note.town_rule": {"zh": "现值 = 没有{thing}的乡镇数；各街道数值同一口径（1 = 没有）",
                           "en": "value = towns without {thing}; each subdistrict on the same scale (1 = has none)"},
    "ind.note.town_rule_extended": {"zh": "现值 = 没有{thing}的街道（延伸口径）数；各街道数值同一口径（1 = 没有）",
                                    "en": "value = subdistricts (an extension) without {thing}; each subdistrict on "
                                          "the same scale (1 = has none)"},
    # (the walking measure names the demand cohort by its column in English, "age_3_5", as it always has)
    "ind.demand_people": {"zh": "需求人口", "en": "people who need the service"},
    "ind.thing.fitness_centre": {"zh": "全民健身中心", "en": "a fitness centre"},
    "ind.thing.puhui_childcare": {"zh": "普惠托育机构", "en": "a 普惠 childcare centre"},
    "ind.walking": {"zh": "{minutes:g}分钟步行可达的{who}比例（{service}，{speed:g}米/分钟 ≈ {distance:,.0f}米）",
                    "en": "share of {who} within {minutes:g} min walk ({service}; {speed:g} m/min = "
                          "{distance:,.0f} m)"},
    "ind.population.projected": {"zh": "{year}年：儿童（{columns}）为学位规划的预测人口；常住人口与60岁以上人口为"
                                       "基年（{base_year}年）数值",
                                 "en": "{year}: children ({columns}) from the seat-planning projection; residents and "
                                       "people aged 60+ at the base year ({base_year})"},
    "ind.population.base": {"zh": "人口为基年（{base_year}年）数值", "en": "population of the base year ({base_year})"},
    # --------------------------------------------------- indicator scope (accessibility.indicator_scope)
    "scope.unknown_area": {"zh": "未知范围", "en": "an area of unknown extent"},
    "scope.note.unit_rule": {"zh": "目标针对{target}；研究范围为{here}，逐个单元判断不受影响",
                             "en": "the target is set for {target}; the study area is {here} — each unit is judged on "
                                   "its own all the same"},
    "scope.note.ratio": {"zh": "目标针对{target}，研究范围为{here}：现值为研究范围的数值，仅作参照",
                         "en": "the target is set for {target}; the study area is {here}: the value is the study "
                               "area's, shown against that target for reference"},
    "scope.note.extension": {"zh": "规划原文为“每个乡镇”；研究范围没有乡镇，规则延伸到街道（延伸口径，非规划原意）",
                             "en": "the plan says 每个乡镇 (every township); the study area has none, so the rule is "
                                   "extended to its 街道 (an extension, not the plan's words)"},
    "words.join": {"zh": "{a}；{b}", "en": "{a}; {b}"},
    # --------------------------------------------------- class-size flags (scenarios.evaluate.class_flag)
    "class_flag.super_large": {"zh": "超大班额（≥66人）", "en": "Super-large classes (66+)"},
    "class_flag.large": {"zh": "大班额（≥56人）", "en": "Large classes (56+)"},
    "class_flag.over_norm": {"zh": "超过规范班额", "en": "Above the norm class size"},
}


def both(key: str, **params) -> dict[str, str]:
    """Message ``key`` rendered in both languages: ``{"zh": ..., "en": ...}``.

    A parameter may itself be a ``{"zh", "en"}`` mapping (a place name, another message rendered by
    :func:`both`); each language takes its own. An unknown key is a ``KeyError`` — a programming
    error, never a silently shown key.

    >>> both("ind.population.base", base_year=2020)["en"]
    'population of the base year (2020)'
    """
    entry = WORDS[key]
    return {lang: entry[lang].format(**{k: v[lang] if isinstance(v, dict) else v for k, v in params.items()})
            for lang in LANGS}
