"""Coverage: who lives within N minutes of a service, by district and age group; the life circle.

One engine for every :class:`layers.families.Service` (no per-family code): select the service's
facilities, snap them, one multi-source Dijkstra, read each population cell's seconds (its own
snap offsets included), then weight by people.

Conventions
-----------
* **Minutes.** Coverage uses one threshold for every service: ``minutes`` when given (the CLI's
  ``--minutes``), else :data:`DEFAULT_MINUTES` = 15, the 15-minute community life circle (15分钟社区生活圈, TD/T 1062-2021) of CONTRACT.md.
  (A service's own ``minutes`` — 5 for kindergartens, 10 for primary schools — is its norm
  threshold, used by assignment and :mod:`accessibility.norm_check`.)
* **Mode.** ``walk`` keeps a service's own walking pace, so elderly care is measured at the
  elderly pace (``walk_elderly``, 50 m/min); ``bike`` applies to every service; ``None`` means the
  service's own mode. The walk from the door to the street is always on foot.
* **Weights.** ``population_share`` and the minute statistics are weighted by ``pop_total``;
  ``cohort_share`` / ``cohort_median_minutes`` by the service's demand column (children 3-5 for
  kindergartens, 65+ for elderly care ...).
* **Covered** means ``seconds <= minutes * 60`` (inclusive). Cells further than
  :data:`layers.norms.MAX_SNAP_M` from any street are never covered and are counted in ``far_cells``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from accessibility import equity
from accessibility.context import ComputeContext
from accessibility.fca import fca
from accessibility.params import check_minutes, check_mode
# the shared names moved down to accessibility.services (fca needs them too); re-exported here
from accessibility.services import DEFAULT_MINUTES, effective_mode, get_service, service_facilities
from layers.families import LIFE_CIRCLE_SERVICES, SERVICES, Service
from layers.norms import LIFE_CIRCLE_NAME, LIFE_CIRCLE_SOURCE, LIFE_CIRCLE_TIERS, minutes_view

__all__ = [
    "DEFAULT_MINUTES", "ServiceCoverage", "LifeCircle", "get_service", "effective_mode", "service_facilities",
    "service_seconds", "service_coverage", "life_circle", "coverage_report", "weighted_quantile",
    "TieredLifeCircle", "tier_minutes", "tiered_life_circle", "equity_report", "service_coverages", "coverage_shares",
]

def weighted_quantile(values: np.ndarray, weights: np.ndarray, q, *, order: np.ndarray | None = None):
    """The ``q`` quantile(s) of ``values`` weighted by ``weights`` (lower value at ties; inf allowed).

    ``q`` is a float (returns a float) or a sequence of floats (returns a list, one sort for all).
    ``order`` may pass ``np.argsort(values, kind="stable")`` when several weightings share the
    values. Returns NaN where the weights sum to 0.

    Definition: sort the values (stable), add up the weights (negative ones count as 0) in that
    order, and take the first value whose running total reaches ``q`` of the total (less 1e-9 of
    it). Without ``order``, whole-number weights (people) are answered by :func:`_select_quantiles`
    without sorting every value — the same numbers (tests/test_coverage.py checks both ways).
    """
    qs = np.atleast_1d(np.asarray(q, float))
    v = np.asarray(values, float)
    w = np.asarray(weights, float)
    out = _select_quantiles(v, w, qs) if order is None else None
    if out is None:
        out = _sorted_quantiles(v, w, qs, order)
    return out[0] if np.ndim(q) == 0 else out


def _sorted_quantiles(v: np.ndarray, w: np.ndarray, qs: np.ndarray, order: np.ndarray | None) -> list:
    """:func:`weighted_quantile` by its definition: one stable sort, a running sum, a binary search."""
    if order is None:
        order = np.argsort(v, kind="stable")
    vs, cw = v[order], np.cumsum(np.clip(w[order], 0, None))
    if len(cw) == 0 or cw[-1] <= 0:
        return [float("nan")] * len(qs)
    # first position where the cumulative weight reaches q of the total (zero weights never chosen
    # because a zero-weight value cannot be the first to reach a new cumulative level)
    idx = np.searchsorted(cw, qs * cw[-1] - 1e-9 * cw[-1])
    return [float(x) for x in vs[np.minimum(idx, len(vs) - 1)]]


#: Whole-number weights up to this total add up exactly in floats, in any order.
_EXACT_SUM = float(2 ** 52)


def _select_quantiles(v: np.ndarray, w: np.ndarray, qs: np.ndarray, top: np.ndarray | None = None) -> list | None:
    """:func:`_sorted_quantiles` without sorting every value, for whole-number weights; None when
    the weights or values do not allow it (the caller then sorts). ``top`` may pass
    :func:`_value_buckets` of ``v`` when several weightings share the values.

    Why it is the same number. With whole-number weights whose total is below 2**52 every partial
    sum is an exact float, so the definition's running total at a value does not depend on the
    order of the additions: the answer is the smallest value ``x`` whose weight at or below ``x``
    reaches the target. Non-negative floats order as their bit patterns do, so one weighted
    ``bincount`` over the top 16 bits of each value finds the bucket of values where the target is
    reached; only that bucket is sorted. At two million cells this is a few passes over the array
    instead of a stable argsort (0.3 s per service on a province; issue 28).
    """
    if len(v) == 0 or not len(qs):
        return None
    wc = np.clip(w, 0, None)
    total = wc.sum()
    # NaN or inf weights fail the first test, fractions the second, sums too large to be exact the third
    if not (total < _EXACT_SUM) or not np.array_equal(wc, np.floor(wc)):
        return None
    if top is None:
        top = _value_buckets(v)
        if top is None:
            return None
    if total <= 0:
        return [float("nan")] * len(qs)
    targets = qs * total - 1e-9 * total  # the definition's own arithmetic (its running total ends at ``total``)
    cum = np.cumsum(np.bincount(top, weights=wc))  # exact: whole numbers below 2**52
    out = []
    for t in targets:
        b = int(np.searchsorted(cum, t))
        if b >= len(cum):  # beyond the total (q > 1, or NaN): the definition's last position
            out.append(float(v.max()))
        elif not t > 0:  # the definition's first position: the smallest value, whatever its weight
            out.append(float(v.min()))
        else:  # the bucket holds positive weight (its running total passes t), so an answer
            sel = np.flatnonzero(top == b)
            sv = v[sel]
            o = np.argsort(sv)
            run = (cum[b - 1] if b else 0.0) + np.cumsum(wc[sel][o])
            out.append(float(sv[o][int(np.searchsorted(run, t))]))
    return out


def _value_buckets(v: np.ndarray) -> np.ndarray | None:
    """The top 16 bits of each value (sign, exponent, 4 bits of mantissa) as bucket numbers that
    order as the values do; None unless every value is in [+0, +inf] (no NaN, no negative, no -0.0)."""
    bits = np.ascontiguousarray(v, dtype=np.float64).view(np.uint64)
    if not len(bits) or bits.max() > np.uint64(0x7FF0000000000000):  # +inf's pattern: anything above is NaN or signed
        return None
    return (bits >> np.uint64(48)).view(np.int64)  # (below 2**15: the same numbers as int64)


def service_seconds(area, service, mode: str | None = None, facilities=None, limit_s: float | None = None):
    """Seconds from every population cell to the nearest facility of ``service``.

    Parameters
    ----------
    area : StudyArea
    service : str or Service
    mode : str, optional
        See :func:`effective_mode`.
    facilities : GeoDataFrame, optional
        Facility layer replacing ``area.facilities``.
    limit_s : float, optional
        Search cut-off (cells further get ``inf``); default none, so minute statistics are exact.

    Returns
    -------
    seconds : ndarray (n_cells,)
    net : TravelNetwork
    fac_snap : Snap
        The service's facilities as snapped (``fac_snap.warnings()`` lists unsnappable ones).
    cell_snap : Snap
    """
    svc = get_service(service)
    check_mode(mode, allowed="speeds")
    ctx = ComputeContext.for_area(area)
    m = effective_mode(svc, mode)
    fac = service_facilities(area if facilities is None else facilities, svc)
    T = ctx.seconds(fac, m, limit_s=limit_s)
    return T, ctx.network(m), ctx.facility_snap(fac, m), ctx.cell_snap(m)


@dataclass
class ServiceCoverage:
    """Coverage of one service. Shares are in [0, 1]; minutes may be ``inf`` (not reachable).

    Attributes
    ----------
    service : Service
    minutes : float
        Threshold used.
    mode : str
        Mode used (after :func:`effective_mode`).
    cell_minutes : pandas.Series
        Minutes to the nearest facility per population cell (index of ``area.population``).
    covered : ndarray of bool
        ``cell_minutes <= minutes``.
    population, population_covered : float
        Residents in total / within the threshold.
    population_share : float
        ``population_covered / population``.
    cohort, cohort_covered, cohort_share : float
        The same for the service's demand column.
    median_minutes, p90_minutes : float
        Population-weighted median / 90th percentile of minutes to the nearest facility.
    cohort_median_minutes : float
        Demand-cohort-weighted median.
    by_district : dict
        District name -> population share covered.
    district_data : dict
        Per district arrays in display order (``district_id``, ``name``, ``population``,
        ``population_covered``, ``cohort``, ``cohort_covered``); :attr:`district_table` is the
        same as a DataFrame with the shares added.
    uncovered : GeoDataFrame
        Populated cells not covered, with ``minutes``.
    n_facilities : int
        Facilities of the service in the layer used.
    far_cells : int
        Cells too far from any street to be snapped (never covered).
    warnings : list of str
        Facilities that could not be snapped.
    """

    service: Service
    minutes: float
    mode: str
    cell_minutes: pd.Series
    covered: np.ndarray
    population: float
    population_covered: float
    population_share: float
    cohort: float
    cohort_covered: float
    cohort_share: float
    median_minutes: float
    p90_minutes: float
    cohort_median_minutes: float
    by_district: dict
    district_data: dict = field(repr=False)
    n_facilities: int = 0
    far_cells: int = 0
    warnings: list = field(default_factory=list)
    population_layer: gpd.GeoDataFrame | None = field(default=None, repr=False)

    @property
    def district_table(self) -> pd.DataFrame:
        """Per district: ``district_id``, ``name``, ``population``, ``population_covered``,
        ``population_share``, ``cohort``, ``cohort_covered``, ``cohort_share`` (built on first use
        from :attr:`district_data`; the numbers behind it are plain arrays, cheap to compute)."""
        if self.__dict__.get("_district_table") is None:
            d = self.district_data
            tab = pd.DataFrame({"district_id": d["district_id"], "name": d["name"],
                                "population": d["population"], "population_covered": d["population_covered"],
                                "cohort": d["cohort"], "cohort_covered": d["cohort_covered"]})
            tab["population_share"] = _ratio(tab["population_covered"].to_numpy(), tab["population"].to_numpy())
            tab["cohort_share"] = _ratio(tab["cohort_covered"].to_numpy(), tab["cohort"].to_numpy())
            self.__dict__["_district_table"] = tab
        return self.__dict__["_district_table"]

    @property
    def uncovered(self) -> gpd.GeoDataFrame:
        """Populated cells not covered, with their ``minutes`` (built on first use: a
        GeoDataFrame copy costs more than the shortest paths, and most callers want numbers)."""
        if self.__dict__.get("_uncovered") is None:
            pop = self.population_layer
            sel = ~self.covered & (pop["pop_total"].to_numpy(float) > 0)
            unc = pop.loc[sel].copy()
            unc["minutes"] = self.cell_minutes.to_numpy()[sel]
            self.__dict__["_uncovered"] = unc
        return self.__dict__["_uncovered"]

    def to_dict(self) -> dict:
        """The CONTRACT.md JSON object of this service (plus additive keys)."""
        return {
            "population_share": self.population_share,
            "median_minutes": self.median_minutes,
            "by_district": self.by_district,
            "cohort": self.service.demand,
            "cohort_share": self.cohort_share,
            "cohort_median_minutes": self.cohort_median_minutes,
            # additive (issue 26 item 2): the headline base by subdistrict and the people it leaves out
            "cohort_by_district": {str(n): (None if v != v else float(v)) for n, v in
                                   zip(self.district_table["name"], self.district_table["cohort_share"])},
            "cohort_covered": float(self.cohort_covered),
            "cohort_uncovered": float(self.cohort - self.cohort_covered),
            "p90_minutes": self.p90_minutes,
            "population_covered": self.population_covered,
            "threshold_minutes": self.minutes,
            "travel_mode": self.mode,
            "facilities": self.n_facilities,
            # a minutes view says its speed and the distance it implies, beside the norm distance
            # (the norm check itself is hedong gaps, in metres)
            **{k: v for k, v in minutes_view(self.minutes, self.mode, self.service.radius_m).items()
               if k in ("speed_m_per_min", "implied_distance_m", "norm_distance_m")},
        }

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The population cells with ``minutes`` to the nearest facility and ``covered`` (bool).

        Columns: the population layer's, plus ``minutes`` (``inf`` where none is reachable) and
        ``covered``; CRS of the study area.
        """
        out = self.population_layer.copy()
        out["minutes"] = self.cell_minutes.to_numpy()
        out["covered"] = np.asarray(self.covered, bool)
        return out


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b with NaN where b is 0."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    out = np.full(len(a), np.nan)
    np.divide(a, b, out=out, where=b > 0)
    return out


