"""presentation.folium_render: a map's rendered text is never compiled as a Jinja template again."""

from __future__ import annotations

import re

import folium
from branca.element import MacroElement

from presentation import folium_render  # importing the package installs the renderer
from presentation.folium_render import RenderedText


def _map(name: str) -> folium.Map:
    m = folium.Map(location=[35.0, 111.0], tiles=None)
    folium.Marker([35.0, 111.0], tooltip=name).add_to(m)
    folium.GeoJson({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": name},
         "geometry": {"type": "Point", "coordinates": [111.0, 35.0]}}]},
        tooltip=folium.GeoJsonTooltip(["name"])).add_to(m)
    return m


def test_installed_by_the_presentation_package():
    assert folium_render.installed()


def test_template_syntax_in_data_is_shown_as_written():
    """Under branca's own render a name "{{ 1234*1000 }}" came out as 1234000 (and any expression ran)."""
    name = "{{ 1234*1000 }} {% if true %}yes{% endif %}"
    html = _map(name).get_root().render()
    assert "1234000" not in html and "{{ 1234*1000 }}" in html and "{% if true %}yes{% endif %}" in html
    try:  # the same map through branca's original method: the injection this module removes
        MacroElement.render = folium_render._ORIGINAL_RENDER
        assert "1234000" in _map(name).get_root().render()
    finally:
        folium_render.install()


def test_same_page_as_brancas_render_for_ordinary_data():
    """Line for line the original method: an ordinary map renders to the same page (element ids aside)."""
    def page(render):
        MacroElement.render = render
        try:
            m = _map("示例小学 3 <b>&</b>")
            return re.sub(r"_[0-9a-f]{32}", "_ID", m.get_root().render())
        finally:
            folium_render.install()

    assert page(folium_render._ORIGINAL_RENDER) == page(folium_render._render)


def test_rendered_text_is_returned_unchanged():
    assert RenderedText("{{ x }}").render(anything=1) == "{{ x }}"
