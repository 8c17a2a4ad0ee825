"""Page scripts of the app's maps and the published maps: layers drawn by script on a map made once.

The app draws its base map once (:func:`presentation.webmap.overview_base`) and swaps layers by
script (:func:`overview_layers_js`, :func:`layers_script`) so a new choice does not redraw the page;
the published "my place" map answers a click offline from an embedded payload
(:func:`add_place_finder`).
"""

from __future__ import annotations

import hashlib
import html as _html
import json

import folium
import numpy as np

from layers.errors import InputError
from layers.families import FAMILIES
from presentation import assets as _assets
from presentation.controls import Control, Script, control_js
from presentation.geojson import coverage_overlays, place_payload, place_text
from presentation.i18n import t
from presentation.legends import legend_div, overview_legend_blocks
from presentation.styles import BOX_STYLE, TILES, display_crs, tile_specs


def add_tile_choice(scratch: folium.Map, lang: str) -> None:
    """No base map (on) or OpenStreetMap tiles (off, so nothing is fetched unless chosen) as the two base
    layers of a :func:`layers_script`'s switch (feature groups with ``overlay=False`` are its radio
    buttons); for maps drawn once whose layers come as scripts."""
    folium.FeatureGroup(name=t("tiles.none", lang), overlay=False, show=True).add_to(scratch)
    osm = folium.FeatureGroup(name=t("tiles.osm", lang), overlay=False, show=False)
    folium.TileLayer("OpenStreetMap", control=False).add_to(osm)
    osm.add_to(scratch)


def overview_layers_js(area, service: str, minutes: float, covered: np.ndarray, *, lang: str = "zh",
                       display: str = "wgs84", tiles: str = "none", tianditu_key: str | None = None,
                       families=None, overlays: list[dict] | None = None, in_map_legend: bool = True) -> str:
    """The changing part of the app's main map as one script for a map built by :func:`overview_base`.

    It removes what the previous run of such a script added, then adds: the base tiles (``tiles``
    active; OpenStreetMap switchable when none are chosen), homes within ``minutes`` of ``service`` and
    homes beyond it as two dissolved areas of population cells, the legend, the layer switch over all
    layers, and shows only ``families``. ``{map}`` stands for the map's JS variable. The map's container
    gets ``data-hedong-stamp``, a hash of this script: what the browser shows can be checked against
    what was asked (``benchmarks/bench_app.py`` waits for it).

    Parameters
    ----------
    covered : bool array (n_cells,)
        Per population cell, within ``minutes`` (``ServiceCoverage.covered``).
    display : {"wgs84", "gcj02"}
        Datum of the base map (``TILES[tiles]["display"]`` must match it).
    overlays : list of dict, optional
        :func:`coverage_overlays` of these inputs, when the caller keeps them (computed if not given).
    in_map_legend : bool
        False: no legend on the map (the app shows :func:`overview_legend_row` under it instead).

    Raises
    ------
    layers.errors.InputError
        Unknown ``tiles``, Tianditu without a key, or tiles in another datum than ``display``.
    """
    specs = tile_specs(tiles, lang, tianditu_key)
    if TILES[tiles]["display"] != display:
        raise InputError(f"base map {tiles!r} is drawn in {TILES[tiles]['display']}, this map in {display}",
                         field="tiles")
    if overlays is None:
        overlays = coverage_overlays(area, service, minutes, covered, lang=lang, display=display)
    bases = [{"name": t("tiles.none", lang), "layers": [], "active": tiles == "none"}]
    if tiles != "osm":
        bases.append({"name": t("tiles.osm", lang), "layers": tile_specs("osm", lang), "active": False})
    if tiles != "none":
        bases.append({"name": t(f"tiles.{tiles}", lang), "layers": specs, "active": True})
    legend = legend_div(overview_legend_blocks(service, minutes, lang), lang)
    shown = set(FAMILIES if families is None else families)
    conf = {"bases": bases, "overlays": overlays, "families": {f"family:{f}": f in shown for f in FAMILIES},
            "background": "#f4f3ef" if tiles == "none" else "#ffffff"}
    body = json.dumps(conf, ensure_ascii=False, separators=(",", ":"))
    stamp = hashlib.sha1((body + legend).encode()).hexdigest()[:16]
    js = ("(function(map){var C=" + body + ";"
          "var R=window.hedongLayers||{order:[],layers:{}};"
          # what the previous run added goes first: layers and controls alike have remove()
          "var D=window.hedongAdded||[];while(D.length){try{D.pop().remove();}catch(e){}}window.hedongAdded=D;"
          "map.getContainer().style.background=C.background;"
          "var bases={},overlays={};"
          "C.bases.forEach(function(b){var g=L.layerGroup(b.layers.map(function(s){"
          "var o={attribution:s.attr,maxZoom:19};if(s.subdomains){o.subdomains=s.subdomains;}"
          "return L.tileLayer(s.url,o);}));bases[b.name]=g;D.push(g);if(b.active){g.addTo(map);}});"
          "var first=R.layers['density'];if(first){overlays[first.name]=first.layer;}"
          "C.overlays.forEach(function(o){var l=L.geoJson(o.data,{interactive:false,style:o.style});"
          "l.addTo(map);D.push(l);overlays[o.name]=l;});"
          "R.order.forEach(function(k){var e=R.layers[k];if(k==='density'){return;}overlays[e.name]=e.layer;"
          "if(k in C.families){if(C.families[k]){map.addLayer(e.layer);}else{map.removeLayer(e.layer);}}});"
          # outlines stay on top of the filled areas
          "['districts','boundary'].forEach(function(k){var e=R.layers[k];"
          "if(e&&map.hasLayer(e.layer)&&e.layer.bringToFront){e.layer.bringToFront();}});"
          "D.push(L.control.layers(bases,overlays,{position:'topleft',collapsed:true}).addTo(map));"
          + (control_js(legend, "map", "bottomright", "hedong-legend-control", var="window.hedongLegend")
             + "D.push(window.hedongLegend);" if in_map_legend else "")
          + f"map.getContainer().setAttribute('data-hedong-stamp','{stamp}');" + "})({map});")
    return js.replace("</", "<\\/")


