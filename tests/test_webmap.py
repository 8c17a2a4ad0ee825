"""Map builders: offline assets (served / inlined), layers, legend, notice, GCJ-02 display shift."""

from __future__ import annotations

import folium
import numpy as np
import pytest

from accessibility.context import ComputeContext
from layers.families import LIFE_CIRCLE_SERVICES
from presentation import assets, controls, geojson, i18n, legends, map_scripts, styles, webmap


def test_served_assets_point_at_app_static(small_demo):
    m = webmap.overview_map(small_demo, assets="served")
    urls = [u for _, u in m.default_js + m.default_css]
    assert urls and all(u.startswith("/app/static/") for u in urls)
    for u in urls:  # every served file exists in static/
        assert (assets.STATIC_DIR / u.removeprefix("/app/static/")).is_file()


def test_jquery_is_loaded_only_by_a_map_that_calls_it(small_demo):
    # the app's maps draw no folium.Popup: their frames skip jQuery; a map with one still gets it
    plain = webmap.finish(webmap.overview_base(small_demo), "served")
    assert not any("jquery" in u for _, u in plain.default_js)
    with_popup = webmap.base_map(small_demo)
    folium.Marker([35.03, 111.0], popup=folium.Popup("<b>x</b>")).add_to(with_popup)
    webmap.finish(with_popup, "served")
    assert any("jquery" in u for _, u in with_popup.default_js)
    page = with_popup.get_root().render()
    assert "$(`" in page  # what needs it: folium's popup template


def test_a_layers_script_that_needs_jquery_is_refused(small_demo):
    # the drawn map it runs on loaded jQuery only if its own elements needed it
    base = webmap.finish(webmap.overview_base(small_demo), "served")
    scratch = map_scripts.scratch_map(base)
    folium.Marker([35.03, 111.0], popup=folium.Popup("<b>x</b>")).add_to(scratch)
    with pytest.raises(ValueError, match="jQuery"):
        map_scripts.layers_script(scratch)


def test_inline_map_has_no_external_source(small_demo):
    html = webmap.overview_map(small_demo, assets="inline").get_root().render()
    assert assets.external_urls(html) == []
    assert "L.map(" in html and "Leaflet" in html  # Leaflet itself is embedded
    assert 'src="http' not in html and "cdn." not in html.split("<body>")[0].lower().replace("cdn.jsdelivr", "")
    assert i18n.t("notice", "zh") in html  # generated-data notice
    assert "hedong-legend" in html


def test_cdn_elements_are_refused(small_demo):
    import branca.colormap

    m = webmap.base_map(small_demo)
    branca.colormap.LinearColormap(["red", "blue"]).add_to(m)
    with pytest.raises(assets.OfflineAssetError):
        webmap.finish(m, "inline")


def test_facility_layers_one_per_family_with_svg_icons(small_demo):
    m = webmap.base_map(small_demo, lang="en")
    groups = webmap.add_facilities(m, small_demo.facilities)
    present = set(small_demo.facilities["family"])
    assert set(groups) == present
    html = webmap.finish(m, "inline").get_root().render()
    assert "<svg" in html and "fa-" not in html  # inline SVG symbols, no Font Awesome
    assert "Capacity" in html and "Serves" in html  # popup fields


def test_facility_table_says_who_is_served(small_demo):
    tab = geojson.facility_table(small_demo.facilities_of("school"), "zh")
    assert tab["serves"].str.contains("6-11岁|12-14岁").all()
    assert tab["capacity"].str.contains("学位").all()


def test_gcj02_display_shifts_data_not_tiles(small_demo):
    w = styles.to_display(small_demo.districts, "wgs84")
    g = styles.to_display(small_demo.districts, "gcj02")
    dx = np.array(g.total_bounds) - np.array(w.total_bounds)
    # Yuncheng's GCJ-02 offset is a few hundred metres: ~0.002-0.008 degrees
    assert 0.001 < abs(dx[0]) < 0.01
    m = webmap.base_map(small_demo, tiles="amap")
    assert m._hedong_display == "gcj02"


def test_tianditu_needs_a_key(small_demo):
    from layers.errors import InputError

    with pytest.raises(InputError):
        webmap.base_map(small_demo, tiles="tianditu")
    m = webmap.base_map(small_demo, tiles="tianditu", tianditu_key="abc")
    assert any(isinstance(c, folium.TileLayer) for c in m._children.values())


