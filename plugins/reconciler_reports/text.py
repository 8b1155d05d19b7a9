"""The ``text`` format: a plan as people read it in a terminal, shaped like Terraform's.

::

    reconciler will perform the following actions:

      ~ institute.pe                              (config/institutes.yaml:3:3)
          ~ exam_link_emails_enabled: true -> false (config/institutes.yaml:5:5)

    Plan: 0 to create, 1 to update, 0 to delete.

Values are written as JSON literals, so ``"6"`` and ``6`` look different, as they are. Every
string that came from a user or the service (names, paths, values) has its control characters
escaped: a name holding an escape sequence must not be able to repaint the terminal. Colour is
plain ANSI, added only when asked, so nothing a user wrote is ever read as markup.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from rich.cells import cell_len

from reconciler.model import SENSITIVE, Action, Change, FieldChange, LiveRef, Location, Plan
from reconciler.planfile import json_value
from reconciler.records import RenderOptions

__all__ = ["UNMANAGED_SHOWN", "field_literals", "render_text"]

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
_DIM: Final = "2"


def render_text(plan: Plan, options: RenderOptions) -> str:
    """Render ``plan`` for a terminal; colour only when ``options.color`` is true."""
    paint = _Painter(options.color)
    out: list[str] = []
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
    if not plan.empty:
        out.append("")
        out.append(paint(plan.summary(), _BOLD))
    return "\n".join(out) + "\n"


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
        return sum(cell_len(text) for text, _ in self.pieces)


def _render_changes(changes: Sequence[Change], width: int, paint: _Painter) -> list[str]:
    blocks = [_change_rows(change) for change in changes]
    located = [row for rows in blocks for row in rows if row.location is not None]
    column = 0
    if located:
        # One column for every location, as far right as the longest line needs but never
        # pushing the locations past the width: a long value just gets the minimum gap.
        widest_location = max(cell_len(_location_text(row.location)) for row in located)
        column = min(max(row.width for row in located) + _MIN_GAP, max(width - widest_location, 0))
    out: list[str] = []
    for rows in blocks:
        out.append("")
        for row in rows:
            line = "".join(paint(text, style) for text, style in row.pieces)
            if row.location is not None:
                gap = max(column - row.width, _MIN_GAP)
                line += " " * gap + paint(_location_text(row.location), _DIM)
            out.append(line)
    return out


def _change_rows(change: Change) -> list[_Row]:
    style = _ACTION_STYLE[change.action]
    header = _Row(
        (("  ", ""), (change.action.symbol, style), (" ", ""), (_clean(change.address), _BOLD)),
        change.location,
    )
    rows = [header]
    for field in change.fields:
        marker = ((_FIELD_INDENT, ""), (change.action.symbol, style), (" ", ""))
        name = ((f"{_clean(field.name)}: ", ""),)
        rows.append(_Row(marker + name + field_literals(change.action, field), field.location))
    return rows


def field_literals(action: Action, field: FieldChange) -> tuple[tuple[str, str], ...]:
    """A field change's values as (text, style) pieces: ``"6"``, `` -> ``, ``12``."""
    if field.sensitive:
        after: tuple[str, str] = (SENSITIVE, _DIM)
        before: tuple[str, str] = (SENSITIVE, _DIM)
    else:
        after = (_literal(field.after), "")
        before = (_literal(field.before), "")
    if action is Action.CREATE:
        return (after,)
    return (before, (" -> ", ""), after)


def _literal(value: Any) -> str:
    """A value as a JSON literal on one line: ``"6"``, ``12``, ``null``, ``["fr-FR"]``."""
    return _clean(json.dumps(json_value(value), ensure_ascii=False))


def _location_text(location: Location | None) -> str:
    return f"({_clean(str(location))})"


# --------------------------------------------------------------------------------------------
# Unmanaged objects
# --------------------------------------------------------------------------------------------


def _render_unmanaged(unmanaged: Sequence[LiveRef], width: int) -> list[str]:
    count = len(unmanaged)
    noun = "object is" if count == 1 else "objects are"
    names = [_clean(ref.address) for ref in unmanaged[:UNMANAGED_SHOWN]]
    rest = count - len(names)
    items = [f"{name}," for name in names[:-1]] + [names[-1]]
    if rest:
        items[-1] += f" and {rest:,} more"
    lines = [f"{count:,} live {noun} not in the configuration and left alone:"]
    line = " "
    for item in items:
        # Wrap between names, never inside one.
        if cell_len(line) + 1 + cell_len(item) > width and line.strip():
            lines.append(line)
            line = " "
        line += " " + item
    lines.append(line)
    return lines


# --------------------------------------------------------------------------------------------
# Safety and colour
# --------------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Escape what a terminal would act on or hide: control, format and separator characters."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


class _Painter:
    """Wraps text in ANSI SGR codes, or returns it untouched when colour is off."""

    __slots__ = ("enabled",)

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        if not self.enabled or not style or not text:
            return text
        return f"\x1b[{style}m{text}\x1b[0m"
