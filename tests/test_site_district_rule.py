"""A chosen site's district follows the project's one district rule (gis.districts.district_of).

The optimiser used to name a site's district by "within" only, the seat balance by district_of
(contained or within its 100 m tolerance, else outside). A site 500 m outside every district is
outside in both: no district in ``scenario optimize --json``, "(outside districts)" in the balance.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

import gis.areas
from gis.districts import TOLERANCE_M, district_of
from hedong.cli import main
from scenarios.evaluate import evaluate
from tests.scenario_helpers import X0, Y0, grid_area

#: The grid is 1,100 m wide; the districts keep its western 550 m, so x = X0 + 1,050 lies 500 m
#: beyond every district yet inside the study area, on its streets.
SITE = Point(X0 + 1050.0, Y0 + 550.0)


@pytest.fixture()
def area():
    a = grid_area()
    d = a.districts.copy()
    d["geometry"] = [box(X0, Y0, X0 + 275, Y0 + 1100), box(X0 + 275, Y0, X0 + 550, Y0 + 1100)]
    return a.replace(districts=d)


def test_the_site_is_500_m_outside_every_district(area):
    gap = area.districts.distance(SITE).min()
    assert gap == pytest.approx(500.0) and gap > TOLERANCE_M
    assert area.boundary.contains(SITE).all()
    assert district_of(gpd.GeoSeries([SITE], crs=area.crs), area.districts, outside="none") == [None]


def test_optimize_and_seat_balance_agree_on_a_site_outside_every_district(area, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec=None: area)
    # controls: a site inside the western district, and one 50 m beyond the eastern one — within the
    # rule's tolerance, so in it (the old "within only" rule left it without a district)
    to_ll = Transformer.from_crs(area.crs, "EPSG:4326", always_xy=True).transform
    sites = {"far": SITE, "near": Point(X0 + 150.0, Y0 + 950.0), "edge": Point(X0 + 600.0, Y0 + 250.0)}
    p = tmp_path / "c.csv"
    p.write_text("candidate_id,lon,lat\n" + "".join(f"{k},{to_ll(g.x, g.y)[0]:.8f},{to_ll(g.x, g.y)[1]:.8f}\n"
                                                     for k, g in sites.items()), encoding="utf-8")
    assert main(["scenario", "optimize", "--level", "primary", "--model", "mclp", "--p", "3",
                 "--candidates", str(p), "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    got = {s["candidate_id"]: (s["district"], s["district_id"]) for s in j["chosen_sites"]}
    assert got == {"far": ("", None), "near": ("西区", "D1"), "edge": ("东区", "D2")}
    # the seat balance: a school at the same site counts in "(outside districts)", not in a district
    school = gpd.GeoDataFrame({"facility_id": ["new"], "name": ["新小"], "family": ["school"], "subtype": ["primary"],
                               "seats_primary": [900], "seats_junior": [0], "places_kindergarten": [0], "beds": [0],
                               "area_m2": [0.0], "source": ["test"]}, geometry=[SITE], crs=area.crs)
    with_school = area.replace(facilities=gpd.GeoDataFrame(
        gpd.pd.concat([area.facilities, school], ignore_index=True), crs=area.crs))
    rows = {r["district"]: r for r in evaluate(with_school, "existing", 2025, levels=("primary",))
            .to_json()["levels"]["primary"]["by_district"]}
    assert rows["(outside districts)"]["seats"] == 900
    assert sum(r["seats"] for r in rows.values()) == 150 + 900


def test_one_site_outside_every_district_is_outside_in_balance_indicators_and_optimiser(area, tmp_path, monkeypatch,
                                                                                       capsys):
    """Issue 22's acceptance in one test: a kindergarten at the site 500 m outside every district is outside
    them in ``scenario evaluate --json``, ``indicators --json`` and ``scenario optimize --json`` alike."""
    kg = gpd.GeoDataFrame({"facility_id": ["kg-far"], "name": ["城外幼儿园"], "family": ["kindergarten"],
                           "subtype": ["kindergarten"], "seats_primary": [0], "seats_junior": [0],
                           "places_kindergarten": [360], "beds": [0], "area_m2": [0.0], "source": ["test"]},
                          geometry=[SITE], crs=area.crs)
    with_kg = area.replace(facilities=gpd.GeoDataFrame(gpd.pd.concat([area.facilities, kg], ignore_index=True),
                                                       crs=area.crs))
    out = {}
    for label, a in (("without", area), ("with", with_kg)):
        monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec=None, a=a: a)
        assert main(["scenario", "evaluate", "--scenario", "existing", "--year", "2025", "--json"]) == 0
        ev = json.loads(capsys.readouterr().out)["levels"]["kindergarten"]["by_district"]
        assert main(["indicators", "--no-walking", "--json"]) == 0
        rows = json.loads(capsys.readouterr().out)["indicators"]
        proxy = next(r for r in rows if r["key"] == "kindergarten_gross_enrolment_proxy")
        out[label] = ({r["district_id"]: r["seats"] for r in ev}, proxy)
    (bal0, ind0), (bal1, ind1) = out["without"], out["with"]
    assert bal1.get("", 0) == bal0.get("", 0) + 360  # the balance: "(outside districts)" only
    assert {k: v for k, v in bal1.items() if k} == {k: v for k, v in bal0.items() if k}
    assert ind1["value"] > ind0["value"]  # the indicators: in the area's value, in no subdistrict's
    assert {k: v["value"] for k, v in ind1["by_district"].items()} == \
        {k: v["value"] for k, v in ind0["by_district"].items()}
    to_ll = Transformer.from_crs(area.crs, "EPSG:4326", always_xy=True).transform
    p = tmp_path / "c.csv"
    p.write_text("candidate_id,lon,lat\nfar,{:.8f},{:.8f}\n".format(*to_ll(SITE.x, SITE.y)), encoding="utf-8")
    assert main(["scenario", "optimize", "--level", "kindergarten", "--model", "mclp", "--p", "1",
                 "--candidates", str(p), "--json"]) == 0
    chosen = json.loads(capsys.readouterr().out)["chosen_sites"]
    assert [(c["candidate_id"], c["district_id"]) for c in chosen] == [("far", None)]  # the optimiser: none
