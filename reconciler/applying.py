"""Applying a plan: each change through its provider, with bounded concurrency.

A failing change fails alone: the others go on, and the result says which were applied, which
failed and why. Only :class:`~reconciler.errors.ReconcilerError` counts as a change's failure;
anything else is a bug and propagates. Three things end an apply early, leaving the changes not
yet started as *not attempted*: the service refusing the credentials (401/403: every other
change would be refused too), and ``should_stop`` (SIGTERM) saying so. Changes in flight
finish, or end as *unknown*.

After the changes, every change that failed or whose outcome is unknown is read back once, and
reported as what actually holds: a write whose answer was lost may well have been made.
Re-running after a partial failure converges: a fresh plan contains only what is still
different, so nothing is done twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from reconciler.errors import (
    AuthenticationError,
    OutcomeUnknownError,
    ProviderError,
    ReconcilerError,
    StaleObjectError,
)
from reconciler.hooks import Hooks
from reconciler.model import Action, Change, LiveObject, Plan
from reconciler.planning import change_holds
from reconciler.records import (
    ApplyResult,
    ChangeOutcome,
    Outcome,
    ProviderSession,
    ResourceKind,
)

__all__ = ["apply_plan"]

log = logging.getLogger(__name__)

#: Told about every change as it finishes (the CLI's progress bar and log lines).
OnOutcome = Callable[[ChangeOutcome], None]

_DONE = {Action.CREATE: "created", Action.UPDATE: "updated", Action.DELETE: "deleted"}


async def apply_plan(
    plan: Plan,
    sessions: Mapping[str, ProviderSession],
    kinds: Mapping[str, ResourceKind],
    hooks: Hooks,
    *,
    parallelism: int = 4,
    check_fresh: bool = False,
    on_outcome: OnOutcome | None = None,
    should_stop: Callable[[], str | None] | None = None,
) -> ApplyResult:
    """Apply every change of ``plan``; ``sessions`` maps a kind name to its provider session.

    With ``check_fresh`` (a plan made earlier, e.g. a saved one), each live object is read again
    first and a change whose object moved on since the plan is failed as stale, not applied.
    ``should_stop`` is asked before each change starts; a reason (not None) stops the apply.
    """
    gate = asyncio.Semaphore(parallelism)
    refused: list[str] = []

    def stop_reason() -> str | None:
        if refused:
            return refused[0]
        return should_stop() if should_stop is not None else None

    async def run(change: Change) -> ChangeOutcome:
        async with gate:
            reason = stop_reason()
            if reason is not None:
                outcome = ChangeOutcome(change, Outcome.NOT_ATTEMPTED, error=reason)
            else:
                outcome = await _apply_one(
                    change, sessions[change.kind], kinds[change.kind], hooks, check_fresh
                )
                if outcome.outcome is Outcome.FAILED and outcome.note == _AUTH:
                    refused.append(
                        f"not attempted: the service refused the credentials on {change.address}"
                    )
        hooks.after_change(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
        return outcome

    outcomes = list(await asyncio.gather(*(run(change) for change in plan.changes)))
    if not refused:
        outcomes = [await _read_back(o, sessions, kinds, on_outcome) for o in outcomes]
    result = ApplyResult(tuple(outcomes))
    hooks.after_apply(result)
    return result


#: The note of a failure that stops the apply: the credentials were refused.
_AUTH = "credentials refused"


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
    except OutcomeUnknownError as exc:
        return ChangeOutcome(change, Outcome.UNKNOWN, error=_detail(exc))
    except AuthenticationError as exc:
        return ChangeOutcome(change, Outcome.FAILED, error=_detail(exc), note=_AUTH)
    except ReconcilerError as exc:
        return ChangeOutcome(change, Outcome.FAILED, error=_detail(exc))
    return ChangeOutcome(change, Outcome.APPLIED, live=live)


def _detail(exc: ReconcilerError) -> str:
    """The message without the object's address: the outcome line names it already."""
    return exc.detail if isinstance(exc, ProviderError) else str(exc)


async def _read_back(
    outcome: ChangeOutcome,
    sessions: Mapping[str, ProviderSession],
    kinds: Mapping[str, ResourceKind],
    on_outcome: OnOutcome | None,
) -> ChangeOutcome:
    """A failed or unknown change, as the live object shows it now (once; errors keep it)."""
    if outcome.outcome not in (Outcome.FAILED, Outcome.UNKNOWN):
        return outcome
    change = outcome.change
    kind = kinds[change.kind]
    try:
        live = await sessions[change.kind].read(kind, change.identity)
    except ReconcilerError as exc:
        log.debug("%s: reading it back failed: %s", change.address, exc)
        return outcome
    if not change_holds(kind, change, live):
        return outcome
    confirmed = ChangeOutcome(
        change,
        Outcome.APPLIED,
        live=live,
        note=f"{_DONE[change.action]} after all: reading it back shows it made (the attempt"
        f" reported: {outcome.error})",
    )
    if on_outcome is not None:
        on_outcome(confirmed)
    return confirmed


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
