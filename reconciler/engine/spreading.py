"""Change starts spread over the time a change takes, so the changes in flight never march in step.

An apply keeps ``parallelism`` changes in flight, and left alone they fall into step: answers
that arrive together are handled one after another by the one event loop, the changes they
free start together, their requests reach the service together and come back together, and
every round pays for the whole group's handling before its last change is done (a convoy).
Against the sandbox at 20 ms, four changes in flight arrived in bursts of four within a
millisecond, 27 ms apart: each round took a third longer than the service's answer.

:class:`Spread` keeps consecutive starts at least :data:`SHARE` of a change's typical duration,
divided by the parallelism, apart. Changes that are evenly spread do not wait for each other,
and that spacing is shorter than the slots allow (a slot frees up once per change), so the
apply is not slowed: the spacing only takes effect when starts bunch up. The typical duration
is the median of the last :data:`RECENT` changes, so that a change held up by a retry (a 429
waiting out its ``Retry-After``) does not hold back the others. Before any change has finished,
nothing is known, and the first ``parallelism`` changes start at once.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Callable

__all__ = ["RECENT", "SHARE", "Spread"]

#: The share of ``typical duration / parallelism`` kept between two starts.
SHARE = 0.75

#: How many of the latest changes' durations make the typical one (their median).
RECENT = 15


class Spread:
    """Hands out start times for changes; :meth:`delay` says how long the next start waits."""

    def __init__(self, parallelism: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._parallelism = max(1, parallelism)
        self._clock = clock
        self._durations: deque[float] = deque(maxlen=RECENT)
        self._spacing = 0.0
        self._next = 0.0

    @property
    def spacing(self) -> float:
        """The seconds now kept between two starts (0 until a change has finished)."""
        return self._spacing

    def delay(self) -> float:
        """Book the next start; the seconds to wait for it (0: start now)."""
        now = self._clock()
        start = max(now, self._next)
        self._next = start + self._spacing
        return start - now

    def finished(self, seconds: float) -> None:
        """A change took ``seconds`` from its start to its outcome."""
        self._durations.append(seconds)
        typical = statistics.median(self._durations)
        self._spacing = SHARE * typical / self._parallelism
