"""QGIS default styles inside a GeoPackage: the ``layer_styles`` table and the QML it holds.

QGIS reads a layer's default style from the GeoPackage's ``layer_styles`` table (the table QGIS writes
with "Save as default" in the database: ``f_table_catalog``, ``f_table_schema``, ``f_table_name``,
``f_geometry_column``, ``styleName``, ``styleQML``, ``styleSLD``, ``useAsDefault``, ``description``,
``owner``, ``ui``, ``update_time``), so a file opens looking like the planner's maps with no styling
by hand. This module writes QML documents of the three renderers the planner needs — one symbol
(:func:`single_qml`), categories (:func:`categorized_qml`) and classes (:func:`graduated_qml`) — and
the table (:func:`write_layer_styles`). The colours are the caller's (the app's palettes live in
:mod:`presentation.styles` and :mod:`layers.families`); here only the file format is known.

Written with the standard library (sqlite3, xml.etree): a GeoPackage is an SQLite file, and no
maintained Python library writes QGIS styles without QGIS itself.
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pyogrio

#: The style table's name; GDAL lists it among a GeoPackage's layers (as in every file QGIS styled), so
#: readers choosing "the" layer of a file skip it (:func:`data_layers`).
STYLE_TABLE = "layer_styles"

__all__ = ["STYLE_TABLE", "data_layers", "single_qml", "categorized_qml", "graduated_qml", "write_layer_styles", "read_layer_styles",
           "geometry_kind"]

_LAYER_STYLES_SQL = """CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
  useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), update_time DATETIME DEFAULT
  (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"""


def geometry_kind(geom_type: str | None) -> str:
    """``fill`` (polygons), ``line`` or ``marker`` (points) — QGIS's symbol type for a geometry type."""
    g = (geom_type or "").lower()
    if "polygon" in g:
        return "fill"
    if "line" in g:
        return "line"
    return "marker"


def _rgba(color: str, alpha: float = 1.0) -> str:
    c = color.lstrip("#")
    return f"{int(c[0:2], 16)},{int(c[2:4], 16)},{int(c[4:6], 16)},{int(round(alpha * 255))}"


def _symbol(parent, name: str, kind: str, color: str, alpha: float = 1.0, outline: str = "#ffffff",
            width: float = 0.26) -> None:
    s = ET.SubElement(parent, "symbol", {"name": name, "type": kind, "alpha": "1", "clip_to_extent": "1",
                                          "force_rhr": "0"})
    cls = {"fill": "SimpleFill", "line": "SimpleLine", "marker": "SimpleMarker"}[kind]
    layer = ET.SubElement(s, "layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    opts = ET.SubElement(layer, "Option", {"type": "Map"})
    props = {"fill": {"color": _rgba(color, alpha), "outline_color": _rgba(outline), "outline_width": str(width),
                      "outline_style": "solid", "style": "solid"},
             "line": {"line_color": _rgba(color, alpha), "line_width": str(max(width, 0.5)), "line_style": "solid"},
             "marker": {"color": _rgba(color, alpha), "outline_color": _rgba(outline), "size": "2.6",
                        "name": "circle", "outline_width": "0.3"}}[kind]
    for k, v in props.items():
        ET.SubElement(opts, "Option", {"type": "QString", "name": k, "value": v})
        ET.SubElement(layer, "prop", {"k": k, "v": v})  # the older form QGIS 3.x also reads


def _doc(renderer: ET.Element) -> str:
    root = ET.Element("qgis", {"version": "3.28.0", "styleCategories": "Symbology"})
    root.append(renderer)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")


def single_qml(kind: str, color: str, *, alpha: float = 1.0, outline: str = "#ffffff") -> str:
    """A QML document with one symbol (``kind`` from :func:`geometry_kind`) in ``color`` (``#rrggbb``)."""
    r = ET.Element("renderer-v2", {"type": "singleSymbol", "symbollevels": "0", "enableorderby": "0",
                                   "forceraster": "0"})
    syms = ET.SubElement(r, "symbols")
    _symbol(syms, "0", kind, color, alpha, outline)
    return _doc(r)


def categorized_qml(field: str, categories, kind: str, *, alpha: float = 1.0, outline: str = "#ffffff") -> str:
    """A QML document colouring features by the value of ``field``.

    ``categories``: ``(value, colour, label)`` triples, in legend order.
    """
    r = ET.Element("renderer-v2", {"type": "categorizedSymbol", "attr": field, "symbollevels": "0",
                                   "enableorderby": "0", "forceraster": "0"})
    cats = ET.SubElement(r, "categories")
    syms = ET.SubElement(r, "symbols")
    for i, (value, color, label) in enumerate(categories):
        ET.SubElement(cats, "category", {"value": str(value), "symbol": str(i), "label": str(label), "render": "true"})
        _symbol(syms, str(i), kind, color, alpha, outline)
    return _doc(r)


def graduated_qml(field: str, classes, kind: str, *, alpha: float = 1.0, outline: str = "#ffffff") -> str:
    """A QML document colouring features by classes of the number in ``field``.

    ``classes``: ``(lower, upper, colour, label)`` in increasing order.
    """
    r = ET.Element("renderer-v2", {"type": "graduatedSymbol", "attr": field, "graduatedMethod": "GraduatedColor",
                                   "symbollevels": "0", "enableorderby": "0", "forceraster": "0"})
    ranges = ET.SubElement(r, "ranges")
    syms = ET.SubElement(r, "symbols")
    for i, (lo, hi, color, label) in enumerate(classes):
        ET.SubElement(ranges, "range", {"lower": repr(float(lo)), "upper": repr(float(hi)), "symbol": str(i),
                                        "label": str(label), "render": "true"})
        _symbol(syms, str(i), kind, color, alpha, outline)
    return _doc(r)


def write_layer_styles(path, styles: dict, geometry_columns: dict | None = None) -> None:
    """Write (replace) the default style of each layer in ``styles`` (layer name -> QML) into the
    GeoPackage at ``path``'s ``layer_styles`` table.

    The table is not registered in ``gpkg_contents``: QGIS finds it by name, while GDAL (and so
    pyogrio, geopandas and the planner's own readers) keep listing only the data layers — a reader
    looping over the layers of ``area.gpkg`` does not meet a table of XML."""
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with sqlite3.connect(Path(path)) as con:
        con.execute(_LAYER_STYLES_SQL)
        for name, qml in styles.items():
            geom = (geometry_columns or {}).get(name, "geom")
            con.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (name,))
            con.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                        "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
                        "VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', NULL, ?)",
                        (name, geom, name, qml, "Hedong Planner default style", now))
    con.close()


def read_layer_styles(path) -> list[dict]:
    """The rows of a GeoPackage's ``layer_styles`` table (empty when it has none)."""
    with sqlite3.connect(Path(path)) as con:
        con.row_factory = sqlite3.Row
        try:
            rows = [dict(r) for r in con.execute("SELECT * FROM layer_styles")]
        except sqlite3.OperationalError:
            rows = []
    con.close()
    return rows


def data_layers(path) -> list[str]:
    """The layers of a vector file GDAL lists, without the QGIS style table (:data:`STYLE_TABLE`)."""
    return [str(n) for n, _ in pyogrio.list_layers(path) if str(n) != STYLE_TABLE]
