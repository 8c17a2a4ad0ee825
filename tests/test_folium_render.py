"""presentation.folium_render: a map's rendered text is never compiled as a Jinja template again."""

from __future__ import annotations

import json
import re

import folium
import pytest
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


def _lines(n: int) -> dict:
    """A FeatureCollection of ``n`` short lines with names (one of them needing escapes)."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": f"Street {i} <b>&</b>'"},
         "geometry": {"type": "LineString", "coordinates": [[111.0 + i / 1e3, 35.0], [111.0 + i / 1e3, 35.001]]}}
        for i in range(n)]}


def _styled_page(layer_cls, data, **kwargs) -> str:
    """A map with one styled GeoJson layer (tooltip and highlight) whose ids are fixed, rendered."""
    m = folium.Map(location=[35.0, 111.0], tiles=None)
    m._id = "m" * 32
    style = {"color": "#9a9a9a", "weight": 1.2, "opacity": 0.7}
    tip = folium.GeoJsonTooltip(["name"], labels=False, sticky=True)
    tip._id = "t" * 32
    if layer_cls is folium.GeoJson:
        layer = folium.GeoJson(data, style_function=lambda f: style, highlight_function=lambda f: {"weight": 3},
                               tooltip=tip)
    else:
        layer = layer_cls(data, style, highlight_function=lambda f: {"weight": 3}, tooltip=tip, **kwargs)
    layer._id = "g" * 32
    layer.add_to(m)
    return re.sub(r"_[0-9a-f]{32}", "_ID", m.get_root().render())


def test_fixed_style_geojson_renders_foliums_page():
    """FixedStyleGeoJson writes the style table folium builds feature by feature, and its cached text
    is folium's serialisation: the same page, with and without the cache, first and second use."""
    data = _lines(40)
    want = _styled_page(folium.GeoJson, data)
    assert 'Street 3 \\u003cb\\u003e\\u0026\\u003c/b\\u003e\\u0027' in want  # escaped as folium does
    assert _styled_page(folium_render.FixedStyleGeoJson, data) == want
    cache: dict = {}
    assert _styled_page(folium_render.FixedStyleGeoJson, data, text_cache=cache) == want
    assert cache["text"] == folium_render.geojson_text(data)
    assert _styled_page(folium_render.FixedStyleGeoJson, data, text_cache=cache) == want  # pasted from cache


def test_fixed_style_geojson_pastes_the_cached_text():
    """The cache is what goes into the page (so a stale cache would show): proven with a marked text."""
    data = _lines(3)
    cache = {"text": folium_render.geojson_text(_lines(5))}
    page = _styled_page(folium_render.FixedStyleGeoJson, data, text_cache=cache)
    assert "Street 4 " in page and page.count("Street 0 ") == 1


def test_fixed_style_geojson_pastes_serialised_geometries():
    """Features without geometry plus their geometries serialised beforehand: folium's page again."""
    data = _lines(25)
    want = _styled_page(folium.GeoJson, data)
    texts = [json.dumps(f["geometry"], sort_keys=True) for f in data["features"]]
    bare = {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": dict(f["properties"]), "geometry": None}
                         for f in data["features"]]}
    assert _styled_page(folium_render.FixedStyleGeoJson, bare, geometry_text=texts) == want
    with pytest.raises(ValueError, match="one geometry per feature"):
        folium_render.FixedStyleGeoJson(bare, {"color": "#000"}, geometry_text=texts[:-1])
