"""My place page: travel minutes from one point to each service, its isochrone bands on a map.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from accessibility.place import place_minutes, point_in_area_crs
from accessibility.place import BANDS as PLACE_BANDS
from gis.crs import wgs84_to_gcj02
from layers.errors import InputError
from presentation import i18n, legends
from presentation.i18n import display_names
from scenarios.sites import check_sites
from webapp.cached import place_base_cached, place_layers_cached
from webapp.state import area, area_spec, demo_scale, lang, tr
from webapp.upload import parse_lonlat
from webapp.widgets import newest_click, show_map


def page_place():
    """My place: click the map, type lon/lat (WGS84 or GCJ-02) or pick a facility -> minutes on foot to the
    nearest facility of every service, which are within 5 / 10 / 15 minutes, and the walking isochrone."""
    a = area()
    spec, sc = area_spec(), demo_scale()
    st.caption(tr("place_help"))
    how = st.radio(tr("place_how"), ["click", "type", "facility"], key="place_how", horizontal=True,
                   format_func=lambda k, L=lang(): tr(f"place_{k}", L))
    point = st.session_state.get("place_point")
    if how == "type":
        c1, c2 = st.columns([3, 1])
        text = c1.text_input(tr("place_lonlat"), key="place_text", placeholder="111.0075, 35.0265")
        coords = c2.radio(tr("place_coords"), ["wgs84", "gcj02"], key="place_coords", horizontal=True,
                          format_func=lambda k: {"wgs84": "WGS84", "gcj02": "GCJ-02"}[k])
        if text:
            try:
                point = parse_lonlat(text, coords)
            except InputError as e:
                st.error(e.one_line())
    elif how == "facility":
        f = a.facilities.to_crs(4326)
        labels = [f"{n} · {i18n.family_label(fam, lang())}" for n, fam in zip(display_names(f, lang()), f["family"])]
        i = st.selectbox(tr("place_facility"), list(range(len(f))), key="place_fac", index=None,
                         format_func=lambda i, L=labels: L[i])
        if i is not None:
            point = (float(f.geometry.iloc[i].x), float(f.geometry.iloc[i].y))
    minutes = float(st.select_slider(tr("place_iso"), [5, 10, 15, 20, 30], 15, key="place_iso_min"))
    outside = False
    if point is not None:  # a place outside the study area is an error, not an answer (the site checks' rule)
        try:
            check_sites(a, [point_in_area_crs(a, *point)], snap=False, what="place")
        except InputError:
            outside = True
    shown = None if point is None or outside else point
    left, right = st.columns([3, 2])
    with left:
        layers = place_layers_cached(spec, sc, None if shown is None else round(shown[0], 6),
                                     None if shown is None else round(shown[1], 6), minutes, lang())
        out = show_map(place_base_cached(spec, sc, lang()), key="place_map", height=520,
                       returned=["last_clicked", "last_object_clicked"], layers=layers)
        st.html(legends.legend_row([legends.facility_legend_row(lang())]))  # the symbols, under the map
        new = newest_click(out, st.session_state.setdefault("_place_seen", {}))
        if how == "click" and new is not None and new != st.session_state.get("place_point"):
            st.session_state["place_point"] = new
            st.rerun()
    if point is not None and how != "click":
        st.session_state["place_point"] = point
    with right:
        if point is None:
            st.info(tr("place_none"))
            return
        lon, lat = point
        if outside:
            st.error(tr("place_outside", lon=f"{lon:.6f}", lat=f"{lat:.6f}", area=a.name))
            return
        glon, glat = (float(v) for v in wgs84_to_gcj02(lon, lat))
        st.markdown(f"**{tr('place_at')}** WGS84 {lon:.6f}, {lat:.6f} · GCJ-02 {glon:.6f}, {glat:.6f}")
        mins = place_minutes(a, point_in_area_crs(a, lon, lat))
        rows = []
        for s, v in mins.items():
            ok = np.isfinite(v)
            rows.append({tr("service"): tr(f"service.{s}"), tr("place_minutes"): round(v, 1) if ok else None,
                         **{f"≤ {b} {tr('min_short')}": ("✔" if ok and v <= b else "—") for b in PLACE_BANDS}})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="place_table",
                     column_config={tr("place_minutes"): st.column_config.NumberColumn(format="%.1f")})
        st.caption(tr("place_note"))
