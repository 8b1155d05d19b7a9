"""Applying a plan: each change through its provider, with bounded concurrency.

A failing change fails alone: the others go on, and the result says which were applied, which
failed and why. Only :class:`~reconciler.errors.ReconcilerError` counts as a change's failure;
anything else is a bug and propagates. Three things end an apply early, leaving the changes not
yet started as *not attempted*: the service refusing the credentials (401/403: every other
change would be refused too), ``should_stop`` (SIGTERM) saying so, and a plugin's
``reconciler_after_change`` failing. Changes in flight finish, or end as *unknown*. A failed
after-hook is raised once the apply has ended: as it is before any write (exit 1), as
:class:`~reconciler.errors.HookFailedAfterWrites` (exit 4) after one.

After the changes, every change that failed or whose outcome is unknown is read back once, and
reported as what actually holds: a write whose answer was lost may well have been made.
Re-running after a partial failure converges: a fresh plan contains only what is still
different, so nothing is done twice.

At most ``parallelism`` changes run at once, their starts spread out
(:mod:`reconciler.engine.spreading`). Changes run in levels (see
:mod:`reconciler.engine.dependencies`):
deletes first, children before parents, then creates and updates, parents before children;
within a level, concurrently. A change that names a parent through a reference field (every
create does) is skipped, with the reason, when that parent's change did not succeed. A parent
that exists all the same (another run created it, or the service did not keep one of its
fields) lets its children go ahead against it.


Every create and update is verified against what the service kept
(:mod:`reconciler.engine.verification`): a field it did not keep makes the change *not taken*,
never applied.

With ``reread`` (``apply PATH``, whose plan was made moments ago from a listing), each object
is read again just before its update or delete and compared with what the plan saw. One that
moved since is not overwritten: if it already holds what the change asks (another run made
the same change), the change counts as done and is not sent again; otherwise it is *stale*,
and no further change starts (exit 3: plan again). A create that finds its object made by
another run meanwhile counts the same way.

With a ``journal`` (:mod:`reconciler.engine.journal`), a create whose outcome stays unknown is
remembered, and a later create of the same object looks for it first.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.documents.plan import shown_value
from reconciler.engine.dependencies import kind_levels, parents_of
from reconciler.engine.journal import ApplyJournal
from reconciler.engine.planning import change_holds, equal_values
from reconciler.engine.spreading import Spread
from reconciler.engine.verification import verify_write
from reconciler.errors import (
    AuthenticationError,
    HookFailedAfterWrites,
    NotFoundError,
    OutcomeUnknownError,
    ProviderError,
    ReconcilerError,
    RejectedError,
    StaleObjectError,
)
from reconciler.model import Action, Change, LiveObject, Plan
from reconciler.plugin.hooks import Hooks
from reconciler.records import (
    ApplyResult,
    ChangeOutcome,
    Outcome,
    ProviderSession,
    ResourceKind,
    Scope,
)
from reconciler.waiting import holding_slot

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
    on_outcome: OnOutcome | None = None,
    should_stop: Callable[[], str | None] | None = None,
    reread: bool = False,
    journal: ApplyJournal | None = None,
    planned: Mapping[str, LiveObject | None] | None = None,
) -> ApplyResult:
    """Apply every change of ``plan``; ``sessions`` maps a kind name to its provider session.

    Whether the live objects are still as planned is checked before, for the whole plan
    (:mod:`reconciler.engine.freshness`). A change that finds its object moved while it ran (another
    run got there first) is :attr:`~Outcome.STALE`, not failed.
    ``should_stop`` is asked before each change starts; a reason (not None) stops the apply.
    ``reread``: read each object again just before its update or delete (see above).
    ``journal``: the apply journal of unknown creates (read, updated and saved here).
    ``planned`` (by address, the objects as the plan saw them) lets a re-read of a kind that
    refers to others list within the parent the object was seen in, not everywhere.
    """
    import asyncio  # loaded already: this runs in its event loop

    # The plan and the live objects it was made from outlive the apply. Frozen, they are no
    # longer walked by the collections of what each request allocates: an oldest-generation
    # collection of a 1,000-change plan stalled every change in flight for 20 ms.
    gc.freeze()
    gate = asyncio.Semaphore(parallelism)
    spread = Spread(parallelism)
    refused: list[str] = []
    raced: list[str] = []  # the first object another run moved under this one
    done: dict[str, ChangeOutcome] = {}
    hook_failed: list[ReconcilerError] = []  # the first failure of an after-hook

    def stop_reason() -> str | None:
        if refused:
            return refused[0]
        if hook_failed:
            return "not attempted: a plugin's hook failed during the apply (see the error)"
        return should_stop() if should_stop is not None else None

    def tell(hook: Callable[[Any], None], told: Any) -> None:
        """Call an after-hook; its failure stops the apply, and is raised once it has ended."""
        try:
            hook(told)
        except ReconcilerError as exc:
            if not hook_failed:
                hook_failed.append(exc)

    async def run(change: Change) -> ChangeOutcome:
        blocked = _blocked_by(change, kinds, done)
        if blocked is not None:
            outcome = ChangeOutcome(
                change,
                Outcome.SKIPPED,
                error=f"not attempted: it needs {blocked.change.address}, whose"
                f" {blocked.change.action.value} did not succeed ({blocked.outcome.value})."
                " Fix that and apply again.",
            )
        else:
            # The slot is lent out while the change waits for a retry (reconciler.waiting).
            async with holding_slot(gate):
                reason = stop_reason()
                if reason is not None:
                    outcome = ChangeOutcome(change, Outcome.NOT_ATTEMPTED, error=reason)
                elif raced:
                    outcome = ChangeOutcome(
                        change,
                        Outcome.STALE,
                        error=f"not attempted: another run changed {raced[0]} since the plan;"
                        " plan again.",
                    )
                else:
                    # Starts spread out, so that changes in flight never move in step.
                    wait = spread.delay()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    started = time.monotonic()
                    outcome = await _apply_one(
                        change,
                        sessions[change.kind],
                        kinds[change.kind],
                        hooks,
                        reread=reread,
                        journal=journal,
                        then=planned.get(change.address) if planned is not None else None,
                    )
                    spread.finished(time.monotonic() - started)
                    if reread and outcome.outcome is Outcome.STALE and not raced:
                        # Another run is writing these objects: stop, rather than race it.
                        raced.append(change.address)
                    if outcome.outcome is Outcome.FAILED and outcome.note == _AUTH:
                        refused.append(
                            "not attempted: the service refused the credentials on"
                            f" {change.address}"
                        )
        done[change.address] = outcome
        tell(hooks.after_change, outcome)
        if on_outcome is not None:
            on_outcome(outcome)
        return outcome

    by_index: dict[int, ChangeOutcome] = {}
    for level in _levels(plan, kinds):
        results = await asyncio.gather(*(run(plan.changes[i]) for i in level))
        by_index.update(zip(level, results, strict=True))
    outcomes = [by_index[i] for i in range(len(plan.changes))]
    if not refused:
        outcomes = [await _read_back(o, sessions, kinds, on_outcome) for o in outcomes]
    if journal is not None:
        _keep_journal(journal, outcomes)
    result = ApplyResult(tuple(outcomes))
    tell(hooks.after_apply, result)
    if hook_failed:
        raise _hook_failure(hook_failed[0], result)
    return result


def _keep_journal(journal: ApplyJournal, outcomes: list[ChangeOutcome]) -> None:
    """Remember the creates whose outcome is still unknown; forget those now settled."""
    for outcome in outcomes:
        change = outcome.change
        if change.action is not Action.CREATE:
            continue
        if outcome.outcome is Outcome.UNKNOWN:
            if outcome.note != _HELD_BACK:
                journal.record(change.kind, change.address)
        elif outcome.live is not None or outcome.outcome is Outcome.APPLIED:
            journal.settle(change.kind, change.address)
    journal.save()


def _hook_failure(error: ReconcilerError, result: ApplyResult) -> ReconcilerError:
    """What a failed after-hook means: before any write, itself (exit 1); after, exit 4."""
    written = sum(result.count(o) for o in (Outcome.APPLIED, Outcome.UNKNOWN, Outcome.NOT_TAKEN))
    if not written:
        return error
    return HookFailedAfterWrites(error, result)


def _levels(plan: Plan, kinds: Mapping[str, ResourceKind]) -> list[list[int]]:
    """Indices of the plan's changes, in the groups that run one after another."""
    depth = kind_levels(kinds)
    top = max(depth.values(), default=0)
    groups: dict[int, list[int]] = {}
    for index, change in enumerate(plan.changes):
        level = depth.get(change.kind, 0)
        # Deletes first, children first; then creates and updates, parents first.
        order = top - level if change.action is Action.DELETE else top + 1 + level
        groups.setdefault(order, []).append(index)
    return [groups[order] for order in sorted(groups)]