def test_cell_squares_aggregate_keeps_totals(small_demo):
    pop = small_demo.population
    sq = geojson.cell_squares(pop, small_demo.cell_size, ["pop_total"], agg_m=300)
    assert sq["pop_total"].sum() == pytest.approx(pop["pop_total"].sum())
    assert len(sq) < len(pop)


def test_coverage_colour_classes():
    assert styles.coverage_color(0.1) == "#d7301f"
    assert styles.coverage_color(1.0) == "#1a9850"
    assert styles.coverage_color(float("nan")) == "#bdbdbd"


def test_life_circle_cells_dissolve_by_services_present(small_demo):
    from accessibility.coverage import life_circle

    lc = life_circle(small_demo, 15, "walk")
    cov = {k: c.covered for k, c in lc.services.items()}
    g = geojson.life_circle_cells(small_demo.population, cov, small_demo.cell_size)
    assert g["pop_total"].sum() == pytest.approx(small_demo.population["pop_total"].sum())
    assert g["cells"].sum() == len(small_demo.population)
    assert len(g) == g["mask"].nunique() <= 64
    counts = lc.counts.to_numpy()
    pop = small_demo.population["pop_total"].to_numpy(float)
    for n, p in g.groupby("n")["pop_total"].sum().items():
        assert p == pytest.approx(pop[counts == n].sum())
    assert (g["n"] + g["missing"].map(len) == len(LIFE_CIRCLE_SERVICES)).all()  # seven services
    # dissolved squares: the area is the cells' area, and far fewer polygons than cells
    assert g.geometry.area.sum() == pytest.approx(len(small_demo.population) * small_demo.cell_size ** 2)


def test_life_circle_map_offline_with_legend(small_demo):
    from accessibility.coverage import life_circle

    lc = life_circle(small_demo, 15, "walk")
    m = webmap.life_circle_map(small_demo, {k: c.covered for k, c in lc.services.items()}, 15, lang="en",
                               assets="inline")
    html = m.get_root().render()
    assert assets.external_urls(html) == []
    assert "Life circle: services within 15 min" in html and "all 7" in html and "share of residents" in html
    assert all(c in html for c in styles.life_circle_colors(len(LIFE_CIRCLE_SERVICES)))
    assert "Missing" in html  # tooltip field


def test_notice_claims_real_boundary_only_for_the_yuncheng_demo(small_demo):
    from dataclasses import replace

    from scenario_helpers import grid_area

    zh = legends.notice_text(small_demo, "zh")
    assert zh.startswith("演示数据（生成）") and "盐湖区边界" in zh and "街道办事处" in zh
    assert "real" in legends.notice_text(small_demo, "en")
    other = grid_area()  # a generated area that is not Yanhu: no claim of a real boundary
    assert "演示数据（生成）" in legends.notice_text(other, "zh") and "盐湖区" not in legends.notice_text(other, "zh")
    assert legends.notice_text(replace(other, synthetic=False), "zh") == ""


def test_seat_choropleth_colours_by_seats_per_child(small_demo):
    """A subdistrict with more seats than children is 'enough seats' green even when few of its
    children are seated within the walking limit; one with half the seats is red."""
    import json

    d = small_demo.districts
    rows = [{"district": d["name"].iloc[0], "demand": 100, "seats": 120, "assigned": 20, "unserved": 80,
             "coverage": 0.2},
            {"district": d["name"].iloc[1], "demand": 100, "seats": 50, "assigned": 50, "unserved": 50,
             "coverage": 0.5}]
    m = webmap.base_map(small_demo)
    fg = webmap.add_seat_choropleth(m, small_demo, rows, "primary", 2023)
    gj = next(c for c in fg._children.values() if c.__class__.__name__ == "GeoJson")
    feats = {f["properties"]["label"]: f["properties"] for f in gj.data["features"]}
    a, b = feats[d["name"].iloc[0]], feats[d["name"].iloc[1]]
    assert a["c"] == styles.coverage_color(1.2) == styles.COVERAGE_CLASSES[-1][1] and a["ratio_pct"] == "120%"
    assert a["coverage_pct"] == "20%"
    assert b["c"] == styles.COVERAGE_CLASSES[0][1] and b["ratio_pct"] == "50%"
    assert "学位供给率" in json.dumps(legends.coverage_legend("zh"), ensure_ascii=False)


