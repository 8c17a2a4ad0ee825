"""Map page: districts, density, the facility families, one service's circles and uncovered homes.
"""

from __future__ import annotations

import streamlit as st

from layers.families import FAMILIES, SERVICES
from presentation import i18n, legends, styles
from presentation.i18n import cohort_label, t
from webapp.cached import overview_base_cached, overview_layers_cached, service_cached
from webapp.state import area, area_spec, demo_scale, lang, tr
from webapp.widgets import show_map


def page_map():
    """Map page: districts, density, six families, circles of one service, uncovered homes."""
    a = area()
    spec, sc = area_spec(), demo_scale()
    c1, c2, c3, c4 = st.columns([2, 1, 1, 2])
    keys = list(SERVICES)  # read at render time: a family registered at run time is offered
    service = c1.selectbox(tr("service"), keys, format_func=lambda k, L=lang(): tr(f"service.{k}", L), key="map_service",
                           index=keys.index("fitness") if "fitness" in keys else 0)
    mode = c2.radio(tr("mode"), ["walk", "bike"], format_func=lambda k, L=lang(): tr(k, L), key="map_mode", horizontal=True)
    minutes = float(c3.slider(tr("minutes"), 5, 30, int(SERVICES[service].minutes), step=5, key="map_minutes"))
    tiles = c4.selectbox(tr("tiles"), list(styles.TILES), format_func=lambda k, L=lang(): t(f"tiles.{k}", L),
                         key="map_tiles")
    tk = st.text_input(tr("tk"), key="tk", type="password") if tiles == "tianditu" else None
    fams = st.multiselect(tr("families"), list(FAMILIES), default=list(FAMILIES),
                          format_func=lambda f, L=lang(): i18n.family_label(f, L), key="map_families")
    m_mode = None if mode == "walk" and SERVICES[service].mode != "walk" else mode
    res = service_cached(spec, sc, service, minutes, m_mode, "none", None)
    cohort = cohort_label(res["cohort"], lang())
    k1, k2, k3 = st.columns(3)
    k1.metric(tr("share_of", cohort=cohort), f"{res['cohort_share']:.1%}", help=tr("cohort_share_help"))
    k2.metric(tr("median"), f"{res['cohort_median']:.1f}")
    k3.metric(tr("uncovered_of", cohort=cohort), f"{res['cohort_uncovered']:,.0f}")
    if tiles == "tianditu" and not tk:
        st.warning(tr("tk_missing"))
        tiles = "none"
    display = styles.TILES[tiles]["display"]
    m = overview_base_cached(spec, sc, display, lang())
    layers = overview_layers_cached(spec, sc, service, minutes, m_mode, tiles, tk, tuple(fams), lang())
    st.caption(tr("click_hint") + " " + tr("layers_hint"))
    show_map(m, key=f"map_{a.name}", layers=layers)
    st.html(legends.overview_legend_row(service, minutes, lang()))  # under the map, where it hides nothing
