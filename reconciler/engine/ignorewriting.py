"""``drift --accept-into-ignore``: drifted fields written as ``[ignore.fields]`` entries.

For fields a team decides not to manage: each changed field of a drifted object becomes part of
an ``"<address>" = ["field", ...]`` entry of ``[ignore.fields]`` in ``reconciler.toml``, so
that later plans neither revert it nor report it. The file is edited as text, so that its
comments and layout stay; an entry the file already has gains the new fields; the result is
read back to check that it says what was meant.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path

from reconciler.engine.accepting import FileEdit
from reconciler.errors import SettingsError
from reconciler.model import DriftCategory, DriftReport

__all__ = ["ignore_edit", "ignored_fields_of"]

_HEADER = re.compile(r"^\s*\[([^\]]+)\]\s*(#.*)?$")


def ignored_fields_of(
    report: DriftReport, matches: Callable[[str], bool] = lambda address: True
) -> dict[str, list[str]]:
    """The changed fields of each drifted object ``matches`` selects, by address."""
    return {
        o.address: sorted({f.name for f in o.fields})
        for o in report.of(DriftCategory.CHANGED)
        if matches(o.address) and o.fields
    }


def ignore_edit(settings_file: Path, entries: Mapping[str, list[str]]) -> FileEdit | None:
    """The edit of ``settings_file`` that adds ``entries`` to ``[ignore.fields]``; ``None``
    when it says so already."""
    text = settings_file.read_text(encoding="utf-8") if settings_file.is_file() else ""
    data = tomllib.loads(text)
    ignore = data.get("ignore", {})
    existing = ignore.get("fields", {}) if isinstance(ignore, dict) else {}
    lines = text.splitlines(keepends=True)
    table = _table_lines(lines)
    if existing and table is None:
        raise SettingsError(
            f"{settings_file}: [ignore] fields is written inline; write it as an [ignore.fields]"
            " table to let --accept-into-ignore add to it."
        )
    added: list[str] = []
    for address, names in sorted(entries.items()):
        have = list(existing.get(address, []))
        missing = [n for n in names if n not in have]
        if not missing:
            continue
        line = f"{json.dumps(address)} = {json.dumps(have + missing)}\n"
        if address in existing:
            index = _entry_line(lines, address)
            if index is None:
                raise SettingsError(
                    f"{settings_file}: the [ignore.fields] entry for {address} spans several"
                    f" lines; add {', '.join(missing)} to it by hand."
                )
            lines[index] = line
        else:
            added.append(line)
    if added:
        if table is None:
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            lines += [*(["\n"] if lines else []), "[ignore.fields]\n", *added]
        else:
            lines[table:table] = added
    after = "".join(lines)
    if after == text:
        return None
    check = tomllib.loads(after).get("ignore", {}).get("fields", {})
    if not all(set(entries[a]) <= set(check.get(a, ())) for a in entries):  # pragma: no cover
        raise SettingsError(f"{settings_file}: could not add to [ignore.fields]; add by hand.")
    return FileEdit(str(settings_file), text, after)


def _table_lines(lines: list[str]) -> int | None:
    """Where to insert in ``[ignore.fields]``: after its last non-blank line; None if absent."""
    start = None
    for index, line in enumerate(lines):
        header = _HEADER.match(line)
        if header is None:
            continue
        if start is not None:
            break
        if header.group(1).replace(" ", "") == "ignore.fields":
            start = index
    if start is None:
        return None
    end = start + 1
    for index in range(start + 1, len(lines)):
        if _HEADER.match(lines[index]):
            break
        if lines[index].strip():
            end = index + 1
    return end


def _entry_line(lines: list[str], address: str) -> int | None:
    """The line of a one-line ``"address" = [...]`` entry."""
    pattern = re.compile(rf"""^\s*(["']?){re.escape(address)}\1\s*=\s*\[.*\]\s*(#.*)?$""")
    for index, line in enumerate(lines):
        if pattern.match(line):
            return index
    return None
