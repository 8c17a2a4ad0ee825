"""The compute context and the immutable study area (issue 9, parts 2 and 4).

Fast: everything runs on the 12 x 12 street grid of tests/scenario_helpers.py.
"""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

from accessibility.context import ComputeContext
from accessibility.coverage import coverage_report, service_coverage
from accessibility.fca import fca
from accessibility.norm_check import norm_gaps
from accessibility.reach import od_pairs
from layers.errors import InfeasibleModelError, InputError, ParameterError
from gis.folder import export_area, load_folder
from gis.study_area import ImmutableAreaError, StudyArea
from hedong.cli import main
from scenarios.evaluate import evaluate
from scenarios.optimize import PCenter, optimize_area
from tests.scenario_helpers import grid_area


def _without_seconds(d):
    """A result dict without its timing keys (they differ run to run)."""
    if isinstance(d, dict):
        return {k: _without_seconds(v) for k, v in d.items() if k not in ("seconds", "solve_seconds")}
    if isinstance(d, list):
        return [_without_seconds(v) for v in d]
    return d


# ------------------------------------------------------------------ immutability and replace


def test_assigning_a_layer_raises_and_points_to_replace():
    a = grid_area()
    with pytest.raises(ImmutableAreaError, match=r"area\.replace\(population=\.\.\.\)"):
        a.population = a.population.iloc[::2]
    with pytest.raises(ImmutableAreaError):
        a.name = "other"
    with pytest.raises(ImmutableAreaError):
        del a.graph
    with pytest.raises(TypeError, match="no attribute 'populaton'"):
        a.replace(populaton=a.population)


def test_notebook_bug_replace_equals_a_fresh_load(tmp_path):
    """The issue's notebook: halve the cells after an evaluation. Assignment raised IndexError
    (a stale cached snapping); replace() evaluates and equals a fresh load of the same data."""
    a = grid_area()
    before = evaluate(a, "existing", 2025)  # fills the original area's context
    half = a.replace(population=a.population.iloc[::2])
    assert ComputeContext.for_area(half) is not ComputeContext.for_area(a)
    got = evaluate(half, "existing", 2025)
    # a fresh build of the same frames: identical, key by key
    rebuilt = StudyArea.from_frames(name=a.name, boundary=a.boundary, districts=a.districts,
                                    population=a.population.iloc[::2], facilities=a.facilities, projects=a.projects,
                                    graph=a.graph, crs=a.crs, cell_size=a.cell_size)
    assert _close(_without_seconds(got.to_json()), _without_seconds(evaluate(rebuilt, "existing", 2025).to_json()),
                  tol=0)
    cov = _without_seconds(coverage_report(half))
    assert _close(cov, _without_seconds(coverage_report(rebuilt)), tol=0)
    # halving the cells really changed the answer (the test could fail)
    assert got.levels["primary"].summary["demand"] < before.levels["primary"].summary["demand"]
    # and the original area is untouched
    assert _close(_without_seconds(evaluate(a, "existing", 2025).to_json()), _without_seconds(before.to_json()), tol=0)


@pytest.mark.slow
def test_notebook_bug_on_the_demo_equals_a_fresh_folder_load(small_demo, tmp_path):
    """The issue's exact case on the 0.15 demo: evaluate, halve the cells with replace(), evaluate;
    equal, key by key, to evaluating the exported-and-reloaded folder (about 20 s: the OSM reload)."""
    evaluate(small_demo, "existing", 2025)
    with pytest.raises(ImmutableAreaError):
        small_demo.population = small_demo.population.iloc[::2]
    half = small_demo.replace(population=small_demo.population.iloc[::2])
    got = evaluate(half, "existing", 2025).to_json()
    export_area(half, tmp_path / "half")
    fresh = load_folder(tmp_path / "half")
    assert _close(_without_seconds(got), _without_seconds(evaluate(fresh, "existing", 2025).to_json()))
    cov = _without_seconds(coverage_report(fresh))
    cov["area"] = half.name
    assert _close(_without_seconds(coverage_report(half)), cov)


def _close(x, y, tol=1e-9) -> bool:
    """Nested dicts / lists equal, floats within ``tol`` (OSM XML stores coordinates to 1e-9 degrees),
    NaN equal to NaN (an empty district's median)."""
    if isinstance(x, dict):
        return set(x) == set(y) and all(_close(x[k], y[k], tol) for k in x)
    if isinstance(x, (list, tuple)):
        return len(x) == len(y) and all(_close(a, b, tol) for a, b in zip(x, y))
    if isinstance(x, float) and isinstance(y, float):
        return x == y or (x != x and y != y) or abs(x - y) <= tol * max(1.0, abs(x))
    return x == y


def test_replace_validates_like_a_folder_load():
    a = grid_area()
    bad = a.population.copy()
    bad.loc[bad.index[3], "pop_total"] = -4
    with pytest.raises(InputError) as ei:
        a.replace(population=bad)
    assert ei.value.row == 4 and ei.value.field == "pop_total"
    stray = a.population.copy()
    stray.loc[stray.index[0], "district_id"] = "D9"
    with pytest.raises(InputError, match="D9"):
        a.replace(population=stray)


