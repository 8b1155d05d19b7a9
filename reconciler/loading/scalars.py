"""What a YAML scalar means, by the YAML 1.2 core schema.

YAML 1.1 (PyYAML, and ruamel.yaml's defaults for old files) reads ``no``, ``on`` and ``yes`` as
booleans: the Norway problem, which turns the language tag ``no`` into ``False``. The core
schema of YAML 1.2 knows only ``true`` and ``false`` (in three spellings), so ``no-NO``, ``no``
and ``off`` stay strings. Quoted scalars are always strings; an explicit standard tag
(``!!str 6``, ``!!int "6"``) says what to read.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any, Final

__all__ = [
    "MAP_TAG",
    "MAYBE_NOT_TEXT",
    "SCALAR_TAGS",
    "SEQ_TAG",
    "TagError",
    "resolve_plain",
    "resolve_tagged",
]

_TAG = "tag:yaml.org,2002:"
MAP_TAG: Final = _TAG + "map"
SEQ_TAG: Final = _TAG + "seq"
#: The tags a config file may put on a scalar, as the short form people write. (``!!map``
#: and ``!!seq`` are allowed on collections; the parser checks those.)
SCALAR_TAGS: Final = ("!!str", "!!int", "!!float", "!!bool", "!!null")


class TagError(ValueError):
    """A tagged scalar whose text does not fit its tag, or a tag outside the core schema."""


_MISSING: Final = object()

#: Every plain scalar whose meaning is not a number, looked up before any regular expression.
_WORDS: Final[dict[str, Any]] = {
    "": None,
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
    ".inf": math.inf,
    ".Inf": math.inf,
    ".INF": math.inf,
    "+.inf": math.inf,
    "+.Inf": math.inf,
    "+.INF": math.inf,
    "-.inf": -math.inf,
    "-.Inf": -math.inf,
    "-.INF": -math.inf,
    ".nan": math.nan,
    ".NaN": math.nan,
    ".NAN": math.nan,
}

_DECIMAL = re.compile(r"[-+]?[0-9]+")
_OCTAL = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
#: A plain scalar can only be a number if it starts with one of these.
_NUMBER_START: Final = frozenset("0123456789+-.")


#: A plain scalar whose first character is none of these is its text, whatever follows: a
#: reader may skip :func:`resolve_plain` for it.
MAYBE_NOT_TEXT: Final = frozenset(word[0] for word in _WORDS if word) | _NUMBER_START


def resolve_plain(text: str) -> Any:
    """The value of an untagged plain scalar: null, a boolean, an int, a float or the text."""
    value = _WORDS.get(text, _MISSING)
    if value is not _MISSING:
        return value
    if text[0] not in _NUMBER_START:
        return text
    return _number(text, text)


#: Longer numbers are left as text: no field takes one, and converting a 5,000-digit number
#: fails in Python itself (its guard against slow conversions). The schema then refuses the
#: text at its line, where a traceback would otherwise be.
_MAX_DIGITS: Final = 100


def _number(text: str, otherwise: Any) -> Any:
    if len(text) > _MAX_DIGITS:
        return otherwise
    if _DECIMAL.fullmatch(text):
        return int(text, 10)
    if _OCTAL.fullmatch(text):
        return int(text[2:], 8)
    if _HEX.fullmatch(text):
        return int(text[2:], 16)
    if _FLOAT.fullmatch(text):
        return float(text)
    return otherwise


@functools.lru_cache(maxsize=1024)
def resolve_tagged(text: str, tag: str) -> Any:
    """The value of a scalar with an explicit tag; raises :class:`TagError` when it cannot be.

    Cached (a refusal is not, and is worded afresh): a file that tags its values tags the same
    few again and again, and the values are immutable.
    """
    if tag == "!" or tag == _TAG + "str":
        return text
    short = "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag
    if short not in SCALAR_TAGS:
        raise TagError(
            f"the tag {short} is not allowed on a scalar; use one of"
            f" {', '.join(SCALAR_TAGS)}, or none"
        )
    value = _WORDS.get(text, _MISSING)
    if value is _MISSING:
        value = _number(text, _MISSING) if text[:1] in _NUMBER_START else _MISSING
    wanted: tuple[type, ...] = {
        "!!int": (int,),
        "!!float": (float, int),
        "!!bool": (bool,),
        "!!null": (type(None),),
    }[short]
    if value is _MISSING or type(value) not in wanted:
        raise TagError(f"{text!r} is not a valid {short} (YAML 1.2 core schema)")
    return float(value) if short == "!!float" else value
