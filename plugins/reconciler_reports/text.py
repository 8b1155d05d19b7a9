"""The ``text`` format: plans and drift reports as people read them in a terminal.

A plan is shaped like Terraform's:

::

    reconciler will perform the following actions:

      ~ institute.pe                              (config/institutes.yaml:3:3)
          ~ exam_link_emails_enabled: true -> false (config/institutes.yaml:5:5)

    Plan: 0 to create, 1 to update, 0 to delete.

A drift report lists each category (changed, missing, present, unmanaged) under a heading,
with the declared and the live value of every field that differs.

Values are written by :mod:`reconciler_reports.values` (JSON literals, control characters
escaped). Colour is plain ANSI, added only when asked, so nothing a user wrote is ever read as
markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from reconciler import (
    SENSITIVE,
    Action,
    Basis,
    Change,
    DriftCategory,
    DriftedObject,
    DriftReport,
    FieldChange,
    LiveRef,
    Location,
    NotCompared,
    Plan,
    Refusal,
    RenderOptions,
)
from reconciler_reports.values import clean, desired_text, literal, not_compared

__all__ = ["UNMANAGED_SHOWN", "field_literals", "render_text", "render_text_drift"]

#: How many unmanaged objects are named before the rest are only counted.
UNMANAGED_SHOWN: Final = 20

_FIELD_INDENT: Final = "      "
_MIN_GAP: Final = 2

_ACTION_STYLE: Final = {Action.CREATE: "32", Action.UPDATE: "33", Action.DELETE: "31"}
_ACTION_WORDS: Final = {
    Action.CREATE: "create",
    Action.UPDATE: "update in place",
    Action.DELETE: "delete",
}
_BOLD: Final = "1"
_LEFT_ALONE: Final = "not in the configuration and left alone"
_DIM: Final = "2"
_PARTIAL: Final = "33"


def render_text(plan: Plan, refusals: Sequence[Refusal], options: RenderOptions) -> str:
    """Render ``plan`` for a terminal; colour only when ``options.color`` is true.

    ``refusals`` are not repeated here: the command prints them as its error.
    """
    paint = _Painter(options.color)
    out: list[str] = _basis(plan.basis, "Planned")
    if plan.empty:
        out.append(paint("No changes. The live objects match the configuration.", _BOLD))
    else:
        used = [a for a in Action if plan.count(a)]
        legend = ", ".join(f"{paint(a.symbol, _ACTION_STYLE[a])} {_ACTION_WORDS[a]}" for a in used)
        out.append(f"Actions are marked: {legend}")
        out.append("")
        out.append("reconciler will perform the following actions:")
        out.extend(_render_changes(plan.changes, options.width, paint))
    if plan.unmanaged:
        out.append("")
        out.extend(_render_unmanaged(plan.unmanaged, options.width))
    if plan.ignored:
        out.append("")
        out.append(plan.ignored.summary())
    if plan.not_compared:
        out.append("")
        out.extend(_not_compared(plan.not_compared, options.width, paint))
    if plan.targeting is not None:
        out.append("")
        out.append(paint(plan.targeting.summary(), _PARTIAL))
    if not plan.empty:
        out.append("")
        out.append(paint(plan.summary(), _BOLD))
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# Drift reports
# --------------------------------------------------------------------------------------------

_DRIFT_HEADINGS: Final = {
    DriftCategory.CHANGED: ("~", "33", "Changed: a declared field differs on the service"),
    DriftCategory.MISSING: ("+", "32", "Missing: declared, not on the service"),
    DriftCategory.PRESENT: ("-", "31", "Present: tombstoned (absent: true), still on the service"),
}


def render_text_drift(report: DriftReport, options: RenderOptions) -> str:
    """Render a drift report for a terminal; colour only when ``options.color`` is true."""
    paint = _Painter(options.color)
    out: list[str] = _basis(report.basis, "Checked")
    if report.empty:
        out.append(
            paint("No drift. The live objects match the configuration.", _BOLD)
            + f" ({report.declared:,} declared, {report.live_count:,} live)"
        )
    for category, (symbol, style, heading) in _DRIFT_HEADINGS.items():
        objects = report.of(category)
        if objects:
            out.append(paint(f"{heading} ({len(objects):,}):", _BOLD))
            blocks = [_drift_rows(o, symbol, style) for o in objects]
            out.extend(_render_rows(blocks, options.width, paint))
            out.append("")
    unmanaged = report.of(DriftCategory.UNMANAGED)
    if unmanaged:
        refs = [LiveRef(o.kind, o.identity, o.ref or "") for o in unmanaged]
        out.extend(_render_unmanaged(refs, options.width, verb="not declared"))
        out.append("")
    if report.ignored:
        out.append(report.ignored.summary())
    if report.not_compared:
        out.extend(_not_compared(report.not_compared, options.width, paint))
        out.append("")
    if not report.empty:
        out.append(paint(report.summary(), _BOLD))
    return "\n".join(out).rstrip("\n") + "\n"


def _drift_rows(obj: DriftedObject, symbol: str, style: str) -> list[_Row]:
    header = _Row(
        (("  ", ""), (symbol, style), (" ", ""), (clean(obj.address), _BOLD)), obj.location
    )
    rows = [header]
    for field in obj.fields:
        name = ((_FIELD_INDENT, ""), (f"{clean(field.name)}: ", ""))
        rows.append(_Row(name + _drift_value(obj.category, field) + _layer(field), field.location))
    return rows


def _basis(basis: Basis | None, verb: str) -> list[str]:
    """What the report was made against, then an empty line; nothing when not known."""
    if basis is None:
        return []
    return [*(clean(line) for line in basis.lines(verb)), ""]


def _not_compared(items: tuple[NotCompared, ...], width: int, paint: _Painter) -> list[str]:
    heading, shown, rest = not_compared(items)
    rows = [
        _Row(
            (
                ("  ", ""),
                (clean(f"{item.address}.{item.field}"), ""),
                (": ", ""),
                (clean(item.reason if item.needed else f"not compared: {item.reason}"), _DIM),
            ),
            item.location,
        )
        for item in shown
    ]
    lines = _render_rows([rows], width, paint)
    lines[0] = heading
    if rest:
        lines.append(f"  and {rest:,} more")
    return lines


def _drift_value(category: DriftCategory, field: FieldChange) -> tuple[tuple[str, str], ...]:
    desired = desired_text(field)
    if category is DriftCategory.MISSING:
        return ((desired, ""),)
    live = SENSITIVE if field.sensitive else literal(field.before)
    return (("declared ", _DIM), (desired, ""), (", live ", _DIM), (live, "33"))


# --------------------------------------------------------------------------------------------
# Changes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    """One line of the change list: styled pieces, then (aligned) the YAML location, if any."""

    pieces: tuple[tuple[str, str], ...]
    location: Location | None

    @property
    def width(self) -> int:
        return sum(_cells(text) for text, _ in self.pieces)


def _render_changes(changes: Sequence[Change], width: int, paint: _Painter) -> list[str]:
    return _render_rows([_change_rows(change) for change in changes], width, paint)


def _render_rows(blocks: Sequence[Sequence[_Row]], width: int, paint: _Painter) -> list[str]:
    """Blocks of rows, each after an empty line, their locations in one aligned column."""
    # Each located row's width and location text, measured once (a plan has thousands).
    measured = {
        id(row): (row.width, _location_text(row.location))
        for rows in blocks
        for row in rows
        if row.location is not None
    }
    column = 0
    if measured:
        # One column for every location, as far right as the longest line needs but never
        # pushing the locations past the width: a long value just gets the minimum gap.
        widest_location = max(_cells(where) for _, where in measured.values())
        widest_row = max(row_width for row_width, _ in measured.values())
        column = min(widest_row + _MIN_GAP, max(width - widest_location, 0))
    out: list[str] = []
    for rows in blocks:
        out.append("")
        for row in rows:
            if paint.enabled:
                line = "".join(paint(text, style) for text, style in row.pieces)
            else:
                line = "".join([text for text, _ in row.pieces])
            if row.location is not None:
                row_width, where = measured[id(row)]
                line += " " * max(column - row_width, _MIN_GAP) + paint(where, _DIM)
            out.append(line)
    return out


def _change_rows(change: Change) -> list[_Row]:
    style = _ACTION_STYLE[change.action]
    header = _Row(
        (("  ", ""), (change.action.symbol, style), (" ", ""), (clean(change.address), _BOLD)),
        change.location,
    )
    rows = [header]
    for field in change.fields:
        marker = ((_FIELD_INDENT, ""), (change.action.symbol, style), (" ", ""))
        name = ((f"{clean(field.name)}: ", ""),)
        pieces = marker + name + field_literals(change.action, field) + _layer(field)
        rows.append(_Row(pieces, field.location))
    return rows


def _layer(field: FieldChange) -> tuple[tuple[str, str], ...]:
    """The shared layer that wrote the value (its provenance), dimmed; nothing for the object."""
    return ((f"  ({clean(field.layer)})", _DIM),) if field.layer else ()


def field_literals(action: Action, field: FieldChange) -> tuple[tuple[str, str], ...]:
    """A field change's values as (text, style) pieces: ``"6"``, `` -> ``, ``12``."""
    if field.sensitive:
        after: tuple[str, str] = (desired_text(field), _DIM)
        before: tuple[str, str] = (SENSITIVE, _DIM)
    else:
        after = (literal(field.after), "")
        before = (literal(field.before), "")
    if action is Action.CREATE:
        return (after,)
    return (before, (" -> ", ""), after)