def _share(a: float, b: float) -> float:
    return float(a / b) if b > 0 else float("nan")


def service_coverage(area, service, minutes: float | None = None, mode: str | None = None,
                     facilities=None) -> ServiceCoverage:
    """Coverage of one service over the study area's population.

    Parameters
    ----------
    area : gis.study_area.StudyArea
    service : str or Service
        Key of :data:`layers.norms.SERVICES` or a record.
    minutes : float, optional
        Threshold; default :data:`DEFAULT_MINUTES` (15).
    mode : str, optional
        ``walk`` / ``bike`` / None (see :func:`effective_mode`).
    facilities : GeoDataFrame, optional
        A facility layer replacing ``area.facilities`` (scenarios with opened projects).

    Returns
    -------
    ServiceCoverage
    """
    svc = get_service(service)
    minutes = DEFAULT_MINUTES if check_minutes(minutes) is None else float(minutes)
    return _coverage(area, svc, minutes, *service_seconds(area, svc, mode, facilities))


def _service_requests(area, services, mode, facilities, limit_s=None):
    """(Service, mode, facility layer) per service, and the :meth:`ComputeContext.seconds_many` requests."""
    check_mode(mode, allowed="speeds")
    svcs = [get_service(s) for s in services]
    modes = [effective_mode(svc, mode) for svc in svcs]
    facs = [service_facilities(area if facilities is None else facilities, svc) for svc in svcs]
    return svcs, modes, facs, list(zip(facs, modes, [limit_s] * len(svcs)))


