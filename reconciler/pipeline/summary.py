"""The summary of a run over several directories, in the run's format.

Each directory's own report is rendered by the format's reporter, as if run alone; this module
puts them together with one table (directory, tenant, counts, exit code). Markdown and HTML
give the table first, for a pull-request comment or a page read from the top; text gives it
last, where a terminal leaves the eye; JSON gives one document with every directory's.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from typing import Any, Final, Literal

from reconciler.pipeline.multirun import Row, worst

__all__ = ["render_summary"]

What = Literal["plan", "drift"]

COLUMNS: Final = {
    "plan": ("create", "update", "delete"),
    "drift": ("changed", "missing", "present", "unmanaged"),
}


def _cells(row: Row, what: What) -> list[str]:
    counts = [f"{n:,}" for n in row.counts] if row.counts else ["-"] * len(COLUMNS[what])
    return [str(row.path), row.tenant or "-", *counts, str(row.exit_code)]


def _status(row: Row) -> str:
    if row.note:
        return row.note
    return "error" if row.error else ""


def render_summary(rows: Sequence[Row], what: What, fmt: str) -> str:
    """Every directory's report and the summary table, in ``fmt``."""
    if fmt == "json":
        return _json(rows, what)
    if fmt == "markdown":
        return _markdown(rows, what)
    if fmt == "html":
        return _html(rows, what)
    return _text(rows, what)


def _header(what: What) -> list[str]:
    return ["directory", "tenant", *COLUMNS[what], "exit"]


def _table_text(rows: Sequence[Row], what: What) -> list[str]:
    table = [_header(what), *(_cells(r, what) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    out = []
    for index, line in enumerate(table):
        status = "" if index == 0 else _status(rows[index - 1])
        text = "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True))
        out.append((text + (f"  {status}" if status else "")).rstrip())
    return out


def _closing(rows: Sequence[Row]) -> str:
    code = worst([r.exit_code for r in rows])
    return f"{len(rows)} director{'y' if len(rows) == 1 else 'ies'}; exit code {code} (the worst)."


def _text(rows: Sequence[Row], what: What) -> str:
    out: list[str] = []
    for row in rows:
        if row.note:
            continue
        out.append(f"=== {row.path} ({row.tenant or 'no tenant'}) ===")
        out.append((row.error or row.report).rstrip("\n"))
        out.append("")
    out.append(f"Summary of {what} over {len(rows)} directories:")
    out.extend(_table_text(rows, what))
    out.append(_closing(rows))
    return "\n".join(out) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(rows: Sequence[Row], what: What) -> str:
    header = _header(what)
    out = [f"### reconciler {what}: {len(rows)} directories", ""]
    out.append("| " + " | ".join(header) + " | |")
    out.append("|" + "---|" * (len(header) + 1))
    for row in rows:
        cells = [
            f"`{_md_cell(c)}`" if i == 0 else _md_cell(c) for i, c in enumerate(_cells(row, what))
        ]
        out.append("| " + " | ".join([*cells, _md_cell(_status(row))]) + " |")
    out += ["", f"**{_closing(rows)}**", ""]
    for row in rows:
        if row.note:
            continue
        out.append(f"#### `{_md_cell(str(row.path))}`")
        out.append("")
        if row.error:
            out += ["```", row.error.replace("```", "'''"), "```"]
        else:
            out.append(row.report.rstrip("\n"))
        out.append("")
    return "\n".join(out)


_STYLE: Final = re.compile(r"<style>(.*?)</style>", re.S)
_BODY: Final = re.compile(r"<body>\n?(.*?)\n?</body>", re.S)


def _html(rows: Sequence[Row], what: What) -> str:
    e = html.escape
    style = ""
    for row in rows:
        found = _STYLE.search(row.report)
        if found:
            style = found.group(1)
            break
    head = "".join(f"<th>{e(h)}</th>" for h in _header(what)) + "<th></th>"
    lines = []
    for row in rows:
        cells = "".join(f"<td>{e(c)}</td>" for c in _cells(row, what))
        lines.append(f"<tr>{cells}<td>{e(_status(row))}</td></tr>")
    sections = []
    for row in rows:
        if row.note:
            continue
        if row.error:
            inner = f"<pre>{e(row.error)}</pre>"
        else:
            body = _BODY.search(row.report)
            inner = body.group(1) if body else f"<pre>{e(row.report)}</pre>"
        sections.append(f"<section>\n<h2>{e(str(row.path))}</h2>\n{inner}\n</section>")
    title = f"reconciler {what}: {len(rows)} directories"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\';'
        " style-src 'unsafe-inline'; img-src data:\">\n"
        f"<title>{e(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n"
        f"<h1>{e(title)}</h1>\n"
        f'<table class="summary">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(lines)
        + f"\n</tbody>\n</table>\n<p>{e(_closing(rows))}</p>\n"
        + "\n".join(sections)
        + "\n</body>\n</html>\n"
    )


def _json(rows: Sequence[Row], what: What) -> str:
    directories: list[dict[str, Any]] = []
    for row in rows:
        report: Any = None
        if row.report and not row.error:
            report = json.loads(row.report)
        directories.append(
            {
                "directory": str(row.path),
                "tenant": row.tenant or None,
                "counts": dict(zip(COLUMNS[what], row.counts, strict=True)) if row.counts else None,
                "exit_code": row.exit_code,
                "error": row.error or None,
                "note": row.note or None,
                what: report,
            }
        )
    doc = {"directories": directories, "exit_code": worst([r.exit_code for r in rows])}
    return json.dumps(doc, indent=2) + "\n"