def test_app_seat_map_keeps_the_map_visible(small_demo):
    """The app's seat map (compact) folds its title and the notice into one line and its legend into
    one-row blocks under a foldable heading; the published one keeps them open; the layer switch is
    collapsed in both (issue 13: "the seat map is mostly covered by its layer control and legend")."""
    from presentation import publish
    from scenarios.evaluate import evaluate

    ev = evaluate(small_demo, "plan", 2025)

    def controls_of(m):
        return {c.css_class: c.html for c in m._children.values() if isinstance(c, controls.Control)}

    app_map = publish.seat_map(small_demo, "plan", 2025, ev=ev, compact=True)[0]
    pub_map = publish.seat_map(small_demo, "plan", 2025, ev=ev)[0]
    app_c, pub_c = controls_of(app_map), controls_of(pub_map)
    title = app_c["hedong-title-control"]
    assert title.count("<details>") == 1 and "<details open" not in title  # folded at first
    summary = title.split("</summary>")[0]
    assert "2025" in summary and "演示数据（生成）" in summary  # the generated-data mark stays in sight
    assert legends.notice_text(small_demo, "zh") in title  # the full notice unfolds from it
    legend = app_c["hedong-legend-control"]
    assert "<details open>" in legend and legend.count("<table") == 2  # two one-row blocks
    assert "<details" not in pub_c["hedong-title-control"] and "<details" not in pub_c["hedong-legend-control"]
    for m in (app_map, pub_map):
        lc = [c for c in m._children.values() if type(c).__name__ == "LayerControl"]
        assert lc and lc[0].options.get("collapsed") is True


# ---------------------------------------------------------------- the app's main map: base + layers script


def _layers_conf(js: str) -> dict:
    """The configuration object at the head of an overview layers script."""
    import json

    head = "(function(map){var C="
    assert js.startswith(head)
    return json.JSONDecoder().raw_decode(js[len(head):])[0]


def test_overview_layers_script_draws_exactly_the_cells(small_demo):
    """The script's two areas are the covered and the uncovered inhabited cells: back in metres their
    areas are n_cells × side² (an independent count of the coverage result)."""
    import geopandas as gpd
    import shapely

    from accessibility.coverage import service_coverage

    res = service_coverage(small_demo, "fitness", minutes=15)
    js = map_scripts.overview_layers_js(small_demo, "fitness", 15, res.covered)
    conf = _layers_conf(js)
    has = small_demo.population["pop_total"].to_numpy(float) > 0
    side = small_demo.cell_size
    for ov, n in zip(conf["overlays"], ((res.covered & has).sum(), (~res.covered & has).sum())):
        geoms = [shapely.geometry.shape(f["geometry"]) for f in ov["data"]["features"]]
        back = gpd.GeoSeries(geoms, crs=4326).to_crs(small_demo.crs)
        assert back.area.sum() == pytest.approx(n * side * side, rel=1e-3)
    assert "15" in conf["overlays"][0]["name"] and i18n.t("circles", "zh", minutes=15,
                                                            service="健身设施").split("：")[0] in conf["overlays"][0]["name"]
    # the map keeps no layer control of its own: the script makes one over every layer
    assert "L.control.layers" in js and "data-hedong-stamp" in js
    # the legend is on the map unless the page shows it under the map (the app); the same text either way
    assert "hedong-legend" in js
    bare = map_scripts.overview_layers_js(small_demo, "fitness", 15, res.covered, in_map_legend=False)
    assert "hedong-legend" not in bare and "L.control.layers" in bare
    row = legends.overview_legend_row("fitness", 15, "en")
    assert "Fitness" in row and i18n.t("uncovered_legend", "en", minutes=15, service="Fitness") in row