def service_coverages(area, services=None, minutes: float | None = None, mode: str | None = None,
                      facilities=None) -> dict:
    """:func:`service_coverage` of several services, their searches run together on every core.

    The same results as one :func:`service_coverage` call per service, float for float
    (tests/test_parallel.py); the shortest-path searches of the services not yet cached run at once
    (:meth:`ComputeContext.seconds_many`, worker processes on a large network: ``HEDONG_THREADS``).

    Parameters
    ----------
    area : StudyArea
    services : iterable of str or Service, optional
        Default: every service of :data:`layers.families.SERVICES`.
    minutes, mode, facilities
        As :func:`service_coverage`.

    Returns
    -------
    dict
        Service key -> :class:`ServiceCoverage`, in the order given.
    """
    minutes = DEFAULT_MINUTES if check_minutes(minutes) is None else float(minutes)
    svcs, modes, facs, requests = _service_requests(area, SERVICES if services is None else services, mode, facilities)
    ctx = ComputeContext.for_area(area)
    covs, columns, cells = {}, {}, {}

    def build(i, T):  # as each service's seconds arrive: overlaps the other services' searches
        svc, m, fac = svcs[i], modes[i], facs[i]
        if m not in cells:  # (re-timing two million cells per service cost a tenth of a second each)
            cells[m] = ctx.cell_snap(m)
        covs[i] = _coverage(area, svc, minutes, T, ctx.network(m), ctx.facility_snap(fac, m), cells[m], columns)

    ctx.seconds_many(requests, on_result=build)
    return {svcs[i].key: covs[i] for i in range(len(svcs))}


