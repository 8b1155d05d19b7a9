"""The diff: desired state against live state, one pure function.

``make_plan`` does no I/O and depends only on its arguments, so the same inputs always give the
same plan, in the same order: parents before children (by the level of their kind, see
:mod:`reconciler.dependencies`), then by address, like Terraform's. Only the fields the YAML
mentions are compared, each through its kind's normaliser on both sides, so that ``"6"``
equals ``6`` and a language list compares as a set.

A plan that cannot be applied is refused here, with every reason located at its line: a
reference to an object that is neither declared nor live, or a change to a create-only field
(which an update would send and the service would silently ignore). A create-only field that
is also write-only (a first password) is never read back, so it is sent on create and never
compared.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from reconciler.dependencies import check_references, kind_levels
from reconciler.errors import ConfigError, ReconcilerError
from reconciler.model import (
    Action,
    Change,
    DesiredObject,
    DesiredState,
    FieldChange,
    LiveObject,
    LiveRef,
    Plan,
)
from reconciler.records import Problem, ResourceKind

__all__ = ["make_plan"]


def make_plan(
    desired: DesiredState,
    live: Mapping[str, Sequence[LiveObject]],
    kinds: Mapping[str, ResourceKind],
    *,
    targets: Collection[str] = (),
) -> Plan:
    """Return the changes that make ``live`` match ``desired``.

    ``live`` maps a kind name to every live object of that kind. ``targets`` (addresses such as
    ``institute.pe``) narrows the plan to those objects; unmanaged objects are then not reported,
    since a targeted plan says nothing about the rest. Live objects of a kind the config does not
    declare (read only to resolve references) are not reported as unmanaged either.

    Raises :class:`~reconciler.errors.ConfigError` with every reason the plan cannot be applied.
    """
    changes: list[Change] = []
    unmanaged: list[LiveRef] = []
    problems: list[Problem] = check_references(desired, live, kinds)
    for kind_name in sorted(kinds):
        kind = kinds[kind_name]
        by_identity = _index(kind_name, live.get(kind_name, ()))
        objects = desired.of_kind(kind_name)
        declared = set()
        for obj in objects:
            declared.add(obj.identity)
            current = by_identity.get(obj.identity)
            if current is not None and not obj.absent:
                problems.extend(_create_only_problems(kind, obj, current))
            change = _change_for(kind, obj, current)
            if change is not None:
                changes.append(change)
        if kind_name not in desired.kinds and desired.kinds:
            continue  # read only to resolve references: not this config's to report
        unmanaged.extend(
            LiveRef(kind_name, identity, current.ref)
            for identity, current in by_identity.items()
            if identity not in declared
        )
    if targets:
        wanted = set(targets)
        changes = [c for c in changes if c.address in wanted]
        unmanaged = []
        problems = [p for p in problems if _concerns(p, desired, wanted)]
    if problems:
        raise ConfigError(sorted(problems, key=_problem_order))
    live_count = sum(len(objects) for objects in live.values())
    levels = kind_levels(kinds)
    return Plan(
        changes=tuple(sorted(changes, key=lambda c: (levels[c.kind], c.kind, c.identity))),
        unmanaged=tuple(sorted(unmanaged)),
        live_count=live_count,
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
    kind: ResourceKind, obj: DesiredObject, current: LiveObject | None
) -> Change | None:
    if obj.absent:
        if current is None:
            return None
        return Change(
            Action.DELETE,
            kind.name,
            obj.identity,
            location=obj.location,
            ref=current.ref,
            fingerprint=current.fingerprint,
        )
    if current is None:
        fields = tuple(
            _field_change(kind, obj, name, None, obj.fields[name]) for name in sorted(obj.fields)
        )
        return Change(Action.CREATE, kind.name, obj.identity, fields, location=obj.location)
    differing = tuple(
        _field_change(kind, obj, name, current.fields.get(name), obj.fields[name])
        for name in sorted(obj.fields)
        if name not in kind.create_only
        and not _equal(kind, name, obj.fields[name], current.fields.get(name))
    )
    if not differing:
        return None
    return Change(
        Action.UPDATE,
        kind.name,
        obj.identity,
        differing,
        location=obj.location,
        ref=current.ref,
        fingerprint=current.fingerprint,
    )


def _create_only_problems(
    kind: ResourceKind, obj: DesiredObject, current: LiveObject
) -> list[Problem]:
    """A create-only field that differs from the live object: the update would not take it."""
    problems: list[Problem] = []
    for name in sorted(kind.create_only):
        if name not in obj.fields or name in kind.write_only:
            continue
        before, after = current.fields.get(name), obj.fields[name]
        if _equal(kind, name, after, before):
            continue
        if name in obj.sensitive:
            shown = "differs from the live value"
        else:
            shown = f"is {after!r} here but {before!r} live"
        problems.append(
            Problem(
                f"{obj.address}.{name} {shown}, and {name} cannot be changed once a"
                f" {kind.name} exists (the service would ignore the update):"
                f" {kind.create_only[name]}",
                obj.locations.get(name, obj.location),
                kind.provider,
            )
        )
    return problems


def _concerns(problem: Problem, desired: DesiredState, targets: Collection[str]) -> bool:
    """Whether a problem is located on one of the targeted objects."""
    where = problem.location
    return any(
        o.address in targets
        and where is not None
        and where.file == o.location.file
        and (where == o.location or where in o.locations.values())
        for o in desired.objects
    )


def _problem_order(problem: Problem) -> tuple[str, int, int, str]:
    where = problem.location
    if where is None:
        return ("", 0, 0, problem.message)
    return (where.file, where.line, where.column, problem.message)


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
