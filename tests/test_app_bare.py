"""Every page of the app, in both languages, under AppTest — run by ``.ci/run`` in a fresh venv that
has only ``pip install -e . pytest`` (no test extras), so a runtime import the package does not
declare (e.g. matplotlib behind ``Styler.background_gradient``) fails here.

Also runs in the normal test environment (it is quick on the small demo); ``HEDONG_BARE=1`` (set by
``.ci/run`` for the fresh venv) additionally checks that the test extras are really absent.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.bare

APP = str(Path(__file__).resolve().parent.parent / "app.py")
#: Test-only packages (pyproject [test] extras and what they pull in); none may be needed at run time.
TEST_ONLY = ("spopt", "access", "pandana", "hypothesis", "playwright", "matplotlib")


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]


def test_bare_env_has_no_test_extras():
    if os.environ.get("HEDONG_BARE") != "1":
        pytest.skip("only meaningful in the fresh venv of .ci/run (HEDONG_BARE=1)")
    present = [m for m in TEST_ONLY if importlib.util.find_spec(m) is not None]
    assert not present, f"the bare venv has test-only packages: {present}"


@pytest.mark.slow  # fast loop budget (issue 9): the full suite runs it
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_runs(lang):
    from streamlit.testing.v1 import AppTest

    os.environ.setdefault("HEDONG_DEMO_SCALE", "0.15")
    os.environ.pop("HEDONG_AREA", None)
    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state["lang"] = lang
    at.run()
    _ok(at)
    pages = at.sidebar.radio(key="page").options
    for page in pages:
        at.sidebar.radio(key="page").set_value(page).run()
        _ok(at)
    # the interactions that import more than a page view does
    at.sidebar.radio(key="page").set_value("coverage").run()
    _ok(at)
    assert len(at.dataframe) >= 2
    at.sidebar.radio(key="page").set_value("publish").run()
    if lang == "zh":
        at.button(key="make_zip").click().run()
        _ok(at)
        assert at.session_state["zip"][:2] == b"PK"


@pytest.mark.slow  # fast loop budget (issue 9): the full suite and .ci/run's fresh venv run it
def test_the_readme_command_serves_the_app(tmp_path):
    """``hedong app`` — the README's first command — as installed: the server answers on localhost, serves
    the page and the map assets and prepares its first page, then stops cleanly."""
    import subprocess
    import sys
    import threading
    import time
    import urllib.request

    from scenario_helpers import free_port, wait_until_serving

    port = free_port()
    script = Path(sys.executable).parent / "hedong"
    cmd = [str(script)] if script.is_file() else [sys.executable, "-m", "hedong.cli"]
    # the checkout on the path too: a machine whose editable install points at another copy of the project
    # still runs this one (the packages it needs come from the environment either way)
    root = str(Path(APP).parent)
    env = {**os.environ, "HEDONG_DEMO_SCALE": "0.15",
           "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)}
    proc = subprocess.Popen([*cmd, "app", "--port", str(port), "--address", "127.0.0.1"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    lines, reader = [], None
    try:
        wait_until_serving(url, proc, 120)
        with urllib.request.urlopen(url + "/", timeout=5) as r:
            assert r.status == 200
        with urllib.request.urlopen(url + "/app/static/leaflet/leaflet.js", timeout=5) as r:  # ./static served
            assert "javascript" in r.headers.get("Content-Type", "")
        # the command opens its first page itself (over the app's WebSocket, with the installed Streamlit)
        reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, b"")), daemon=True)
        reader.start()
        deadline = time.time() + 180
        while time.time() < deadline and not any(b"first page" in ln for ln in lines):
            time.sleep(0.2)
    finally:
        proc.terminate()
        try:
            rest = proc.communicate(timeout=20)[0] or b""
        except ValueError:  # the reader thread holds stdout: it ends with the process
            if reader is not None:
                reader.join(20)
            rest = b""
        out = (b"".join(lines) + rest).decode(errors="replace")
    assert "Traceback" not in out, out
    assert "the first page is ready" in out, out
