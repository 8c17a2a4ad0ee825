"""Study-area folders (issue 14) (the grid area exported with `export_area`, read back
through `--area DIR`): stores keyed by the folder, value ranges, duplicate districts, the cache."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from gis.folder import export_area
from scenario_helpers import grid_area, run_cli
from gis.qml import data_layers


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    d = tmp_path_factory.mktemp("src") / "area"
    export_area(grid_area(), d)
    return d


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path):
    import gis.areas

    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path / "data"))
    gis.areas.load_area_cached.cache_clear()


def _copy(exported, dest):
    import shutil

    shutil.copytree(exported, dest)
    return dest


def _run(argv, capsys):
    return run_cli(argv, capsys)


def _edit_layer(folder, layer, fn):
    g = gpd.read_file(folder / "area.gpkg", layer=layer)
    g = fn(g)
    layers = {n: gpd.read_file(folder / "area.gpkg", layer=n) for n in data_layers(folder / "area.gpkg")}
    layers[layer] = g
    (folder / "area.gpkg").unlink()
    for n, v in layers.items():
        v.to_file(folder / "area.gpkg", layer=n, driver="GPKG")


def test_same_folder_names_have_separate_stores(exported, tmp_path, capsys):
    a = _copy(exported, tmp_path / "2023" / "yanhu")
    b = _copy(exported, tmp_path / "2024" / "yanhu")
    assert _run(["scenario", "copy", "plan", "mine", "--area", a], capsys)[0] == 0
    rc, out, _ = _run(["scenario", "list", "--area", b, "--json"], capsys)
    assert rc == 0 and "mine" not in [r["name"] for r in json.loads(out)]
    rc, out, _ = _run(["scenario", "list", "--area", a, "--json"], capsys)
    assert "mine" in [r["name"] for r in json.loads(out)]


def test_folder_is_cached_by_content(exported, tmp_path):
    from gis.areas import load_area

    a = _copy(exported, tmp_path / "a")
    first = load_area(str(a))
    second = load_area(str(a))
    assert not first.cache["from_cache"] and second.cache["from_cache"]
    assert second.graph.number_of_edges() == first.graph.number_of_edges()
    assert second.population.equals(first.population)
    # Any change of an input file is a miss that re-validates.
    (a / "area.json").write_text(json.dumps({"cell_size": "abc"}))
    with pytest.raises(Exception, match="cell_size"):
        load_area(str(a))


@pytest.mark.parametrize("meta,field", [({"cell_size": "abc"}, "cell_size"), ({"cell_size": 1e7}, "cell_size"),
                                        ({"sources": ["x"]}, "sources"), ({"synthetic": "false"}, "synthetic")])
def test_area_json_values(exported, tmp_path, capsys, meta, field):
    a = _copy(exported, tmp_path / "a")
    (a / "area.json").write_text(json.dumps(meta))
    rc, _, err = _run(["info", "--area", a], capsys)
    assert rc == 2 and field in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("layer,col,value", [
    ("districts", "growth_rate", "abc"), ("districts", "growth_rate", -2.0),
    ("population", "age_6_11", 1e19), ("facilities", "seats_primary", 9.3e18), ("facilities", "seats_primary", 0.6),
    ("districts", "name", "Same"), ("districts", "district_id", "D1")])
def test_layer_values_out_of_range(exported, tmp_path, capsys, layer, col, value):
    a = _copy(exported, tmp_path / "a")

    def fn(g):
        g[col] = g[col].astype(object) if col in g else None
        if layer == "districts" and col in ("name", "district_id"):
            g[col] = value  # two districts named (or numbered) alike
        else:
            g.loc[g.index[0], col] = value
        return g

    _edit_layer(a, layer, fn)
    rc, _, err = _run(["info", "--area", a], capsys)
    assert rc == 2 and col in err and len(err.strip().splitlines()) == 1, err
