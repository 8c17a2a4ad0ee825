"""The folder a publication lives in: whether it is ours to republish, which files it wrote, and the
checks before writing into it.

Split from :mod:`presentation.publish` (which re-exports these names): the rules here decide what a
new publication may replace — only files an earlier publication of ours wrote, never a planner's own
notes or photos beside them — and stay the same whatever maps are drawn.
"""

from __future__ import annotations

import html as _html
import json
import re
import shutil
import time
from pathlib import Path

from layers.errors import InputError
from presentation import styles
from presentation.i18n import CATALOGUE

__all__ = ["GENERATOR_META", "MANIFEST_META", "is_publication", "published_files", "check_out_dir"]

#: Written into every ``index.html`` we publish: a folder whose index carries it may be republished.
GENERATOR_META = '<meta name="generator" content="hedong-planner">'
#: Index titles of publications made before the marker existed (also ours to republish).
_LEGACY_TITLES = tuple(f"<title>{e}" for e in CATALOGUE["page.index_title"].values())
#: Name of the manifest meta tag in ``index.html``: the files this publication wrote (JSON list).
MANIFEST_META = "hedong-files"
#: Names this module writes; without a manifest (an older publication) only these are replaced.
_OUR_NAMES = re.compile(r"(index|life-circle|coverage-[\w-]+|seats-(?:[\w-]+-)?\d{4})(?:\.(?:zh|en))?\.html"
                        r"|data/[\w.-]+\.(?:js|css)")
#: Prefix of the temp folder a publication is written into, inside the target folder.
_TMP_PREFIX = ".hedong-publish.tmp-"


def _manifest_meta(files) -> str:
    names = ["index.html", *(f["file"] for f in files if f["file"] != "index.html")]
    return f'<meta name="{MANIFEST_META}" content="{styles.esc(json.dumps(names))}">'


def _head(folder) -> str:
    index = Path(folder) / "index.html"
    if not index.is_file():
        return ""
    with index.open("r", encoding="utf-8", errors="replace") as f:
        return f.read(16384)


def is_publication(folder) -> bool:
    """True when ``folder`` holds an earlier publication of ours (its ``index.html`` has our marker)."""
    head = _head(folder)
    return GENERATOR_META in head or any(t_ in head for t_ in _LEGACY_TITLES)


def published_files(folder) -> list[str]:
    """The files an earlier publication in ``folder`` wrote: its manifest, or for a publication
    older than the manifest the files named as this module names them. Nothing else is ours."""
    head = _head(folder)
    m = re.search(rf'<meta name="{MANIFEST_META}" content="([^"]*)">', head)
    if m:
        try:
            names = json.loads(_html.unescape(m.group(1)))
        except ValueError:
            names = []
        return [n for n in names if isinstance(n, str) and _OUR_NAMES.fullmatch(n)]
    folder = Path(folder)
    return sorted(p.name for p in folder.iterdir() if p.is_file() and _OUR_NAMES.fullmatch(p.name)) \
        if is_publication(folder) else []


def check_out_dir(out_dir, field: str = "out_dir") -> Path:
    """Refuse an output folder that publishing would spoil; returns it as a Path.

    Publishing writes into a folder that does not exist, an empty one, or an earlier publication
    (:func:`is_publication`) — there it replaces only the files the earlier publication wrote
    (:func:`published_files`) and keeps everything else a planner added (notes, photos). A folder
    holding other work and no publication is refused.

    Raises
    ------
    layers.errors.InputError
        When ``out_dir`` is a file, or a folder holding anything but an earlier publication.
    """
    p = Path(out_dir)
    if p.exists() and not p.is_dir():
        raise InputError("the output path exists and is not a folder; choose a folder for the maps", file=p,
                         field=field)
    if p.is_dir() and any(not c.name.startswith(_TMP_PREFIX) for c in p.iterdir()) and not is_publication(p):
        raise InputError("the folder holds other files and no earlier publication; choose an empty or new folder "
                         "(or an earlier publication)", file=p, field=field)
    return p


def _clean_stale_tmp(folder: Path, max_age_s: float = 3600.0) -> None:
    """Remove temp folders a killed publication left (older than an hour: never one in progress)."""
    now = time.time()
    for c in folder.iterdir():
        if c.name.startswith(_TMP_PREFIX) and c.is_dir():
            try:
                if now - c.stat().st_mtime > max_age_s:
                    shutil.rmtree(c, ignore_errors=True)
            except OSError:
                pass


