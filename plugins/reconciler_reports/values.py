"""How every format writes a value and a user's text: one line, nothing a reader acts on.

Values are written as JSON literals, so ``"6"`` and ``6`` look different, as they are.
Control, format and separator characters in any text that came from a user or the service
(names, paths, values) are escaped: a name holding an escape sequence must not repaint a
terminal, and a newline must not break a Markdown table.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler import (
    SENSITIVE,
    FieldChange,
    NotCompared,
    json_value,
    not_compared_summary,
    printable,
)

__all__ = ["NOT_COMPARED_SHOWN", "clean", "desired_text", "literal", "live_text", "not_compared"]

#: How many fields left out of the comparison are named before the rest are only counted.
NOT_COMPARED_SHOWN = 50


#: What ``json.dumps(value, ensure_ascii=False)`` uses, made once: ``dumps`` with an option
#: builds a new encoder on every call, and a plan writes thousands of values.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


#: How that encoder writes a string (``ensure_ascii=False``): the C function, called directly.
_ENCODE_TEXT = json.encoder.encode_basestring
#: How it writes the constants.
_CONSTANTS: dict[Any, str] = {None: "null", True: "true", False: "false"}


def literal(value: Any) -> str:
    """A value as a JSON literal on one line: ``"6"``, ``12``, ``null``, ``["fr-FR"]``."""
    kind = type(value)
    # The usual values are written as the encoder writes them, without its generic path.
    if kind is str:
        return clean(_ENCODE_TEXT(value))
    if value is None or kind is bool:
        return _CONSTANTS[value]
    if kind is int:
        return int.__repr__(value)
    return clean(_ENCODE(json_value(value)))


def desired_text(field: FieldChange) -> str:
    """The value the configuration asks for (``after``), or ``(sensitive)``.

    A value read through ``${env:…}`` shows as written, with its variables' names:
    ``"https://hooks.example/cb?k=${env:HOOK_KEY}"``.
    """
    if field.sensitive:
        return SENSITIVE if field.template is None else literal(field.template)
    return literal(field.after)


def live_text(field: FieldChange) -> str:
    """The live value (``before``), or ``(sensitive)``."""
    return SENSITIVE if field.sensitive else literal(field.before)


def clean(text: str) -> str:
    """Escape what a terminal would act on or hide: control, format and separator characters.

    A report shows values on one line each, so unlike a message it keeps no line break.
    """
    return printable(text, keep=" ")


def not_compared(items: tuple[NotCompared, ...]) -> tuple[str, list[NotCompared], int]:
    """The heading of the fields left out of a comparison, those to name, and how many more."""
    summary = not_compared_summary(items)
    heading = f"{summary[:1].upper()}{summary[1:]}:"
    shown = list(items[:NOT_COMPARED_SHOWN])
    return heading, shown, len(items) - len(shown)
