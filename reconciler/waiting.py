"""Waiting without holding a slot: a change that sleeps before a retry lets another one run.

An apply runs at most ``parallelism`` changes at once
(:func:`reconciler.engine.applying.apply_plan`).
A change whose request was refused for now (a 429, a 503) has nothing to do until its retry is
due; if it kept its slot meanwhile, a handful of refusals would idle the whole apply. A provider
calls :func:`wait` for that sleep instead of :func:`asyncio.sleep`: the change gives its slot
back, sleeps, and queues for a slot again before it retries. Outside an apply (a plan's listing,
a test) it is a plain sleep.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

__all__ = ["holding_slot", "wait"]

#: The slot the current task's change holds, while it holds one, and that task. A task started
#: from inside a change (a listing shared by several changes) inherits the variable but holds
#: no slot: it must not lend one out, or the changes waiting for it could never get it back.
_slot: ContextVar[tuple[asyncio.Semaphore, object] | None] = ContextVar(
    "reconciler_apply_slot", default=None
)


@contextlib.asynccontextmanager
async def holding_slot(gate: asyncio.Semaphore) -> AsyncIterator[None]:
    """Hold one of ``gate``'s slots for the current task, which :func:`wait` may lend out."""
    import asyncio  # loaded already: this runs in its event loop

    token = _slot.set((gate, asyncio.current_task()))
    try:
        async with gate:
            yield
    finally:
        _slot.reset(token)


async def wait(seconds: float) -> None:
    """Sleep ``seconds``; inside :func:`holding_slot`, without the slot meanwhile."""
    import asyncio  # loaded already: this runs in its event loop

    held = _slot.get()
    if held is None or seconds <= 0 or held[1] is not asyncio.current_task():
        await asyncio.sleep(seconds)
        return
    gate = held[0]
    gate.release()
    try:
        await asyncio.sleep(seconds)
    finally:
        # Shielded, so that ``holding_slot`` never gives up a slot this task does not hold: a
        # gate must never let more changes run than it was made for. (A wait cancelled here,
        # when the apply is ending anyway, may leave its slot taken.)
        await asyncio.shield(gate.acquire())
