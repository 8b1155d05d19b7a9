"""A client-side pace for requests: at most *rate* starts per second, and a shared pause.

A minimum interval between request starts is enough here: the client never needs bursts, and a
steady pace keeps it under a service's per-second limit without learning it from 429s first.
The shared pause lets one ``Retry-After`` hold back every task of the client, not only the one
that received it.
"""

from __future__ import annotations

import asyncio
import time

__all__ = ["Pacer"]


class Pacer:
    """Hands out start times; :meth:`wait` sleeps until the caller's turn."""

    def __init__(self, rate: float | None = None) -> None:
        self._interval = 0.0 if rate is None else 1.0 / rate
        self._next = 0.0
        self._paused_until = 0.0

    async def wait(self) -> None:
        """Sleep until this request may start. Turns are taken in call order, without a lock:
        the bookkeeping happens before the first ``await``, so no other task runs in between."""
        now = time.monotonic()
        start = max(now, self._next, self._paused_until)
        if self._interval:
            self._next = start + self._interval
        if start > now:
            await asyncio.sleep(start - now)

    def pause(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` from now (a 429's ``Retry-After``)."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
