"""Reading one YAML file into plain Python values and a table of where each one was written.

ruamel.yaml's round-trip loader keeps every location but is about ten times slower than
libyaml, and even its C composer resolves scalars in Python. libyaml's events are cheap (PyYAML's
binding of it is preferred, see :func:`_event_source`), so the values are built here straight
from the events: mappings become ``dict`` (keys
are always text: every key in a config file is a name), sequences ``list``, plain scalars are
read by the YAML 1.2 core schema (:mod:`reconciler.loading.scalars`). Beside the value, a
:data:`Tree` of ``(line, column)`` pairs mirrors it, so that any error can point at the key or
value concerned.

A file made only of plain ``key: value`` lines (most config files) is read faster still, line
by line, by :mod:`reconciler.loading.plainyaml`, to the same values and locations; anything
else in a file sends the whole file through libyaml's events.

Problems are collected, not raised: a duplicate key or a bad tag still lets the rest of the
file be read. Only what makes the rest meaningless (a syntax error, an alias bomb, nesting past
the limit) stops the file, keeping what was found before it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from sys import intern
from types import SimpleNamespace
from typing import Any, Final, TypeAlias

from reconciler.loading.limits import Limits
from reconciler.loading.plainyaml import read_plain
from reconciler.loading.scalars import MAP_TAG, SEQ_TAG, TagError, resolve_plain, resolve_tagged
from reconciler.model import Location
from reconciler.records import Problem

__all__ = ["KeyEntry", "ParsedFile", "Tree", "parse_events", "parse_text", "read_file", "span_at"]

#: Where the entries of one mapping or list were written. A mapping's tree maps each key to
#: ``(key line, key column, value line, value column, tree of the value or None)``; a list's
#: holds ``(line, column, tree of the item or None)`` per item. Lines and columns count from 1.
Tree: TypeAlias = "dict[str, KeyEntry] | list[ItemEntry]"
KeyEntry: TypeAlias = "tuple[int, int, int, int, Tree | None]"
ItemEntry: TypeAlias = "tuple[int, int, Tree | None]"


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """One file's content, where it starts, and what is wrong with it.

    ``complete`` is false when the file could not be read to its end (unreadable, a syntax
    error, a limit reached): ``value`` is then not to be trusted. A complete file whose
    ``value`` is ``None`` holds no document, or an empty one.
    """

    name: str
    value: Any
    tree: Tree | None
    complete: bool
    line: int = 1
    column: int = 1
    problems: tuple[Problem, ...] = ()
    #: False when the text holds no ``{var:``: there is no ``${var:NAME}`` to substitute, and its
    #: values need not be walked for it (:mod:`reconciler.loading.variables`).
    var_references: bool = True


def span_at(tree: Tree | None, path: Sequence[str | int]) -> tuple[int, int, int, int] | None:
    """``(key line, key column, value line, value column)`` of the entry at ``path``.

    For a list item the key position is the item's own. Returns ``None`` when the path leaves
    the tree (a value that did not come from this file).
    """
    span: tuple[int, int, int, int] | None = None
    for step in path:
        if isinstance(tree, dict) and isinstance(step, str) and step in tree:
            kline, kcol, vline, vcol, tree = tree[step]
            span = (kline, kcol, vline, vcol)
        elif isinstance(tree, list) and isinstance(step, int) and 0 <= step < len(tree):
            line, col, tree = tree[step]
            span = (line, col, line, col)
        else:
            return span
    return span


def read_file(path: Path, limits: Limits, *, name: str | None = None) -> ParsedFile:
    """Read and parse ``path``; the size limit is checked before anything is read."""
    shown = name if name is not None else str(path)
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            return _failed(
                shown,
                f"refused: the file is {size:,} bytes, more than the limit of"
                f" {limits.max_file_bytes:,}; split it into several files",
            )
        data = path.read_bytes()
    except OSError as exc:
        return _failed(shown, f"the file is not readable: {exc.strerror or exc}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _not_utf8(shown, data, exc.start)
    parsed = parse_text(text.removeprefix("\ufeff"), shown, limits)
    # "{var:", not "${var:": a "$" written as an escape in a quoted scalar still counts.
    return parsed if "{var:" in text else replace(parsed, var_references=False)


def _failed(name: str, message: str, line: int = 1, column: int = 1) -> ParsedFile:
    problems = (Problem(message, Location(name, line, column)),)
    return ParsedFile(name, None, None, complete=False, problems=problems)


def _not_utf8(name: str, data: bytes, offset: int) -> ParsedFile:
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return _failed(
        name,
        f"not valid UTF-8: byte 0x{data[offset]:02X} at line {line}, byte {offset - line_start + 1}"
        f" of the line (offset {offset}); save the file as UTF-8",
        line,
        column,
    )


@dataclass(frozen=True, slots=True)
class _Events:
    """A YAML event source: how to start it on a text, its event classes and its errors.

    ``byte_positions``: whether its reader errors count bytes (libyaml) or characters.
    """

    start: Callable[[str], Callable[[], Any]]
    byte_positions: bool
    kinds: Any  # the event classes, by role: .scalar, .mapping_start, ...
    marked_error: type[Exception]
    reader_error: type[Exception]
    error: type[Exception]


def _kinds(events: Any) -> SimpleNamespace:
    return SimpleNamespace(
        scalar=events.ScalarEvent,
        mapping_start=events.MappingStartEvent,
        sequence_start=events.SequenceStartEvent,
        mapping_end=events.MappingEndEvent,
        sequence_end=events.SequenceEndEvent,
        alias=events.AliasEvent,
        document_start=events.DocumentStartEvent,
        stream_end=events.StreamEndEvent,
    )


@functools.cache
def _event_source(pure_python: bool) -> _Events:
    """The fastest source of events there is, chosen before parsing (the Python reader may
    already fail while it is being built, and its error must be located in characters).

    The first two read the same YAML into the same events with the same error texts: both are
    libyaml itself. PyYAML's binding (its public ``CBaseLoader``, present only when PyYAML was
    built with libyaml) builds its event objects about twice as fast as ruamel.yaml's, so it
    is preferred; ruamel.yaml's own binding, the reference's (its errors are the ones users
    are shown), reads where PyYAML has no libyaml. ruamel.yaml's pure-Python parser, the
    fallback where no C extension exists and what ``pure_python`` asks for, gives the same
    values and locations, but words some syntax errors differently. Written against PyYAML
    6.0 and ruamel.yaml 0.18.
    """
    if not pure_python:
        try:
            import yaml
        except ImportError:  # pragma: no cover - PyYAML is a dependency; ruamel.yaml reads then
            yaml = None  # type: ignore[assignment]
        # The base loader: no constructor or resolver runs; only its parser's events are read.
        loader = getattr(yaml, "CBaseLoader", None)  # None without PyYAML or its libyaml
        if loader is not None:
            return _Events(
                lambda text: loader(text).get_event,
                True,
                _kinds(yaml.events),
                yaml.MarkedYAMLError,
                yaml.reader.ReaderError,
                yaml.YAMLError,
            )
    from ruamel.yaml import events
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    kinds = _kinds(events)
    if not pure_python:
        try:
            from ruamel.yaml.cyaml import CBaseLoader
        except ImportError:  # pragma: no cover - ruamel.yaml.clib is missing on this platform
            pass
        else:
            return _Events(
                lambda text: CBaseLoader(text).get_event,
                True,
                kinds,
                MarkedYAMLError,
                ReaderError,
                YAMLError,
            )
    from ruamel.yaml.loader import BaseLoader

    return _Events(
        lambda text: BaseLoader(text).parser.get_event,
        False,
        kinds,
        MarkedYAMLError,
        ReaderError,
        YAMLError,
    )


class _Stop(Exception):
    """The file cannot be read further; its problem is already recorded."""


_NO_KEY: Final = object()
_SKIP: Final = object()


def parse_text(text: str, name: str, limits: Limits, *, pure_python: bool = False) -> ParsedFile:
    """Parse ``text`` (the content of the file shown as ``name``) into values and locations.

    A text entirely of plain ``key: value`` lines is read by :func:`~reconciler.loading.
    plainyaml.read_plain`, to the same result and several times faster; any other by
    :func:`parse_events`. ``pure_python`` reads every text with ruamel.yaml's Python parser.
    """
    if not pure_python:
        plain = read_plain(text, limits)
        if plain is not None:
            value, tree, line, column = plain
            return ParsedFile(name, value, tree, True, line, column)
    return parse_events(text, name, limits, pure_python=pure_python)


def parse_events(text: str, name: str, limits: Limits, *, pure_python: bool = False) -> ParsedFile:
    """Parse ``text`` from libyaml's events, locating every problem (see :func:`parse_text`).

    ``pure_python`` uses ruamel.yaml's Python parser, which is also the fallback when the C
    extension is missing.
    """
    problems: list[Problem] = []

    def problem(message: str, line: int, column: int) -> None:
        problems.append(Problem(message, Location(name, line, column)))

    # Each frame: [container, tree, is_mapping, pending key, key line, key column, anchor,
    # node count at start, line, column]. A list, not an object: this loop is the hot path.
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[Any, Tree | None, int]] = {}
    open_anchors: set[str] = set()
    nodes = 0
    expanded = 0
    documents = 0
    root: list[Any] = []
    max_depth = limits.max_depth

    def add(value: Any, tree: Tree | None, line: int, col: int, key: str | None) -> None:
        """Put a finished node into its parent, as a key, a value or a list item."""
        if not stack:
            root[:] = [value, tree, line, col]
            return
        frame = stack[-1]
        if not frame[2]:
            frame[0].append(value)
            frame[1].append((line, col, tree))
            return
        pending = frame[3]
        if pending is _NO_KEY:
            if key is None:
                problem("a mapping key must be a name, not a list or mapping", line, col)
                frame[3] = _SKIP
            elif key == "<<" and tree is None:
                problem(
                    "merge keys ('<<') are not part of YAML 1.2; put shared values under"
                    " 'defaults:' instead",
                    line,
                    col,
                )
                frame[3] = _SKIP
            elif key in frame[0]:
                problem(f"duplicate key {key!r} (first at line {frame[1][key][0]})", line, col)
                frame[3] = _SKIP
            else:
                # Interned: 10,000 objects share one "name" instead of holding one each.
                frame[3] = intern(key)
                frame[4] = line
                frame[5] = col
            return
        if pending is not _SKIP:
            frame[0][pending] = value
            frame[1][pending] = (frame[4], frame[5], line, col, tree)
        frame[3] = _NO_KEY

    complete = False
    source = _event_source(pure_python)
    kinds = source.kinds
    ScalarEvent, AliasEvent = kinds.scalar, kinds.alias
    MappingStartEvent, SequenceStartEvent = kinds.mapping_start, kinds.sequence_start
    MappingEndEvent, SequenceEndEvent = kinds.mapping_end, kinds.sequence_end
    DocumentStartEvent, StreamEndEvent = kinds.document_start, kinds.stream_end
    try:
        get_event = source.start(text)
        while True:
            event = get_event()
            cls = type(event)
            if cls is ScalarEvent:
                mark = event.start_mark
                line = mark.line + 1
                col = mark.column + 1
                text_value = event.value
                tag = event.tag
                nodes += 1
                if tag is None and event.anchor is None and stack:
                    # The usual scalar, untagged and unanchored, placed here rather than
                    # through add(): this branch runs for every key and value of the file.
                    frame = stack[-1]
                    parent = frame[0]
                    if not frame[2]:
                        parent.append(text_value if event.style else resolve_plain(text_value))
                        frame[1].append((line, col, None))
                        continue
                    pending = frame[3]
                    if pending is _NO_KEY:
                        if text_value != "<<" and text_value not in parent:
                            frame[3] = intern(text_value)
                            frame[4] = line
                            frame[5] = col
                            continue
                    elif pending is not _SKIP:
                        parent[pending] = text_value if event.style else resolve_plain(text_value)
                        frame[1][pending] = (frame[4], frame[5], line, col, None)
                        frame[3] = _NO_KEY
                        continue
                if tag is None:
                    value = text_value if event.style else resolve_plain(text_value)
                else:
                    try:
                        value = resolve_tagged(text_value, tag)
                    except TagError as exc:
                        problem(str(exc), line, col)
                        value = resolve_plain(text_value) if not event.style else text_value
                if event.anchor is not None:
                    anchors[event.anchor] = (value, None, 1)
                add(value, None, line, col, text_value)
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                mark = event.start_mark
                line = mark.line + 1
                col = mark.column + 1
                is_mapping = cls is MappingStartEvent
                tag = event.tag
                if tag is not None and tag != "!" and tag != (MAP_TAG if is_mapping else SEQ_TAG):
                    shown = tag.replace("tag:yaml.org,2002:", "!!")
                    what = "mapping" if is_mapping else "list"
                    problem(f"the tag {shown} is not allowed on a {what}; remove it", line, col)
                if len(stack) >= max_depth:
                    problem(
                        f"refused: nesting deeper than {max_depth} levels; flatten the file",
                        line,
                        col,
                    )
                    raise _Stop
                nodes += 1
                anchor = event.anchor
                if anchor is not None:
                    open_anchors.add(anchor)
                container: Any = {} if is_mapping else []
                tree: Any = {} if is_mapping else []
                stack.append([container, tree, is_mapping, _NO_KEY, 0, 0, anchor, nodes, line, col])
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                frame = stack.pop()
                anchor = frame[6]
                if anchor is not None:
                    open_anchors.discard(anchor)
                    anchors[anchor] = (frame[0], frame[1], nodes - frame[7] + 1)
                add(frame[0], frame[1], frame[8], frame[9], None)
            elif cls is AliasEvent:
                mark = event.start_mark
                line = mark.line + 1
                col = mark.column + 1
                anchor = event.anchor
                if anchor in open_anchors:
                    problem(f"the alias *{anchor} refers to a node that contains it", line, col)
                    add(None, None, line, col, None)
                    continue
                found = anchors.get(anchor)
                if found is None:
                    problem(f"the alias *{anchor} has no anchor &{anchor} before it", line, col)
                    add(None, None, line, col, None)
                    continue
                value, tree, count = found
                nodes += count
                expanded += count
                if expanded > limits.max_alias_nodes:
                    problem(
                        f"refused: aliases expand to more than {limits.max_alias_nodes:,} nodes"
                        " (an alias bomb?); use fewer aliases",
                        line,
                        col,
                    )
                    raise _Stop
                add(value, tree, line, col, value if isinstance(value, str) else None)
            elif cls is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    mark = event.start_mark
                    problem(
                        "a config file holds one YAML document; move this one to a file of its own",
                        mark.line + 1,
                        mark.column + 1,
                    )
                    raise _Stop
            elif cls is StreamEndEvent:
                complete = True
                break
    except _Stop:
        pass
    except source.marked_error as exc:
        problems.append(_syntax_problem(exc, name))
    except source.reader_error as exc:
        error: Any = exc
        line, col = _position(text, error.position, source.byte_positions)
        problem(
            f"YAML syntax error: unacceptable character #x{error.character:04x}: {error.reason}",
            line,
            col,
        )
    except source.error as exc:  # pragma: no cover - every error above carries a mark
        problem(f"YAML syntax error: {exc}", 1, 1)
    if not root or not complete:
        return ParsedFile(name, None, None, complete, problems=tuple(problems))
    value, tree, line, col = root
    return ParsedFile(name, value, tree, complete, line, col, tuple(problems))


def _syntax_problem(exc: Any, name: str) -> Problem:
    """A located syntax error, from either library's ``MarkedYAMLError`` (the same fields)."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    message = f"YAML syntax error: {exc.problem or exc.context}"
    context_mark = exc.context_mark
    if exc.context and exc.problem:
        message += f" ({exc.context}"
        if context_mark is not None:
            message += f" at line {context_mark.line + 1}, column {context_mark.column + 1}"
        message += ")"
    return Problem(message, Location(name, line, col))


def _position(text: str, position: int, in_bytes: bool) -> tuple[int, int]:
    """Line and column of a reader error, which libyaml gives as a byte offset."""
    if in_bytes:
        position = len(text.encode("utf-8")[:position].decode("utf-8", "replace"))
    line_start = text.rfind("\n", 0, position) + 1
    return text.count("\n", 0, position) + 1, position - line_start + 1
