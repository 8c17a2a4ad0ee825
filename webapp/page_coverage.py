"""Coverage page: one service's coverage, the life-circle tiers, equity (Lorenz), norm gaps and 2SFCA.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from accessibility.fca import METHODS
from layers.families import LIFE_CIRCLE_SERVICES, SERVICES
from presentation.i18n import cohort_label, unit_label
from webapp.cached import (fca_cached, life_circle_map_cached, lorenz_cached, norm_gaps_cached, report_cached,
                           service_cached)
from webapp.state import area, area_spec, demo_scale, lang, tr
from webapp.widgets import chart, district_frame, district_labels, share_cell_style, show_map


def page_coverage():
    """Coverage dashboard: share per service and district, minute distributions, the life-circle index."""
    area()  # loads (or fails on) the study area before any widget is drawn
    spec, sc = area_spec(), demo_scale()
    c1, c2 = st.columns(2)
    mode = c1.radio(tr("mode"), ["walk", "bike"], format_func=lambda k, L=lang(): tr(k, L), key="cov_mode", horizontal=True)
    minutes = float(c2.slider(tr("minutes"), 5, 30, 15, step=5, key="cov_minutes"))
    rows, dist = [], {}
    for s in SERVICES:
        r = service_cached(spec, sc, s, minutes, mode, "none", None)
        # each service for the people it serves (children of the level, older residents, or everyone)
        rows.append({tr("service"): tr(f"service.{s}"), tr("cohort"): cohort_label(r["cohort"], lang()),
                     tr("share_col"): round(r["cohort_share"], 3), tr("median"): r["cohort_median"],
                     tr("uncovered_n"): round(r["cohort_uncovered"])})
        dist[tr(f"service.{s}")] = r["cohort_by_district"]
    st.subheader(tr("share_by_service"))
    st.caption(tr("cohort_share_help"))
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="cov_services",
                 column_config={tr("share_col"): st.column_config.ProgressColumn(format="percent", min_value=0,
                                                                                 max_value=1),
                                tr("median"): st.column_config.NumberColumn(format="%.1f"),
                                tr("uncovered_n"): st.column_config.NumberColumn(format="localized")})
    if dist:
        st.subheader(tr("by_district"))
        piv = pd.DataFrame(dist)  # subdistricts down, services across in the registry's order
        piv.index = district_labels(piv.index).to_numpy()
        piv.index.name = tr("district")
        # Coloured by share with a hand-made red-yellow-green ramp (pandas' background_gradient needs
        # matplotlib, which is not a runtime dependency).
        st.dataframe(piv.style.format("{:.0%}", na_rep="—").map(share_cell_style),
                     width="stretch", key="cov_district_table")
    st.subheader(tr("minute_dist"))
    s = st.selectbox(tr("service"), list(SERVICES), format_func=lambda k, L=lang(): tr(f"service.{k}", L), key="cov_service")
    r = service_cached(spec, sc, s, minutes, mode, "none", None)
    chart(r["histogram"], "bar", "minutes", "people", x_title=tr("minutes"),
          y_title=cohort_label(r["cohort"], lang()), x_type="ordinal", key="minute_chart")
    st.metric(f"{tr(f'service.{s}')} · {tr('share_of', cohort=cohort_label(r['cohort'], lang()))}",
              f"{r['cohort_share']:.1%}")
    tiered_section(spec, sc, minutes, mode)
    st.subheader(tr("life_circle"))
    lc = report_cached(spec, sc, minutes, mode, "none", None)["life_circle"]
    k1, k2 = st.columns(2)
    k1.metric(tr("all_services"), f"{lc['all_services_share']:.1%}")
    k2.metric(tr("mean_within"), f"{lc['mean_services_within']:.2f}")
    m, summ = life_circle_map_cached(spec, sc, minutes, mode, lang())
    left, right = st.columns([3, 1])
    with left:
        show_map(m, key="lc_map", height=600)
    with right:
        total = len(LIFE_CIRCLE_SERVICES)
        st.caption(tr("lc_classes"))
        st.dataframe(pd.DataFrame({tr("services_n"): list(range(total, -1, -1)),
                                   tr("residents"): [round(summ["by_n"].get(n, 0.0)) for n in range(total, -1, -1)],
                                   tr("share_col"): [round(summ["share_by_n"].get(n, 0.0), 3)
                                                     for n in range(total, -1, -1)]}),
                     hide_index=True, width="stretch", key="lc_classes",
                     column_config={tr("share_col"): st.column_config.NumberColumn(format="percent"),
                                    tr("residents"): st.column_config.NumberColumn(format="localized")})
    lcd = lc["by_district"]
    if lcd:
        st.caption(tr("lc_by_district"))
        st.dataframe(district_frame(lcd), hide_index=True, width="stretch", key="lc_district_table",
                     column_config={tr("share_col"): st.column_config.NumberColumn(format="percent")})
    equity_section(spec, sc, minutes, mode)
    gaps_section(spec, sc)
    fca_section(spec, sc, minutes, mode)


def tiered_section(spec: str, sc: float, minutes: float, mode: str):
    """The 15分钟社区生活圈 with each service at its GB 50180-2018 tier (shown before the one-threshold index)."""
    lt = report_cached(spec, sc, minutes, mode, "none", None)["life_circle_tiered"]
    lg = lang()
    st.subheader(lt["name"][lg] + tr("tiered_suffix"))
    st.caption(lt["source"])
    k1, k2 = st.columns(2)
    k1.metric(tr("tiered_all"), f"{lt['all_services_share']:.1%}")
    k2.metric(tr("tiered_mean"), f"{lt['mean_services_within']:.2f}")
    st.dataframe(pd.DataFrame([{tr("service"): tr(f"service.{k}"), tr("minutes"): v["tier_minutes"],
                                tr("share"): round(v["population_share"], 3)}
                               for k, v in lt["by_service"].items()]), hide_index=True, width="stretch",
                 key="lct_services", column_config={tr("share"): st.column_config.NumberColumn(format="percent")})
    st.dataframe(district_frame(lt["by_district"]), hide_index=True, width="stretch", key="lct_district_table",
                 column_config={tr("share_col"): st.column_config.NumberColumn(format="percent")})


def equity_section(spec: str, sc: float, minutes: float, mode: str):
    """Equity of access: Gini / Theil (between / within subdistricts) per service, and a Lorenz chart."""
    st.subheader(tr("equity"))
    eq = report_cached(spec, sc, minutes, mode, "none", None)["equity"]
    rows = []
    for k, v in eq["services"].items():
        m, sp = v["minutes"]["population"], (v.get("supply_per_1000") or {}).get("population", {})
        rows.append({tr("service"): tr(f"service.{k}"), tr("eq_gini_min"): m["gini"], tr("eq_theil_min"): m["theil"],
                     tr("eq_theil_between"): m["theil_between"], tr("eq_theil_within"): m["theil_within"],
                     tr("eq_top_bottom"): m["top_bottom_10_ratio"], tr("eq_gini_fca"): sp.get("gini"),
                     tr("eq_theil_fca"): sp.get("theil")})
    three = st.column_config.NumberColumn(format="%.3f")  # indices in 0..1 (Theil up to ln n)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="equity_table",
                 column_config={**{tr(k): three for k in ("eq_gini_min", "eq_theil_min", "eq_theil_between",
                                                          "eq_theil_within", "eq_gini_fca", "eq_theil_fca")},
                                tr("eq_top_bottom"): st.column_config.NumberColumn(format="%.1f")})
    st.caption(tr("eq_definition", minutes=minutes))  # the report's own definition is English (a JSON key)
    s = st.selectbox(tr("service"), list(SERVICES), format_func=lambda k, L=lang(): tr(f"service.{k}", L), key="lorenz_service")
    names = {"minutes": tr("curve_minutes"), "equality": tr("curve_equality")}
    lz = lorenz_cached(spec, sc, s, minutes, mode).melt(id_vars="residents", value_vars=["minutes", "equality"],
                                                         var_name="curve", value_name="share")
    lz["curve"] = lz["curve"].map(names)
    chart(lz, "line", "residents", "share", "curve", x_title=tr("lorenz_x"), y_title=tr("lorenz_y"), key="lorenz_chart")


def gaps_section(spec: str, sc: float):
    """Residents (their cohort) beyond each facility level's norm radius; one level by district."""
    st.subheader(tr("gaps"))
    st.caption(tr("gaps_help"))
    g = norm_gaps_cached(spec, sc)
    tot = g[g["district_id"] == "*"]
    name = "zh" if lang() == "zh" else "en"
    loc = st.column_config.NumberColumn(format="localized")
    pct = {tr("pct_beyond"): st.column_config.NumberColumn(format="%.1f%%"), tr("cohort_n"): loc,
           tr("cohort_beyond"): loc}
    st.dataframe(pd.DataFrame({
        tr("gap_level"): tot[name].to_numpy(), tr("radius"): tot["radius_m"].to_numpy(),
        tr("mark"): tot["mark"].to_numpy(), tr("facilities_n"): tot["facilities"].to_numpy(),
        tr("cohort"): [cohort_label(c, lang()) for c in tot["demand_column"]],
        tr("cohort_n"): tot["demand"].round().astype(int).to_numpy(),
        tr("cohort_beyond"): tot["demand_beyond"].round().astype(int).to_numpy(),
        tr("pct_beyond"): 100 * tot["demand_share_beyond"].to_numpy()}),
        hide_index=True, width="stretch", key="gap_levels_table", column_config=pct)
    levels = dict(zip(tot["level"], tot[name]))
    level = st.selectbox(tr("gap_level"), list(levels), format_func=levels.get, key="gap_level")
    rows = g[(g["level"] == level) & (g["district_id"] != "*")]
    st.dataframe(pd.DataFrame({
        tr("district"): district_labels(rows["district"]).to_numpy(),
        tr("cohort_n"): rows["demand"].round().astype(int).to_numpy(),
        tr("cohort_beyond"): rows["demand_beyond"].round().astype(int).to_numpy(),
        tr("pct_beyond"): 100 * rows["demand_share_beyond"].to_numpy()}),
        hide_index=True, width="stretch", key="gap_district_table", column_config=pct)


