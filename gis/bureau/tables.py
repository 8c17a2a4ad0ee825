"""Reading a bureau's sheets: XLSX (any sheet, title rows above the header) and CSV in UTF-8 or GBK.

A sheet comes back as a :class:`Sheet`: text-or-number cells under the planner's field names
(:mod:`layers.headers` decides which column is which, with the user's mapping first), the row
number of every data row *as the spreadsheet shows it* (so "row 7" is the row a clerk sees in
Excel or in a text editor), the encoding, and the column mapping the report prints.

XLSX is read with openpyxl directly rather than through ``pandas.read_excel``: pandas drops blank
rows and renumbers, and the report must name the row the user sees. Empty rows are skipped (never
counted as data); a ``合计`` / ``总计`` row of a census sheet is kept aside as the sheet's own total.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gis.layer_io import read_csv_text
from layers.errors import InputError
from layers.headers import SHEET_FIELDS, match_headers, norm_header, parse_band

__all__ = ["Sheet", "read_sheet", "TOTAL_WORDS"]

#: Unit cells that mark a sheet's own total row (kept aside, compared, never spread).
TOTAL_WORDS = ("合计", "总计", "全县", "全区", "全市", "total", "sum")
#: Rows above the header searched for it (titles, units, notes).
HEADER_SEARCH_ROWS = 15


@dataclass
class Sheet:
    """One table of a bureau, read.

    Attributes
    ----------
    label : str
        ``file`` or ``file sheet NAME``: what error messages and the report name.
    data : DataFrame
        The data rows, columns renamed to fields (unmapped columns keep their header); index = the
        spreadsheet row number of each row.
    mapping : dict
        ``{field: header as written}``.
    unused : list
        Headers no field took.
    encoding : str
        ``xlsx``, ``utf-8`` or ``gbk``.
    total_row : Series or None
        A 合计 row, when the sheet has one.
    bands : list
        Age bands found among the headers (census sheets), in column order.
    """

    label: str
    data: pd.DataFrame
    mapping: dict
    unused: list
    encoding: str
    header_row: int
    total_row: pd.Series | None = None
    bands: list = field(default_factory=list)


def _score(row, kind: str) -> int:
    spell = {norm_header(s) for f in SHEET_FIELDS[kind] for s in f.spellings}
    cells = [c for c in row if c is not None and str(c).strip()]
    return sum(norm_header(c) in spell for c in cells) + (sum(parse_band(c) is not None for c in cells)
                                                          if kind == "census" else 0)


def _with_row_above(rows: list, i: int) -> tuple:
    """Row ``i`` with its blank cells taken from row ``i - 1`` (the upper row of a two-row header)."""
    blank = lambda c: c is None or (isinstance(c, str) and not c.strip())  # noqa: E731
    if i == 0:
        return tuple(rows[0])
    above, row = list(rows[i - 1]), list(rows[i])
    n = max(len(above), len(row))
    above += [None] * (n - len(above))
    row += [None] * (n - len(row))
    if sum(not blank(c) for c in above) < 2:  # a title or a unit line above, not a header row
        return tuple(row)
    return tuple(a if blank(c) else c for a, c in zip(above, row))


def _xlsx_rows(path: Path, sheet) -> tuple[list[tuple], str]:
    import openpyxl  # lazy: only a bureau's import reads Excel

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise InputError(f"not a readable Excel .xlsx file ({type(e).__name__}: {e}); save it as .xlsx or CSV",
                         file=path) from e
    try:
        names = wb.sheetnames
        if sheet is None:
            name = names[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise InputError(f"no sheet number {sheet}; the workbook has {len(names)}: {', '.join(names)}",
                                 file=path, field="sheet")
            name = names[sheet]
        else:
            if sheet not in names:
                raise InputError(f"no sheet {sheet!r}; sheets: {', '.join(names)}", file=path, field="sheet")
            name = sheet
        rows = [tuple(r) for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()
    return rows, name


def read_sheet(path, kind: str, *, sheet=None, headers: dict | None = None) -> Sheet:
    """Read one sheet of kind ``kind`` (:data:`layers.headers.SHEET_FIELDS`).

    Parameters
    ----------
    path : str or Path
        ``.xlsx`` / ``.xlsm``, or ``.csv`` / ``.txt`` (UTF-8, UTF-8 with BOM, or GBK — detected).
    kind : str
        ``census``, ``facilities``, ``projects``, ``roster``, ``births``.
    sheet : str or int, optional
        Sheet name or 0-based number of a workbook (default the first).
    headers : dict, optional
        The user's ``{header: field}`` mapping.

    Returns
    -------
    Sheet

    Raises
    ------
    layers.errors.InputError
        A missing or unreadable file, an unknown sheet, a sheet with no header row, a required
        field no header names (the message lists what was found and a close spelling).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows, name = _xlsx_rows(path, sheet)
        label, encoding = f"{path} sheet {name}", "xlsx"
    elif suffix == ".xls":
        raise InputError("old Excel .xls files are not read; open it in Excel or WPS and save as .xlsx", file=path)
    elif suffix in (".csv", ".txt", ".tsv"):
        df, meta = read_csv_text(path)
        rows = [tuple(df.columns), *map(tuple, df.itertuples(index=False))]
        label, encoding = str(path), meta["encoding"]
    else:
        raise InputError(f"unknown table format {suffix!r}; give .xlsx or .csv", file=path)
    if not rows:
        raise InputError("the sheet is empty", file=label)
    # the header: the row among the first ones that spells the most known fields, each blank cell
    # filled from the row above (a two-row header: 社区名称 and 总人口 merged down over the band row)
    combined = [_with_row_above(rows, i) for i in range(min(len(rows), HEADER_SEARCH_ROWS))]
    scores = [_score(r, kind) for r in combined]
    h = max(range(len(scores)), key=lambda i: (scores[i], -i))
    if scores[h] == 0:
        h = 0  # no known spelling at all: take the first row, and let match_headers say what is missing
    header = [str(c).strip() if c is not None else "" for c in combined[h]]
    # blank header cells get a name so the columns stay apart (they are reported as unused)
    header = [c or f"(column {i + 1})" for i, c in enumerate(header)]
    mapping, unused = match_headers(header, kind, headers, file=label)
    body = []
    numbers = []
    for i, r in enumerate(rows[h + 1:], start=h + 2):
        cells = list(r) + [None] * (len(header) - len(r))
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if len(r) > len(header) and any(c not in (None, "") for c in r[len(header):]):
            raise InputError(f"the row has {len(r)} cells but the header only {len(header)}", file=label, row=i)
        body.append(cells[:len(header)])
        numbers.append(i)
    # a CSV row is line i + 0 with the header on line 1: the same numbering as the spreadsheet
    data = pd.DataFrame(body, columns=header, index=pd.Index(numbers, name="row"), dtype=object)
    rename = {col: fld for fld, col in mapping.items()}
    data = data.rename(columns=rename)
    total_row = None
    key = "unit" if "unit" in data.columns else "name" if "name" in data.columns else None
    if kind == "census" and key is not None:
        # the total may sit in the unit column or, merged across, in the one before it (街道 | 社区)
        keys = [k for k in (key, "parent") if k in data.columns] + [c for c in data.columns[:1] if c not in (key,)]
        is_total = pd.Series(False, index=data.index)
        for k in keys:
            is_total |= data[k].map(lambda v: "".join(str(v).split()).lower() in TOTAL_WORDS if v is not None else False)
        if is_total.any():
            total_row = data[is_total].iloc[0]
            data = data[~is_total]
    bands = [b for b in (parse_band(c) for c in header) if b is not None] if kind == "census" else []
    return Sheet(label=label, data=data, mapping=mapping, unused=[c for c in unused if parse_band(c) is None],
                 encoding=encoding, header_row=h + 1, total_row=total_row, bands=bands)


