"""The app's rooms (issue 22, item 5): ``app.py`` stays the thin entry ``streamlit run`` starts (page
set-up, sidebar, routing), its pages, widgets and cache wrappers live in ``webapp/``, no file there grows
past the project's ~800-line limit, and no cache in them is keyed on an object's ``id()`` (item 3)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_FILES = [ROOT / "app.py", *sorted((ROOT / "webapp").glob("*.py"))]


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_app_py_is_thin():
    assert _lines(ROOT / "app.py") < 300


def test_no_webapp_module_over_800_lines():
    files = sorted((ROOT / "webapp").glob("*.py"))
    assert len(files) > 5  # the scan sees the package
    big = {f.name: _lines(f) for f in files if _lines(f) > 800}
    assert not big, big


def id_calls(path: Path) -> list[int]:
    """Lines of ``path`` that call the builtin ``id()`` (an object's address: reused once it is freed)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.lineno for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "id"]


def test_the_scan_finds_an_id_call(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("memo = {}\n\ndef key(x):\n    return memo.setdefault(id(x), x)\n", encoding="utf-8")
    assert id_calls(f) == [4]


def test_no_id_keyed_cache_in_the_app():
    hits = {f.name: id_calls(f) for f in APP_FILES if id_calls(f)}
    assert not hits, hits
