"""Running a batch's tasks on Dask distributed (``hedong batch``).

Each task is one Dask task: :func:`execute` runs :func:`scenarios.batch.run_task` on a worker
(whose process keeps its loaded areas, :func:`scenarios.batch.area_for`) and writes the task's
record atomically under the output folder before returning it, so a worker killed afterwards —
or a client that dies — loses nothing finished. The client also writes any record that reaches
it but is missing on its own disk (workers of a remote cluster without the shared folder).

By default a :class:`~dask.distributed.LocalCluster` of processes (``n_workers=2``,
``threads_per_worker=1``, no dashboard — nothing listens beyond loopback); ``scheduler=`` connects
to a running cluster instead (``dask scheduler`` / ``dask worker``, README).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field

from scenarios.batch import Task, read_record, record_path, run_task, write_districts, write_record

__all__ = ["execute", "run_tasks", "RunReport"]


def execute(task: Task, out_dir: str) -> dict:
    """Run ``task`` on this worker, write its record atomically, return the record."""
    record = run_task(task)
    write_districts(out_dir, task.area)
    write_record(out_dir, record)
    return record


@dataclass
class RunReport:
    """What a run did: tasks skipped (already finished), run now, and failed (key -> message)."""

    skipped: int = 0
    ran: int = 0
    failed: dict = field(default_factory=dict)


def run_tasks(tasks: list[Task], out_dir, *, scheduler: str | None = None, client=None, n_workers: int = 2,
              progress: bool = True, task_fn=execute) -> RunReport:
    """Run the unfinished ``tasks`` on Dask and wait for them.

    Parameters
    ----------
    tasks : list of Task
    out_dir : path
        Output folder; a task with a record there is skipped.
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); default a local cluster.
    client : dask.distributed.Client, optional
        Use this client (tests); ``scheduler`` and ``n_workers`` are then ignored.
    n_workers : int
        Worker processes of the local cluster (one thread each).
    progress : bool
        Show Dask's progress bar on stderr.
    task_fn : callable
        ``task_fn(task, out_dir) -> record`` run on the workers (default :func:`execute`).
    """
    # lazy: dask.distributed takes ~0.3 s to import and the CLI imports every command module at start;
    # only a batch run needs it
    from dask.distributed import Client, LocalCluster, as_completed, progress as dask_progress

    out_dir = str(out_dir)
    report = RunReport()
    todo = [t for t in tasks if read_record(out_dir, t.key) is None]
    report.skipped = len(tasks) - len(todo)
    if not todo:
        return report
    own_cluster = None
    if client is None:
        if scheduler:
            client = Client(scheduler)
        else:
            own_cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, host="127.0.0.1", silence_logs=logging.ERROR)
            client = Client(own_cluster)
        own_client = client
    else:
        own_client = None
    try:
        # Keys are the task keys: resubmitting a finished key to a shared cluster is harmless.
        futures = client.map(task_fn, todo, out_dir=out_dir, key=[f"hedong-batch-{t.key}" for t in todo],
                             pure=False)
        if progress:
            dask_progress(futures, notebook=False)
            sys.stderr.write("\n")
        for fut in as_completed(futures):
            key = fut.key[len("hedong-batch-"):] if isinstance(fut.key, str) else str(fut.key)
            if fut.status == "finished":
                rec = fut.result()
                if not record_path(out_dir, rec["key"]).is_file():  # a remote worker without the folder
                    write_record(out_dir, rec)
                report.ran += 1
            else:
                try:
                    exc = fut.exception()
                except Exception as e:  # noqa: BLE001 - a cancelled future raises here
                    exc = e
                report.failed[key] = f"{type(exc).__name__}: {exc}".splitlines()[0]
            fut.release()
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()
    return report


def default_workers() -> int:
    """Local worker processes: 2, or fewer on a one-core machine."""
    return max(1, min(2, os.cpu_count() or 1))
