"""QGIS default styles of the layers the planner writes, in the app's colours.

:func:`layer_style` gives the QML (:mod:`gis.qml`) of a layer by its name and columns — catchments and
service areas by facility (:data:`presentation.styles.CATCHMENT_COLORS`), seat classes by the seat
ratio / coverage (:data:`presentation.styles.COVERAGE_CLASSES`), cells beyond the norm radius in the
uncovered magenta, circles in their service's colour (:data:`layers.families.SERVICE_COLOR`);
:func:`write_styled_gpkg` writes layers with those styles (through :func:`gis.io.write_gpkg_atomic`,
the one GeoPackage writer).
"""

from __future__ import annotations

import geopandas as gpd

from gis.io import write_gpkg_atomic
from gis.qml import categorized_qml, geometry_kind, graduated_qml, single_qml
from layers.families import SERVICE_COLOR
from presentation.styles import COVERAGE_CLASSES, UNCOVERED_COLOR, catchment_colors


def _kind(gdf) -> str:
    return geometry_kind(gdf.geom_type.iloc[0] if len(gdf) else "Polygon")


def coverage_classes_qml(field: str, kind: str = "fill") -> str:
    """The seat classes of the seat map (< 60 %, 60-80 %, 80-95 %, 95-100 %, >= 100 % seats per child)."""
    bounds = [lo for lo, _ in COVERAGE_CLASSES] + [1.0e9]
    labels = ["< 60%", "60–80%", "80–95%", "95–100%", "≥ 100%"]
    classes = [(bounds[i], bounds[i + 1], c, labels[i]) for i, (_, c) in enumerate(COVERAGE_CLASSES)]
    return graduated_qml(field, classes, kind, alpha=0.8)


def layer_style(name: str, gdf: gpd.GeoDataFrame) -> str:
    """The QML default style of layer ``name`` holding ``gdf``."""
    kind = _kind(gdf)
    if name == "catchments" or name.startswith("service_area_"):
        ids = gdf["facility_id"].astype(str).tolist() if "facility_id" in gdf else []
        names = dict(zip(ids, gdf["name"].astype(str))) if "name" in gdf else {}
        cats = [(fid, col, names.get(fid, fid)) for fid, col in catchment_colors(ids).items()]
        return categorized_qml("facility_id", cats, kind, alpha=0.75)
    if name.startswith("circles_"):
        col = SERVICE_COLOR.get(name[len("circles_"):], "#3366cc")
        return single_qml(kind, col, alpha=0.35, outline=col)
    if name in ("norm_gaps", "uncovered"):
        return single_qml(kind, UNCOVERED_COLOR, alpha=0.6)
    for field in ("seat_ratio", "coverage"):
        if field in gdf.columns:
            return coverage_classes_qml(field, kind)
    return single_qml(kind, "#7f7f7f", alpha=0.6)


def write_styled_gpkg(layers: dict, path, *, styles: dict | None = None, **kwargs):
    """:func:`gis.io.write_gpkg_atomic` with every layer's :func:`layer_style` (``styles`` overrides)."""
    st = {k: layer_style(k, g) for k, g in layers.items()} | dict(styles or {})
    return write_gpkg_atomic(layers, path, styles=st, **kwargs)