def scratch_map(base: folium.Map) -> folium.Map:
    """An empty map with ``base``'s display datum and language, to build layers on for :func:`layers_script`."""
    m = folium.Map(tiles=None, prefer_canvas=True)
    m._hedong_display = display_crs(base)
    m._hedong_lang = getattr(base, "_hedong_lang", "zh")
    return m


#: The outlines a layers script keeps above what it draws (keys of :func:`register_layers`).
_ON_TOP = ("districts", "boundary")


def layers_script(scratch: folium.Map, *, collapsed: bool = True) -> str:
    """Everything added to ``scratch`` (:func:`scratch_map`) as one script for a map already drawn in the
    browser (``{map}`` stands for it): it first removes what the previous such script added, then adds
    these layers and controls and one layer switch over them and the map's registered layers
    (:func:`register_layers`), and stamps the map's container (``data-hedong-stamp``, a hash of the
    script). The app sends it instead of a new map when only these layers change (a new year or
    level of the seat map): no new frame, no map rebuilt in the browser.

    Feature groups with ``overlay=False`` are alternatives (radio buttons); ``show=False`` ones start
    hidden. ``scratch`` must not hold a layer switch of its own.
    """
    fig = scratch.get_root()
    fig.render()
    name = scratch.get_name()
    body = "\n".join(el.render() for key, el in fig.script._children.items() if key != name)
    if "L.control.layers(" in body:
        raise ValueError("the scratch map has a layer switch of its own; layers_script makes one")
    if _assets.needs_jquery(scratch):  # the drawn map loaded jQuery only if its own elements needed it
        raise ValueError("the scratch map needs jQuery (folium.Popup); use GeoJsonPopup or a Tooltip")
    groups = [ch for ch in scratch._children.values() if isinstance(ch, folium.FeatureGroup)]
    others = [ch for ch in scratch._children.values()
              if isinstance(ch, (folium.map.Layer, folium.Marker)) and not isinstance(ch, folium.FeatureGroup)]
    switch = [{"v": g.get_name(), "name": g.layer_name, "overlay": bool(g.overlay)} for g in groups if g.control]
    mine = ",".join(x.get_name() for x in groups + others)
    names = json.dumps([{"name": e["name"], "overlay": e["overlay"]} for e in switch], ensure_ascii=False)
    refs = "[" + ",".join(e["v"] for e in switch) + "]"
    stamp = hashlib.sha1(body.encode()).hexdigest()[:16]
    js = ("(function(map){"
          "var D=window.hedongAdded||[];while(D.length){try{D.pop().remove();}catch(e){}}window.hedongAdded=D;"
          # controls added by the body (legend, title) are kept to be removed next time
          "var addTo=L.Control.prototype.addTo;L.Control.prototype.addTo=function(m){D.push(this);"
          "return addTo.call(this,m);};"
          f"try{{\n{body.replace(name, '{map}')}\n"
          f"D.push({mine});"
          f"var S={names},V={refs},bases={{}},overlays={{}};"
          "S.forEach(function(e,i){(e.overlay?overlays:bases)[e.name]=V[i];});"
          "var R=window.hedongLayers||{order:[],layers:{}};"
          "R.order.forEach(function(k){overlays[R.layers[k].name]=R.layers[k].layer;});"
          f"L.control.layers(bases,overlays,{{position:'topleft',collapsed:{json.dumps(collapsed)}}}).addTo(map);"
          "}finally{L.Control.prototype.addTo=addTo;}"
          f"{json.dumps(list(_ON_TOP))}.forEach(function(k){{var e=R.layers[k];"
          "if(e&&map.hasLayer(e.layer)&&e.layer.bringToFront){e.layer.bringToFront();}});"
          f"map.getContainer().setAttribute('data-hedong-stamp','{stamp}');" + "})({map});")
    return js


