"""Batch runs: study areas × scenarios × years × parameter draws, one small record per task.

This module is the engine of ``hedong batch`` and knows nothing of Dask (the orchestration lives
in :mod:`hedong.batch_dask`): it reads a batch file, expands it into :class:`Task` objects,
runs one task in the current process (:func:`run_task`), writes each task's record atomically
(:func:`write_record`, one JSON file named by the task's key) and merges the records into the
result table (:func:`merge_records`).

Batch file (TOML, or YAML with the same keys)::

    areas = ["yuncheng-demo", "helsinki-osm", "path/to/folder"]   # or {spec = "yuncheng-demo", scale = 0.15}
    scenarios = ["existing", "plan"]
    years = [2025, 2030]
    [sweep]
    draws = 20                 # random draws per combination (draw 0, the unchanged projection, always runs)
    seed = 7
    birth_factor = [0.9, 1.1]  # a range: uniform; or {dist = "normal", mean = 1.0, sd = 0.05}
    migration_factor = {dist = "triangular", low = 0.5, mode = 1.0, high = 1.5}
    walk_speed = [60, 80]      # m/min, every value is its own combination (default the norm's)
    minutes = [10, 15]         # walking limit for every level (default each level's norm)
    assign = "catchment"       # the enrolment rule: catchment (划片, the default) or walk

``assign`` is the rule of :meth:`scenarios.evaluate.Evaluator.evaluate_level`, defaulting, as
``hedong scenario evaluate`` and the app do, to ``catchment`` (:data:`DEFAULT_ASSIGN`): a batch
file without it gives the numbers the command line gives for the same scenario and year.

What the parameters change:

* ``birth_factor`` multiplies the area's births table (the cohort projection of
  :mod:`scenarios.enrolment`; an area without births has nothing to scale);
* ``migration_factor`` multiplies each district's yearly net migration of children (the
  ``net_migration`` of the cohort mode, default 0, :func:`scenarios.enrolment.district_factors`; and the
  ``growth_rate`` of the growth-rate mode);
* ``walk_speed`` (m/min) — travel time is street length / speed for the walking network and the
  snap offsets alike, so a limit of ``M`` minutes at speed ``v`` reaches exactly the cells within
  ``M * v / v0`` minutes at the norm speed ``v0``; the task evaluates that limit and reports the
  median minutes back at speed ``v``;
* ``minutes`` replaces every level's walking limit (as ``hedong scenario evaluate --minutes``).

Draws are common random numbers: draw ``k`` has the same factors in every area, scenario and
year (``numpy.random.default_rng([seed, k])``), so scenario differences are not drowned in
sampling noise, and adding draws never changes the earlier ones.

The result has one row per area × scenario × year × draw × district × level: the seat balance
(seats, enrolment, balance, ``seats_short`` = max(0, enrolment − seats), utilisation, classes)
and the seating under the batch's rule (assigned, unserved, coverage, median minutes) of
:meth:`scenarios.evaluate.Evaluator.evaluate_level`. Draw 0 tasks also record the population
share within reach of each service (:func:`accessibility.coverage.service_coverage`
on the scenario's facilities in that year); the draw 0 of the first sweep point also records the
plan's indicator table by subdistrict (:func:`accessibility.indicators.indicator_table`, the table
``hedong indicators`` prints — computed at the norms, so once per area × scenario × year).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml

from accessibility.coverage import service_coverage
from accessibility.indicators import indicator_frame, indicator_table
from gis import areas  # called as areas.load_area: one place a caller can swap the loader
from gis.areas import area_names
from gis.folder import folder_cache_key
from gis.io import write_parquet_atomic, write_text_atomic
from layers.errors import InputError
from layers.families import SERVICES
from layers.norms import SPEEDS
from scenarios.demand import LEVELS, check_year, children
from scenarios.indicator_years import projected_cohorts
from scenarios.enrolment import default_mode, district_factors
from scenarios.evaluate import ASSIGN_MODES, Evaluator
from scenarios.model import facilities_for, resolve_scenario
from scenarios.streets import scenario_area

__all__ = ["AreaSpec", "Task", "BatchSpec", "read_batch_file", "parse_batch", "expand_tasks", "draw_factors",
           "draw_area", "run_task", "write_record", "read_record", "finished_keys", "merge_records",
           "summarise", "indicators_table", "RECORD_VERSION", "DEMO", "DEFAULT_ASSIGN"]

#: Part of every task key: a change to what a record holds makes old records stale.
RECORD_VERSION = 4  # 2: records carry the plan's indicator table (draw 0); 3: its scenario-year children
#                     projected; 4: keys hold contents (scenario fingerprint, area hash, demo scale)
#: The rule of a batch file without ``assign``: the command line's and the app's (catchment, 划片).
DEFAULT_ASSIGN = ASSIGN_MODES[0]
#: The built-in area whose ``scale`` a batch file may set.
DEMO = "yuncheng-demo"
#: Distributions a sweep factor may follow.
DISTRIBUTIONS = ("uniform", "normal", "triangular")
#: Most tasks one batch file may expand to (a typo of draws=1e9 should not fill the disk).
MAX_TASKS = 1_000_000
#: The per-process area cache (one load per worker; a task of another area adds one entry).
_AREAS: dict = {}
#: The per-process cache of scenario facility layers (area, scenario, year); bounded.
_LAYERS: dict = {}
_TOP_KEYS = {"areas", "scenarios", "years", "sweep", "assign"}
_SWEEP_KEYS = {"draws", "seed", "birth_factor", "migration_factor", "walk_speed", "minutes"}


@dataclass(frozen=True)
class AreaSpec:
    """A study area of a batch: a built-in name or a folder, and the demo's scale."""

    spec: str
    scale: float | None = None
    #: What identifies the area's data in task keys: the hash of what it was built from (a folder's
    #: file hashes; the demo's generator, scale and seed), filled by :func:`expand_tasks`.
    fingerprint: str = ""
    #: The scale the demo was built at when the file gives none (``$HEDONG_DEMO_SCALE`` of the client),
    #: so every worker loads the very area the key names.
    load_scale: float | None = None

    @property
    def label(self) -> str:
        """The ``area`` value of the result rows."""
        return self.spec if self.scale is None else f"{self.spec}@{self.scale:g}"


