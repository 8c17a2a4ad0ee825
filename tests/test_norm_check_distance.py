"""The seat evaluation's norm check counts children within the standard's network distance (GB 50180-2018:
kindergarten 300 m, primary 500 m, junior 1,000 m), not within the minutes view (10 min x 60 m/min = 600 m
for primary) — issue 25 item 1, on the path the Schools page and ``scenario evaluate`` take."""

from __future__ import annotations

import numpy as np
import pytest

from layers.families import SERVICES
from layers.norms import NORM_DISTANCES, SPEEDS
from scenarios.evaluate import NO_ROUTE_S, evaluate


@pytest.mark.parametrize("level", ["primary", "junior", "kindergarten"])
def test_within_norm_is_the_standards_distance(small_demo, level):
    ev = evaluate(small_demo, "plan", 2026, levels=(level,), assign="catchment")
    lr = ev.levels[level]
    catch = lr.catchment
    radius = NORM_DISTANCES[level].distance_m
    assert SERVICES[level].radius_m == radius and catch["norm_distance_m"] == radius
    # independent count from the assignment's flows: a walk's metres are its seconds at walking speed
    a = lr.catchment_assignment
    metres = np.where(a.cost < NO_ROUTE_S, a.cost / 60.0 * SPEEDS["walk"].m_per_min, np.inf)
    assert catch["within_norm"] == int(a.flow[metres <= radius + 1e-9].sum())
    # the minutes view (the level's tier minutes at 60 m/min) is a different, here larger, distance
    minutes_view_m = SERVICES[level].minutes * SPEEDS["walk"].m_per_min
    if minutes_view_m > radius:
        assert catch["within_norm"] <= int(a.flow[metres <= minutes_view_m].sum())
    assert lr.summary["beyond_norm_radius"] == lr.summary["assigned"] - catch["within_norm"]