def coverage_shares(area, services=None, minutes: float | None = None, mode: str | None = None,
                    facilities=None) -> dict:
    """Population and cohort shares within ``minutes`` per service, by *bounded* searches.

    Where only "who is within M minutes" is asked (no medians, no minute maps), a search can stop at
    M minutes (``limit=`` of ``csgraph.dijkstra``): every cell within M is reached through a node
    within M, so the shares are exactly those of :func:`service_coverage` (tests/test_parallel.py),
    for a search that visits only the nodes within M of a facility.

    Returns
    -------
    dict
        Service key -> ``{"population_share", "cohort_share", "population_covered", "cohort_covered"}``.
    """
    minutes = DEFAULT_MINUTES if check_minutes(minutes) is None else float(minutes)
    # (a hair over M minutes: a cell at exactly M stays covered whatever the float rounding of T / 60)
    svcs, _m, _f, requests = _service_requests(area, SERVICES if services is None else services, mode, facilities,
                                               limit_s=minutes * 60.0 + 1e-6)
    seconds = ComputeContext.for_area(area).seconds_many(requests)
    pop = area.population["pop_total"].to_numpy(float)
    out = {}
    for svc, T in zip(svcs, seconds):
        covered = T / 60.0 <= minutes  # the same comparison as service_coverage
        dem = area.population[svc.demand].to_numpy(float)
        Pc, Cc = pop[covered].sum(), dem[covered].sum()
        out[svc.key] = {"population_share": _share(Pc, pop.sum()), "cohort_share": _share(Cc, dem.sum()),
                        "population_covered": float(Pc), "cohort_covered": float(Cc)}
    return out


