"""The education bureau's seat report as an XLSX workbook (openpyxl), from :func:`scenarios.seat_report.seat_report`.

Sheets: 学位供需平衡表 (subdistrict × level × year), 学校明细 (per school in the chosen year),
学位预警 (warning of every subdistrict and school by year), 建设项目 (the scenario's projects),
敏感性 (births and opening-lag bands) and 说明 (sources, assumptions, the generated-data notice).

How a bureau uses it: numbers are stored as numbers (percentages as fractions with a ``0.0%``
format, so they sum and chart in Excel/WPS), the header row of every sheet is frozen and repeated
on each printed page, each sheet prints A4 landscape, one page wide, with the sheet's title and
the generated-data notice in the page header. Headers and categorical values (levels, warnings,
statuses) come from the translation catalogue (:mod:`presentation.i18n`; Chinese by default,
``lang="en"``); names from the data keep their own spelling (``name_en`` in English where known).

:func:`sheet_tables` is the one place a sheet's cells are decided: the writer writes exactly its
rows, and the tests read the workbook back and compare every cell with it and with the JSON.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from gis.io import atomic_path
from presentation.i18n import lang_of, service_label, subtype_label, t

#: Cell fills of the warning levels (Excel's own good / neutral / bad tones).
WARNING_FILLS = {"red": "FFC7CE", "amber": "FFEB9C", "green": "C6EFCE"}
#: Number formats by column kind.
FORMATS = {"int": "#,##0", "signed": "+#,##0;-#,##0;0", "pct": "0.0%", "dec1": "0.0", "dec2": "0.00", "year": "0"}

__all__ = ["Column", "sheet_tables", "cell_value", "note_rows", "write_report", "report_bytes", "WARNING_FILLS"]


@dataclass(frozen=True)
class Column:
    """A report column: the row key it reads, its header, and its kind (number format or translation)."""

    key: str
    header: str
    kind: str = "text"


def _rule(data, lang) -> str:
    return t(f"report.rule.{data['assign']}", lang)


def cell_value(row: dict, col: Column, lang: str = "zh"):
    """The value a cell of ``col`` holds for ``row``: numbers as they are (None for a blank cell),
    categorical values translated, names in ``lang`` (``name_en`` in English where known)."""
    v = row.get(col.key)
    if v is None or v == "":
        return None if col.kind != "name" else (row.get("name") or None)
    if col.kind == "level":
        return service_label(v, lang)
    if col.kind == "warning":
        return t(f"report.warn.{v}", lang)
    if col.kind == "class_flag":
        return t(f"class_flag.{v}", lang)
    if col.kind in ("status", "kind", "factor", "variant"):
        return t(f"report.{col.kind}.{v}", lang)
    if col.kind == "subtype":
        return subtype_label(v, lang)
    if col.kind == "name":
        return (row.get("name_en") or v) if lang == "en" else v
    return v


def _year_key(y) -> str:
    return f"y{y}"


def note_rows(data: dict, lang: str = "zh") -> list[dict]:
    """The 说明 sheet: data notice, scenario and rule, definitions, thresholds, the norm check, sensitivity, sources."""
    lang = lang_of(lang)
    rows = []
    if data["synthetic"]:
        text = t("notice", lang) + ("" if not str(data["area"]).startswith("yuncheng") else " " + t("notice_yanhu", lang))
    else:
        text = t("report.note.real", lang)
    rows.append({"item": t("report.note.data", lang), "text": text})
    yrs = data["years"]
    rows.append({"item": t("report.note.scenario", lang),
                 "text": t("report.note.scenario_text", lang, scenario=data["scenario"], area=data["area"],
                           year=data["year"], first=min(yrs), last=max(yrs))})
    rows.append({"item": t("report.note.rule", lang), "text": t(f"report.note.rule_{data['assign']}", lang)})
    rows.append({"item": t("report.note.years", lang), "text": t("app.years_note", lang, year=data["year"])})
    rows.append({"item": t("report.note.demand", lang), "text": t("report.note.demand_text", lang,
                                                                  mode=data["demand_mode"])})
    rows.append({"item": t("report.note.utilisation", lang), "text": t("report.note.utilisation_text", lang)})
    th = data["thresholds"]
    rows.append({"item": t("report.note.warning", lang), "text": t("report.note.warning_text", lang,
                                                                   red=th["red_at"], amber=th["amber_at"])})
    norms = [t("report.note.norm_level", lang, level=service_label(lv, lang), radius=f"{n['radius_m']:,.0f}",
               share="—" if n["share"] is None else f"{n['share']:.1%}")
             for lv, n in (data.get("norm_check") or {}).items() if n]
    if norms:  # the norm check in metres (accessibility.norm_check.norm_share), the same figure as the app's
        rows.append({"item": t("report.note.norm", lang, year=data["year"]),
                     "text": t("report.note.norm_text", lang, levels="; ".join(norms))})
    s = data["sensitivity"]
    b = s["birth_band"]
    key = "report.note.sens_births" if s["births_method"] == "births" else "report.note.sens_demand"
    rows.append({"item": t("report.note.sensitivity", lang), "text": t(key, lang, low=1 - b, high=1 + b)})
    rows.append({"item": t("report.note.sensitivity", lang), "text": t("report.note.sens_lag", lang,
                                                                       lag=data["opening_lag"])})
    for layer, src in data["sources"].items():
        rows.append({"item": t("report.note.source", lang, layer=layer), "text": src})
    return rows


def _warning_rows(data: dict) -> list[dict]:
    """The 学位预警 sheet's rows: subdistricts then schools, one column per year."""
    w = data["warnings"]
    out = []
    for r in w["districts"]:
        out.append({"kind": "district", "level": r["level"], "name": r["district"], "district": r["district"],
                    **{_year_key(y): v for y, v in r["warning_by_year"].items()}, "first_red": r["first_red"]})
    for r in w["schools"]:
        out.append({"kind": "school", "level": r["level"], "name": r["name"], "name_en": r.get("name_en"),
                    "district": r.get("district"),
                    **{_year_key(y): v for y, v in r["warning_by_year"].items()}, "first_red": r["first_red"]})
    return out


