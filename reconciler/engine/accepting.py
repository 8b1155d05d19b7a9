"""Accepting drift back into the YAML (``drift --accept``): the configuration made to match the
live values, changing nothing else.

Each changed field of a drifted object is written where it belongs, through ruamel.yaml's
round-trip mode, so that comments, key order, quoting, flow or block style and blank lines stay
as they were:

- a value the object writes itself is replaced in place, in the same quoting style;
- a value the object inherits (from ``defaults:``, an address glob's or a group's defaults, or
  from the base an environment extends) is set on the object, in the file that declares it,
  with a note: the shared layer stays as it is for every other object;
- a value written as a reference (``${env:NAME}``, ``${var:NAME}``), a secret (write-only, or
  read from the environment) and a value shared through a YAML anchor are never overwritten:
  each is reported, for a person to change where it comes from.

A file is rewritten only when ruamel.yaml reproduces it byte for byte unchanged: otherwise it
is left alone and reported, never reformatted. Accepting again changes nothing: the values
then match.
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from reconciler.console import write_atomic
from reconciler.model import (
    DesiredObject,
    DesiredState,
    DriftCategory,
    DriftedObject,
    DriftReport,
    FieldChange,
)
from reconciler.records import ResourceKind

__all__ = ["Acceptance", "FileEdit", "accept_drift"]

_REFERENCE: Final = re.compile(r"\$\{(?:env|var):")
#: Indentations tried, (mapping, sequence, offset): the first that reproduces a file is used.
_INDENTS: Final = ((2, 4, 2), (2, 2, 0), (4, 6, 2), (4, 4, 0), (2, 3, 1), (4, 5, 1))


@dataclass(frozen=True, slots=True)
class FileEdit:
    """One file's text before and after."""

    path: str
    before: str
    after: str

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{self.path}",
                tofile=f"b/{self.path}",
            )
        )

    def write(self) -> None:
        """Replace the file, keeping its permissions (a temporary file is made private)."""
        path = Path(self.path)
        mode = path.stat().st_mode & 0o7777 if path.exists() else None
        write_atomic(path, self.after)
        if mode is not None:
            path.chmod(mode)