def _blocked_by(
    change: Change, kinds: Mapping[str, ResourceKind], done: Mapping[str, ChangeOutcome]
) -> ChangeOutcome | None:
    """The outcome of a parent's change that failed or was skipped, if there is one.

    A parent that exists all the same does not block: one the service did not take every
    field of, or one another run created since the plan (its children go ahead against it).
    """
    for address in parents_of(change, kinds):
        parent = done.get(address)
        if parent is None or parent.outcome in (Outcome.APPLIED, Outcome.NOT_TAKEN):
            continue
        exists = parent.outcome is Outcome.STALE and parent.live is not None
        if not (exists and parent.change.action is Action.CREATE):
            return parent
    return None


#: The note of a failure that stops the apply: the credentials were refused.
_AUTH = "credentials refused"


async def _apply_one(
    change: Change,
    session: ProviderSession,
    kind: ResourceKind,
    hooks: Hooks,
    *,
    reread: bool = False,
    journal: ApplyJournal | None = None,
    then: LiveObject | None = None,
) -> ChangeOutcome:
    try:
        hooks.before_change(change)
        if reread and change.action is not Action.CREATE:
            settled = await _recheck(change, session, kind, then)
            if settled is not None:
                return settled
        if journal is not None and change.action is Action.CREATE:
            settled = await _look_first(change, session, kind, journal)
            if settled is not None:
                return settled
        if change.action is Action.CREATE:
            return await _create(change, session, kind)
        if change.action is Action.UPDATE:
            return await _update(change, session, kind)
        await _delete(change, session, kind)
    except StaleObjectError as exc:
        return ChangeOutcome(change, Outcome.STALE, error=str(exc))
    except OutcomeUnknownError as exc:
        return ChangeOutcome(change, Outcome.UNKNOWN, error=_detail(exc, change))
    except AuthenticationError as exc:
        return ChangeOutcome(change, Outcome.FAILED, error=_detail(exc, change), note=_AUTH)
    except ReconcilerError as exc:
        return ChangeOutcome(change, Outcome.FAILED, error=_detail(exc, change))
    return ChangeOutcome(change, Outcome.APPLIED)


