"""Is a change of a saved plan already live? Told apart from another change getting there first.

A saved plan applies at most once: its second apply finds the first one's writes, and the
freshness check (:mod:`reconciler.engine.freshness`) refuses it. Refused the same way, a plan that
was
applied already and a plan that lost a race read alike ("another change got there first"),
and send a reader looking for a change nobody made. A change whose object now holds exactly
what the change writes (every field it sets, or gone for a delete) was made already, by this
plan or by an identical one, and the refusal says so.

Write-only fields are never read back, so they are not compared: a change that sets only
those cannot be told apart, and keeps the general reason. The plan as a whole is said to be
applied only when, besides, none of its other changes is seen still to be made
(:func:`is_pending`): a plan that someone else made in part lost a race, and says so.
"""

from __future__ import annotations

from collections.abc import Collection

from reconciler.model import Action, Change, LiveObject
from reconciler.records import ResourceKind

__all__ = ["ALREADY_APPLIED", "is_live_already", "is_pending"]

#: The reason :class:`reconciler.engine.freshness.Moved` gives for a change that is live already.
ALREADY_APPLIED = "already as this plan makes it (the plan, or the same change, was applied since)"


def is_live_already(
    change: Change, now: LiveObject | None, kind: ResourceKind, moved: Collection[str] = ()
) -> bool:
    """Whether ``now`` (the object as read again) is what applying ``change`` would leave.

    ``moved`` names the fields seen to move since the plan: one the change does not set
    means that something else changed the object too, and the plan is not the whole story.
    """
    if change.action is Action.DELETE:
        return now is None
    if now is None:
        return False
    compared = [f for f in change.fields if f.name not in kind.write_only]
    if not compared or not set(moved) <= {f.name for f in compared}:
        return False
    return all(
        f.name in now.fields
        and kind.normalize(f.name, now.fields[f.name]) == kind.normalize(f.name, f.after)
        for f in compared
    )


def is_pending(change: Change, now: LiveObject | None, kind: ResourceKind) -> bool:
    """Whether ``change`` is seen still to be made: a create or update whose object is not
    there, or holds another value for a field the change sets; a delete whose object is.

    A field ``now`` does not hold (a user's report settings, which a listing does not read)
    tells nothing: a change that sets only such fields is not seen pending.
    """
    if change.action is Action.DELETE:
        return now is not None
    if now is None:
        return True
    return any(
        f.name in now.fields
        and kind.normalize(f.name, now.fields[f.name]) != kind.normalize(f.name, f.after)
        for f in change.fields
        if f.name not in kind.write_only
    )
