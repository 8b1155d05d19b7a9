"""``gc_paused``: no collection inside, collection back afterwards whatever happens."""

from __future__ import annotations

import gc

import pytest

from reconciler.collector import gc_paused


def test_collection_is_paused_inside_and_resumes_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collection_resumes_after_an_error() -> None:
    with pytest.raises(ValueError, match="boom"), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_as_a_decorator_each_call_pauses_and_resumes() -> None:
    seen: list[bool] = []

    @gc_paused()
    def build() -> None:
        seen.append(gc.isenabled())

    build()
    build()
    assert seen == [False, False]
    assert gc.isenabled()


def test_collection_left_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
