"""Publish page: the area's published maps as one zip (same as ``hedong publish``), with the same
choices: languages, scenarios and seat-map years; the size is shown with the download.
"""

from __future__ import annotations

import streamlit as st

from presentation.i18n import LANGS
from presentation.publish import YEARS
from scenarios.model import list_scenarios
from webapp.cached import publish_cached
from webapp.state import area, area_spec, current_scenario, demo_scale, get_scenario, lang, scenario_key, tr


def page_publish():
    """Build the published maps (same as ``hedong publish``) and offer them as a zip."""
    a = area()
    st.write(tr("publish_help"))
    scen = current_scenario() if len(a.projects) else None
    c1, c2, c3 = st.columns(3)
    langs = c1.multiselect(tr("publish_langs"), list(LANGS), default=[lang()], key="publish_langs",
                           format_func=lambda x: tr(f"lang_{x}"))
    names = [r["name"] for r in list_scenarios(a)] if len(a.projects) else []
    current = getattr(scen, "name", None)
    if current and current not in names:
        names.insert(0, current)
    scens = c2.multiselect(tr("publish_scenarios"), names, default=[current] if current else [],
                           key="publish_scenarios") if names else []
    years = c3.multiselect(tr("publish_years"), list(YEARS), default=list(YEARS), key="publish_years")
    if st.button(tr("make_zip"), key="make_zip", disabled=not langs):
        with st.spinner("…"):
            # the scenarios themselves, not their names: an edited working copy ("plan-edited") is no
            # stored scenario, and publishing it by name failed (the page then offered no download)
            chosen = [get_scenario(a, n) for n in scens]
            st.session_state["zip"] = publish_cached(area_spec(), demo_scale(), scenario_key(scen), lang(), _scen=scen,
                                                     langs=tuple(langs), years=tuple(sorted(years)),
                                                     scenarios=tuple(scenario_key(x) for x in chosen),
                                                     _scens=tuple(chosen))
    if st.session_state.get("zip"):
        z = st.session_state["zip"]
        st.caption(f"zip: {len(z) / 1e6:.1f} MB")
        st.download_button(tr("download"), z, file_name=f"hedong-maps-{a.name}.zip",
                           mime="application/zip", key="download_zip")
