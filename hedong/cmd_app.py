"""`hedong app`: start the planner's web app (Streamlit) on this computer.

    hedong app [--port 8501] [--address localhost] [-- STREAMLIT_OPTIONS...]

Same app as ``streamlit run app.py`` from the project folder, with the server settings of
``.streamlit/config.toml`` (localhost only, no usage statistics). The difference is when the app's
Python modules are imported: here, before the server starts. Under ``streamlit run`` they are
imported by the first visitor's script run, while the same server process is sending the browser
Streamlit's page, and the two compete for one interpreter (3.6 s of imports in the server against
2.2 s in a quiet process, on the 2-core machine of ``benchmarks/bench_app.py``).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import sys
from pathlib import Path

from layers.errors import InputError

#: The app script: next to the packages in the project folder (``pip install -e .`` keeps it there).
APP = Path(__file__).resolve().parents[1] / "app.py"


def register(sub) -> None:
    """Add the ``app`` command to the ``hedong`` parser."""
    p = sub.add_parser("app", help="start the web app (Streamlit) on this computer",
                       description="Start the planner's web app: the Yuncheng demo offline by default "
                                   "(HEDONG_AREA selects another study area). It listens on localhost only; "
                                   "to serve your office network on purpose see README 'Serving to a LAN'.")
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument("--address", default=None,
                   help="address to listen on (default: localhost, from .streamlit/config.toml)")
    p.add_argument("streamlit_options", nargs="*", metavar="-- STREAMLIT_OPTIONS",
                   help="further `streamlit run` options after --, e.g. -- --server.headless false")
    p.set_defaults(func=run)


def app_modules(app: Path = APP) -> list[str]:
    """The modules ``app`` imports at its top level, in order (read from its source, never run);
    ``from presentation import webmap`` counts ``presentation`` and the module ``presentation.webmap``."""
    tree = ast.parse(app.read_text(encoding="utf-8"), filename=str(app))
    out = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module != "__future__":
            out.append(node.module)
            out += [f"{node.module}.{a.name}" for a in node.names if _is_module(f"{node.module}.{a.name}")]
    return list(dict.fromkeys(out))


def _is_module(name: str) -> bool:
    """Whether ``name`` is an importable module (not a function or class of its package)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # the package itself is not importable, or not a package
        return False


def preload(app: Path = APP) -> list[str]:
    """Import the app's modules now, but Streamlit's own (the server imports those when it starts, and reads
    its settings once then); returns the modules imported."""
    names = [n for n in app_modules(app) if n.split(".")[0] != "streamlit"]
    for name in names:
        importlib.import_module(name)
    return names


def run(args) -> int:
    """Import the app's modules, then run the Streamlit server in this process (until stopped)."""
    if not APP.is_file():
        raise InputError("the app script is not next to the hedong package (an installed copy without the "
                         "project folder): run `streamlit run app.py` from the project folder", file=str(APP))
    os.chdir(APP.parent)  # .streamlit/config.toml and ./static are read from the working folder
    preload()
    # lazy: the server's command line is needed by this command only (the other commands never start it)
    from streamlit.web import cli as stcli

    sys.argv = ["streamlit", "run", str(APP), "--server.port", str(args.port),
                *(["--server.address", args.address] if args.address else []),
                *(o for o in args.streamlit_options if o != "--")]
    return stcli.main()
