"""One capacity-by-district rule (issue 22): a kindergarten 500 m outside every subdistrict is outside
them in the seat balance (``scenario evaluate --json``) and in the plan's indicators
(``indicators --json``) alike — not in the nearest subdistrict in one and outside in the other."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import gis.areas
from accessibility.capacity import OUTSIDE, capacity_by_district, demand_ratio, facility_districts, seat_utilisation
from gis.districts import TOLERANCE_M
from hedong.cli import main

PLACES = 540


@pytest.fixture(scope="module")
def outside_point(small_demo):
    """A point of the study area at least 500 m from every subdistrict (the demo's subdistricts cover
    only the urban part of Yanhu)."""
    d = small_demo.districts
    free = small_demo.boundary.union_all().difference(d.buffer(500.0).union_all()).buffer(-50.0)
    assert not free.is_empty
    pt = free.representative_point()
    assert float(d.distance(pt).min()) >= 500.0
    return pt


def _with_kindergarten(area, pt):
    k = area.facilities[area.facilities["family"] == "kindergarten"].head(1).copy()
    k["facility_id"], k["name"], k["places_kindergarten"] = "kg-outside", "城外幼儿园", PLACES
    k = k.set_geometry(gpd.GeoSeries([pt], crs=area.crs, index=k.index))
    fac = gpd.GeoDataFrame(pd.concat([area.facilities, k], ignore_index=True), geometry="geometry", crs=area.crs)
    return area.replace(facilities=fac)


def test_the_rule_by_hand(small_demo, outside_point):
    """Inside, within the 100 m tolerance, and far outside, checked against shapely distances."""
    d = small_demo.districts
    inner = d.geometry.iloc[0].representative_point()
    # a point 60 m outside the subdistricts' outer edge: in no polygon, within the tolerance
    ring = shapely.get_geometry(d.union_all().buffer(60.0).boundary, 0)
    near = ring.interpolate(0.3, normalized=True)
    assert not d.intersects(near).any() and 50.0 < float(d.distance(near).min()) <= TOLERANCE_M
    pts = gpd.GeoDataFrame({"facility_id": ["a", "b", "c"], "family": "kindergarten", "subtype": "kindergarten",
                            "places_kindergarten": [100.0, 200.0, 400.0]},
                           geometry=[inner, near, outside_point], crs=small_demo.crs)
    where = facility_districts(pts, d)
    nearest = str(d["district_id"].iloc[int(np.argmin(d.distance(near)))])
    assert list(where) == [str(d["district_id"].iloc[0]), nearest, OUTSIDE]
    cap = capacity_by_district(pts, d, "kindergarten")
    assert cap[OUTSIDE] == 400.0 and cap.sum() == 700.0 and list(cap.index[:-1]) == list(d["district_id"].astype(str))


def test_utilisations_have_two_names():
    assert list(seat_utilisation([90, 0], [100, 0])[:1]) == [0.9] and np.isnan(seat_utilisation([1], [0])[0])
    assert list(demand_ratio([120], [100])) == [1.2]


def test_outside_in_the_balance_and_the_indicators(small_demo, outside_point, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("HEDONG_DATA_DIR", str(tmp_path / "data"))
    res = {}
    for label, area in (("before", small_demo), ("after", _with_kindergarten(small_demo, outside_point))):
        monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo", a=area: a)
        assert main(["scenario", "evaluate", "--scenario", "existing", "--year", "2025", "--json"]) == 0
        ev = json.loads(capsys.readouterr().out)["levels"]["kindergarten"]
        assert main(["indicators", "--no-walking", "--json"]) == 0
        ind = json.loads(capsys.readouterr().out)
        rows = ind["indicators"]
        proxy = next(r for r in rows if r["key"] == "kindergarten_gross_enrolment_proxy")
        res[label] = (ev, proxy)
    (ev0, ind0), (ev1, ind1) = res["before"], res["after"]
    # the seat balance: the places are in the level's total and the "(outside districts)" row only
    assert ev1["seats"] == ev0["seats"] + PLACES
    inside0 = {r["district_id"]: r["seats"] for r in ev0["by_district"] if r["district_id"]}
    inside1 = {r["district_id"]: r["seats"] for r in ev1["by_district"] if r["district_id"]}
    assert inside1 == inside0
    out1 = [r for r in ev1["by_district"] if r["district_id"] == ""]
    out0 = [r for r in ev0["by_district"] if r["district_id"] == ""]
    assert out1 and out1[0]["seats"] == (out0[0]["seats"] if out0 else 0) + PLACES
    assert all("demand_ratio" in r and r["utilisation"] == r["demand_ratio"] for r in ev1["by_district"]
               if r["demand_ratio"] is not None)
    # the indicators: the area's value grows, no subdistrict's does (the nearest one once took them)
    assert ind1["value"] > ind0["value"]
    assert {k: v["value"] for k, v in ind1["by_district"].items()} == {k: v["value"] for k, v in ind0["by_district"].items()}