_PLACE_JS = """
(function(map, D, T){
  function dec(b){var s=atob(b),a=new Uint8Array(s.length);for(var i=0;i<s.length;i++)a[i]=s.charCodeAt(i);return a;}
  var lon=new Int32Array(dec(D.lon).buffer), lat=new Int32Array(dec(D.lat).buffer);
  var mins=D.services.map(function(s){return dec(s.m);});
  map.on('click', function(e){
    var x=e.latlng.lng*D.scale, y=e.latlng.lat*D.scale, kx=Math.cos(e.latlng.lat*Math.PI/180), best=-1, bd=Infinity;
    for(var i=0;i<lon.length;i++){var dx=(lon[i]-x)*kx, dy=lat[i]-y, d=dx*dx+dy*dy; if(d<bd){bd=d;best=i;}}
    var dm=Math.sqrt(bd)/D.scale*111320, h;
    if(best<0||dm>D.maxd_m){h='<div class="hedong-place">'+T.text.nohome+'</div>';}
    else{
      h='<div class="hedong-place"><b>'+T.text.title+'</b><table style="border-collapse:collapse;margin-top:4px">'
        +'<tr><th style="text-align:left;padding-right:8px">'+T.text.service+'</th><th style="padding:0 6px">'+T.text.minutes+'</th>'
        +D.bands.map(function(b){return '<th style="padding:0 4px">&le;'+b+'</th>';}).join('')+'</tr>';
      for(var k=0;k<D.services.length;k++){
        var v=mins[k][best], ok=v!==D.no;
        h+='<tr><td style="padding-right:8px">'+T.labels[k]+'</td><td style="text-align:right;padding:0 6px">'
          +(ok?v:'&mdash;')+'</td>'+D.bands.map(function(b){return '<td style="text-align:center">'+(ok&&v<=b?'&#10004;':'&middot;')+'</td>';}).join('')+'</tr>';
      }
      h+='</table><div style="color:#666;font-size:11px;margin-top:4px">'+T.text.note+'</div></div>';
    }
    L.popup({maxWidth:360}).setLatLng(e.latlng).setContent(h).openOn(map);
    // the walking routes to the nearest facility of each service: a publication's data/routes-<display>.js
    // (the same in every language) and data/route-names-<lang>.js (the labels and names in this one)
    var RT=window.HEDONG_ROUTES, RN=window.HEDONG_ROUTE_NAMES;
    if(window.hedongRoutes){map.removeLayer(window.hedongRoutes);window.hedongRoutes=null;}
    if(!RT||best<0||dm>D.maxd_m){return;}
    if(!RT.nx){RT.nx=new Int32Array(dec(RT.lon).buffer);RT.ny=new Int32Array(dec(RT.lat).buffer);}
    var bn=-1,bnd=Infinity;
    for(var j=0;j<RT.nx.length;j++){var ex=(RT.nx[j]-x)*kx, ey=RT.ny[j]-y, dd=ex*ex+ey*ey; if(dd<bnd){bnd=dd;bn=j;}}
    var g=L.layerGroup();
    RT.services.forEach(function(s,k){
      if(!s.P){s.P=new Int32Array(dec(s.pred).buffer);}
      var a=bn, pts=[[e.latlng.lat,e.latlng.lng]], n=0;
      if(a<0||s.P[a]===-2){return;}
      while(n<RT.nx.length){pts.push([RT.ny[a]/RT.scale,RT.nx[a]/RT.scale]); if(s.P[a]<0){break;} a=s.P[a]; n++;}
      var f=s.roots[a]; if(f===undefined){return;}
      pts.push([s.fy[f],s.fx[f]]);
      var v=mins[k]?mins[k][best]:D.no, W=RN&&RN.services[k]&&RN.services[k].key===s.key?RN.services[k]:null;
      L.polyline(pts,{color:s.color,weight:4,opacity:0.85,className:'hedong-route'})
        .bindTooltip((W?W.label+': '+W.names[f]:s.key)+(v!==D.no?' · '+v+' min':'')).addTo(g);
    });
    g.addTo(map); window.hedongRoutes=g;
  });
})({map}, %s, %s);
"""


