"""The diff: desired state against live state, one pure function.

``make_plan`` does no I/O and depends only on its arguments, so the same inputs always give the
same plan, in the same order (by address, like Terraform's). Only the fields the YAML mentions
are compared, each through its kind's normaliser on both sides, so that ``"6"`` equals ``6``
and a language list compares as a set. The project's ignore rules
(:mod:`reconciler.ignoring`) leave out live objects and fields that something else manages,
and the plan counts what they left out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from reconciler.errors import ReconcilerError
from reconciler.ignoring import NO_RULES, IgnoreRules
from reconciler.model import (
    Action,
    Change,
    DesiredObject,
    DesiredState,
    FieldChange,
    Ignored,
    LiveObject,
    LiveRef,
    Plan,
)
from reconciler.records import ResourceKind

__all__ = ["change_holds", "make_plan"]


def make_plan(
    desired: DesiredState,
    live: Mapping[str, Sequence[LiveObject]],
    kinds: Mapping[str, ResourceKind],
    *,
    targets: Collection[str] = (),
    ignore: IgnoreRules = NO_RULES,
) -> Plan:
    """Return the changes that make ``live`` match ``desired``.

    ``live`` maps a kind name to every live object of that kind. ``targets`` (addresses such as
    ``institute.pe``) narrows the plan to those objects; unmanaged objects are then not reported,
    since a targeted plan says nothing about the rest. ``ignore`` leaves out live objects and
    fields that something else manages.
    """
    changes: list[Change] = []
    unmanaged: list[LiveRef] = []
    ignored_objects = ignored_fields = 0
    for kind_name in sorted(kinds):
        kind = kinds[kind_name]
        by_identity = _index(kind_name, live.get(kind_name, ()))
        declared = set()
        for obj in desired.of_kind(kind_name):
            declared.add(obj.identity)
            if ignore.ignores_object(obj.address):
                # Refused at validate; kept out here too, so that no caller can change it.
                ignored_objects += obj.identity in by_identity
                continue
            skip = ignore.ignored_fields(obj.address)
            change, skipped = _change_for(kind, obj, by_identity.get(obj.identity), skip)
            ignored_fields += skipped
            if change is not None:
                changes.append(change)
        for identity, current in by_identity.items():
            if identity in declared:
                continue
            if ignore.ignores_object(current.address):
                ignored_objects += 1
            else:
                unmanaged.append(LiveRef(kind_name, identity, current.ref))
    if targets:
        wanted = set(targets)
        changes = [c for c in changes if c.address in wanted]
        unmanaged = []
    live_count = sum(len(objects) for objects in live.values())
    return Plan(
        changes=tuple(sorted(changes, key=lambda c: (c.kind, c.identity))),
        unmanaged=tuple(sorted(unmanaged)),
        live_count=live_count,
        ignored=Ignored(objects=ignored_objects, fields=ignored_fields),
    )


def _index(kind: str, objects: Sequence[LiveObject]) -> dict[str, LiveObject]:
    out: dict[str, LiveObject] = {}
    for obj in objects:
        if obj.identity in out:
            raise ReconcilerError(
                f"{kind}.{obj.identity}: the provider returned two live objects with this"
                f" identity (refs {out[obj.identity].ref} and {obj.ref}); resolve it on the"
                " service before planning."
            )
        out[obj.identity] = obj
    return out


def _change_for(
    kind: ResourceKind, obj: DesiredObject, current: LiveObject | None, skip: frozenset[str]
) -> tuple[Change | None, int]:
    """The change ``obj`` needs, and how many differing fields ``skip`` (ignored) left out.

    Ignored fields are still written on create: only outside changes to them are let be.
    """
    if obj.absent:
        if current is None:
            return None, 0
        return Change(
            Action.DELETE,
            kind.name,
            obj.identity,
            location=obj.location,
            ref=current.ref,
            fingerprint=current.fingerprint,
        ), 0
    if current is None:
        fields = tuple(
            _field_change(kind, obj, name, None, obj.fields[name]) for name in sorted(obj.fields)
        )
        return Change(Action.CREATE, kind.name, obj.identity, fields, location=obj.location), 0
    differing_names = [
        name
        for name in sorted(obj.fields)
        if not _equal(kind, name, obj.fields[name], current.fields.get(name))
    ]
    differing = tuple(
        _field_change(kind, obj, name, current.fields.get(name), obj.fields[name])
        for name in differing_names
        if name not in skip
    )
    skipped = len(differing_names) - len(differing)
    if not differing:
        return None, skipped
    return Change(
        Action.UPDATE,
        kind.name,
        obj.identity,
        differing,
        location=obj.location,
        ref=current.ref,
        fingerprint=current.fingerprint,
    ), skipped


def _field_change(
    kind: ResourceKind, obj: DesiredObject, name: str, before: Any, after: Any
) -> FieldChange:
    return FieldChange(
        name=name,
        before=before,
        after=after,
        location=obj.locations.get(name),
        sensitive=name in obj.sensitive or name in kind.write_only,
    )


def _equal(kind: ResourceKind, name: str, desired: Any, actual: Any) -> bool:
    try:
        return bool(kind.normalize(name, desired) == kind.normalize(name, actual))
    except (TypeError, ValueError):
        # A live value the normaliser cannot read (a shape the service used to send) is simply
        # different: the plan then shows it and apply writes the desired value over it.
        return bool(desired == actual)


def change_holds(kind: ResourceKind, change: Change, live: LiveObject | None) -> bool:
    """Whether ``live`` (the object read back, None if absent) shows ``change`` made.

    Write-only fields cannot be read back: a change made of nothing else cannot be confirmed.
    """
    if change.action is Action.DELETE:
        return live is None
    if live is None:
        return False
    readable = [f for f in change.fields if f.name not in kind.write_only]
    if change.action is Action.UPDATE and not readable:
        return False
    return all(_equal(kind, f.name, f.after, live.fields.get(f.name)) for f in readable)