def test_from_frames_validates_and_matches_the_direct_area():
    a = grid_area()
    b = StudyArea.from_frames(name=a.name, boundary=a.boundary, districts=a.districts, population=a.population,
                              facilities=a.facilities, projects=a.projects, graph=a.graph, crs=a.crs,
                              cell_size=a.cell_size)
    assert b.crs == a.crs and len(b.population) == len(a.population)
    assert service_coverage(b, "primary").population_share == service_coverage(a, "primary").population_share
    fac = a.facilities.copy()
    fac.loc[fac.index[1], "family"] = "castle"
    with pytest.raises(InputError) as ei:
        StudyArea.from_frames(name="x", boundary=a.boundary, districts=a.districts, population=a.population,
                              facilities=fac, graph=a.graph, crs=a.crs)
    assert ei.value.row == 2 and ei.value.field == "family" and "from_frames(facilities=...)" in str(ei.value)
    with pytest.raises(InputError, match="CRS"):
        StudyArea.from_frames(name="x", boundary=a.boundary.set_crs(None, allow_override=True),
                              districts=a.districts, population=a.population, facilities=a.facilities, graph=a.graph)


def test_copies_and_pickles_do_not_carry_the_context():
    a = grid_area()
    ctx = ComputeContext.for_area(a)
    assert ComputeContext.for_area(a) is ctx and ctx.network("walk") is ctx.network("walk")
    for b in (copy.copy(a), pickle.loads(pickle.dumps(a))):
        assert ComputeContext.for_area(b) is not ctx
        with pytest.raises(ImmutableAreaError):
            b.population = None


def test_in_place_row_drop_fails_clearly():
    a = grid_area()
    ctx = ComputeContext.for_area(a)
    ctx.cell_snap()
    with warnings.catch_warnings():  # pandas deprecates inplace=: exactly the edit we guard against
        warnings.simplefilter("ignore")
        a.population.drop(a.population.index[:3], inplace=True)  # what immutability cannot stop
    with pytest.raises(RuntimeError, match=r"area\.replace"):
        ctx.cell_snap()


# ------------------------------------------------------------------ the two questions


def test_cells_snapped_once_and_retimed_per_mode():
    a = grid_area()
    ctx = ComputeContext.for_area(a)
    w, b = ctx.cell_snap("walk"), ctx.cell_snap("bike")
    assert ctx.cell_snap("walk") is w  # one snapping, not redone
    assert np.array_equal(w.edge, b.edge) and np.array_equal(w.dist_m, b.dist_m)
    # bike offsets: same walk to the street, faster along it
    assert (b.offset_u_s <= w.offset_u_s + 1e-9).all()


def test_seconds_cached_per_layer_mode_and_limit(monkeypatch):
    """A layer's cell times are computed once per (coordinates, mode, limit) and handed out as copies;
    a moved site, another mode or limit is a new search with its own answer."""
    import accessibility.context as context_mod

    a = grid_area()
    ctx = ComputeContext.for_area(a)
    sites = a.facilities.geometry
    from accessibility.reach import nearest_seconds as real

    calls = []
    real_many = context_mod.nearest_seconds_many
    monkeypatch.setattr(context_mod, "nearest_seconds_many",
                        lambda jobs, **k: calls.extend([1] * len(jobs)) or real_many(jobs, **k))
    t = ctx.seconds(sites)
    t[:] = -1.0  # a caller writing into its array does not touch the cache
    again = ctx.seconds(sites)
    assert len(calls) == 1 and (again >= 0).all()
    net = ctx.network("walk")
    fresh = context_mod.cell_seconds(net, ctx.cell_snap(), real(net, net.snap(sites)), net.snap(sites))
    np.testing.assert_array_equal(again, fresh)
    bike = ctx.seconds(sites, "bike")
    limited = ctx.seconds(sites, limit_s=120.0)
    moved = sites.copy()
    moved.iloc[0] = type(moved.iloc[0])(moved.iloc[0].x + 150, moved.iloc[0].y)
    other = ctx.seconds(moved)
    assert len(calls) == 4
    assert (bike[np.isfinite(bike)] <= again[np.isfinite(bike)] + 1e-9).all() and not np.array_equal(bike, again)
    assert np.isinf(limited).sum() > np.isinf(again).sum()
    assert not np.array_equal(other, again)


