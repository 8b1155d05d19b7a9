"""What plan and drift documents say about their making: the basis and the fields not compared.

Shared by :mod:`reconciler.documents.plan` and :mod:`reconciler.documents.drift`, so that both JSON
documents say it alike: ``against`` (what the plan or report was made against: the live
service or a snapshot of it, the tenant's address, and the local plugins that were not
loaded) and ``not_compared`` (declared fields left out of the comparison, with the reason).
"""

from __future__ import annotations

from typing import Any, Final

from reconciler.model import Basis, Location, NotCompared

__all__ = [
    "BASIS_SCHEMA",
    "NOT_COMPARED_SCHEMA",
    "basis_document",
    "location_document",
    "not_compared_document",
]


def basis_document(basis: Basis | None) -> dict[str, Any] | None:
    """``basis`` as the documents write it, or ``None`` when it is not known."""
    if basis is None:
        return None
    return {
        "source": basis.source,
        "tenants": list(basis.tenants),
        "taken_at": basis.taken_at or None,
        "skipped_local_plugins": list(basis.skipped_plugins),
        "description": " ".join(basis.lines()),
    }


def location_document(location: Location | None) -> dict[str, Any] | None:
    """A location as documents write it: ``{file, line, column}``, or ``None``."""
    if location is None:
        return None
    return {"file": location.file, "line": location.line, "column": location.column}


def not_compared_document(items: tuple[NotCompared, ...]) -> list[dict[str, Any]]:
    return [
        {
            "address": item.address,
            "field": item.field,
            "reason": item.reason,
            "needed_by_apply": item.needed,
            "location": location_document(item.location),
        }
        for item in items
    ]


BASIS_SCHEMA: Final[dict[str, Any]] = {
    "description": (
        "What this was made against (since format 1.2): the live service, or a snapshot of it."
        " Null when not known."
    ),
    "type": ["object", "null"],
    "required": ["source", "tenants", "taken_at", "skipped_local_plugins", "description"],
    "properties": {
        "source": {"description": "`live` or `snapshot`.", "enum": ["live", "snapshot"]},
        "tenants": {
            "description": "Each provider's tenant address (a base URL, never a credential).",
            "type": "array",
            "items": {"type": "string"},
        },
        "taken_at": {
            "description": "When the snapshot was taken (UTC); null for the live service.",
            "type": ["string", "null"],
        },
        "skipped_local_plugins": {
            "description": "Local plugins not loaded (`--no-local-plugins`): they did not run.",
            "type": "array",
            "items": {"type": "string"},
        },
        "description": {"description": "The same, as a sentence for people.", "type": "string"},
    },
}

NOT_COMPARED_SCHEMA: Final[dict[str, Any]] = {
    "description": (
        "Declared fields left out of the comparison (since format 1.2): a value read through"
        " ${env:NAME} whose variable is not set, or a sensitive field the live state holds no"
        " value for (a snapshot). `needed_by_apply`: a create must send it, so apply needs the"
        " variable."
    ),
    "type": "array",
    "items": {
        "type": "object",
        "required": ["address", "field", "reason", "needed_by_apply", "location"],
        "properties": {
            "address": {"description": "The object's address.", "type": "string"},
            "field": {"description": "The field's name.", "type": "string"},
            "reason": {"description": "Why it was not compared.", "type": "string"},
            "needed_by_apply": {
                "description": "True when a create must send it: apply needs the variable.",
                "type": "boolean",
            },
            "location": {
                "description": "Where the YAML sets the value.",
                "type": ["object", "null"],
            },
        },
    },
}
