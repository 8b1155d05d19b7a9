"""Applying a plan: each change through its provider, with bounded concurrency.

A failing change fails alone: the others go on, and the result says which were applied, which
failed and why. Only :class:`~reconciler.errors.ReconcilerError` counts as a change's failure;
anything else is a bug and propagates. Re-running after a partial failure converges: a fresh plan
contains only what is still different, so nothing is done twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping

from reconciler.errors import NotFoundError, ReconcilerError, RejectedError, StaleObjectError
from reconciler.hooks import Hooks
from reconciler.model import Action, Change, LiveObject, Plan
from reconciler.records import (
    ApplyResult,
    ChangeOutcome,
    Outcome,
    ProviderSession,
    ResourceKind,
)

__all__ = ["apply_plan"]

#: Told about every change as it finishes (the CLI's progress bar and log lines).
OnOutcome = Callable[[ChangeOutcome], None]


async def apply_plan(
    plan: Plan,
    sessions: Mapping[str, ProviderSession],
    kinds: Mapping[str, ResourceKind],
    hooks: Hooks,
    *,
    parallelism: int = 4,
    on_outcome: OnOutcome | None = None,
) -> ApplyResult:
    """Apply every change of ``plan``; ``sessions`` maps a kind name to its provider session.

    Whether the live objects are still as planned is checked before, for the whole plan
    (:mod:`reconciler.freshness`). A change that finds its object moved while it ran (another
    run got there first) is :attr:`~Outcome.STALE`, not failed.
    """
    gate = asyncio.Semaphore(parallelism)

    async def run(change: Change) -> ChangeOutcome:
        async with gate:
            outcome = await _apply_one(change, sessions[change.kind], kinds[change.kind], hooks)
        hooks.after_change(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
        return outcome

    outcomes = await asyncio.gather(*(run(change) for change in plan.changes))
    result = ApplyResult(tuple(outcomes))
    hooks.after_apply(result)
    return result


async def _apply_one(
    change: Change,
    session: ProviderSession,
    kind: ResourceKind,
    hooks: Hooks,
) -> ChangeOutcome:
    try:
        hooks.before_change(change)
        live: LiveObject | None = None
        if change.action is Action.CREATE:
            live = await _create(change, session, kind)
        elif change.action is Action.UPDATE:
            live = await _update(change, session, kind)
        else:
            await _delete(change, session, kind)
    except StaleObjectError as exc:
        return ChangeOutcome(change, Outcome.STALE, error=str(exc))
    except ReconcilerError as exc:
        return ChangeOutcome(change, Outcome.FAILED, error=str(exc))
    return ChangeOutcome(change, Outcome.APPLIED, live=live)


# Two applies of one plan at once: both pass the staleness check, then race. Whatever the
# other run did first is not an error in the YAML; it is "plan again" (exit 3), or done.


async def _create(change: Change, session: ProviderSession, kind: ResourceKind) -> LiveObject:
    try:
        return await session.create(kind, change.identity, change.values())
    except RejectedError:
        # E.g. ProctorExam's 422 "has already been taken": if the object now exists under
        # this identity, another run created it since the plan was made.
        if await session.read(kind, change.identity) is None:
            raise
        raise StaleObjectError("created by another run since the plan; plan again.") from None


async def _update(change: Change, session: ProviderSession, kind: ResourceKind) -> LiveObject:
    try:
        return await session.update(kind, _planned_live(change), change.values())
    except NotFoundError:
        raise StaleObjectError("deleted by another run since the plan; plan again.") from None


async def _delete(change: Change, session: ProviderSession, kind: ResourceKind) -> None:
    with contextlib.suppress(NotFoundError):
        # Already gone: what the delete asked for is true, so it counts as done.
        await session.delete(kind, _planned_live(change))


def _planned_live(change: Change) -> LiveObject:
    """The live object as the plan saw it: enough for a provider to address it."""
    return LiveObject(
        change.kind, change.identity, change.ref or "", {}, fingerprint=change.fingerprint or ""
    )
