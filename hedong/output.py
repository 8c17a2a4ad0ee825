"""Shared output helpers for CLI commands: stable JSON and plain tables."""

from __future__ import annotations

import json
import math
import sys

import numpy as np


def _clean(obj):
    """Make numpy / pandas scalars JSON-safe; NaN/inf become null (JSON has no NaN)."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return None if not math.isfinite(f) else f
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    return obj


def dumps(obj) -> str:
    """JSON text of ``obj`` (UTF-8, Chinese kept readable, key order as built)."""
    return json.dumps(_clean(obj), ensure_ascii=False, indent=2)


def print_json(obj) -> None:
    """Write ``obj`` as JSON to stdout."""
    sys.stdout.write(dumps(obj) + "\n")


def table(rows: list[dict], columns: list[str] | None = None) -> str:
    """A plain fixed-width text table of ``rows`` (list of dicts)."""
    if not rows:
        return "(none)"
    columns = columns or list(rows[0])

    def fmt(v, col=""):
        if col == "year" or col.endswith("_year"):  # a year is a label: 2025, never 2,025
            return "" if v is None or v != v else str(int(v))
        if isinstance(v, float) and col.split("_")[0] in ("lon", "lat"):  # degrees: 6 decimals is ~0.1 m
            return f"{v:.6f}"
        if isinstance(v, float):
            return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}"
        if isinstance(v, (int, np.integer)):
            return f"{int(v):,}"
        return str(v)

    cells = [[fmt(r.get(c, ""), str(c)) for c in columns] for r in rows]

    def width(s):  # CJK characters take two columns in a terminal
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)

    widths = [max(width(c), *(width(row[i]) for row in cells)) for i, c in enumerate(columns)]

    def line(vals):
        return "  ".join(v + " " * (w - width(v)) for v, w in zip(vals, widths)).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)
