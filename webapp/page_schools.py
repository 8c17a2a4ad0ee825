"""Schools page: seat balance by subdistrict and year, scenario comparison, actions, project edits and
saving (the optimiser's section is :mod:`webapp.page_optimise`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from layers import families as registry
from layers.errors import InputError
from layers.families import LEVELS, SERVICES, TYPE_CAPACITY
from presentation import legends
from presentation import publish as pub
from presentation.i18n import display_names, subtype_label, t
from scenarios import store
from scenarios.compare import action_diff, delta
from scenarios.model import PLAN_YEARS, YEAR_MAX, YEAR_MIN, facilities_for, save_scenario
from scenarios.sites import check_site
from scenarios.streets import check_street_edits, street_rows
from webapp.cached import (edit_layers_cached, edit_map_cached, enrolment_cached, evaluation_cached, gains_base_cached,
                           gains_layers_cached, projects_wgs84_cached, seat_layers_cached, seat_map_base_cached)
from webapp.page_optimise import optimise_section
from webapp.state import (EDITED_SUFFIX, _apply_pending_selection, _original_of, area, area_spec, current_scenario,
                          demo_scale, get_scenario, keep_working_copy, lang, remember_choices, scenario_key,
                          scenario_label, scenario_names, tr, working_copies, working_copy)
from webapp.seat_report import report_section
from webapp.text import error_text, md, tr_md
from webapp.widgets import (apply_map_click, balance_config, balance_frame, balance_styled, chart, dataframe,
                            district_labels, labelled, show_map, show_table, warning_label)


def page_schools():
    """Schools & scenarios: seat balance by district first (seats, enrolment, balance, utilisation,
    classes), the enrolment projection, then the walking check; utilisation, compare, edit, optimise."""
    a = area()
    _apply_pending_selection()
    names = scenario_names(a)
    if st.session_state.get("scenario") not in names:
        st.session_state.pop("scenario", None)
    c1, _ = st.columns([3, 7])  # wide enough for a scenario name in words
    st.session_state.setdefault("scenario", "plan" if "plan" in names else names[0])
    c1.selectbox(tr("scenario"), names, key="scenario",
                 format_func=lambda n, L=lang(), W=frozenset(n for (_, n) in working_copies()): scenario_label(n, L, W))
    scen = current_scenario()
    if (a.name, scen.name) in working_copies():
        st.caption(f"{md(scenario_label(scen.name))} · {tr('edited')}")
    if st.session_state.get("_saved_msg"):
        st.success(st.session_state.pop("_saved_msg"))  # escaped where it is made
    schools_view(a, scen, names)
    edit_section(a, scen)
    actions_section(a, scen)
    streets_section(a, scen)
    optimise_section(a)


@st.fragment
def schools_view(a, scen, names: list[str]):
    """The schools page for one year, level and assignment rule: seat balance, seat map, enrolment, per-school
    table and the comparison. A fragment: a new year or level reruns this part only, not the edit, action
    and optimiser sections below (nor redraws their maps)."""
    spec, sc = area_spec(), demo_scale()
    c2, c3, c4 = st.columns([3, 2, 3])
    st.session_state.setdefault("year", 2025)  # a kept choice: set here, not as the widget's default
    year = c2.slider(tr("year"), PLAN_YEARS[0], PLAN_YEARS[-1], key="year")
    level = c3.radio(tr("level"), list(LEVELS), format_func=lambda k, L=lang(): tr(f"service.{k}", L), key="level",
                     horizontal=True)
    assign = c4.radio(tr("assign"), ["catchment", "walk"], format_func=lambda k, L=lang(): tr(f"assign_{k}", L),
                      key="assign")
    skey = scenario_key(scen)
    ev_json, ev = evaluation_cached(spec, sc, skey, int(year), level, _scen=scen, assign=assign)
    lv = ev.levels[level].summary
    # Seat balance first: what the education bureau signs; then the norm check (规范核查) in metres — the
    # children within the standard's distance of an open school (accessibility.norm_check.norm_share), the
    # same figure as the CLI's norm_check, the seat maps' titles and the seat report. The walking-minutes
    # share is the balance table's column, labelled in minutes.
    k1, k2, k3, k4, k5, k6 = st.columns(6)
    k1.metric(t("seats", lang()), f"{lv['seats']:,.0f}")
    k2.metric(t("demand", lang()), f"{lv['demand']:,.0f}")
    # short labels (the long ones were cut off in six columns); the full wording is the metric's help
    k3.metric(tr("balance_short"), f"{lv['balance']:+,.0f}", help=tr("balance"))
    k4.metric(tr("utilisation"), "—" if not lv["seats"] else f"{lv['utilisation']:.0%}")
    # the shortfall, not a level's pupils per class: class sizes are per school (the table below)
    k5.metric(tr("shortfall"), f"{lv.get('shortfall', 0):,.0f}", help=tr("shortfall_help"))
    norm = ev_json["levels"][level].get("norm_check")
    if norm is not None:
        radius = f"{norm['radius_m']:,.0f}"
        k6.metric(tr("norm_share_short", radius=radius), "—" if norm["share"] is None else f"{norm['share']:.1%}",
                  help=tr("norm_share", radius=radius))
    else:  # a level without a norm distance: the walking-minutes share, labelled as such
        k6.metric(tr("walk_share_short"), "—" if not lv["demand"] else f"{lv['walk_share']:.1%}", help=tr("walk_share"))
    # the caption of the rule chosen (the walk rule showed the catchment's: issue 26 #7)
    st.caption(tr("catchment_help" if assign == "catchment" else "walk_help") + " " + tr("years_note", year=int(year)))
    if ev_json["building"]:
        b_ = pd.DataFrame(ev_json["building"])
        st.caption(tr_md("building", year=int(year), names=", ".join(
            f"{n} ({by}→{oy})" for n, by, oy in zip(display_names(b_, lang()), b_["build_year"], b_["open_year"]))))
    st.subheader(tr("seat_balance"))
    bal = balance_frame(ev_json["levels"][level])
    dataframe(balance_styled(bal), key="seat_table",
                 column_config=balance_config(bal))
    left, right = st.columns([3, 2])
    below = st.container()  # the per-school table, full width under the map (in the right column it was cut off)
    with left:
        m = seat_map_base_cached(spec, sc, lang())
        show_map(m, key="seat_map", height=520,
                 layers=seat_layers_cached(spec, sc, skey, int(year), level, assign, lang(), _scen=scen, _ev=ev))
        st.html(pub.seat_legend_html(lang()))  # under the map, where it hides no subdistrict
    with right:
        st.caption(tr("enrolment_chart"))
        en = enrolment_cached(spec, sc, level)
        if len(en):
            # subdistricts named in the session's language; years as text (not "2,021" on the axis)
            en_ = en.assign(district=district_labels(en["district"]).to_numpy(), year=en["year"].astype(str))
            chart(en_[["year", "district", "enrolment"]], "line", "year", "enrolment", "district",
                  x_title=tr("year"), x_type="ordinal", key="enrolment_chart")
            st.caption(tr("enrolment_help") if en["mode"].iloc[0] == "cohort"
                       else tr("enrolment_growth") if en["mode"].iloc[0] == "growth"
                       else tr("enrolment_roster") if en["mode"].iloc[0] == "roster" else md(en["mode"].iloc[0]))
        schools = pub.school_points(ev, level)
        if len(schools):
            below.caption(tr("per_school"))
            rows = pd.DataFrame(ev_json["levels"][level]["schools"])
            rows["name"] = display_names(rows, lang())
            # one rule per run: "assigned", utilisation, pupils per class and the flags are the rule's
            # (scenarios.one_rule); under 划片 the walking-minutes load stands beside them, labelled in minutes
            cols = [c for c in ("name", "subtype", "build_year", "open_year", "seats", "classes", "assigned",
                                "walk_assigned", "utilisation", "warning", "pupils_per_class", "class_flag", "changes")
                    if c in rows]
            if "build_year" in rows:  # existing schools have none: an empty cell (the grid shows a null as "None")
                rows["build_year"] = [str(int(v)) if v == v else "" for v in
                                      pd.to_numeric(rows["build_year"], errors="coerce")]
            if "subtype" in rows:
                rows["subtype"] = [subtype_label(v, lang()) for v in rows["subtype"]]
            if "open_year" in rows:  # same as the build year: a blank, not "None", where there is none
                rows["open_year"] = [str(int(v)) if v == v else "" for v in
                                     pd.to_numeric(rows["open_year"], errors="coerce")]
            if "warning" in rows:
                rows["warning"] = [warning_label(w) for w in rows["warning"]]
            if assign == "catchment":
                below.caption(tr("catchment_school_help"))
            if "class_flag" in rows:
                rows["class_flag"] = rows["class_flag"].map(lambda f: tr(f"class_flag.{f}") if f else "")
            table_, cfg = labelled(rows[cols].rename(columns={"assigned": tr("seated"),
                                                              "walk_assigned": tr("walk_assigned"),
                                                              "warning": tr("warning")}))
            cfg[t("col.utilisation", lang())] = st.column_config.ProgressColumn(format="percent", min_value=0,
                                                                                max_value=1.5)
            cfg[t("col.pupils_per_class", lang())] = st.column_config.NumberColumn(format="%.1f")
            dataframe(table_, height=260, key="school_table", column_config=cfg, where=below)
    cc = ev_json["class_checks"]
    if cc["outside_range"]:
        with st.expander(f"{tr('class_checks')}: {cc['outside_range']}", expanded=False):
            st.caption(cc["source"])
            flagged = pd.DataFrame([c for c in cc["schools"] if c["flag"]])
            flagged["name"] = display_names(flagged, lang())
            dataframe(flagged.drop(columns=["name_en"], errors="ignore"))
    report_section(scen, int(year), level, assign)
    compare_section(a, scen, ev, ev_json, int(year), level, names, assign)
    remember_choices()  # a fragment's rerun: year, level, rule and compare target into the URL too


def compare_section(a, scen, ev, ev_json, year: int, level: str, names: list[str], assign: str = "walk"):
    """The chosen scenario against a baseline: "scenario − baseline" totals and districts, and a gains map."""
    spec, sc = area_spec(), demo_scale()
    st.subheader(tr("compare_with"))
    others = [n for n in names if n != scen.name] or names
    if st.session_state.get("compare") not in others:
        st.session_state.pop("compare", None)
    base_default = scen.name[: -len(EDITED_SUFFIX)] if scen.name.endswith(EDITED_SUFFIX) else "existing"
    st.session_state.setdefault("compare", base_default if base_default in others else others[0])
    other = st.selectbox(tr("compare_with"), others, key="compare", format_func=lambda n, L=lang(), W=frozenset(n for (_, n) in working_copies()): scenario_label(n, L, W))
    o = get_scenario(a, other)
    o_json, o_ev = evaluation_cached(spec, sc, scenario_key(o), year, level, _scen=o, assign=assign)
    d = delta(o_json, ev_json)[level]  # second minus first: scenario − baseline
    head = tr_md("delta", scen=scenario_label(scen.name), base=scenario_label(other))
    st.markdown(f"**{head}** · {t('seats', lang())} {d['seats']:+,.0f} · "
                f"{tr('balance')} {d['balance']:+,.0f} · {tr('seated')} {d['assigned']:+,.0f} · "
                f"{tr('without_seat')} {d['unserved']:+,.0f}")  # the rule's (one rule per run)
    st.caption(tr("delta_help"))
    acts = action_diff(o, scen)  # what the scenario does that the baseline does not
    if acts:
        st.caption(f"{tr('actions')}: " + md("; ".join(f"{r['action_id']} {r['change']}: {r['details']}" for r in acts)))
    left, right = st.columns([3, 2])
    below = st.container()
    with right:  # by subdistrict, full width under the map (in this column it was cut off); the rule's seated /
        # without a seat (one rule per run), named as such rather than "within the limit"
        show_table(pd.DataFrame(d["by_district"]).rename(columns={"assigned": tr("seated"),
                                                                   "unserved": tr("without_seat")}),
                   key="delta_table", where=below)
    with left:
        st.caption(tr("gains", level=tr(f"service.{level}")) + " — " + tr("gains_help"))
        layers, changed = gains_layers_cached(spec, sc, scenario_key(o), scenario_key(scen), year, level, assign,
                                              lang(), _base=o_ev, _scen=ev)
        if not changed:
            st.info(tr("no_change"))
        show_map(gains_base_cached(spec, sc, lang()), key="gains_map", height=420, layers=layers)


def actions_section(a, scen):
    """Add or remove actions on existing schools (expand / close-merge / convert) in the edited copy."""
    with st.expander(tr("actions"), expanded=False):
        if len(scen.actions):
            dataframe(scen.actions, key="actions_table")
        sch = a.facilities[a.facilities["family"].isin(["school", "kindergarten"])]
        ids = [*sch["facility_id"].astype(str), *scen.projects["project_id"].astype(str)]
        label = dict(zip(sch["facility_id"].astype(str), display_names(sch, lang()))) | dict(
            zip(scen.projects["project_id"].astype(str), display_names(scen.projects, lang())))
        c1, c2, c3 = st.columns(3)
        kind = c1.selectbox(tr("action_kind"), ["expand", "close", "convert"], format_func=lambda k, L=lang(): tr(f"kind_{k}", L),
                            key="act_kind")
        fid = c2.selectbox(tr("action_fac"), ids, format_func=lambda i: f"{i} · {label.get(i, '')}", key="act_fac")
        yr = c3.number_input(tr("year"), YEAR_MIN, YEAR_MAX, 2025, key="act_year")
        c4, c5, c6 = st.columns(3)
        lvl = c4.selectbox(tr("level"), list(LEVELS), format_func=lambda k, L=lang(): tr(f"service.{k}", L), key="act_level")
        ncls = c5.number_input(tr("classes"), 0, 60, 6, key="act_classes")
        into = c6.selectbox(tr("into"), ["", *ids], format_func=lambda i: f"{i} · {label.get(i, '')}" if i else "—",
                            key="act_into")
        beds = st.number_input(tr("beds"), 0, 2000, 0, key="act_beds")
        b1, b2 = st.columns([1, 2])
        if b1.button(tr("add_action"), key="act_add"):
            try:
                new = working_copy(a, scen)
                new = new.add_action(kind, fid, int(yr), level=lvl if kind == "expand" else None,
                                     classes=int(ncls) if kind == "expand" else 0, into=into if kind == "close" else "",
                                     beds=int(beds) if kind == "convert" else 0)
                facilities_for(a, new, int(yr))  # a school without the level, or an unknown one, fails here
                keep_working_copy(a, new, _original_of(scen.name))
                st.rerun()
            except InputError as e:
                st.error(error_text(e))
        if len(scen.actions):
            rid = b2.selectbox(tr("remove_action"), scen.actions["action_id"].astype(str).tolist(), key="act_rm_id")
            if b2.button(tr("remove_action"), key="act_rm"):
                new = working_copy(a, scen)
                new = new.remove_action(rid)
                keep_working_copy(a, new, _original_of(scen.name))
                st.rerun()


def streets_section(a, scen):
    """Street changes of the edited copy (scenarios.streets): a new street from two clicks on the edit
    map (or typed lon/lat pairs) and its year, a closed OSM way, and the list of the scenario's changes."""
    with st.expander(tr("streets"), expanded=False):
        if len(scen.streets):
            show_table(pd.DataFrame(street_rows(scen.streets)).drop(columns=["line"]).astype(str), key="streets_table")
        st.caption(tr("street_hint"))
        click = st.session_state.get("edit_click")  # (lat, lon) of the last click on the edit map
        b1, b2 = st.columns(2)
        for col, which, label in ((b1, "street_from", "street_start"), (b2, "street_to", "street_end")):
            if col.button(tr(label), key=f"{which}_btn", disabled=click is None):
                st.session_state[which] = f"{click[1]:.6f},{click[0]:.6f}"
        c1, c2, c3, c4 = st.columns([3, 3, 2, 1])
        start = c1.text_input(tr("street_from"), key="street_from")
        end = c2.text_input(tr("street_to"), key="street_to")
        tags = c3.text_input(tr("street_tags"), "highway=footway", key="street_tags")
        yr = c4.number_input(tr("year"), YEAR_MIN, YEAR_MAX, 2026, key="street_year")
        d1, d2 = st.columns([3, 1])
        way = d1.text_input(tr("street_way"), key="street_way")
        try:
            new = None
            if st.button(tr("street_add"), key="street_add_btn", disabled=not (start and end)):
                pts = [tuple(float(v) for v in str(x).split(",")) for x in (start, end)]
                new = working_copy(a, scen).add_street(pts, int(yr), tags=tags)
            if d2.button(tr("street_close"), key="street_close_btn", disabled=not way.strip()):
                new = working_copy(a, scen).close_street(int(yr), way_id=way.strip())
            if new is not None:
                check_street_edits(a, new.streets, source=f"scenario '{new.name}': streets")  # refused rows named
                keep_working_copy(a, new, _original_of(scen.name))
                st.rerun()
        except ValueError:
            st.error(f"{tr('street_from')}: lon,lat")
        except InputError as e:
            st.error(e.one_line())


