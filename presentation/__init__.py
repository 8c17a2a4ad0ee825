"""Presentation: web maps (folium / Leaflet, offline assets), styles, legends and published HTML.

Above :mod:`scenarios`: it draws what the analysis packages compute and computes nothing of its
own beyond geometry for display. The Streamlit app and the ``hedong`` CLI sit on top of it.
"""

from presentation import folium_render as _folium_render

# Before any map is built: data strings in a map are shown as written, never run as Jinja (see the module).
_folium_render.install()
