"""Hedong Planner as a library: load a study area, measure access, evaluate and site schools.

One import gives the whole workflow a data scientist needs in a notebook::

    import hedong as hd

    area = hd.load_area("yuncheng-demo", scale=0.15)   # or "helsinki-osm", or a folder
    hd.coverage(area, "primary").to_dict()             # who lives within 15 min of a primary school
    hd.circles(area, "fitness")                        # the 15-minute circle, a GeoDataFrame
    hd.fca(area, "clinic", method="e2sfca").per_1000   # beds within reach per 1,000 residents
    hd.evaluate(area, "plan", 2025).to_dict()          # seats within the walking limit, by district
    hd.optimise(area, "primary", p=2).to_geodataframe()  # where two new primary schools serve most

Results are objects with ``to_dict()`` (the same keys as the command line's ``--json``, see
docs/CONTRACT.md) and ``to_geodataframe()`` (cells or sites with their numbers, in the area's
CRS, ready for ``.explore()`` or ``.to_file()``).

A study area is immutable: edit a copy with ``area.replace(population=...)``; every engine of
that copy starts afresh (see :class:`gis.study_area.StudyArea`). Within one area the travel
network, the snapping of homes and each site's reach are computed once and shared
(:class:`accessibility.context.ComputeContext`).

Bad arguments raise :class:`ParameterError` naming the parameter (``minutes=-5``, ``mode="car"``);
bad data raises :class:`InputError` naming the file, row and field; a siting model with no
solution raises :class:`InfeasibleModelError`.

Examples
--------
>>> import hedong as hd
>>> area = hd.load_area("yuncheng-demo", scale=0.15)
>>> area.name, area.crs, area.synthetic
('yuncheng-demo', 'EPSG:4546', True)
>>> cov = hd.coverage(area, "primary", minutes=10)
>>> 0 < cov.population_share < 1 and cov.minutes == 10.0
True
>>> hd.coverage(area, "primary", minutes=-5)
Traceback (most recent call last):
...
layers.errors.ParameterError: field 'minutes': must be a number greater than 0 and at most 120 (got -5)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import shapely

import demo  # noqa: F401 - registers the yuncheng-demo study area with gis.areas (demo lives above gis)
from accessibility.circles import circles_gdf
from accessibility.context import ComputeContext
from accessibility.coverage import LifeCircle, ServiceCoverage, coverage_report, life_circle, service_coverage
from accessibility.fca import FCAResult
from accessibility.fca import fca as _fca
from gis.areas import load_area
from layers.errors import InfeasibleModelError, InputError, ParameterError
from gis.study_area import StudyArea
from scenarios.evaluate import Evaluation
from scenarios.evaluate import evaluate as _evaluate
from scenarios.optimize import optimize_area

__all__ = [
    "load_area", "StudyArea", "ComputeContext", "coverage", "coverage_report", "life_circle", "circles", "fca",
    "evaluate", "optimise", "optimize", "Siting", "ServiceCoverage", "LifeCircle", "FCAResult", "Evaluation",
    "InputError", "ParameterError", "InfeasibleModelError",
]


def coverage(area: StudyArea, service: str, minutes: float | None = None, mode: str | None = None,
             facilities=None) -> ServiceCoverage:
    """Who lives within ``minutes`` of a service: shares, minutes and districts.

    Parameters
    ----------
    area : StudyArea
    service : str
        ``kindergarten``, ``primary``, ``junior``, ``clinic``, ``elderly_care``, ``study_room``,
        ``fitness`` ... (keys of :data:`layers.norms.SERVICES`).
    minutes : float, optional
        Threshold, default 15 (the quarter-hour life circle).
    mode : str, optional
        ``walk`` or ``bike``; default the service's own (elderly care at the elderly pace).
    facilities : GeoDataFrame, optional
        A facility layer replacing the area's (e.g. a scenario's in a year).

    Returns
    -------
    ServiceCoverage
        ``population_share``, ``median_minutes``, ``by_district`` ...; ``to_dict()`` is the
        service's object in ``hedong coverage --json``; ``to_geodataframe()`` the cells with
        ``minutes`` and ``covered``.

    Examples
    --------
    >>> import hedong as hd
    >>> area = hd.load_area("yuncheng-demo", scale=0.15)
    >>> cov = hd.coverage(area, "fitness")
    >>> sorted(cov.to_dict())[:4]
    ['by_district', 'cohort', 'cohort_by_district', 'cohort_covered']
    >>> cells = cov.to_geodataframe()
    >>> len(cells) == len(area.population) and {"minutes", "covered"} <= set(cells.columns)
    True
    >>> people = cells["pop_total"]
    >>> bool(abs(people[cells["covered"]].sum() / people.sum() - cov.population_share) < 1e-12)
    True
    """
    return service_coverage(area, service, minutes, mode, facilities)


def circles(area: StudyArea, service: str, minutes: float | None = None, per_facility: bool = False,
            mode: str | None = None, facilities=None) -> gpd.GeoDataFrame:
    """The area within ``minutes`` of a service's facilities, as polygons (what ``hedong circles`` writes).

    Parameters
    ----------
    area : StudyArea
    service : str
    minutes : float, optional
        Default 15.
    per_facility : bool
        One polygon per facility instead of one dissolved circle.
    mode : str, optional
        ``walk`` / ``bike``.
    facilities : GeoDataFrame, optional
        A facility layer replacing the area's.

    Returns
    -------
    GeoDataFrame
        ``service``, ``minutes``, ``mode``, ``population`` and ``demand`` reached, ``area_km2``.

    Examples
    --------
    >>> import hedong as hd
    >>> area = hd.load_area("yuncheng-demo", scale=0.15)
    >>> c = hd.circles(area, "fitness", minutes=15)
    >>> len(c), c.crs == area.crs
    (1, True)
    >>> bool(abs(c["population"].iloc[0] - hd.coverage(area, "fitness").population_covered) < 1e-6)
    True
    """
    return circles_gdf(area, service, minutes, per_facility, mode=mode, facilities=facilities)


def fca(area: StudyArea, service: str, method: str = "2sfca", minutes: float | None = None, mode: str | None = None,
        facilities=None) -> FCAResult:
    """Supply within reach per demand, by the two-step floating catchment method (2SFCA family).

    Parameters
    ----------
    area : StudyArea
    service : str
        Its capacity column is the supply (seats, beds, m2), its demand column the demand.
    method : str
        ``2sfca`` (Luo & Wang), ``e2sfca`` (stepped weights) or ``g2sfca`` (Gaussian).
    minutes : float, optional
        Catchment, default 15.
    mode : str, optional
    facilities : GeoDataFrame, optional

    Returns
    -------
    FCAResult
        ``per_1000`` for the whole area, ``districts`` table, ``to_dict()`` (``hedong access
        --json``), ``to_geodataframe()`` (cells with ``access`` and ``per_1000``).

    Examples
    --------
    >>> import hedong as hd
    >>> area = hd.load_area("yuncheng-demo", scale=0.15)
    >>> r = hd.fca(area, "primary", minutes=10)
    >>> r.to_dict()["supply"], r.to_dict()["demand"]
    ('seats_primary', 'age_6_11')
    >>> seats = area.facilities["seats_primary"].sum()
    >>> bool(r.to_geodataframe().eval("access * demand").sum() <= seats + 1e-6)  # supply is never created
    True
    """
    return _fca(area, service, method, minutes, mode, facilities)


def evaluate(area: StudyArea, scenario="existing", year: int = 2025, minutes: float | None = None,
             assign: str = "catchment") -> Evaluation:
    """Seat balance and children seated under one enrolment rule, per school level and district, in ``year``.

    Parameters
    ----------
    area : StudyArea
    scenario : str or scenarios.model.Scenario
        ``existing``, ``plan`` (the area's projects), ``plan-growth`` (demo) or a saved one.
    year : int
        2021-2035; schools of projects opened by then count.
    minutes : float, optional
        Walking limit for every level (default the norms': 5 kindergarten, 10 primary, 15 junior).
    assign : {"catchment", "walk"}
        The rule every figure follows (:mod:`scenarios.one_rule`): ``catchment`` (default, 划片: each
        child seated in a school of its own district with room, no walking cut-off; the 划片 details under
        ``levels[level].catchment``) or ``walk`` (seated only within the walking limit). The norm
        check (规范核查, metres: children within the standard's distance of an open school) is
        ``norm_check`` of each level in ``to_dict()``; the walking-minutes view is ``walk_check``.

    Returns
    -------
    Evaluation
        ``levels[level].summary`` (demand, seats, assigned, unserved ...), ``to_dict()``
        (``hedong scenario evaluate --json``), ``to_geodataframe()`` (schools with pupils assigned).

    Examples
    --------
    >>> import hedong as hd
    >>> area = hd.load_area("yuncheng-demo", scale=0.15)
    >>> ev = hd.evaluate(area, "plan", 2025)
    >>> sorted(ev.levels)
    ['junior', 'kindergarten', 'primary']
    >>> s = ev.levels["primary"].summary
    >>> s["assigned"] + s["unserved"] == s["demand"] and s["assigned"] <= s["seats"]
    True
    >>> schools = ev.to_geodataframe()
    >>> int(schools.loc[schools["level"] == "primary", "assigned"].sum()) == s["assigned"]
    True
    """
    return _evaluate(area, scenario, year, minutes, assign=assign)


@dataclass
class Siting:
    """New school sites chosen by an optimisation model (:func:`optimise`).

    Attributes
    ----------
    summary : dict
        The ``hedong scenario optimize --json`` object: ``model``, ``chosen`` (candidate ids),
        ``objective``, ``unserved_before`` / ``unserved_after``, ``chosen_sites`` ...
    crs : str
        CRS of the site coordinates.
    """

    summary: dict
    crs: str = field(default="")

    @property
    def chosen(self) -> list:
        """Candidate ids of the new sites."""
        return list(self.summary["chosen"])

    def to_dict(self) -> dict:
        """The ``hedong scenario optimize --json`` object."""
        return dict(self.summary)

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The chosen sites as points with ``candidate_id`` and ``seats``."""
        rows = self.summary["chosen_sites"]
        return gpd.GeoDataFrame({"candidate_id": [r["candidate_id"] for r in rows],
                                 "seats": [r["seats"] for r in rows]},
                                geometry=shapely.points([(r["x"], r["y"]) for r in rows]) if rows else [],
                                crs=self.crs or None)


def optimise(area: StudyArea, level: str, model: str = "cmclp", p: int = 1, minutes: float | None = None,
             candidates=None, scenario="existing", year: int = 2025, time_limit: float = 60.0) -> Siting:
    """Choose ``p`` new school sites for ``level`` with an exact location model (HiGHS).

    Parameters
    ----------
    area : StudyArea
    level : str
        ``primary``, ``junior`` or ``kindergarten``.
    model : str
        ``cmclp`` (seats bind, most children seated within the limit; default), ``cpmedian``,
        ``mclp``, ``pmedian``, ``lscp``, ``pcenter``.
    p : int
        New sites (existing schools always stay open).
    minutes : float, optional
        Walking limit (default the level's norm).
    candidates : GeoDataFrame or path, optional
        Candidate sites (``candidate_id``, optional ``capacity``); default generated from the
        streets and the unserved children.
    scenario, year
        Schools open under ``scenario`` in ``year`` are the existing ones.
    time_limit : float
        Seconds HiGHS may take.

    Returns
    -------
    Siting

    Raises
    ------
    ParameterError
        A bad ``level``, ``model``, ``p``, ``minutes`` or ``year``.
    InfeasibleModelError
        No solution with these arguments.

    Examples
    --------
    >>> import hedong as hd
    >>> area = hd.load_area("yuncheng-demo", scale=0.15)
    >>> cands = area.projects[area.projects["type"] == "primary"][["geometry"]].head(4)
    >>> cands["candidate_id"] = [f"c{i}" for i in range(len(cands))]
    >>> s = hd.optimise(area, "primary", "cmclp", p=1, candidates=cands)
    >>> len(s.chosen), s.to_dict()["unserved_after"] <= s.to_dict()["unserved_before"]
    (1, True)
    >>> s.to_geodataframe().crs == area.crs
    True
    """
    return Siting(optimize_area(area, level, model, p, minutes, candidates, scenario, year, time_limit), area.crs)


#: American spelling, same function.
optimize = optimise
