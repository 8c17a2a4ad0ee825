"""Coverage sums, district weighting, life circle and norm gaps on the small demo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from accessibility.coverage import (coverage_report, effective_mode, get_service, life_circle, service_coverage,
                                    weighted_quantile)
from accessibility.norm_check import norm_gap_cells, norm_gaps
from layers.families import LIFE_CIRCLE_SERVICES, NORM_LEVELS, SERVICES


def test_effective_mode():
    assert effective_mode(SERVICES["elderly_care"], "walk") == "walk_elderly"
    assert effective_mode(SERVICES["elderly_care"], "bike") == "bike"
    assert effective_mode(SERVICES["fitness"], None) == "walk"


def test_weighted_quantile():
    assert weighted_quantile([1, 2, 3], [1, 1, 1], 0.5) == 2
    assert weighted_quantile([1, 2, np.inf], [1, 0, 5], 0.5) == np.inf
    assert weighted_quantile([5, 1], [3, 1], 0.5) == 5
    assert np.isnan(weighted_quantile([1], [0], 0.5))


@pytest.mark.parametrize("key", list(SERVICES))
def test_covered_plus_uncovered_is_total(small_demo, key):
    cov = service_coverage(small_demo, key)
    pop = small_demo.population["pop_total"].to_numpy(float)
    assert cov.population == pytest.approx(pop.sum())
    assert cov.population_covered + cov.uncovered["pop_total"].sum() == pytest.approx(pop.sum())
    t = cov.district_table
    assert t["population"].sum() == pytest.approx(cov.population)
    assert t["population_covered"].sum() == pytest.approx(cov.population_covered)
    assert t["cohort_covered"].sum() == pytest.approx(cov.cohort_covered)
    # the overall share is the population-weighted mean of district shares
    w = t["population"] / t["population"].sum()
    assert (w * t["population_share"].fillna(0)).sum() == pytest.approx(cov.population_share)
    # every uncovered cell is beyond the threshold, every covered one within
    mins = cov.cell_minutes.to_numpy()
    assert (mins[cov.covered] <= 15).all() and (cov.uncovered["minutes"] > 15).all()


def test_more_minutes_more_coverage_and_bike(small_demo):
    a = service_coverage(small_demo, "fitness", 5).population_share
    b = service_coverage(small_demo, "fitness", 15).population_share
    c = service_coverage(small_demo, "fitness", 15, mode="bike").population_share
    assert a <= b <= c
    assert c > b


def test_scenario_facilities_add_coverage(small_demo):
    fac = small_demo.facilities
    base = service_coverage(small_demo, "study_room")
    # open a study room on the worst-served populated cell
    worst = base.uncovered.sort_values("pop_total").index[-1]
    new = fac.iloc[[0]].copy()
    new["family"], new["subtype"] = "study_room", "study_room"
    new["geometry"] = [small_demo.population.geometry.loc[worst]]
    more = service_coverage(small_demo, "study_room", facilities=pd.concat([fac, new]))
    assert more.population_covered > base.population_covered
    assert more.cell_minutes.loc[worst] < 1.5  # at most the cell's own walk to the street


def test_no_facilities_means_nobody_covered(small_demo):
    cov = service_coverage(small_demo, "fitness", facilities=small_demo.facilities.iloc[0:0])
    assert cov.population_share == 0 and np.isinf(cov.median_minutes)


def test_life_circle_counts(small_demo):
    lc = life_circle(small_demo)
    pop = small_demo.population["pop_total"].to_numpy(float)
    covs = lc.services
    counts = sum(covs[k].covered.astype(int) for k in LIFE_CIRCLE_SERVICES)
    assert (lc.counts.to_numpy() == counts).all()
    assert lc.mean_services_within == pytest.approx((counts * pop).sum() / pop.sum())
    assert lc.all_services_share <= min(c.population_share for c in covs.values())


def test_coverage_report_contract_keys(small_demo):
    r = coverage_report(small_demo)
    assert r["minutes"] == 15 and r["mode"] == "walk" and r["seconds"] >= 0
    assert set(r["services"]) == set(SERVICES)
    names = set(small_demo.district_names().values())
    for k, v in r["services"].items():
        assert {"population_share", "median_minutes", "by_district"} <= set(v)
        assert set(v["by_district"]) == names
        assert 0 <= v["population_share"] <= 1
    assert {"all_services_share", "mean_services_within"} <= set(r["life_circle"])
    assert r["services"]["elderly_care"]["travel_mode"] == "walk_elderly"


def test_norm_gaps(small_demo):
    g = norm_gaps(small_demo)
    assert set(g["level"]) == set(NORM_LEVELS)
    tot = g[g["district_id"] == "*"].set_index("level")
    per = g[g["district_id"] != "*"].groupby("level")[["cells_beyond", "demand_beyond"]].sum()
    assert np.allclose(tot.loc[per.index, "cells_beyond"], per["cells_beyond"])
    assert np.allclose(tot.loc[per.index, "demand_beyond"], per["demand_beyond"])
    # the GeoPackage cells of a level are exactly the cells counted beyond its radius
    cells = norm_gap_cells(small_demo, "kindergarten")
    assert (cells["distance_m"] > 300).all()
    assert len(cells) == tot.loc["kindergarten", "cells_beyond"]


def test_unknown_service():
    with pytest.raises(ValueError, match="unknown service"):
        get_service("cinema")


def test_weighted_quantile_matches_expanded_sample():
    """Against the definition: repeat each value by its integer weight and take the quantile's
    lower order statistic (numpy's 'inverted_cdf'); shared sort order gives the same answers."""
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 30))
        v = rng.integers(0, 12, n).astype(float)  # ties on purpose
        w = rng.integers(0, 5, n)
        if w.sum() == 0:
            continue
        expanded = np.repeat(v, w)
        order = np.argsort(v, kind="stable")
        for q in (0.1, 0.5, 0.9):
            want = float(np.quantile(expanded, q, method="inverted_cdf"))
            assert weighted_quantile(v, w, q) == want
            assert weighted_quantile(v, w, [q], order=order) == [want]


