"""Safety guards refuse deletes unless allowed, and plans that touch too much."""

from __future__ import annotations

from reconciler import Action, Change, Plan
from reconciler.guards import check_safety


def plan(*actions: Action, live_count: int = 10) -> Plan:
    changes = tuple(Change(a, "widget", f"w{i}", ref=str(i)) for i, a in enumerate(actions))
    return Plan(changes, live_count=live_count)


def test_deletes_are_refused_unless_allowed() -> None:
    the_plan = plan(Action.DELETE, Action.UPDATE, Action.DELETE)
    (refusal,) = check_safety(the_plan, allow_delete=False, max_change_share=None)
    assert "deletes 2 object(s) (widget.w0, widget.w2)" in refusal.message
    assert "--allow-delete" in refusal.message
    assert check_safety(the_plan, allow_delete=True, max_change_share=None) == []


def test_a_plan_touching_too_large_a_share_is_refused_with_numbers() -> None:
    the_plan = plan(*[Action.UPDATE] * 6, Action.CREATE, live_count=10)
    (refusal,) = check_safety(the_plan, allow_delete=False, max_change_share=0.5)
    assert "changes 6 of 10 live objects (60%)" in refusal.message
    assert check_safety(the_plan, allow_delete=False, max_change_share=0.6) == []
