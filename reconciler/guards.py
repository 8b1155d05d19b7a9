"""The built-in safety guards, checked before a plan may be applied.

Deletes happen only when the user allows them, and a plan that touches a larger share of the
live objects than the project allows is refused: a config directory checked out half-way, or a
wrong ``--target``, must not empty a tenant. Each refusal carries the numbers.
"""

from __future__ import annotations

from reconciler.model import Action, Plan
from reconciler.records import Refusal

__all__ = ["check_safety"]


def check_safety(
    plan: Plan, *, allow_delete: bool, max_change_share: float | None
) -> list[Refusal]:
    """Return the reasons not to apply ``plan`` (an empty list when it is safe)."""
    refusals: list[Refusal] = []
    deletes = [c.address for c in plan.changes if c.action is Action.DELETE]
    if deletes and not allow_delete:
        shown = ", ".join(deletes[:10]) + (
            f" and {len(deletes) - 10} more" if len(deletes) > 10 else ""
        )
        refusals.append(
            Refusal(
                f"the plan deletes {len(deletes)} object(s) ({shown}); deletes are off by"
                " default: pass --allow-delete, or set allow_delete = true in the [safety] table of"
                " reconciler.toml",
                plugin="safety",
            )
        )
    if max_change_share is not None and plan.live_count:
        touched = plan.count(Action.UPDATE) + plan.count(Action.DELETE)
        share = touched / plan.live_count
        if share > max_change_share:
            refusals.append(
                Refusal(
                    f"the plan changes {touched} of {plan.live_count} live objects"
                    f" ({share:.0%}), more than max_change_share = {max_change_share:.0%};"
                    " check the configuration, or raise the limit in the [safety] table of"
                    " reconciler.toml",
                    plugin="safety",
                )
            )
    return refusals