@dataclass(frozen=True)
class Task:
    """One combination: an area, a scenario, a year, a draw and the sweep values it runs with."""

    area: AreaSpec
    scenario: str
    year: int
    draw: int
    birth_factor: float
    migration_factor: float
    walk_speed: float | None
    minutes: float | None
    assign: str = DEFAULT_ASSIGN
    #: Also compute the plan's indicator table (at the norms, so once per area × scenario × year).
    indicators: bool = False
    #: :meth:`scenarios.model.Scenario.fingerprint` of the scenario's content (filled by :func:`expand_tasks`):
    #: an edited stored scenario is another task, never "already finished" (issue 27).
    scenario_fp: str = ""

    @property
    def key(self) -> str:
        """SHA-256 (24 hex) of everything the record depends on — the area's content hash and scale,
        the scenario's content, the year, the draw and the sweep values: the task's file name."""
        d = asdict(self)
        d["area"] = {"spec": self.area.spec, "scale": self.area.scale, "fingerprint": self.area.fingerprint,
                     "load_scale": self.area.load_scale}
        d["version"] = RECORD_VERSION
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:24]


@dataclass(frozen=True)
class BatchSpec:
    """A parsed batch file (see the module docstring)."""

    areas: tuple
    scenarios: tuple
    years: tuple
    draws: int = 0
    seed: int = 0
    birth_factor: object = None
    migration_factor: object = None
    walk_speeds: tuple = (None,)
    minutes: tuple = (None,)
    assign: str = DEFAULT_ASSIGN


# ---------------------------------------------------------------- the batch file

