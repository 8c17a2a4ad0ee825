"""`hedong app`: start the planner's web app (Streamlit) on this computer.

    hedong app [--port 8501] [--address localhost] [--no-warm-up] [-- STREAMLIT_OPTIONS...]

Same app as ``streamlit run app.py`` from the project folder, with the server settings of
``.streamlit/config.toml`` (localhost only, no usage statistics). The difference is when the app's
Python modules are imported: here, before the server starts. Under ``streamlit run`` they are
imported by the first visitor's script run, while the same server process is sending the browser
Streamlit's page, and the two compete for one interpreter (3.6 s of imports in the server against
2.2 s in a quiet process, on the 2-core machine of ``benchmarks/bench_app.py``).

It also prepares the first page, so that the first person to open it does not wait for it to be
computed: while the server starts, the study area is loaded and its homes snapped to the streets
(:func:`prepare`); once the server answers, this command opens the app's first page itself, once, over
the app's own WebSocket as a browser would (:func:`warm_up`), which leaves the first coverage and the
first map in the server's caches. The terminal says when the first page is ready. ``--no-warm-up``
leaves all of it to the first visitor (``benchmarks/bench_app.py`` measures both ways).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import sys
import threading
import time
import urllib.request
from pathlib import Path

from accessibility.context import ComputeContext
from gis import areas
from layers.errors import InputError
from presentation import geojson

#: The app script: next to the packages in the project folder (``pip install -e .`` keeps it there).
APP = Path(__file__).resolve().parents[1] / "app.py"


def register(sub) -> None:
    """Add the ``app`` command to the ``hedong`` parser."""
    p = sub.add_parser("app", help="start the web app (Streamlit) on this computer",
                       description="Start the planner's web app: the Yuncheng demo offline by default "
                                   "(HEDONG_AREA selects another study area). It prepares its first page as it "
                                   "starts and says in the terminal when that page is ready. It listens on "
                                   "localhost only; to serve your office network on purpose see README "
                                   "'Serving to a LAN'.")
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument("--address", default=None,
                   help="address to listen on (default: localhost, from .streamlit/config.toml)")
    p.add_argument("--no-warm-up", dest="warm_up", action="store_false",
                   help="do not open the first page at start (its study area, coverage and map are then "
                        "computed for the first visitor)")
    p.add_argument("streamlit_options", nargs="*", metavar="-- STREAMLIT_OPTIONS",
                   help="further `streamlit run` options after --, e.g. -- --server.headless false")
    p.set_defaults(func=run)


def app_modules(app: Path = APP) -> list[str]:
    """The modules ``app`` imports at its top level, in order (read from its source, never run);
    ``from presentation import webmap`` counts ``presentation`` and the module ``presentation.webmap``.

    The app's own package ``webapp`` (its pages and cache wrappers, beside ``app.py``) is read through:
    the modules its files import are listed, not ``webapp`` itself, which imports Streamlit at its top
    (left to the server, see :func:`preload`)."""
    out: list[str] = []
    todo, seen = [app], set()
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module != "__future__":
                names = [node.module]
                names += [f"{node.module}.{a.name}" for a in node.names
                          if node.module.split(".")[0] != _APP_PACKAGE and _is_module(f"{node.module}.{a.name}")]
            else:
                continue
            for name in names:
                if name.split(".")[0] == _APP_PACKAGE:
                    base = app.parent.joinpath(*name.split("."))
                    todo.append(base / "__init__.py" if base.is_dir() else base.with_suffix(".py"))
                else:
                    out.append(name)
    return list(dict.fromkeys(out))


#: The app's package of pages and cache wrappers, next to ``app.py``.
_APP_PACKAGE = "webapp"


def _is_module(name: str) -> bool:
    """Whether ``name`` is an importable module (not a function or class of its package)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # the package itself is not importable, or not a package
        return False


def preload(app: Path = APP) -> list[str]:
    """Import the app's modules now, but Streamlit's own (the server imports those when it starts, and reads
    its settings once then); returns the modules imported.

    Not streamlit-folium either (webapp/widgets.py imports it where a map is drawn): it declares its component when
    imported, and declared before the server has started the component is unknown to it (the map frame
    then gets a 404 and the page no map)."""
    names = [n for n in app_modules(app) if n.split(".")[0] != "streamlit"]
    for name in names:
        importlib.import_module(name)
    return names


#: Modules the first script run of a process imports, on top of app.py's own, that are safe to import before
#: the server starts: the emoji table Streamlit checks the page icon against, and folium's plug-ins, which
#: streamlit-folium imports (streamlit-folium itself must be imported in a script run: it declares its
#: component then, and declared outside a run the component is unknown to the server — a 404, no map).
FIRST_RUN_IMPORTS = ("streamlit.emojis", "folium.plugins")


def spare_first_run() -> None:
    """Do now, before the server starts, what Streamlit does in the first script run of a process and never
    again (0.5 s of the first page; py-spy): the imports of :data:`FIRST_RUN_IMPORTS`, and its look at
    whether it runs in a Python prompt (``inspect.stack()``, which reads the source of every frame on the
    stack) to warn such a prompt to use ``streamlit run``. This command is the server, never a prompt: the
    warning is marked as given (a flag of ``streamlit.delta_generator``; if a Streamlit release drops it,
    setting it does nothing and the first run looks, as before)."""
    for name in FIRST_RUN_IMPORTS:
        importlib.import_module(name)
    dg = importlib.import_module("streamlit.delta_generator")
    dg._use_warning_has_been_displayed = True


