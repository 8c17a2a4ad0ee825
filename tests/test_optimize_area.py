"""Optimisation on a study area: p-center is exact against the existing schools' worst trip."""

from __future__ import annotations

import numpy as np
import pytest

from scenarios.optimize import _worst_trip_existing, optimize_area


def test_pcenter_p0_is_the_existing_worst_trip_and_more_sites_help(small_demo):
    ub = _worst_trip_existing(small_demo, "primary", "existing", 2025)
    assert np.isfinite(ub) and ub > 0
    r0 = optimize_area(small_demo, "primary", "pcenter", p=0)
    assert r0["objective"] == pytest.approx(ub) and r0["chosen"] == []
    r3 = optimize_area(small_demo, "primary", "pcenter", p=3)
    assert len(r3["chosen"]) == 3
    assert r3["objective"] <= ub + 1e-9
    assert r3["worst_minutes_before"] == pytest.approx(ub / 60)
    r1 = optimize_area(small_demo, "primary", "pcenter", p=1)
    assert r0["objective"] >= r1["objective"] >= r3["objective"]
    # the reported worst trip is the real one: recompute it with the chosen sites open
    import geopandas as gpd
    from accessibility.reach import cell_seconds, nearest_seconds
    from scenarios.demand import children
    from scenarios.evaluate import Evaluator, level_sites

    ev = Evaluator.for_area(small_demo)
    sites = level_sites(small_demo.facilities, "primary")
    new = gpd.points_from_xy([c["x"] for c in r3["chosen_sites"]], [c["y"] for c in r3["chosen_sites"]])
    pts = gpd.GeoSeries(list(sites.geometry) + list(new), crs=small_demo.crs)
    snap = ev.net.snap(pts)
    t = cell_seconds(ev.net, ev.cell_snap, nearest_seconds(ev.net, snap), snap)
    w = children(small_demo, "primary", 2025)
    assert t[(w > 0) & ev.cell_snap.ok].max() == pytest.approx(r3["objective"], abs=1e-6)
