"""Library parameter names -> command-line flags: the one table the CLI prints errors with.

The library raises :class:`layers.errors.ParameterError` naming the *Python* argument (``minutes``,
``p``, ``time_limit``); the command line shows the flag the user typed (``--minutes``, ``--p``,
``--time-limit``). :class:`layers.errors.InfeasibleModelError` names the arguments whose change could
make a model solvable; they become flag advice here too.
"""

from __future__ import annotations

from layers.errors import InfeasibleModelError, ParameterError

__all__ = ["FLAGS", "flag", "parameter_message", "infeasible_message"]

#: Library argument -> CLI flag.
FLAGS = {
    "minutes": "--minutes",
    "mode": "--mode",
    "p": "--p",
    "year": "--year",
    "level": "--level",
    "model": "--model",
    "service": "--service",
    "method": "--method",
    "scenario": "--scenario",
    "time_limit": "--time-limit",
    "top": "--top",
    "candidates": "--candidates",
}


def flag(parameter: str) -> str:
    """The CLI flag of a library argument (``--`` + the name with dashes when not in :data:`FLAGS`)."""
    return FLAGS.get(parameter, "--" + parameter.replace("_", "-"))


def parameter_message(err: ParameterError) -> str:
    """``--minutes: must be a number greater than 0 ...`` — the error with its flag, one line."""
    return f"{flag(err.parameter)}: {' '.join(str(err.reason).split())}"


def infeasible_message(err: InfeasibleModelError) -> str:
    """The model's reason plus what to try, in flags (``try changing --p or --minutes``)."""
    advice = " or ".join(flag(p) for p in err.parameters)
    reason = " ".join(str(err.reason).split())
    return f"no solution: {reason}" + (f"; try changing {advice}" if advice else "")
