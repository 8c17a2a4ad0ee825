"""Declarative parameter checks, in the style of scikit-learn's ``validate_params``.

A public function declares what each argument may be; the decorator checks the call before the
body runs and raises one :class:`layers.errors.ParameterError` (an input error: the CLI exits 2)
naming the parameter, the value given and what is allowed::

    @validate_params({"level": Options(lambda: LEVELS, "level"),
                      "minutes": Interval(0, 120, closed="right", none_ok=True),
                      "method": Options(METHODS, "method")})
    def fca(area, service, method="2sfca", minutes=None): ...

The same constraint objects give the command line its ``choices`` (:func:`choices_of`), and
tests/test_params.py walks every decorated function (:data:`DECORATED`) with a bad value per
constraint. Options may be a callable returning the values, read at each call, so a registry's
live views (school levels, services) stay current.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Iterable

from layers.errors import ParameterError

__all__ = ["Constraint", "Options", "Interval", "Each", "validate_params", "constraints_of", "choices_of",
           "DECORATED"]

#: Every function decorated with :func:`validate_params` (the generated test walks them).
DECORATED: list[Callable] = []


class Constraint:
    """What one argument may be. Subclasses define :meth:`ok`, :meth:`reason` and a :meth:`bad`
    and a :meth:`good` example (for the generated test)."""

    none_ok: bool = False

    def ok(self, value) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def reason(self, value) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def check(self, name: str, value):
        """Raise :class:`ParameterError` naming ``name`` unless ``value`` is allowed."""
        if value is None and self.none_ok:
            return
        if not self.ok(value):
            raise ParameterError(name, self.reason(value), value=value)

    def bad(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def good(self):  # pragma: no cover - abstract
        raise NotImplementedError


class Options(Constraint):
    """One of a set of values (or of what a callable returns at call time).

    Parameters
    ----------
    values : iterable or callable
        The allowed values (a registry view, a tuple) or a function returning them.
    what : str
        How the message names the value (``level``, ``travel mode``).
    none_ok : bool
        ``None`` passes (an optional argument's default).
    normalize : callable, optional
        Applied to a value before the comparison (``"GCJ-02"`` -> ``"gcj02"``).
    """

    def __init__(self, values: Iterable | Callable, what: str = "value", *, none_ok: bool = False,
                 normalize: Callable | None = None):
        self._values = values
        self.what = what
        self.none_ok = none_ok
        self.normalize = normalize

    def options(self) -> tuple:
        """The allowed values now."""
        v = self._values() if callable(self._values) else self._values
        return tuple(v)

    def ok(self, value) -> bool:
        try:
            v = self.normalize(value) if self.normalize else value
            return v in self.options()
        except TypeError:  # an unhashable value is no option
            return False

    def reason(self, value) -> str:
        return f"unknown {self.what} {value!r}: use one of {', '.join(map(str, self.options()))}"

    def bad(self):
        return "no-such-" + self.what.replace(" ", "-")

    def good(self):
        return self.options()[0]


class Interval(Constraint):
    """A real number within bounds.

    Parameters
    ----------
    lo, hi : float or None
        Bounds (None: unbounded on that side).
    closed : {"left", "right", "both", "neither"}
        Which bounds are included.
    none_ok : bool
        ``None`` passes.
    """

    def __init__(self, lo: float | None, hi: float | None, *, closed: str = "both", none_ok: bool = False):
        if closed not in ("left", "right", "both", "neither"):
            raise ValueError("closed must be left, right, both or neither")
        self.lo, self.hi, self.closed, self.none_ok = lo, hi, closed, none_ok

    def ok(self, value) -> bool:
        if isinstance(value, bool):
            return False
        try:
            v = float(value)
        except (TypeError, ValueError):
            return False
        if not math.isfinite(v):
            return False
        lo_ok = self.lo is None or (v >= self.lo if self.closed in ("left", "both") else v > self.lo)
        hi_ok = self.hi is None or (v <= self.hi if self.closed in ("right", "both") else v < self.hi)
        return lo_ok and hi_ok

    def describe(self) -> str:
        """``a number greater than 0 and at most 120`` ..."""
        parts = []
        if self.lo is not None:
            parts.append(f"{'at least' if self.closed in ('left', 'both') else 'greater than'} {self.lo:g}")
        if self.hi is not None:
            parts.append(f"{'at most' if self.closed in ('right', 'both') else 'less than'} {self.hi:g}")
        return "a number " + " and ".join(parts) if parts else "a finite number"

    def reason(self, value) -> str:
        return f"must be {self.describe()} (got {value!r})"

    def bad(self):
        return (self.hi + 1) if self.hi is not None else (self.lo - 1)

    def good(self):
        if self.lo is not None and self.hi is not None:
            return (self.lo + self.hi) / 2
        return (self.lo + 1) if self.lo is not None else (self.hi - 1)


class Each(Constraint):
    """Every item of a sequence meets ``inner`` (``levels=("primary", "junior")``)."""

    def __init__(self, inner: Constraint, *, none_ok: bool = False):
        self.inner, self.none_ok = inner, none_ok

    def ok(self, value) -> bool:
        if isinstance(value, (str, bytes)):
            return False
        try:
            return all(self.inner.ok(v) for v in value)
        except TypeError:
            return False

    def reason(self, value) -> str:
        if isinstance(value, (str, bytes)):
            return f"give a list, not the single value {value!r}"
        try:
            bad = next(v for v in value if not self.inner.ok(v))
        except (TypeError, StopIteration):
            return f"must be a list (got {value!r})"
        return self.inner.reason(bad)

    def bad(self):
        return (self.inner.bad(),)

    def good(self):
        return (self.inner.good(),)


def validate_params(constraints: dict[str, Constraint]):
    """Decorate a function so its arguments named in ``constraints`` are checked before it runs.

    Raises
    ------
    ValueError
        At decoration: a constraint names no parameter of the function.
    layers.errors.ParameterError
        At call: an argument breaks its constraint (naming the parameter, the value and what is allowed).
    """
    def deco(func):
        sig = inspect.signature(func)
        unknown = [n for n in constraints if n not in sig.parameters]
        if unknown:
            raise ValueError(f"{func.__qualname__}: no parameter {', '.join(unknown)}")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            bound = sig.bind(*args, **kwargs)
            for name, c in constraints.items():
                if name in bound.arguments:
                    c.check(name, bound.arguments[name])
                else:
                    default = sig.parameters[name].default
                    if default is not inspect.Parameter.empty:
                        c.check(name, default)
            return func(*args, **kwargs)

        wrapper.__param_constraints__ = dict(constraints)
        DECORATED.append(wrapper)
        return wrapper

    return deco


def constraints_of(func) -> dict[str, Constraint]:
    """The constraints a function was decorated with (empty if none)."""
    return dict(getattr(func, "__param_constraints__", {}))


def choices_of(func, name: str) -> list:
    """The allowed values of ``func``'s argument ``name`` now — the CLI's ``choices``."""
    c = constraints_of(func)[name]
    c = c.inner if isinstance(c, Each) else c
    return list(c.options())
