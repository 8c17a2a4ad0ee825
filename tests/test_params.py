"""Declarative parameter checks (issue 22): every function decorated with
:func:`layers.params.validate_params`, called with one bad value per constraint, raises one
:class:`layers.errors.ParameterError` naming that parameter and the value — before its body runs —
and the CLI's choices come from the same constraints."""

from __future__ import annotations

import inspect

import pytest

# the modules whose public entry points declare their checks (importing them decorates them)
import accessibility.fca
import gis.crs
import hedong.cli
import layers.families
import scenarios.candidates
import scenarios.evaluate
from layers.errors import InputError, ParameterError
from layers.params import DECORATED, Each, Interval, Options, choices_of, constraints_of, validate_params

MODULES = (accessibility.fca, gis.crs, layers.families, scenarios.candidates, scenarios.evaluate, hedong.cli)


def _cases():
    for f in DECORATED:
        for name in constraints_of(f):
            yield pytest.param(f, name, id=f"{f.__module__}.{f.__qualname__}:{name}")


def test_every_entry_point_declares_its_checks():
    names = {f"{f.__module__}.{f.__qualname__}" for f in DECORATED}
    assert {"accessibility.fca.fca", "accessibility.fca.two_step_fca", "gis.crs.to_wgs84",
            "layers.families.demand_of", "layers.families.level_service", "scenarios.candidates.load_candidates",
            "scenarios.evaluate.evaluate", "scenarios.evaluate.evaluate_years",
            "scenarios.evaluate.Evaluator.evaluate", "scenarios.evaluate.Evaluator.evaluate_level"} <= names


@pytest.mark.parametrize("func, name", list(_cases()))
def test_a_bad_value_is_named(func, name):
    """Call the real function: other constrained arguments get a good value, the rest None (the
    check runs before the body, so nothing else is computed)."""
    cons = constraints_of(func)
    sig = inspect.signature(func)
    kwargs = {}
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.name in cons:
            kwargs[p.name] = cons[p.name].good()
        elif p.default is inspect.Parameter.empty:
            kwargs[p.name] = None
    bad = cons[name].bad()
    kwargs[name] = bad
    with pytest.raises(ParameterError) as e:
        func(**kwargs)
    assert e.value.parameter == name and isinstance(e.value, InputError)  # the CLI exits 2 on it
    shown = bad[0] if isinstance(bad, tuple) else bad
    assert repr(shown) in str(e.value) or str(shown) in str(e.value)


def test_constraints_word_what_is_allowed():
    lv = Options(("a", "b"), "level")
    with pytest.raises(ParameterError, match=r"field 'level': unknown level 'c': use one of a, b"):
        lv.check("level", "c")
    mins = Interval(0, 120, closed="right", none_ok=True)
    mins.check("minutes", None)
    mins.check("minutes", 120)
    for v in (0, -5, 121, float("nan"), True, "x"):
        with pytest.raises(ParameterError, match="greater than 0 and at most 120"):
            mins.check("minutes", v)
    with pytest.raises(ParameterError, match="single value"):
        Each(lv).check("levels", "a")
    with pytest.raises(ValueError, match="no parameter nope"):
        validate_params({"nope": lv})(lambda x: x)


def test_cli_choices_come_from_the_constraints():
    from accessibility.fca import METHODS, fca
    from gis.crs import COORD_SYSTEMS
    from hedong.cli import build_parser
    from scenarios.candidates import load_candidates
    from scenarios.evaluate import ASSIGN_MODES, evaluate

    assert choices_of(fca, "method") == list(METHODS)
    assert choices_of(load_candidates, "coords") == list(COORD_SYSTEMS)
    assert choices_of(evaluate, "assign") == list(ASSIGN_MODES)
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    access = sub.choices["access"]
    assert next(a for a in access._actions if a.dest == "method").choices == choices_of(fca, "method")
    scen = next(a for a in sub.choices["scenario"]._actions if a.dest == "scenario_command")
    ev = next(a for a in scen.choices["evaluate"]._actions if a.dest == "assign")
    assert ev.choices == choices_of(evaluate, "assign")
    for cmd in ("optimize", "next-site"):
        coords = next(a for a in scen.choices[cmd]._actions if a.dest == "coords")
        assert coords.choices == choices_of(load_candidates, "coords")


def test_coordinate_spellings_still_read():
    from gis.crs import to_wgs84

    lon, lat = to_wgs84(111.0, 35.0, "EPSG:4326")
    assert (float(lon), float(lat)) == (111.0, 35.0)
    assert to_wgs84(111.0, 35.0, "GCJ-02") is not None
