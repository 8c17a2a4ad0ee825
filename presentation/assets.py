"""Offline map assets: the vendored Leaflet / jQuery files and how a folium map uses them.

folium loads Leaflet, jQuery, Bootstrap and Font Awesome from public CDNs (``Map.default_js`` /
``Map.default_css``). On machines without the internet — and on many government intranets —
such a map stays blank. Hedong Planner instead ships the two files its maps need, taken from
the npm registry (``npm pack leaflet@1.9.4``, ``npm pack jquery@3.7.1``) and committed under
``static/`` with their licences in ``static/licenses/``:

- in the Streamlit app the assets are *served* by Streamlit's static file serving
  (``.streamlit/config.toml``: ``[server] enableStaticServing = true``) at ``/app/static/...``;
- in published HTML maps the assets are *inlined* (CSS images as ``data:`` URIs), so one file
  opens anywhere with a double click, intranet included.

Only Leaflet's core is needed: the maps draw vector layers (``L.geoJSON``, ``L.circleMarker``,
``L.divIcon`` with inline SVG) and never use Font Awesome, Bootstrap or awesome-markers.
jQuery is only needed by ``folium.Popup`` (its template calls ``$(...)``) and is left out of a
map, served or published, that has none.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import branca.colormap
import folium
from presentation.folium_render import RenderedText

#: The folder Streamlit serves as ``/app/static`` (next to app.py).
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

#: URL prefix of Streamlit's static file serving.
SERVED_PREFIX = "/app/static"

#: Vendored packages: name -> (npm spec, sha256 of the npm tarball, licence file).
VENDORED = {
    "leaflet": ("leaflet@1.9.4", "84c65a256e50657896f54c33bd857b6849ebe94c817803be818bf32a3dde0b77",
                "licenses/LICENSE.leaflet.txt"),
    "jquery": ("jquery@3.7.1", "68a9f787516da47c680e09c187bcbac4536b6f85d90eb882844e12919e583f53",
               "licenses/LICENSE.jquery.txt"),
}

#: The JavaScript a map needs, in load order: (folium asset name, path under static/).
JS = (("leaflet", "leaflet/leaflet.js"), ("jquery", "jquery/jquery.min.js"))
#: The stylesheets a map needs.
CSS = (("leaflet_css", "leaflet/leaflet.css"),)


class OfflineAssetError(RuntimeError):
    """A map element asks for a script or stylesheet that is not vendored (it would need a CDN)."""


def asset_path(rel: str) -> Path:
    """Absolute path of a vendored file ``rel`` (e.g. ``leaflet/leaflet.js``).

    Raises
    ------
    FileNotFoundError
        If the file is missing (a broken checkout: restore ``static/`` from git).
    """
    p = STATIC_DIR / rel
    if not p.is_file():
        raise FileNotFoundError(f"vendored map asset missing: {p} (restore the static/ folder from git)")
    return p


def served_url(rel: str) -> str:
    """URL of a vendored file under Streamlit's static serving (``/app/static/<rel>``)."""
    return f"{SERVED_PREFIX}/{rel}"


def _walk(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def needs_jquery(m) -> bool:
    """Whether a folium map (or a scratch map of layers) calls jQuery: ``folium.Popup`` builds its HTML
    with ``$(...)`` and ``keep_in_front`` waits for ``$(document).ready``. Nothing else we draw does."""
    return any(isinstance(e, folium.Popup) or getattr(e, "objects_to_stay_in_front", None) for e in _walk(m))


def _check_children(m) -> None:
    """Refuse elements (plugins, Vega, TopoJson, branca colormaps) that would load CDN assets."""
    for e in _walk(m):
        if e is m:
            continue
        if isinstance(e, branca.colormap.ColorMap):
            raise OfflineAssetError(
                "branca colormaps load d3 from a CDN; draw the legend with presentation.legends.legend_html instead")
        for name, url in list(getattr(e, "default_js", [])) + list(getattr(e, "default_css", [])):
            if str(url).startswith(("http://", "https://", "//")):
                raise OfflineAssetError(
                    f"map element {type(e).__name__} needs {name} from {url}, which is not vendored "
                    "(no CDN at run time): use another element or vendor the asset in static/")


def use_served_assets(m):
    """Point a folium map's scripts and styles at the app's own static files (``/app/static/...``).

    For maps shown in the Streamlit app through streamlit-folium, which loads ``default_js`` /
    ``default_css`` of every element by URL.

    Parameters
    ----------
    m : folium.Map

    Returns
    -------
    folium.Map
        The same map, for chaining.

    Raises
    ------
    OfflineAssetError
        If an element of the map needs a CDN asset that is not vendored.
    """
    _check_children(m)
    # jQuery only where a popup needs it: every map frame in the app loads its scripts one after the
    # other, and 87 KB of jQuery delayed each of them (four on the schools page) for nothing
    jq = needs_jquery(m)
    m.default_js = [(name, served_url(rel)) for name, rel in JS if name != "jquery" or jq]
    m.default_css = [(name, served_url(rel)) for name, rel in CSS]
    return m


def _css_inline(rel: str) -> str:
    """A stylesheet's text with its relative ``url(...)`` images turned into ``data:`` URIs."""
    path = asset_path(rel)
    text = path.read_text(encoding="utf-8")

    def repl(match):
        url = match.group(1).strip("'\"")
        if url.startswith(("#", "data:")):
            return match.group(0)
        img = (path.parent / url).resolve()
        if not img.is_file():
            return match.group(0)
        b64 = base64.b64encode(img.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{b64})"

    return re.sub(r"url\(([^)]*)\)", repl, text)


def inline_head(include_jquery: bool = True) -> str:
    """``<style>`` and ``<script>`` tags holding the vendored assets' full text, for a standalone page."""
    parts = [f"<style>/* {rel} (vendored, see licenses/) */\n{_css_inline(rel)}</style>" for _, rel in CSS]
    for name, rel in JS:
        if name == "jquery" and not include_jquery:
            continue
        src = asset_path(rel).read_text(encoding="utf-8").replace("</script", "<\\/script")
        parts.append(f"<script>/* {rel} (vendored, see licenses/) */\n{src}</script>")
    return "\n".join(parts)


def use_inline_assets(m):
    """Embed Leaflet (and jQuery if a popup needs it) in a folium map's page: no external URL at all.

    Parameters
    ----------
    m : folium.Map

    Returns
    -------
    folium.Map
        The same map, for chaining; ``m.get_root().render()`` is then a self-contained HTML page.

    Raises
    ------
    OfflineAssetError
        If an element of the map needs a CDN asset that is not vendored.
    """
    _check_children(m)
    m.default_js = []
    m.default_css = []
    m.get_root().header.add_child(RenderedText(inline_head(needs_jquery(m))), name="hedong_offline_assets", index=0)
    return m


def external_urls(html: str) -> list[str]:
    """Every ``http(s)://`` URL used as a script/stylesheet/image source in ``html`` (empty when offline-safe)."""
    pat = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*?(?:src|href)\s*=\s*["']((?:https?:)?//[^"']+)""", re.I)
    return pat.findall(html)
