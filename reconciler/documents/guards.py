"""What a saved plan keeps of the safety guards: the one-shot overrides and the protect base.

``plan --out`` records the overrides it was given (``--allow-delete=ADDRESS``,
``--max-change-share``, ``--force-changes``), for whoever reviews the file: ``apply FILE`` never
takes them from it, only from its own options (whoever can shape a plan artifact could
otherwise switch a guard off). It also records the ``[safety] protect`` list of the git merge
base it compared with (:mod:`reconciler.engine.protectbase`), which ``apply FILE`` compares with
when
the file's signature was checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from reconciler.settings.guards import Overrides, ProtectBase

__all__ = ["GUARDS_SCHEMA", "guards_document", "protect_base_from_document"]


def guards_document(overrides: Overrides, base: ProtectBase | None) -> dict[str, Any]:
    return {
        "allow_delete": sorted(overrides.delete),
        "max_change_share": overrides.max_change_share,
        "force_changes": overrides.force_changes,
        "protect_base": None
        if base is None
        else {"where": base.where, "protect": list(base.protect)},
    }


def protect_base_from_document(doc: Mapping[str, Any] | None) -> ProtectBase | None:
    """The protect base of a saved plan's ``guards`` (absent before format 1.1)."""
    base = (doc or {}).get("protect_base")
    return None if base is None else ProtectBase(base["where"], tuple(base["protect"]))


#: The one-shot guard overrides the plan was made with (for the review), and what ``[safety]
#: protect`` said before the change (since format 1.1).
GUARDS_SCHEMA: Final[dict[str, Any]] = {
    "description": (
        "The guard overrides given to `plan --out`, for the review: `apply FILE` takes its own,"
        " never these. And the [safety] protect list at the git merge base the plan was"
        " compared with, which `apply FILE` uses when the plan's signature was checked (since"
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
