"""The ``github`` format: the text plan, plus one annotation per change for GitHub Actions.

In a workflow, ``reconciler plan config/ --format github`` prints the plan as the ``text``
format does, followed by one ``::notice`` workflow command per changed field, placed at the
YAML line that asked for it, so that the pull request's diff shows what each line will do.
(On an invalid configuration, ``plan --format github`` prints ``::error`` commands instead, as
``validate --format github`` does.) A refused plan adds one ``::error`` per refusal. Sensitive
values show as ``(sensitive)`` here as everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler import Plan, Refusal, RenderOptions, workflow_command
from reconciler_reports.text import field_literals, render_text

__all__ = ["render_github"]


def render_github(plan: Plan, refusals: Sequence[Refusal], options: RenderOptions) -> str:
    """The uncoloured text plan, a notice per field change (or delete), an error per refusal."""
    plain = RenderOptions(color=False, width=options.width, full_report=options.full_report)
    lines = [render_text(plan, refusals, plain).rstrip("\n")]
    for change in plan.changes:
        symbol = change.action.symbol
        if not change.fields:
            lines.append(
                workflow_command(
                    "notice", f"{symbol} {change.address}", change.location, title=change.address
                )
            )
        for field in change.fields:
            values = "".join(text for text, _ in field_literals(change.action, field))
            lines.append(
                workflow_command(
                    "notice",
                    f"{symbol} {field.name}: {values}",
                    field.location or change.location,
                    title=change.address,
                )
            )
    if plan.targeting is not None:
        summary = plan.targeting.summary()
        lines.append(workflow_command("warning", summary, None, title="partial plan"))
    for refusal in refusals:
        who = f" [{refusal.plugin}]" if refusal.plugin else ""
        title = refusal.address or "plan refused"
        lines.append(workflow_command("error", refusal.message + who, None, title=title))
    return "\n".join(lines) + "\n"
