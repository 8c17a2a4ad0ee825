"""How many cores the engine may use: ``HEDONG_THREADS``, else the cores this process may run on.

A module of its own, below both users: :mod:`accessibility.parallel` (worker processes for
independent searches) and :mod:`accessibility.snap` (threads for large snaps), which
:mod:`accessibility.parallel` imports through :mod:`accessibility.reach` — so the knob cannot live
in either without an import cycle.
"""

from __future__ import annotations

import os

__all__ = ["threads"]


def threads() -> int:
    """Worker processes for independent searches (threads for a large snap): ``HEDONG_THREADS``,
    else the usable cores.

    Raises
    ------
    ValueError
        ``HEDONG_THREADS`` is not a positive integer.
    """
    env = os.environ.get("HEDONG_THREADS", "").strip()
    if env:
        try:
            n = int(env)
        except ValueError:
            n = 0
        if n < 1:
            raise ValueError(f"HEDONG_THREADS={env!r}: give a positive whole number of processes (1 = no parallel)")
        return n
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
