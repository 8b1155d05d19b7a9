"""Look-alike short_names: ``p\u0435`` (a Cyrillic e) beside ``pe`` is a trap, not a choice.

:func:`skeleton` maps a name to a form in which look-alikes collide: compatibility forms folded
(NFKC), case folded, and the Cyrillic and Greek letters that are drawn like Latin ones replaced
by those. A small table in the spirit of Unicode's confusables list (UTS #39), limited to the
scripts a short_name is likely to mix.
"""

from __future__ import annotations

import unicodedata

__all__ = ["skeleton"]

#: Cyrillic letters drawn like Latin ones
_CYRILLIC_FROM = (
    "\u0430\u0432\u0435\u0451\u043a\u043c\u043d\u043e"
    "\u0440\u0441\u0442\u0443\u0445\u0456\u0457\u0458"
    "\u0455\u0501\u051b\u051d\u04cf\u04bb\u0261"
)
_CYRILLIC_TO = "abeekmhopctyxiijsdqwlhg"

#: Greek letters drawn like Latin ones
_GREEK_FROM = (
    "\u03b1\u03b2\u03b5\u03b7\u03b9\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7\u03b3\u03b6\u03bc"
)
_GREEK_TO = "abenikvoptuxyzu"

#: Digits and Latin shapes that pass for other letters
_DIGITS_FROM = "01\u0131\u0142"
_DIGITS_TO = "olil"

_LOOK_ALIKES = str.maketrans(
    _CYRILLIC_FROM + _GREEK_FROM + _DIGITS_FROM, _CYRILLIC_TO + _GREEK_TO + _DIGITS_TO
)


def skeleton(name: str) -> str:
    """The form of ``name`` in which look-alike names are equal."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return folded.translate(_LOOK_ALIKES).replace("rn", "m")
