"""No cache keyed on an object's ``id()``: derived results live on the area's compute context.

An ``id()`` is reused as soon as its object dies, so a cache keyed on it either keeps its objects
alive (the old map-layer cache held up to 64 areas and their contexts) or hands out another
object's result. Caches belong on :meth:`accessibility.context.ComputeContext.memo`, keyed by
content. The scan reads code tokens only: ``id(`` in a comment or a docstring is not a use.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PENDING: set[str] = set()  # nothing pending: the app's id(scenario) memo is gone (webapp.state.scenario_key)


def id_calls(source: str) -> list[int]:
    """Lines where the builtin ``id`` is called (not ``x.id(``, not ``def id(``), in code tokens only."""
    toks = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)]
    out = []
    for k, tok in enumerate(toks[:-1]):
        if tok.type == tokenize.NAME and tok.string == "id" and toks[k + 1].string == "(":
            prev = toks[k - 1].string if k else ""
            if prev not in (".", "def"):
                out.append(tok.start[0])
    return out


def project_files() -> list[Path]:
    """Every .py file of the project outside tests/ (and outside hidden and build folders)."""
    skip = {"tests", "build", "dist", "node_modules", "__pycache__"}
    return sorted(p for p in ROOT.rglob("*.py")
                  if not any(part in skip or part.startswith(".") for part in p.relative_to(ROOT).parts[:-1]))


def test_the_scan_finds_an_id_key_and_ignores_words():
    src = ('"""keyed on id(area) in a docstring"""\n'
           "# a comment: id(x)\n"
           "row.id(3)\n"
           "CACHE[(id(area), kind)] = value\n")
    assert id_calls(src) == [4]


def test_no_cache_is_keyed_on_id():
    files = project_files()
    assert len(files) > 50 and any(p.name == "webmap.py" for p in files)  # the scan sees the project
    found = {str(p.relative_to(ROOT)): id_calls(p.read_text(encoding="utf-8")) for p in files}
    bad = {f: lines for f, lines in found.items() if lines and f not in PENDING}
    assert not bad, f"id() used as a key (use ComputeContext.memo, keyed by content): {bad}"
