"""Facility-location models solved exactly with HiGHS, one module per model family (as :mod:`spopt.locate`).

The public entry is :mod:`scenarios.optimize`, which re-exports every public name of these modules.
"""