def is_blank(v) -> bool:
    """An empty cell (None, NaN, blank text, or a dash clerks type for "none")."""
    if v is None:
        return True
    if isinstance(v, float) and v != v:
        return True
    return isinstance(v, str) and v.strip() in ("", "-", "—", "/", "无")


def whole_number(v, *, file, row, field, default=None) -> int:
    """A cell as a whole number >= 0 (``1,200`` and ``1200.0`` accepted); a blank is ``default``
    (an error when ``default`` is None)."""
    if is_blank(v):
        if default is None:
            raise InputError("empty cell; write a whole number >= 0", file=file, row=row, field=field)
        return int(default)
    s = str(v).strip().replace(",", "").replace("，", "") if isinstance(v, str) else v
    try:
        f = float(s)
    except (TypeError, ValueError):
        raise InputError(f"{v!r} is not a number; write a whole number such as 1200", file=file, row=row,
                         field=field) from None
    if not f == f or f in (float("inf"), float("-inf")) or f < 0 or not f.is_integer():
        raise InputError(f"{v!r} is not a whole number >= 0 (people, seats and beds are counted whole)", file=file,
                         row=row, field=field)
    return int(f)


def year_number(v, *, file, row, field) -> int:
    """A year cell: ``2024``, ``2024.0``, ``2024年``, ``2024学年`` or ``2024-2025`` (the first year)."""
    m = re.search(r"(19|20)\d\d", str(v).strip()) if not is_blank(v) else None
    if m is None:
        raise InputError(f"{v!r} is not a year (write e.g. 2024)", file=file, row=row, field=field)
    return int(m.group(0))


def text(v) -> str:
    """A cell as trimmed text ("" when blank); ``12.0`` read from a numeric cell is ``12``."""
    if is_blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return " ".join(str(v).split())