def prepare(spec: str | None = None) -> None:
    """Load the study area the app opens on (``HEDONG_AREA``, else the demo) into the process's copy
    (:func:`gis.areas.load_area_cached`, which the app uses), snap its homes to the walking streets (every
    first coverage needs them), make the transformation to lon/lat the maps are drawn in, and build the
    main map's layers that the area alone decides (:func:`presentation.geojson.static_layer`, in the app's
    first language, Chinese).

    Run while the server starts. A failure is left to the app, which shows it to the person who opens
    the page (raised here it would only end this thread)."""
    try:
        spec = spec or os.environ.get("HEDONG_AREA", "").strip() or areas.DEFAULT_AREA
        a = areas.load_area_cached(spec)
        ComputeContext.for_area(a).cell_snap("walk")
        a.boundary.to_crs("EPSG:4326")  # pyproj's first transformer (0.1 s) is built once per process
        for kind in ("density", "districts", "boundary"):  # the first map's layers that only the area decides
            geojson.static_layer(a, kind, "wgs84", "zh")
    except Exception:  # noqa: BLE001, S110 - see above: the app reports it
        pass


def warm_up(url: str, timeout: float = 600.0, wait: float = 60.0) -> bool:
    """Open the app's first page once at ``url`` (``http://host:port``) as a visitor's browser would, and
    return whether its script run finished (False, never an exception, if it could not be done).

    The page is asked for over the app's WebSocket (``/_stcore/stream``, Streamlit's own messages: a
    ``rerun_script`` request, then every reply read until ``script_finished``), so the server runs the
    app script exactly as for a person: the same code, the same default choices, the same caches. Nothing
    of Streamlit's internals is touched; if the protocol ever changes, the warm-up fails and the first
    visitor computes the page as before. Waits up to ``wait`` seconds for the server to answer first.
    """
    try:
        # lazy: Streamlit's messages and the WebSocket client are for this command only (every command imports us)
        from streamlit.proto import BackMsg_pb2, ForwardMsg_pb2
        from websockets.sync.client import connect  # lazy: as above

        deadline = time.monotonic() + wait
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.1)
        ask = BackMsg_pb2.BackMsg()
        ask.rerun_script.query_string = ""
        ask.rerun_script.page_script_hash = ""
        end = time.monotonic() + timeout
        with connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                     max_size=None, open_timeout=30) as ws:
            ws.send(ask.SerializeToString())
            while time.monotonic() < end:
                msg = ForwardMsg_pb2.ForwardMsg.FromString(ws.recv(timeout=max(end - time.monotonic(), 0.1)))
                if msg.WhichOneof("type") == "script_finished":
                    return True
        return False
    except Exception:  # noqa: BLE001 - an optimisation only: the first visitor computes the page instead
        return False


def _warm_up_and_say(url: str, started: float) -> None:
    """:func:`warm_up`, then one line in the terminal saying whether the first page is ready."""
    if warm_up(url):
        print(f"  Hedong Planner: the first page is ready ({time.monotonic() - started:.1f} s after the command).",
              flush=True)
    else:
        print("  Hedong Planner: the first page could not be prepared; it is computed when first opened.",
              file=sys.stderr, flush=True)


def _local_url(address: str | None, port: int, options=()) -> str:
    """The URL this computer reaches the server at: ``address`` and ``port``, or the ``--server.address`` /
    ``--server.port`` among the Streamlit ``options`` (which win, as in Streamlit); a server listening on
    all interfaces is reached on this computer's own address (127.0.0.1, or ::1 for IPv6)."""
    opts = [p for o in options for p in (o.split("=", 1) if o.startswith("--") and "=" in o else [o])]
    for i, o in enumerate(opts[:-1]):  # both "--server.port 9000" and "--server.port=9000"
        if o == "--server.port":
            port = int(opts[i + 1]) if opts[i + 1].isdigit() else port
        elif o == "--server.address":
            address = opts[i + 1]
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "localhost"}.get(address or "", address or "localhost")
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


def run(args) -> int:
    """Import the app's modules, start preparing the first page (:func:`prepare`, :func:`warm_up`; not with
    ``--no-warm-up``), then run the Streamlit server in this process (until stopped)."""
    if not APP.is_file():
        raise InputError("the app script is not next to the hedong package (an installed copy without the "
                         "project folder): run `streamlit run app.py` from the project folder", file=str(APP))
    started = time.monotonic()
    os.chdir(APP.parent)  # .streamlit/config.toml and ./static are read from the working folder
    preload()
    # lazy: the server's command line is needed by this command only (the other commands never start it)
    from streamlit.web import cli as stcli

    spare_first_run()
    if getattr(args, "warm_up", True):
        threading.Thread(target=prepare, name="hedong-prepare", daemon=True).start()
        url = _local_url(args.address, args.port, args.streamlit_options)
        threading.Thread(target=_warm_up_and_say, args=(url, started), name="hedong-warm-up", daemon=True).start()
    sys.argv = ["streamlit", "run", str(APP), "--server.port", str(args.port),
                *(["--server.address", args.address] if args.address else []),
                *(o for o in args.streamlit_options if o != "--")]
    return stcli.main()
