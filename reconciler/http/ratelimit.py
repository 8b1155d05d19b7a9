"""A client-side pace for requests that learns the service's rate limit from its 429s.

The service's rate limit is not documented, so the client starts unpaced (or at the settings'
``rate_limit``, which stays a ceiling) and learns it, as AIMD does:

- **Multiplicative decrease.** When 429s crowd (at least :data:`PAUSE_AFTER` of them, and at
  least :data:`CROWDED_SHARE` of the answers, within :data:`WINDOW` seconds), the client is far
  above the limit. The pace drops to :data:`DECREASE` of the rate the service still accepted
  over that window, and every request waits out the ``Retry-After`` once.
- **Additive increase.** Every accepted answer raises the pace by :data:`INCREASE` requests per
  second per second: the first estimate is rough (a service lets a burst through first).
- **Measuring.** The first 429 while paced means the pace has just passed the limit. The pace
  then holds for :data:`MEASURE` seconds, while the service refuses what is above its limit:
  what it accepts in that time is its limit. The pace settles at :data:`HEADROOM` of it and
  climbs no further, so it provokes almost no 429 once learnt. Another 429 later measures
  again (the limit may have dropped).

Only answers to requests started after the last change of pace count towards the next one:
the requests in flight when the pace changed were sent at the old pace, and their 429s say
nothing new. A stray 429 while unpaced (a busy moment, a shared gateway) changes nothing: that
request alone waits its ``Retry-After`` (:mod:`reconciler.http.retry`), the others go on.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

__all__ = ["PAUSE_AFTER", "WINDOW", "Pacer"]

#: How many 429s within :data:`WINDOW` seconds, and what share of the answers in it, show
#: that the service is limiting the client rather than refusing one request.
PAUSE_AFTER = 3
CROWDED_SHARE = 0.2
WINDOW = 1.0
#: The pace after crowding 429s, as a share of the rate the service still accepted.
DECREASE = 0.9
#: How fast the pace climbs until it meets the limit: requests per second, per second.
INCREASE = 3.0
#: How long the pace holds to measure the limit, in seconds, once a 429 says it was met.
MEASURE = 1.0
#: The pace once the limit is measured, as a share of it.
HEADROOM = 0.98
#: The slowest pace ever chosen from 429s, requests per second.
FLOOR = 0.5
#: How long after a change of pace a 429 still belongs to the old pace, in seconds: a
#: service that has just refused a burst may still be refilling what it allows.
GRACE = 0.1


class Pacer:
    """Hands out start times; learns a pace from what the service answers.

    The client calls :meth:`wait` before each request (it returns the start time), then
    :meth:`answered` with that start time, whether the service refused it with a 429, and
    that 429's ``Retry-After``.
    """

    def __init__(self, ceiling: float | None = None) -> None:
        self._ceiling = ceiling
        self._rate: float | None = ceiling  # requests per second; None: unpaced
        self._limit: float | None = None  # measured; the pace no longer climbs
        self._changed = float("-inf")  # when the pace last changed from a 429
        self._measuring: float | None = None  # since when the pace holds to measure
        self._measured = 0  # accepted answers since then
        self._next = 0.0
        self._paused_until = 0.0
        self._accepted: deque[float] = deque()
        self._refused: deque[float] = deque()

    @property
    def rate(self) -> float | None:
        """The pace now, in requests per second; None while unpaced."""
        return self._rate

    @property
    def learnt(self) -> float | None:
        """The service's limit as measured from its 429s, requests per second; None if not."""
        return self._limit

    async def wait(self) -> float:
        """Sleep until this request may start; return its start time (for :meth:`answered`).

        Turns are taken in call order, without a lock: the bookkeeping happens before the first
        ``await``, so no other task runs in between.
        """
        now = time.monotonic()
        start = max(now, self._next, self._paused_until)
        if self._rate:
            self._next = start + 1.0 / self._rate
        if start > now:
            await asyncio.sleep(start - now)
        return start

    def answered(self, started: float, *, refused: bool, retry_after: float | None = None) -> None:
        """The request started at ``started`` was answered; ``refused`` if with a 429, whose
        ``Retry-After`` (seconds) is ``retry_after``."""
        now = time.monotonic()
        since = now - WINDOW
        for times in (self._accepted, self._refused):
            while times and times[0] < since:
                times.popleft()
        if started < self._changed + GRACE:
            return  # sent at an older pace, or just after: its answer says nothing new
        if not refused:
            self._accepted.append(now)
            self._on_accepted(started, now)
            return
        if self._measuring is not None:
            return  # refusals are expected while the pace holds above the limit to measure it
        if self._rate is not None and self._changed != float("-inf"):
            # Paced from 429s, and refused: the pace has just met the limit. Hold, and measure.
            self._measuring, self._measured = now, 0
            return
        self._refused.append(now)
        refused_now = len(self._refused)
        if refused_now >= PAUSE_AFTER and refused_now >= CROWDED_SHARE * (
            refused_now + len(self._accepted)
        ):
            # Far above the limit: every request waits out the Retry-After once, then the
            # pace is below what the service still accepted.
            if retry_after:
                self._paused_until = max(self._paused_until, now + retry_after)
            self._set_pace(DECREASE * len(self._accepted) / WINDOW, now)

    def _on_accepted(self, started: float, now: float) -> None:
        if self._measuring is not None:
            # Counted by start time, so that the answers still on their way do not count
            # against the service: the accepted starts per second of start time.
            elapsed = started - self._measuring
            if elapsed >= MEASURE:
                self._limit = max(FLOOR, self._measured / elapsed)
                self._set_pace(HEADROOM * self._limit, now)
            elif elapsed >= 0:
                self._measured += 1
            return
        rate = self._rate
        if rate is None or self._limit is not None or self._changed == float("-inf"):
            return  # unpaced, settled, or paced by the ceiling alone
        # One accepted answer in ``rate`` per second: INCREASE per second in all.
        climbed = rate + INCREASE / rate
        self._rate = climbed if self._ceiling is None else min(self._ceiling, climbed)

    def _set_pace(self, rate: float, now: float) -> None:
        rate = max(FLOOR, rate)
        self._rate = rate if self._ceiling is None else min(rate, self._ceiling)
        self._changed = now
        self._measuring = None
        self._refused.clear()
        self._accepted.clear()

    @property
    def paused(self) -> bool:
        """Whether every request is being held back now."""
        return time.monotonic() < self._paused_until
