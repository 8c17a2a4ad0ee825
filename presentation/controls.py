"""Leaflet elements the maps are assembled from: page scripts, fixed controls and the layer registry.

No element here loads anything from a CDN: a control is a plain ``L.control`` holding escaped HTML,
a script is inserted once after the map is made.
"""

from __future__ import annotations

import json

import folium
from branca.element import MacroElement
from jinja2 import Template




class Script(MacroElement):
    """A snippet of JavaScript run after the map is made; ``{map}`` stands for the map variable."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code() }}{% endmacro %}")

    def __init__(self, code: str):
        super().__init__()
        self._name = "HedongScript"
        self._code = code

    def code(self) -> str:
        """The snippet with the parent map's variable name filled in."""
        return self._code.replace("{map}", self._parent.get_name())


def control_js(html: str, map_expr: str, position: str = "bottomright", css_class: str = "hedong-control",
               var: str | None = None) -> str:
    """JavaScript that adds a Leaflet control holding fixed ``html`` to the map ``map_expr``.

    The HTML goes in as a JSON string (readable UTF-8, so Chinese stays searchable; ``</`` escaped,
    so it is safe inside ``<script>``). ``var``: also keep the control in that JS variable.
    """
    html_js = json.dumps(html, ensure_ascii=False).replace("</", "<\\/")
    keep = f"{var} = ctl;" if var else ""
    return ("(function() {var ctl = L.control({position: " + json.dumps(position) + "});"
            "ctl.onAdd = function () {var div = L.DomUtil.create('div', " + json.dumps(css_class) + ");"
            f"div.innerHTML = {html_js};L.DomEvent.disableClickPropagation(div);"
            "L.DomEvent.disableScrollPropagation(div);return div;};"
            f"ctl.addTo({map_expr});{keep}}})();")


def add_script(m: folium.Map, code: str) -> MacroElement:
    """Run the JavaScript ``code`` after the map is made (``{map}`` stands for the map); returns the element."""
    el = Script(code)
    el.add_to(m)
    return el


class Control(MacroElement):
    """A Leaflet control holding fixed HTML (legend, notice, title): works in the app and standalone."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.js() }}{% endmacro %}")

    def __init__(self, html: str, position: str = "bottomright", css_class: str = "hedong-control"):
        super().__init__()
        self._name = "HedongControl"
        self.html = html
        self.position = position
        self.css_class = css_class

    def js(self) -> str:
        """The control's script for its parent map."""
        return control_js(self.html, self._parent.get_name(), self.position, self.css_class)


class LayerRegistry(MacroElement):
    """Names the map's switchable layers for scripts that run later (``window.hedongLayers``).

    The overview's changing layers (:func:`overview_layers_js`) are added in the browser to a map that
    is not rebuilt; they find the map's own layers here by key. The JS variable names are read when the
    map is rendered, after any renaming (streamlit-folium renames every element).
    """

    _template = Template("{% macro script(this, kwargs) %}{{ this.js() }}{% endmacro %}")

    def __init__(self, layers: list[tuple[str, folium.FeatureGroup]]):
        super().__init__()
        self._name = "HedongRegistry"
        self.layers = layers

    def js(self) -> str:
        """``window.hedongLayers = {order: [...], layers: {key: {layer, name}}}``."""
        entries = ",".join(f"{json.dumps(k)}: {{layer: {fg.get_name()}, name: "
                           f"{json.dumps(fg.layer_name, ensure_ascii=False)}}}" for k, fg in self.layers)
        order = json.dumps([k for k, _ in self.layers])
        return f"window.hedongLayers = {{order: {order}, layers: {{{entries}}}}};".replace("</", "<\\/")


def add_layer_control(m: folium.Map, collapsed: bool = False) -> None:
    """The layer switch (top left, expanded by default)."""
    folium.LayerControl(position="topleft", collapsed=collapsed).add_to(m)


def register_layers(m: folium.Map, layers: list[tuple[str, folium.FeatureGroup]]) -> None:
    """Name ``m``'s switchable layers for scripts run on it later (:func:`layers_script`,
    :func:`overview_layers_js`): ``window.hedongLayers``; they then appear in those scripts' layer switch."""
    LayerRegistry(layers).add_to(m)
