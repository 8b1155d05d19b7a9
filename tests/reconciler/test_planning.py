"""The diff is pure: only managed fields, through normalisers, in a deterministic order."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from reconciler import (
    Action,
    DesiredObject,
    DesiredState,
    LiveObject,
    LiveRef,
    Location,
    ReconcilerError,
    ResourceKind,
)
from reconciler.engine.planning import make_plan


def desired(
    identity: str, absent: bool = False, sensitive: frozenset[str] = frozenset(), **fields: Any
) -> DesiredObject:
    locations = {name: Location("w.yaml", 10 + i, 5) for i, name in enumerate(sorted(fields))}
    return DesiredObject(
        kind="widget",
        identity=identity,
        fields=fields,
        location=Location("w.yaml", 9, 3),
        locations=locations,
        sensitive=sensitive,
        absent=absent,
    )


def live(identity: str, ref: str = "1", **fields: Any) -> LiveObject:
    return LiveObject("widget", identity, ref, fields, fingerprint=f"fp-{ref}")


def plan_of(kind: ResourceKind, want: list[DesiredObject], have: list[LiveObject], **kw: Any):  # type: ignore[no-untyped-def]
    return make_plan(DesiredState(tuple(want)), {"widget": have}, {"widget": kind}, **kw)


def test_equal_after_normalising_is_no_change(widget_kind: ResourceKind) -> None:
    plan = plan_of(
        widget_kind,
        [desired("a", size=6, tags=["x", "y"], enabled=True)],
        [live("a", size="6", tags=["y", "x"], enabled=True, name="unmanaged differs")],
    )
    assert plan.empty
    assert plan.summary() == "Plan: 0 to create, 0 to update, 0 to delete."


def test_update_lists_only_differing_managed_fields(widget_kind: ResourceKind) -> None:
    plan = plan_of(
        widget_kind,
        [desired("a", enabled=False, size=12, name="A")],
        [live("a", ref="7", enabled=True, size="6", name="A", tags=["z"])],
    )
    (change,) = plan.changes
    assert change.action is Action.UPDATE
    assert (change.ref, change.fingerprint) == ("7", "fp-7")
    assert [(f.name, f.before, f.after) for f in change.fields] == [
        ("enabled", True, False),
        ("size", "6", 12),
    ]
    assert change.fields[0].location == Location("w.yaml", 10, 5)
    assert change.values() == {"enabled": False, "size": 12}


def test_create_carries_every_managed_field(widget_kind: ResourceKind) -> None:
    plan = plan_of(widget_kind, [desired("new", name="N", tags=["b", "a"])], [])
    (change,) = plan.changes
    assert change.action is Action.CREATE
    assert change.ref is None
    assert [(f.name, f.before, f.after) for f in change.fields] == [
        ("name", None, "N"),
        ("tags", None, ["b", "a"]),
    ]
    assert plan.summary() == "Plan: 1 to create, 0 to update, 0 to delete."


def test_tombstones_delete_only_what_exists(widget_kind: ResourceKind) -> None:
    plan = plan_of(
        widget_kind,
        [desired("gone", absent=True), desired("never", absent=True)],
        [live("gone", ref="3")],
    )
    (change,) = plan.changes
    assert (change.action, change.identity, change.ref, change.fields) == (
        Action.DELETE,
        "gone",
        "3",
        (),
    )


def test_undeclared_live_objects_are_reported_not_touched(widget_kind: ResourceKind) -> None:
    plan = plan_of(
        widget_kind,
        [desired("a", name="A")],
        [live("zz", ref="9"), live("a", name="A"), live("b", ref="2")],
    )
    assert plan.empty
    assert plan.unmanaged == (LiveRef("widget", "b", "2"), LiveRef("widget", "zz", "9"))
    assert plan.live_count == 3


def test_same_inputs_in_any_order_give_the_same_plan(widget_kind: ResourceKind) -> None:
    want = [desired(f"w{i}", name=f"W{i}", enabled=bool(i % 2)) for i in range(30)]
    have = [live(f"w{i}", ref=str(i), name=f"W{i}", enabled=True) for i in range(0, 30, 2)]
    have += [live(f"extra{i}", ref=f"x{i}") for i in range(5)]
    first = plan_of(widget_kind, want, have)
    rng = random.Random(4)
    for _ in range(5):
        rng.shuffle(want)
        rng.shuffle(have)
        assert plan_of(widget_kind, want, have) == first
    assert [c.identity for c in first.changes] == sorted(c.identity for c in first.changes)


def test_targets_narrow_the_plan_and_drop_unmanaged(widget_kind: ResourceKind) -> None:
    plan = plan_of(
        widget_kind,
        [desired("a", name="A"), desired("b", name="B")],
        [live("other")],
        targets=["widget.b"],
    )
    assert [c.address for c in plan.changes] == ["widget.b"]
    assert plan.unmanaged == ()


def test_sensitive_fields_still_change_but_are_marked(widget_kind: ResourceKind) -> None:
    plan = plan_of(
        widget_kind,
        [desired("a", secret="new-key", name="from-env", sensitive=frozenset({"name"}))],
        [live("a", secret="old-key", name="x")],
    )
    (change,) = plan.changes
    assert {f.name: f.sensitive for f in change.fields} == {"name": True, "secret": True}
    assert "new-key" not in repr(change)
    assert "old-key" not in repr(change)
    assert "from-env" not in repr(plan)


def test_a_live_value_the_normaliser_cannot_read_is_a_change(widget_kind: ResourceKind) -> None:
    strict = dataclasses.replace(widget_kind, normalizers={"tags": frozenset})
    plan = plan_of(strict, [desired("a", tags=["x"])], [live("a", tags=5)])
    (change,) = plan.changes
    assert [(f.name, f.before, f.after) for f in change.fields] == [("tags", 5, ["x"])]


def test_two_live_objects_with_one_identity_is_an_error(widget_kind: ResourceKind) -> None:
    with pytest.raises(ReconcilerError, match=r"widget\.a: .*refs 1 and 2"):
        plan_of(widget_kind, [], [live("a", ref="1"), live("a", ref="2")])
