"""Messages written without rich (a pipe, a CI log) read exactly as rich would write them."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from reconciler.console import Output
from reconciler.model import Action, Change
from reconciler.records import ChangeOutcome, Outcome

# Text of every kind, with extra weight on what rich treats specially: markup brackets,
# emoji codes, tabs, the control codes it strips, locations such as file:3:5.
_TRICKY = st.sampled_from(
    ["[bold]", "[/]", ":smile:", ":3:", "\t", "\x07", "\r", "\x1b[31m", ":", "\\", "é", "中"]
)
messages = st.lists(st.one_of(st.text(), _TRICKY), max_size=8).map("".join)


def _written(write: object, *, rich: bool) -> str:
    stream = io.StringIO()
    out = Output(color=False, stream=stream)
    out.rich = rich  # as a terminal without colour (NO_COLOR) would have it
    assert callable(write)
    write(out)
    return stream.getvalue()


def _same(write: object) -> None:
    assert _written(write, rich=False) == _written(write, rich=True)


@given(messages)
def test_say_and_error_read_the_same_without_rich(message: str) -> None:
    _same(lambda out: out.say(message, style="green"))
    _same(lambda out: out.error(message))


@given(st.text(min_size=1).filter(lambda s: "\n" not in s), messages)
def test_outcomes_read_the_same_without_rich(identity: str, error: str) -> None:
    change = Change(Action.UPDATE, "institute", identity)
    _same(lambda out: out.outcome(ChangeOutcome(change, Outcome.APPLIED)))
    _same(lambda out: out.outcome(ChangeOutcome(change, Outcome.FAILED, error=error or None)))


def test_no_terminal_no_progress_bar() -> None:
    stream = io.StringIO()
    out = Output(color=False, stream=stream)
    with out.progress(3, "Applying") as progress:
        progress.advance(progress.task_ids[0])
        out.say("institute.pe: updated")
    assert stream.getvalue() == "institute.pe: updated\n"
