"""The norm check at the standard's distances: one source per figure, metres not minutes, networkx agrees."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from accessibility.norm_check import level_facilities, norm_gaps
from layers import norms
from layers.families import NORM_LEVELS, SERVICES
from layers.norms import NORM_DISTANCES, NORM_SOURCES, SPEEDS, minutes_view

README = Path(__file__).resolve().parents[1] / "README.md"


def test_standard_distances_per_level():
    """GB 50180-2018: kindergarten 300 m, primary 500 m, junior 1,000 m, day care 300 m (NORMS.md turn 3)."""
    want = {"kindergarten": 300, "primary": 500, "junior": 1000, "day_care": 300, "childcare": 300}
    for k, m in want.items():
        assert NORM_DISTANCES[k].distance_m == m and NORM_LEVELS[k].radius_m == m
        assert "GB 50180-2018" in NORM_DISTANCES[k].clause and "table" in NORM_DISTANCES[k].clause
    assert NORM_DISTANCES["day_care"].tier == 5 and NORM_DISTANCES["nursing_home"].tier == 15


def test_one_source_for_every_radius():
    """Every service's and norm level's radius is the NORM_DISTANCES figure of the same key."""
    for key, lv in NORM_LEVELS.items():
        assert lv.radius_m == NORM_DISTANCES[key].distance_m, key
    for key, s in SERVICES.items():
        if key in NORM_DISTANCES:
            assert s.radius_m == NORM_DISTANCES[key].distance_m, key


def test_minutes_view_says_its_speed_and_distance():
    v = minutes_view(SERVICES["primary"].minutes, "walk", SERVICES["primary"].radius_m)
    assert v["implied_distance_m"] == 600 and v["norm_distance_m"] == 500 and v["speed_m_per_min"] == 60
    assert NORM_DISTANCES["primary"].minutes("walk") == pytest.approx(500 / 60)
    assert NORM_DISTANCES["day_care"].minutes("walk_elderly") == pytest.approx(6.0)


def test_every_figure_of_norms_has_a_source_and_says_if_recalled():
    figures = [n for n in dir(norms) if n.isupper() and not n.startswith("_")
               and isinstance(getattr(norms, n), (int, float, dict, tuple)) and not n.endswith(("_NOTE", "_LABELS"))
               and n not in ("LIFE_CIRCLE_NAME", "LIFE_CIRCLE_SOURCE", "SCHOOL_CLASSES_SOURCE", "NORM_SOURCES",
                             "TOWN_NAME_SUFFIXES", "CHILDCARE_NEW_SITE_CLASSES", "AGE_60_PER_65",
                             "PRIMARY_SCHOOL_CLASSES")]
    missing = [n for n in figures if n not in NORM_SOURCES]
    assert not missing, f"figures without a source in NORM_SOURCES: {missing}"
    for n, rec in NORM_SOURCES.items():
        assert rec["source"] and rec["mark"] in "CSU" and isinstance(rec["recalled"], bool), n
    assert all(isinstance(n.recalled, bool) and n.mark in "CSU" for n in NORM_DISTANCES.values())


def test_childcare_new_site_within_the_class_caps():
    from layers.families import new_site_capacity

    caps = norms.CHILDCARE_CLASS_MAX
    assert (caps["infant"], caps["toddler_small"], caps["toddler_large"]) == (10, 15, 20)
    assert new_site_capacity("childcare") == norms.CHILDCARE_NEW_SITE_PLACES == 100
    assert sum(n * caps[k] for k, n in norms.CHILDCARE_NEW_SITE_CLASSES.items()) == 100


def test_norm_check_primary_500m_equals_networkx(small_demo):
    """The norm check's share of children 6-11 beyond 500 m equals a networkx cut-off at 500 m on the same graph
    (tests/oracle.py: its own snapping and Dijkstra, written from the documented rule)."""
    from oracle import walk_minutes

    area = small_demo
    g = norm_gaps(area, levels=["primary"])
    tot = g[g["district_id"] == "*"].iloc[0]
    assert tot["radius_m"] == 500 and "C.0.1" in tot["clause"]
    assert tot["walk_minutes"] == pytest.approx(500 / SPEEDS["walk"].m_per_min)
    pop = area.population
    res = pop["pop_total"].to_numpy(float) > 0
    cells = pop.loc[res]
    fac = level_facilities(area, NORM_LEVELS["primary"])
    # m_per_min = 1: the oracle's "minutes" are metres
    d = walk_minutes(area.graph, np.c_[cells.geometry.x, cells.geometry.y], np.c_[fac.geometry.x, fac.geometry.y],
                     m_per_min=1.0, cutoff_min=700.0)
    dem = cells["age_6_11"].to_numpy(float)
    share_nx = float(dem[d > 500].sum() / dem.sum())
    assert 0.05 < share_nx < 0.95  # a real test: some children are beyond, some within
    assert tot["demand_share_beyond"] == pytest.approx(share_nx, abs=2e-3)
    # and it is not the minutes view: 10 minutes at 60 m/min (600 m) gives another share
    share_600 = float(dem[d > 600].sum() / dem.sum())
    assert abs(share_600 - share_nx) > 0.01


def test_readme_norm_table_matches_the_norms():
    """The README's norm table shows each level's metres (from NORM_DISTANCES) and minutes side by side."""
    text = README.read_text(encoding="utf-8")
    for key, n in NORM_DISTANCES.items():
        row = next((ln for ln in text.splitlines() if ln.startswith(f"| `{key}` |")), None)
        assert row is not None, f"README norm table lacks {key}"
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[2] == f"{n.distance_m:,.0f} m", (key, cells)
        assert cells[3] == f"{n.minutes('walk'):.1f} min", (key, cells)
        assert re.search(rf"\b{n.tier}-minute\b", row), key


def test_norms_addendum_lists_every_figure():
    """docs/NORMS-addendum.md (the proposed NORMS.md section) cites every figure of layers/norms.py."""
    text = (README.parent / "docs" / "NORMS-addendum.md").read_text(encoding="utf-8")
    for key in list(NORM_SOURCES) + list(NORM_DISTANCES):
        assert f"| `{key}` |" in text, key
    for key, n in NORM_DISTANCES.items():
        assert f"| `{key}` | {n.zh} | {n.distance_m:,.0f} m |" in text, key


def test_coverage_minutes_view_states_speed_and_distance(small_demo):
    """hedong coverage's per-service figures say the speed and the distance their minutes imply."""
    from accessibility.coverage import service_coverage

    d = service_coverage(small_demo, "primary", minutes=10).to_dict()
    assert (d["speed_m_per_min"], d["implied_distance_m"], d["norm_distance_m"]) == (60.0, 600.0, 500.0)
    e = service_coverage(small_demo, "day_care", minutes=5).to_dict()
    assert (e["speed_m_per_min"], e["implied_distance_m"], e["norm_distance_m"]) == (50.0, 250.0, 300.0)
