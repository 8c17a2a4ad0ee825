"""The schools page's optimiser section: upload or generated candidate sites, a siting model, the chosen
sites on a map, each addable to the working scenario.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from layers.errors import InfeasibleModelError, InputError
from layers.families import LEVELS, SERVICES
from presentation.i18n import t
from scenarios.model import PLAN_YEARS
from scenarios.optimize import MODEL_HELP_KEYS, objective_unit_key, optimize_area
from webapp.cached import upload_cached
from webapp.state import (EDITED_SUFFIX, area_spec, current_scenario, demo_scale, keep_working_copy, lang,
                          tr, working_copy)
from webapp.upload import MAX_UPLOAD_BYTES, UPLOAD_TYPES
from webapp.widgets import show_table, sites_map


@st.fragment
def optimise_section(a):
    """Upload candidate sites (or use generated ones) and run the optimiser; the chosen sites on a map
    with lon/lat (WGS84 and GCJ-02) and district, each one addable to the working scenario."""
    st.subheader(tr("optimise"))
    up = st.file_uploader(tr("upload"), type=list(UPLOAD_TYPES), key="cand_upload",
                          max_upload_size=MAX_UPLOAD_BYTES // 2**20, help=tr("upload_help"))
    cands, refused = None, None
    if up is not None:
        cands, refused = upload_cached(up.getvalue(), up.name, area_spec(), demo_scale())
        if refused:
            st.error(f"{tr('upload_refused')} {refused}")
        else:
            st.success(tr("upload_ok", n=len(cands)))
    else:
        st.caption(tr("generated_candidates"))
    c1, c2, c3 = st.columns([1, 2, 1])
    level = c1.selectbox(tr("level"), list(LEVELS), format_func=lambda k, L=lang(): tr(f"service.{k}", L),
                         key="opt_level")
    model = c2.selectbox(tr("model"), list(MODEL_HELP_KEYS), key="opt_model",
                         format_func=lambda k, L=lang(): f"{k} · {t(MODEL_HELP_KEYS[k], L).split('：')[0].split(':')[0]}")
    p = c3.number_input(tr("p"), 1, 20, 2, key="opt_p")
    st.caption(t(MODEL_HELP_KEYS[model], lang()))
    # A refused upload stops here: never a silent fall-back to generated candidates.
    if st.button(tr("optimise"), key="opt_run", disabled=bool(refused), type="primary"):
        scen = current_scenario()
        try:
            with st.spinner(tr("solving")):
                res = optimize_area(a, level, model=model, p=int(p), candidates=cands, scenario=scen,
                                    year=int(st.session_state.get("year", PLAN_YEARS[-1])))
        except InfeasibleModelError as e:  # no solution for these settings: say so, no CLI flags
            st.session_state.pop("opt_result", None)
            st.error(e.reason)
            return
        except InputError as e:
            st.session_state.pop("opt_result", None)
            st.error(f"{tr('upload_refused') if cands is not None else ''} {e.one_line()}".strip())
            return
        st.session_state["opt_result"] = {**res, "_scenario": scen.name}
    r = st.session_state.get("opt_result")
    if not r:
        sites_map(cands)  # the candidates before any run; the chosen sites are drawn on the same map
        return
    unit = t(objective_unit_key(r["model"]), lang())
    value = float(r.get("objective_value", r["objective"]))
    # the unit goes with the label (in the value it pushed the number out of a narrow column: "15,576.0
    # child…"); counts of children or schools are whole numbers, minutes keep a decimal
    whole = r["model"] in ("mclp", "cmclp", "lscp")
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    c1.metric(f"{tr('objective')} · {unit}", f"{value:,.0f}" if whole else f"{value:,.1f}")
    c2.metric(tr("unserved_before"), f"{r.get('unserved_before', 0):,}")
    c3.metric(tr("unserved_after"), f"{r.get('unserved_after', 0):,}",
              delta=f"{r.get('unserved_after', 0) - r.get('unserved_before', 0):+,}", delta_color="inverse")
    c4.metric(tr("solve_time"), f"{r.get('solve_seconds', r['seconds']):.2f} s")
    sites = pd.DataFrame(r.get("chosen_sites", []))
    if not len(sites):
        sites_map(cands)
        return
    st.markdown(f"**{tr('chosen')}**")
    left, right = st.columns([3, 2])
    with right:
        show_table(sites[[c for c in ("candidate_id", "district", "lon", "lat", "lon_gcj02", "lat_gcj02", "seats")
                          if c in sites]], key="opt_sites")
        cid = st.selectbox(tr("add_site"), sites["candidate_id"].tolist(), key="opt_add_pick")
        if st.button(tr("add_site_btn"), key="opt_add"):
            s = sites[sites["candidate_id"] == cid].iloc[0]
            lvl = r["level"]
            try:
                new = working_copy(a, current_scenario())
                new = new.add_project(f"new-{lvl}-{cid}", tr("new_site_name", cid=cid), lvl, float(s["lon"]),
                                      float(s["lat"]), int(st.session_state.get("year", PLAN_YEARS[-1])),
                                      **{SERVICES[lvl].capacity: int(s["seats"])})
                base = current_scenario().name
                keep_working_copy(a, new, base[: -len(EDITED_SUFFIX)] if base.endswith(EDITED_SUFFIX) else base)
                st.rerun()
            except InputError as e:
                st.error(e.one_line())
    with left:
        sites_map(cands, sites)
