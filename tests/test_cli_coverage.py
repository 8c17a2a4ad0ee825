"""`hedong coverage` / `hedong circles`: contract JSON, exit codes, atomic GeoPackage."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

import gis.areas
from hedong.cli import main


@pytest.fixture(autouse=True)
def demo_area(small_demo, monkeypatch):
    """Commands load the small demo instead of the full one (same generator)."""
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": small_demo)
    return small_demo


def test_coverage_json(capsys):
    assert main(["coverage", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["minutes"] == 15 and r["mode"] == "walk" and isinstance(r["seconds"], float)
    fit = r["services"]["fitness"]
    assert {"population_share", "median_minutes", "by_district"} <= set(fit)
    assert {"all_services_share", "mean_services_within"} <= set(r["life_circle"])


def test_coverage_minutes_mode_and_table(capsys):
    assert main(["coverage", "--minutes", "10", "--mode", "bike", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["minutes"] == 10 and r["mode"] == "bike"
    assert r["services"]["elderly_care"]["travel_mode"] == "bike"
    assert main(["coverage"]) == 0
    out = capsys.readouterr().out
    assert "fitness" in out and "life circle" in out


@pytest.mark.parametrize("argv", [["coverage", "--minutes", "-3"], ["coverage", "--scenario", "plan"],
                                  ["coverage", "--mode", "car"]])
def test_bad_arguments_exit_2(argv, capsys):
    try:
        rc = main(argv)
    except SystemExit as e:  # argparse choices
        rc = e.code
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hedong:") and len(err.splitlines()) == 1


def test_coverage_scenario(capsys):
    """The plan's schools and kindergartens add coverage over the existing city, never remove it."""
    assert main(["coverage", "--json"]) == 0
    base = json.loads(capsys.readouterr().out)["services"]
    rc = main(["coverage", "--scenario", "plan", "--year", "2025", "--json"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    r = json.loads(cap.out)
    assert r["year"] == 2025
    gains = {k: r["services"][k]["population_share"] - base[k]["population_share"] for k in base}
    assert all(g >= -1e-12 for g in gains.values()), gains
    assert max(g for k, g in gains.items() if k != "fitness" and k != "clinic") > 0, gains


def test_circles_writes_gpkg(tmp_path, capsys):
    out = tmp_path / "circles.gpkg"
    assert main(["circles", "--service", "fitness", "--minutes", "10", "--out", str(out), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    g = gpd.read_file(out)
    assert len(g) == 1 and s["features"] == 1
    assert {"service", "minutes", "population", "demand"} <= set(g.columns)
    assert g["service"].iloc[0] == "fitness" and g["minutes"].iloc[0] == 10
    assert [p.name for p in tmp_path.iterdir()] == ["circles.gpkg"]  # no temp file left
    # an existing file is replaced only with --overwrite (issue 14)
    assert main(["circles", "--service", "kindergarten", "--per-facility", "--out", str(out)]) == 2
    assert main(["circles", "--service", "kindergarten", "--per-facility", "--out", str(out), "--overwrite"]) == 0
    g2 = gpd.read_file(out)
    assert len(g2) > 1 and "facility_id" in g2


def test_circles_bad_out(tmp_path, capsys):
    assert main(["circles", "--service", "fitness", "--out", str(tmp_path / "x.txt")]) == 2
    assert main(["circles", "--service", "fitness", "--out", str(tmp_path / "nope" / "x.gpkg")]) == 2