def read_batch_file(path) -> BatchSpec:
    """Read and check a batch file (``.toml``, ``.yaml`` / ``.yml``).

    Raises
    ------
    layers.errors.InputError
        Unreadable file, unknown key, a value of the wrong kind (file and field named).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("no such batch file", file=p)
    if p.stat().st_size > MAX_BATCH_BYTES:
        raise InputError(f"a batch file is at most {MAX_BATCH_BYTES // 1024} KiB; is this one?", file=p)
    text = p.read_bytes()[:MAX_BATCH_BYTES + 1]
    try:
        if p.suffix.lower() == ".toml":
            raw = tomllib.loads(text.decode("utf-8-sig"))
        elif p.suffix.lower() in (".yaml", ".yml"):
            raw = yaml.load(text.decode("utf-8-sig"), Loader=NoAliasLoader)  # noqa: S506 - a SafeLoader
        else:
            raise InputError("a batch file is .toml, .yaml or .yml", file=p)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"not a readable batch file ({_short(e)})", file=p) from None
    except Exception as e:  # noqa: BLE001 - yaml.YAMLError and friends: one line, not a traceback
        if isinstance(e, InputError):
            raise InputError(e.reason, file=p, row=e.row, field=e.field) from None
        raise InputError(f"not readable YAML ({type(e).__name__}: {_short(e)})", file=p) from None
    return parse_batch(raw, source=p, base=p.parent)


#: Largest batch file read (a province's areas and a sweep fit in a few KiB).
MAX_BATCH_BYTES = 1024 * 1024


def _short(e, n: int = 300) -> str:
    """An exception's text cut to ``n`` characters (a parser quoting a huge line must not print it)."""
    t = " ".join(str(e).split())
    return t if len(t) <= n else t[:n] + "…"


class NoAliasLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader refusing aliases (``*name``): a 409-byte file of nested aliases expanded to
    0.8 GB at 7 levels ("billion laughs", issue 27). A batch file never needs one; repeat the value."""

    def compose_node(self, parent, index):
        """Refuse an alias event, naming its line; otherwise compose as the SafeLoader does."""
        if self.check_event(yaml.AliasEvent):
            ev = self.peek_event()
            raise InputError(f"YAML aliases (*{ev.anchor[:40]}) are not allowed in a batch file; write the value out",
                             row=ev.start_mark.line + 1, field="yaml")
        return super().compose_node(parent, index)


def _list(raw, key, source, kind=str, required=True):
    v = raw.get(key)
    if v is None:
        if required:
            raise InputError(f"the batch file needs '{key}' (a list)", file=source, field=key)
        return ()
    if not isinstance(v, list):
        v = [v]
    if not v:
        raise InputError(f"'{key}' is empty", file=source, field=key)
    out = []
    for x in v:
        if kind is int:
            if isinstance(x, bool) or not isinstance(x, int):
                raise InputError(f"'{key}' holds whole numbers, got {x!r}", file=source, field=key)
        elif kind is float:
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or x <= 0:
                raise InputError(f"'{key}' holds positive numbers, got {x!r}", file=source, field=key)
            x = float(x)
        elif not isinstance(x, str) or not x.strip():
            raise InputError(f"'{key}' holds names, got {x!r}", file=source, field=key)
        out.append(x)
    if len(set(out)) != len(out):
        raise InputError(f"'{key}' lists a value twice", file=source, field=key)
    return tuple(out)


def _factor(v, key, source):
    """A sweep factor: None, a [low, high] range (uniform) or {dist=..., ...}; checked, normalised to a dict."""
    if v is None:
        return None
    if isinstance(v, list):
        if len(v) != 2:
            raise InputError(f"'{key}' as a range is [low, high]", file=source, field=f"sweep.{key}")
        v = {"dist": "uniform", "low": v[0], "high": v[1]}
    if not isinstance(v, dict) or v.get("dist") not in DISTRIBUTIONS:
        raise InputError(f"'{key}' is [low, high] or {{dist = {' | '.join(DISTRIBUTIONS)}, ...}}", file=source,
                         field=f"sweep.{key}")
    need = {"uniform": ("low", "high"), "normal": ("mean", "sd"), "triangular": ("low", "mode", "high")}[v["dist"]]
    extra = set(v) - {"dist", *need}
    if extra:
        raise InputError(f"'{key}' ({v['dist']}) takes {', '.join(need)}, not {', '.join(sorted(extra))}",
                         file=source, field=f"sweep.{key}")
    out = {"dist": v["dist"]}
    for n in need:
        x = v.get(n)
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or x < 0:
            raise InputError(f"'{key}.{n}' must be a number >= 0, got {x!r}", file=source, field=f"sweep.{key}.{n}")
        out[n] = float(x)
    if (v["dist"] == "uniform" and not out["low"] <= out["high"]) or \
            (v["dist"] == "triangular" and not out["low"] <= out["mode"] <= out["high"]):
        raise InputError(f"'{key}': low <= {'mode <= ' if 'mode' in out else ''}high", file=source,
                         field=f"sweep.{key}")
    return out


def parse_batch(raw, source="batch file", base=None) -> BatchSpec:
    """A :class:`BatchSpec` from the parsed TOML / YAML mapping ``raw`` (folders relative to ``base``)."""
    if not isinstance(raw, dict):
        raise InputError("a batch file holds a table of keys (areas, scenarios, years, sweep)", file=source)
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise InputError(f"unknown key {unknown[0]!r}; use {', '.join(sorted(_TOP_KEYS))}", file=source,
                         field=unknown[0])
    areas = []
    raw_areas = raw.get("areas") or []
    if not isinstance(raw_areas, list):
        raise InputError("'areas' is a list of names, folders or {spec = ..., scale = ...}", file=source,
                         field="areas")
    for a in raw_areas:
        if isinstance(a, str):
            a = {"spec": a}
        if not isinstance(a, dict) or not isinstance(a.get("spec"), str) or set(a) - {"spec", "scale"}:
            raise InputError(f"an area is a name, a folder or {{spec = ..., scale = ...}}, got {a!r}", file=source,
                             field="areas")
        scale = a.get("scale")
        if scale is not None and (a["spec"] != DEMO or isinstance(scale, bool)
                                  or not isinstance(scale, (int, float)) or not 0 < scale <= 4):
            raise InputError(f"scale is the {DEMO} area's size, a number in (0, 4]", file=source, field="areas.scale")
        spec = a["spec"]
        if not _is_builtin(spec):  # one spelling of a folder: "a", "./a" and "/abs/a" are one area
            p = Path(spec) if base is None or Path(spec).is_absolute() else Path(base) / spec
            spec = str(p.resolve())
        area = AreaSpec(spec, None if scale is None else float(scale))
        if area in areas:
            raise InputError(f"the area {a['spec']!r} is listed twice (as {area.spec}"
                             f"{'' if area.scale is None else f' at scale {area.scale:g}'}); list each area once",
                             file=source, field="areas")
        areas.append(area)
    if not areas:
        raise InputError("the batch file needs 'areas' (a list of names or folders)", file=source, field="areas")
    scenarios = _list(raw, "scenarios", source)
    years = tuple(check_year(y) for y in _list(raw, "years", source, kind=int))
    assign = raw.get("assign", DEFAULT_ASSIGN)
    if assign not in ASSIGN_MODES:
        raise InputError(f"assign is {' or '.join(ASSIGN_MODES)} (default {DEFAULT_ASSIGN})", file=source,
                         field="assign")
    sw = raw.get("sweep") or {}
    if not isinstance(sw, dict):
        raise InputError("'sweep' is a table", file=source, field="sweep")
    unknown = sorted(set(sw) - _SWEEP_KEYS)
    if unknown:
        raise InputError(f"unknown sweep key {unknown[0]!r}; use {', '.join(sorted(_SWEEP_KEYS))}", file=source,
                         field=f"sweep.{unknown[0]}")
    draws, seed = sw.get("draws", 0), sw.get("seed", 0)
    for n, v in (("draws", draws), ("seed", seed)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise InputError(f"sweep.{n} is a whole number >= 0", file=source, field=f"sweep.{n}")
    bf, mf = _factor(sw.get("birth_factor"), "birth_factor", source), _factor(sw.get("migration_factor"),
                                                                            "migration_factor", source)
    if draws and bf is None and mf is None:
        raise InputError("sweep.draws needs birth_factor or migration_factor to draw", file=source,
                         field="sweep.draws")
    speeds = _list(sw, "walk_speed", source, kind=float, required=False) or (None,)
    minutes = _list(sw, "minutes", source, kind=float, required=False) or (None,)
    spec = BatchSpec(tuple(areas), scenarios, years, draws, seed, bf, mf, speeds, minutes, assign)
    n = len(areas) * len(scenarios) * len(years) * (draws + 1) * len(speeds) * len(minutes)
    if n > MAX_TASKS:
        raise InputError(f"{n:,} tasks: at most {MAX_TASKS:,} in one batch file", file=source)
    return spec


def _is_builtin(spec: str) -> bool:
    return spec in area_names() or spec in (DEMO, "helsinki-osm")


def _fingerprint(a: AreaSpec) -> AreaSpec:
    """``a`` loaded here, in the client, and given the hash of its content (an edited folder, another
    demo scale or generator re-runs its tasks).

    Loading checks the area before any task runs: a missing or corrupt area is an
    :class:`~layers.errors.InputError` naming it (exit 2), not a task failing on every worker.
    """
    if not _is_builtin(a.spec) and not Path(a.spec).is_dir():
        raise InputError("no such study area (a built-in name or a study-area folder)", file=a.spec, field="areas")
    try:
        area = _load(a)
    except InputError as e:
        raise InputError(f"study area {a.label}: {e.reason}", file=e.file or a.spec, row=e.row,
                         field=e.field or "areas") from None
    if _is_builtin(a.spec):
        built = area.cache.get("cache_key")  # what the cached area was built from (gis.cache)
        content = {"spec": a.spec, "built": built if built is not None else
                   {"scale": a.scale, "env_scale": os.environ.get("HEDONG_DEMO_SCALE", "")}}
        load_scale = a.scale if a.scale is not None else (built or {}).get("scale")
    else:
        content = folder_cache_key(Path(a.spec))
        load_scale = None
    fp = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:24]
    out = AreaSpec(a.spec, a.scale, fp, load_scale if a.spec == DEMO else None)
    _AREAS[(out.spec, out.scale, out.fingerprint)] = area
    return out


def _load(a: AreaSpec):
    """Load ``a`` (the demo at its scale, or at the scale the client loaded it)."""
    scale = a.scale if a.scale is not None else a.load_scale
    return areas.load_area(a.spec, scale=scale) if scale is not None else areas.load_area(a.spec)


# ---------------------------------------------------------------- tasks and draws

def _draw(rng, f) -> float:
    if f is None:
        return 1.0
    if f["dist"] == "uniform":
        return float(rng.uniform(f["low"], f["high"]))
    if f["dist"] == "triangular":
        return float(rng.triangular(f["low"], f["mode"], f["high"])) if f["low"] < f["high"] else f["low"]
    # a normal factor is cut at zero (a negative number of births means nothing)
    return float(max(rng.normal(f["mean"], f["sd"]), 0.0))


def draw_factors(spec: BatchSpec, draw: int) -> tuple[float, float]:
    """(birth factor, migration factor) of ``draw``; draw 0 is (1, 1), the unchanged projection.

    Common random numbers: the factors depend only on the seed and the draw number."""
    if draw == 0:
        return 1.0, 1.0
    rng = np.random.default_rng([spec.seed, draw])
    b = _draw(rng, spec.birth_factor)
    m = _draw(rng, spec.migration_factor)
    return b, m


def expand_tasks(spec: BatchSpec) -> list[Task]:
    """Every combination of ``spec`` as a :class:`Task`, draw 0 first.

    Each area is loaded here (checked before any task runs) and keyed by its content; each scenario
    is resolved in each area (an unknown one is refused now) and keyed by its content
    (:meth:`scenarios.model.Scenario.fingerprint`). The same area listed twice — the demo at the scale
    it already has, a folder by two spellings — is refused (its rows would count twice).

    Raises
    ------
    layers.errors.InputError
        A missing or corrupt area, an area listed twice, an unknown scenario.
    """
    areas = []
    for a in spec.areas:
        f = _fingerprint(a)
        twin = next((x for x in areas if x.fingerprint == f.fingerprint), None)
        if twin is not None:
            raise InputError(f"the area {f.label!r} is the same study area as {twin.label!r}, listed twice; list "
                             f"each area once", field="areas")
        areas.append(f)
    fps = {}
    for a in areas:
        for s in spec.scenarios:
            fps[a.fingerprint, s] = resolve_scenario(area_for(a), s).fingerprint()
    factors = [draw_factors(spec, k) for k in range(spec.draws + 1)]
    first = (spec.walk_speeds[0], spec.minutes[0])
    return [Task(a, s, y, k, b, m, v, mi, spec.assign, indicators=k == 0 and (v, mi) == first,
                 scenario_fp=fps[a.fingerprint, s])
            for a in areas for s in spec.scenarios for y in spec.years for v in spec.walk_speeds
            for mi in spec.minutes for k, (b, m) in enumerate(factors)]


def area_for(a: AreaSpec):
    """The study area of ``a``, loaded once per process (the demo at its scale; folders via the
    content-hash folder cache, :func:`gis.folder.load_folder_cached`)."""
    key = (a.spec, a.scale, a.fingerprint)
    area = _AREAS.get(key)
    if area is None:
        area = _AREAS[key] = _load(a)
    return area


def draw_area(area, birth_factor: float, migration_factor: float):
    """``area`` with births × ``birth_factor`` and each district's yearly net migration of
    children × ``migration_factor`` (``area`` itself for (1, 1)). The copy has no compute context
    of its own: it is only used for the enrolment projection."""
    if birth_factor == 1.0 and migration_factor == 1.0:
        return area
    changes = {}
    if area.births is not None and birth_factor != 1.0:
        changes["births"] = area.births.assign(births=area.births["births"].astype(float) * birth_factor)
    if migration_factor != 1.0:
        fac = district_factors(area)
        d = area.districts.copy()
        d["net_migration"] = fac["migration"].to_numpy() * migration_factor
        if "growth_rate" in d.columns:  # the growth-rate projection reads it (areas without births)
            d["growth_rate"] = pd.to_numeric(d["growth_rate"], errors="coerce").fillna(0.0) * migration_factor
        changes["districts"] = d
    # validate=False: the layers are the area's own, checked on load; only numbers were scaled.
    return area.replace(validate=False, **changes) if changes else area


def _scenario_layer(area, a: AreaSpec, scenario: str, year: int, fingerprint: str = ""):
    """The scenario and its facility layer in ``year``, kept per process (every draw shares them) and
    keyed by the scenario's content: an edited stored scenario is never served from before the edit."""
    key = (a.spec, a.scale, a.fingerprint, scenario, fingerprint, year)
    hit = _LAYERS.get(key)
    if hit is None:
        scn = resolve_scenario(area, scenario)
        if fingerprint and scn.fingerprint() != fingerprint:
            # the record would carry a key naming content it was not computed from
            raise RuntimeError(f"scenario {scenario!r} changed since the batch started; run the batch again")
        hit = _LAYERS[key] = (scn, facilities_for(area, scn, year))
        while len(_LAYERS) > 64:
            _LAYERS.pop(next(iter(_LAYERS)))
    return hit