@dataclass(slots=True)
class Acceptance:
    """What accepting would write, what it leaves, and why."""

    edits: list[FileEdit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left: int = 0


class _Unwritable(Exception):
    """A file ruamel.yaml cannot rewrite without changing its layout."""


class _Files:
    """Each file to edit, read once with ruamel.yaml's round-trip loader."""

    def __init__(self, own: Path | None = None) -> None:
        self.loaded: dict[str, tuple[str, Any, Any]] = {}
        self.texts: dict[str, list[str]] = {}
        self.touched: set[str] = set()
        self.own = own.resolve() if own is not None and own.is_dir() else None

    def owned(self, name: str) -> bool:
        """Whether the file belongs to the directory accepted into (not to a base)."""
        return self.own is None or Path(name).resolve().parent == self.own

    def lines(self, name: str) -> list[str]:
        """The lines of ``name`` as written (none if it cannot be read), read once."""
        if name not in self.texts:
            try:
                self.texts[name] = Path(name).read_text(encoding="utf-8").splitlines()
            except OSError:
                self.texts[name] = []
        return self.texts[name]

    def document(self, name: str) -> Any:
        if name not in self.loaded:
            text = Path(name).read_text(encoding="utf-8")
            self.loaded[name] = (text, *_round_trip(name, text))
        return self.loaded[name][2]

    def edits(self) -> list[FileEdit]:
        out = []
        for name in sorted(self.touched):
            text, yaml, doc = self.loaded[name]
            stream = io.StringIO()
            yaml.dump(doc, stream)
            if stream.getvalue() != text:
                out.append(FileEdit(name, text, stream.getvalue()))
        return out


def _round_trip(name: str, text: str) -> tuple[Any, Any]:
    """A round-trip YAML and the document, with the indentation that reproduces ``text``."""
    from ruamel.yaml import YAML

    for mapping, sequence, offset in _INDENTS:
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 1 << 16  # never fold a long line
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        doc = yaml.load(text)
        stream = io.StringIO()
        yaml.dump(doc, stream)
        if stream.getvalue() == text:
            return yaml, yaml.load(text)
    raise _Unwritable(name)


def accept_drift(
    report: DriftReport,
    desired: DesiredState,
    kinds: Mapping[str, ResourceKind],
    matches: Callable[[str], bool] = lambda address: True,
    own: Path | None = None,
) -> Acceptance:
    """The edits that make the YAML declare the live values of the changed fields in
    ``report`` (of the objects ``matches`` selects), and notes on all that is left.

    ``own`` is the directory accepted into: an object declared only in a base it extends is
    shared by every environment of that base, and is left alone (with a note).
    """
    result = Acceptance()
    files = _Files(own)
    objects = {o.address: o for o in desired.objects}
    for drifted in report.of(DriftCategory.CHANGED):
        if not matches(drifted.address):
            continue
        obj = objects[drifted.address]
        section = kinds[obj.kind].section
        for change in drifted.fields:
            if not _accept_field(files, result, obj, section, drifted, change):
                result.left += 1
    others = [
        o for o in report.objects if o.category is not DriftCategory.CHANGED and matches(o.address)
    ]
    for other in others:
        if other.category is DriftCategory.UNMANAGED:
            continue
        result.left += 1
        why = {
            DriftCategory.MISSING: "declared but not on the service: nothing to accept; apply"
            " creates it, or remove it from the YAML",
            DriftCategory.PRESENT: "tombstoned (absent: true) but still on the service: remove"
            " the tombstone to keep it, or apply --allow-delete",
        }[other.category]
        result.notes.append(f"{other.address} ({other.location}): {why}")
    result.edits = files.edits()  # loads nothing new: every file was loaded by an edit
    return result


def _accept_field(
    files: _Files,
    result: Acceptance,
    obj: DesiredObject,
    section: str,
    drifted: DriftedObject,
    change: FieldChange,
) -> bool:
    where = change.location
    shown = f"{drifted.address}.{change.name}"
    if where is not None and _written_as_reference(files, where.file, where.line, where.column):
        # A secret's live value is never shown, here either.
        live = "" if change.sensitive else f" The live value is {change.before!r}."
        result.notes.append(
            f"{shown} ({where}): written as a reference; kept.{live} Change the variable or"
            " environment it reads, if the live value is right"
        )
        return False
    if change.sensitive:
        result.notes.append(
            f"{shown} ({where}): a secret (write-only, or read from the environment) differs;"
            " it is never written into YAML: change it where it comes from"
        )
        return False
    if where is None:
        return False
    inherited = change.layer is not None or where.file != obj.location.file
    target_file = obj.location.file
    if not files.owned(target_file):
        result.notes.append(
            f"{shown}: {drifted.address} is declared in the base file {target_file}, which every"
            " environment of that base shares; kept. Declare it in this environment with"
            f" {change.name}: {change.before!r} to change it here only"
        )
        return False
    try:
        doc = files.document(target_file)
    except _Unwritable:
        result.notes.append(
            f"{shown}: {target_file} cannot be rewritten without changing its layout;"
            f" set {change.name}: {change.before!r} there by hand"
        )
        return False
    mapping = doc[section][obj.identity]
    value = _as_written(change.before, change.after)
    if inherited:
        layer = change.layer or f"the base file {where.file}"
        _append(mapping, change.name, value)
        result.notes.append(
            f"{shown}: inherited from {layer} ({where}); the live value is set on the object in"
            f" {target_file}, and {layer} stays as it is for the others"
        )
        files.touched.add(target_file)
        return True
    old = mapping[change.name]
    anchor = getattr(getattr(old, "anchor", None), "value", None)
    if anchor is not None:
        result.notes.append(
            f"{shown} ({where}): shared through the YAML anchor &{anchor}; kept. Set"
            f" {change.name}: {change.before!r} by hand where it belongs"
        )
        return False
    mapping[change.name] = _styled(value, old)
    files.touched.add(target_file)
    return True


def _written_as_reference(files: _Files, file: str, line: int, column: int) -> bool:
    """Whether the value written after the key at ``file:line:column`` holds a reference."""
    lines = files.lines(file)
    if not 0 < line <= len(lines):
        return False
    rest = lines[line - 1][column - 1 :].partition(":")[2]
    return _REFERENCE.search(rest) is not None


def _as_written(live: Any, desired: Any) -> Any:
    """The live value, in the type the YAML wrote (``"6"`` read back for ``12`` stays a
    number)."""
    if type(desired) is int and isinstance(live, str) and live.strip().isdigit():
        return int(live)
    return live


def _styled(value: Any, old: Any) -> Any:
    """``value`` in the style ``old`` was written in: its quotes, or its list's flow style."""
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

    if isinstance(value, str):
        for style in (DoubleQuotedScalarString, SingleQuotedScalarString):
            if isinstance(old, style):
                return style(value)
        return value
    if isinstance(value, list) and isinstance(old, CommentedSeq):
        del old[:]
        old.extend(value)
        return old
    return value


def _append(mapping: Any, key: str, value: Any) -> None:
    """Add ``key`` at the end of ``mapping``, after its last key's comment and before the blank
    lines that follow it (ruamel.yaml would put the new key after them)."""
    from ruamel.yaml.tokens import CommentToken

    keys = list(mapping)
    mapping[key] = value
    if not keys:
        return
    token = mapping.ca.items.get(keys[-1], [None, None, None, None])
    comment = token[2] if len(token) > 2 else None
    if comment is None:
        return
    head, newline, tail = comment.value.partition("\n")
    if not tail:
        return
    if head:
        comment.value = head + newline  # the old last key keeps its own end-of-line comment
    else:
        token[2] = None
    # The blank lines (and any comment lines) that followed the old last key now follow the
    # new one, so that the next object keeps its separation.
    moved = CommentToken(newline + tail, comment.start_mark, None)
    mapping.ca.items[key] = [None, None, moved, None]
