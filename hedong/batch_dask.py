"""Running a batch's tasks on Dask distributed (``hedong batch``).

Each task is one Dask task: :func:`execute` runs :func:`scenarios.batch.run_task` on a worker
(whose process keeps its loaded areas, :func:`scenarios.batch.area_for`) and writes the task's
record atomically under the output folder before returning it, so a worker killed afterwards —
or a client that dies — loses nothing finished. The client also writes any record that reaches
it but is missing on its own disk (workers of a remote cluster without the shared folder).

By default a :class:`~dask.distributed.LocalCluster` of processes (``n_workers=2``,
``threads_per_worker=1``, no dashboard — nothing listens beyond loopback); ``scheduler=`` connects
to a running cluster instead (``dask scheduler`` / ``dask worker``, README).

No dashboard unless asked: ``dashboard_address=None`` does *not* turn it off — the scheduler then
serves HTTP on its default port 8787 (dask/distributed issue #8136: ``LocalCluster(dashboard_address=None)``
still starts it), and ``":0"`` only picks another port. The scheduler always starts an HTTP server,
so :func:`local_cluster` binds it to a random loopback port with no routes at all (config
``distributed.scheduler.http.routes = []``) and ``dashboard=False``: it answers nothing.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field

from layers.errors import InputError
from scenarios.batch import Task, read_record, record_path, run_task, write_districts, write_record

__all__ = ["execute", "run_tasks", "RunReport", "connect", "local_cluster"]

#: Seconds to wait for a scheduler given by ``--scheduler`` before refusing it.
CONNECT_TIMEOUT_S = 10.0


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


def connect(scheduler: str, timeout: float | None = None):
    """A client of the running scheduler at ``scheduler`` (``tcp://host:8786``).

    Raises
    ------
    layers.errors.InputError
        A malformed address or a scheduler that does not answer within ``timeout`` seconds
        (default :data:`CONNECT_TIMEOUT_S`), naming ``--scheduler`` (exit 2, before any task).
    """
    # lazy: dask.distributed takes ~0.3 s to import; only a batch run needs it
    from dask.distributed import Client

    timeout = CONNECT_TIMEOUT_S if timeout is None else timeout
    try:
        return Client(scheduler, timeout=timeout)
    except ValueError as e:  # distributed's own words: "invalid address ...", "unknown address scheme ..."
        raise InputError(f"not a scheduler address ({' '.join(str(e).split())[:200]}); give tcp://HOST:PORT",
                         file=scheduler, field="--scheduler") from None
    except (OSError, TimeoutError) as e:
        raise InputError(f"no Dask scheduler answered within {timeout:g} s ({type(e).__name__}); start one "
                         f"(dask scheduler) or check the address", file=scheduler, field="--scheduler") from None


def local_cluster(n_workers: int = 2, dashboard: str | None = None):
    """A :class:`~dask.distributed.LocalCluster` of ``n_workers`` processes (one thread each) on loopback.

    ``dashboard`` (an address such as ``127.0.0.1:8787``) starts Dask's dashboard there; by default
    there is none and the scheduler's HTTP server (always started) serves nothing on a random
    loopback port (see the module docstring).
    """
    # lazy: dask takes ~0.3 s to import; only a batch run needs it
    import dask
    from dask.distributed import LocalCluster  # lazy: as above

    if dashboard:
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=dashboard,
                            host="127.0.0.1", silence_logs=logging.ERROR)
    with dask.config.set({"distributed.scheduler.http.routes": []}):
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                            dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                            host="127.0.0.1", silence_logs=logging.ERROR)


def run_tasks(tasks: list[Task], out_dir, *, scheduler: str | None = None, client=None, n_workers: int = 2,
              progress: bool = True, task_fn=execute, dashboard: str | None = None) -> RunReport:
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
    dashboard : str, optional
        Address of Dask's dashboard for the local cluster (default: none, :func:`local_cluster`).
    """
    # lazy: dask.distributed takes ~0.3 s to import and the CLI imports every command module at start;
    # only a batch run needs it
    from dask.distributed import Client, as_completed, progress as dask_progress

    out_dir = str(out_dir)
    report = RunReport()
    todo = [t for t in tasks if read_record(out_dir, t.key) is None]
    report.skipped = len(tasks) - len(todo)
    if not todo:
        return report
    own_cluster = None
    if client is None:
        if scheduler:
            client = connect(scheduler)
        else:
            own_cluster = local_cluster(n_workers, dashboard)
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
