"""Input errors, re-exported from :mod:`layers.errors` (where they live, below every package that raises them)."""

from layers.errors import (  # noqa: F401
    InfeasibleModelError, InputError, ParameterError, UnknownAreaError, UnknownScenarioError,
)

__all__ = ["InputError", "UnknownAreaError", "UnknownScenarioError", "ParameterError", "InfeasibleModelError"]
