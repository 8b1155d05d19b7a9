"""The ``html`` format: plans and drift reports as one self-contained page.

The page holds everything it needs: inline CSS, no script, nothing loaded from elsewhere, so
it can be kept as a build artefact, mailed, or opened years later. The summary comes first (a
card per category with its count), then one table per category. Every value passes through
:func:`html.escape`: an institute named ``<script>…`` shows as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Final

from reconciler import (
    SENSITIVE,
    Action,
    Basis,
    Change,
    DriftCategory,
    DriftedObject,
    DriftReport,
    Ignored,
    Location,
    NotCompared,
    Plan,
    Refusal,
    RenderOptions,
)
from reconciler_reports.values import clean, desired_text, live_text, not_compared

__all__ = ["render_html", "render_html_drift"]

_CSS: Final = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-alt: #f6f8fa;
  --changed: #9a6700; --missing: #1a7f37; --present: #cf222e; --unmanaged: #8250df; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px 32px 48px; color: var(--fg);
  font: 14px/1.5 -apple-system, "Segoe UI", "Liberation Sans", "DejaVu Sans", sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 4px; display: flex; align-items: baseline; gap: 8px; }
h2 .count { font-size: 13px; color: #fff; border-radius: 10px; padding: 0 8px; }
p.meta, p.help { color: var(--muted); margin: 0 0 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { border: 1px solid var(--line); border-top-width: 4px; border-radius: 6px;
  padding: 8px 16px; min-width: 140px; }
.card .n { display: block; font-size: 28px; font-weight: 600; }
.card .label { color: var(--muted); }
.changed, .update { border-top-color: var(--changed); }
.missing, .create { border-top-color: var(--missing); }
.present, .delete { border-top-color: var(--present); }
.unmanaged { border-top-color: var(--unmanaged); }
h2.changed .count, h2.update .count { background: var(--changed); }
h2.missing .count, h2.create .count { background: var(--missing); }
h2.present .count, h2.delete .count { background: var(--present); }
h2.unmanaged .count { background: var(--unmanaged); }
.verdict { font-size: 16px; font-weight: 600; }
.ok { color: var(--missing); }
.notice { border: 1px solid var(--line); border-left: 4px solid var(--muted); border-radius: 6px;
  padding: 8px 16px; margin: 12px 0; background: var(--bg-alt); }
.refused { border-left-color: var(--present); }
.refused ul { margin: 4px 0; padding-left: 20px; }
table { border-collapse: collapse; width: 100%; margin-bottom: 8px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg-alt); font-weight: 600; }
tbody:nth-of-type(even) td { background: #fbfcfd; }
td.object { font-weight: 600; overflow-wrap: break-word; max-width: 280px; }
td.value { overflow-wrap: anywhere; }
td.at, .where { color: var(--muted); font-size: 12px; font-weight: 400; overflow-wrap: anywhere; }
code { font: 12.5px/1.4 ui-monospace, "Liberation Mono", "DejaVu Sans Mono", monospace; }
.sensitive { color: var(--muted); font-style: italic; }
.old { color: var(--present); }
.new { color: var(--missing); }
"""

_DRIFT_HELP: Final = {
    DriftCategory.CHANGED: "Declared and live, and a declared field differs on the service.",
    DriftCategory.MISSING: "Declared in the configuration, not on the service.",
    DriftCategory.PRESENT: "Tombstoned (absent: true) in the configuration, still on the service.",
    DriftCategory.UNMANAGED: "On the service, not declared and not ignored.",
}
_NO_DRIFT: Final = "No drift. The live objects match the configuration."
_PLAN_HELP: Final = {
    Action.CREATE: "Declared, not on the service: apply creates them.",
    Action.UPDATE: "Declared fields that differ: apply writes the planned values.",
    Action.DELETE: "Tombstoned (absent: true): apply deletes them when deletes are allowed.",
}
_PLAN_TITLES: Final = {
    Action.CREATE: "To create",
    Action.UPDATE: "To update",
    Action.DELETE: "To delete",
}


