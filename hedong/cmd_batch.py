"""`hedong batch FILE --out DIR`: every area × scenario × year × draw of a batch file, on Dask.

The engine is :mod:`scenarios.batch` (batch file, tasks, records, merge); the Dask side
:mod:`hedong.batch_dask`. The output folder holds:

* ``tasks/<key>.json`` — one record per finished task, written atomically by the task itself
  (the key is a hash of the task's inputs): a re-run skips them, a killed worker loses none;
* ``areas/*.parquet`` — the district polygons of each area;
* ``results.parquet`` (GeoParquet, district polygons in EPSG:4326) and ``results.csv`` (UTF-8-BOM,
  formula-safe) — one row per area × scenario × year × draw × (speed, minutes) × district × level;
* ``services.csv`` — draw 0's population share within reach of each service;
* ``indicators.csv`` — the plan's indicator table (``hedong indicators``) of every area ×
  scenario × year, one row per indicator and place (area, then each subdistrict), at the norms;
* ``summary.csv`` — per area, scenario and year: seats short (summed over districts and levels)
  at draw 0 and its mean, p5 and p95 over the draws;
* ``batch.json`` — the batch file's hash: a re-run of the same file resumes; another batch file
  into the same folder needs ``--overwrite``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import geopandas as gpd

from gis.folder import GPKG_NAME
from gis.io import write_csv_atomic, write_parquet_atomic, write_text_atomic
from hedong.batch_dask import connect, default_workers, run_tasks
from hedong.output import print_json, table
from layers.errors import InputError
from scenarios.batch import (expand_tasks, indicators_table, merge_records, read_batch_file, read_record,
                             services_table, summarise)

MANIFEST = "batch.json"
OUTPUTS = ("results.parquet", "results.csv", "services.csv", "indicators.csv", "summary.csv")


def register(subparsers) -> None:
    """Add the ``batch`` command to the ``hedong`` parser."""
    p = subparsers.add_parser(
        "batch", help="run many areas × scenarios × years × draws on Dask (LocalCluster or --scheduler)",
        description="Evaluate every combination of a batch file (TOML or YAML: areas, scenarios, years, optional "
                    "sweep of draws of the birth and migration factors, walking speed and minutes; assign: the "
                    "enrolment rule, catchment (划片, the default, as 'hedong scenario evaluate' and the app) or "
                    "walk) as tasks on Dask "
                    "distributed. Each finished task is saved at once under --out/tasks, so a re-run skips it; "
                    "the results are merged into results.parquet (GeoParquet) and results.csv, with summary.csv "
                    "(seats short per area: draw 0, mean, p5, p95).",
    )
    p.add_argument("file", help="batch file (.toml, .yaml, .yml); see README 'Batch runs'")
    p.add_argument("--out", required=True, help="output folder (created; a re-run of the same batch file resumes)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="a running Dask scheduler (tcp://host:8786); default a local cluster of --workers processes")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default 2, one thread each)")
    p.add_argument("--dashboard", metavar="ADDRESS",
                   help="start Dask's dashboard of the local cluster at ADDRESS (e.g. 127.0.0.1:8787); default none")
    p.add_argument("--overwrite", action="store_true",
                   help="write into a folder holding another batch's results (replacing its merged tables)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (it is shown on a terminal only)")
    p.add_argument("--json", action="store_true", help="print the run report and summary as JSON")
    p.set_defaults(func=run)


def _batch_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_out_dir(out: Path, batch_hash: str, overwrite: bool) -> None:
    """Refuse an output folder before any work: a study-area folder, a file, a folder of other
    files, or another batch's results without ``overwrite`` (exit 2 naming ``--out``)."""
    if out.exists() and not out.is_dir():
        raise InputError("--out is a file; give a folder", file=out, field="--out")
    if not out.parent.is_dir():
        raise InputError("the parent folder of --out does not exist", file=out.parent, field="--out")
    if not out.is_dir():
        return
    if (out / GPKG_NAME).is_file():
        raise InputError("this is a study-area folder and is never written into; choose another folder",
                         file=out, field="--out")
    manifest = out / MANIFEST
    if manifest.is_file():
        try:
            same = json.loads(manifest.read_text(encoding="utf-8")).get("batch_sha256") == batch_hash
        except (OSError, ValueError):
            same = False
        if not same and not overwrite:
            raise InputError("the folder holds the results of another batch file; add --overwrite to replace its "
                             "merged tables (finished tasks are kept by their keys)", file=out, field="--out")
    elif any(out.iterdir()) and not overwrite:
        raise InputError("the folder is not empty and holds no batch; choose an empty folder or add --overwrite",
                         file=out, field="--out")