def _coverage(area, svc: Service, minutes: float, T, net, fsnap, csnap, columns: dict | None = None) -> ServiceCoverage:
    """The :class:`ServiceCoverage` of ``svc`` from its cells' seconds ``T`` (see :func:`service_coverage`).

    ``columns`` (optional, shared by the services of one :func:`service_coverages` call) keeps each
    population column as floats with its total, so nine services convert and add each column once.
    """
    columns = {} if columns is None else columns
    popdf = area.population

    codes, ids, dnames = ComputeContext.for_area(area).district_codes()
    k = len(ids)

    def column(name):  # the column as floats, its total and its sums by district (the same every service)
        if name not in columns:
            a = popdf[name].to_numpy(float)
            columns[name] = (a, a.sum(), np.bincount(codes, a, k))
        return columns[name]

    # T is this call's own array (a new one from ComputeContext.seconds, or handed over by
    # seconds_many): divided in place, it becomes the minutes without another array of every cell
    mins = np.divide(T, 60.0, out=T) if T.flags.writeable and T.dtype == np.float64 else T / 60.0
    covered = mins <= minutes
    pop, P, pop_d = column("pop_total")
    dem, C, dem_d = column(svc.demand)
    Pc, Cc = pop[covered].sum(), dem[covered].sum()

    dd = {"district_id": ids, "name": dnames,
          "population": pop_d.copy(), "population_covered": np.bincount(codes, pop * covered, k),
          "cohort": dem_d.copy(), "cohort_covered": np.bincount(codes, dem * covered, k)}
    dshare = _ratio(dd["population_covered"], dd["population"])

    # residents' median and 90th percentile, the cohort's median (people: whole-number weights,
    # answered without a sort of every cell, the buckets of the values shared; see weighted_quantile)
    top = _value_buckets(mins)
    med_p90 = None if top is None else _select_quantiles(mins, pop, np.array([0.5, 0.9]), top)
    med_p90 = weighted_quantile(mins, pop, (0.5, 0.9)) if med_p90 is None else med_p90
    cohort_median = None if top is None else _select_quantiles(mins, dem, np.array([0.5]), top)
    cohort_median = weighted_quantile(mins, dem, 0.5) if cohort_median is None else cohort_median[0]
    return ServiceCoverage(
        service=svc, minutes=minutes, mode=net.mode,
        # (copy=False: the minutes are this coverage's own array; pandas would copy 18 MB at a province)
        cell_minutes=pd.Series(mins, index=popdf.index, name=f"{svc.key}_minutes", copy=False),
        covered=covered, population=float(P), population_covered=float(Pc), population_share=_share(Pc, P),
        cohort=float(C), cohort_covered=float(Cc), cohort_share=_share(Cc, C),
        median_minutes=med_p90[0], p90_minutes=med_p90[1],
        cohort_median_minutes=cohort_median,
        by_district={str(n): (None if np.isnan(x) else float(x)) for n, x in zip(dnames, dshare)},
        district_data=dd, n_facilities=int(len(fsnap)), far_cells=int((~csnap.ok).sum()),
        warnings=fsnap.warnings(), population_layer=popdf,
    )


