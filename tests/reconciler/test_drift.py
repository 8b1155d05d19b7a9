"""Drift is the plan seen from the other side: one category per object, pure and ordered."""

from __future__ import annotations

from typing import Any

from reconciler import (
    DesiredObject,
    DesiredState,
    DriftCategory,
    Ignored,
    LiveObject,
    Location,
    ResourceKind,
)
from reconciler.engine.drift import make_drift
from reconciler.settings.ignoring import FieldRule, IgnoreRules, ObjectRule


def desired(identity: str, absent: bool = False, **fields: Any) -> DesiredObject:
    locations = {name: Location("w.yaml", 10 + i, 5) for i, name in enumerate(sorted(fields))}
    return DesiredObject(
        kind="widget",
        identity=identity,
        fields=fields,
        location=Location("w.yaml", 9, 3),
        locations=locations,
        sensitive=frozenset(),
        absent=absent,
    )


def live(identity: str, ref: str = "1", **fields: Any) -> LiveObject:
    return LiveObject("widget", identity, ref, fields, fingerprint=f"fp-{ref}")


WANT = [
    desired("same", size=6),
    desired("changed", size=12, name="C", secret="s3cret"),
    desired("missing", name="M"),
    desired("gone", absent=True),
    desired("gone-already", absent=True),
]
HAVE = [
    live("same", "1", size="6"),
    live("changed", "2", size="6", name="C", secret="old"),
    live("gone", "3"),
    live("stray", "4", name="S"),
    live("legacy-a", "5"),
]


def drift_of(kind: ResourceKind, **kw: Any):  # type: ignore[no-untyped-def]
    return make_drift(DesiredState(tuple(WANT)), {"widget": HAVE}, {"widget": kind}, **kw)


def test_each_object_falls_in_one_category_ordered_by_category_then_address(
    widget_kind: ResourceKind,
) -> None:
    report = drift_of(widget_kind, generated_at="2026-01-01T00:00:00Z")
    assert [(o.category, o.address) for o in report.objects] == [
        (DriftCategory.CHANGED, "widget.changed"),
        (DriftCategory.MISSING, "widget.missing"),
        (DriftCategory.PRESENT, "widget.gone"),
        (DriftCategory.UNMANAGED, "widget.legacy-a"),
        (DriftCategory.UNMANAGED, "widget.stray"),
    ]
    assert report.summary() == "Drift: 1 changed, 1 missing, 1 present, 2 unmanaged."
    assert (report.declared, report.live_count) == (5, 5)
    assert report.generated_at == "2026-01-01T00:00:00Z"


def test_changed_fields_carry_desired_live_and_location(widget_kind: ResourceKind) -> None:
    changed = drift_of(widget_kind).of(DriftCategory.CHANGED)[0]
    fields = {f.name: f for f in changed.fields}
    assert set(fields) == {"size", "secret"}  # "6" equals 6 after normalising; name is equal
    assert (fields["size"].after, fields["size"].before) == (12, "6")
    assert str(fields["size"].location) == "w.yaml:12:5"
    # A write-only field counts as drift, and is marked so that no renderer shows it.
    assert fields["secret"].sensitive
    assert changed.ref == "2"
    assert str(changed.location) == "w.yaml:9:3"


def test_missing_carries_every_declared_field_and_unmanaged_only_its_ref(
    widget_kind: ResourceKind,
) -> None:
    report = drift_of(widget_kind)
    (missing,) = report.of(DriftCategory.MISSING)
    assert [f.name for f in missing.fields] == ["name"]
    assert missing.ref is None
    stray = report.of(DriftCategory.UNMANAGED)[1]
    assert (stray.fields, stray.location, stray.ref) == ((), None, "4")


def test_nothing_drifted_is_an_empty_report(widget_kind: ResourceKind) -> None:
    report = make_drift(
        DesiredState((desired("same", size=6),)),
        {"widget": [live("same", size="6")]},
        {"widget": widget_kind},
    )
    assert report.empty
    assert report.summary() == "Drift: 0 changed, 0 missing, 0 present, 0 unmanaged."


def test_ignore_rules_keep_objects_and_fields_out_and_count_them(
    widget_kind: ResourceKind,
) -> None:
    rules = IgnoreRules(
        objects=(ObjectRule("widget.legacy-*"),),
        fields=(FieldRule("widget.ch*", frozenset({"size"})),),
    )
    report = drift_of(widget_kind, ignore=rules)
    assert [o.address for o in report.of(DriftCategory.UNMANAGED)] == ["widget.stray"]
    (changed,) = report.of(DriftCategory.CHANGED)
    assert [f.name for f in changed.fields] == ["secret"]
    assert report.ignored == Ignored(objects=1, fields=1)
