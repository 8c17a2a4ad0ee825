"""`hedong gaps` and `hedong access`: the norm-radius gaps and 2SFCA reach the user, with numbers
checked against independent computations (networkx distances, plain supply / demand sums)."""

from __future__ import annotations

import json

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest

import gis.areas
from hedong.cli import main


@pytest.fixture(autouse=True)
def demo_area(small_demo, monkeypatch):
    monkeypatch.setattr(gis.areas, "load_area_cached", lambda spec="yuncheng-demo": small_demo)
    return small_demo


def test_gaps_json_sums_and_bounds(capsys, small_demo):
    assert main(["gaps", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["synthetic"] is True
    assert {"kindergarten", "primary", "junior", "day_care"} <= set(j["levels"])
    for key, lv in j["levels"].items():
        rows = lv["by_district"]
        assert sum(r["demand_beyond"] for r in rows) == pytest.approx(lv["demand_beyond"])
        assert sum(r["demand"] for r in rows) == pytest.approx(lv["demand"])
        assert 0 <= lv["demand_beyond"] <= lv["demand"]
    # the cohort of a level's norm is all of it
    assert j["levels"]["primary"]["demand"] == pytest.approx(small_demo.population["age_6_11"].sum())


def test_gaps_primary_against_networkx(small_demo):
    """Distances behind the primary gaps, recomputed with networkx: each school and each cell joins
    its street segment where the snap put it (off-street walk + along-segment metres to both ends),
    networkx runs the multi-source Dijkstra; cells further than 500 m must be exactly the gaps
    (cells within a metre of the radius, or sharing a segment with a school, are left aside)."""
    from accessibility.context import ComputeContext
    from accessibility.norm_check import level_facilities, norm_gap_cells
    from layers.families import NORM_LEVELS

    ctx = ComputeContext.for_area(small_demo)
    net = ctx.network("walk")
    fac = level_facilities(small_demo, NORM_LEVELS["primary"])
    fs, cs = net.snap(fac), ctx.cell_snap("walk")
    G = nx.Graph()
    for u, v, L in zip(net.edge_u, net.edge_v, net.edge_len):
        if not G.has_edge(u, v) or G[u][v]["w"] > L:
            G.add_edge(int(u), int(v), w=float(L))
    for i in np.flatnonzero(fs.ok):
        along = fs.pos_m[i]
        G.add_edge(("school", i), int(fs.u[i]), w=float(fs.dist_m[i] + along))
        G.add_edge(("school", i), int(fs.v[i]), w=float(fs.dist_m[i] + net.edge_len[fs.edge[i]] - along))
    D = nx.multi_source_dijkstra_path_length(G, {("school", i) for i in np.flatnonzero(fs.ok)}, weight="w")
    inf = float("inf")
    d = np.array([min(cs.dist_m[k] + cs.pos_m[k] + D.get(int(cs.u[k]), inf),
                      cs.dist_m[k] + net.edge_len[cs.edge[k]] - cs.pos_m[k] + D.get(int(cs.v[k]), inf))
                  if cs.ok[k] else inf for k in range(len(cs))])
    pop = small_demo.population
    shared = np.isin(cs.edge, fs.edge[fs.ok])
    clear = (pop["pop_total"].to_numpy() > 0) & ~shared & (np.abs(d - 500) > 1)
    beyond = set(norm_gap_cells(small_demo, "primary")["cell_id"])
    ids = pop["cell_id"].to_numpy()
    assert {c for c, b in zip(ids[clear], d[clear] > 500) if b} == beyond & set(ids[clear])
    assert len(beyond) > 0


def test_gaps_out_gpkg(tmp_path, capsys):
    out = tmp_path / "gaps.gpkg"
    assert main(["gaps", "--level", "kindergarten", "--out", str(out)]) == 0
    g = gpd.read_file(out, layer="norm_gaps")
    assert len(g) > 0 and set(g["level"]) == {"kindergarten"} and (g["distance_m"] > 300).all()
    assert "kindergarten" in capsys.readouterr().out


def test_access_conserves_supply_and_matches_target(capsys, small_demo):
    """Plain 2SFCA hands out every reachable unit of supply: the demand-weighted per-1,000 over
    the area equals (reachable supply) / (demand) x 1,000 — and all clinic beds are reachable here."""
    assert main(["access", "--service", "clinic", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    beds = small_demo.facilities.loc[small_demo.facilities["family"] == "clinic", "beds"].sum()
    people = small_demo.population["pop_total"].sum()
    assert j["per_1000"] == pytest.approx(beds / people * 1000, rel=1e-6)
    assert j["target_per_1000"] == 7.0 and j["supply"] == "beds"
    assert {"district", "per_1000", "local_per_1000"} <= set(j["by_district"][0])


def test_access_methods_and_errors(capsys):
    for m in ("2sfca", "e2sfca", "g2sfca"):
        assert main(["access", "--service", "primary", "--method", m]) == 0
    out = capsys.readouterr().out
    assert "per 1,000 age_6_11" in out
    assert main(["access", "--service", "primary", "--minutes", "0"]) == 2
    assert "--minutes" in capsys.readouterr().err
    assert main(["access", "--service", "primary", "--scenario", "plan"]) == 2
