"""`hedong app`: the README's way to start the web app — the app's modules first, then Streamlit's server."""

from __future__ import annotations

import os
import sys

import pytest

from hedong import cmd_app
from scenario_helpers import run_cli


def test_app_modules_are_read_from_the_script():
    mods = cmd_app.app_modules()
    assert "accessibility.coverage" in mods and "presentation.webmap" in mods and "streamlit" in mods
    assert "__future__" not in mods and len(mods) == len(set(mods))


def test_run_imports_the_app_then_starts_streamlit_on_the_port(monkeypatch, capsys):
    """The server is started last, as ``streamlit run app.py`` from the project folder with the port and
    address given, and the app's own modules are imported by then (Streamlit's are left to the server)."""
    import streamlit.web.cli as stcli

    seen = {}

    def fake_main():
        seen["argv"], seen["cwd"] = list(sys.argv), os.getcwd()
        seen["loaded"] = all(m in sys.modules for m in cmd_app.app_modules() if not m.startswith("streamlit"))
        return 0

    monkeypatch.setattr(stcli, "main", fake_main)
    monkeypatch.setattr(sys, "argv", ["hedong"])
    monkeypatch.chdir(os.path.dirname(os.path.abspath(__file__)))
    rc, _, err = run_cli(["app", "--port", "8601", "--address", "127.0.0.1", "--", "--server.headless", "true"],
                         capsys)
    assert rc == 0, err
    assert seen["argv"] == ["streamlit", "run", str(cmd_app.APP), "--server.port", "8601",
                            "--server.address", "127.0.0.1", "--server.headless", "true"]
    assert seen["cwd"] == str(cmd_app.APP.parent) and seen["loaded"]


def test_without_the_app_script_it_says_what_to_do(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(cmd_app, "APP", tmp_path / "app.py")
    rc, _, err = run_cli(["app"], capsys)
    assert rc == 2 and "streamlit run app.py" in err and "Traceback" not in err


@pytest.mark.parametrize("flag", ["--help"])
def test_help_names_the_safe_default(flag, capsys):
    rc, out, _ = run_cli(["app", flag], capsys)
    assert rc == 0 and "localhost" in out and "--port" in out