def _detail(exc: ReconcilerError, change: Change) -> str:
    """The message without the object's address (the outcome line names it already), and
    without the change's sensitive values: a service may echo what it was sent, and only the
    core knows which values came through ``${env:...}``."""
    text = exc.detail if isinstance(exc, ProviderError) else str(exc)
    values = {str(f.after) for f in change.fields if f.sensitive and f.after is not None}
    for value in sorted((v for v in values if len(v) >= 4), key=len, reverse=True):
        text = text.replace(value, "(sensitive)")
    return text


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


# Two applies of one plan at once: both pass the staleness check, then race. Whatever the
# other run did first is not an error in the YAML; it is "plan again" (exit 3), or done.


async def _create(change: Change, session: ProviderSession, kind: ResourceKind) -> ChangeOutcome:
    try:
        answer = await session.create(kind, change.identity, change.values())
    except (RejectedError, StaleObjectError):
        # E.g. ProctorExam's 422 "has already been taken": if the object now exists under
        # this identity, another run created it since the plan was made.
        found = await session.read(kind, change.identity)
        if found is None:
            raise
        return _made_by_another_run(change, kind, found)
    return await _verified(change, answer, session, kind)


async def _update(change: Change, session: ProviderSession, kind: ResourceKind) -> ChangeOutcome:
    try:
        answer = await session.update(kind, _planned_live(change), change.values())
    except NotFoundError:
        raise StaleObjectError("deleted by another run since the plan; plan again.") from None
    return await _verified(change, answer, session, kind)


async def _verified(
    change: Change, answer: LiveObject, session: ProviderSession, kind: ResourceKind
) -> ChangeOutcome:
    """The write's outcome once compared with what the service kept."""
    verdict = await verify_write(change, answer, session, kind)
    if verdict.not_taken:
        count = len(verdict.not_taken)
        return ChangeOutcome(
            change,
            Outcome.NOT_TAKEN,
            error=f"the service answered with success but did not keep {count} field(s) sent"
            " (see the lines above); plan again shows them still to do.",
            live=verdict.live,
            not_taken=verdict.not_taken,
        )
    return ChangeOutcome(change, Outcome.APPLIED, live=verdict.live)


async def _delete(change: Change, session: ProviderSession, kind: ResourceKind) -> None:
    with contextlib.suppress(NotFoundError):
        # Already gone: what the delete asked for is true, so it counts as done.
        await session.delete(kind, _planned_live(change))


