"""Hedong Planner (河东规划) — the Streamlit app. Run: ``hedong app`` (or ``streamlit run app.py``).

Thin by design: this script sets the page up, draws the sidebar and routes to a page; the pages,
their widgets and the cache wrappers live in :mod:`webapp` (``state``, ``cached``, ``widgets``,
``page_*``, ``upload``). Every number comes from the packages (``accessibility``, ``scenarios``,
``presentation.publish``) and is cached — the study area and its network with ``st.cache_resource``,
results with ``st.cache_data`` — so switching service, year or scenario answers in about a second.
Maps are folium/Leaflet with assets served from ``./static`` (no CDN; see ``gis/assets.py``).

Environment:
``HEDONG_DEMO_SCALE`` — scale of the Yuncheng demo (default 1; the tests use 0.15 to run fast).
``HEDONG_AREA`` — study area selected at start (default ``yuncheng-demo``); a folder path works too.
``HEDONG_AREAS`` — more study-area folders for the selector, separated by ``os.pathsep`` (a folder
can also be typed into the sidebar).
"""

from __future__ import annotations

import html
import os

import streamlit as st

from presentation import legends
from presentation.i18n import LANG_NAMES, LANGS, t
from webapp.page_coverage import page_coverage
from webapp.page_indicators import page_indicators
from webapp.page_map import page_map
from webapp.page_place import page_place
from webapp.page_publish import page_publish
from webapp.page_schools import page_schools
from webapp.text import md, tr_md
from webapp.state import AREAS, PAGES, area, area_options, lang, remember_choices, restore_choices, tr

st.set_page_config(page_title="河东规划 Hedong Planner", page_icon="🗺️", layout="wide")


# ---------------------------------------------------------------- layout


def keep_choices():
    """On a language switch, keep every choice the user made (the language radio's ``on_change``).

    Streamlit keeps a selectbox's, radio's or multiselect's choice as the label it showed: after a switch
    the old labels match none of the new ones, so a choice came back as a raw label (a KeyError on the
    map page after 中文 → English → 中文) or empty (no facilities drawn). Here, before the run in the new
    language, each choice is set again as its value (read with the labels of the run that showed it).
    Only text values and lists of them are choices or typed text; the app's own state (keys starting
    with ``_``), buttons, uploads and numbers are left alone.
    """
    for key in list(st.session_state.keys()):
        if key == "lang" or str(key).startswith("_"):
            continue
        v = st.session_state[key]
        if isinstance(v, str) or (isinstance(v, list) and v and all(isinstance(x, str) for x in v)):
            st.session_state[key] = v


def main():
    """Sidebar (language, study area, page) and the chosen page."""
    restore_choices()  # the choices of the last page, or of the URL on a reload or shared link
    with st.sidebar:
        st.radio(t("app.lang", "zh"), list(LANGS), format_func=LANG_NAMES.get, key="lang",
                 horizontal=True, on_change=keep_choices)
        typed = st.session_state.get("area_folder", "").strip()
        options = area_options(typed)
        if typed and typed in options and st.session_state.get("_area_folder_applied") != typed:
            st.session_state["area"] = typed  # a folder just typed in becomes the selection
            st.session_state["_area_folder_applied"] = typed
        default_area = os.environ.get("HEDONG_AREA", AREAS[0]).strip()
        if st.session_state.get("area") not in options:
            st.session_state["area"] = default_area if default_area in options else options[0]
        st.selectbox(tr("area"), options, key="area")
        st.text_input(tr("area_folder"), key="area_folder")
        if typed and typed not in options:
            st.error(tr_md("not_a_folder", folder=typed))
        page = st.radio(tr("page"), PAGES, format_func=lambda k, L=lang(): tr(k, L), key="page")
    st.title(tr("title"))
    with st.spinner(tr("loading")):
        a = area()
    if getattr(a, "synthetic", False):
        st.warning(md(legends.notice_text(a, lang())), icon="⚠️")  # the notice starts with 演示数据（生成）
    elif legends.estimate_text(a, lang()):  # real data with estimated layers (Helsinki's population)
        st.info(md(legends.estimate_text(a, lang())), icon="ℹ️")
    {"map": page_map, "place": page_place, "coverage": page_coverage, "schools": page_schools, "indicators": page_indicators,
     "publish": page_publish}[page]()
    with st.sidebar:
        st.caption(md(html.unescape(legends.attribution_text(a, lang()))))  # HTML-escaped for maps; text here
        if getattr(a, "sources", None):
            with st.expander(t("page.sources", lang())):  # each layer's source and licence, as the area states it
                # plain escaped HTML: a grid here loaded the data-grid's code on every first page (~0.1 s)
                st.html(f'<ul class="hedong-sources" style="font-size:12px;padding-left:16px;margin:0">'
                        f"{legends.source_items_html(a.sources)}</ul>")
    remember_choices()  # kept for the next page, and in the URL (a reload or a shared link opens this view)


if __name__ == "__main__":  # streamlit runs the script as __main__; tests import its functions
    main()
