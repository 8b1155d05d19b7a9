"""A client-side pace for requests: at most *rate* starts per second, and a shared pause.

A minimum interval between request starts is enough here: the client never needs bursts, and a
steady pace keeps it under a service's per-second limit without learning it from 429s first.

A 429 holds back the request that got it: it waits out its ``Retry-After`` before its retry
(:mod:`reconciler_proctorexam.retry`). The other requests go on, unless 429s come close
together: when at least :data:`PAUSE_AFTER` of them, and at least half of the requests
started, fall within :data:`WINDOW` seconds, the service is limiting this client as a whole,
and every request of the client is held back for the ``Retry-After``. A stray 429 (a busy
moment, a shared gateway) then costs one request a pause, not the whole run; a real limit
still stops the client at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

__all__ = ["PAUSE_AFTER", "WINDOW", "Pacer"]

#: How many 429s within :data:`WINDOW` seconds, at least half of the requests started in it,
#: pause the whole client.
PAUSE_AFTER = 3
WINDOW = 1.0


class Pacer:
    """Hands out start times; :meth:`wait` sleeps until the caller's turn."""

    def __init__(self, rate: float | None = None) -> None:
        self._interval = 0.0 if rate is None else 1.0 / rate
        self._next = 0.0
        self._paused_until = 0.0
        self._starts: deque[float] = deque()
        self._refusals: deque[float] = deque()

    async def wait(self) -> None:
        """Sleep until this request may start. Turns are taken in call order, without a lock:
        the bookkeeping happens before the first ``await``, so no other task runs in between."""
        now = time.monotonic()
        start = max(now, self._next, self._paused_until)
        if self._interval:
            self._next = start + self._interval
        starts = self._starts
        starts.append(start)
        while starts[0] < now - WINDOW:
            starts.popleft()
        if start > now:
            await asyncio.sleep(start - now)

    def pause(self, seconds: float) -> None:
        """A 429 with ``Retry-After: seconds`` arrived; pause the client if 429s are crowding.

        The request that got it waits on its own, whatever this decides.
        """
        now = time.monotonic()
        since = now - WINDOW
        for times in (self._starts, self._refusals):
            while times and times[0] < since:
                times.popleft()
        self._refusals.append(now)
        refused = len(self._refusals)
        if refused >= PAUSE_AFTER and refused * 2 >= len(self._starts):
            self._paused_until = max(self._paused_until, now + seconds)

    @property
    def paused(self) -> bool:
        """Whether every request is being held back now."""
        return time.monotonic() < self._paused_until