def _made_by_another_run(
    change: Change,
    kind: ResourceKind,
    found: LiveObject,
    by: str = "another run since the plan",
    *,
    sent_by_this_config: bool = False,
) -> ChangeOutcome:
    """A change whose object another run wrote since the plan: done if it holds, else stale.

    A write-only field is never read back: another run may have sent another value, so a
    change with one is done only when ``sent_by_this_config`` (an earlier apply of it).
    """
    verb = "created" if change.action is Action.CREATE else "changed"
    unseen = not sent_by_this_config and any(f.name in kind.write_only for f in change.fields)
    if not unseen and change_holds(kind, change, found):
        return ChangeOutcome(
            change,
            Outcome.APPLIED,
            live=found,
            note=f"{verb} as planned by {by} (read back); counted as done, not sent again",
        )
    moved = _moved_fields(change, kind, found)
    return ChangeOutcome(
        change, Outcome.STALE, error=f"{verb} by {by}{moved}; plan again.", live=found
    )


async def _look_first(
    change: Change, session: ProviderSession, kind: ResourceKind, journal: ApplyJournal
) -> ChangeOutcome | None:
    """A create an earlier apply sent with an unknown outcome: look for its object first."""
    entry = journal.pending(change.kind, change.address)
    if entry is None:
        return None
    found = await session.read(kind, change.identity)
    if found is not None:
        return _made_by_another_run(
            change,
            kind,
            found,
            by="an earlier apply whose outcome was unknown",
            sent_by_this_config=True,
        )
    if journal.clock() < entry.ready_at():
        # Still unknown: the earlier create may yet be committed (exit 4, with the time to wait).
        return ChangeOutcome(
            change, Outcome.UNKNOWN, error=journal.held_back(entry), note=_HELD_BACK
        )
    return None


#: The note of a create held back by the journal: its entry stays as it was.
_HELD_BACK = "held back by the apply journal"


async def _reread(
    change: Change, session: ProviderSession, kind: ResourceKind, then: LiveObject | None
) -> LiveObject | None:
    """The object as it is now. One of a kind that refers to others (a user) is listed within
    the parents the plan saw it under: a read by identity alone may have to look everywhere."""
    if not kind.references or then is None:
        return await session.read(kind, change.identity)
    parents = {
        name: frozenset({value})
        for name in kind.references
        if isinstance(value := then.fields.get(name), str)
    }
    scope = Scope(frozenset({change.identity}), frozenset(f.name for f in change.fields), parents)
    listed = await session.list(kind, scope)
    return next((o for o in listed if o.identity == change.identity), None)


async def _recheck(
    change: Change, session: ProviderSession, kind: ResourceKind, then: LiveObject | None = None
) -> ChangeOutcome | None:
    """The object read again just before its write: None when it is as the plan saw it."""
    now = await _reread(change, session, kind, then)
    if change.action is Action.DELETE:
        if now is None:
            return ChangeOutcome(
                change, Outcome.APPLIED, note="deleted by another run since the plan; done"
            )
        if now.ref == change.ref and now.fingerprint == change.fingerprint:
            return None
        return ChangeOutcome(
            change, Outcome.STALE, error="changed by another run since the plan; plan again."
        )
    if now is None:
        return ChangeOutcome(
            change, Outcome.STALE, error="deleted by another run since the plan; plan again."
        )
    unmoved = now.ref == change.ref and now.fingerprint == change.fingerprint
    # A fingerprint may leave out fields read from elsewhere (a user's report settings): the
    # values the plan saw of the fields it changes are compared too.
    if unmoved and not any(
        f.name not in kind.write_only
        and f.name in now.fields
        and not equal_values(kind, f.name, f.before, now.fields[f.name])
        for f in change.fields
    ):
        return None
    return _made_by_another_run(change, kind, now)


def _moved_fields(change: Change, kind: ResourceKind, now: LiveObject) -> str:
    """``: name "then" -> "now"`` for each field of the change that moved, never sensitive."""
    parts = [
        f"{f.name} {shown_value(f.before)} -> {shown_value(now.fields.get(f.name))}"
        for f in change.fields
        if not f.sensitive
        and f.name not in kind.write_only
        and f.name in now.fields
        and change.action is Action.UPDATE
        and not equal_values(kind, f.name, f.before, now.fields[f.name])
    ]
    return f" ({', '.join(parts)})" if parts else ""


def _planned_live(change: Change) -> LiveObject:
    """The live object as the plan saw it: enough for a provider to address it."""
    return LiveObject(
        change.kind, change.identity, change.ref or "", {}, fingerprint=change.fingerprint or ""
    )
