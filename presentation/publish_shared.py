"""Data written once for all the maps of a publication (``data/*.js``), loaded by each with a relative
``<script src>``.

Every published map used to carry its own copy of Leaflet, the street network, the "my place" payload
and the population cells' squares (the full demo: 18 files of 2.4-4.5 MB, 54 MB). A publication now
writes each of them once into ``data/`` and every page loads them with ``<script src="data/...">``
and ``<link href="data/...">``: relative addresses a browser follows from ``file://`` too (scripts and
stylesheets, unlike ``fetch``, are not blocked on local files), so the folder still opens offline with
a double click, and moving the whole folder keeps it working.

How the sharing works: the page is rendered as before, then :meth:`SharedData.apply` replaces each
shared text by a reference to the global it is stored under (``HEDONG_DATA["streets-wgs84-1"]``) —
the streets' serialised GeoJSON is pasted verbatim by :class:`presentation.folium_render.FixedStyleGeoJson`,
so a plain string replacement finds it; cells' squares are referenced at build time (``HC_wgs84[i]``,
:func:`presentation.geojson.shared_cells`), since a map picks a different subset of them.
"""

from __future__ import annotations

import contextvars
import json
import re
from pathlib import Path

from presentation import assets as _assets

#: Folder (inside the publication) of the shared files.
DATA_DIR = "data"
#: Name of the JS object holding shared texts.
GLOBAL = "HEDONG_DATA"

#: While a publication is being built: the :class:`SharedData` collecting cell squares referenced
#: by the maps (None outside a publication: the app and single maps stay self-contained).
CURRENT: contextvars.ContextVar = contextvars.ContextVar("hedong_shared_data", default=None)


def cells_var(display: str) -> str:
    """The global array of cell squares (GeoJSON geometries) of a display datum."""
    return f"HC_{re.sub(r'[^A-Za-z0-9]', '_', display)}"


#: Builds a FeatureCollection of cells from their positions in a shared squares array (see
#: :func:`cells_expression`); written into every ``data/cells-*.js``.
CELLS_JS = ("window.hedongCells=function(C,ix,pop){var f=[];for(var k=0;k<ix.length;k++){"
            "f.push({type:'Feature',id:String(k),geometry:C[ix[k]],properties:{pop_total:pop[k]}});}"
            "return {type:'FeatureCollection',features:f};};\n")


def cells_expression(var: str, positions: list, pop: list) -> str:
    """JS expression of the FeatureCollection of the cells at ``positions`` of the shared array ``var``
    with their ``pop_total`` (what :func:`presentation.webmap.add_uncovered` draws)."""
    return (f"hedongCells({var},[{','.join(map(str, positions))}],"
            f"[{','.join(str(int(p)) for p in pop)}])")


class SharedData:
    """The shared files of one publication and the substitutions that make pages use them."""

    def __init__(self):
        self.texts: dict[str, str] = {}  # name -> JS expression text (a JSON literal)
        self.cells: dict[str, list[str]] = {}  # display -> cell square texts
        self.globals: dict[str, str] = {}  # file name -> JS setting a global
        self.active: list[str] = []  # the global files the next pages load

    # ---------------------------------------------------------------- registration

    def add_text(self, name: str, text: str) -> str:
        """Share ``text`` under ``name``; returns the JS expression that stands for it in a page."""
        self.texts.setdefault(name, text)
        return f'{GLOBAL}["{name}"]'

    def set_global(self, file: str, var: str, text: str) -> None:
        """Write ``window.<var> = text`` into ``data/<file>``, loaded by every page applied afterwards
        (in place of the global file set before: one per language)."""
        self.globals[file] = f"window.{var}={text};\n"
        self.active = [file]

    def use_cells(self, display: str, texts: list[str]) -> str:
        """Share the cell squares of ``display``; returns the name of their global array."""
        self.cells.setdefault(display, texts)
        return cells_var(display)

    # ---------------------------------------------------------------- pages

    def apply(self, html: str, texts: dict[str, str]) -> str:
        """``html`` with each of ``texts`` (name -> text) replaced by its shared reference, inline Leaflet
        (and jQuery) replaced by the shared files, and the ``<script src>`` of every shared file used
        put into the page's head (before the map's own script, which runs at the end of the body)."""
        used = []
        for name, text in texts.items():
            if text and text in html:
                html = html.replace(text, self.add_text(name, text))
                used.append(f"{name}.js")
        for display in self.cells:
            if cells_var(display) in html:
                used.append(f"cells-{display}.js")
        head = []
        for jq in (True, False):
            inline = _assets.inline_head(jq)
            if inline in html:
                html = html.replace(inline, "", 1)
                head.append(f'<link rel="stylesheet" href="{DATA_DIR}/leaflet.css">')
                head.append(f'<script src="{DATA_DIR}/leaflet.js"></script>')
                if jq:
                    head.append(f'<script src="{DATA_DIR}/jquery.js"></script>')
                break
        used += [n for n in self.active if n not in used]
        head += [f'<script src="{DATA_DIR}/{n}"></script>' for n in used]
        return html.replace("</head>", "\n".join(head) + "\n</head>", 1) if head else html

    # ---------------------------------------------------------------- files

    def files(self) -> dict[str, str]:
        """Relative path -> content of every shared file."""
        out = {f"{DATA_DIR}/leaflet.css": _assets._css_inline("leaflet/leaflet.css"),
               f"{DATA_DIR}/leaflet.js": _assets.asset_path("leaflet/leaflet.js").read_text(encoding="utf-8"),
               f"{DATA_DIR}/jquery.js": _assets.asset_path("jquery/jquery.min.js").read_text(encoding="utf-8")}
        for name, text in self.texts.items():
            out[f"{DATA_DIR}/{name}.js"] = f"(window.{GLOBAL}=window.{GLOBAL}||{{}})[{json.dumps(name)}]={text};\n"
        for file, text in self.globals.items():
            out[f"{DATA_DIR}/{file}"] = text
        for display, texts in self.cells.items():
            out[f"{DATA_DIR}/cells-{display}.js"] = (CELLS_JS + f"window.{cells_var(display)}=["
                                                     + ",".join(texts) + "];\n")
        return out

    def write(self, folder: Path) -> list[dict]:
        """Write the shared files under ``folder``; returns ``[{"file", "kind": "data", "bytes"}]``."""
        rows = []
        for rel, text in self.files().items():
            p = Path(folder) / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
            rows.append({"file": rel, "kind": "data", "bytes": p.stat().st_size})
        return rows
