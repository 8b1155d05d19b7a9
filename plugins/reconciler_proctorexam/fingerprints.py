"""The fingerprint of an API object that carries no ``updated_at``: a hash of its content.

``sha256:`` and the SHA-256 of the object's canonical JSON (keys sorted, no spaces, any
value JSON cannot write as its text): the same object always hashes alike, and any change to a
field changes it. Institutes use it when the service sends no ``updated_at``; users and
identity providers always.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["content_fingerprint"]

#: ``json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)``, made once:
#: ``dumps`` with options makes an encoder per call, and a listing fingerprints thousands.
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def content_fingerprint(fields: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of ``fields``' canonical JSON."""
    import hashlib  # here: most commands never hash an object, and hashlib loads OpenSSL

    return "sha256:" + hashlib.sha256(_canonical(fields).encode("utf-8")).hexdigest()