@dataclass
class LifeCircle:
    """The 15-minute community life-circle index (15分钟社区生活圈, one threshold) over :data:`layers.norms.LIFE_CIRCLE_SERVICES`.

    Attributes
    ----------
    minutes : float
    counts : pandas.Series
        Per cell, how many of the services are within ``minutes`` (0-6).
    all_services_share : float
        Population share with every service within ``minutes``.
    mean_services_within : float
        Population-weighted mean of ``counts``.
    by_district : dict
        District name -> population share with every service.
    services : dict
        Service key -> :class:`ServiceCoverage`.
    """

    minutes: float
    counts: pd.Series
    all_services_share: float
    mean_services_within: float
    by_district: dict
    services: dict

    def to_dict(self) -> dict:
        """The ``life_circle`` object of ``hedong coverage --json`` (plus ``minutes``)."""
        return {"minutes": self.minutes, "all_services_share": self.all_services_share,
                "mean_services_within": self.mean_services_within, "services": list(self.services),
                "by_district": self.by_district}

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The population cells with ``services_within`` (how many services are within the minutes)."""
        first = next(iter(self.services.values()))
        out = first.population_layer.copy()
        out["services_within"] = self.counts.to_numpy()
        return out


def _life_circle_from(area, covs: dict, minutes: float) -> LifeCircle:
    pop = area.population["pop_total"].to_numpy(float)
    counts = np.zeros(len(pop), dtype=np.int64)
    for k in LIFE_CIRCLE_SERVICES:
        counts += covs[k].covered
    allin = counts == len(LIFE_CIRCLE_SERVICES)
    P = pop.sum()
    codes, ids, dnames = ComputeContext.for_area(area).district_codes()
    share = _ratio(np.bincount(codes, pop * allin, len(ids)), np.bincount(codes, pop, len(ids)))
    byd = {str(n): (None if np.isnan(x) else float(x)) for n, x in zip(dnames, share)}
    return LifeCircle(
        minutes=minutes, counts=pd.Series(counts, index=area.population.index, name="services_within"),
        all_services_share=_share(pop[allin].sum(), P),
        mean_services_within=float((counts * pop).sum() / P) if P > 0 else float("nan"),
        by_district=byd, services={k: covs[k] for k in LIFE_CIRCLE_SERVICES},
    )


def life_circle(area, minutes: float = DEFAULT_MINUTES, mode: str | None = None, facilities=None) -> LifeCircle:
    """Per cell, how many of the six life-circle services are within ``minutes``.

    Parameters
    ----------
    area : StudyArea
    minutes : float
        Threshold for every service (default 15).
    mode : str, optional
        See :func:`effective_mode`.
    facilities : GeoDataFrame, optional
        Facility layer replacing ``area.facilities``.

    Returns
    -------
    LifeCircle
    """
    minutes = check_minutes(minutes, optional=False)
    covs = service_coverages(area, LIFE_CIRCLE_SERVICES, minutes, mode, facilities)
    return _life_circle_from(area, covs, minutes)


def tier_minutes(service) -> float:
    """Minutes of a service's GB 50180-2018 tier (its ``tier``: 5, 10 or 15; its own ``minutes`` when it has none)."""
    svc = get_service(service)
    return float(svc.tier if svc.tier is not None else svc.minutes)


