"""Evaluation invariants on the synthetic grid and the small demo; plan seats by year."""

import json

import numpy as np

from scenario_helpers import grid_area
from scenarios.evaluate import evaluate, evaluate_years

YEARS = (2021, 2022, 2023, 2024, 2025)


def check_invariants(j):
    for lv, L in j["levels"].items():
        assert L["assigned"] + L["unserved"] == L["demand"], lv
        assert L["assigned"] <= L["seats"]
        rows = L["by_district"]
        for k in ("demand", "assigned", "unserved", "seats"):
            assert sum(r[k] for r in rows) == L[k], (lv, k)
        assert L["unserved_no_seat"] + L["unserved_beyond_reach"] == L["unserved"]
        # per school: the pupils add up to the level's assigned; nobody is over capacity
        assert sum(r["assigned"] for r in L["schools"]) == L["assigned"]
        assert sum(r["seats"] for r in L["schools"]) == L["seats"]
        assert all(0 <= r["assigned"] <= r["seats"] for r in L["schools"])
        assert sum(r["unserved_no_seat"] for r in rows) == L["unserved_no_seat"]
        for r in rows:
            assert r["assigned"] + r["unserved"] == r["demand"]
            assert r["unserved_no_seat"] + r["unserved_beyond_reach"] == r["unserved"]
            assert r["unserved_no_seat"] >= 0 and r["unserved_beyond_reach"] >= 0
            assert all(isinstance(r[k], (int, np.integer)) for k in ("demand", "assigned", "unserved", "seats"))


def test_grid_invariants_every_year():
    a = grid_area()
    seats = []
    for e in evaluate_years(a, "plan", YEARS):
        j = e.to_json()
        check_invariants(j)
        seats.append(j["levels"]["primary"]["seats"])
    assert seats == sorted(seats) and seats[0] == 270 and seats[-1] == 370


def test_minutes_override_and_catchments():
    a = grid_area()
    short = evaluate(a, "plan", 2025, minutes=2).to_json()
    long = evaluate(a, "plan", 2025, minutes=30).to_json()
    assert short["levels"]["primary"]["assigned"] <= long["levels"]["primary"]["assigned"]
    c = evaluate(a, "plan", 2025).levels["primary"].catchments()
    assert len(c) >= 1 and (c.geometry.area > 0).all()


def test_small_demo_invariants_and_seats(small_demo):
    """By 2026 (the 2025 projects open the September after construction starts) the plan adds exactly
    its projects' seats (at full scale 25,920 primary and 15,000 junior; the small demo's projects are
    x 0.15 in whole classes); in 2025 the primary school started that year seats nobody."""

    prev, by_year = None, {}
    for e in evaluate_years(small_demo, "plan", (*YEARS, 2026)):
        j = e.to_json()
        check_invariants(j)
        if prev:
            for lv in ("primary", "junior", "kindergarten"):
                assert j["levels"][lv]["seats"] >= prev["levels"][lv]["seats"]
        prev = by_year[j["year"]] = j
    base = evaluate(small_demo, "existing", 2026).to_json()
    p = small_demo.projects
    assert prev["levels"]["primary"]["seats"] - base["levels"]["primary"]["seats"] == int(p["seats_primary"].sum())
    assert prev["levels"]["junior"]["seats"] - base["levels"]["junior"]["seats"] == int(p["seats_junior"].sum())
    built_2025 = int(p.loc[p["build_year"] == 2025, "seats_primary"].sum())
    assert built_2025 > 0
    assert by_year[2026]["levels"]["primary"]["seats"] - by_year[2025]["levels"]["primary"]["seats"] == built_2025


def test_unserved_split_hand_worked():
    """Shrink the only primary school to 10 seats with a generous limit: every unserved child has the
    school in reach, so all are short of a seat; with a 1-minute limit most are beyond reach."""
    a = grid_area()
    a.facilities.loc[a.facilities["facility_id"] == "s1", "seats_primary"] = 10
    L = evaluate(a, "existing", 2021, minutes=60).to_json()["levels"]["primary"]
    assert L["assigned"] == 10
    assert L["unserved_no_seat"] == L["unserved"] == L["demand"] - 10
    assert L["unserved_beyond_reach"] == 0
    a2 = grid_area()
    L2 = evaluate(a2, "existing", 2021, minutes=1).to_json()["levels"]["primary"]
    assert L2["unserved_beyond_reach"] > 0.8 * L2["demand"]


