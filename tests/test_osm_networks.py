"""Real OSM networks give true times (issue 10): hand-made OSM files, XML and PBF, through the CLI.

Each case (tests/osm_cases.py) is a user study-area folder. ``hedong coverage --cells-out`` gives
per-cell minutes for every service; they must equal an independent networkx computation on the
same file (hand-chosen usable ways, own parser, own great-circle lengths, same documented snapping
rule) to 1e-6 relative. ``hedong circles`` must cover exactly the cells the independent times put
within the budget, and ``hedong scenario optimize`` must pick the brute-force optimum.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from gis.osm_filter import FILTERS, bike_oneway, way_verdict
from layers.families import SERVICES
from osm_cases import FACILITIES, SERVED, Independent, cases, cell_pop, cells_of, write_folder

CASES = cases()
FMTS = ("xml", "pbf")
#: Ways whose wrong handling (used although forbidden, or lost) would change the answers.
TRAPS = {"railway": {200}, "foot_no": {200}, "private": {200}, "motorway": {200}, "building": {200},
         "sidewalk": {200}, "crescent": {210}, "loop": {220}, "cycleway": {200}}


def _cli(capsys, argv) -> str:
    from hedong.cli import main

    rc = main(argv)
    out = capsys.readouterr()
    assert rc == 0, out.err
    return out.out


def _facilities(service):
    return [(f[3], f[4]) for f in FACILITIES if f[0] in SERVED.get(service, [])]


def _cell_minutes(tmp_path, capsys, folder, mode):
    csv = tmp_path / f"cells-{mode}.csv"
    _cli(capsys, ["coverage", "--area", str(folder), "--mode", mode, "--json", "--cells-out", str(csv)])
    return pd.read_csv(csv, encoding="utf-8-sig")


def _check_minutes(got, case, net, mode):
    ind = Independent(case, net, mode)
    cells = cells_of(case)
    for svc in SERVICES:
        exp = ind.minutes(cells, _facilities(svc), mode, svc)
        np.testing.assert_allclose(got[svc].to_numpy(float), exp, rtol=1e-6, err_msg=f"{case.name} {mode} {svc}")
    return ind


#: Every case as XML; as PBF a few in the fast run (same parser path after reading), all when slow.
_FAST_PBF = {"railway", "crescent", "loop"}
WALK_PARAMS = [pytest.param(n, f, marks=() if f == "xml" or n in _FAST_PBF else pytest.mark.slow)
               for n in sorted(CASES) for f in FMTS]


@pytest.mark.parametrize("name, fmt", WALK_PARAMS)
def test_walk_minutes_and_circles_equal_networkx(tmp_path, capsys, name, fmt):
    case = CASES[name]
    folder = tmp_path / f"{name}-{fmt}"
    net = write_folder(case, folder, fmt)
    got = _cell_minutes(tmp_path, capsys, folder, "walk")
    _check_minutes(got, case, net, "walk")

    # The case can tell right from wrong: the trap way used (or lost) changes some cell's minutes.
    wrong = Independent(case, net, "walk")
    wrong.__init__(type(case)(case.name, case.nodes, case.ways, case.walk ^ TRAPS[name]), net, "walk")
    cells = cells_of(case)
    right = got["fitness"].to_numpy(float)
    assert not np.allclose(wrong.minutes(cells, _facilities("fitness"), "walk", "fitness"), right, rtol=1e-3) \
        or not np.allclose(wrong.minutes(cells, _facilities("kindergarten"), "walk", "kindergarten"),
                           got["kindergarten"].to_numpy(float), rtol=1e-3)

    # Circles: with populations of distinct powers of two the covered population names the set of cells.
    minutes = 15
    out = json.loads(_cli(capsys, ["circles", "--area", str(folder), "--service", "fitness", "--minutes",
                                   str(minutes), "--out", str(tmp_path / "c.gpkg"), "--json"]))
    inside = np.flatnonzero(right <= minutes)
    assert out["population_covered"] == float(sum(cell_pop(int(i)) for i in inside))


@pytest.mark.parametrize("fmt", FMTS)
def test_bike_network_has_its_own_streets(tmp_path, capsys, fmt):
    case = CASES["cycleway"]
    folder = tmp_path / f"bike-{fmt}"
    net = write_folder(case, folder, fmt)
    got = _cell_minutes(tmp_path, capsys, folder, "bike")
    _check_minutes(got, case, net, "bike")
    # The one-way street matters: riding it both ways would give other times.
    two_way = Independent(type(case)(case.name, case.nodes, case.ways, case.walk, case.bike), net, "bike")
    assert not np.allclose(two_way.minutes(cells_of(case), _facilities("fitness"), "bike", "fitness"),
                           got["fitness"].to_numpy(float), rtol=1e-3)
    info = json.loads(_cli(capsys, ["info", "--area", str(folder), "--json"]))
    assert info["network"]["bike"]["edges"] > 0
    assert info["network"]["dropped_ways"] == {"highway=cycleway": 1}


@pytest.mark.parametrize("fmt", FMTS)
def test_info_reports_dropped_ways_by_tag(tmp_path, capsys, fmt):
    folder = tmp_path / f"rail-{fmt}"
    write_folder(CASES["railway"], folder, fmt)
    d = json.loads(_cli(capsys, ["info", "--area", str(folder), "--json"]))
    assert d["network"]["kept_ways"] == 4
    assert d["network"]["dropped_ways"] == {"no highway tag (railway=rail)": 1}
    text = _cli(capsys, ["info", "--area", str(folder)])
    assert "no highway tag (railway=rail)" in text


def test_optimize_picks_brute_force_optimum(tmp_path, capsys):
    from gis.folder import load_folder
    from scenarios.demand import children

    case = CASES["crescent"]
    folder = tmp_path / "opt"
    net = write_folder(case, folder, "xml")
    cands = {"beside_crescent": (500.0, -190.0), "on_A": (700.0, -12.0), "west": (-10.0, 120.0)}
    csv = tmp_path / "cands.csv"
    from osm_cases import X0, Y0

    csv.write_text("candidate_id,x,y\n" + "".join(f"{k},{X0 + x},{Y0 + y}\n" for k, (x, y) in cands.items()),
                   encoding="utf-8")
    minutes = 6.0
    res = json.loads(_cli(capsys, ["scenario", "optimize", "--area", str(folder), "--level", "primary", "--model",
                                   "pmedian", "--p", "1", "--minutes", str(minutes), "--candidates", str(csv),
                                   "--scenario", "existing", "--year", "2025", "--json"]))
    w = children(load_folder(folder), "primary", 2025).astype(float)
    ind = Independent(case, net, "walk")
    cells = cells_of(case)
    t_s1 = ind.minutes(cells, _facilities("primary"), "walk", "primary")
    cost = {k: float((w * np.minimum(minutes, np.minimum(t_s1, ind.minutes(cells, [xy], "walk", "primary")))).sum())
            for k, xy in cands.items()}
    best = min(cost, key=cost.get)
    assert sorted(cost.values())[0] < sorted(cost.values())[1]  # a unique optimum
    assert res["chosen"] == [best]
    assert res["objective"] == pytest.approx(cost[best] * 60.0, rel=1e-6)


# ---------------------------------------------------------------- the filter table


def _overpass(rules) -> str:
    return "".join(f'["{r.key}"]' if r.pattern is None else f'["{r.key}"!~"{r.pattern}"]' for r in rules)


def test_walk_filter_is_osmnx_walk_filter_verbatim():
    from osmnx._overpass import _get_network_filter

    assert _overpass(FILTERS["walk"]) == _get_network_filter("walk")


def test_bike_filter_is_osmnx_bike_filter_plus_signed_footways():
    from osmnx._overpass import _get_network_filter

    ours = FILTERS["bike"]
    osmnx_hw = set(re.search(r'\["highway"!~"([^"]+)"\]', _get_network_filter("bike")).group(1).split("|"))
    hw = [r for r in ours if r.key == "highway" and r.pattern]
    assert set("|".join(r.pattern for r in hw).split("|")) == osmnx_hw
    assert [r.unless for r in hw] == [None, ("bicycle", "yes|designated")]
    rest = [r for r in ours if not (r.key == "highway" and r.pattern)]
    assert _overpass(rest) == re.sub(r'\["highway"!~"[^"]+"\]', "", _get_network_filter("bike"))


@pytest.mark.parametrize("tags, walk, bike", [
    ({"highway": "residential"}, None, None),
    ({"railway": "rail"}, "no highway tag (railway=rail)", "no highway tag (railway=rail)"),
    ({"building": "yes"}, "no highway tag (building=yes)", "no highway tag (building=yes)"),
    ({"highway": "motorway_link"}, "highway=motorway_link", "highway=motorway_link"),
    ({"highway": "cycleway"}, "highway=cycleway", None),
    ({"highway": "footway"}, None, "highway=footway"),
    ({"highway": "footway", "bicycle": "designated"}, None, None),
    ({"highway": "footway", "bicycle": "yesno"}, None, "highway=footway"),
    ({"highway": "steps"}, None, "highway=steps"),
    ({"highway": "path", "foot": "no"}, "foot=no", None),
    ({"highway": "path", "bicycle": "no"}, None, "bicycle=no"),
    ({"highway": "service", "access": "private"}, "access=private", "access=private"),
    ({"highway": "service", "service": "private"}, "service=private", "service=private"),
    ({"highway": "residential", "sidewalk": "separate"}, "sidewalk=separate", None),
    ({"highway": "residential", "sidewalk:left": "separate"}, "sidewalk:left=separate", None),
    ({"highway": "pedestrian", "area": "yes"}, "area=yes", "area=yes"),
    ({"highway": "services"}, "highway=services", "highway=services"),
    ({"highway": "rest_area"}, "highway=rest_area", "highway=rest_area"),
    ({"highway": "corridor"}, None, "highway=corridor"),
])
def test_filter_table(tags, walk, bike):
    assert way_verdict(tags, "walk") == walk
    assert way_verdict(tags, "bike") == bike


def test_bike_oneway_rules():
    assert bike_oneway({"oneway": "yes"}) == (True, False)
    assert bike_oneway({"oneway": "-1"}) == (True, True)
    assert bike_oneway({"junction": "roundabout"}) == (True, False)
    assert bike_oneway({"oneway": "yes", "oneway:bicycle": "no"}) == (False, False)
    assert bike_oneway({"oneway": "yes", "cycleway": "opposite_lane"}) == (False, False)
    assert bike_oneway({"oneway": "no"}) == (False, False)


# ---------------------------------------------------------------- real OSM: Helsinki


def _overpass_predicate(flt: str):
    """A way-tag predicate read straight from an Overpass filter string (osmnx's own text)."""
    tests = re.findall(r'\["([^"]+)"(?:!~"([^"]*)")?\]', flt)

    def ok(tags):
        for key, pat in tests:
            v = tags.get(key)
            if not pat and v is None:
                return False
            if pat and v is not None and re.search(pat, v):
                return False
        return True

    return ok


@pytest.mark.slow
def test_helsinki_coverage_and_circles_equal_networkx(helsinki):
    """Every service, every cell: minutes as the CLI computes them (the production functions behind
    ``hedong coverage``) equal an independent networkx computation on the PBF, read with pyosmium
    and filtered by osmnx's walk filter string itself; the 15-minute circles hold the same people."""
    import osmium
    from osmnx._overpass import _get_network_filter

    from accessibility.circles import circles_gdf
    from accessibility.coverage import service_coverage, service_facilities
    from gis.helsinki import helsinki_pbf_path
    from osm_cases import StreetModel

    nodes, pieces = {}, {}
    walkable = _overpass_predicate(_get_network_filter("walk"))
    for o in osmium.FileProcessor(str(helsinki_pbf_path()), osmium.osm.NODE | osmium.osm.WAY):
        if o.is_node():
            if o.location.valid():
                nodes[o.id] = (o.location.lon, o.location.lat)
        elif walkable({t.k: t.v for t in o.tags}):
            run = []
            for r in [n.ref for n in o.nodes] + [None]:  # a way's runs of nodes the extract holds
                if r in nodes:
                    run.append(r)
                    continue
                if len(run) > 1:
                    pieces[(o.id, len(pieces))] = run
                run = []
    model = StreetModel(nodes, pieces, {}, helsinki.crs)
    pop = helsinki.population
    cells = list(zip(pop.geometry.x, pop.geometry.y))
    weights = pop["pop_total"].to_numpy(float)
    checked = 0
    for svc in SERVICES:
        fac = service_facilities(helsinki, SERVICES[svc])
        if not len(fac):
            continue
        exp = model.minutes(cells, list(zip(fac.geometry.x, fac.geometry.y)), "walk", svc)
        got = service_coverage(helsinki, svc, 15, "walk").cell_minutes.to_numpy(float)
        np.testing.assert_allclose(got, exp, rtol=1e-6, err_msg=svc)
        circ = circles_gdf(helsinki, svc, 15, mode="walk")
        assert float(circ["population"].iloc[0]) == pytest.approx(float(weights[exp <= 15].sum()), rel=1e-9)
        checked += 1
    assert checked >= 4


def test_exported_network_passes_the_filter_unchanged(tmp_path, capsys):
    """export -> folder: the file holds only walkable ways with their highway tags, so the filter
    (applied whatever the file's generator says) drops nothing and the times stay the same."""
    from gis.folder import export_area, load_folder

    case = CASES["crescent"]
    src, dst = tmp_path / "src", tmp_path / "dst"
    write_folder(case, src, "xml")
    area = load_folder(src)
    export_area(area, dst)
    assert "Hedong Planner export" in (dst / "network.osm").read_text(encoding="utf-8")[:200]
    info = json.loads(_cli(capsys, ["info", "--area", str(dst), "--json"]))
    assert info["network"]["dropped_ways"] == {}
    assert (info["network"]["nodes"], info["network"]["edges"]) == (area.graph.number_of_nodes(),
                                                                     area.graph.number_of_edges())
    a = _cell_minutes(tmp_path / "src", capsys, src, "walk")
    b = _cell_minutes(tmp_path / "dst", capsys, dst, "walk")
    for svc in SERVICES:
        np.testing.assert_allclose(b[svc].to_numpy(float), a[svc].to_numpy(float), rtol=1e-6, err_msg=svc)
