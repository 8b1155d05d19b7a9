"""The readings a sandbox can be started with, each enforced strictly, and its clock."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

import pytest

from reconciler_proctorexam.sandbox import Sandbox
from reconciler_proctorexam.sandbox.readings import ClockMiddleware, Readings

Start = Callable[..., Sandbox]
CallerFactory = Callable[..., Any]


def institutes_named(*names: str) -> list[dict[str, Any]]:
    return [{"name": name, "short_name": name.lower()} for name in names]


@pytest.fixture
def start(proctorexam_sandbox_factory: Start) -> Start:
    def build(**kwargs: Any) -> Sandbox:
        return proctorexam_sandbox_factory(seed=institutes_named("ProctorExam"), **kwargs)

    return build


@pytest.mark.parametrize(("reading", "other"), [("PATCH", "PUT"), ("PUT", "PATCH")])
def test_the_update_route_takes_one_verb(
    start: Start, caller: CallerFactory, reading: str, other: str
) -> None:
    sandbox = start(update_method=reading)
    api = caller(sandbox)
    assert api.request(other, "/institutes/1", {"global_reviewer": False}).status_code == 405
    answer = api.request(reading, "/institutes/1", {"global_reviewer": False})
    assert answer.status_code == 200
    assert sandbox.institutes()[0]["global_reviewer"] is False


def test_delete_parameters_in_the_query_by_default(start: Start, caller: CallerFactory) -> None:
    sandbox = start()
    refused = caller(sandbox).delete("/institutes/1", as_body=True)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "misplaced_parameters"
    assert "in the query string, not in a JSON body" in refused.json()["error"]["message"]
    assert caller(sandbox).delete("/institutes/1").status_code == 200
    assert sandbox.institutes() == []


def test_delete_parameters_in_the_body_when_started_so(start: Start, caller: CallerFactory) -> None:
    sandbox = start(delete_params="body")
    refused = caller(sandbox).delete("/institutes/1")
    assert refused.status_code == 400
    assert "in a JSON body, not in the query string" in refused.json()["error"]["message"]
    assert caller(sandbox).delete("/institutes/1", as_body=True).status_code == 200
    assert sandbox.institutes() == []


@pytest.mark.parametrize(("reading", "other"), [("ruby", "json"), ("json", "ruby")])
def test_lists_are_signed_one_way(
    start: Start, caller: CallerFactory, reading: str, other: str
) -> None:
    sandbox = start(list_rendering=reading)
    api = caller(sandbox)
    values = {"custom_languages": ["no-NO", "fr-FR"]}
    refused = api.patch("/institutes/1", values, lists=other)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_signature"
    assert api.patch("/institutes/1", values, lists=reading).status_code == 200
    assert sandbox.institutes()[0]["custom_languages"] == ["no-NO", "fr-FR"]


def test_a_get_body_is_signed_and_then_ignored(start: Start, caller: CallerFactory) -> None:
    sandbox = start()
    probe = {"probe_flag": True, "probe_null": None, "probe_list": ["a", "b"]}
    api = caller(sandbox)
    answer = api.get("/institutes", {"page": 1, "limit": 1}, body=probe)
    assert answer.status_code == 200
    assert [i["short_name"] for i in answer.json()["institutes"]] == ["proctorexam"]
    forged = api.get("/institutes", {"page": 1, "limit": 1}, body=probe, lists="json")
    assert forged.json()["error"]["code"] == "invalid_signature"


def test_an_unknown_reading_is_refused() -> None:
    with pytest.raises(ValueError, match="update_method must be one of PATCH, PUT, not 'POST'"):
        Sandbox(update_method="POST")


def test_a_moved_clock_shows_in_the_date_header_and_the_timestamp_check(
    start: Start, caller: CallerFactory
) -> None:
    sandbox = start(clock_offset=600)
    answer = caller(sandbox).get("/institutes")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "stale_timestamp"
    served = email.utils.parsedate_to_datetime(answer.headers["date"]).timestamp()
    assert 590 < served - time.time() < 610
    assert len(answer.headers.get_list("date")) == 1


def test_the_date_header_is_formatted_once_a_second_and_follows_the_clock() -> None:
    class Ticking(Readings):
        now = 1_700_000_000_250

        def now_ms(self) -> int:
            return Ticking.now

    async def app(scope: object, receive: object, send: object) -> None:
        raise AssertionError("not called")

    clock = ClockMiddleware(app, Ticking())
    first = clock.date()
    assert first == email.utils.formatdate(1_700_000_000.25, usegmt=True).encode("ascii")
    Ticking.now += 749  # still the same second
    assert clock.date() is first
    Ticking.now += 1
    assert clock.date() == email.utils.formatdate(1_700_000_001, usegmt=True).encode("ascii")
