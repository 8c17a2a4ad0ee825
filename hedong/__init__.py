"""Hedong Planner: the `hedong` command line, and the library facade (:mod:`hedong.api`).

``import hedong as hd`` gives the facade's names (``hd.load_area``, ``hd.coverage``,
``hd.evaluate`` ...). They are resolved on first use (PEP 562 ``__getattr__``) so that the
command line, which lives in this package too, starts without importing every engine.

>>> import hedong as hd
>>> hd.coverage is __import__("hedong.api").api.coverage
True
"""

from __future__ import annotations

import importlib

#: The facade's public names (:data:`hedong.api.__all__`, repeated so listing them imports nothing).
__all__ = [
    "load_area", "StudyArea", "ComputeContext", "coverage", "coverage_report", "life_circle", "circles", "fca",
    "evaluate", "optimise", "optimize", "Siting", "ServiceCoverage", "LifeCircle", "FCAResult", "Evaluation",
    "InputError", "ParameterError", "InfeasibleModelError",
]


def __getattr__(name: str):
    if name in __all__:
        return getattr(importlib.import_module("hedong.api"), name)
    raise AttributeError(f"module 'hedong' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])