def sheet_tables(data: dict, lang: str = "zh") -> list[tuple[str, list[Column], list[dict]]]:
    """(sheet name, columns, rows) of every sheet, in order; the rows are the JSON's own rows."""
    lang = lang_of(lang)
    rule = _rule(data, lang)

    def c(key, kind="text", **kw):
        return Column(key, t(f"report.col.{key}", lang, **kw), kind)

    balance = [c("level", "level"), c("district"), c("year", "year"), c("seats", "int"), c("enrolment", "int"),
               c("balance", "signed"), c("shortfall", "int"), c("utilisation", "pct"), c("warning", "warning"),
               c("first_red", "year"), c("norm_radius_m", "int"), c("norm_share", "pct")]
    schools = [c("level", "level"), c("facility_id"), c("name", "name"), c("district"), c("project_id"),
               c("seats", "int"), c("classes", "int"), Column("pupils", t("report.col.pupils", lang, rule=rule), "int"),
               c("pupils_per_class", "dec1"), c("class_flag", "class_flag"), c("utilisation", "pct"),
               c("warning", "warning"), c("first_red", "year")]
    warnings = [c("kind", "kind"), c("level", "level"), c("name", "name"), c("district"),
                *[Column(_year_key(y), str(y), "warning") for y in data["warnings"]["years"]], c("first_red", "year")]
    projects = [c("project_id"), c("name", "name"), Column("type", t("report.col.type", lang), "subtype"),
                c("build_year", "year"), c("open_year", "year"),
                *[Column(col, t("report.col.capacity", lang, level=service_label(lv, lang)), "int")
                  for lv, col in data["capacity_columns"].items()],
                Column("status", t("report.col.status", lang, year=data["year"]), "status")]
    sens = [c("factor", "factor"), c("variant", "variant"), c("value", "dec2"), c("level", "level"),
            c("enrolment", "int"), c("seats", "int"), c("balance", "signed"), c("shortfall", "int"),
            Column("without_seat", t("report.col.without_seat", lang, rule=rule), "int"), c("districts_red", "int"),
            c("projects_open", "int")]
    notes = [c("item"), c("text")]
    return [(t("report.sheet.balance", lang), balance, data["balance"]),
            (t("report.sheet.schools", lang), schools, data["schools"]),
            (t("report.sheet.warnings", lang), warnings, _warning_rows(data)),
            (t("report.sheet.projects", lang), projects, data["projects"]),
            (t("report.sheet.sensitivity", lang), sens, data["sensitivity"]["rows"]),
            (t("report.sheet.notes", lang), notes, note_rows(data, lang))]


def _width(text) -> int:
    s = "" if text is None else str(text)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def build_workbook(data: dict, lang: str = "zh") -> Workbook:
    """The workbook of ``data`` (see the module notes for its layout)."""
    lang = lang_of(lang)
    wb = Workbook()
    wb.remove(wb.active)
    notice = t("notice_short", lang) if data["synthetic"] else ""
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    fills = {k: PatternFill("solid", fgColor=v) for k, v in WARNING_FILLS.items()}
    for name, cols, rows in sheet_tables(data, lang):
        ws = wb.create_sheet(name)
        ws.append([col.header for col in cols])
        for cell in ws[1]:
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        widths = [_width(col.header) for col in cols]
        for r in rows:
            ws.append([cell_value(r, col, lang) for col in cols])
            for j, (col, cell) in enumerate(zip(cols, ws[ws.max_row])):
                if col.kind in FORMATS:
                    cell.number_format = FORMATS[col.kind]
                if col.kind == "warning" and r.get(col.key) in fills:
                    cell.fill = fills[r[col.key]]
                widths[j] = max(widths[j], min(_width(cell.value) if col.kind not in FORMATS else 10, 60))
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 8), 62)
        if cols and cols[-1].key == "text":  # the notes' long texts wrap
            for row in ws.iter_rows(min_row=2, min_col=len(cols), max_col=len(cols)):
                row[0].alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        if rows:
            ws.auto_filter.ref = ws.dimensions
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages tall as the rows need
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.oddHeader.center.text = t("report.title", lang, sheet=name, scenario=data["scenario"], year=data["year"],
                                     rule=_rule(data, lang)) + (f" — {notice}" if notice else "")
        ws.oddFooter.center.text = "&P / &N"
    wb.properties.title = t("report.sheet.balance", lang)
    wb.properties.creator = "Hedong Planner"
    return wb


def report_bytes(data: dict, lang: str = "zh") -> bytes:
    """The workbook as bytes (the app's download button)."""
    buf = io.BytesIO()
    build_workbook(data, lang).save(buf)
    return buf.getvalue()


def write_report(data: dict, path, lang: str = "zh", overwrite: bool = False):
    """Write the workbook to ``path`` atomically (a reader sees the whole file or none; an existing
    file is replaced only with ``overwrite``, else :class:`FileExistsError`). Returns the path."""
    wb = build_workbook(data, lang)
    with atomic_path(path, overwrite=overwrite) as tmp:
        wb.save(tmp)
    return path
