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
    monkeypatch.setattr(cmd_app, "prepare", lambda: None)  # the warm-up's own tests are below
    monkeypatch.setattr(cmd_app, "warm_up", lambda url: True)
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


def _started_threads(monkeypatch, capsys, argv):
    """Run ``hedong app ARGV`` with the server stubbed out; return what the warm-up threads were given."""
    import streamlit.web.cli as stcli

    seen = {"prepare": 0, "warm_up": []}
    monkeypatch.setattr(stcli, "main", lambda: 0)
    monkeypatch.setattr(cmd_app, "prepare", lambda: seen.__setitem__("prepare", seen["prepare"] + 1))
    monkeypatch.setattr(cmd_app, "warm_up", lambda url: seen["warm_up"].append(url) or True)
    monkeypatch.setattr(sys, "argv", ["hedong"])
    rc, out, err = run_cli(["app", *argv], capsys)
    assert rc == 0, err
    import threading

    for t in threading.enumerate():
        if t.name.startswith("hedong-"):
            t.join(10)
    return seen, out + capsys.readouterr().out


def test_the_first_page_is_prepared_on_the_servers_own_address(monkeypatch, capsys):
    seen, out = _started_threads(monkeypatch, capsys, ["--port", "8602", "--address", "127.0.0.1"])
    assert seen == {"prepare": 1, "warm_up": ["http://127.0.0.1:8602"]}
    assert "first page is ready" in out
    # Streamlit's own options win, as in Streamlit; a server on every interface is reached locally
    seen, _ = _started_threads(monkeypatch, capsys, ["--address", "0.0.0.0", "--", "--server.port", "8603"])
    assert seen["warm_up"] == ["http://127.0.0.1:8603"]


def test_no_warm_up_leaves_the_first_page_to_the_first_visitor(monkeypatch, capsys):
    seen, _ = _started_threads(monkeypatch, capsys, ["--no-warm-up"])
    assert seen == {"prepare": 0, "warm_up": []}


def test_the_local_url():
    assert cmd_app._local_url(None, 8501) == "http://localhost:8501"
    assert cmd_app._local_url("::", 8501) == "http://[::1]:8501"
    assert cmd_app._local_url("0.0.0.0", 8501) == "http://127.0.0.1:8501"
    assert cmd_app._local_url("::1", 80) == "http://[::1]:80"
    assert cmd_app._local_url("localhost", 1, ["--server.address", "10.0.0.5"]) == "http://10.0.0.5:1"
    assert cmd_app._local_url(None, 1, ["--server.port=9000", "--server.address=0.0.0.0"]) == "http://127.0.0.1:9000"


def test_a_warm_up_with_no_server_gives_up_quietly():
    """Nothing listening: False within the wait, no exception (the app then computes the page for its first
    visitor, as without the warm-up)."""
    from scenario_helpers import free_port

    assert cmd_app.warm_up(f"http://127.0.0.1:{free_port()}", wait=0.5) is False


def test_prepare_loads_the_area_the_app_opens_on(monkeypatch, small_demo):
    """The area the app's ``get_area`` will ask for, loaded into the process's copy, homes snapped."""
    import gis.areas
    from accessibility.context import ComputeContext

    asked = []
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec: asked.append(spec) or small_demo)
    monkeypatch.setenv("HEDONG_AREA", "helsinki-osm")
    cmd_app.prepare()
    assert asked == ["helsinki-osm"]
    assert "walk" in ComputeContext.for_area(small_demo)._cells
    memo = ComputeContext.for_area(small_demo)._memo
    assert all(("map.static", k, "wgs84", "zh") in memo for k in ("density", "districts", "boundary"))
    monkeypatch.delenv("HEDONG_AREA")
    cmd_app.prepare()
    assert asked[-1] == "yuncheng-demo"


def test_the_first_runs_imports_are_done_before_the_server_starts(monkeypatch, capsys):
    """What the first script run would import (and may import before the server) is imported by then, and
    Streamlit's look for a Python prompt is spared."""
    import importlib

    import streamlit.delta_generator as dg

    imported, real = [], importlib.import_module
    monkeypatch.setattr(importlib, "import_module", lambda name, *a: imported.append(name) or real(name, *a))
    monkeypatch.setattr(dg, "_use_warning_has_been_displayed", False)
    _started_threads(monkeypatch, capsys, ["--no-warm-up"])
    assert set(cmd_app.FIRST_RUN_IMPORTS) <= set(imported)
    assert dg._use_warning_has_been_displayed is True


def test_nothing_before_the_server_declares_streamlit_folium():
    """streamlit-folium declares its map component when imported, and only a script run registers it: if
    what `hedong app` imports before the server starts pulled it in, every map frame would get a 404. A
    fresh interpreter, as the command runs."""
    import subprocess

    code = ("import sys; from hedong import cmd_app; cmd_app.preload(); cmd_app.spare_first_run(); "
            "print('streamlit_folium' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=str(cmd_app.APP.parent))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.slow
def test_the_server_prepares_its_first_page(tmp_path):
    """The real command on the small demo: it says the first page is ready (the warm-up spoke Streamlit's
    protocol to the installed server and the script ran), and a second visitor's page runs too."""
    import subprocess
    import threading
    import time
    from pathlib import Path

    from scenario_helpers import free_port, wait_until_serving

    port = free_port()
    root = str(Path(cmd_app.APP).parent)
    env = {**os.environ, "HEDONG_DEMO_SCALE": "0.15",
           "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)}
    proc = subprocess.Popen([sys.executable, "-m", "hedong.cli", "app", "--port", str(port), "--address", "127.0.0.1"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, b"")), daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, proc, 120)
        deadline = time.time() + 240
        while time.time() < deadline and not any(b"first page" in ln for ln in lines):
            time.sleep(0.2)
        assert any(b"the first page is ready" in ln for ln in lines), b"".join(lines).decode(errors="replace")
        assert cmd_app.warm_up(url, timeout=120, wait=5) is True  # another visitor's run, from the caches
    finally:
        proc.terminate()
        proc.wait(20)
    out = b"".join(lines).decode(errors="replace")
    assert "Traceback" not in out, out