@st.fragment
def edit_section(a, scen):
    """Edit a scenario: click the map (or type lon/lat) to move a project, change seats / year; the edit
    goes into a working copy ``<name>-edited`` that is selected and compared with its original."""
    st.subheader(tr("edit"))
    if len(scen.projects) == 0:
        st.caption("—")
    else:
        p = projects_wgs84_cached(area_spec(), demo_scale(), scenario_key(scen), _scen=scen)
        ids = p["project_id"].astype(str).tolist()
        names_ = dict(zip(ids, display_names(p, lang())))
        pid = st.selectbox(tr("project"), ids, key="edit_pid", format_func=lambda i: f"{i} · {names_[i]}")
        row = p[p["project_id"].astype(str) == pid].iloc[0]
        st.caption(tr_md("working_note", name=scenario_label(working_copy(a, scen).name)) + " " + tr("place_hint"))
        # The form's keys carry the scenario's content hash: when the stored file changes (another
        # edit landed), the fields start from the new values, not stale ones.
        ver = scenario_key(scen).split(":")[-1]
        lon_k, lat_k = f"edit_lon_{pid}_{ver}", f"edit_lat_{pid}_{ver}"
        at = (round(float(row.geometry.y), 6), round(float(row.geometry.x), 6))
        to = ((round(float(st.session_state[lat_k]), 6), round(float(st.session_state[lon_k]), 6))
              if lat_k in st.session_state and lon_k in st.session_state else None)
        em = edit_map_cached(area_spec(), demo_scale(), scenario_key(scen), lang(), _scen=scen)
        out = show_map(em, key="edit_map", height=380, returned=["last_clicked", "last_object_clicked"],
                       layers=edit_layers_cached(area_spec(), demo_scale(), scenario_key(scen), lang(), at, to,
                                                 _scen=scen))
        st.html(edit_legend_html(lang()))  # what the map's symbols are (issue 26 #8), under it
        clicked = apply_map_click(st.session_state, out)
        if clicked:
            # a new click: it sets the coordinates (widget state written before the widgets exist), and
            # the map, drawn before the click was read, is redrawn with the proposed site
            st.session_state[lat_k], st.session_state[lon_k] = clicked
            st.rerun(scope="fragment")
        click = st.session_state.get("edit_click")
        c1, c2, c3, c4 = st.columns(4)
        lon = c1.number_input(tr("lon"), value=float(click[1] if click else row.geometry.x), format="%.6f", key=lon_k)
        lat = c2.number_input(tr("lat"), value=float(click[0] if click else row.geometry.y), format="%.6f", key=lat_k)
        if click:  # the last click (the run that read it reran to redraw the map with it)
            st.caption(f"{tr('clicked_at')}: {click[1]:.6f}, {click[0]:.6f} (WGS84)")
        yr = c3.number_input(tr("open_year"), YEAR_MIN, YEAR_MAX, int(row["open_year"]), key=f"edit_year_{pid}_{ver}",
                             format="%d", help=tr("open_year_help"))  # which year it is (issue 26 #8)
        # The project type's first capacity column (a nine-year school: its primary seats).
        cap_col = TYPE_CAPACITY[row["type"]][0]
        level = registry.main_level(row["type"])
        seats = c4.number_input(t("seats", lang()), 0, 10000, int(row[cap_col]),
                                step=(SERVICES[level].class_size or 1) if level else 1,
                                key=f"edit_seats_{pid}_{ver}")
        if st.button(tr("apply"), key="edit_apply", type="primary"):
            try:
                new = working_copy(a, scen)
                if (round(float(lon), 6), round(float(lat), 6)) != (round(float(row.geometry.x), 6),
                                                                    round(float(row.geometry.y), 6)):
                    # the one site check of every path (scenarios.sites): inside the area, a street front
                    check_site(a, lon, lat, field=f"{tr('lon')}/{tr('lat')}", scenario=new)
                # Scenario edits return a new scenario (scenarios.model.Scenario is immutable)
                new = (new.move(pid, lon, lat, crs="EPSG:4326").set_year(pid, int(yr))
                       .set_seats(pid, **{cap_col: int(seats)}))
                original = scen.name[: -len(EDITED_SUFFIX)] if scen.name.endswith(EDITED_SUFFIX) else scen.name
                keep_working_copy(a, new, original)
                st.session_state.pop("edit_click", None)
                st.rerun()
            except InputError as e:
                st.error(error_text(e))
    c1, c2 = st.columns([3, 1])
    new_name = c1.text_input(tr("new_name"), key="new_name")
    if c2.button(tr("save"), key="save_scenario") and new_name:
        try:
            path = save_from_app(a, scen, new_name)
            st.session_state["_saved_msg"] = tr_md("saved_listed", name=new_name) + f" ({md(path)})"
            st.session_state["_select"] = {"scenario": new_name}
            st.rerun()
        except store.ScenarioChangedError as e:
            # Drop the stale edited copy: the next run shows the stored file as it is now, and the
            # planner applies the change to that.
            working_copies().pop((a.name, scen.name), None)
            st.error(error_text(e))
        except InputError as e:
            st.error(error_text(e))