def test_overview_layers_script_follows_the_choices(small_demo):
    """Service, minutes, tiles and families each change the script (and its stamp); the same choice
    gives the same script; what is not allowed is refused."""
    from accessibility.coverage import service_coverage

    from layers.errors import InputError

    cov = service_coverage(small_demo, "fitness", minutes=15).covered
    a = map_scripts.overview_layers_js(small_demo, "fitness", 15, cov)
    assert map_scripts.overview_layers_js(small_demo, "fitness", 15, cov) == a  # deterministic
    stamp = lambda js: js.split("data-hedong-stamp','")[1][:16]  # noqa: E731
    others = [map_scripts.overview_layers_js(small_demo, "clinic", 15, cov),
              map_scripts.overview_layers_js(small_demo, "fitness", 10, cov),
              map_scripts.overview_layers_js(small_demo, "fitness", 15, cov, tiles="osm"),
              map_scripts.overview_layers_js(small_demo, "fitness", 15, cov, families=["school"])]
    assert len({stamp(a), *map(stamp, others)}) == 5
    osm = _layers_conf(others[2])
    assert [b["active"] for b in osm["bases"]] == [False, True]
    assert osm["bases"][1]["layers"][0]["url"] == styles.OSM_TILES and osm["background"] == "#ffffff"
    fams = _layers_conf(others[3])["families"]
    assert fams["family:school"] is True and not any(v for k, v in fams.items() if k != "family:school")
    with pytest.raises(InputError):
        map_scripts.overview_layers_js(small_demo, "fitness", 15, cov, tiles="tianditu")  # no key
    with pytest.raises(InputError):
        map_scripts.overview_layers_js(small_demo, "fitness", 15, cov, tiles="amap")  # GCJ-02 tiles on a WGS84 map
    tk = map_scripts.overview_layers_js(small_demo, "fitness", 15, cov, tiles="tianditu", tianditu_key="abc")
    assert "tk=abc" in tk


def test_overview_base_registers_its_layers_for_the_script(small_demo):
    """The base map names its switchable layers in window.hedongLayers by their final JS names, and the
    standalone service map (base + script) is one offline page."""
    from accessibility.coverage import service_coverage

    m = webmap.overview_base(small_demo, lang="en")
    html = webmap.finish(m, "inline").get_root().render()
    reg = html.split("window.hedongLayers = ")[1].split(";\n")[0]
    for key in ("density", "districts", "boundary", "family:school", "family:fitness"):
        assert f'"{key}": {{layer: ' in reg
    for name in reg.split("layer: ")[1:]:  # every registered variable is defined in the page
        assert f"var {name.split(',')[0]} = " in html
    cov = service_coverage(small_demo, "fitness", minutes=15).covered
    page = webmap.service_map(small_demo, "fitness", 15, cov, lang="en", assets="inline").get_root().render()
    assert assets.external_urls(page) == [] and page.index("window.hedongLayers") < page.index("hedongAdded")


def test_layers_script_makes_the_one_layer_switch(small_demo):
    """A layers script names the map by ``{map}`` only, switches its own groups with the registered ones,
    and refuses a scratch map that brings a switch of its own."""
    import folium

    base = webmap.base_map(small_demo)
    scratch = map_scripts.scratch_map(base)
    fg = folium.FeatureGroup(name="甲 <b>", show=False).add_to(scratch)
    folium.GeoJson({"type": "FeatureCollection", "features": []}).add_to(fg)
    js = map_scripts.layers_script(scratch)
    assert scratch.get_name() not in js and "{map}" in js
    assert '"甲 <b>"' in js and fg.get_name() in js and "L.control.layers(" in js
    controls.add_layer_control(scratch)
    with pytest.raises(ValueError):
        map_scripts.layers_script(scratch)


def test_street_lines_simplified_segment_by_segment(small_demo):
    """The streets base layer simplifies each segment (fast) instead of each name's whole multi-line
    (GEOS checks every part against every other: seconds on the default demo); both stay within
    the tolerance of the streets and keep the same names and segments."""
    import shapely

    raw = geojson.street_lines(small_demo)
    fast = geojson.street_lines(small_demo, simplify_m=3)
    old = raw.geometry.simplify(3, preserve_topology=True)
    assert list(fast["name"]) == list(raw["name"]) and len(fast) > 1
    assert (shapely.get_num_geometries(fast.geometry.values) == shapely.get_num_geometries(raw.geometry.values)).all()
    # part by part (the same segments in the same order in all three)
    parts = [shapely.get_parts(g.values) for g in (fast.geometry, raw.geometry, old)]
    assert len(parts[0]) == len(parts[1]) == len(parts[2])
    assert shapely.get_num_coordinates(parts[0]).sum() < shapely.get_num_coordinates(parts[1]).sum()  # simplified
    assert shapely.hausdorff_distance(parts[0], parts[1]).max() <= 3.0 + 1e-6
    assert shapely.hausdorff_distance(parts[0], parts[2]).max() <= 2 * 3.0 + 1e-6
    # every segment keeps its two ends (the street network stays connected where it was)
    assert np.array_equal(shapely.get_coordinates(shapely.get_point(parts[0], 0)),
                          shapely.get_coordinates(shapely.get_point(parts[1], 0)))
    assert np.array_equal(shapely.get_coordinates(shapely.get_point(parts[0], -1)),
                          shapely.get_coordinates(shapely.get_point(parts[1], -1)))


