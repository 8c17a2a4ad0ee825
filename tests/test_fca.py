"""2SFCA family: cross-checked against PySAL access on the same pairs, supply and demand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from accessibility.fca import fca, gaussian_weights, step_weights, two_step_fca
from layers.norms import E2SFCA_STEPS


def random_pairs(seed, n_orig=300, n_dest=25, max_cost=15.0):
    rng = np.random.default_rng(seed)
    o = np.repeat(np.arange(n_orig), n_dest)
    d = np.tile(np.arange(n_dest), n_orig)
    c = rng.uniform(0, 25, len(o))
    keep = rng.random(len(o)) < 0.4
    o, d, c = o[keep], d[keep], np.round(c[keep], 3)
    # some costs exactly on step boundaries and on the catchment edge (inclusive conventions)
    c[:5] = [max_cost / 3, 2 * max_cost / 3, max_cost, 0.0, max_cost + 1e-9]
    demand = rng.integers(1, 500, n_orig).astype(float)
    supply = rng.integers(10, 2000, n_dest).astype(float)
    return o, d, c, demand, supply


def access_2sfca(o, d, c, demand, supply, max_cost, weight_fn=None):
    from access.fca import two_stage_fca

    demand_df = pd.DataFrame({"geoid": np.arange(len(demand)), "demand": demand})
    supply_df = pd.DataFrame({"supply": supply}, index=pd.Index(np.arange(len(supply)), name="geoid"))
    cost_df = pd.DataFrame({"origin": o, "dest": d, "cost": c})
    return two_stage_fca(demand_df, supply_df, cost_df, max_cost=max_cost, weight_fn=weight_fn)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("method", ["2sfca", "e2sfca", "g2sfca"])
def test_matches_access(seed, method):
    from access import weights

    max_cost = 15.0
    o, d, c, dem, sup = random_pairs(seed, max_cost=max_cost)
    ours, _ = two_step_fca(o, d, c, dem, sup, max_cost, method)
    fn = {
        "2sfca": None,
        # access's step_fn: {cut-off: weight}, inclusive — E2SFCA_STEPS scaled to the catchment
        "e2sfca": weights.step_fn({f * max_cost: w for f, w in E2SFCA_STEPS}),
        "g2sfca": lambda x: float(gaussian_weights(np.array([x]), max_cost)[0]),
    }[method]
    ref = access_2sfca(o, d, c, dem, sup, max_cost, fn)
    ref = ref.replace([np.inf, -np.inf], np.nan).dropna()
    assert len(ref) > 0.9 * len(dem)
    assert np.allclose(ours[ref.index.to_numpy()], ref.to_numpy(), rtol=0, atol=1e-6)


def test_weights():
    w = step_weights(np.array([0, 5, 5.0001, 10, 15, 15.1]), 15)
    assert w.tolist() == [1, 1, 0.68, 0.68, 0.22, 0]
    g = gaussian_weights(np.array([0, 15, 20]), 15)
    assert g[0] == pytest.approx(1) and g[1] == pytest.approx(0) and g[2] == 0


def test_supply_is_conserved_by_plain_2sfca():
    """With every pair inside the catchment, sum_i D_i A_i = total supply of facilities with demand."""
    o, d, c, dem, sup = random_pairs(4)
    c = np.minimum(c, 10)
    acc, ratio = two_step_fca(o, d, c, dem, sup, 15)
    served = np.unique(d)
    assert (dem * acc).sum() == pytest.approx(sup[served].sum())


def test_fca_on_demo(small_demo):
    r = fca(small_demo, "primary", "e2sfca")
    assert len(r.cells) == len(small_demo.population)
    assert (r.cells["access"] >= 0).all()
    t = r.districts
    assert set(t["name"]) >= set(small_demo.district_names().values())
    # district per-1000 is the demand-weighted mean of cells
    c = r.cells
    w = c.groupby("district_id").apply(lambda g: (g["access"] * g["demand"]).sum() / g["demand"].sum() * 1000,
                                       include_groups=False)
    tt = t.set_index("district_id").loc[w.index]
    assert np.allclose(tt["per_1000"], w, equal_nan=True)
    # supply counted in districts never exceeds the layer's
    assert t["supply_in_district"].sum() <= r.facilities["supply"].sum() + 1e-9