def test_pairs_agree_with_per_site_seconds_and_od_pairs():
    """Pairs within a limit (per-site Dijkstra, cached per site) against the multi-source
    seconds of each site alone: the same cells within the limit, the same seconds."""
    a = grid_area()
    ctx = ComputeContext.for_area(a)
    sites = a.facilities.geometry
    limit = 420.0
    o, d, s = ctx.pairs(sites, limit)
    for j in range(len(sites)):
        t = ctx.seconds(sites.iloc[[j]])
        mine = d == j
        assert set(o[mine]) == set(np.flatnonzero(t <= limit))
        np.testing.assert_allclose(s[mine], t[o[mine]], atol=1e-9)
    net = ctx.network("walk")
    o2, d2, s2 = od_pairs(net, ctx.cell_snap(), net.snap(sites), limit)
    assert np.array_equal(o, o2) and np.array_equal(d, d2) and np.allclose(s, s2)
    # a moved site: the cached sites are reused, the new one computed; order follows the input
    moved = sites.copy()
    moved.iloc[0] = type(moved.iloc[0])(moved.iloc[0].x + 150, moved.iloc[0].y)
    o3, d3, _ = ctx.pairs(moved, limit)
    assert np.array_equal(o3[d3 == 1], o[d == 1])
    assert not np.array_equal(o3[d3 == 0], o[d == 0])


def test_fca_uses_the_context_pairs():
    a = grid_area()
    r = fca(a, "primary", minutes=10)
    fac = a.facilities_of("school")
    fac = fac[fac["subtype"] == "primary"]
    o, d, s = ComputeContext.for_area(a).pairs(fac, 600.0)
    # one school: every cell within reach gets seats / children within reach
    dem = a.population["age_6_11"].to_numpy()
    expect = np.zeros(len(dem))
    expect[o] = fac["seats_primary"].iloc[0] / dem[o].sum()
    np.testing.assert_allclose(r.cells["access"].to_numpy(), expect, rtol=1e-12)


# ------------------------------------------------------------------ parameter checks


@pytest.mark.parametrize("call, name", [
    (lambda a: service_coverage(a, "clinic", minutes=-5), "minutes"),
    (lambda a: service_coverage(a, "clinic", minutes=float("nan")), "minutes"),
    (lambda a: service_coverage(a, "clinic", mode="car"), "mode"),
    (lambda a: service_coverage(a, "castle"), "service"),
    (lambda a: coverage_report(a, minutes=0), "minutes"),
    (lambda a: fca(a, "primary", method="3sfca"), "method"),
    (lambda a: evaluate(a, "existing", 2025, minutes=-1), "minutes"),
    (lambda a: evaluate(a, "existing", 1990), "year"),
    (lambda a: optimize_area(a, "primary", "mclp", p=-1), "p"),
    (lambda a: optimize_area(a, "primary", "mclp", p=1.5), "p"),
    (lambda a: optimize_area(a, "primary", "nope"), "model"),
    (lambda a: optimize_area(a, "college", "mclp"), "level"),
    (lambda a: norm_gaps(a, levels=["castle"]), "level"),
])
def test_library_parameters_raise_typed_errors(call, name):
    with pytest.raises(ParameterError) as ei:
        call(grid_area())
    assert ei.value.parameter == name and f"'{name}'" in str(ei.value)


def test_infeasible_model_is_not_bad_input():
    # two demand points 10 apart, one site each: one open site cannot reach both within 5
    m = PCenter.from_cost_matrix(np.array([[1.0, np.inf], [np.inf, 1.0]]), p_facilities=1)
    with pytest.raises(InfeasibleModelError) as ei:
        m.solve()
    assert not isinstance(ei.value, InputError) and "p" in ei.value.parameters


def test_programming_errors_in_optimize_surface(monkeypatch):
    """optimize_area used to turn every ValueError into an InputError with '--p' advice."""
    import scenarios.locate.adapter
    import scenarios.optimize as opt

    def broken(*a, **k):
        raise ValueError("a bug")

    monkeypatch.setattr(scenarios.locate.adapter, "build_model", broken)
    a = grid_area()
    cands = a.projects[["geometry"]].assign(candidate_id=["c1", "c2", "c3", "c4"])
    with pytest.raises(ValueError, match="a bug") as ei:
        opt.optimize_area(a, "primary", "mclp", p=1, candidates=cands)
    assert not isinstance(ei.value, InputError)


def test_cli_prints_the_flag_of_a_parameter(monkeypatch, capsys):
    import gis.areas

    a = grid_area()
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": a)
    for argv, flag in ((["scenario", "optimize", "--model", "mclp", "--p", "-1"], "--p"),
                       (["coverage", "--minutes", "-5"], "--minutes"),
                       (["scenario", "evaluate", "--year", "1990"], "--year")):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"hedong: {flag}: "), err


def test_cli_infeasible_model_exits_2_with_flag_advice(monkeypatch, capsys):
    import gis.areas
    import scenarios.optimize as opt

    a = grid_area()
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": a)

    def infeasible(*args, **kw):
        raise InfeasibleModelError("p-center: 1 sites cannot reach every demand point", parameters=("p", "minutes"))

    monkeypatch.setattr(opt, "optimize_area", infeasible)
    assert main(["scenario", "optimize", "--model", "pcenter"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no solution" in err[0] and "--p or --minutes" in err[0]
