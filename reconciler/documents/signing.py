"""Signed saved plans: only a job that holds the key can make a plan that ``apply`` accepts.

The plan job of a pull request and the apply job after its merge pass the plan as a CI
artifact, and a pull request from a fork can run a workflow of its own that uploads one. When
``RECONCILER_PLAN_KEY`` is set (from a secret that only trusted runs receive), ``plan --out``
signs the file, and ``apply FILE`` refuses one that is unsigned or signed with another key.

The signature is an HMAC-SHA256 over the file's canonical bytes: the document without its
``signature`` member, as JSON with sorted keys, no spaces and UTF-8 text. It is kept in the
file as ``{"algorithm", "key_fingerprint", "value"}``. The fingerprint names the key in
messages (``key 3f9a…``) so that two keys can be told apart; it is an HMAC of a fixed text
under the key, so it says nothing about the key itself, and the key is never shown.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from reconciler.errors import ReconcilerError

__all__ = [
    "ALGORITHM",
    "KEY_VAR",
    "SIGNATURE_SCHEMA",
    "PlanSignatureError",
    "canonical_bytes",
    "check_signature",
    "key_fingerprint",
    "plan_key",
    "sign",
]

#: The environment variable that holds the signing key; empty counts as unset (a CI secret a
#: run does not receive is an empty string).
KEY_VAR: Final = "RECONCILER_PLAN_KEY"
ALGORITHM: Final = "HMAC-SHA256"
_FINGERPRINT_TEXT: Final = b"reconciler saved plan key fingerprint"
#: What a fingerprint looks like: a file's claim is quoted only when it does.
_FINGERPRINT: Final = re.compile(r"[0-9a-f]{16}")


class PlanSignatureError(ReconcilerError):
    """A saved plan is unsigned, or not signed with the key this run holds; nothing written."""

    exit_code = 3


def plan_key(environ: Mapping[str, str]) -> bytes | None:
    """The signing key ``environ`` holds, or None when it holds none."""
    key = environ.get(KEY_VAR, "")
    return key.encode("utf-8") if key else None


def key_fingerprint(key: bytes) -> str:
    """A short name for ``key`` that says nothing about it: 16 hex digits."""
    return hmac.new(key, _FINGERPRINT_TEXT, hashlib.sha256).hexdigest()[:16]


def canonical_bytes(doc: Mapping[str, Any]) -> bytes:
    """What the signature covers: ``doc`` without ``signature``, as canonical JSON."""
    body = {k: v for k, v in doc.items() if k != "signature"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")


def sign(doc: Mapping[str, Any], key: bytes) -> dict[str, Any]:
    """``doc`` with its ``signature`` member, computed as :func:`check_signature` checks it.

    The document is taken as it will read back (tuples become lists, keys text), so that the
    signature covers exactly what a reader sees.
    """
    body = json.loads(canonical_bytes(doc))
    value = hmac.new(key, canonical_bytes(body), hashlib.sha256).hexdigest()
    return {
        **doc,
        "signature": {
            "algorithm": ALGORITHM,
            "key_fingerprint": key_fingerprint(key),
            "value": value,
        },
    }


def check_signature(doc: Any, key: bytes, *, source: str) -> None:
    """Raise :class:`PlanSignatureError` unless ``doc`` is signed with ``key``."""
    ours = key_fingerprint(key)
    remedy = (
        f"Apply only a plan made by a trusted run with the same {KEY_VAR}: make the plan"
        " again on a branch of this repository."
    )
    signature = doc.get("signature") if isinstance(doc, Mapping) else None
    if signature is None:
        raise PlanSignatureError(
            f"{source} is not signed, and {KEY_VAR} (key {ours}) is set: a saved plan is"
            f" applied only when signed with that key. {remedy}"
        )
    if not isinstance(signature, Mapping):
        signature = {}  # not a signature: refused below as one of the wrong kind
    value = signature.get("value")
    algorithm = signature.get("algorithm")
    theirs = signature.get("key_fingerprint")
    if algorithm != ALGORITHM or not isinstance(value, str):
        raise PlanSignatureError(
            f"{source}: its signature is not an {ALGORITHM} signature; {KEY_VAR} (key {ours})"
            f" is set. {remedy}"
        )
    expected = hmac.new(key, canonical_bytes(doc), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, value):
        said = (
            f"it says it was signed with key {theirs}, "
            if isinstance(theirs, str) and theirs != ours and _FINGERPRINT.fullmatch(theirs)
            else ""
        )
        raise PlanSignatureError(
            f"{source}: the signature does not match the file: {said}this run holds key {ours}"
            f" ({KEY_VAR}); the file was changed after it was signed, or signed with another"
            f" key. {remedy}"
        )


#: The JSON Schema of a saved plan's ``signature`` member.
SIGNATURE_SCHEMA: Final[dict[str, Any]] = {
    "description": (
        f"Present when {KEY_VAR} was set at plan time: an {ALGORITHM} over the document"
        " without this member, as JSON with sorted keys, no whitespace, UTF-8. `apply` with"
        f" {KEY_VAR} set refuses a file without a matching one."
    ),
    "type": "object",
    "required": ["algorithm", "key_fingerprint", "value"],
    "properties": {
        "algorithm": {"description": "Always this value.", "const": ALGORITHM},
        "key_fingerprint": {
            "description": "Names the key (an HMAC of a fixed text under it), never the key.",
            "type": "string",
        },
        "value": {"description": "The signature, as hex.", "type": "string"},
    },
}