def test_bucket_select_equals_the_sorted_definition():
    """Whole-number weights: the quantiles found by bucketing the values' bits (no full sort) are the
    definition's (stable sort, running sum), value for value — ties, zero and negative weights, inf,
    values crowded into one bucket, q at 0, 1 and beyond; anything else goes to the sort."""
    from accessibility.coverage import _select_quantiles, _sorted_quantiles

    rng = np.random.default_rng(5)
    qs = np.array([0.0, 1e-12, 0.1, 0.5, 0.9, 1 - 1e-12, 1.0, 1.5, -0.5])
    for case in range(3000):
        n = int(rng.integers(1, 80)) if case % 10 else int(rng.integers(1000, 20000))
        kind = case % 4
        if kind == 0:
            v = rng.integers(0, 8, n).astype(float)
        elif kind == 1:
            v = rng.random(n) * 30
        elif kind == 2:  # a wide range of magnitudes, some unreachable
            v = np.where(rng.random(n) < 0.2, np.inf, rng.integers(0, 3, n) * 2.0 ** rng.integers(-30, 30, n))
        else:  # one bucket, neighbouring floats
            v = rng.choice([8.0, np.nextafter(8.0, 9), 8.25, 8.4999, 0.0, 5e-324], n)
        w = rng.integers(-2, 6, n).astype(float) * (1e12 if case % 7 == 0 else 1)
        got = _select_quantiles(v, w, qs)
        if got is None:  # only where the sums would no longer be exact
            assert np.clip(w, 0, None).sum() >= 2.0 ** 52
            continue
        want = _sorted_quantiles(v, w, qs, None)
        assert got == want or all(a == b or (a != a and b != b) for a, b in zip(got, want)), (case, got, want)
    v, w = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0])
    assert _select_quantiles(v, np.array([0.5, 1.0, 1.0]), qs) is None  # fractional weights
    assert _select_quantiles(v, np.array([np.inf, 1.0, 1.0]), qs) is None
    assert _select_quantiles(v, np.array([2.0 ** 52, 1.0, 1.0]), qs) is None  # sums no longer exact
    for bad in (np.array([1.0, np.nan, 3.0]), np.array([1.0, -2.0, 3.0]), np.array([1.0, -0.0, 3.0])):
        assert _select_quantiles(bad, w, qs) is None
        assert weighted_quantile(bad, w, list(qs)) == _sorted_quantiles(bad, w, qs, None) or bad[1] != bad[1]


def test_district_codes_in_display_order_as_before(small_demo):
    """Factorized district codes: the order and codes np.unique over every cell's id gave."""
    import pandas as pd

    from accessibility.context import ComputeContext

    codes, ids, names = ComputeContext.for_area(small_demo.replace()).district_codes()
    cell_ids = small_demo.population["district_id"].astype(str).to_numpy()
    known = small_demo.district_names()
    uniq = np.unique(cell_ids)
    want_ids = [d for d in known if d in set(uniq)] + [d for d in uniq if d not in known]
    assert list(ids) == want_ids and names == [known.get(d, d) for d in want_ids]
    np.testing.assert_array_equal(codes, pd.Index(want_ids).get_indexer(cell_ids))
