"""The session's choices: study area, scenario (shipped, stored or this session's working copy), language
and the UI text in it. The area and scenarios are loaded once per process (``st.cache_resource``).
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from demo.yuncheng import scale_from_env
from gis.areas import BUILTIN_AREAS, load_area, load_area_cached
from layers.errors import InputError
from presentation.i18n import app_key, t
from scenarios import store
from scenarios.model import available_names, resolve_scenario, shipped_names


AREAS = BUILTIN_AREAS
PAGES = ("map", "place", "coverage", "schools", "indicators", "publish")


def tr(key: str, lang_: str | None = None, **kw) -> str:
    """The app's one translate helper: a word of the one catalogue (:func:`presentation.i18n.t`) in the
    session's language or ``lang_``. ``key`` is the app's phrase (``level`` reads ``app.level``) or a key
    of another namespace as it is (``service.primary`` from the registry, ``class_flag.large``, ``col.x``:
    :func:`presentation.i18n.app_key`)."""
    return t(app_key(key), lang_ or st.session_state.get("lang", "zh"), **kw)


def lang() -> str:
    """The session language, ``zh`` or ``en``."""
    return st.session_state.get("lang", "zh")


def demo_scale() -> float:
    """Demo scale from ``HEDONG_DEMO_SCALE`` (default 1; the demo loader's own rule)."""
    return scale_from_env()


def area_spec() -> str:
    """The selected study area as an ``--area`` spec: a built-in name or a folder path (a folder
    area's ``name`` is only its last path component, so never use ``a.name`` to reload it)."""
    return st.session_state.get("area", AREAS[0])


def area() -> object:
    """The selected study area."""
    return get_area(area_spec(), demo_scale())


def area_options(extra: str = "") -> list[str]:
    """The areas the selector offers: the built-in ones, then user study-area folders —
    ``HEDONG_AREA``, ``HEDONG_AREAS`` (paths separated by ``os.pathsep``) and one typed in."""
    out = list(AREAS)
    folders = [os.environ.get("HEDONG_AREA", ""), *os.environ.get("HEDONG_AREAS", "").split(os.pathsep), extra]
    for f in folders:
        f = f.strip()
        if f and f not in out and Path(f).is_dir():
            out.append(f)
    return out


def scenario_key(scen) -> str:
    """A cache key for a scenario: its name plus a hash of its content (edited copies differ, and the
    same scenario read twice is the same key — see :meth:`scenarios.model.Scenario.fingerprint`, which a
    scenario computes once: it is immutable, an edit returns a new scenario)."""
    if scen is None:
        return "none"
    return f"{scen.name}:{scen.fingerprint()}"


def scenario_version(a, name: str) -> str:
    """What a scenario read under ``name`` depends on: ``shipped`` (built from the area), or the stored
    file's modification time and size (a save by anyone changes it)."""
    if name in shipped_names(a):
        return "shipped"
    path = store.stored_paths(a).get(name)
    try:
        s_ = path.stat()
    except (AttributeError, OSError):  # no such stored scenario: resolving says so
        return "missing"
    return f"{s_.st_mtime_ns}:{s_.st_size}"


#: Suffix of the working copy an edit creates (``plan`` -> ``plan-edited``, a valid scenario name).
EDITED_SUFFIX = "-edited"


def working_copies() -> dict:
    """Edited scenarios of this session: ``{(area, name): Scenario}`` (not saved until the user saves)."""
    return st.session_state.setdefault("edited", {})


def scenario_names(a) -> list[str]:
    """Shipped and stored scenarios, then this session's working copies (re-read on every rerun, so a
    scenario saved a moment ago is listed at once)."""
    names = available_names(a)
    return names + [n for (ar, n) in working_copies() if ar == a.name and n not in names]


def scenario_label(name: str, lang_: str | None = None, working=None) -> str:
    """``plan-edited`` (a working copy of this session; ``working``: their names) shown as "plan (edited)"."""
    working = working if working is not None else {n for (_, n) in working_copies()}
    if name.endswith(EDITED_SUFFIX) and name in working:
        return tr("edited_name", lang_, name=name[: -len(EDITED_SUFFIX)])
    return name


def get_scenario(a, name: str):
    """A scenario by name: this session's working copy if there is one, else the shipped / stored one."""
    w = working_copies().get((a.name, name))
    return w if w is not None else safe_resolve(a, name)


def working_copy(a, scen):
    """The working copy an edit of ``scen`` goes into (``<name>-edited``; an edited copy edits itself)."""
    if scen.name.endswith(EDITED_SUFFIX) and (a.name, scen.name) in working_copies():
        return working_copies()[(a.name, scen.name)].copy()
    return scen.copy(scen.name + EDITED_SUFFIX)


def _original_of(name: str) -> str:
    """The scenario a working copy was made from (``plan-edited`` -> ``plan``)."""
    return name[: -len(EDITED_SUFFIX)] if name.endswith(EDITED_SUFFIX) else name


def keep_working_copy(a, new, original: str | None):
    """Store an edited copy, select it and compare it with its original (applied on the next rerun)."""
    working_copies()[(a.name, new.name)] = new
    st.session_state["_select"] = {"scenario": new.name, **({"compare": original} if original else {})}


def current_scenario():
    """The scenario chosen on the schools page (a working copy if the user edited one)."""
    a = area()
    name = st.session_state.get("scenario") or ("plan" if len(a.projects) else "existing")
    return get_scenario(a, name)


def safe_resolve(a, name: str):
    """``resolve_scenario``, or — for a stored scenario that cannot be read (a zero-byte file) — the
    error in one line and the ``existing`` scenario instead of a traceback."""
    try:
        return scenario_cached(area_spec(), demo_scale(), name, scenario_version(a, name))
    except InputError as e:
        st.error(tr("bad_scenario", name="existing", why=e.one_line()))
        return resolve_scenario(a, "existing")


def _apply_pending_selection():
    """Selections an action asked for (a new working copy and its original): set before the widgets exist."""
    for k, v in (st.session_state.pop("_select", None) or {}).items():
        st.session_state[k] = v


@st.cache_resource(show_spinner=False)
def get_area(spec: str, scale: float):
    """The study area (and, through its cache, its travel network), loaded once per process.

    At the demo scale of the environment this is the process's own copy (:func:`gis.areas.load_area_cached`),
    which ``hedong app`` loads while the server starts (:func:`hedong.cmd_app.prepare`)."""
    if scale == scale_from_env():
        return load_area_cached(spec)
    return load_area(spec, scale=scale) if spec == "yuncheng-demo" else load_area(spec)


@st.cache_resource(show_spinner=False, max_entries=64)
def scenario_cached(spec: str, scale: float, name: str, version: str):
    """A shipped or stored scenario, read once per version of its source (:func:`scenario_version`)."""
    return resolve_scenario(get_area(spec, scale), name)
