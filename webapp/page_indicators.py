"""Indicators page: the plan's indicator rows computed from the current layers.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from presentation import publish as pub
from presentation.i18n import cohort_label, display_names, indicator_unit, t
from webapp.cached import indicators_cached
from webapp.state import area_spec, demo_scale, lang, tr
from webapp.text import md
from webapp.widgets import dataframe, district_labels, labelled


def page_indicators():
    """The plan's indicator table (accessibility.indicators, the same rows as ``hedong indicators`` and the
    published index): baseline, target, value for the area and by subdistrict, status with the reason."""
    lg = lang()
    st.caption(tr("indicator_help"))
    rows = indicators_cached(area_spec(), demo_scale(), lg)
    names = ["#", *(t(f"col.{k}", lg) for k in ("indicator", "unit", "baseline", "target", "now", "status", "note"))]

    def plan_figure(v):  # the plan's own figures as it prints them (93, 102.7); none is a blank
        return "" if v is None else format(v, "g")

    # values as the published index shows them (pub.fmt_value: two decimals, — for none), units in words
    # the plan's row number as text: a blank beside numbers made pyarrow fail on every visit (issue 26 #10)
    show = pd.DataFrame([["" if r["no"] in (None, "") else str(r["no"]), r["indicator"], indicator_unit(r["unit"], lg), plan_figure(r["baseline_2020"]),
                          plan_figure(r["target_2025"]), pub.fmt_value(r["value"]),
                          f'{pub.STATUS_MARK[r["status"]]} {t("status." + r["status"], lg)}', r["note"]]
                         for r in rows], columns=names)
    dataframe(show, key="indicator_table")
    st.subheader(tr("by_subdistrict"))
    byd = pd.DataFrame({r["indicator"]: {n: f'{pub.fmt_value(v.get("value"))} {pub.STATUS_MARK.get(v.get("status"), "")}'
                                         for n, v in r["by_district"].items()} for r in rows if r["by_district"]})
    if len(byd):
        byd.index = district_labels(byd.index).to_numpy()  # the subdistricts in the session's language
        # indicators down, subdistricts across: a dozen indicator names side by side did not fit (issue 26 #4)
        byd = byd.T
        byd.index.name = names[1]
    dataframe(byd, hide_index=False, key="indicator_districts")
    # the measure in words of the catalogue (the engine's English text named the column: "share of age_0_2")
    walk = [{names[1]: r["indicator"], t("col.walk_measure", lg): tr("walk_measure", minutes=f'{r["walking"]["minutes"]:g}',
                                                                       cohort=cohort_label(r["walking"]["cohort"], lg)),
             tr("share_col"): round(r["walking"]["value"], 3)} for r in rows if r["walking"]]
    if walk:
        st.caption(tr("walking_beside"))
        dataframe(pd.DataFrame(walk), key="indicator_walking",
                     column_config={tr("share_col"): st.column_config.NumberColumn(format="percent")})
    for r in rows:
        missing = (r.get("detail") or {}).get("without_site")
        if missing:
            st.caption(md(r["indicator"]))
            miss = pd.DataFrame(missing)
            miss["name"] = display_names(miss, lg)
            table_, cfg = labelled(miss.drop(columns=["name_en"], errors="ignore"), drop=())  # headers in words
            dataframe(table_, key=f"detail_{r['key']}", column_config=cfg)