@dataclass
class TieredLifeCircle:
    """The 15分钟社区生活圈 with each service at its own GB 50180-2018 tier (5 / 10 / 15 minutes).

    Attributes
    ----------
    tiers : dict
        Service key -> tier minutes (from the family registry's ``tier``; tier table in
        :data:`layers.norms.LIFE_CIRCLE_TIERS`).
    covered : dict
        Service key -> per-cell bool, within its tier.
    counts : pandas.Series
        Per cell, how many services are within their tier.
    all_services_share, mean_services_within : float
    by_district : dict
        District name -> population share with every service within its tier.
    by_service : dict
        Service key -> ``{"tier_minutes", "population_share", "cohort_share", "mode", "speed_m_per_min",
        "implied_distance_m", "norm_distance_m"}`` (the tier's minutes at the service's pace and the
        distance that implies, beside the norm distance of :data:`layers.norms.NORM_DISTANCES`).
    """

    tiers: dict
    covered: dict
    counts: pd.Series
    all_services_share: float
    mean_services_within: float
    by_district: dict
    by_service: dict

    def to_dict(self) -> dict:
        """The ``life_circle_tiered`` object of ``hedong coverage --json``."""
        return {"name": dict(LIFE_CIRCLE_NAME), "source": LIFE_CIRCLE_SOURCE,
                "all_services_share": self.all_services_share, "mean_services_within": self.mean_services_within,
                "services": list(self.tiers), "tiers": self.tiers, "by_district": self.by_district,
                "by_service": self.by_service,
                # elderly care was one 15-minute service in the index; it is now counted as day care
                # (5-minute tier) and care homes (15-minute tier), each at its own tier (issue 25)
                "replaced": {"elderly_care": ["day_care", "nursing_home"]},
                "tier_table": {str(k): {"distance_m": v["distance_m"], "source": v["source"], "mark": v["mark"]}
                               for k, v in LIFE_CIRCLE_TIERS.items()}}


def tiered_life_circle(area, mode: str | None = None, facilities=None, covs: dict | None = None) -> TieredLifeCircle:
    """Per cell, how many life-circle services are within their own tier (kindergarten 5 min, primary 10 ...).

    Parameters
    ----------
    area : StudyArea
    mode : str, optional
        See :func:`effective_mode`.
    facilities : GeoDataFrame, optional
        Facility layer replacing ``area.facilities``.
    covs : dict, optional
        :class:`ServiceCoverage` per service already computed for these facilities and mode (their
        exact ``cell_minutes`` are re-read at the tier; no new shortest paths).
    """
    pop = area.population["pop_total"].to_numpy(float)
    P = pop.sum()
    codes, ids, dnames = ComputeContext.for_area(area).district_codes()
    tiers, covered, by_service = {}, {}, {}
    for k in LIFE_CIRCLE_SERVICES:
        cov = covs[k] if covs and k in covs else service_coverage(area, k, mode=mode, facilities=facilities)
        t = tier_minutes(k)
        c = cov.cell_minutes.to_numpy(float) <= t
        dem = area.population[cov.service.demand].to_numpy(float)
        tiers[k], covered[k] = t, c
        # the minutes view says its speed and the distance it implies (a tier in minutes is not the
        # norm distance: 5 min at the elderly 50 m/min is 250 m, the day-care norm 300 m)
        view = minutes_view(t, cov.mode, cov.service.radius_m)
        by_service[k] = {"tier_minutes": t, "population_share": _share(pop[c].sum(), P),
                         "cohort_share": _share(dem[c].sum(), dem.sum()), "mode": view["mode"],
                         "speed_m_per_min": view["speed_m_per_min"], "implied_distance_m": view["implied_distance_m"],
                         "norm_distance_m": view["norm_distance_m"]}
    counts = np.zeros(len(pop), dtype=np.int64)
    for c in covered.values():
        counts += c
    allin = counts == len(covered)
    share = _ratio(np.bincount(codes, pop * allin, len(ids)), np.bincount(codes, pop, len(ids)))
    return TieredLifeCircle(
        tiers=tiers, covered=covered, counts=pd.Series(counts, index=area.population.index, name="services_within"),
        all_services_share=_share(pop[allin].sum(), P),
        mean_services_within=float((counts * pop).sum() / P) if P > 0 else float("nan"),
        by_district={str(n): (None if np.isnan(x) else float(x)) for n, x in zip(dnames, share)},
        by_service=by_service)


