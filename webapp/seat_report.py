"""Schools page, issue 23: 学位预警 by year, the sensitivity bands and the bureau's XLSX report as a download.

Everything shown comes from :mod:`scenarios.seat_warnings`, :mod:`scenarios.sensitivity` and
:func:`scenarios.seat_report.seat_report` (the same data ``hedong report`` writes); this module only
caches and lays them out. The costly parts (every year evaluated; the births and lag variants; the
workbook) run only when asked: a toggle for the warnings and the sensitivity, a click for the file
(the download button's callable, made on its own thread while the page stays usable).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from layers.plan import EVALUATION_YEARS, OPENING_LAG
from presentation.i18n import display_names, t
from presentation.report_xlsx import WARNING_FILLS, report_bytes
from scenarios.seat_report import seat_report
from scenarios.seat_warnings import AMBER_AT, RED_AT, warnings_by_year
from scenarios.sensitivity import sensitivity
from webapp.cached import evaluation_cached, get_area
from webapp.state import area_spec, demo_scale, lang, scenario_key, scenario_label, tr
from webapp.widgets import district_labels, warning_label

__all__ = ["report_section", "warnings_frame", "sensitivity_frame"]


@st.cache_data(show_spinner=False, max_entries=32)
def warnings_cached(spec: str, scale: float, skey: str, level: str, assign: str, _scen=None) -> dict:
    """学位预警 of one level over the evaluation years (each year from :func:`webapp.cached.evaluation_cached`,
    so the years the page already showed cost nothing)."""
    evs = [evaluation_cached(spec, scale, skey, int(y), level, _scen=_scen, assign=assign)[0] for y in EVALUATION_YEARS]
    return warnings_by_year(evs, assign)


@st.cache_data(show_spinner=False, max_entries=32)
def sensitivity_cached(spec: str, scale: float, skey: str, year: int, level: str, assign: str, _scen=None) -> dict:
    """The births and opening-lag bands of one level in ``year`` (:func:`scenarios.sensitivity.sensitivity`)."""
    return sensitivity(get_area(spec, scale), _scen, year, assign, levels=(level,))


@st.cache_data(show_spinner=False, max_entries=8)
def report_bytes_cached(spec: str, scale: float, skey: str, year: int, assign: str, lang_: str, _scen=None) -> bytes:
    """The bureau's workbook (every level, 2021-2030) for this scenario, year, rule and language."""
    return report_bytes(seat_report(get_area(spec, scale), _scen, year, assign=assign), lang_)


def warnings_frame(w: dict, lang_: str) -> pd.DataFrame:
    """Subdistricts then schools, one column per year (warning labels) and the first red year."""
    rows = []
    for kind, recs in (("district", w["districts"]), ("school", w["schools"])):
        names = (district_labels(pd.Series([r["district"] for r in recs])).tolist() if kind == "district"
                 else display_names(pd.DataFrame(recs), lang_).tolist()) if recs else []
        for r, name in zip(recs, names):
            rows.append({tr("kind", lang_): t(f"report.kind.{kind}", lang_), tr("district", lang_) if kind == "district"
                         else t("report.col.name", lang_): name,
                         **{str(y): warning_label(r["warning_by_year"].get(str(y)), lang_) for y in w["years"]},
                         tr("first_red", lang_): "" if r["first_red"] is None else str(r["first_red"])})
    df = pd.DataFrame(rows)
    # one name column for both kinds of row
    name_cols = [c for c in (tr("district", lang_), t("report.col.name", lang_)) if c in df.columns]
    if len(name_cols) == 2:
        df[name_cols[0]] = df[name_cols[0]].fillna(df[name_cols[1]])
        df = df.drop(columns=name_cols[1])
    return df


def _fill(text: str, lang_: str) -> str:
    """Cell style of a warning label (the workbook's fills)."""
    for k, colour in WARNING_FILLS.items():
        if text == warning_label(k, lang_):
            return f"background-color: #{colour}"
    return ""


def sensitivity_frame(s: dict, lang_: str) -> pd.DataFrame:
    """The sensitivity rows with translated factor and variant names."""
    rule = t(f"report.rule.{s['assign']}", lang_)
    return pd.DataFrame([{t("report.col.factor", lang_): t(f"report.factor.{r['factor']}", lang_),
                          t("report.col.variant", lang_): t(f"report.variant.{r['variant']}", lang_),
                          t("report.col.enrolment", lang_): r["enrolment"], t("report.col.seats", lang_): r["seats"],
                          t("report.col.balance", lang_): r["balance"], t("report.col.shortfall", lang_): r["shortfall"],
                          t("report.col.without_seat", lang_, rule=rule): r["without_seat"],
                          t("report.col.districts_red", lang_): r["districts_red"]} for r in s["rows"]])


def report_section(scen, year: int, level: str, assign: str) -> None:
    """Warnings by year, sensitivity and the workbook's download button, under the schools table."""
    spec, sc, L = area_spec(), demo_scale(), lang()
    skey = scenario_key(scen)
    first, last = EVALUATION_YEARS[0], EVALUATION_YEARS[-1]
    st.subheader(tr("warnings_title", first=first, last=last, red=RED_AT, amber=AMBER_AT))
    if st.toggle(tr("warnings_show", first=first, last=last), key="warnings_show"):
        w = warnings_cached(spec, sc, skey, level, assign, _scen=scen)
        df = warnings_frame(w, L)
        years = [str(y) for y in w["years"]]
        st.dataframe(df.style.map(lambda v: _fill(v, L), subset=years), hide_index=True, width="stretch",
                     key="warnings_table")
    st.subheader(tr("sensitivity_title", year=int(year)) + " · " + tr(f"service.{level}"))
    if st.toggle(tr("sensitivity_show"), key="sensitivity_show"):
        s = sensitivity_cached(spec, sc, skey, int(year), level, assign, _scen=scen)
        st.dataframe(sensitivity_frame(s, L), hide_index=True, width="stretch", key="sensitivity_table")
        b = s["birth_band"]
        key = "report.note.sens_births" if s["births_method"] == "births" else "report.note.sens_demand"
        st.caption(t(key, L, low=1 - b, high=1 + b) + " " + t("report.note.sens_lag", L, lag=OPENING_LAG))
    rule = t(f"report.rule.{assign}", L)
    st.download_button(tr("report"), data=lambda: report_bytes_cached(spec, sc, skey, int(year), assign, L, _scen=scen),
                       file_name=f"seat-report-{scen.name}-{int(year)}-{assign}-{L}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore", key="report_download", icon=":material/download:",
                       help=tr("report_help", scenario=scenario_label(scen.name), year=int(year), rule=rule))
