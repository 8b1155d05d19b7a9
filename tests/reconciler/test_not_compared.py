"""Fields the plan cannot compare: an unset variable, or no live value to compare with."""

from __future__ import annotations

from typing import Any

from reconciler import DesiredObject, DesiredState, LiveObject, Location, ResourceKind
from reconciler.engine.drift import make_drift
from reconciler.engine.envneeds import unsendable
from reconciler.engine.planning import make_plan
from reconciler.model import NotCompared, Unset

WHERE = Location("w.yaml", 4, 5)


def _desired(identity: str, **fields: Any) -> DesiredObject:
    return DesiredObject(
        "widget",
        identity,
        fields,
        Location("w.yaml", 2, 3),
        dict.fromkeys(fields, WHERE),
        frozenset({"secret", *(k for k, v in fields.items() if type(v) is Unset)}),
        templates={"secret": "${env:W_SECRET}"},
    )


def test_an_unset_value_is_not_compared_and_makes_no_change(widget_kind: ResourceKind) -> None:
    obj = _desired("a", name="A", secret=Unset(("W_SECRET",)))
    live = LiveObject("widget", "a", "1", {"name": "A", "secret": "old"}, "fp")
    plan = make_plan(DesiredState((obj,)), {"widget": [live]}, {"widget": widget_kind})
    assert plan.empty
    assert plan.not_compared == (
        NotCompared("widget.a", "secret", "W_SECRET is not set", WHERE, False, ("W_SECRET",)),
    )
    assert str(plan.not_compared[0]) == "widget.a.secret: not compared: W_SECRET is not set"
    assert plan.summary() == "Plan: 0 to create, 0 to update, 0 to delete; 1 field not compared."
    report = make_drift(DesiredState((obj,)), {"widget": [live]}, {"widget": widget_kind})
    assert report.empty
    assert report.not_compared == plan.not_compared


def test_a_create_needs_the_value_and_apply_says_so(widget_kind: ResourceKind) -> None:
    obj = _desired("new", name="N", secret=Unset(("W_SECRET",)))
    plan = make_plan(DesiredState((obj,)), {"widget": []}, {"widget": widget_kind})
    (change,) = plan.changes
    assert {f.name: f.template for f in change.fields} == {
        "name": None,
        "secret": "${env:W_SECRET}",
    }
    assert plan.not_compared[0].needed
    assert (
        plan.summary() == "Plan: 1 to create, 0 to update, 0 to delete; 1 value to read at apply."
    )
    assert unsendable(plan) == ["  widget.new.secret (w.yaml:4:5): W_SECRET is not set"]


def test_a_sensitive_field_the_live_state_lacks_is_not_compared(widget_kind: ResourceKind) -> None:
    # A snapshot holds no write-only value: comparing would always show a change.
    obj = _desired("a", name="A", secret="value")
    live = LiveObject("widget", "a", "1", {"name": "A"}, "fp")
    plan = make_plan(DesiredState((obj,)), {"widget": [live]}, {"widget": widget_kind})
    assert plan.empty
    (note,) = plan.not_compared
    assert note.reason.startswith("the live state read holds no value for it")
    # The live service returns it: compared as before.
    read = LiveObject("widget", "a", "1", {"name": "A", "secret": "other"}, "fp")
    changed = make_plan(DesiredState((obj,)), {"widget": [read]}, {"widget": widget_kind})
    assert [f.name for f in changed.changes[0].fields] == ["secret"]
    assert changed.not_compared == ()
