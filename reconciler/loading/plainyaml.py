"""A fast reader for the plain YAML that config files are mostly written in.

Most config files are block mappings of ``name: value`` lines, nested by indentation, whose
values are plain scalars or one-line lists of plain words (``[fr-FR, no-NO]``). libyaml reads
them into some 16 Python event objects per object declared, and building those events is most
of the time of reading a large file. This module reads that subset line by line instead, into
the same values and the same :data:`~reconciler.loading.yamlfile.Tree` of locations.

It is a fast path only: :func:`read_plain` gives up (returns ``None``) on the first line that is
not of the subset, and the file is then read by libyaml's events (see
:func:`~reconciler.loading.yamlfile.parse_text`), which places every problem. So this module
reports nothing: whatever is unusual (a quote, a tag, an anchor, a comment after a value, a tab,
a key without a value, a duplicate key, text outside printable ASCII) is left to libyaml, and a
file it reads is one libyaml reads without a problem, to the same values and locations (a test
compares the two on generated texts).
"""

from __future__ import annotations

import re
from sys import intern
from typing import Any, Final

from reconciler.loading.limits import Limits
from reconciler.loading.scalars import MAYBE_NOT_TEXT, resolve_plain

__all__ = ["read_plain"]

#: A plain scalar on one line: printable ASCII, starting with no indicator, ending with no
#: space, with no comment (`` #``); ``: `` and a final ``:`` are refused after the match.
_SCALAR: Final = r"[A-Za-z0-9_./+~$][!-~]*(?: +[!-\"$-~][!-~]*)*"
#: A one-line flow list of plain words, separated by ``, `` exactly.
_WORD: Final = r"[A-Za-z0-9_./+~$][A-Za-z0-9_./+~$\-]*"
_LIST: Final = rf"\[(?:{_WORD}(?:, {_WORD})*)?\]"
#: ``key: scalar``, ``key: [a, b]`` or ``key:`` (a nested mapping follows), indented by spaces;
#: a key is a name, a short_name or an e-mail address.
_ENTRY: Final = re.compile(
    rf"( *)([A-Za-z0-9_][A-Za-z0-9_.@+\-]*):(?: +(?:({_SCALAR})|({_LIST})))?"
)
#: A line that holds nothing, or only a comment.
_BLANK: Final = re.compile(r" *(?:#[ -~]*)?")


def read_plain(text: str, limits: Limits) -> tuple[dict[str, Any], dict[str, Any], int, int] | None:
    """The value, tree, line and column of ``text``'s top-level mapping; ``None`` when the text
    is not entirely of the plain subset (read it with libyaml's events then)."""
    if not text.isascii():
        return None
    root: dict[str, Any] = {}
    root_tree: dict[str, Any] = {}
    # The open mappings, outermost first: (indent, mapping, its tree).
    stack: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    # A ``key:`` whose mapping starts on the next entry: (key, line, column, mapping, tree).
    opened: tuple[str, int, int, dict[str, Any], dict[str, Any]] | None = None
    start = (0, 0)
    max_depth = limits.max_depth
    entry = _ENTRY.fullmatch
    number = 0
    for line in text.split("\n"):
        number += 1
        found = entry(line)
        if found is None:
            if _BLANK.fullmatch(line) is None:
                return None
            continue
        indent, key, rest, listed = found.groups()
        depth = len(indent)
        if opened is not None:
            parent_key, kline, kcol, parent, parent_tree = opened
            if depth < kcol or len(stack) >= max_depth:
                return None  # a key without a value, or nesting past the limit
            mapping: dict[str, Any] = {}
            tree: dict[str, Any] = {}
            parent[parent_key] = mapping
            parent_tree[parent_key] = (kline, kcol, number, depth + 1, tree)
            stack.append((depth, mapping, tree))
            opened = None
        elif stack:
            while stack[-1][0] > depth:
                stack.pop()
                if not stack:
                    return None
            if stack[-1][0] != depth:
                return None
            _, mapping, tree = stack[-1]
        else:
            mapping, tree = root, root_tree
            stack.append((depth, mapping, tree))
            start = (number, depth + 1)
        if key in mapping:
            return None  # a duplicate: libyaml's reading reports it
        key = intern(key)
        if listed is not None:
            if len(stack) >= max_depth:
                return None
            column = found.start(4) + 1
            words = listed[1:-1].split(", ") if len(listed) > 2 else []
            items = []
            item = column + 1
            for word in words:
                items.append((number, item, None))
                item += len(word) + 2
            mapping[key] = [resolve_plain(word) for word in words]
            tree[key] = (number, depth + 1, number, column, items)
        elif rest is None:
            opened = (key, number, depth + 1, mapping, tree)
        elif ": " in rest or rest[-1] == ":":
            return None
        else:
            mapping[key] = resolve_plain(rest) if rest[0] in MAYBE_NOT_TEXT else rest
            tree[key] = (number, depth + 1, number, found.start(3) + 1, None)
    if opened is not None or not stack:
        return None  # a last key without a value, or no mapping at all
    return root, root_tree, start[0], start[1]