def test_uncovered_cells_from_the_areas_serialised_squares(small_demo):
    """With the area given, add_uncovered cuts its layer from the cells' squares serialised once per
    area: the same page as building the squares for the map (what it did before), in both datums."""
    import re

    from accessibility.coverage import service_coverage

    unc = service_coverage(small_demo, "fitness", minutes=5).uncovered
    assert 0 < len(unc) < len(small_demo.population)

    def page(tiles, **kw):
        m = webmap.base_map(small_demo, tiles=tiles)
        webmap.add_uncovered(m, unc, small_demo.cell_size or 100.0, **kw)
        return re.sub(r"_[0-9a-f]{32}", "_ID", m.get_root().render())

    for tiles, datum in (("none", "wgs84"), ("amap", "gcj02")):
        fast = page(tiles, area=small_demo)
        assert ("map.cell_squares", datum) in ComputeContext.for_area(small_demo)._memo
        assert fast == page(tiles)
    # cells that are not the area's rows (moved) take the direct route
    moved = unc.copy()
    moved["geometry"] = moved.geometry.translate(10.0, 0.0)
    assert geojson.cell_rows_of(small_demo, moved, small_demo.cell_size or 100.0) is None


@pytest.mark.parametrize("where", ["small_demo", "helsinki"])
def test_street_segments_from_the_cached_tables_equal_the_graphs(where, request):
    """The streets layer reads a cached area's street tables instead of building its networkx graph:
    the same segments (each two-way street once, the same geometry and direction) and names, in the
    same order, as from the graph — on the demo's generated streets and Helsinki's OSM ones."""
    import shapely

    area = request.getfixturevalue(where)
    frames = area.street_frames("walk")
    assert frames is not None  # loaded from the cache: tables, no graph yet
    fast = geojson._segments_from_frames(frames)
    assert fast is not None
    geoms, names = geojson._segments_from_graph(area.graph)
    assert fast[1] == names and any(names)
    assert len(fast[0]) == len(geoms) and shapely.equals_exact(np.array(fast[0]), np.array(geoms), 0).all()


def test_estimated_layers_of_real_data_are_said(small_demo):
    """Real data whose loader flags layers as estimated (Helsinki's population from buildings, its
    Voronoi districts: StudyArea.estimated) say so on the map and in both languages; generated data keeps
    its own notice, real data with no estimate says nothing, and a source text's wording decides nothing."""
    from types import SimpleNamespace

    real = SimpleNamespace(synthetic=False, name="x", sources={
        "network": "OpenStreetMap", "population": "floor area / 35 m2", "districts": "Voronoi"},
        estimated=frozenset({"population", "districts"}))
    zh, en = legends.estimate_text(real, "zh"), legends.estimate_text(real, "en")
    assert "人口" in zh and "街道范围" in zh and "估算" in zh
    assert "population" in en and "district shapes" in en and "network" not in en
    assert legends.estimate_text(SimpleNamespace(synthetic=False, sources={"network": "OSM"}), "en") == ""
    worded = SimpleNamespace(synthetic=False, sources={"population": "estimated: floor area"}, estimated=frozenset())
    assert legends.estimate_text(worded, "en") == ""  # the flag, not the wording
    assert legends.estimate_text(small_demo, "zh") == ""  # generated: notice_text labels it as a whole
    m = webmap.base_map(small_demo)
    legends.add_notice(m, real, lang="en", title="t")
    assert "district shapes (approximate)" in m.get_root().render()
