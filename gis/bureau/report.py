"""The validation report of ``hedong area init``: what was read, which column became which field,
every figure derived, every warning (file / sheet / row / field), what was left out — as text and HTML.

Errors stop the build (an :class:`~layers.errors.InputError`, printed as one line, and no folder is
written); warnings do not, unless ``--strict`` (:meth:`Report.raise_if_strict`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from layers.errors import InputError

__all__ = ["Report", "Note"]


@dataclass
class Note:
    """One line of the report, with where it comes from."""

    text: str
    file: str | None = None
    row: int | None = None
    field: str | None = None

    def where(self) -> str:
        """``file, row N, field 'x'`` (the parts known)."""
        return InputError(self.text, file=self.file, row=self.row, field=self.field).one_line()


@dataclass
class Report:
    """What a build read, derived, warned about and left out."""

    name: str = ""
    synthetic: bool = False
    read: list = field(default_factory=list)       # dicts: label, kind, rows, encoding, mapping, unused
    derived: list = field(default_factory=list)    # Notes
    warnings: list = field(default_factory=list)   # Notes
    left_out: list = field(default_factory=list)   # Notes
    figures: dict = field(default_factory=dict)    # name -> value (counts the CLI prints and tests read)

    def add_sheet(self, sheet, kind: str) -> None:
        """Record a sheet read by :func:`gis.bureau.tables.read_sheet`."""
        self.read.append({"label": sheet.label, "kind": kind, "rows": int(len(sheet.data)), "encoding": sheet.encoding,
                          "header_row": sheet.header_row, "mapping": dict(sheet.mapping),
                          "bands": [b.header for b in sheet.bands], "unused": list(sheet.unused)})
        for col in sheet.unused:
            self.left_out.append(Note(f"column {col!r} not used", file=sheet.label, field=col))

    def add_file(self, label: str, kind: str, rows: int, **extra) -> None:
        """Record a map or street file read."""
        self.read.append({"label": label, "kind": kind, "rows": int(rows), **extra})

    def derive(self, text: str, **where) -> None:
        """Name a figure the build derived rather than read."""
        self.derived.append(Note(text, **where))

    def warn(self, text: str, **where) -> None:
        """A problem that does not stop the build (``--strict`` makes it one)."""
        self.warnings.append(Note(text, **where))

    def leave_out(self, text: str, **where) -> None:
        """Something of the input the folder does not carry."""
        self.left_out.append(Note(text, **where))

    def raise_if_strict(self, strict: bool) -> None:
        """With ``strict``, the first warning as an InputError (and how many there are)."""
        if strict and self.warnings:
            w = self.warnings[0]
            more = f" (and {len(self.warnings) - 1} more warning(s); see the report)" if len(self.warnings) > 1 else ""
            raise InputError(f"--strict: {w.text}{more}", file=w.file, row=w.row, field=w.field)

    def to_dict(self) -> dict:
        """The report as JSON-able data."""
        notes = lambda xs: [{"text": n.text, "file": None if n.file is None else str(n.file),  # noqa: E731
                             "row": None if n.row is None else int(n.row),
                             "field": None if n.field is None else str(n.field)} for n in xs]
        return {"name": self.name, "synthetic": self.synthetic, "read": self.read, "derived": notes(self.derived),
                "warnings": notes(self.warnings), "left_out": notes(self.left_out), "figures": self.figures}

    def to_text(self) -> str:
        """The report as plain text (``report.txt`` of the folder)."""
        lines = [f"Hedong Planner: study area {self.name} built from a bureau's files", ""]
        if self.synthetic:
            lines += ["GENERATED DATA: the input files are generated examples, not real.", ""]
        lines.append("Rows are numbered as the spreadsheet shows them (the header row included).")
        lines += ["", "Read:"]
        for r in self.read:
            enc = f", {r['encoding']}" if r.get("encoding") else ""
            lines.append(f"  - {r['label']} ({r['kind']}, {r['rows']} rows{enc})")
            for fld, col in (r.get("mapping") or {}).items():
                lines.append(f"      {col} -> {fld}")
            if r.get("bands"):
                lines.append(f"      age bands: {', '.join(r['bands'])}")
        for title, notes in (("Derived", self.derived), ("Warnings", self.warnings), ("Left out", self.left_out)):
            lines += ["", f"{title}:" + ("" if notes else " none")]
            lines += [f"  - {n.where()}" for n in notes]
        if self.figures:
            lines += ["", "Figures:"] + [f"  - {k}: {v}" for k, v in self.figures.items()]
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """The report as one HTML page (``report.html``); every text from the data escaped."""
        e = html.escape
        parts = [f"<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>{e(self.name)} — area init "
                 f"report</title><style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}"
                 f"td,th{{border:1px solid #ccc;padding:2px 6px}}table{{border-collapse:collapse}}"
                 f".warn{{color:#a40}}</style></head><body><h1>{e(self.name)}</h1>"]
        if self.synthetic:
            parts.append("<p><strong>Generated data</strong>: the input files are generated examples, not real.</p>")
        parts.append("<p>Rows are numbered as the spreadsheet shows them (the header row included).</p><h2>Read</h2>")
        for r in self.read:
            enc = f", {e(str(r['encoding']))}" if r.get("encoding") else ""
            parts.append(f"<h3>{e(r['label'])}</h3><p>{e(r['kind'])}, {r['rows']} rows{enc}</p>")
            if r.get("mapping"):
                parts.append("<table><tr><th>column</th><th>field</th></tr>" + "".join(
                    f"<tr><td>{e(str(c))}</td><td>{e(f)}</td></tr>" for f, c in r["mapping"].items()) + "</table>")
            if r.get("bands"):
                parts.append(f"<p>age bands: {e(', '.join(r['bands']))}</p>")
        for title, notes, cls in (("Derived", self.derived, ""), ("Warnings", self.warnings, "warn"),
                                  ("Left out", self.left_out, "")):
            parts.append(f"<h2>{title}</h2>" + (f"<ul class='{cls}'>" + "".join(
                f"<li>{e(n.where())}</li>" for n in notes) + "</ul>" if notes else "<p>none</p>"))
        if self.figures:
            parts.append("<h2>Figures</h2><table>" + "".join(
                f"<tr><td>{e(str(k))}</td><td>{e(str(v))}</td></tr>" for k, v in self.figures.items()) + "</table>")
        return "".join(parts) + "</body></html>\n"