def equity_report(area, covs: dict, supply: dict | None = None) -> dict:
    """Equity of access per service: Gini, Theil (between / within subdistricts), decile ratio.

    Parameters
    ----------
    area : StudyArea
    covs : dict
        Service key -> :class:`ServiceCoverage` (its cells' minutes to the nearest facility).
    supply : dict, optional
        Service key -> per-cell 2SFCA supply per 1,000 of the service's demand (array).

    Returns
    -------
    dict
        Service key -> ``{"minutes": {"population": {...}, "cohort": {...}}, "supply_per_1000": {...}}``
        (``supply_per_1000`` only where some capacity of the service exists),
        each inner dict :func:`accessibility.equity.equity_summary` weighted by residents
        (``population``) or by the service's demand cohort (``cohort``).
    """
    popdf = area.population
    groups = popdf["district_id"].astype(str).to_numpy()
    pop = popdf["pop_total"].to_numpy(float)
    out = {}
    for k, cov in covs.items():
        dem = popdf[cov.service.demand].to_numpy(float)
        mins = cov.cell_minutes.to_numpy(float)
        rec = {"cohort": cov.service.demand,
               "minutes": {"population": equity.equity_summary(mins, pop, groups),
                           "cohort": equity.equity_summary(mins, dem, groups)}}
        # No capacity anywhere (no facility of the family, or a layer without its column): inequality
        # of nothing is undefined, so no figure rather than NaNs.
        if supply and k in supply and np.nansum(np.asarray(supply[k], float)) > 0:
            s = np.asarray(supply[k], float)
            rec["supply_per_1000"] = {"population": equity.equity_summary(s, pop, groups),
                                      "cohort": equity.equity_summary(s, dem, groups)}
        out[k] = rec
    return out


def coverage_report(area, minutes: float | None = None, mode: str = "walk", facilities=None) -> dict:
    """The ``hedong coverage --json`` object of CONTRACT.md.

    Parameters
    ----------
    area : StudyArea
    minutes : float, optional
        Threshold for every service (default 15).
    mode : str
        ``walk`` or ``bike``.
    facilities : GeoDataFrame, optional
        Facility layer replacing ``area.facilities`` (a scenario's layer in a year).

    Returns
    -------
    dict
        ``{"minutes", "mode", "seconds", "services": {key: {...}}, "life_circle": {...}}`` plus
        additive keys (``life_circle_tiered``: the 15分钟社区生活圈 with each service at its GB 50180-2018
        tier, :func:`tiered_life_circle`; ``equity``: :func:`equity_report`; ``area``, ``far_cells``,
        ``warnings``). ``life_circle`` keeps one threshold (``minutes``) for every service.
    """
    t0 = time.perf_counter()
    minutes = DEFAULT_MINUTES if check_minutes(minutes) is None else float(minutes)
    check_mode(mode, allowed="speeds")
    covs = service_coverages(area, SERVICES, minutes, mode, facilities)
    lc = _life_circle_from(area, covs, minutes)
    tiered = tiered_life_circle(area, mode, facilities, covs)
    # 2SFCA supply per 1,000 of each service's demand, same catchment minutes and mode, for the equity
    # figures.
    # (a facility layer without a service's capacity column — made before the family existed — has no
    # supply figure for it)
    fac_cols = (area.facilities if facilities is None else facilities).columns
    supply = {k: fca(area, k, "2sfca", minutes, mode, facilities).cells["per_1000"].to_numpy()
              for k in covs if SERVICES[k].capacity and SERVICES[k].capacity in fac_cols}
    seconds = time.perf_counter() - t0
    warnings = sorted({w for c in covs.values() for w in c.warnings})
    return {
        "minutes": int(minutes) if float(minutes).is_integer() else minutes,
        "mode": mode,
        "seconds": round(seconds, 4),
        "services": {k: c.to_dict() for k, c in covs.items()},
        "life_circle": {k: v for k, v in lc.to_dict().items() if k != "minutes"},
        "life_circle_tiered": tiered.to_dict(),
        "equity": {"definition": ("population-weighted Gini and Theil T (between / within subdistricts) of each "
                                  "cell's minutes to the nearest facility and of its 2SFCA supply per 1,000 demand "
                                  f"({minutes:g}-minute catchment); top_bottom_10_ratio = mean of the top 10 % over "
                                  "the bottom 10 % (values ascending); cells with no reachable facility are "
                                  "excluded (excluded_weight)"),
                   "services": equity_report(area, covs, supply)},
        "area": area.name,
        "far_cells": next(iter(covs.values())).far_cells if covs else 0,
        "warnings": warnings,
    }
