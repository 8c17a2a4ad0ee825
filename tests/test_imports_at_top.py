"""Imports sit at module top (issue 9): a function-level import hides the dependency graph from
lint-imports and lets a test patch a name that exists only at call time. A heavy optional dependency
or an import cycle may keep one lazy, with a comment on that line or the line above saying why."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("layers", "gis", "accessibility", "scenarios", "presentation", "demo", "hedong", "webapp")


def project_files() -> list[Path]:
    files = [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]
    return files + [ROOT / "app.py"]


def uncommented_function_imports(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line: statement`` of each import inside a function whose line and the line above carry no ``#``."""
    src = path.read_text(encoding="utf-8")
    lines = src.splitlines()
    found = []

    def walk(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, (ast.Import, ast.ImportFrom)):
                n = child.lineno
                if "#" not in lines[n - 1] and (n < 2 or "#" not in lines[n - 2]):
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
                 "class K:\n    def m(self):\n        if True:\n            import re\n        return re\n",
                 encoding="utf-8")
    assert uncommented_function_imports(f, tmp_path) == ["mod.py:4: import json", "mod.py:19: import re"]


def test_no_uncommented_function_level_import():
    bad = [hit for path in project_files() for hit in uncommented_function_imports(path)]
    assert not bad, ("imports inside functions without a comment saying why they are lazy "
                     "(hoist them to the module top, or comment: '# lazy: <reason>'):\n" + "\n".join(bad))
