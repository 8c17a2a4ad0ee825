"""The ground: study areas and their loaders, CRS, file I/O, OSM street networks."""

from layers.errors import InputError  # noqa: F401
