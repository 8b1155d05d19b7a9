"""The server side of request signing: rebuild the string to sign and check the HMAC.

This module deliberately shares no code with the client's signer: the two are independent
readings of the same recipe (section 2 of the API contract) and the tests hold both to fixed
vectors computed with ``openssl``. A request is signed over every parameter but ``signature``
(the path ``id`` included), each written ``name=value`` with the raw value, sorted by name in
code-point order and joined with ``?``; the signature is the lower-case hex HMAC-SHA256 of
that string keyed with the user's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["SIGNATURE_PARAM", "render_value", "sign", "string_to_sign", "verify"]

#: The one parameter that is not part of the string to sign.
SIGNATURE_PARAM = "signature"

_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


def render_value(value: Any, lists: str = "ruby") -> str:
    """Write one parameter value as the server reads it when it rebuilds the string to sign.

    Our reading of the contract (not documented): the server is a Rails application and takes
    Ruby's ``to_s`` of the parsed JSON value. Strings are used as they are, integers in
    decimal, booleans as ``true``/``false``, ``null`` as the empty string, and a list of
    strings as ``["no-NO", "fr-FR"]`` (double quotes, ``", "`` between items, which is also
    what ``json.dumps`` writes). Nested objects are refused: a client must not send them.
    ``lists="json"`` is the alternative reading, compact JSON: ``["no-NO","fr-FR"]``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        separators = (",", ":") if lists == "json" else (", ", ": ")
        return json.dumps(value, ensure_ascii=False, separators=separators)
    raise ValueError("only strings, numbers, booleans, null and lists of strings can be signed")


def string_to_sign(params: Mapping[str, Any], lists: str = "ruby") -> str:
    """Join every parameter but ``signature`` as ``name=value``, sorted by name, with ``?``."""
    pairs = sorted(
        (name, render_value(value, lists))
        for name, value in params.items()
        if name != SIGNATURE_PARAM
    )
    return "?".join(f"{name}={value}" for name, value in pairs)


def sign(secret: str, params: Mapping[str, Any], lists: str = "ruby") -> str:
    """The lower-case hex HMAC-SHA256 of :func:`string_to_sign`, keyed with ``secret``."""
    message = string_to_sign(params, lists).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(secret: str, params: Mapping[str, Any], signature: str, lists: str = "ruby") -> bool:
    """Whether ``signature`` signs ``params``; constant-time, so timing reveals nothing.

    Only lower-case hex is accepted, as documented; anything else (upper case, non-ASCII text,
    which ``compare_digest`` would refuse with a ``TypeError``) is simply a wrong signature.
    """
    if _HEX_DIGEST.fullmatch(signature) is None:
        return False
    return hmac.compare_digest(sign(secret, params, lists), signature)