def render_html(plan: Plan, refusals: Sequence[Refusal], options: RenderOptions) -> str:
    """Render ``plan`` and its refusals as a self-contained HTML page."""
    cards = [(a.value, f"to {a.value}", plan.count(a)) for a in Action]
    cards.append(("unmanaged", "unmanaged", len(plan.unmanaged)))
    body = ["<h1>reconciler plan</h1>", *_basis(plan.basis, "Planned")]
    body.append(f'<p class="meta">{plan.live_count:,} live objects</p>')
    body.append(_cards(cards))
    verdict = plan.summary() if not plan.empty else "No changes."
    body.append(f'<p class="verdict">{_e(verdict)}</p>')
    body += _ignored(plan.ignored)
    body += _not_compared(plan.not_compared)
    if plan.targeting is not None:
        body.append(f'<div class="notice partial">{_e(plan.targeting.summary())}</div>')
    if refusals:
        items = "".join(f"<li>{_refusal(r)}</li>" for r in refusals)
        body.append(
            '<div class="notice refused"><strong>The plan was refused</strong> (exit 3);'
            f" nothing will be changed:<ul>{items}</ul></div>"
        )
    for action in Action:
        changes = [c for c in plan.changes if c.action is action]
        if not changes:
            continue
        body.append(_heading(action.value, _PLAN_TITLES[action], len(changes), _PLAN_HELP[action]))
        if action is Action.DELETE:
            body.append(_table(["object", "declared at", "ref"], (_bare(c) for c in changes)))
        elif action is Action.CREATE:
            columns = ["object", "field", "value", "set at"]
            body.append(_table(columns, (_change_rows(c, with_live=False) for c in changes)))
        else:
            columns = ["object", "field", "live", "planned", "set at"]
            body.append(_table(columns, (_change_rows(c, with_live=True) for c in changes)))
    if plan.unmanaged:
        help_text = "On the service, not in the configuration: left alone."
        body.append(_heading("unmanaged", "Unmanaged", len(plan.unmanaged), help_text))
        rows = ([_tr([_object_cell(r.address, None), _ref(r.ref)])] for r in plan.unmanaged)
        body.append(_table(["object", "ref"], rows))
    return _page("reconciler plan", body)


def render_html_drift(report: DriftReport, options: RenderOptions) -> str:
    """Render a drift report as a self-contained HTML page."""
    cards = [(c.value, c.value, report.count(c)) for c in DriftCategory]
    meta = f"{report.declared:,} declared, {report.live_count:,} live"
    if report.generated_at:
        meta = f"read at {report.generated_at} · {meta}"
    body = ["<h1>reconciler drift report</h1>", *_basis(report.basis, "Checked")]
    body += [f'<p class="meta">{_e(meta)}</p>', _cards(cards)]
    if report.empty:
        body.append(f'<p class="verdict ok">{_e(_NO_DRIFT)}</p>')
    else:
        body.append(f'<p class="verdict">{_e(report.summary())}</p>')
    body += _ignored(report.ignored)
    body += _not_compared(report.not_compared)
    for category in DriftCategory:
        objects = report.of(category)
        if not objects:
            continue
        title = category.value.capitalize()
        body.append(_heading(category.value, title, len(objects), _DRIFT_HELP[category]))
        if category is DriftCategory.CHANGED:
            columns = ["object", "field", "declared", "live", "set at"]
            body.append(_table(columns, (_drift_fields(o, live=True) for o in objects)))
        elif category is DriftCategory.MISSING:
            columns = ["object", "field", "declared", "set at"]
            body.append(_table(columns, (_drift_fields(o, live=False) for o in objects)))
        elif category is DriftCategory.PRESENT:
            body.append(_table(["object", "declared at", "ref"], (_bare(o) for o in objects)))
        else:
            rows = ([_tr([_object_cell(o.address, None), _ref(o.ref)])] for o in objects)
            body.append(_table(["object", "ref"], rows))
    return _page("reconciler drift report", body)


# --------------------------------------------------------------------------------------------
# Pieces
# --------------------------------------------------------------------------------------------