def _num(v):
    """A JSON-able float (None for NaN / missing)."""
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def run_task(task: Task) -> dict:
    """Evaluate one task in this process and return its record (JSON-able).

    ``rows``: one per district (and ``(outside districts)`` where the evaluation has it) and level;
    ``services``: draw 0 only, the population share within reach of each service."""
    t0 = time.perf_counter()
    area = area_for(task.area)
    drawn = draw_area(area, task.birth_factor, task.migration_factor)
    scn, fac = _scenario_layer(area, task.area, task.scenario, task.year, task.scenario_fp)
    area = scenario_area(area, scn, task.year)  # the scenario's streets in the year (scenarios.streets)
    ev = Evaluator.for_area(area)
    mode = default_mode(drawn)
    v0 = SPEEDS["walk"].m_per_s * 60.0
    stretch = 1.0 if task.walk_speed is None else task.walk_speed / v0  # limit at v == limit * v / v0 at v0
    rows = []
    for lv in LEVELS:
        limit = task.minutes if task.minutes is not None else SERVICES[lv].minutes
        dem = children(drawn, lv, task.year, mode=mode)
        r = ev.evaluate_level(fac, lv, task.year, limit * stretch if task.walk_speed is not None else task.minutes,
                              demand=dem, assign=task.assign, demand_mode=mode)
        for d in r.by_district.to_dict(orient="records"):
            med = _num(d.get("median_minutes"))
            rows.append({"level": lv, "district_id": str(d["district_id"]), "district": str(d["district"]),
                         "enrolment": int(d["enrolment"]), "seats": int(d["seats"]), "balance": int(d["balance"]),
                         "seats_short": max(0, -int(d["balance"])), "utilisation": _num(d.get("utilisation")),
                         "demand_ratio": _num(d.get("demand_ratio")),
                         "classes": int(d["classes"]), "assigned": int(d["assigned"]),
                         "unserved": int(d["unserved"]), "coverage": _num(d.get("coverage")),
                         "median_minutes": None if med is None else med / stretch, "limit_minutes": float(limit)})
    services = []
    if task.draw == 0:
        for k in SERVICES:
            limit = task.minutes if task.minutes is not None else SERVICES[k].minutes
            # the speed sweep is the walking speed; elderly walking keeps its own norm speed
            c = service_coverage(area, k, limit * (stretch if SERVICES[k].mode == "walk" else 1.0), None, fac)
            services.append({"service": k, "limit_minutes": float(limit), "population_share": _num(c.population_share),
                             "population_covered": _num(c.population_covered), "facilities": int(c.n_facilities)})
    indicators = []
    if task.indicators:
        # The plan's indicator table for this scenario's layer in this year, at the norms (its walking
        # measures use each service's own minutes and speed, whatever the task's sweep), so one task
        # per area × scenario × year computes it: the table `hedong indicators` prints, one row per
        # indicator and place.
        # the year's own children in the denominators (the seat-planning projection); adults at the base year
        frame = indicator_frame(indicator_table(area, fac, year=task.year, cohorts=projected_cohorts(area, task.year)),
                                "en")
        indicators = json.loads(frame.to_json(orient="records", force_ascii=False, double_precision=15))
    return {"key": task.key, "version": RECORD_VERSION, "task": _task_dict(task), "demand_mode": mode,
            "scenario_name": scn.name, "rows": rows, "services": services, "indicators": indicators,
            "seconds": round(time.perf_counter() - t0, 4)}


