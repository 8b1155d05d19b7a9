"""A reporter: ``reconciler plan PATH --format csv``, one row per field to change.

For a spreadsheet or a change-review tool. Columns: address, action, field, before, after,
and where the YAML asked for the value. Sensitive values (write-only fields, values read
from the environment) are written as ``(sensitive)``, as every built-in format does.
Installed as a local plugin::

    [plugins]
    local = ["csv_report.py"]
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from reconciler import SENSITIVE, Plan, Refusal, RenderOptions, Reporter, hookimpl

COLUMNS = ("address", "action", "field", "before", "after", "location")


@hookimpl
def reconciler_reporters() -> Sequence[Reporter]:
    return [Reporter(name="csv", render_plan=render_csv, description="one row per field")]


def render_csv(plan: Plan, refusals: Sequence[Refusal], options: RenderOptions) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for change in plan.changes:
        if not change.fields:  # a delete: one row for the object
            writer.writerow([change.address, change.action.value, "", "", "", change.location])
        for field in change.fields:
            before, after = (
                (SENSITIVE, SENSITIVE)
                if field.sensitive
                else (_cell(field.before), _cell(field.after))
            )
            writer.writerow(
                [change.address, change.action.value, field.name, before, after, field.location]
            )
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    # Sets (normalised language lists) are written sorted, so that the output is stable.
    if isinstance(value, set | frozenset):
        value = sorted(value)
    return json.dumps(value)
