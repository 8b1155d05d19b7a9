"""A policy: some e-mail settings stay on everywhere.

Refuses (exit 3, nothing written) any plan that turns off one of the protected e-mail
toggles of an institute. Which toggles are protected is a setting of the plugin, checked by
its schema at ``validate``::

    [plugins]
    local = ["keep_emails_on.py"]

    [plugins.keep_emails_on]
    fields = ["reminder_emails_enabled", "exam_link_emails_enabled"]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from reconciler import Plan, Refusal, ResourceKind, hookimpl

#: Protected when the settings name none.
DEFAULT_FIELDS = ("reminder_emails_enabled",)

_fields: list[str] = list(DEFAULT_FIELDS)


@hookimpl
def reconciler_settings_schema() -> Mapping[str, Any]:
    return {
        "type": "object",
        "properties": {
            "fields": {
                "description": "The boolean fields that may never be turned off.",
                "type": "array",
                "items": {"type": "string", "pattern": "_emails_enabled$"},
                "minItems": 1,
            }
        },
        "additionalProperties": False,
    }


@hookimpl
def reconciler_configure(settings: Mapping[str, Any], base_dir: Path) -> None:
    _fields[:] = settings.get("fields", DEFAULT_FIELDS)


@hookimpl
def reconciler_check_plan(plan: Plan, kinds: Mapping[str, ResourceKind]) -> Iterator[Refusal]:
    # No plugin= needed: the refusal is labelled with this plugin's name.
    for change in plan.changes:
        for field in change.fields:
            if field.name in _fields and field.after is False:
                yield Refusal(f"{field.name} stays on (policy)", address=change.address)
