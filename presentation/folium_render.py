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
"""

from __future__ import annotations

from branca.element import Element, Figure, MacroElement

__all__ = ["RenderedText", "install", "installed"]

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
