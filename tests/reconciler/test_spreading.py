"""Change starts are spread over a change's typical duration, and only when they bunch up."""

from __future__ import annotations

import pytest

from reconciler.engine.spreading import RECENT, SHARE, Spread


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_is_held_back_before_a_change_has_finished() -> None:
    spread = Spread(4, clock=_Clock())
    assert [spread.delay() for _ in range(4)] == [0.0, 0.0, 0.0, 0.0]
    assert spread.spacing == 0.0


def test_starts_that_bunch_up_are_spaced_by_a_share_of_the_duration_per_slot() -> None:
    clock = _Clock()
    spread = Spread(4, clock=clock)
    spread.finished(0.02)
    spacing = SHARE * 0.02 / 4
    assert spread.spacing == spacing
    waits = [spread.delay() for _ in range(3)]
    assert waits == pytest.approx([0.0, spacing, 2 * spacing])


def test_starts_already_apart_wait_for_nothing() -> None:
    clock = _Clock()
    spread = Spread(4, clock=clock)
    spread.finished(0.02)
    for _ in range(5):
        assert spread.delay() == 0.0
        clock.now += 0.006  # farther apart than the spacing (0.00375)


def test_one_slow_change_does_not_hold_back_the_others() -> None:
    spread = Spread(2, clock=_Clock())
    for _ in range(RECENT - 1):
        spread.finished(0.02)
    spread.finished(5.0)  # a 429 waiting out its Retry-After
    assert spread.spacing == SHARE * 0.02 / 2


def test_the_typical_duration_follows_the_latest_changes() -> None:
    spread = Spread(1, clock=_Clock())
    for _ in range(RECENT):
        spread.finished(1.0)
    for _ in range(RECENT):
        spread.finished(0.1)
    assert spread.spacing == SHARE * 0.1
