"""The diff: desired state against live state, one pure function.

``make_plan`` does no I/O and depends only on its arguments, so the same inputs always give the
same plan, in the same order: parents before children (by the level of their kind, see
:mod:`reconciler.engine.dependencies`), then by address, like Terraform's. Only the fields the YAML
mentions are compared, each through its kind's normaliser on both sides, so that ``"6"``
equals ``6`` and a language list compares as a set. The project's ignore rules
(:mod:`reconciler.settings.ignoring`) leave out live objects and fields that something else manages,
and the plan counts what they left out.

A plan that cannot be applied is refused here, with every reason located at its line: a
reference to an object that is neither declared nor live, or a change to a create-only field
(which an update would send and the service would silently ignore). A create-only field that
is also write-only (a first password) is never read back, so it is sent on create and never
compared.

Some declared fields cannot be compared, and the plan says so rather than guess
(:class:`~reconciler.model.NotCompared`): a value read through ``${env:…}`` whose variable
is not set in this run (the value is needed only when a change must send it: a create), and a
sensitive field that the live object holds no value for (a snapshot never holds a
write-only value, nor one the configuration reads from the environment).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final

from reconciler.engine.dependencies import check_references, kind_levels
from reconciler.engine.unreturned import unreturned_problems
from reconciler.errors import ConfigError, ReconcilerError
from reconciler.model import (
    Action,
    Change,
    DesiredObject,
    DesiredState,
    FieldChange,
    Ignored,
    LiveObject,
    LiveRef,
    NotCompared,
    Plan,
    Unset,
)
from reconciler.records import Problem, ResourceKind
from reconciler.settings.ignoring import NO_RULES, IgnoreRules

__all__ = ["change_holds", "equal_values", "make_plan", "shown_template"]

#: A value that is one environment reference and nothing else.
_WHOLE_REFERENCE: Final = re.compile(r"\$\{env:[A-Za-z_][A-Za-z0-9_]*\}")


def make_plan(
    desired: DesiredState,
    live: Mapping[str, Sequence[LiveObject]],
    kinds: Mapping[str, ResourceKind],
    *,
    targets: Collection[str] = (),
    ignore: IgnoreRules = NO_RULES,
    strict: bool = True,
) -> Plan:
    """Return the changes that make ``live`` match ``desired``.

    ``live`` maps a kind name to every live object of that kind. ``targets`` (addresses such as
    ``institute.pe``) narrows the plan to those objects; unmanaged objects are then not reported,
    since a targeted plan says nothing about the rest. Live objects of a kind the config does not
    declare (read only to resolve references) are not reported as unmanaged either. ``ignore``
    leaves out live objects and fields that something else manages.

    Raises :class:`~reconciler.errors.ConfigError` with every reason the plan cannot be applied.
    Without ``strict`` (a drift report, which applies nothing) those reasons are not raised, and
    a create-only field that differs is shown as a change like any other. A managed field that
    the service did not return (:mod:`reconciler.engine.unreturned`) is raised either way: it is not
    ``null``, and neither a plan nor a report can say whether it differs.
    """
    changes: list[Change] = []
    notes: list[NotCompared] = []
    unmanaged: list[LiveRef] = []
    ignored_objects = ignored_fields = 0
    problems: list[Problem] = check_references(desired, live, kinds) if strict else []
    unreturned: list[Problem] = []
    for kind_name in sorted(kinds):
        kind = kinds[kind_name]
        by_identity = _index(kind_name, live.get(kind_name, ()))
        objects = desired.of_kind(kind_name)
        declared = set()
        fixed = kind.create_only.keys() if strict else kind.env_only
        # Without rules nothing is ignored: no address to build and match, twice per object.
        any_rules = bool(ignore.objects or ignore.fields)
        skip: frozenset[str] = frozenset()
        for obj in objects:
            declared.add(obj.identity)
            if any_rules and ignore.ignores_object(obj.address):
                # Refused at validate; kept out here too, so that no caller can change it.
                ignored_objects += obj.identity in by_identity
                continue
            current = by_identity.get(obj.identity)
            if current is not None and not obj.absent and strict and kind.create_only:
                problems.extend(_create_only_problems(kind, obj, current))
            if any_rules:
                skip = ignore.ignored_fields(obj.address)
            if obj.sensitive and not obj.absent:
                _not_compared(kind, obj, current, fixed, notes)
            if current is not None and not obj.absent:
                # A sensitive field the live state holds no value for is noted as not
                # compared (a snapshot never holds one), never planned: not an error.
                unseen = skip | obj.sensitive if obj.sensitive else skip
                unreturned += unreturned_problems(kind, obj, current, unseen)
            change, skipped = _change_for(kind, obj, current, skip, fixed)
            ignored_fields += skipped
            if change is not None:
                changes.append(change)
        if kind_name not in desired.kinds and desired.kinds:
            continue  # read only to resolve references: not this config's to report
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
        notes = [n for n in notes if n.address in wanted]
        unmanaged = []
        problems = [p for p in problems if _concerns(p, desired, wanted)]
        unreturned = [p for p in unreturned if _concerns(p, desired, wanted)]
    problems += unreturned
    if problems:
        raise ConfigError(sorted(problems, key=_problem_order))
    live_counts = {kind: len(objects) for kind, objects in sorted(live.items())}
    levels = kind_levels(kinds)
    return Plan(
        changes=tuple(sorted(changes, key=lambda c: (levels[c.kind], c.kind, c.identity))),
        unmanaged=tuple(sorted(unmanaged)),
        live_count=sum(live_counts.values()),
        ignored=Ignored(objects=ignored_objects, fields=ignored_fields),
        not_compared=tuple(sorted(notes)),
        live_counts=live_counts,
    )


def _not_compared(
    kind: ResourceKind,
    obj: DesiredObject,
    current: LiveObject | None,
    fixed: Collection[str],
    notes: list[NotCompared],
) -> None:
    """Note each sensitive field of ``obj`` that cannot be compared with ``current``, and why.

    A create sends every field: an unset one is noted as needed. An existing object's
    create-only fields are never compared, so an unset one there is needed by nothing.
    """
    for name in sorted(obj.sensitive):
        value = obj.fields.get(name)
        where = obj.locations.get(name, obj.location)
        if current is None:
            if type(value) is Unset:
                notes.append(
                    NotCompared(obj.address, name, str(value), where, True, value.variables)
                )
            continue
        if name in fixed:
            continue
        if type(value) is Unset:
            notes.append(NotCompared(obj.address, name, str(value), where, False, value.variables))
        elif name not in current.fields:
            notes.append(
                NotCompared(
                    obj.address,
                    name,
                    "the live state read holds no value for it (a snapshot never does)",
                    where,
                )
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
    kind: ResourceKind,
    obj: DesiredObject,
    current: LiveObject | None,
    skip: frozenset[str],
    fixed: Collection[str] = (),
) -> tuple[Change | None, int]:
    """The change ``obj`` needs, and how many differing fields ``skip`` (ignored) left out.

    Ignored fields are still written on create: only outside changes to them are let be.
    ``fixed`` fields (create-only) are written on create and never updated.
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
    desired_fields, live_fields = obj.fields, current.fields
    differing_names = []
    for name in sorted(desired_fields):
        if name in fixed:
            continue
        if name in obj.sensitive and (
            type(desired_fields[name]) is Unset or name not in live_fields
        ):
            continue  # not compared: noted by _not_compared
        desired, actual = desired_fields[name], live_fields.get(name)
        # _equal's first test, inlined: most fields of a plan are equal values of one type.
        if (type(desired) is not type(actual) or desired != actual) and not _equal(
            kind, name, desired, actual
        ):
            differing_names.append(name)
    if not differing_names:
        return None, 0
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


