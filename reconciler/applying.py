"""Applying a plan: each change through its provider, with bounded concurrency.

A failing change fails alone: the others go on, and the result says which were applied, which
failed and why. Only :class:`~reconciler.errors.ReconcilerError` counts as a change's failure;
anything else is a bug and propagates. Re-running after a partial failure converges: a fresh plan
contains only what is still different, so nothing is done twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from reconciler.errors import ReconcilerError, StaleObjectError
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
    check_fresh: bool = False,
    on_outcome: OnOutcome | None = None,
) -> ApplyResult:
    """Apply every change of ``plan``; ``sessions`` maps a kind name to its provider session.

    With ``check_fresh`` (a plan made earlier, e.g. a saved one), each live object is read again
    first and a change whose object moved on since the plan is failed as stale, not applied.
    """
    import asyncio  # loaded already: this runs in its event loop

    gate = asyncio.Semaphore(parallelism)

    async def run(change: Change) -> ChangeOutcome:
        async with gate:
            outcome = await _apply_one(
                change, sessions[change.kind], kinds[change.kind], hooks, check_fresh
            )
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
    check_fresh: bool,
) -> ChangeOutcome:
    try:
        hooks.before_change(change)
        live: LiveObject | None = None
        if check_fresh and change.action is not Action.CREATE:
            await _check_fresh(change, session, kind)
        if change.action is Action.CREATE:
            live = await session.create(kind, change.identity, change.values())
        elif change.action is Action.UPDATE:
            live = await session.update(kind, _planned_live(change), change.values())
        else:
            await session.delete(kind, _planned_live(change))
    except ReconcilerError as exc:
        return ChangeOutcome(change, Outcome.FAILED, error=str(exc))
    return ChangeOutcome(change, Outcome.APPLIED, live=live)


def _planned_live(change: Change) -> LiveObject:
    """The live object as the plan saw it: enough for a provider to address it."""
    return LiveObject(
        change.kind, change.identity, change.ref or "", {}, fingerprint=change.fingerprint or ""
    )


async def _check_fresh(change: Change, session: ProviderSession, kind: ResourceKind) -> None:
    current = await session.read(kind, change.identity)
    if current is None:
        raise StaleObjectError(f"{change.address}: deleted since the plan was made; plan again.")
    if current.ref != change.ref or current.fingerprint != change.fingerprint:
        raise StaleObjectError(f"{change.address}: changed since the plan was made; plan again.")