def _task_dict(t: Task) -> dict:
    return {"area": t.area.label, "area_spec": t.area.spec, "scale": t.area.scale, "scenario": t.scenario,
            "year": t.year, "draw": t.draw, "birth_factor": t.birth_factor, "migration_factor": t.migration_factor,
            "walk_speed": t.walk_speed, "minutes": t.minutes, "assign": t.assign, "indicators": t.indicators}


# ---------------------------------------------------------------- records on disk

def record_path(out_dir, key: str) -> Path:
    """Where the record of the task ``key`` lives under the output folder."""
    return Path(out_dir) / "tasks" / f"{key}.json"


def write_record(out_dir, record: dict) -> Path:
    """Write ``record`` atomically (a reader sees the whole file or none)."""
    p = record_path(out_dir, record["key"])
    p.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(p, json.dumps(record, ensure_ascii=False))


def read_record(out_dir, key: str) -> dict | None:
    """The finished record of ``key``, or None (missing or unreadable counts as not finished)."""
    try:
        r = json.loads(record_path(out_dir, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return r if isinstance(r, dict) and r.get("key") == key and r.get("version") == RECORD_VERSION else None


def finished_keys(out_dir, tasks) -> set[str]:
    """Keys of ``tasks`` whose record is already on disk (a re-run skips them)."""
    return {t.key for t in tasks if read_record(out_dir, t.key) is not None}


def write_districts(out_dir, a: AreaSpec) -> Path:
    """The district polygons of ``a`` (EPSG:4326) under ``out/areas/``, written once per area."""
    p = Path(out_dir) / "areas" / f"{a.fingerprint.replace(':', '_').replace('/', '_')}.parquet"
    if not p.is_file():
        p.parent.mkdir(parents=True, exist_ok=True)
        d = area_for(a).districts[["district_id", "geometry"]].to_crs("EPSG:4326")
        write_parquet_atomic(d.assign(district_id=d["district_id"].astype(str)), p)
    return p


# ---------------------------------------------------------------- merge and summary

ROW_KEYS = ["area", "scenario", "year", "draw", "birth_factor", "migration_factor", "walk_speed", "minutes"]


def merge_records(records: list[dict], districts: dict | None = None) -> gpd.GeoDataFrame:
    """One row per area × scenario × year × draw × (speed, minutes) × district × level, sorted;
    ``geometry`` the district polygon (EPSG:4326) from ``districts`` (area label -> GeoDataFrame)."""
    rows = [{**{k: r["task"][k] for k in ROW_KEYS}, "demand_mode": r["demand_mode"], **row, "task": r["key"]}
            for r in records for row in r["rows"]]
    df = pd.DataFrame(rows)
    if not len(df):
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    df = df.sort_values(["area", "scenario", "year", "walk_speed", "minutes", "draw", "level", "district_id"],
                        kind="stable", na_position="first").reset_index(drop=True)
    geom = gpd.GeoSeries([None] * len(df), crs="EPSG:4326")
    for label, d in (districts or {}).items():
        g = dict(zip(d["district_id"].astype(str), d.geometry))
        sel = (df["area"] == label).to_numpy()
        geom[sel] = [g.get(k) for k in df.loc[sel, "district_id"]]
    return gpd.GeoDataFrame(df, geometry=geom.values, crs="EPSG:4326")


def services_table(records: list[dict]) -> pd.DataFrame:
    """The draw-0 service coverage of every record: one row per area × scenario × year × (speed, minutes) × service."""
    rows = [{**{k: r["task"][k] for k in ROW_KEYS if k not in ("draw", "birth_factor", "migration_factor")}, **s}
            for r in records for s in r.get("services", [])]
    return pd.DataFrame(rows)


def indicators_table(records: list[dict]) -> pd.DataFrame:
    """The plan's indicator table of every area × scenario × year (from its draw-0 records): one row
    per indicator and place (``area`` then each subdistrict), as :func:`accessibility.indicators.indicator_frame`.

    The table is computed at the norms, by one task per area × scenario × year (:func:`expand_tasks`)."""
    keys = ["area", "scenario", "year"]
    rows = [{**{k: r["task"][k] for k in keys}, **row} for r in records for row in r.get("indicators", [])]
    df = pd.DataFrame(rows)
    if not len(df):
        return df
    return df


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Per area, scenario, year (and speed / minutes): seats short summed over districts and levels,
    over the draws — ``draws``, ``base`` (draw 0), ``mean``, ``p5``, ``p95`` (of draws 1.., or of draw 0
    alone when there are none)."""
    if not len(table):
        return pd.DataFrame()
    keys = ["area", "scenario", "year", "walk_speed", "minutes"]
    per = (table.groupby([*keys, "draw"], dropna=False)["seats_short"].sum().reset_index())
    out = []
    for k, g in per.groupby(keys, dropna=False, sort=True):
        base = g.loc[g["draw"] == 0, "seats_short"]
        v = g.loc[g["draw"] > 0, "seats_short"].to_numpy(float)
        v = v if len(v) else base.to_numpy(float)
        out.append({**dict(zip(keys, k)), "draws": int((g["draw"] > 0).sum()),
                    "base": int(base.iloc[0]) if len(base) else None, "mean": float(v.mean()),
                    "p5": float(np.percentile(v, 5)), "p95": float(np.percentile(v, 95))})
    return pd.DataFrame(out)