def edit_legend_html(lang_: str) -> str:
    """The edit map's legend, for under it: the school and kindergarten symbols (planned ones ringed), the
    project being edited, the proposed site and the move between them."""
    dot = ('<span style="display:inline-block;width:12px;height:12px;border-radius:50%;background:#ffd400;'
           'border:2px solid #111"></span>')
    mine = legends.legend_html(tr("edit_legend", lang_), [
        (legends.swatch("#111111", "ring"), tr("edit_now", lang_)), (dot, tr("edit_to", lang_)),
        (legends.swatch("#111111", "line"), tr("edit_move", lang_))])
    return legends.legend_row([legends.facility_legend_row(lang_, families=["school", "kindergarten"]), mine])


def save_from_app(a, scen, new_name: str):
    """Save the (edited) scenario: under a new name, or over the stored scenario it was read from —
    only if nobody saved that file since it was read (else ScenarioChangedError, shown to the
    planner: reload and apply the change again). The CLI's edits use the same lock."""
    stored = store.stored_paths(a).get(new_name)
    meta = scen.meta or {}
    version, read_from = meta.get("file_version"), meta.get("file_path")
    if stored is not None and version and read_from and Path(read_from).resolve() == stored.resolve():
        return save_scenario(scen.copy(new_name), stored, overwrite=True, expected_version=version)
    return save_scenario(scen.copy(new_name))