def _page(title: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # No script, no remote anything: even a value that slipped past escaping runs nothing.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\';'
        " style-src 'unsafe-inline'; img-src data:\">\n"
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _cards(cards: Iterable[tuple[str, str, int]]) -> str:
    items = "".join(
        f'<div class="card {css}"><span class="n">{count:,}</span>'
        f'<span class="label">{_e(label)}</span></div>'
        for css, label, count in cards
    )
    return f'<div class="cards">{items}</div>'


def _heading(css: str, title: str, count: int, help_text: str) -> str:
    return (
        f'<h2 class="{css}">{_e(title)} <span class="count">{count:,}</span></h2>'
        f'<p class="help">{_e(help_text)}</p>'
    )


def _ignored(ignored: Ignored) -> list[str]:
    return [f'<p class="notice">{_e(ignored.summary())}</p>'] if ignored else []


def _table(columns: list[str], groups: Iterable[list[str]]) -> str:
    """A table whose body is one ``<tbody>`` per object (its rows), so objects stay grouped."""
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    bodies = "".join(f"<tbody>{''.join(rows)}</tbody>" for rows in groups)
    return f"<table><thead><tr>{head}</tr></thead>{bodies}</table>"


def _tr(cells: list[str]) -> str:
    return f"<tr>{''.join(cells)}</tr>"


def _object_cell(address: str, location: Location | None, rowspan: int = 1) -> str:
    span = f' rowspan="{rowspan}"' if rowspan > 1 else ""
    where = f'<br><span class="where">{_e(str(location))}</span>' if location else ""
    return f'<td class="object"{span}>{_e(address)}{where}</td>'


def _change_rows(change: Change, *, with_live: bool) -> list[str]:
    """An object's rows in a plan: the object (spanning them), then a field per row."""
    rows = []
    for i, f in enumerate(change.fields):
        cells = (
            [_object_cell(change.address, change.location, len(change.fields))] if i == 0 else []
        )
        cells.append(f"<td><code>{_e(f.name)}</code></td>")
        if with_live:
            cells.append(_value(live_text(f), f.sensitive, "old"))
        cells.append(_value(desired_text(f), f.sensitive and f.template is None, "new"))
        cells.append(_at(f.location, f.layer))
        rows.append(_tr(cells))
    width = 4 if with_live else 3
    return rows or [
        _tr([_object_cell(change.address, change.location), f'<td colspan="{width}"></td>'])
    ]


def _drift_fields(obj: DriftedObject, *, live: bool) -> list[str]:
    """An object's rows in a drift report: declared value first, then (if changed) live."""
    rows = []
    for i, f in enumerate(obj.fields):
        cells = [_object_cell(obj.address, obj.location, len(obj.fields))] if i == 0 else []
        cells.append(f"<td><code>{_e(f.name)}</code></td>")
        cells.append(_value(desired_text(f), f.sensitive and f.template is None, "new"))
        if live:
            cells.append(_value(live_text(f), f.sensitive, "old"))
        cells.append(_at(f.location, f.layer))
        rows.append(_tr(cells))
    width = 4 if live else 3
    return rows or [_tr([_object_cell(obj.address, obj.location), f'<td colspan="{width}"></td>'])]


def _basis(basis: Basis | None, verb: str) -> list[str]:
    """What the page was made against, first: the service or a snapshot, skipped plugins."""
    if basis is None:
        return []
    lines = basis.lines(verb, quote=lambda text: f"\0{text}\1")
    return [f'<p class="basis">{_coded(line)}</p>' for line in lines]


def _coded(line: str) -> str:
    """Our sentence, escaped, with what came from outside (marked by \\0 … \\1) as code."""
    out = []
    for i, piece in enumerate(re.split("[\0\1]", line)):
        out.append(f"<code>{_e(piece)}</code>" if i % 2 else _e(piece))
    return "".join(out)


def _not_compared(items: tuple[NotCompared, ...]) -> list[str]:
    if not items:
        return []
    heading, shown, rest = not_compared(items)
    rows = []
    for item in shown:
        reason = item.reason if item.needed else f"not compared: {item.reason}"
        where = f' <span class="where">({_e(str(item.location))})</span>' if item.location else ""
        rows.append(
            f"<li><code>{_e(f'{item.address}.{item.field}')}</code>: {_e(reason)}{where}</li>"
        )
    if rest:
        rows.append(f"<li>and {rest:,} more</li>")
    return [f'<div class="notice">{_e(heading)}<ul>{"".join(rows)}</ul></div>']


def _bare(obj: Change | DriftedObject) -> list[str]:
    return [_tr([_object_cell(obj.address, None), _at(obj.location), _ref(obj.ref)])]


def _value(text: str, sensitive: bool, css: str) -> str:
    if sensitive:
        return f'<td class="value sensitive">{_e(SENSITIVE)}</td>'
    return f'<td class="value {css}"><code>{_e(text)}</code></td>'


def _at(location: Location | None, layer: str | None = None) -> str:
    """The place a value is written, and the shared layer that wrote it (its provenance)."""
    where = _e(str(location)) if location else ""
    if layer:
        where += f' <span class="layer">({_e(layer)})</span>'
    return f'<td class="at">{where}</td>'


def _ref(ref: str | None) -> str:
    return f"<td><code>{_e(ref or '')}</code></td>"


def _refusal(refusal: Refusal) -> str:
    where = f"<code>{_e(refusal.address)}</code>: " if refusal.address else ""
    who = f' <span class="where">[{_e(refusal.plugin)}]</span>' if refusal.plugin else ""
    return f"{where}{_e(refusal.message)}{who}"


def _e(text: str) -> str:
    """Escape for HTML text and attribute values, control characters made visible."""
    if not text.isprintable():
        text = clean(text)
    if _NEEDS_ESCAPE.search(text) is None:
        return text  # most names and values: nothing for html.escape to replace
    return html.escape(text, quote=True)


#: What :func:`html.escape` replaces with ``quote=True``.
_NEEDS_ESCAPE: Final = re.compile("[&<>\"']")
