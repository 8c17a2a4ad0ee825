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
from layers.families import LEVELS, SERVICES
from presentation.i18n import LANGS, app_key, scenario_name, t
from scenarios import store
from scenarios.model import PLAN_YEARS, available_names, resolve_scenario, shipped_names
from webapp.markdown import md


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
    """A scenario's name for the screen, in the session's language (or ``lang_``): the shipped ones in words
    (``existing`` -> 现状 / Existing, catalogue ``app.scen.<name>``), a working copy ``<name>-edited`` as
    "<name> (edited)" — also before it exists (the edit form names the copy it will make). ``working`` is
    kept for callers that pass the session's working copies; any ``-edited`` name is labelled so."""
    if name.endswith(EDITED_SUFFIX) and len(name) > len(EDITED_SUFFIX):
        return tr("edited_name", lang_, name=scenario_label(name[: -len(EDITED_SUFFIX)], lang_))
    return scenario_name(name, lang_ or lang())


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
        st.error(tr("bad_scenario", name="existing", why=md(e.one_line())))
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


# ---------------------------------------------------------------- choices that stay (issue 26 #2, item 3)

def _one_of(options):
    return lambda v: v if v in options else None


def _int_in(lo: int, hi: int, step: int = 1):
    def parse(v):
        try:
            x = int(str(v))
        except ValueError:
            return None
        return x if lo <= x <= hi and (x - lo) % step == 0 else None
    return parse


def _name(v):
    """A scenario name from a URL: the store's rule (letters, digits, ``-_.``, CJK) is checked by the page,
    which drops a name it does not list; here only its length and printable characters."""
    v = str(v)
    return v if 0 < len(v) <= 80 and v.isprintable() else None


def _point(v):
    """``"lon,lat"`` from a URL: two finite numbers in range (the page then checks it is in the study area)."""
    try:
        lon, lat = (float(x) for x in str(v).split(","))
    except ValueError:
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # NaN fails these too
        return None
    return (round(lon, 6), round(lat, 6))


def _kept_choices() -> dict:
    """Session key -> (URL parameter, parser of the URL's text that returns None for a bad value).

    Built when asked: the service and level lists are read at run time (a family registered later is
    offered), and the scenario years from the model."""
    services, modes, minutes = _one_of(list(SERVICES)), _one_of(("walk", "bike")), _int_in(5, 30, 5)
    return {"lang": ("lang", _one_of(LANGS)), "page": ("page", _one_of(PAGES)),
            "area": ("area", _one_of(area_options())),
            "map_service": ("service", services), "map_minutes": ("minutes", minutes), "map_mode": ("mode", modes),
            "cov_service": ("cov_service", services), "cov_minutes": ("cov_minutes", minutes),
            "cov_mode": ("cov_mode", modes),
            "year": ("year", _int_in(PLAN_YEARS[0], PLAN_YEARS[-1])), "level": ("level", _one_of(list(LEVELS))),
            "assign": ("assign", _one_of(("catchment", "walk"))), "scenario": ("scenario", _name),
            "compare": ("compare", _name), "place_point": ("place", _point),
            "place_iso_min": ("place_minutes", lambda v: (lambda x: x if x in (5, 10, 15, 20, 30) else None)(
                _int_in(5, 30, 5)(v)))}


def _url_text(v) -> str:
    """A choice as URL text (a point as ``lon,lat``)."""
    if isinstance(v, (tuple, list)):
        return ",".join(f"{float(x):.6f}" for x in v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def restore_choices():
    """Bring back the user's choices before any widget is drawn (the start of every run).

    Streamlit forgets a widget's value on a run that does not draw it: a page change lost the service,
    minutes, year, scenario … (issue 26 #2). Every choice of :func:`_kept_choices` is also kept under
    ``_kept`` (state Streamlit leaves alone) and put back when its widget comes again. On the session's
    first run the URL's query parameters set them: a reload or a shared link opens the same view.
    A bad value in the URL is ignored (the widget's default is shown)."""
    ss = st.session_state
    kept = ss.setdefault("_kept", {})
    if not ss.get("_url_read"):
        ss["_url_read"] = True
        qp = st.query_params
        for key, (param, parse) in _kept_choices().items():
            if param in qp:
                v = parse(qp[param])
                if v is not None:
                    kept[key] = v
                    ss[key] = v
    for key in _kept_choices():
        if key in ss:
            kept[key] = ss[key]
        elif key in kept:
            ss[key] = kept[key]


def remember_choices(keys=None):
    """Keep the current choices (``keys``: default all of :func:`_kept_choices`) and write them into the
    URL's query parameters — called after the widgets, at the end of a run and of a fragment's rerun."""
    ss, kept = st.session_state, st.session_state.setdefault("_kept", {})
    choices = _kept_choices()
    for key in (keys or choices):
        if key in ss:
            kept[key] = ss[key]
    want = {param: _url_text(kept[key]) for key, (param, _) in choices.items() if kept.get(key) is not None}
    qp = st.query_params
    for param, text in want.items():
        if qp.get(param) != text:
            qp[param] = text
