"""Two-step floating catchment area (2SFCA) family: supply per demand, within reach.

Methods (all on sparse origin-destination pairs from :func:`accessibility.reach.od_pairs`):

* ``2sfca`` — Luo & Wang (2003): ``R_j = S_j / sum_{i: c_ij <= d0} D_i``;
  ``A_i = sum_{j: c_ij <= d0} R_j``.
* ``e2sfca`` — enhanced, stepped weights (Luo & Qi 2009): both sums weighted by ``w(c_ij)``, with
  :data:`layers.norms.E2SFCA_STEPS` (1 / 0.68 / 0.22 on the three thirds of the catchment, PySAL
  ``access``'s default step function scaled to the threshold).
* ``g2sfca`` — Gaussian (Dai 2010): ``w(c) = (exp(-c^2 / 2 d0^2) - exp(-1/2)) / (1 - exp(-1/2))``
  for ``c <= d0`` (so ``w(0) = 1``, ``w(d0) = 0``).

Conventions follow PySAL ``access`` (``access.fca.two_stage_fca``; checked in tests to 1e-6):
a pair is inside the catchment when ``cost <= max_cost`` (inclusive); a step boundary belongs to
the nearer step (``cost <= k``); the weight is applied in both steps. Two deliberate differences,
both where ``access`` returns ``inf`` / ``NaN``: a facility with no weighted demand in its
catchment gets ``R_j = 0`` (it serves nobody), and an origin with no facility in reach gets
``A_i = 0`` (no supply), so per-district sums stay finite.

Units: ``A_i`` is supply per unit of demand (e.g. primary seats per child aged 6-11, beds per
resident aged 65+); :func:`fca` also gives it per 1,000 demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from accessibility.context import ComputeContext
from accessibility.services import DEFAULT_MINUTES, effective_mode, get_service, service_facilities
from accessibility.params import ANY_MODE, MINUTES
from gis.districts import district_of
from layers.params import Options, validate_params
from layers.norms import E2SFCA_STEPS

__all__ = ["METHODS", "step_weights", "gaussian_weights", "two_step_fca", "FCAResult", "fca"]

METHODS = ("2sfca", "e2sfca", "g2sfca")
#: The one check of a method argument (:func:`fca`, :func:`two_step_fca`, the CLI's ``--method``).
METHOD = Options(METHODS, "method")


def step_weights(cost: np.ndarray, max_cost: float, steps=E2SFCA_STEPS) -> np.ndarray:
    """Stepped distance-decay weights: ``steps`` = ((fraction of max_cost, weight), ...), inclusive.

    Beyond the last step the weight is 0.
    """
    cost = np.asarray(cost, float)
    w = np.zeros(len(cost))
    done = np.zeros(len(cost), dtype=bool)
    for frac, weight in sorted(steps):
        sel = ~done & (cost <= frac * max_cost)
        w[sel] = weight
        done |= sel
    return w


def gaussian_weights(cost: np.ndarray, max_cost: float) -> np.ndarray:
    """Dai (2010) Gaussian weights: 1 at cost 0, 0 at ``max_cost`` and beyond."""
    cost = np.asarray(cost, float)
    e = np.exp(-0.5)
    w = (np.exp(-0.5 * (cost / max_cost) ** 2) - e) / (1 - e)
    return np.where(cost <= max_cost, w, 0.0)


@validate_params({"method": METHOD})
def two_step_fca(orig, dest, cost, demand, supply, max_cost: float, method: str = "2sfca",
                 weights: np.ndarray | None = None):
    """The 2SFCA family on sparse pairs.

    Parameters
    ----------
    orig, dest : array-like of int
        Pair indices into ``demand`` / ``supply``.
    cost : array-like of float
        Travel cost of each pair (same unit as ``max_cost``).
    demand : array-like of float, shape (n_orig,)
    supply : array-like of float, shape (n_dest,)
    max_cost : float
        Catchment size ``d0``; pairs with larger cost are dropped.
    method : str
        ``2sfca``, ``e2sfca`` or ``g2sfca``.
    weights : ndarray, optional
        Explicit per-pair weights (overrides ``method``'s).

    Returns
    -------
    access : ndarray, shape (n_orig,)
        Supply per unit of demand reachable from each origin (``A_i``).
    ratio : ndarray, shape (n_dest,)
        Supply-to-weighted-demand ratio per facility (``R_j``).
    """
    orig = np.asarray(orig, np.int64)
    dest = np.asarray(dest, np.int64)
    cost = np.asarray(cost, float)
    demand = np.asarray(demand, float)
    supply = np.asarray(supply, float)
    keep = cost <= max_cost
    orig, dest, cost = orig[keep], dest[keep], cost[keep]
    if weights is not None:
        w = np.asarray(weights, float)[keep]
    elif method == "2sfca":
        w = np.ones(len(cost))
    elif method == "e2sfca":
        w = step_weights(cost, max_cost)
    else:  # g2sfca: validate_params admits no other method
        w = gaussian_weights(cost, max_cost)
    wdem = np.bincount(dest, weights=demand[orig] * w, minlength=len(supply))
    ratio = np.divide(supply, wdem, out=np.zeros(len(supply)), where=wdem > 0)
    acc = np.bincount(orig, weights=ratio[dest] * w, minlength=len(demand))
    return acc, ratio


@dataclass
class FCAResult:
    """2SFCA-family accessibility of one service over a study area.

    Attributes
    ----------
    service : str
    method : str
    minutes : float
        Catchment size.
    mode : str
    capacity : str or None
        Supply column (``None``: each facility counts 1).
    demand : str
        Demand column.
    cells : pandas.DataFrame
        Per population cell (index of ``area.population``): ``district_id``, ``demand``,
        ``access`` (supply per unit of demand) and ``per_1000``.
    facilities : pandas.DataFrame
        Per facility: ``facility_id``, ``supply``, ``ratio`` (``R_j``).
    districts : pandas.DataFrame
        Per district: ``district_id``, ``name``, ``demand``, ``per_1000`` (demand-weighted mean
        of the cells' access x 1,000), ``supply_in_district``, ``local_per_1000`` (supply located
        in the district per 1,000 of its demand, the plain ratio planners quote), ``target_per_1000``.
    """

    service: str
    method: str
    minutes: float
    mode: str
    capacity: str | None
    demand: str
    cells: pd.DataFrame
    facilities: pd.DataFrame
    districts: pd.DataFrame
    population_layer: gpd.GeoDataFrame | None = field(default=None, repr=False)

    @property
    def per_1000(self) -> float:
        """Supply within reach per 1,000 of demand over the whole area (demand-weighted mean of
        the cells' access x 1,000); NaN without demand."""
        dem = self.cells["demand"].to_numpy(float)
        tot = dem.sum()
        return float((self.cells["access"].to_numpy(float) * dem).sum() * 1000.0 / tot) if tot > 0 else float("nan")

    @property
    def target_per_1000(self) -> float:
        """The norm's target per 1,000 (NaN when the service has none)."""
        t = self.districts["target_per_1000"] if len(self.districts) else pd.Series(dtype=float)
        return float(t.iloc[0]) if t.notna().any() else float("nan")

    def to_dict(self) -> dict:
        """The ``hedong access --json`` object (without the area keys); NaN where undefined."""
        return {"service": self.service, "method": self.method, "minutes": self.minutes, "mode": self.mode,
                "supply": self.capacity, "demand": self.demand, "per_1000": self.per_1000,
                "target_per_1000": self.target_per_1000,
                # the norm's per-1,000 figures are city-wide ratios (plan indicators), never walking targets
                "target_scope": "city-wide ratio",
                "by_district": [{"district": r["name"], "district_id": r["district_id"], "demand": float(r["demand"]),
                                 "per_1000": float(r["per_1000"]), "supply_in_district": float(r["supply_in_district"]),
                                 "local_per_1000": float(r["local_per_1000"])} for _, r in self.districts.iterrows()]}

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The population cells with ``demand``, ``access`` and ``per_1000`` (CRS of the area)."""
        pop = self.population_layer
        return gpd.GeoDataFrame(self.cells.drop(columns=["district_id"]).join(pop), geometry=pop.geometry.name,
                                crs=pop.crs)


@validate_params({"method": METHOD, "minutes": MINUTES, "mode": ANY_MODE})
def fca(area, service, method: str = "2sfca", minutes: float | None = None, mode: str | None = None,
        facilities=None) -> FCAResult:
    """2SFCA-family accessibility of a service, per population cell and per district.

    Parameters
    ----------
    area : StudyArea
    service : str or Service
        Supply is the service's ``capacity`` column (seats, places, beds, m2), demand its
        ``demand`` column.
    method : str
        ``2sfca`` / ``e2sfca`` / ``g2sfca``.
    minutes : float, optional
        Catchment in minutes (default 15, as coverage).
    mode : str, optional
        See :func:`accessibility.coverage.effective_mode`.
    facilities : GeoDataFrame, optional
        Facility layer replacing ``area.facilities``.

    Returns
    -------
    FCAResult
    """
    svc = get_service(service)
    minutes = DEFAULT_MINUTES if minutes is None else float(minutes)
    m = effective_mode(svc, mode)
    fac = service_facilities(area if facilities is None else facilities, svc)
    supply = fac[svc.capacity].to_numpy(float) if svc.capacity else np.ones(len(fac))
    pop = area.population
    dem = pop[svc.demand].to_numpy(float)
    o, d, s = ComputeContext.for_area(area).pairs(fac, minutes * 60.0, m)
    acc, ratio = two_step_fca(o, d, s / 60.0, dem, supply, minutes, method)
    did = pop["district_id"].astype(str).to_numpy()
    cells = pd.DataFrame({"district_id": did, "demand": dem, "access": acc, "per_1000": acc * 1000.0},
                         index=pop.index)
    facdf = pd.DataFrame({"facility_id": fac["facility_id"].to_numpy() if "facility_id" in fac else np.arange(len(fac)),
                          "supply": supply, "ratio": ratio})
    g = pd.DataFrame({"district_id": did, "demand": dem, "served": acc * dem}).groupby("district_id").sum()
    # Supply located in each district (gis.districts: within, or just off a boundary) for the plain local ratio.
    loc = pd.DataFrame({"district_id": district_of(fac, area.districts, outside="none"), "supply": supply})
    local = loc.dropna(subset=["district_id"]).groupby("district_id")["supply"].sum()
    names = area.district_names()
    g = g.reindex(sorted(set(g.index) | set(names)), fill_value=0.0)
    districts = pd.DataFrame({
        "district_id": g.index,
        "name": [names.get(x, x) for x in g.index],
        "demand": g["demand"].to_numpy(),
        "per_1000": np.divide(g["served"].to_numpy() * 1000.0, g["demand"].to_numpy(),
                              out=np.full(len(g), np.nan), where=g["demand"].to_numpy() > 0),
        "supply_in_district": local.reindex(g.index, fill_value=0.0).to_numpy(),
    })
    districts["local_per_1000"] = districts["supply_in_district"] * 1000.0 / districts["demand"].where(districts["demand"] > 0)
    districts["target_per_1000"] = svc.per_1000
    return FCAResult(svc.key, method, minutes, m, svc.capacity, svc.demand, cells, facdf,
                     districts.reset_index(drop=True), population_layer=pop)
