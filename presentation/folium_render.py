"""Rendering folium maps without compiling their rendered output as Jinja templates a second time.

branca 0.8's ``MacroElement.render`` puts each macro's rendered header / html / script into the page
as ``Element(text)``, and ``Element.__init__`` compiles ``text`` as a Jinja template; the page render
then renders it. Two consequences for a planner's map:

* **Template injection.** Data strings reach the page inside that text (a facility's name in a
  tooltip, a GeoJSON property), so a name such as ``{{ 6*7 }}`` is shown as ``42`` — and Jinja, not
  sandboxed here, would evaluate any expression an uploaded file carried, on the server.
* **Time.** Jinja lexes every byte of the embedded GeoJSON: about 4,600 compilations and half the
  time of publishing the default demo's 17 maps (cProfile, this machine).

:func:`install` replaces ``MacroElement.render`` with the same steps that wrap the rendered text in
:class:`RenderedText`, which returns it as it is. Written here rather than upstream because the
planner cannot wait for a branca release; the replacement follows branca 0.8.2's method line for
line and ``tests/test_folium_render.py`` checks that a map renders to the same page as before.

:class:`FixedStyleGeoJson` is ``folium.GeoJson`` for the layers drawn in one style (streets, circles,
uncovered cells, outlines): folium calls the style function and JSON-dumps its result once per
feature to build a per-feature style table that then has one entry; with ``text_cache`` its data is
also serialised once and reused by every map that draws the same layer (the published maps draw the
same 1.8 MB of streets 17 times). The page it renders is the page ``folium.GeoJson`` renders with
that one style (``tests/test_folium_render.py``).
"""

from __future__ import annotations

import json

import folium
from branca.element import Element, Figure, MacroElement
from folium.features import GeoJsonStyleMapper
from folium.map import Layer
from folium.utilities import get_obj_in_upper_tree
from jinja2.utils import htmlsafe_json_dumps

__all__ = ["FixedStyleGeoJson", "RenderedText", "geojson_text", "install", "installed"]

_ORIGINAL_RENDER = MacroElement.render


class RenderedText(Element):
    """A piece of a page that is already rendered: returned as it is, never compiled as a template."""

    def __init__(self, text: str):
        super().__init__()
        self._name = "RenderedText"
        self.text = text

    def render(self, **kwargs) -> str:  # noqa: ARG002 - branca passes the page's kwargs to every element
        """The text, unchanged."""
        return self.text


def _render(self, **kwargs):
    """``MacroElement.render`` of branca 0.8.2 with :class:`RenderedText` in place of ``Element``."""
    figure = self.get_root()
    if not isinstance(figure, Figure):
        raise TypeError("You cannot render this Element if it is not in a Figure.")
    macros = self._template.module.__dict__
    for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
        macro = macros.get(part)
        if macro is not None:
            target.add_child(RenderedText(macro(self, kwargs)), name=self.get_name())
    for element in self._children.values():
        element.render(**kwargs)


def install() -> None:
    """Make every folium map of this process render through :func:`_render` (idempotent)."""
    MacroElement.render = _render


def installed() -> bool:
    """Whether :func:`install` is in effect."""
    return MacroElement.render is _render


def geojson_text(data) -> str:
    """``data`` as folium's GeoJson template writes it (Jinja's ``tojson``: keys sorted, HTML-safe)."""
    return str(htmlsafe_json_dumps(data, dumps=json.dumps, sort_keys=True))


#: Key of the stand-in object a :class:`FixedStyleGeoJson` renders in place of cached data.
_STAND_IN = "hedong-serialised-data"


class FixedStyleGeoJson(folium.GeoJson):
    """``folium.GeoJson`` with one style for every feature and, optionally, its data serialised once.

    Parameters
    ----------
    data : dict
        A GeoJSON FeatureCollection.
    style : dict
        The style of every feature (what ``style_function`` would return for each).
    text_cache : dict, optional
        Where the serialised data is kept (key ``"text"``) for the next layer built from the same
        ``data`` object; pass the same dict with the same data (e.g. kept beside a cached layer).
    geometry_text : list of str, optional
        The features' geometries already serialised (``json.dumps(geometry, sort_keys=True)``), one
        per feature in order; ``data``'s features then carry ``"geometry": None``. For layers cut
        from geometries serialised once per area (a published map's uncovered cells).
    **kwargs
        Passed to ``folium.GeoJson`` (``tooltip``, ``highlight_function``, ``interactive`` ...).
    """

    def __init__(self, data: dict, style: dict, *, text_cache: dict | None = None,
                 geometry_text: list[str] | None = None, **kwargs):
        style = dict(style)
        if geometry_text is not None and len(geometry_text) != len(data["features"]):
            raise ValueError("geometry_text needs one geometry per feature")
        if geometry_text is not None and not installed():  # no pasting: the geometries go into the data
            for f, g in zip(data["features"], geometry_text):
                f["geometry"] = json.loads(g)
            geometry_text = None
        super().__init__(data, style_function=lambda f: style, **kwargs)
        # the one entry folium's per-feature table would end with (GeoJsonStyleMapper._set_default_key)
        self._style_key = GeoJsonStyleMapper._to_key(style)
        self._text_cache = {} if geometry_text is not None and text_cache is None else text_cache
        self._geometry_text = geometry_text

    def _text(self) -> str:
        """The data as folium's template writes it, geometries pasted in where they come serialised."""
        text = geojson_text(self.data)
        if self._geometry_text is None:
            return text
        # json.dumps writes each feature's "geometry": null once, in feature order (a property value
        # cannot contain the sequence: its quotes are escaped)
        pieces = text.split('"geometry": null')
        if len(pieces) != len(self._geometry_text) + 1:
            raise ValueError("a feature of a layer with geometry_text has a geometry")
        out = [pieces[0]]
        for g, rest in zip(self._geometry_text, pieces[1:]):
            out += ['"geometry": ', g, rest]
        return "".join(out)

    def render(self, **kwargs):
        """``folium.GeoJson.render`` with the style table written directly and cached data pasted in."""
        self.parent_map = get_obj_in_upper_tree(self, folium.Map)
        if self.data["features"]:
            self.style_map = {"default": self._style_key}
            if self.highlight:
                mapper = GeoJsonStyleMapper(self.data, self.feature_identifier, self)
                self.highlight_map = mapper.get_highlight_map(self.highlight_function)
        if self._text_cache is None or not installed() or not self.data["features"]:
            Layer.render(self)  # GeoJson.render's parent: the same macro and children
            return
        text = self._text_cache.get("text")
        if text is None:
            text = self._text_cache["text"] = self._text()
        # Render with a small stand-in and paste the serialised data over its serialisation in the
        # rendered script. The stand-in keeps the first feature's properties (tooltips and pop-ups
        # check their fields there), not its geometry (which can be most of the layer).
        data = self.data
        first = {"type": "Feature", "properties": data["features"][0].get("properties"), "geometry": None}
        self.data = {"type": data.get("type"), "features": [first], _STAND_IN: self.get_name()}
        stand_in = geojson_text(self.data)
        try:
            Layer.render(self)  # as GeoJson.render calls it (no kwargs)
        finally:
            self.data = data
        script = self.get_root().script._children[self.get_name()]
        script.text = script.text.replace(stand_in, text, 1)
