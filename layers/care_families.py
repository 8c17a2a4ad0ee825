"""The families the plan's indicator table adds to the registry: childcare (托育) and culture (公共文化).

Records only (one family each plus its capacity column: :data:`CARE_FAMILIES`,
:data:`CARE_CAPACITY_COLUMNS`); :mod:`layers.families` registers them after the plan's school,
kindergarten, health, elderly-care, study-room and fitness families, so every consumer sees them
and neither module imports the other both ways.

* **childcare** — 托育机构 (nurseries for children under 3). Capacity ``places_childcare`` (托位);
  demand ``age_0_2``; GB 50180-2018 puts 托儿所 in the 5-minute tier (300 m) [S]. The plan's targets
  (indicator 19: 2 -> 5 places per 1,000 *residents*; 每个乡镇（街道）至少1个普惠托育机构) are
  city-wide ratios and rules, computed by :mod:`accessibility.indicators`, so the service carries no
  ``per_1000`` (that field is per 1,000 of the demand cohort, read by walking measures).
* **culture** — public cultural facilities (文化馆 / 文化活动中心, 社区文化活动室, 图书馆, 博物馆).
  Capacity ``floor_area_m2`` (建筑面积); demand ``pop_total``; the 15-minute tier (文化活动中心) [C].
  Indicator 9 (102.7 -> 180.5 m² per 10,000 residents) counts their floor area and that of the
  Hedong Study Rooms (河东书房, the ``study_room`` family).

Neither is in the life-circle index (``life_circle=False``), so ``hedong coverage``'s
``life_circle`` figures keep their meaning; both appear in every per-service output.
"""

from __future__ import annotations

from layers.norms import CHILDCARE_NEW_SITE_CLASSES, CHILDCARE_NEW_SITE_PLACES, NORM_DISTANCES, NormLevel
from layers.records import ATTENDANCE_MODEL, CapacityColumn, Family, Service, Subtype

#: Places of one new childcare centre when nothing else gives it: 1 乳儿班 (<= 10) + 2 托小班 (<= 15) +
#: 3 托大班 (<= 20) = 100 places in 6 classes, within the class caps of the national 托育机构设置标准
#: （试行） (2019) [U: the mix is an assumption] — :data:`layers.norms.CHILDCARE_NEW_SITE_CLASSES`.
__all__ = ["CHILDCARE_NEW_SITE_PLACES", "CHILDCARE_NEW_SITE_CLASSES", "CARE_CAPACITY_COLUMNS", "CARE_FAMILIES"]

#: The capacity columns of these families (registered before them).
CARE_CAPACITY_COLUMNS = (
    CapacityColumn("places_childcare", "places", "托位", "childcare places", "托位", "places"),
    CapacityColumn("floor_area_m2", "m2", "建筑面积(m²)", "floor area (m²)", "平方米", "m²"),
)

#: The families, in display order.
CARE_FAMILIES = (Family(
    "childcare", "托育", "Childcare (under 3)",
    subtypes=(Subtype("childcare_centre", "托育机构", "childcare centre"),
              Subtype("nursery_in_kindergarten", "幼儿园托班", "nursery class in a kindergarten")),
    capacity=("places_childcare",), color="#e377c2", symbol="circle", id_prefix="cc",
    services=(
        Service("childcare", "托育", "Childcare (under 3)", capacity="places_childcare", demand="age_0_2",
                minutes=5, radius_m=NORM_DISTANCES["childcare"].distance_m, tier=5,
                source="托儿所 in the 5-minute life circle (GB 50180-2018 appendix B); plan indicator 19: "
                       "5 places per 1,000 residents by 2025 (national 4.5); at least one 普惠 centre in every "
                       "township (每个乡镇)", mark="S",
                new_site_capacity=CHILDCARE_NEW_SITE_PLACES, models=(ATTENDANCE_MODEL,)),
    ),
    norm_levels=(
        NormLevel("childcare", "托育机构", "Childcare", ("childcare",), None, "age_0_2",
                  NORM_DISTANCES["childcare"].distance_m, "walk", "5-minute level (托儿所)",
                  NORM_DISTANCES["childcare"].mark),
    ),
), Family(
    "culture", "公共文化设施", "Public culture",
    subtypes=(Subtype("cultural_centre", "文化馆/文化活动中心", "cultural centre"),
              Subtype("community_culture_room", "社区文化活动室", "community culture room"),
              Subtype("library", "图书馆", "library"),
              Subtype("museum", "博物馆/美术馆", "museum / gallery")),
    capacity=("floor_area_m2",), color="#bcbd22", symbol="book", id_prefix="cul",
    services=(
        Service("culture", "公共文化设施", "Public culture", capacity="floor_area_m2", minutes=15,
                radius_m=NORM_DISTANCES["culture"].distance_m, tier=15,
                source="文化活动中心 in the 15-minute life circle (GB 50180-2018 appendix B); plan indicator 9: "
                       "180.5 m² of public cultural floor area per 10,000 residents by 2025", mark="C"),
    ),
),
)