def _location_text(location: Location | None) -> str:
    return f"({clean(str(location))})"


# --------------------------------------------------------------------------------------------
# Unmanaged objects
# --------------------------------------------------------------------------------------------


def _render_unmanaged(
    unmanaged: Sequence[LiveRef], width: int, *, verb: str = _LEFT_ALONE
) -> list[str]:
    count = len(unmanaged)
    noun = "object is" if count == 1 else "objects are"
    names = [clean(ref.address) for ref in unmanaged[:UNMANAGED_SHOWN]]
    rest = count - len(names)
    items = [f"{name}," for name in names[:-1]] + [names[-1]]
    if rest:
        items[-1] += f" and {rest:,} more"
    lines = [f"{count:,} live {noun} {verb}:"]
    line = " "
    for item in items:
        # Wrap between names, never inside one.
        if _cells(line) + 1 + _cells(item) > width and line.strip():
            lines.append(line)
            line = " "
        line += " " + item
    lines.append(line)
    return lines


def _cells(text: str) -> int:
    """How many terminal cells ``text`` takes: its length when it is printable ASCII (one cell
    a character), else rich's count (wide characters take two, combining ones none). rich is
    imported only then."""
    if text.isascii() and text.isprintable():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


# --------------------------------------------------------------------------------------------
# Colour
# --------------------------------------------------------------------------------------------


class _Painter:
    """Wraps text in ANSI SGR codes, or returns it untouched when colour is off."""

    __slots__ = ("enabled",)

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        if not self.enabled or not style or not text:
            return text
        return f"\x1b[{style}m{text}\x1b[0m"
