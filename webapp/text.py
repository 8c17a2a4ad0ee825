"""Text from data, shown by Streamlit as text (issue 27 #12).

Streamlit draws captions, info/warning/error boxes, metric labels and ``st.markdown`` as GitHub markdown:
a project named ``![](http://host/beacon.png) [phish](http://host/login)`` became a fetched image and a
live link. Every string that came from data (names of projects, scenarios, areas, folders, files, an
engine's error text quoting a file's cell) goes through :func:`md` before it joins markdown; the
catalogue's own words (:mod:`presentation.i18n`) stay markdown. :func:`tr_md` fills a catalogue phrase
with escaped values, and :func:`error_text` gives an engine's error a lead-in in the session's language.
"""

from __future__ import annotations

from layers.errors import InputError
from webapp.markdown import md
from webapp.state import tr

__all__ = ["md", "tr_md", "error_text"]

def tr_md(key: str, lang_: str | None = None, **data) -> str:
    """The catalogue phrase ``app.<key>`` with each placeholder's value from data escaped (:func:`md`)."""
    return tr(key, lang_, **{k: md(v) for k, v in data.items()})


def error_text(e, lang_: str | None = None) -> str:
    """An error for the screen: a lead-in in the session's language (the engine's messages are English)
    and the engine's own detail — file, row, field and the file's text — escaped (:func:`md`)."""
    detail = e.one_line() if isinstance(e, InputError) else str(e)
    return tr_md("input_error", lang_, detail=detail)
