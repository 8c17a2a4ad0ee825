"""Task functions for the batch tests (module level, so Dask workers import them by name)."""

from __future__ import annotations

import os
from pathlib import Path

from hedong.batch_dask import execute


def kill_worker_once(task, out_dir, marker, draw=2):
    """Run ``task`` as :func:`hedong.batch_dask.execute` does, except that the first task of draw
    ``draw`` to start kills its own worker process (once: ``marker`` records it) — a worker lost
    mid-run, before that task's record is written."""
    if task.draw == draw and not Path(marker).exists():
        Path(marker).write_text(str(os.getpid()))
        os._exit(1)
    return execute(task, out_dir)
