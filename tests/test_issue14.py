"""Issue 14, the second hardening pass: each item reproduced through the CLI (in-process, on the
tiny grid area of scenario_helpers) and now getting the expected behaviour."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point

from hedong.cli import main
from scenario_helpers import grid_area

AREA = grid_area()


@pytest.fixture(autouse=True)
def _grid(monkeypatch, tmp_path):
    import gis.areas

    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": AREA)
    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path / "data"))


def _run(argv, capsys):
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as e:
        rc = e.code
    out = capsys.readouterr()
    return rc, out.out, out.err


def _exit2(argv, capsys, needle):
    rc, _, err = _run(argv, capsys)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == 2, err
    assert len(lines) == 1 and "Traceback" not in err, lines
    assert needle in lines[0], lines[0]
    return lines[0]


def _gpkg(path, layer="mine"):
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=4326).to_file(path, layer=layer, driver="GPKG")
    return path.read_bytes()


# ------------------------------------------------------------------ 1. no overwrite without --overwrite

def test_catchments_never_replace_a_study_area(tmp_path, capsys):
    a = tmp_path / "A"
    a.mkdir()
    before = _gpkg(a / "area.gpkg", "boundary")
    (a / "network.osm").write_text("<osm/>")
    for extra in ([], ["--overwrite"], ["--append-layer"]):
        _exit2(["scenario", "evaluate", "--catchments", a / "area.gpkg", *extra], capsys, "area.gpkg")
    assert (a / "area.gpkg").read_bytes() == before


def test_outputs_refuse_existing_files_unless_overwrite(tmp_path, capsys):
    notes = tmp_path / "notes.csv"
    notes.write_text("my notes")
    _exit2(["scenario", "compare", "existing", "plan", "--year", 2025, "--csv", notes], capsys, "--overwrite")
    assert notes.read_text() == "my notes"
    other = tmp_path / "other.gpkg"
    before = _gpkg(other)
    _exit2(["circles", "--service", "primary", "--out", other], capsys, "other.gpkg")
    assert other.read_bytes() == before
    rc, _, err = _run(["scenario", "compare", "existing", "plan", "--year", 2025, "--csv", notes, "--overwrite"],
                      capsys)
    assert rc == 0, err and "existing" in notes.read_text(encoding="utf-8-sig")


def test_append_layer_keeps_other_layers(tmp_path, capsys):
    other = tmp_path / "other.gpkg"
    _gpkg(other)
    rc, _, err = _run(["circles", "--service", "primary", "--out", other, "--append-layer"], capsys)
    assert rc == 0, err
    assert {str(n) for n, _ in pyogrio.list_layers(other)} == {"mine", "circles_primary"}
    # The same layer again is a clash unless --overwrite replaces that layer (and only it).
    _exit2(["circles", "--service", "primary", "--out", other, "--append-layer"], capsys, "circles_primary")
    rc, _, err = _run(["circles", "--service", "primary", "--out", other, "--append-layer", "--overwrite"], capsys)
    assert rc == 0, err
    assert {str(n) for n, _ in pyogrio.list_layers(other)} == {"mine", "circles_primary"}


def test_export_refuses_existing_files(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "area.gpkg").write_text("a planner's area")
    _exit2(["export", "--area", tmp_path / "nowhere", "--out", out], capsys, "--overwrite")
    assert (out / "area.gpkg").read_text() == "a planner's area"