def add_place_finder(m: folium.Map, area, cell_minutes: dict, *, lang: str | None = None,
                     cache: dict | None = None) -> None:
    """Offline "my place": a click anywhere shows the minutes on foot to the nearest facility of every
    service at that point (its population cell), and which are within 5 / 10 / 15 minutes — from data
    embedded in the page (:func:`place_payload`), so it works from a file with no server and no network.

    ``cache``: a dict the caller keeps while drawing several maps with the same ``area`` and
    ``cell_minutes`` (a publication): the script is built once per display datum and language.
    """
    lang = lang or getattr(m, "_hedong_lang", "zh")
    key = (display_crs(m), lang)
    code = cache.get(key) if cache is not None else None
    if code is None:
        payload = cache.get(("payload", key[0])) if cache is not None else None
        if payload is None:  # the numbers: the same in every language (a publication shares them)
            payload = json.dumps(place_payload(area, cell_minutes, key[0]), ensure_ascii=False).replace("</", "<\\/")
        words = json.dumps(place_text(area, list(cell_minutes), lang), ensure_ascii=False).replace("</", "<\\/")
        code = _PLACE_JS % (payload, words)
        if cache is not None:
            cache[key] = code
            cache[("payload", key[0])] = payload  # a publication shares it (presentation.publish_shared)
    Script(code).add_to(m)
    Control(f'<div style="{BOX_STYLE}max-width:260px;font-size:11px">{_html.escape(t("place.hint", lang))}</div>',
             position="bottomleft", css_class="hedong-place-hint").add_to(m)
