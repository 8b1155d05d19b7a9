"""The client's pace: a stray 429 holds back only its own request; crowded 429s slow the client
to below what the service accepted and pause it once; the pace climbs back, and a 429 while
paced measures the limit, where the pace then settles.

The clock is the test's own (``ratelimit.time.monotonic``), so every step is exact.
"""

from __future__ import annotations

import asyncio

import pytest

from reconciler.http import ratelimit
from reconciler.http.ratelimit import GRACE, HEADROOM, MEASURE, PAUSE_AFTER, Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(ratelimit.time, "monotonic", fake)

    async def no_sleep(seconds: float) -> None:
        fake.now += seconds

    monkeypatch.setattr(ratelimit.asyncio, "sleep", no_sleep)
    return fake


def _start(pacer: Pacer) -> float:
    return asyncio.run(pacer.wait())


def test_a_stray_429_among_many_requests_changes_nothing(clock: Clock) -> None:
    pacer = Pacer()
    for _ in range(40):
        pacer.answered(_start(pacer), refused=False)
        clock.now += 0.01
    pacer.answered(_start(pacer), refused=True, retry_after=1.0)
    assert not pacer.paused
    assert pacer.rate is None  # still unpaced


def test_crowding_429s_pause_once_and_pace_below_what_was_accepted(clock: Clock) -> None:
    pacer = Pacer()
    started = [_start(pacer) for _ in range(10 + PAUSE_AFTER)]
    clock.now += 0.05
    for when in started[:10]:
        pacer.answered(when, refused=False)  # the service let 10 through in the window
    for when in started[10 : 10 + PAUSE_AFTER - 1]:
        pacer.answered(when, refused=True, retry_after=1.0)
    assert not pacer.paused  # two are not yet a pattern
    pacer.answered(started[-1], refused=True, retry_after=1.0)
    assert pacer.paused
    assert pacer.rate == pytest.approx(ratelimit.DECREASE * 10)
    clock.now += 1.0
    assert not pacer.paused  # the pause ends after the Retry-After


def test_answers_to_requests_sent_at_the_old_pace_are_ignored(clock: Clock) -> None:
    pacer = Pacer()
    old = [_start(pacer) for _ in range(20)]
    clock.now += 0.05
    for when in old[:10]:
        pacer.answered(when, refused=False)
    for when in old[10:]:
        pacer.answered(when, refused=True, retry_after=1.0)  # the first three decide
    assert pacer.rate == pytest.approx(ratelimit.DECREASE * 10)


def test_the_pace_climbs_then_a_429_measures_the_limit_and_it_settles(clock: Clock) -> None:
    pacer = Pacer()
    started = [_start(pacer) for _ in range(10 + PAUSE_AFTER)]
    for when in started[:10]:
        pacer.answered(when, refused=False)
    for when in started[10:]:
        pacer.answered(when, refused=True, retry_after=1.0)
    first = pacer.rate
    assert first is not None
    clock.now += 1.0 + GRACE
    for _ in range(50):  # accepted answers: the pace climbs
        pacer.answered(_start(pacer), refused=False)
    climbed = pacer.rate
    assert climbed is not None
    assert climbed > first
    assert pacer.learnt is None
    # Refused while paced: the pace holds while the service shows its limit, 12 per second.
    pacer.answered(_start(pacer), refused=True)
    assert pacer.rate == climbed
    limit = 12
    for _i in range(int(limit * MEASURE) + 1):
        clock.now += 1 / limit
        pacer.answered(clock.now, refused=False)
        pacer.answered(clock.now, refused=True)  # the rest above the limit is refused
    assert pacer.learnt == pytest.approx(limit, rel=0.1)
    settled = pacer.rate
    assert settled == pytest.approx(HEADROOM * pacer.learnt)
    clock.now += 1.0
    for _ in range(100):
        pacer.answered(_start(pacer), refused=False)
    assert pacer.rate == settled  # it climbs no further


def test_the_settings_rate_limit_stays_a_ceiling(clock: Clock) -> None:
    pacer = Pacer(ceiling=5.0)
    assert pacer.rate == 5.0
    first, second = _start(pacer), _start(pacer)
    assert second - first == pytest.approx(0.2)
    started = [_start(pacer) for _ in range(10)]
    for when in started[:3]:
        pacer.answered(when, refused=False)
    for when in started[3:]:
        pacer.answered(when, refused=True, retry_after=1.0)
    assert pacer.rate is not None
    assert pacer.rate <= 5.0
    clock.now += 2.0
    for _ in range(200):
        pacer.answered(_start(pacer), refused=False)
    assert pacer.rate <= 5.0
