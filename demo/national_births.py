"""China's national live births and crude birth rates, 2007-2024: the series the demo's children follow.

Source: National Bureau of Statistics of China (国家统计局), *Statistical Communiqué on the National
Economic and Social Development* (国民经济和社会发展统计公报) of each year, "全年出生人口" and
"人口出生率". Which figure is which:

* **checked** — found in this session in reports quoting the NBS release (Xinhua 2018-01-20 for 2016
  and 2017; the 2018 and 2019 communiqués as quoted by the press): 2016 17.86 M / 12.95 ‰,
  2017 17.23 M / 12.43 ‰, 2018 15.23 M / 10.94 ‰, 2019 14.65 M / 10.48 ‰; 2011-2015 average 16.44 M
  (the 十二五 average Xinhua quotes, which the 2011-2015 figures below reproduce).
* **recalled, not checked here** — every other figure (2007-2015 single years, 2020-2024), as the
  communiqués and the statistical yearbook give them to the best of our knowledge.
* **2016 uses the series revised after the 2020 census: 18.83 M** (recalled). The original
  communiqué said 17.86 M (checked, kept in :data:`BIRTHS_2016_COMMUNIQUE`). 2017 uses the
  communiqué's 17.23 M: the revised 2017 figure is not known to us reliably, so the series mixes
  one revised year with communiqué years — stated wherever it is used.
* 2020 is 12.02 M / 8.52 ‰ as later published (the census release of May 2021 announced 12.00 M).

Crude birth rates (‰) are kept for the years we use them to scale the demo (:func:`demo_births`);
12.02 M / 8.52 ‰ = 1,411 M people, the 2020 census population, so the two columns agree.
"""

from __future__ import annotations

#: National live births, millions, by calendar year (see the module notes for each figure's status).
NATIONAL_BIRTHS_M = {
    2007: 15.94, 2008: 16.08, 2009: 15.91,
    2010: 15.92, 2011: 16.04, 2012: 16.35, 2013: 16.40, 2014: 16.87, 2015: 16.55,
    2016: 18.83,  # revised after the 2020 census (communiqué: 17.86)
    2017: 17.23, 2018: 15.23, 2019: 14.65,
    2020: 12.02, 2021: 10.62, 2022: 9.56, 2023: 9.02, 2024: 9.54,
}
#: The original 2016 communiqué figure (checked), before the post-census revision.
BIRTHS_2016_COMMUNIQUE = 17.86
#: National crude birth rate, per thousand residents.
NATIONAL_CBR_PERMILLE = {2016: 12.95, 2017: 12.43, 2018: 10.94, 2019: 10.48,
                         2020: 8.52, 2021: 7.52, 2022: 6.77, 2023: 6.39, 2024: 6.77}
#: Figures checked against a quoted NBS release in this session (the rest are recalled).
CHECKED = {"births": (2017, 2018, 2019), "births_2016_communique": True, "cbr": (2016, 2017, 2018, 2019)}
#: The year the demo's births are scaled at: the census year (births and rate both published).
ANCHOR_YEAR = 2020
#: Last year of the national table; later years hold its births (an assumption, documented).
LAST_YEAR = max(NATIONAL_BIRTHS_M)
SOURCE = ("NBS statistical communiqués (国民经济和社会发展统计公报), national births 2007-2024 and crude birth "
          "rates; 2016 = 18.83 M from the series revised after the 2020 census (communiqué 17.86 M); "
          "2016-2019 checked against quoted releases, other years recalled; see demo/national_births.py")


def national_births(year: int) -> float:
    """National births (millions) in ``year``; a year after the table holds its last year's births,
    one before it its first year's."""
    y = min(max(int(year), min(NATIONAL_BIRTHS_M)), LAST_YEAR)
    return NATIONAL_BIRTHS_M[y]


def demo_births(population: float, year: int) -> float:
    """Births of a town of ``population`` in ``year`` at the national rates (unrounded).

    The town's births are the national births scaled by one factor: ``population`` times the
    national crude birth rate of :data:`ANCHOR_YEAR` over that year's national births. So the
    town's births move year by year exactly as the national births do, and in 2020-2024 equal
    ``population`` times each year's national crude rate within the rounding of the published
    figures (the national population barely changed)."""
    per_million = population * NATIONAL_CBR_PERMILLE[ANCHOR_YEAR] / 1000.0 / NATIONAL_BIRTHS_M[ANCHOR_YEAR]
    return national_births(year) * per_million