def _create_only_problems(
    kind: ResourceKind, obj: DesiredObject, current: LiveObject
) -> list[Problem]:
    """A create-only field that differs from the live object: the update would not take it."""
    problems: list[Problem] = []
    for name in sorted(kind.create_only):
        if name not in obj.fields or name in kind.write_only:
            continue
        before, after = current.fields.get(name), obj.fields[name]
        if type(after) is Unset or (name in obj.sensitive and name not in current.fields):
            continue  # not compared: the plan says so
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
        template=shown_template(kind, name, obj.templates.get(name)),
        layer=obj.layers.get(name),
    )


def shown_template(kind: ResourceKind, name: str, written: Any) -> str | None:
    """What a plan may show of a value read through ``${env:…}``: the value as written.

    A reviewer then sees the host of ``https://hooks.example/cb?k=${env:HOOK_KEY}``. Only a
    text is shown; and of a write-only field only a reference alone (``${env:PE_TAWK_KEY}``),
    since whatever else is written there is part of the secret.
    """
    if not isinstance(written, str):
        return None
    if name in kind.write_only and not _WHOLE_REFERENCE.fullmatch(written):
        return None
    return written


def _equal(kind: ResourceKind, name: str, desired: Any, actual: Any) -> bool:
    if type(desired) is type(actual) and desired == actual:
        # Equal values of one type normalise alike: most fields of a plan, compared at once.
        return True
    normalize = kind.normalizers.get(name)  # kind.normalize, looked up once for both sides
    if normalize is None:
        return bool(desired == actual)
    try:
        return bool(normalize(desired) == normalize(actual))
    except (TypeError, ValueError):
        # A live value the normaliser cannot read (a shape the service used to send) is simply
        # different: the plan then shows it and apply writes the desired value over it.
        return bool(desired == actual)


def equal_values(kind: ResourceKind, name: str, desired: Any, actual: Any) -> bool:
    """Whether two values of the field ``name`` are equal once normalised, as a plan compares."""
    return _equal(kind, name, desired, actual)


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
    # A field the service did not return is not shown made (it is not null either).
    return all(
        f.name in live.fields and _equal(kind, f.name, f.after, live.fields[f.name])
        for f in readable
    )
