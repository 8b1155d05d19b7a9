"""Request signing for the ProctorExam v3 API: the one place that says how a value is written.

Every request carries ``timestamp`` (milliseconds), ``nonce`` and ``signature``: the lower-case
hex HMAC-SHA256, keyed with the user's secret key, of every other parameter written as
``name=value``, sorted by name in code-point order and joined with ``?``.

The documentation does not say how a value that is not a string is written. :func:`render_value`
holds *our reading* of it: what a Rails server gets from Ruby's ``to_s`` on the parsed JSON value.
Lists are the least certain part; :data:`LIST_RENDERINGS` names the ways a list may be written,
and the ``list_rendering`` setting picks one (``reconciler doctor`` tells which one the live
service uses). When the live API disagrees on anything else, this module is the only thing to
change.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "LIST_RENDERINGS",
    "NONCE_DIGITS",
    "SIGNATURE",
    "new_nonce",
    "render_value",
    "sign",
    "signed_params",
    "string_to_sign",
    "timestamp_ms",
]

#: The parameter that carries the signature; it is the one parameter left out of the signature.
SIGNATURE = "signature"

#: How long a nonce is: 15 decimal digits leave a collision among a day's calls vanishingly
#: unlikely, and still fit in a JSON number that every parser reads exactly.
NONCE_DIGITS = 15

#: How a list may be written in the string to sign, the default first. Our reading, ``ruby``:
#: Ruby's ``Array#inspect``, ``["no-NO", "fr-FR"]``. The alternative, ``json``: compact JSON,
#: ``["no-NO","fr-FR"]``, what a server that re-serialises the parsed body would write.
LIST_RENDERINGS = ("ruby", "json")


def render_value(value: Any, *, lists: str = "ruby") -> str:
    """Write one parameter value as the server sees it when it checks the signature.

    Our reading, after Ruby's ``to_s`` on the parsed JSON: strings as they are; integers in
    decimal; ``true`` / ``false``; ``None`` as the empty string; a list, with ``lists="ruby"``,
    as Ruby's ``Array#inspect`` writes it (``["no-NO", "fr-FR"]``: items in double quotes,
    ``", "`` between them, ``nil`` for a null item), with ``lists="json"`` as compact JSON
    (``["no-NO","fr-FR"]``). Floats and nested objects are refused: Ruby writes floats
    differently from Python (``1.0e+20``) and the contract says to send no nested objects, so
    a signature for them would be a guess. Raises :class:`TypeError` for those.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    # bool before int: in Python, True is an int.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        items = [_inspect_item(item) for item in value]  # checks every item, either way
        if lists == "json":
            return json.dumps(list(value), ensure_ascii=False, separators=(",", ":"))
        if lists != "ruby":
            raise ValueError(f"unknown list rendering {lists!r}; choose one of {LIST_RENDERINGS}")
        return "[" + ", ".join(items) + "]"
    raise TypeError(
        f"cannot sign a parameter value of type {type(value).__name__}: only strings, integers,"
        " booleans, null and lists of those are sent to the ProctorExam API"
    )


def _inspect_item(item: Any) -> str:
    """One list item as Ruby's ``inspect`` writes it (strings quoted, ``"`` and ``\\`` escaped)."""
    if item is None:
        return "nil"
    if isinstance(item, str):
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in item):
            # Ruby escapes control characters in ways we have not checked; refuse, not guess.
            raise TypeError("cannot sign a list item holding control characters")
        return '"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(item, bool | int):
        return render_value(item)
    raise TypeError(
        f"cannot sign a list item of type {type(item).__name__}: lists hold strings, integers,"
        " booleans or null"
    )


def string_to_sign(params: Mapping[str, Any], *, lists: str = "ruby") -> str:
    """Every parameter but ``signature`` as ``name=value``, sorted by name, joined with ``?``.

    Python sorts strings by code point, which is the order the contract asks for (``Z`` before
    ``a``, ``a_b`` before ``ab``). ``lists`` is one of :data:`LIST_RENDERINGS`.
    """
    pairs = sorted(
        (name, render_value(value, lists=lists))
        for name, value in params.items()
        if name != SIGNATURE
    )
    return "?".join(f"{name}={value}" for name, value in pairs)


def sign(params: Mapping[str, Any], secret: str, *, lists: str = "ruby") -> str:
    """The lower-case hex HMAC-SHA256 of :func:`string_to_sign`, keyed with the UTF-8 secret."""
    message = string_to_sign(params, lists=lists).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def new_nonce() -> int:
    """A fresh nonce from the operating system's CSPRNG, exactly :data:`NONCE_DIGITS` digits.

    A nonce made from the clock repeats when two requests start in the same tick (concurrent
    pages, a quick retry); a random one does not.
    """
    low: int = 10 ** (NONCE_DIGITS - 1)
    high: int = 10**NONCE_DIGITS
    return low + secrets.randbelow(high - low)


def timestamp_ms() -> int:
    """The current time in milliseconds since the epoch, as the API expects."""
    return time.time_ns() // 1_000_000


def signed_params(
    params: Mapping[str, Any],
    secret: str,
    *,
    timestamp: int | None = None,
    nonce: int | None = None,
    lists: str = "ruby",
) -> dict[str, Any]:
    """``params`` plus a fresh ``timestamp``, ``nonce`` and the ``signature`` over all of them.

    Called once per attempt: a retried request is a new request and must never reuse a nonce.
    ``timestamp`` and ``nonce`` are parameters only so that tests can pin them.
    """
    out: dict[str, Any] = {name: value for name, value in params.items() if name != SIGNATURE}
    out["timestamp"] = timestamp_ms() if timestamp is None else timestamp
    out["nonce"] = new_nonce() if nonce is None else nonce
    out[SIGNATURE] = sign(out, secret, lists=lists)
    return out
