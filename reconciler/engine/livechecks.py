"""Checks that need the live state, run on a fresh plan before it is shown as applicable.

A JSON Schema cannot say "required to create, optional to update": an object that exists may
leave its name unmanaged, one that is about to be created may not. Nor can it see the live
objects that no YAML declares. Each kind says what it needs
(:attr:`ResourceKind.required_on_create <reconciler.records.ResourceKind.required_on_create>`,
:attr:`ResourceKind.unique <reconciler.records.ResourceKind.unique>`), and these checks turn
what the service would refuse half-way through an apply into located problems up front.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.model import Action, Change, LiveObject, Plan
from reconciler.records import Normalizer, Problem, ResourceKind

__all__ = ["live_problems"]


def live_problems(
    plan: Plan, live: Mapping[str, Sequence[LiveObject]], kinds: Mapping[str, ResourceKind]
) -> list[Problem]:
    """Every create that lacks a required field or that its kind's ``check_create`` refuses,
    and every unique value already taken."""
    problems: list[Problem] = []
    for change in plan.changes:
        kind = kinds.get(change.kind)
        if kind is None:
            continue
        if change.action is Action.CREATE:
            missing = sorted(kind.required_on_create - change.values().keys())
            if missing:
                names = ", ".join(repr(name) for name in missing)
                problems.append(
                    Problem(
                        f"{change.address} does not exist yet and cannot be created without"
                        f" {names}: the service requires {'it' if len(missing) == 1 else 'them'}"
                        " to create one; add it to the object (or to defaults:)",
                        change.location,
                    )
                )
            if kind.check_create is not None:
                problems += [
                    Problem(
                        f"{change.address} does not exist yet and cannot be created: {message}",
                        change.location,
                        kind.provider,
                    )
                    for message in kind.check_create(change.values())
                ]
    for name, kind in sorted(kinds.items()):
        for field, key in kind.unique.items():
            problems += _taken(plan, live.get(name, ()), kind, field, key)
    return problems


def _taken(
    plan: Plan, live: Sequence[LiveObject], kind: ResourceKind, field: str, key: Normalizer
) -> list[Problem]:
    """Creates and renames to a value that a live object the plan leaves alone holds."""
    if not any(
        c.kind == kind.name and c.action is not Action.DELETE and _setting(c, field) is not None
        for c in plan.changes
    ):
        return []  # no change writes the field: the live values need no index
    touched = {
        c.identity
        for c in plan.changes
        if c.kind == kind.name
        and (c.action is Action.DELETE or any(f.name == field for f in c.fields))
    }
    holders: dict[Any, LiveObject] = {}
    for obj in live:
        value = obj.fields.get(field)
        if obj.identity not in touched and value is not None:
            with contextlib.suppress(TypeError):  # an unhashable value holds no name
                holders.setdefault(_key(key, value), obj)
    problems: list[Problem] = []
    for change in plan.changes:
        if change.kind != kind.name or change.action is Action.DELETE:
            continue
        wanted = _setting(change, field)
        if wanted is None:
            continue
        try:
            holder = holders.get(_key(key, wanted[0]))
        except TypeError:
            continue
        if holder is None or holder.identity == change.identity:
            continue
        verb = "create" if change.action is Action.CREATE else "rename"
        problems.append(
            Problem(
                f"{change.address}.{field}: cannot {verb} with {wanted[0]!r}: the live"
                f" {holder.address} (ref {holder.ref}) already has it, and {field} is unique"
                f" across the service; choose another {field}, or change {holder.address} too",
                wanted[1] or change.location,
            )
        )
    return problems


def _setting(change: Change, field: str) -> tuple[Any, Any] | None:
    """The value and location ``change`` writes to ``field``, or ``None``."""
    for item in change.fields:
        if item.name == field and not item.sensitive and item.after is not None:
            return item.after, item.location
    return None


def _key(key: Normalizer, value: Any) -> Any:
    try:
        return key(value)
    except (TypeError, ValueError, AttributeError):
        return value