def run(args) -> int:
    """Expand the batch file, run the unfinished tasks, merge and summarise."""
    src = Path(args.file)
    spec = read_batch_file(src)
    out = Path(args.out)
    bh = _batch_hash(src)
    check_out_dir(out, bh, args.overwrite)
    if args.workers is not None and not 1 <= args.workers <= 256:
        raise InputError("--workers is a whole number 1-256", field="--workers")
    # Everything is checked before any task runs (exit 2 naming it): the scheduler answers, every area
    # loads, no area is listed twice, every scenario exists (scenarios.batch.expand_tasks).
    client = connect(args.scheduler) if args.scheduler else None
    try:
        tasks = expand_tasks(spec)
        out.mkdir(exist_ok=True)
        write_text_atomic(out / MANIFEST, json.dumps({"batch_file": str(src.resolve()), "batch_sha256": bh,
                                                      "tasks": len(tasks)}, indent=1))
        rep = run_tasks(tasks, out, client=client, n_workers=args.workers or default_workers(),
                        progress=not args.no_progress and not args.json and sys.stderr.isatty(),
                        dashboard=args.dashboard)
    finally:
        if client is not None:
            client.close()
    records = [r for r in (read_record(out, t.key) for t in tasks) if r is not None]
    areas = {}
    for t in tasks:
        p = out / "areas" / f"{t.area.fingerprint.replace(':', '_').replace('/', '_')}.parquet"
        if t.area.label not in areas and p.is_file():
            areas[t.area.label] = gpd.read_parquet(p)
    res = merge_records(records, areas)
    summary = summarise(res)
    files = [write_parquet_atomic(res, out / "results.parquet"),
             write_csv_atomic(res.drop(columns="geometry"), out / "results.csv"),
             write_csv_atomic(services_table(records), out / "services.csv"),
             write_csv_atomic(indicators_table(records), out / "indicators.csv"),
             write_csv_atomic(summary, out / "summary.csv")]
    missing = len(tasks) - len(records)
    if args.json:
        print_json({"out": str(out), "tasks": len(tasks), "skipped": rep.skipped, "ran": rep.ran,
                    "failed": rep.failed, "missing": missing, "rows": int(len(res)),
                    "files": [str(f) for f in files], "summary": summary.to_dict(orient="records")})
    else:
        print(f"{len(tasks)} tasks: {rep.skipped} already finished, {rep.ran} run now, {len(rep.failed)} failed; "
              f"{len(res):,} rows in {out / 'results.parquet'} and results.csv")
        if len(summary):
            print("seats short (sum over districts and levels): draw 0, and mean / p5 / p95 over the draws")
            shown = summary.round(1).to_dict(orient="records")
            for r in shown:  # the year as a year, a sweep value left at the norm as "norm"
                r["year"] = str(r["year"])
                r.update({k: "norm" if r[k] != r[k] or r[k] is None else r[k] for k in ("walk_speed", "minutes")})
            print(table(shown))
    if missing:
        first = next(iter(rep.failed.items()), None)
        sys.stderr.write(f"hedong: {missing} of {len(tasks)} tasks not finished"
                         + (f" (first: {first[1]})" if first else "") + "; run the same command again to finish them\n")
        return 1
    return 0