def test_demand_grows_by_district_rate_from_the_base_year():
    """Children in year Y = the base-year cohort x (1 + district growth_rate) ** (Y - 2021), made whole
    within each district (largest remainder: no cell moves by a whole child, every district total is
    the rounded unrounded sum); the evaluation's level and district demand are exactly those sums."""
    from scenarios.demand import BASE_YEAR, children

    a = grid_area()  # D1 grows 0 %, D2 5 % a year
    pop = a.population
    rate = pop["district_id"].map({"D1": 0.0, "D2": 0.05}).to_numpy()
    for year in (BASE_YEAR, 2025, 2035):
        raw = pop["age_6_11"].to_numpy() * (1 + rate) ** (year - BASE_YEAR)
        got = children(a, "primary", year)
        assert (np.abs(got - raw) < 1).all(), year
        want = {d: int(np.rint(raw[pop["district_id"].to_numpy() == d].sum())) for d in ("D1", "D2")}
        assert {d: int(got[pop["district_id"].to_numpy() == d].sum()) for d in want} == want
        L = evaluate(a, "existing", year, levels=("primary",)).to_json()["levels"]["primary"]
        assert L["demand"] == sum(want.values())
        rows = {r["district_id"]: r["demand"] for r in L["by_district"]}
        assert rows == want
    assert children(a, "primary", 2035).sum() > children(a, "primary", 2021).sum()
    flat = grid_area(growth=False)
    flat_raw = flat.population["age_12_14"].to_numpy(float)
    assert (np.abs(children(flat, "junior", 2030) - flat_raw) < 1).all()
    assert children(flat, "junior", 2030).sum() == children(flat, "junior", 2021).sum()


def test_build_year_is_not_opening():
    """A project whose construction starts (build_year) in 2025 seats nobody in 2025 and seats pupils in 2026."""
    a = grid_area()
    p = a.projects.copy()
    p["build_year"] = p["open_year"] - 1
    p.loc[p["project_id"] == "P4", ["build_year", "open_year"]] = [2025, 2026]
    a = a.replace(projects=p)
    j25 = evaluate(a, "plan", 2025).to_json()
    j26 = evaluate(a, "plan", 2026).to_json()
    assert "P4" not in {r["project_id"] for r in j25["levels"]["junior"]["schools"]}
    assert [b["project_id"] for b in j25["building"]] == ["P4"] and j25["building"][0]["open_year"] == 2026
    row = [r for r in j26["levels"]["junior"]["schools"] if r["project_id"] == "P4"][0]
    assert row["assigned"] > 0 and row["build_year"] == 2025 and row["open_year"] == 2026
    assert j26["levels"]["junior"]["seats"] - j25["levels"]["junior"]["seats"] == 90
    assert j26["building"] == []


def test_one_level_alone_gives_the_same_numbers(small_demo):
    """The app evaluates only the level on the screen: each level alone equals that level of a full
    evaluation (walking and catchment assignment)."""
    for assign in ("walk", "catchment"):
        full = evaluate(small_demo, "plan", 2025, assign=assign).to_json()
        for lv in ("primary", "junior", "kindergarten"):
            one = evaluate(small_demo, "plan", 2025, levels=(lv,), assign=assign).to_json()
            assert list(one["levels"]) == [lv]
            # compared as JSON text: a district without seats has NaN utilisation, and NaN != NaN
            assert json.dumps(one["levels"][lv], sort_keys=True, default=str) == json.dumps(full["levels"][lv], sort_keys=True, default=str), \
                (assign, lv)
            assert one["class_checks"] == full["class_checks"] and one["building"] == full["building"]


def test_pair_seconds_dense_table_and_sorted_search_agree(monkeypatch):
    # the 划片 pairs' walking seconds: the dense cell-by-site table and the sorted search (large areas)
    # give the same seconds, NO_ROUTE_S where a pair has no route
    import numpy as np

    from scenarios import evaluate as E

    rng = np.random.default_rng(7)
    n_cells, n_sites = 300, 9
    every = np.array([(c, s) for c in range(n_cells) for s in range(n_sites)])
    routed = every[rng.random(len(every)) < 0.6]
    rng.shuffle(routed)
    o_r, d_r = routed[:, 0], routed[:, 1]
    s_r = rng.random(len(routed)) * 3000
    ask = every[rng.random(len(every)) < 0.3]
    by_hand = {(int(c), int(s)): v for c, s, v in zip(o_r, d_r, s_r)}
    want = [by_hand.get((int(c), int(s)), E.NO_ROUTE_S) for c, s in ask]
    dense = E._pair_seconds(o_r, d_r, s_r, ask[:, 0], ask[:, 1], n_cells, n_sites)
    monkeypatch.setattr(E, "DENSE_PAIRS", 0)
    searched = E._pair_seconds(o_r, d_r, s_r, ask[:, 0], ask[:, 1], n_cells, n_sites)
    assert dense.tolist() == want and searched.tolist() == want
    empty = np.empty(0, np.int64)
    assert E._pair_seconds(empty, empty, np.empty(0), ask[:3, 0], ask[:3, 1], n_cells, n_sites).tolist() == [E.NO_ROUTE_S] * 3
