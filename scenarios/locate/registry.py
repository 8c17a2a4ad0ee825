"""The models by CLI key, their help and objective units as message keys of the one catalogue.

Words are not written here: :data:`MODEL_HELP_KEYS` and :func:`objective_unit_key` name entries of
:data:`presentation.i18n.CATALOGUE`, which the app and the CLI render in their language.
:data:`OBJECTIVE_UNITS` keeps each objective's unit as the stable English value of the
``objective_unit`` JSON key.
"""

from __future__ import annotations

from scenarios.locate.attendance import MaxAttendance
from scenarios.locate.center import PCenter
from scenarios.locate.coverage import LSCP, MCLP, CapacitatedMCLP
from scenarios.locate.median import CapacitatedPMedian, PMedian

#: CLI model keys -> classes.
MODELS = {"pmedian": PMedian, "mclp": MCLP, "lscp": LSCP, "pcenter": PCenter,
          "cpmedian": CapacitatedPMedian, "cmclp": CapacitatedMCLP, "attendance": MaxAttendance}

#: Per model the catalogue key of its one-line help (what it chooses; the app and ``--help``).
MODEL_HELP_KEYS = {k: f"optimize.model.{k}" for k in MODELS}

#: The unit of each model's ``objective`` as :func:`objective_in_units` reports it: the value of
#: the ``objective_unit`` JSON key (English, stable); shown through :func:`objective_unit_key`.
OBJECTIVE_UNITS = {"pmedian": "child-minutes", "cpmedian": "child-minutes", "mclp": "children", "cmclp": "children",
                   "pcenter": "minutes", "lscp": "schools", "attendance": "children attending (distance-decayed)"}


def objective_unit_key(model: str) -> str:
    """The catalogue key of the unit of ``model``'s objective (rendered by :func:`presentation.i18n.t`)."""
    return f"optimize.unit.{model}"


def objective_in_units(model: str, objective: float) -> float:
    """A model's objective in :data:`OBJECTIVE_UNITS`: travel costs are seconds inside the models
    (child-seconds for the medians, seconds for p-center), reported as minutes."""
    return float(objective) / 60.0 if model in ("pmedian", "cpmedian", "pcenter") else float(objective)
