"""What a saved plan keeps of the safety guards: the one-shot overrides and the protect base.

``plan --out`` records the overrides it was given (``--allow-delete=ADDRESS``,
``--max-change-share``, ``--force-changes``) and the ``[safety] protect`` list of the git merge
base it compared with (:mod:`reconciler.protectbase`), so that ``apply FILE`` judges the plan
exactly as ``plan`` did, without being given them again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from reconciler.guards import Overrides, ProtectBase

__all__ = ["GUARDS_SCHEMA", "guards_document", "guards_from_document"]


def guards_document(overrides: Overrides, base: ProtectBase | None) -> dict[str, Any]:
    return {
        "allow_delete": sorted(overrides.delete),
        "max_change_share": overrides.max_change_share,
        "force_changes": overrides.force_changes,
        "protect_base": None
        if base is None
        else {"where": base.where, "protect": list(base.protect)},
    }


def guards_from_document(
    doc: Mapping[str, Any] | None, allow_delete: bool
) -> tuple[Overrides, ProtectBase | None]:
    """The overrides and base of a saved plan's ``guards`` (absent before format 1.1)."""
    guards = doc or {}
    base = guards.get("protect_base")
    overrides = Overrides(
        allow_delete=allow_delete,
        delete=frozenset(guards.get("allow_delete", ())),
        max_change_share=guards.get("max_change_share"),
        force_changes=guards.get("force_changes"),
    )
    return overrides, None if base is None else ProtectBase(base["where"], tuple(base["protect"]))


#: The one-shot guard overrides the plan was made with, and what ``[safety] protect`` said
#: before the change: ``apply FILE`` judges the plan with them (since format 1.1).
GUARDS_SCHEMA: Final[dict[str, Any]] = {
    "description": (
        "The guard overrides given to `plan --out` (applied again by `apply FILE`), and the"
        " [safety] protect list at the git merge base the plan was compared with (since"
        " format 1.1)."
    ),
    "type": "object",
    "required": ["allow_delete", "max_change_share", "force_changes", "protect_base"],
    "properties": {
        "allow_delete": {
            "description": "The addresses --allow-delete=ADDRESS named.",
            "type": "array",
            "items": {"type": "string"},
        },
        "max_change_share": {
            "description": "--max-change-share, or null.",
            "type": ["number", "null"],
        },
        "force_changes": {
            "description": "--force-changes, or null.",
            "type": ["integer", "null"],
            "minimum": 0,
        },
        "protect_base": {
            "description": "Where the earlier protect list was read, and the list; or null.",
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["where", "protect"],
                    "properties": {
                        "where": {"type": "string"},
                        "protect": {"type": "array", "items": {"type": "string"}},
                    },
                },
            ],
        },
    },
}
