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

A second language used to double the publication (21 MB for the demo in zh and en): its maps drew the
same shapes with other words. So the shapes of every GeoJSON layer (the features' geometries) move to
``data/geo-<map>.js`` — one file for a map's languages, ``data/geo-common.js`` for shapes several maps
draw — and the page keeps only the properties (:meth:`SharedData.apply`); folium's school circles are
written as one short call each (:func:`compact_circle_markers`); the "my place" numbers and the
walking routes are language-neutral, their words in the page and ``data/route-names-<lang>.js``.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import re
from collections import defaultdict
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


#: Helpers of the compacted pages (``data/hedong.js``): a FeatureCollection given its properties and the
#: key of its shared geometries, and a circle marker with its tooltip (what folium writes in ten lines).
HELPERS_JS = ("window.HEDONG_GEO=window.HEDONG_GEO||{};"
              "window.hedongGeo=function(k,fc){var G=HEDONG_GEO[k];"
              "for(var i=0;i<fc.features.length;i++){fc.features[i].geometry=G[i];}return fc;};"
              "window.hedongCM=function(g,ll,o,tip,to){var c=L.circleMarker(ll,o).addTo(g);"
              "if(tip!==undefined){c.bindTooltip(tip,to);}return c;};\n")

#: Geometry lists shorter than this stay in the page (a shared reference would save little).
MIN_SHARED_GEOMETRY = 1000

# folium 0.20 writes a GeoJSON layer's data as one line ``geo_json_<id>_add({...});`` (jinja's tojson)
_GEOJSON_ADD = re.compile(r"(geo_json_[0-9a-f]{32}_add)\((\{.*\})\);[ \t]*$", re.M)
# ... and a circle marker (with an optional tooltip) as a dozen lines of default options
_CIRCLE = re.compile(r"var (circle_marker_[0-9a-f]{32}) = L\.circleMarker\(\s*(\[[^\]]*\]),\s*(\{[^{}]*\})\s*\)"
                     r"\.addTo\((\w+)\);"
                     r"(?:\s*\1\.bindTooltip\(\s*`<div>(.*?)</div>`,\s*(\{[^{}]*\})\s*\);)?", re.S)
#: Options Leaflet's circle markers have by default (folium writes every one of them every time).
_LEAFLET_DEFAULTS = {"bubblingMouseEvents": True, "dashArray": None, "dashOffset": None, "fillRule": "evenodd",
                     "lineCap": "round", "lineJoin": "round", "opacity": 1.0, "stroke": True}
_GEO_PLACEHOLDER = "<!--hedong-geo-->"


def js_json(data) -> str:
    """``data`` as compact JSON that is safe inside ``<script>`` (as jinja's ``tojson``: ``<``, ``>``,
    ``&`` and ``'`` as ``\\u`` escapes, which only occur inside strings) in UTF-8 (not ``\\u`` escaped:
    Chinese takes 3 bytes instead of 6)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def compact_circle_markers(html: str) -> str:
    """folium's circle markers (and their tooltips) as one ``hedongCM(...)`` call each
    (:data:`HELPERS_JS`): the same marker, without the options Leaflet has by default. Hand-written over
    folium's output because folium has no compact form of many markers; a marker written otherwise
    (another folium version) is simply not matched and stays as it is."""
    def one(m):
        try:
            opts = json.loads(m.group(3))
            loc = json.loads(m.group(2))
        except ValueError:
            return m.group(0)
        opts = {k: v for k, v in opts.items() if not (k in _LEAFLET_DEFAULTS and v == _LEAFLET_DEFAULTS[k])}
        if isinstance(opts.get("radius"), float):
            opts["radius"] = round(opts["radius"], 2)  # a hundredth of a pixel
        args = f"{m.group(4)},{json.dumps(loc, separators=(',', ':'))},{js_json(opts)}"
        if m.group(5) is not None:
            to = m.group(6)
            to = "{sticky:true}" if re.fullmatch(r'\{\s*"sticky": true,?\s*\}', to) else to
            # the text stays in its template literal (escaped for one by presentation.webmap)
            args += f",`<div>{m.group(5).strip()}</div>`,{to}"
        return f"var {m.group(1)}=hedongCM({args});"
    return _CIRCLE.sub(one, html)


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
        self.global_lang: dict[str, str | None] = {}  # file name -> the language whose pages load it (None: all)
        self.geometry: dict[str, str] = {}  # key -> a layer's geometries (a JSON array)
        self.geometry_maps: dict[str, set] = defaultdict(set)  # key -> the maps (file base names) drawing it
        self.page_geometry: dict[str, list[str]] = {}  # page file -> the geometry keys it uses

    # ---------------------------------------------------------------- registration

    def add_text(self, name: str, text: str) -> str:
        """Share ``text`` under ``name``; returns the JS expression that stands for it in a page."""
        self.texts.setdefault(name, text)
        return f'{GLOBAL}["{name}"]'

    def set_global(self, file: str, var: str, text: str, lang: str | None = None) -> None:
        """Write ``window.<var> = text`` into ``data/<file>``, loaded by every page applied afterwards
        (``lang``: only by the pages of that language)."""
        self.globals[file] = f"window.{var}={text};\n"
        self.global_lang[file] = lang

    def use_cells(self, display: str, texts: list[str]) -> str:
        """Share the cell squares of ``display``; returns the name of their global array."""
        self.cells.setdefault(display, texts)
        return cells_var(display)

    # ---------------------------------------------------------------- pages

    def apply(self, html: str, texts: dict[str, str], lang: str | None = None, page: str | None = None) -> str:
        """``html`` with each of ``texts`` (name -> text) replaced by its shared reference, inline Leaflet
        (and jQuery) replaced by the shared files, and the ``<script src>`` of every shared file used
        put into the page's head (before the map's own script, which runs at the end of the body).

        ``page``: the page's file name; given, the page's GeoJSON geometries are shared too
        (:meth:`share_geometry`, by the map's base name: ``seats-2027.en.html`` -> ``seats-2027``) and
        its circle markers compacted; the page must then go through :meth:`finish_page` once every
        page is applied."""
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
        used += [n for n, lg in self.global_lang.items() if n not in used and lg in (None, lang)]
        head += [f'<script src="{DATA_DIR}/{n}"></script>' for n in used]
        if page is not None:
            html = compact_circle_markers(self.share_geometry(html, page))
            head.append(_GEO_PLACEHOLDER)
        return html.replace("</head>", "\n".join(head) + "\n</head>", 1) if head else html

    def share_geometry(self, html: str, page: str) -> str:
        """``html`` with the geometries of each GeoJSON layer (of :data:`MIN_SHARED_GEOMETRY` characters
        or more) replaced by a key into the shared ``HEDONG_GEO`` (:data:`HELPERS_JS`); the same
        geometries in another language's page or another map get the same key (a hash of them)."""
        base = page.split(".")[0]
        keys = self.page_geometry.setdefault(page, [])

        def one(m):
            try:
                data = json.loads(m.group(2))
                feats = data["features"]
                geoms = [f.get("geometry") for f in feats]
            except (ValueError, KeyError, TypeError, AttributeError):
                return m.group(0)
            text = js_json(geoms)
            if len(text) < MIN_SHARED_GEOMETRY:
                return m.group(0)
            key = hashlib.sha1(text.encode()).hexdigest()[:12]
            self.geometry.setdefault(key, text)
            self.geometry_maps[key].add(base)
            keys.append(key)
            for f in feats:
                f.pop("geometry", None)
            return f'{m.group(1)}(hedongGeo("{key}",{js_json(data)}));'
        return _GEOJSON_ADD.sub(one, html)

    def geometry_file(self, key: str) -> str:
        """The shared file of a geometry key: its map's, or ``geo-common.js`` when several maps draw it."""
        maps = self.geometry_maps[key]
        return "geo-common.js" if len(maps) > 1 else f"geo-{next(iter(maps))}.js"

    def finish_page(self, html: str, page: str) -> str:
        """An applied page with the ``<script src>`` of the helpers and geometry files it uses (known
        once every page of the publication is applied)."""
        files = ["hedong.js"] + list(dict.fromkeys(self.geometry_file(k) for k in self.page_geometry.get(page, [])))
        tags = "\n".join(f'<script src="{DATA_DIR}/{n}"></script>' for n in files)
        return html.replace(_GEO_PLACEHOLDER, tags, 1)

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
        if self.page_geometry:
            out[f"{DATA_DIR}/hedong.js"] = HELPERS_JS
        by_file = defaultdict(list)
        for key in self.geometry:
            by_file[self.geometry_file(key)].append(key)
        for file, keys in sorted(by_file.items()):
            out[f"{DATA_DIR}/{file}"] = "".join(f'HEDONG_GEO["{k}"]={self.geometry[k]};\n' for k in keys)
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
