"""A notifier: posts a JSON message to a webhook after every apply, plan and drift run.

After an apply (``reconciler_after_apply``) it says how the apply ended: nothing to do,
refused, applied, partly failed or failed, with the counts. After every ``plan`` and ``drift``
run (``reconciler_after_report``) it sends a heartbeat, so that a silent scheduled job shows
up as a missing heartbeat. The webhook's address is a setting, checked by the schema below::

    [plugins]
    local = ["webhook_notifier.py"]

    [plugins.webhook_notifier]
    url = "https://chat.example.com/hooks/reconciler"
    timeout = 5

A webhook that is down never fails the run: the failure is logged as a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from reconciler import ApplyResult, DriftReport, Outcome, Plan, Refusal, hookimpl

log = logging.getLogger(__name__)

_settings: dict[str, Any] = {}


@hookimpl
def reconciler_settings_schema() -> Mapping[str, Any]:
    return {
        "type": "object",
        "properties": {
            "url": {"type": "string", "pattern": "^https?://"},
            "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 60},
        },
        "required": ["url"],
        "additionalProperties": False,
    }


@hookimpl
def reconciler_configure(settings: Mapping[str, Any], base_dir: Path) -> None:
    _settings.clear()
    _settings.update(settings)


@hookimpl
def reconciler_after_apply(result: ApplyResult) -> None:
    _post(
        {
            "event": "apply",
            "status": result.status.value,
            "applied": result.count(Outcome.APPLIED),
            "failed": result.count(Outcome.FAILED),
            # Answered with success, but the service kept another value: never "applied".
            "not_taken": result.count(Outcome.NOT_TAKEN),
            "refusals": [str(refusal) for refusal in result.refusals],
        }
    )


@hookimpl
def reconciler_after_report(report: Plan | DriftReport, refusals: Sequence[Refusal]) -> None:
    pending = len(report.changes) if isinstance(report, Plan) else len(report.objects)
    kind = "plan" if isinstance(report, Plan) else "drift"
    _post({"event": "heartbeat", "report": kind, "pending": pending, "refused": len(refusals)})


def _post(message: Mapping[str, Any]) -> None:
    url = _settings.get("url")
    if not url:
        return  # not configured for this project
    try:
        httpx.post(url, json=dict(message), timeout=_settings.get("timeout", 5)).raise_for_status()
    except httpx.HTTPError as exc:
        log.warning("webhook_notifier: could not notify %s: %s", url, exc)
