"""Issue 27, the third hardening pass: one regression test per item (3-8, 10, 11, 13-19), each
failing on the main branch before the fix. Items 1, 2, 9, 12 and 20 are tested elsewhere."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from layers.errors import InputError
from scenario_helpers import grid_area, run_cli, use_area

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- item 3: far sites in scenario files


@pytest.mark.parametrize("lon, lat", [(111.0, 89.99), (180.0, 35.0)])
@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_scenario_file_with_a_far_project_is_refused_on_every_path(tmp_path, monkeypatch, capsys, lon, lat, suffix):
    """A scenario *file* whose project lies at lat 89.99 or lon 180 was loaded and counted; now the one
    check of `scenario move` refuses it, by `--scenario FILE` and by `scenario copy FILE name` alike."""
    from scenarios.model import resolve_scenario
    from scenarios.store import write_scenario_file

    area = grid_area()
    use_area(monkeypatch, tmp_path, area)
    s = resolve_scenario(area, "plan").copy("far")
    p = s.projects.copy()
    p.loc[0, "geometry"] = gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(area.crs).iloc[0]
    s.projects = p
    f = write_scenario_file(s, tmp_path / f"far{suffix}")
    with pytest.raises(InputError) as e:
        resolve_scenario(area, str(f))
    assert "outside the study area" in str(e.value) and "P1" in str(e.value) and f.name in str(e.value)
    rc, out, err = run_cli(["scenario", "evaluate", "--scenario", f, "--year", 2025], capsys)
    assert rc == 2 and "outside the study area" in err, (rc, err)
    rc, out, err = run_cli(["scenario", "copy", f, "mine"], capsys)
    assert rc == 2 and "outside the study area" in err, (rc, err)
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").rglob("mine.gpkg"))


# ---------------------------------------------------------------- item 4: an empty capacity is no 0


def _facilities(**over):
    row = {"facility_id": "s1", "name": "一小", "family": "school", "subtype": "primary", "seats_primary": 900,
           "seats_junior": 0, "places_kindergarten": 0, "beds": 0, "area_m2": 0.0}
    row.update(over)
    return pd.DataFrame([row])


@pytest.mark.parametrize("layer, frame, field", [
    ("facilities", _facilities(seats_primary=None), "seats_primary"),
    ("facilities", _facilities(subtype="junior", seats_primary=0, seats_junior=float("nan")), "seats_junior"),
    ("facilities", _facilities(family="kindergarten", subtype="", seats_primary=0, places_kindergarten=""),
     "places_kindergarten"),
    ("facilities", _facilities(family="clinic", subtype="", seats_primary=0, beds=None), "beds"),
    ("projects", pd.DataFrame([{"project_id": "P1", "type": "primary", "seats_primary": None, "open_year": 2024}]),
     "seats_primary"),
    ("projects", pd.DataFrame([{"project_id": "P1", "type": "nine_year", "seats_primary": 500, "seats_junior": "",
                                "open_year": 2024}]), "seats_junior"),
])
def test_an_empty_capacity_the_row_uses_is_an_error(layer, frame, field):
    from layers.validate import validate_frame

    with pytest.raises(InputError) as e:
        validate_frame(frame, layer, file="x.gpkg")
    assert e.value.field == field and e.value.row == 1 and e.value.file == "x.gpkg"
    assert "empty" in e.value.reason


def test_an_empty_capacity_the_row_does_not_use_is_still_zero():
    from layers.validate import validate_frame

    ok = validate_frame(_facilities(seats_junior=None, beds=None, places_kindergarten=""), "facilities", file="x")
    assert ok.loc[0, "seats_primary"] == 900 and ok.loc[0, "seats_junior"] == 0
    p = validate_frame(pd.DataFrame([{"project_id": "P1", "type": "primary", "seats_primary": 600, "seats_junior": None,
                                      "open_year": 2024}]), "projects", file="x")
    assert p.loc[0, "seats_junior"] == 0


def test_an_empty_seats_cell_in_a_scenario_file_names_the_file(tmp_path):
    from scenarios.model import load_scenario, resolve_scenario
    from scenarios.store import write_scenario_file

    area = grid_area()
    s = resolve_scenario(area, "plan").copy("holes")
    s.projects = s.projects.astype({"seats_primary": float})
    s.projects.loc[0, "seats_primary"] = float("nan")
    f = write_scenario_file(s, tmp_path / "holes.gpkg")
    with pytest.raises(InputError) as e:
        load_scenario(f, area)
    assert e.value.field == "seats_primary" and e.value.row == 1 and "holes.gpkg" in str(e.value)


# ---------------------------------------------------------------- item 5 / 17: OSM ids and long tags


def _osm_xml(nodes, ways) -> str:
    body = "".join(f'<node id="{i}" lat="{lat}" lon="{lon}"/>' for i, lon, lat in nodes)
    for wid, refs, tags in ways:
        body += (f'<way id="{wid}">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                 + "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()) + "</way>")
    return f"<?xml version='1.0' encoding='UTF-8'?><osm version='0.6'>{body}</osm>"


NODES = [(61, 111.0, 35.0), (62, 111.001, 35.0), (63, 111.002, 35.0)]


def _write_pbf(path, nodes, ways):
    import osmium

    w = osmium.SimpleWriter(str(path))
    for i, lon, lat in nodes:
        w.add_node(osmium.osm.mutable.Node(id=i, location=(lon, lat)))
    for wid, refs, tags in ways:
        w.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags))
    w.close()


@pytest.mark.parametrize("fmt", ["xml", "pbf"])
@pytest.mark.parametrize("dup", ["node", "way"])
def test_an_osm_id_defined_twice_is_refused_naming_it(tmp_path, fmt, dup):
    """network.osm defining node 61 twice (the second 1,300 km away): the second copy won silently."""
    from gis.osm import parse_osm_xml, read_osm_networks
    from gis.osm_pbf import parse_pbf

    nodes = NODES + ([(61, 123.0, 40.0)] if dup == "node" else [])
    ways = [(7, [61, 62], {"highway": "footway"}), (8 if dup == "node" else 7, [62, 63], {"highway": "footway"})]
    if fmt == "xml":
        f = tmp_path / "network.osm"
        f.write_text(_osm_xml(nodes, ways), encoding="utf-8")
        parse = parse_osm_xml
    else:
        f = tmp_path / "network.osm.pbf"
        _write_pbf(f, nodes, ways)
        parse = parse_pbf
    want = f"{dup} {61 if dup == 'node' else 7} is defined twice"
    with pytest.raises(InputError) as e:
        parse(f)
    assert want in str(e.value) and e.value.file == str(f)
    with pytest.raises(InputError, match=want):
        read_osm_networks(f, crs="EPSG:4546")


@pytest.mark.parametrize("fmt", ["xml", "pbf"])
def test_a_long_street_name_is_cut_with_a_warning(tmp_path, fmt):
    """A 6 MB OSM street name reached every published page; OSM's own limit is 255 characters."""
    from gis.osm import parse_osm_xml, read_osm_networks
    from gis.osm_pbf import parse_pbf
    from layers.osm_tags import MAX_TAG_CHARS, LongTagWarning

    # libosmium writes tags up to 1,024 bytes only: the PBF case is a 300-character name
    long = "长" * 200_000 if fmt == "xml" else "长" + "x" * 299
    ways = [(7, [61, 62, 63], {"highway": "footway", "name": long})]
    if fmt == "xml":
        f = tmp_path / "network.osm"
        f.write_text(_osm_xml(NODES, ways), encoding="utf-8")
        parse = parse_osm_xml
    else:
        f = tmp_path / "network.osm.pbf"
        _write_pbf(f, NODES, ways)
        parse = parse_pbf
    with pytest.warns(LongTagWarning, match=f"cut to {MAX_TAG_CHARS}"):
        _, w = parse(f)
    assert len(w[0][2]["name"]) == MAX_TAG_CHARS and w[0][2]["name"].startswith("长")
    with pytest.warns(LongTagWarning):
        graphs, _ = read_osm_networks(f, crs="EPSG:4546")
    names = [d.get("name") for _, _, d in graphs["walk"].edges(data=True)]
    assert names and all(len(n) <= MAX_TAG_CHARS for n in names)


def test_a_long_poi_name_is_cut_with_a_warning():
    from layers.osm_tags import MAX_TAG_CHARS, LongTagWarning, facilities_from_osm

    pois = gpd.GeoDataFrame({"amenity": ["school"], "name": ["x" * 1_000_000], "id": [5], "osm_type": ["node"]},
                            geometry=[Point(111.0, 35.0)], crs=4326)
    with pytest.warns(LongTagWarning):
        fac = facilities_from_osm(pois, "EPSG:4546")
    assert len(fac.loc[0, "name"]) == MAX_TAG_CHARS
