"""Checks of the library's arguments: one rule each, raising :class:`layers.errors.ParameterError`.

Every public engine function (coverage, circles, 2SFCA, norm checks, scenario evaluation,
optimisation) checks its arguments here, at the library boundary, so a notebook gets the same
clear error as the command line (which maps the parameter name to its flag, ``hedong.params``)
instead of a silent 0.0 or a scipy message.
"""

from __future__ import annotations

from layers.errors import ParameterError
from layers.norms import SPEEDS
from layers.params import Interval, Options

__all__ = ["MAX_MINUTES", "USER_MODES", "MINUTES", "USER_MODE", "ANY_MODE", "check_minutes", "check_mode",
           "check_count"]

#: Largest travel-time threshold accepted (two hours: beyond it nothing is "within reach" planning).
MAX_MINUTES = 120.0
#: Modes a user may choose; services pick their own walking pace (``walk_elderly``) internally.
USER_MODES = ("walk", "bike")

#: The constraints of :func:`layers.params.validate_params` for the arguments every engine shares.
MINUTES = Interval(0, MAX_MINUTES, closed="right", none_ok=True)
USER_MODE = Options(USER_MODES, "travel mode", none_ok=True)
ANY_MODE = Options(lambda: SPEEDS, "travel mode", none_ok=True)


def check_minutes(minutes, name: str = "minutes", *, optional: bool = True) -> float | None:
    """``minutes`` as a float in (0, :data:`MAX_MINUTES`]; ``None`` passes when ``optional``.

    >>> check_minutes(15)
    15.0
    >>> check_minutes(-5)
    Traceback (most recent call last):
    ...
    layers.errors.ParameterError: field 'minutes': must be a number greater than 0 and at most 120 (got -5)
    """
    if minutes is None and optional:
        return None
    if not MINUTES.ok(minutes):
        raise ParameterError(name, MINUTES.reason(minutes), value=minutes)
    return float(minutes)


def check_mode(mode, name: str = "mode", *, allowed="user", optional: bool = True) -> str | None:
    """``mode`` checked against :data:`USER_MODES` (``allowed="user"``) or every :data:`layers.norms.SPEEDS`
    key (``allowed="speeds"``); ``None`` (the service's own mode) passes when ``optional``."""
    if mode is None and optional:
        return None
    c = USER_MODE if allowed == "user" else ANY_MODE
    if not c.ok(mode):
        raise ParameterError(name, c.reason(mode), value=mode)
    return mode


def check_count(value, name: str, *, lo: int = 0) -> int:
    """A whole number ``>= lo`` (e.g. ``p``, the number of new sites)."""
    ok = isinstance(value, (int,)) and not isinstance(value, bool)
    if not ok:
        try:
            ok = float(value).is_integer()
        except (TypeError, ValueError, OverflowError):
            ok = False
    if not ok or int(value) < lo:
        raise ParameterError(name, f"must be a whole number of at least {lo} (got {value!r})", value=value)
    return int(value)
