"""The judgements of the doctor steps that no sandbox configuration produces.

The sandbox checks every parameter it is sent, so a server that ignores unknown parameters
(both signings accepted) or that sends no pagination headers cannot be had from it; these
decisions are checked on hand-made answers instead.
"""

from __future__ import annotations

import httpx
import pytest

from reconciler.records import StepStatus
from reconciler_proctorexam.doctor.probe import Answer, Unreachable
from reconciler_proctorexam.doctor.steps import clock_step, pagination_step, typed_values_step


def answer(
    status: int, *, body: object = None, headers: dict[str, str] | None = None, skew: float = 0
) -> Answer:
    return Answer(status, httpx.Headers(headers or {}), body, "", skew)


OK, REFUSED = answer(200, body={"institutes": []}), answer(401, body={})


@pytest.mark.parametrize(
    ("current", "alternative", "status", "words"),
    [
        (OK, REFUSED, StepStatus.PASSED, "the reading is confirmed"),
        (OK, answer(403, body={}), StepStatus.PASSED, "refused (403): the reading is confirmed"),
        (answer(403, body={}), OK, StepStatus.INCONCLUSIVE, "answered 403"),
        (OK, OK, StepStatus.INCONCLUSIVE, "the server ignores unknown parameters"),
        (REFUSED, OK, StepStatus.FAILED, 'set list_rendering = "json"'),
        (REFUSED, REFUSED, StepStatus.FAILED, "a boolean or a null differently"),
        (OK, answer(500, body={}), StepStatus.INCONCLUSIVE, "answered 500"),
        (OK, Unreachable("the connection was dropped"), StepStatus.INCONCLUSIVE, "dropped"),
    ],
)
def test_the_typed_values_decision(
    current: Answer | Unreachable,
    alternative: Answer | Unreachable,
    status: StepStatus,
    words: str,
) -> None:
    step = typed_values_step(current, alternative, "ruby", "json")
    assert step.status is status
    assert words in step.detail + step.fix


def test_the_inconclusive_typed_values_say_what_would_tell() -> None:
    step = typed_values_step(OK, OK, "ruby", "json")
    assert "--write-probe NAME" in step.fix


def test_missing_pagination_headers_are_inconclusive() -> None:
    step = pagination_step(answer(200, body={"institutes": [{"id": 1}]}))
    assert step.status is StepStatus.INCONCLUSIVE
    assert "lacks X-Pagination-Item-Count" in step.detail


def test_pagination_headers_that_disagree() -> None:
    headers = {
        "X-Pagination-Item-Count": "10",
        "X-Pagination-Page-Count": "3",
        "X-Pagination-Page": "1",
        "X-Pagination-Limit": "1",
    }
    step = pagination_step(answer(200, body={"institutes": [{"id": 1}]}, headers=headers))
    assert step.status is StepStatus.FAILED
    assert "3 pages for 10 items of 1" in step.detail


@pytest.mark.parametrize(
    ("skew", "status"),
    [(0.4, StepStatus.PASSED), (-29, StepStatus.PASSED), (-45, StepStatus.FAILED)],
)
def test_the_clock_threshold(skew: float, status: StepStatus) -> None:
    assert clock_step(answer(200, skew=skew)).status is status


def test_no_date_header_is_inconclusive() -> None:
    step = clock_step(Answer(200, httpx.Headers(), {}, "", None))
    assert step.status is StepStatus.INCONCLUSIVE
