"""Safety guards: deletes only when allowed, bulk changes per kind, protected objects."""

from __future__ import annotations

from reconciler import Action, Change, FieldChange, Plan
from reconciler.settings.guards import Overrides, ProtectBase, check_safety
from reconciler.settings.safety import KindLimits, SafetySettings


def plan(*actions: Action, kind: str = "widget", live: int = 10) -> Plan:
    changes = tuple(Change(a, kind, f"w{i}", ref=str(i)) for i, a in enumerate(actions))
    return Plan(changes, live_count=live, live_counts={kind: live})


SAFE = SafetySettings()


def test_deletes_are_refused_unless_allowed() -> None:
    the_plan = plan(Action.DELETE, Action.UPDATE, Action.DELETE, live=100)
    (refusal,) = check_safety(the_plan, SAFE, the_plan.live_counts)
    assert "deletes 2 object(s) (widget.w0, widget.w2)" in refusal.message
    assert "--allow-delete" in refusal.message
    allowed = Overrides(allow_delete=True)
    assert check_safety(the_plan, SAFE, the_plan.live_counts, overrides=allowed) == []
    named = Overrides(delete=frozenset({"widget.w0", "widget.w2"}))
    assert check_safety(the_plan, SAFE, the_plan.live_counts, overrides=named) == []


def test_the_bulk_guard_is_on_by_default_and_counts_creates_updates_and_deletes() -> None:
    the_plan = plan(Action.CREATE, Action.UPDATE, Action.UPDATE, Action.DELETE, live=10)
    (refusal,) = check_safety(the_plan, SAFE, {"widget": 10}, overrides=Overrides(True))
    assert refusal.message.startswith(
        "the plan changes 4 of 10 live widget objects (40%: 1 to create, 2 to update, 1 to"
        " delete), more than [safety] max_change_share = 30% (the default) (checked from"
        " [safety] min_objects = 10 (the default) live objects on)"
    )
    assert "--max-change-share 1.0 or --force-changes 4" in refusal.message
    three = plan(Action.UPDATE, Action.UPDATE, Action.UPDATE, live=10)
    assert check_safety(three, SAFE, {"widget": 10}) == []


def test_a_small_kind_is_not_held_to_the_share() -> None:
    """Below min_objects live objects (the quick start's three institutes), only max_changes."""
    the_plan = plan(Action.CREATE, Action.UPDATE, Action.UPDATE, live=3)
    assert check_safety(the_plan, SAFE, {"widget": 3}) == []
    capped = SafetySettings(
        kinds={"widget": KindLimits(max_changes=2)}, written=frozenset({"widget.max_changes"})
    )
    (refusal,) = check_safety(the_plan, capped, {"widget": 3})
    assert "more than [safety.widget] max_changes = 2" in refusal.message


def test_each_kind_is_counted_against_its_own_live_objects() -> None:
    changes = (
        *(Change(Action.UPDATE, "institute", f"i{n}", ref=str(n)) for n in range(200)),
        Change(Action.UPDATE, "user", "u1", ref="u1"),
    )
    the_plan = Plan(changes, live_count=2200)
    counts = {"institute": 200, "user": 2000, "identity_provider": 7}
    (refusal,) = check_safety(the_plan, SAFE, counts)
    assert "200 of 200 live institute objects (100%" in refusal.message
    forced = Overrides(force_changes=201)
    assert check_safety(the_plan, SAFE, counts, overrides=forced) == []
    (short,) = check_safety(the_plan, SAFE, counts, overrides=Overrides(force_changes=150))
    assert "--force-changes 150 lets through a plan of at most 150" in short.message
    assert check_safety(the_plan, SAFE, counts, overrides=Overrides(max_change_share=1.0)) == []


def test_read_only_kinds_are_never_counted() -> None:
    the_plan = plan(*[Action.UPDATE] * 5, kind="idp", live=10)
    assert check_safety(the_plan, SAFE, {"idp": 10}, read_only={"idp"}) == []


def test_a_protected_object_needs_its_own_address_to_be_deleted() -> None:
    safety = SafetySettings(protect=("widget.w*",))
    the_plan = plan(Action.DELETE, live=100)
    every = Overrides(allow_delete=True)
    (refusal,) = check_safety(the_plan, safety, {"widget": 100}, overrides=every)
    assert refusal.address == "widget.w0"
    assert "pass --allow-delete=widget.w0" in refusal.message
    named = Overrides(delete=frozenset({"widget.w0"}))
    assert check_safety(the_plan, safety, {"widget": 100}, overrides=named) == []


def test_protect_fields_keep_a_protected_objects_fields() -> None:
    safety = SafetySettings(protect=("widget.w0",), protect_fields=frozenset({"name"}))
    changes = tuple(
        Change(Action.UPDATE, "widget", f"w{n}", (FieldChange("name", "a", "b"),), ref=str(n))
        for n in range(2)
    )
    (refusal,) = check_safety(Plan(changes), safety, {"widget": 100})
    assert refusal.address == "widget.w0"
    assert "updates name of widget.w0, a protected object" in refusal.message


def test_protection_removed_with_the_tombstone_is_refused_even_when_named() -> None:
    base = ProtectBase("the git merge base 1234 of HEAD and origin/main", ("widget.w0",))
    the_plan = plan(Action.DELETE, live=100)
    named = Overrides(delete=frozenset({"widget.w0"}))
    (refusal,) = check_safety(the_plan, SAFE, {"widget": 100}, overrides=named, base=base)
    assert "same change removes it from [safety] protect" in refusal.message
    assert "the git merge base 1234" in refusal.message


def test_a_share_of_one_lets_every_object_change_creates_beyond_the_live_count_included() -> None:
    the_plan = plan(*[Action.CREATE] * 30, *[Action.UPDATE] * 20, live=20)
    assert len(check_safety(the_plan, SAFE, {"widget": 20})) == 1
    whole = Overrides(max_change_share=1.0)
    assert check_safety(the_plan, SAFE, {"widget": 20}, overrides=whole) == []
    almost = Overrides(max_change_share=0.99)
    (refusal,) = check_safety(the_plan, SAFE, {"widget": 20}, overrides=almost)
    assert "50 of 20 live widget objects (250%" in refusal.message
    assert "more than --max-change-share = 99%" in refusal.message
