"""Routes to the nearest facility (accessibility.routes): checked against networkx on the same graph."""

from __future__ import annotations

import networkx as nx
import numpy as np

from accessibility.context import ComputeContext
from accessibility.coverage import service_facilities
from accessibility.place import place_minutes, place_routes, service_tree
from accessibility.reach import cell_seconds, nearest_seconds
from accessibility.routes import cell_nearest


def _nx_graph(net, snap):
    """The network as a networkx DiGraph (seconds) plus a sink joined from every facility's street ends."""
    G = nx.DiGraph()
    coo = net.csr.tocoo()
    for a, b, w in zip(coo.row, coo.col, coo.data):
        G.add_edge(int(a), int(b), w=float(w))
    for k in np.flatnonzero(snap.ok):
        for node, off in ((snap.u[k], snap.offset_u_s[k]), (snap.v[k], snap.offset_v_s[k])):
            prev = G.get_edge_data(int(node), "F")
            if prev is None or prev["w"] > off:
                G.add_edge(int(node), "F", w=float(off))
    return G


def test_route_length_matches_networkx(small_demo):
    area = small_demo
    net, tree, fac = service_tree(area, "primary")
    G = _nx_graph(net, tree.sources)
    pop = area.population
    pt = pop.geometry.iloc[len(pop) // 3]
    pt = pt if pt.geom_type == "Point" else pt.representative_point()
    r = place_routes(area, pt, ["primary"])["primary"]
    assert r.line is not None and len(r.nodes) >= 2
    # the route's street part, edge by edge on the same graph, plus the last node's step to the facility
    walked = sum(G[a][b]["w"] for a, b in zip(r.nodes[:-1], r.nodes[1:]))
    assert abs(tree.seconds[r.nodes[0]] - (walked + tree.seconds[r.nodes[-1]])) < 1e-6
    assert abs(nx.shortest_path_length(G, r.nodes[0], "F", weight="w") - tree.seconds[r.nodes[0]]) < 1e-6
    # the route's minutes are the place's minutes
    assert abs(r.minutes - place_minutes(area, pt, ["primary"])["primary"]) < 1e-9
    assert fac["facility_id"].iloc[r.facility] == r.facility_id


def test_cell_nearest_agrees_with_coverage_seconds(small_demo):
    area = small_demo
    ctx = ComputeContext.for_area(area)
    net, tree, fac = service_tree(area, "clinic")
    cs = ctx.cell_snap("walk")
    f, t = cell_nearest(net, cs, tree)
    ref = cell_seconds(net, cs, nearest_seconds(net, tree.sources), tree.sources)
    fin = np.isfinite(ref)
    assert np.allclose(t[fin], ref[fin]) and (f[fin] >= 0).all() and (f[~fin] == -1).all()
    # an independent check of "which facility": the nearest by a per-facility Dijkstra for a few cells
    from scipy.sparse.csgraph import dijkstra
    rng = np.random.default_rng(1)
    src = tree.sources
    def via(c, k, d):  # seconds from cell c to facility k through the streets (both ends of both)
        return min(cs.offset_u_s[c] + min(src.offset_u_s[k] + d[0, cs.u[c]], src.offset_v_s[k] + d[1, cs.u[c]]),
                   cs.offset_v_s[c] + min(src.offset_u_s[k] + d[0, cs.v[c]], src.offset_v_s[k] + d[1, cs.v[c]]))

    same_edge = set(src.edge[src.ok])
    cells = [c for c in np.flatnonzero(fin) if cs.edge[c] not in same_edge]
    D = {k: dijkstra(net.csr_t, indices=[src.u[k], src.v[k]]) for k in np.flatnonzero(src.ok)}
    for c in rng.choice(cells, 8, replace=False):
        per = {k: via(c, k, d) for k, d in D.items()}
        assert abs(min(per.values()) - t[c]) < 1e-6
        assert abs(per[f[c]] - t[c]) < 1e-6  # the facility named is one at that distance


def test_routes_drawn_with_minutes(small_demo):
    import folium

    from presentation import webmap
    from presentation.i18n import t

    area = small_demo
    pt = area.population.geometry.iloc[7]
    pt = pt if pt.geom_type == "Point" else pt.representative_point()
    routes = place_routes(area, pt, ["primary", "clinic"])
    m = folium.Map(tiles=None)
    webmap.add_routes(m, routes, area.crs, lang="en")
    html = m.get_root().render()
    for s, r in routes.items():
        assert f"{r.minutes:.1f} min" in html and r.line is not None
        # the line starts at the place and ends at the facility it names
        fac = service_tree(area, s)[2]
        assert abs(r.line.coords[-1][0] - fac.geometry.iloc[r.facility].x) < 1e-6
        assert abs(r.line.coords[0][0] - pt.x) < 1e-6