def fca_section(spec: str, sc: float, minutes: float, mode: str):
    """Capacity (seats, places, beds, m²) within reach per 1,000 demand, by district, for one service."""
    st.subheader(tr("fca"))
    c1, c2 = st.columns([2, 3])
    fca_services = [k for k, s in SERVICES.items() if s.capacity]  # services with a capacity column
    service = c1.selectbox(tr("service"), fca_services, key="fca_service",
                           format_func=lambda k, L=lang(): f"{tr(f'service.{k}', L)} · {unit_label(SERVICES[k].capacity, L)}")
    method = c2.radio(tr("method"), list(METHODS), key="fca_method", horizontal=True,
                      format_func=lambda k, L=lang(): tr(f"method.{k}", L))
    r = fca_cached(spec, sc, minutes, mode, service, method)
    st.caption(tr("fca_help", minutes=minutes, unit=unit_label(r["capacity"], lang()),
                  cohort=cohort_label(r["demand"], lang())))
    k1, k2 = st.columns(2)
    k1.metric(tr("fca_area"), f"{r['per_1000']:,.1f}")
    k2.metric(tr("fca_target"), "—" if r["target"] is None else f"{r['target']:,.0f}",
              help=None if r["target"] is not None else tr("no_target"))
    d = r["districts"]
    table = {tr("district"): district_labels(d["name"]).to_numpy(), tr("cohort_n"): d["demand"].round().astype(int).to_numpy(),
             tr("fca_reach"): d["per_1000"].to_numpy(), tr("fca_local"): d["local_per_1000"].to_numpy()}
    if r["target"] is not None:
        table[tr("fca_target")] = d["target_per_1000"].to_numpy()
    num = st.column_config.NumberColumn(format="%.1f")
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", key="fca_table",
                 column_config={tr("fca_reach"): num, tr("fca_local"): num, tr(
                     "cohort_n"): st.column_config.NumberColumn(format="localized")})
