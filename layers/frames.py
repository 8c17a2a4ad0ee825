"""Layer frames built from the schema: the one empty-layer builder and the one projects → facilities converter.

Both read the layer specs of :mod:`layers.validate` and the family registry, so a layer built
here has exactly the columns and dtypes a validated load gives, and a planned project becomes
the facility its type names (:data:`layers.families.PROJECT_TYPES`) — an unknown type is an
error, never a guess.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from layers.errors import InputError
from layers.families import PROJECT_TYPES
from layers.schema import CAPACITY_COLUMNS, CLASSES_OF, NAME_EN, facility_columns
from layers.validate import SPECS, column_dtype


def empty_layer(layer: str, crs, extra: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """A layer with no rows: the columns of :data:`layers.validate.SPECS` ``[layer]`` with the dtypes a
    validated load gives, then ``extra`` text columns, and an empty geometry in ``crs``.

    >>> list(empty_layer("projects", "EPSG:4546", extra=("notes",)).columns)[-4:]
    ['classes_junior', 'classes_kindergarten', 'notes', 'geometry']
    """
    cols = {c.name: pd.Series([], dtype=column_dtype(c)) for c in SPECS[layer]}
    cols.update({c: pd.Series([], dtype="object") for c in extra if c not in cols})
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def projects_as_facilities(projects: gpd.GeoDataFrame, crs=None, *, source=None) -> gpd.GeoDataFrame:
    """Project rows as facility rows: :func:`layers.schema.facility_columns` plus ``project_id``, ``open_year``,
    ``build_year`` and the ``classes_*`` columns (and ``name_en`` when the projects have it).

    A project of type ``t`` becomes a facility of family / sub-type ``PROJECT_TYPES[t]`` with the
    project's capacity columns (0 in the others). A frame that already has a ``family`` column
    is taken as facilities and returned as it is (reprojected to ``crs`` when given).

    Parameters
    ----------
    projects : GeoDataFrame
        Validated projects (:func:`layers.validate.validate_frame` layer ``projects``).
    crs : optional
        Reproject the result to this CRS.
    source : str, optional
        Named in the error message.

    Raises
    ------
    layers.errors.InputError
        A ``type`` that is not a project type (naming the row).
    """
    if "family" in projects.columns:
        out = projects
    else:
        types = projects["type"].astype(str).tolist() if "type" in projects.columns else [""] * len(projects)
        for i, t in enumerate(types, start=1):
            if t not in PROJECT_TYPES:
                raise InputError(f"unknown project type {t!r}: use one of {', '.join(PROJECT_TYPES)}", file=source,
                                 row=i, field="type")
        n = len(projects)
        ids = projects["project_id"].astype(str).to_numpy() if "project_id" in projects.columns else [""] * n
        f = pd.DataFrame({
            "facility_id": ids,
            "name": projects["name"].to_numpy() if "name" in projects.columns else [""] * n,
            "family": [PROJECT_TYPES[t][0] for t in types], "subtype": [PROJECT_TYPES[t][1] for t in types],
            **{c: (projects[c].to_numpy() if c in projects.columns else [0.0] * n) for c in CAPACITY_COLUMNS},
            # ownership / 普惠 / bed type of a planned project: as its layer gives them, else unknown
            **{c: (projects[c].to_numpy() if c in projects.columns else [d] * n)
               for c, d in (("ownership", ""), ("puhui", False), ("bed_type", ""))},
            "source": projects["source"].to_numpy() if "source" in projects.columns else [""] * n,
            "project_id": ids,
            "open_year": projects["open_year"].to_numpy() if "open_year" in projects.columns else [pd.NA] * n,
            # issue 11: the plan's year (NaN where not given) and classes by level (0 = seats / class size)
            "build_year": (pd.to_numeric(projects["build_year"], errors="coerce").astype(float).to_numpy()
                           if "build_year" in projects.columns else [float("nan")] * n),
            **{c: (pd.to_numeric(projects[c], errors="coerce").fillna(0).astype("int64").to_numpy()
                   if c in projects.columns else [0] * n) for c in CLASSES_OF.values()},
        })
        cols = [*facility_columns(), "project_id", "open_year", "build_year", *CLASSES_OF.values()]
        if NAME_EN in projects.columns:  # the optional English name travels along
            f[NAME_EN] = projects[NAME_EN].to_numpy()
            cols.append(NAME_EN)
        out = gpd.GeoDataFrame(f[cols], geometry=projects.geometry.values, crs=projects.crs)
    return out.to_crs(crs) if crs is not None and out.crs is not None else out
