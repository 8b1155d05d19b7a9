"""The bounds a JSON document (a saved plan, a live snapshot) must stay within to be read.

Those files travel as CI artifacts, and whoever can shape an artifact can shape them: a file
that is too large, nests too deep or holds a number of thousands of digits is refused with a
message, before it costs memory, and never with a traceback. The bounds sit far above what the
tool writes: a saved plan of 50,000 changes is some 30 MB and nests eight levels deep.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["DOCUMENT_LIMITS", "DocumentLimits", "TooLarge", "bounded_loads", "depth_beyond"]

#: Every digit made a 0, so that a run of digits is found with one ``in`` (see fastjson).
_ZEROS: Final = bytes.maketrans(b"123456789", b"000000000")


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    """How much one JSON document may hold.

    ``max_file_bytes`` is checked before the file is read. ``max_depth`` bounds the nesting of
    objects and arrays. ``max_integer_digits`` bounds the digits of one integer: the tool
    writes counts, line numbers and ids, none longer than 20 digits.
    """

    max_file_bytes: int = 128 * 1024 * 1024
    max_depth: int = 64
    max_integer_digits: int = 40


DOCUMENT_LIMITS: Final = DocumentLimits()


class TooLarge(ValueError):
    """A value beyond a :class:`DocumentLimits` bound; the message says which, never the value."""


def bounded_loads(text: str, raw: bytes, limits: DocumentLimits, fast: Any) -> Any:
    """``text`` parsed by ``fast`` (a ``loads``), or by ``json`` when it holds a long digit run.

    ``raw`` is ``text`` encoded, as it was read.

    A run of more than ``max_integer_digits`` digits may be an integer (orjson reads a long
    one as a float, and ``json`` as a number that costs quadratic time): the text is then read
    by ``json`` with every integer's length checked. Raises :class:`TooLarge`,
    ``json.JSONDecodeError`` or ``RecursionError``.
    """
    if b"0" * (limits.max_integer_digits + 1) not in raw.translate(_ZEROS):
        return fast(text)

    def integer(text: str) -> int:
        if len(text.lstrip("-")) > limits.max_integer_digits:
            raise TooLarge(
                f"it holds an integer of {len(text.lstrip('-')):,} digits, more than the"
                f" {limits.max_integer_digits} a document may hold"
            )
        return int(text)

    return json.loads(text, parse_int=integer)


def depth_beyond(value: Any, max_depth: int) -> bool:
    """Whether ``value`` nests objects and arrays more than ``max_depth`` levels deep."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return True
        if isinstance(item, Mapping):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, dict | list))
    return False
