"""Shared output helpers for CLI commands: stable JSON and plain tables."""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import numpy as np

from gis.folder import is_study_area_file
from layers.errors import InputError

# Terminal control sequences: CSI (colours, cursor moves), OSC (window titles, OSC 52 clipboard
# writes) and other ESC sequences, then any C0 / C1 control left except tab, newline and CR.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?|\x9b[0-?]*[ -/]*[@-~]"
                      r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """``text`` without terminal escape sequences (ANSI colours, OSC 52 clipboard writes ...) or
    other control characters: a district or facility name must not drive the planner's terminal."""
    return _ESCAPES.sub("", text)


class SafeStream:
    """A text stream whose ``write`` passes through :func:`strip_controls` (the CLI wraps stdout and
    stderr in it, so every line any command prints is clean; JSON escapes controls anyway)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        return self._stream.write(strip_controls(text))

    def __getattr__(self, name):
        return getattr(self._stream, name)


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


#: What a table or line shows for no value (None, NaN, infinity): "nan" / "inf" read as numbers.
NO_VALUE = "—"


def has_value(v) -> bool:
    """False for None and for a NaN or infinite number (a service with no facilities has no median)."""
    if v is None:
        return False
    if isinstance(v, (float, np.floating)):
        return math.isfinite(float(v))
    return True


def table(rows: list[dict], columns: list[str] | None = None) -> str:
    """A plain fixed-width text table of ``rows`` (list of dicts); :data:`NO_VALUE` where a cell has none."""
    if not rows:
        return "(none)"
    columns = columns or list(rows[0])

    def fmt(v, col=""):
        if not has_value(v):
            return NO_VALUE
        if col == "year" or col.endswith("_year"):  # a year is a label: 2025, never 2,025
            return str(int(v))
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


def add_output_flags(p, append: bool = True) -> None:
    """``--overwrite`` (and ``--append-layer`` for GeoPackage outputs) of a command that writes files."""
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    if append:
        p.add_argument("--append-layer", action="store_true",
                       help="add the layer to an existing GeoPackage, keeping its other layers (as QGIS does)")


def check_out_file(path, args, field: str, suffixes=(".gpkg",)) -> Path:
    """Refuse an output file before any work is done (exit 2 naming ``field``); returns it as a Path.

    Refused: a wrong suffix (a ``.shp`` name would get GeoPackage bytes), a folder, a missing
    parent folder, any file of a study-area folder (even with ``--overwrite``) and an existing
    file unless ``--overwrite`` or, for a GeoPackage, ``--append-layer`` is given.
    """
    p = Path(path)
    if p.suffix.lower() not in suffixes:
        raise InputError(f"the output must be a {' or '.join(suffixes)} file", file=p, field=field)
    if p.is_dir():
        raise InputError("the output is a folder; give a file name", file=p, field=field)
    if not p.parent.is_dir():
        raise InputError("the output folder does not exist", file=p.parent, field=field)
    if is_study_area_file(p):
        raise InputError("this is a file of a study-area folder and is never replaced; choose another file",
                         file=p, field=field)
    appending = getattr(args, "append_layer", False) and p.suffix.lower() == ".gpkg"
    if p.exists() and not (getattr(args, "overwrite", False) or appending):
        raise InputError("the file exists; add --overwrite to replace it"
                         + (" or --append-layer to add the layer to it" if p.suffix.lower() == ".gpkg" else ""),
                         file=p, field=field)
    return p


def gpkg_write_options(args) -> dict:
    """Keyword arguments of :func:`gis.io.write_gpkg_atomic` for the output flags in ``args``."""
    return {"append": bool(getattr(args, "append_layer", False)),
            "replace_layers": bool(getattr(args, "overwrite", False))}
