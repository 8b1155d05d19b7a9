"""Where each table and key of a TOML file is written, so that settings problems are located.

:mod:`tomllib` parses without positions. The settings file is small and hand-written, so a
line scan finds what messages need: the line of each ``[table]`` header and of each
``key = value`` under it (dotted keys such as ``a.b = 1`` included). A key that the scan cannot
place (inside a multi-line value, say) is located at its table's header, or at line 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from reconciler.model import Location

__all__ = ["KeyLines", "key_lines", "locate", "text_location"]

#: A dotted key path (``("providers", "proctorexam", "timeout")``) to its (line, column).
KeyLines = Mapping[tuple[str, ...], tuple[int, int]]

_HEADER: Final = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY: Final = re.compile(
    r"^(\s*)((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)
_PART: Final = re.compile(r"[A-Za-z0-9_-]+|\"([^\"]*)\"|'([^']*)'")


def key_lines(text: str) -> dict[tuple[str, ...], tuple[int, int]]:
    """Every table header and key of ``text`` with its 1-based line and column."""
    found: dict[tuple[str, ...], tuple[int, int]] = {}
    table: tuple[str, ...] = ()
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        # A multi-line string may hold lines that look like keys: skip its body.
        if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
            in_multiline = not in_multiline
            if not in_multiline:
                continue
        elif in_multiline:
            continue
        header = _HEADER.match(line)
        if header:
            table = _parts(header.group(1))
            # [a.b] defines the table a too, unless an earlier [a] did.
            for end in range(1, len(table) + 1):
                found.setdefault(table[:end], (number, line.index("[") + 1))
            continue
        key = _KEY.match(line)
        if key:
            found.setdefault((*table, *_parts(key.group(2))), (number, len(key.group(1)) + 1))
    return found


def locate(lines: KeyLines, path: Sequence[str]) -> tuple[int, int]:
    """The line and column of ``path``, or of the nearest table above it, or (1, 1)."""
    for end in range(len(path), 0, -1):
        where = lines.get(tuple(path[:end]))
        if where is not None:
            return where
    return (1, 1)


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(m.group(1) or m.group(2) or m.group(0) for m in _PART.finditer(dotted))


def text_location(source: Path, text: str, needle: str) -> Location | None:
    """Where ``needle`` first appears in a settings file's ``text``, as a key or a quoted
    string; None when it does not.

    tomllib keeps no positions, so this looks for the text itself: good enough to point a
    person at the right line.
    """
    pattern = re.compile(rf"""(?:["']{re.escape(needle)}["']|^\s*{re.escape(needle)}\b)""", re.M)
    found = pattern.search(text)
    if found is None:
        return None
    start = found.start() + (len(found.group()) - len(found.group().lstrip()))
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return Location(str(source), line, column)
