"""Input errors, re-exported from :mod:`layers.errors` (where they live, below every package that raises them)."""

from layers.errors import InputError, UnknownAreaError, UnknownScenarioError  # noqa: F401

__all__ = ["InputError", "UnknownAreaError", "UnknownScenarioError"]
