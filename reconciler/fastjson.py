"""JSON read fast: orjson where it is installed, the standard library's ``json`` as the reference.

`orjson <https://pypi.org/project/orjson/>`_ reads a page of the API's listing about three times
as fast as ``json`` (at 10,000 institutes, a tenth of a second of a plan). The two differ:

- orjson refuses ``NaN`` and ``Infinity``, lone surrogates and a UTF-8 byte order mark, which
  ``json`` reads: a text orjson refuses is read again by ``json``, which decides, so every
  error is ``json``'s own (its ``JSONDecodeError``, message and position);
- orjson reads an integer beyond 64 bits as a float, silently, where ``json`` keeps it exact:
  a text with a run of 19 digits or more anywhere (in a number or not) goes to ``json``.

A text therefore means the same with or without orjson. A test holds the two to the same value
on generated documents and on each of those differences.

Where orjson has no wheel for the platform, the import fails and ``json`` reads everything.
"""

from __future__ import annotations

import json
from typing import Any

try:  # pragma: no cover - which branch runs depends on the platform's wheels
    import orjson

    FAST = True
except ImportError:  # pragma: no cover
    FAST = False

__all__ = ["ENGINE", "FAST", "loads"]

#: What ``reconciler plugins`` says of JSON decoding on this platform.
ENGINE = "orjson (fast path), json as the reference" if FAST else "json only (no orjson wheel)"

#: 2**63 has 19 digits: a shorter run of digits is an integer orjson keeps exact. The run is
#: looked for with every digit made a 0, which is ten times quicker than a regular expression.
_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUN = b"0" * 19


def loads(data: bytes | str) -> Any:
    """The JSON value of ``data``, exactly as ``json.loads`` reads it, and its errors."""
    if not FAST:
        return json.loads(data)
    # A text is encoded once, for the digit check and for orjson (which would encode it again);
    # a lone surrogate, kept by "surrogatepass", is invalid UTF-8 to orjson, so json decides.
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _LONG_RUN not in raw.translate(_ZEROS):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # not necessarily invalid: json reads more than orjson does
    return json.loads(data)
