"""The client's pace: a stray 429 holds back only its own request; crowded 429s pause them all."""

from __future__ import annotations

import asyncio

from reconciler_proctorexam.ratelimit import PAUSE_AFTER, Pacer


def _started(pacer: Pacer, requests: int) -> None:
    async def start_all() -> None:
        for _ in range(requests):
            await pacer.wait()

    asyncio.run(start_all())


def test_a_stray_429_among_many_requests_pauses_nobody_else() -> None:
    pacer = Pacer()
    _started(pacer, 40)
    for _ in range(PAUSE_AFTER):
        pacer.pause(1.0)  # 3 of 40 requests refused: a busy moment, not a limit
    assert not pacer.paused


def test_429s_crowding_the_requests_pause_the_whole_client() -> None:
    pacer = Pacer()
    _started(pacer, PAUSE_AFTER + 1)
    for _ in range(PAUSE_AFTER - 1):
        pacer.pause(1.0)
    assert not pacer.paused  # two are not yet a pattern
    pacer.pause(1.0)
    assert pacer.paused


def test_a_pause_ends_after_the_retry_after() -> None:
    pacer = Pacer()
    _started(pacer, 1)
    for _ in range(PAUSE_AFTER):
        pacer.pause(0.0)
    assert not pacer.paused
