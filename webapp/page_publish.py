"""Publish page: the area's published maps as one zip (same as ``hedong publish``).
"""

from __future__ import annotations

import streamlit as st

from webapp.cached import publish_cached
from webapp.state import area, area_spec, current_scenario, demo_scale, lang, scenario_key, tr


def page_publish():
    """Build the published maps (same as ``hedong publish``) and offer them as a zip."""
    a = area()
    st.write(tr("publish_help"))
    if st.button(tr("make_zip"), key="make_zip"):
        with st.spinner("…"):
            scen = current_scenario() if len(a.projects) else None
            st.session_state["zip"] = publish_cached(area_spec(), demo_scale(), scenario_key(scen), lang(), _scen=scen)
    if st.session_state.get("zip"):
        st.download_button(tr("download"), st.session_state["zip"], file_name=f"hedong-maps-{a.name}.zip",
                           mime="application/zip", key="download_zip")
