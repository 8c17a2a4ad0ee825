"""Imports sit at module top (issue 9): a function-level import hides the dependency graph from
lint-imports and lets a test patch a name that exists only at call time. A heavy optional dependency
may keep one lazy, with a comment on that line or the line above giving the reason: the comment must
name it with a reason word (``lazy``, ``heavy``, ``optional``), e.g. ``# lazy: osmnx takes ~1.7 s to
import``. Any ``#`` no longer passes (a code comment above the import is not a reason), and an
import cycle is no reason: tests/test_import_cycles.py refuses cycles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("layers", "gis", "accessibility", "scenarios", "presentation", "demo", "hedong", "webapp")
#: A reason for a lazy import: a comment naming one of these words, then saying why.
REASON = re.compile(r"#.*\b(lazy|heavy|optional)\b", re.IGNORECASE)


def project_files() -> list[Path]:
    files = [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]
    return files + [ROOT / "app.py"]


def _comment_above(lines: list[str], n: int) -> str:
    """The block of comment lines directly above line ``n`` (1-based), joined."""
    block, i = [], n - 2
    while i >= 0 and lines[i].strip().startswith("#"):
        block.append(lines[i])
        i -= 1
    return " ".join(reversed(block))


#: Function-level imports without a reason in files other helpers are splitting in this round
#: (issue 22: app.py -> webapp/, scenarios/optimize.py -> scenarios/locate/; accessibility/network.py
#: keeps its context<->network cycle until its helper's branch lands). Removed at merge: those
#: branches give them a reason or hoist them.
PENDING_AT_MERGE: dict[str, int] = {}


def uncommented_function_imports(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line: statement`` of each import inside a function whose line and the line above carry no
    reason comment (:data:`REASON`)."""
    src = path.read_text(encoding="utf-8")
    lines = src.splitlines()
    found = []

    def walk(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, (ast.Import, ast.ImportFrom)):
                n = child.lineno
                if not REASON.search(lines[n - 1]) and not REASON.search(_comment_above(lines, n)):
                    found.append(f"{path.relative_to(root)}:{n}: {lines[n - 1].strip()}")
            walk(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    walk(ast.parse(src, filename=str(path)), False)
    return found


def test_the_scan_sees_every_package():
    files = project_files()
    for pkg in PACKAGES:
        assert any(p.parts[len(ROOT.parts)] == pkg for p in files), pkg
    assert (ROOT / "app.py").is_file()


def test_scan_flags_an_uncommented_import_and_spares_a_commented_one(tmp_path):
    f = tmp_path / "mod.py"
    f.write_text("import os\n\n"
                 "def a():\n    import json\n    return json\n\n"
                 "def b():\n    import csv  # lazy: a reason\n    return csv\n\n"
                 "def c():\n    # lazy: a reason\n    from io import StringIO\n    return StringIO\n\n"
                 "class K:\n    def m(self):\n        if True:\n            import re\n        return re\n\n"
                 "def d():\n    # the shared reader, rows refused\n    import csv\n    return csv\n\n"
                 "def e():\n    import csv  # noqa: PLC0415\n    return csv\n",
                 encoding="utf-8")
    assert uncommented_function_imports(f, tmp_path) == ["mod.py:4: import json", "mod.py:19: import re",
                                                         "mod.py:24: import csv", "mod.py:28: import csv  # noqa: PLC0415"]


def test_no_uncommented_function_level_import():
    bad = []
    for path in project_files():
        hits = uncommented_function_imports(path)
        if len(hits) > PENDING_AT_MERGE.get(path.relative_to(ROOT).as_posix(), 0):
            bad += hits
    assert not bad, ("imports inside functions without a comment saying why they are lazy "
                     "(hoist them to the module top, or comment: '# lazy: <reason>'):\n" + "\n".join(bad))
