"""Candidate-site uploads and typed lon/lat: the user's bytes and text become validated data or one line
saying which file, row or field is at fault.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from gis.crs import gcj02_to_wgs84
from layers.errors import InputError
from scenarios.candidates import load_candidates


#: Largest candidate-site upload accepted (bytes).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


#: Upload types accepted (read by pandas / pyogrio through scenarios.candidates; never pickle or eval).
UPLOAD_TYPES = ("csv", "geojson", "json", "gpkg")


def parse_upload(data: bytes, filename: str, crs):
    """Candidate sites from uploaded bytes, or the one-line message saying why not.

    Parameters
    ----------
    data : bytes
        The file's content (at most :data:`MAX_UPLOAD_BYTES`).
    filename : str
        Its name; the extension must be one of :data:`UPLOAD_TYPES`.
    crs : str
        The study area's CRS (candidates are projected to it).

    Returns
    -------
    (GeoDataFrame, None) or (None, str)
        Validated sites (:func:`scenarios.candidates.load_candidates`), or an error message naming
        the file, row and field at fault. Nothing else is touched.
    """
    name = Path(str(filename or "upload")).name
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in UPLOAD_TYPES:
        return None, InputError(f"file type .{suffix or '?'} is not accepted: use {', '.join(UPLOAD_TYPES)}",
                                file=name).one_line()
    if len(data) > MAX_UPLOAD_BYTES:
        return None, InputError(f"file is {len(data) / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB",
                                file=name).one_line()
    if not data:
        return None, InputError("file is empty", file=name).one_line()
    with tempfile.TemporaryDirectory(prefix="hedong-upload-") as d:
        path = Path(d) / f"candidates.{suffix}"
        path.write_bytes(data)
        try:
            return load_candidates(path, crs), None
        except InputError as e:
            return None, InputError(e.reason, file=name, row=e.row, field=e.field).one_line()
        except Exception as e:  # noqa: BLE001 - a reader's own error on a malformed file is the user's input error
            return None, InputError(f"cannot read the file ({type(e).__name__}: {str(e).splitlines()[0][:200]})",
                                    file=name).one_line()


def parse_lonlat(text: str, coords: str) -> tuple[float, float]:
    """``"lon, lat"`` (also space- or full-width-comma-separated) in ``coords`` (wgs84 / gcj02) to WGS84."""
    parts = [p for p in text.replace("，", ",").replace(",", " ").split() if p]
    if len(parts) != 2:
        raise InputError("type two numbers: longitude, latitude (e.g. 111.0075, 35.0265)", field="lon,lat")
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        raise InputError("longitude and latitude must be numbers", field="lon,lat") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError("longitude must be in -180..180 and latitude in -90..90 (lon first)", field="lon,lat")
    if coords == "gcj02":
        lon, lat = (float(v) for v in gcj02_to_wgs84(lon, lat))
    return lon, lat
