"""Is the live state still what the plan was made against? Checked before the first write.

``apply FILE`` (a saved plan) and ``apply PATH`` (after its confirmation prompt) re-read every
object the plan touches and refuse the whole plan, writing nothing, when any of them moved:
a different fingerprint, an object that appeared where the plan creates one, or one that
disappeared where the plan updates or deletes it. For each, the refusal says what moved, as
``field: value at plan time -> value now``. So a saved plan applies at most once: its second
apply finds the first one's writes, and says that the plan was applied already rather than
blaming another change (:mod:`reconciler.engine.applied`).

The objects are re-read with one read each, concurrently, or with one listing per kind when
that is cheaper: when there are more objects of a kind than requests in flight, a listing
costs at most its pages, where reads would cost several rounds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.documents.plan import shown_value
from reconciler.documents.snapshot import storable_fields
from reconciler.engine.applied import ALREADY_APPLIED, is_live_already, is_pending
from reconciler.model import Action, Change, LiveObject, Plan
from reconciler.records import ProviderSession, ResourceKind, Scope

__all__ = ["Moved", "find_moved", "moved_since", "planned_objects"]


@dataclass(frozen=True, slots=True)
class Moved:
    """One object the plan touches that is no longer as the plan saw it.

    ``fields`` lists ``(name, at plan time, now)`` for each field that a file may show (never
    a write-only one); it is empty when only the fingerprint says that something changed.
    ``applied`` is true when the object is now exactly what the change makes it and no other
    change of the plan is still to be made: the plan was applied already (see
    :mod:`reconciler.engine.applied`).
    """

    address: str
    reason: str
    fields: tuple[tuple[str, Any, Any], ...] = ()
    applied: bool = False

    def __str__(self) -> str:
        lines = [f"{self.address}: {self.reason}"]
        lines += [
            f"    {name}: {shown_value(then)} -> {shown_value(now)}"
            for name, then, now in self.fields
        ]
        return "\n".join(lines)


def planned_objects(
    plan: Plan, live: Mapping[str, Sequence[LiveObject]]
) -> dict[str, LiveObject | None]:
    """Each object ``plan`` touches, by address, as ``live`` (the plan's input) holds it."""
    by_address = {obj.address: obj for objects in live.values() for obj in objects}
    return {change.address: by_address.get(change.address) for change in plan.changes}


async def find_moved(
    changes: Sequence[Change],
    planned: Mapping[str, LiveObject | None],
    sessions: Mapping[str, ProviderSession],
    kinds: Mapping[str, ResourceKind],
    *,
    parallelism: int,
) -> tuple[Moved, ...]:
    """Re-read the objects of ``changes``; return those that moved since ``planned``.

    ``planned`` maps an address to the object as the plan saw it (``None`` for a create).
    """
    import asyncio  # loaded already: this runs in its event loop

    by_kind: dict[str, list[Change]] = {}
    for change in changes:
        by_kind.setdefault(change.kind, []).append(change)
    gate = asyncio.Semaphore(parallelism)

    async def current_of(kind: str, group: list[Change]) -> dict[str, LiveObject | None]:
        session, resource = sessions[kind], kinds[kind]
        if len(group) > parallelism or resource.references:
            # A kind that refers to others is listed within the parents the changes name
            # (a user is found in its institute's listing; a read by e-mail alone cannot).
            scope = _scope(resource, group, planned) if resource.references else None
            listed = {obj.identity: obj for obj in await session.list(resource, scope)}
            return {c.address: listed.get(c.identity) for c in group}

        async def read(change: Change) -> LiveObject | None:
            async with gate:
                return await session.read(resource, change.identity)

        found = await asyncio.gather(*(read(c) for c in group))
        return {c.address: obj for c, obj in zip(group, found, strict=True)}

    groups = await asyncio.gather(*(current_of(k, g) for k, g in sorted(by_kind.items())))
    current = {address: obj for group in groups for address, obj in group.items()}
    return moved_since(changes, planned, current, kinds)


def moved_since(
    changes: Sequence[Change],
    planned: Mapping[str, LiveObject | None],
    current: Mapping[str, LiveObject | None],
    kinds: Mapping[str, ResourceKind],
) -> tuple[Moved, ...]:
    """Like :func:`find_moved`, with the objects as they are now already read: ``current``
    maps an address to the live object (``None`` where there is none)."""
    moved = [
        item
        for change in changes
        if (item := _moved(change, planned.get(change.address), current.get(change.address), kinds))
        is not None
    ]
    if any(m.applied for m in moved):
        seen = {m.address for m in moved}
        unmoved = (change for change in changes if change.address not in seen)
        if any(is_pending(c, current.get(c.address), kinds[c.kind]) for c in unmoved):
            # Some of it is still to be made: part of the plan was made elsewhere, not all.
            moved = [dataclasses.replace(m, applied=False) for m in moved]
    return tuple(moved)


def _scope(
    kind: ResourceKind, group: Sequence[Change], planned: Mapping[str, LiveObject | None]
) -> Scope:
    """The objects of ``group`` and the parents they name, in the change or as planned."""
    references: dict[str, set[str]] = {field: set() for field in kind.references}
    for change in group:
        values = change.values()
        then = planned.get(change.address)
        for field in kind.references:
            value = values.get(field, then.fields.get(field) if then is not None else None)
            if isinstance(value, str):
                references[field].add(value)
    return Scope(
        identities=frozenset(c.identity for c in group),
        references={field: frozenset(values) for field, values in references.items()},
    )


def _moved(
    change: Change,
    then: LiveObject | None,
    now: LiveObject | None,
    kinds: Mapping[str, ResourceKind],
) -> Moved | None:
    moved = _what_moved(change, then, now, kinds)
    if moved is None or (now is not None and now.ref != change.ref and change.ref is not None):
        return moved  # unmoved, or replaced by another object: not this plan's doing
    if is_live_already(change, now, kinds[change.kind], [name for name, _, _ in moved.fields]):
        reason = ALREADY_APPLIED + (":" if moved.fields else "")
        return dataclasses.replace(moved, reason=reason, applied=True)
    return moved


def _what_moved(
    change: Change,
    then: LiveObject | None,
    now: LiveObject | None,
    kinds: Mapping[str, ResourceKind],
) -> Moved | None:
    if change.action is Action.CREATE:
        if now is None:
            return None
        return Moved(change.address, "created by another change since the plan")
    if now is None:
        return Moved(change.address, "deleted by another change since the plan")
    if now.ref == change.ref and now.fingerprint == change.fingerprint:
        return None
    if now.ref != change.ref:
        return Moved(
            change.address,
            f"replaced since the plan (it was {change.ref}, it is now {now.ref})",
        )
    kind = kinds[change.kind]
    before = storable_fields(kind, then.fields) if then is not None else {}
    after = storable_fields(kind, now.fields)
    # Only what the plan-time record holds: a saved plan leaves out the fields whose values
    # are secrets (read through ${env:…}), and their values now must not be shown either.
    fields = tuple(
        (name, before.get(name), after.get(name))
        for name in sorted(before)
        if before.get(name) != after.get(name)
    )
    if fields:
        return Moved(change.address, "changed since the plan:", fields)
    return Moved(
        change.address,
        "changed since the plan (its fingerprint moved on; the change is in a field that is"
        " never shown)",
    )
