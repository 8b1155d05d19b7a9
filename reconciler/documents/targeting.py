"""A partial plan's targeting (``--target``, ``--exclude``) in the plan document.

Since plan format 1.2 the document says whether the plan is partial and what it was narrowed
to, so that every reader (and ``apply FILE``) knows that it says nothing about the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from reconciler.model import Targeting

__all__ = ["TARGETING_SCHEMA", "targeting_document", "targeting_from"]


def targeting_document(targeting: Targeting | None) -> dict[str, Any] | None:
    if targeting is None:
        return None
    return {
        "targets": list(targeting.targets),
        "excludes": list(targeting.excludes),
        "pulled_in": list(targeting.pulled_in),
        "summary": targeting.summary(),
    }


def targeting_from(doc: Mapping[str, Any] | None) -> Targeting | None:
    if doc is None:
        return None
    return Targeting(tuple(doc["targets"]), tuple(doc["excludes"]), tuple(doc["pulled_in"]))


#: The schema of the plan document's ``targeting`` property.
TARGETING_SCHEMA: Final[dict[str, Any]] = {
    "description": "What a partial plan was narrowed to, or null (since format 1.2).",
    "anyOf": [
        {"type": "null"},
        {
            "type": "object",
            "required": ["targets", "excludes", "pulled_in", "summary"],
            "properties": {
                "targets": {
                    "description": "The --target patterns, as given.",
                    "type": "array",
                    "items": {"type": "string"},
                },
                "excludes": {
                    "description": "The --exclude patterns, as given.",
                    "type": "array",
                    "items": {"type": "string"},
                },
                "pulled_in": {
                    "description": (
                        "Addresses no pattern selected, planned because a selected"
                        " object needs them created first."
                    ),
                    "type": "array",
                    "items": {"type": "string"},
                },
                "summary": {
                    "description": "The sentence every format prints.",
                    "type": "string",
                },
            },
        },
    ],
}
