"""Unknown outcomes: a write whose answer was lost is looked for, never sent again.

A create that reached the service but whose answer was lost (a broken connection, a timeout, a
500 from a gateway) may have been done, or may yet be: a server can commit a request that
outlived the client's timeout. Sending it again could make the object twice, so the caller's
``confirm`` reads back whether it exists, again and again until a deadline. If it never
appears, :class:`~reconciler.OutcomeUnknownError`: a later plan decides.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from reconciler.errors import AuthenticationError, OutcomeUnknownError, ProviderError

__all__ = ["confirm_outcome"]

T = TypeVar("T")


async def confirm_outcome(
    confirm: Callable[[], Awaitable[T | None]],
    *,
    what: str,
    reason: str,
    window: float,
    first_wait: float,
    address: str | None = None,
) -> T:
    """``confirm()``'s first answer that is not None, tried until ``window`` seconds have passed.

    ``what`` (``"POST /flags"``) and ``reason`` (how the answer was lost) make the message.
    The waits between look-ups double from ``first_wait``, up to 5 seconds. A look-up that
    fails counts as not found (its error is quoted if nothing is found), except a refusal of
    the credentials, which is raised at once.
    """
    deadline = time.monotonic() + window
    wait = first_wait
    last_error = ""
    while True:
        try:
            found = await confirm()
        except AuthenticationError:
            raise
        except ProviderError as exc:
            found, last_error = None, f" (the last look-up failed: {exc.detail})"
        if found is not None:
            return found
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OutcomeUnknownError(
                f"{what} was sent but its answer was lost ({reason}), and the object had"
                f" not appeared {window:g}s later{last_error}. It may still be made by the"
                " service; it was not sent again, so it cannot be made twice. Run plan"
                " again: the next plan shows whether it is still needed.",
                address=address,
            )
        await asyncio.sleep(min(wait, remaining))
        wait = min(wait * 2, 5.0)
