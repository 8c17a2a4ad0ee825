"""Data strings as markdown that shows exactly their text (see :mod:`webapp.text`).

A module of its own, below :mod:`webapp.state` and :mod:`webapp.text`, so both can use :func:`md`
without importing each other.
"""

from __future__ import annotations

import re

#: Every ASCII punctuation character: CommonMark lets each be backslash-escaped, and escaping all of them
#: stops links, images, emphasis, headings, tables, HTML, LaTeX (``$``), Streamlit's ``:red[...]`` and
#: ``:icon:`` directives, and GFM's bare-URL (``http://``, ``www.``) and e-mail autolinks (``:``, ``.``
#: and ``@`` are escaped, so no autolink can start).
_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


def md(value) -> str:
    """``value`` as markdown that shows exactly its text (one line: a line break in data could start a
    heading, list or table)."""
    return _PUNCT.sub(r"\\\1", " ".join(str(value).split()))
