"""The ground: study areas, CRS, file I/O, street networks, the Yuncheng demo, published maps."""

from gis.errors import InputError  # noqa: F401
