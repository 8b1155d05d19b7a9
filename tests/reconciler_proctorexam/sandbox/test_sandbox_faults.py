"""Each injected fault is observable from a client, and a fixed seed reproduces the same run."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import sys
import time
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest

from reconciler_proctorexam.sandbox import Faults, Sandbox
from reconciler_proctorexam.sandbox.faults import (
    DroppedConnection,
    FaultMiddleware,
    silence_dropped_connections,
)


def test_no_faults_by_default(api: Any, proctorexam_sandbox: Sandbox) -> None:
    assert proctorexam_sandbox.faults == Faults()
    assert all(api.get("/institutes").status_code == 200 for _ in range(20))


def test_429_with_retry_after(proctorexam_sandbox_factory: Any, caller: Any) -> None:
    sandbox = proctorexam_sandbox_factory(faults=Faults(rate_429=1.0, retry_after=7, seed=1))
    response = caller(sandbox).get("/institutes")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.json()["error"]["code"] == "rate_limited"
    assert sandbox.requests[-1].fault == "429"


def test_5xx_answers_include_html_502_and_504_and_a_503_with_retry_after(
    proctorexam_sandbox_factory: Any, caller: Any
) -> None:
    sandbox = proctorexam_sandbox_factory(faults=Faults(rate_5xx=1.0, retry_after=2, seed=3))
    client = caller(sandbox)
    responses = [client.get("/institutes") for _ in range(40)]
    assert {r.status_code for r in responses} == {500, 502, 503, 504}
    for status in (502, 504):
        gateway = next(r for r in responses if r.status_code == status)
        assert gateway.headers["content-type"].startswith("text/html")
    unavailable = next(r for r in responses if r.status_code == 503)
    assert unavailable.headers["retry-after"] == "2"
    assert {r.fault for r in sandbox.requests} == {"5xx"}


def test_retry_after_can_be_an_http_date(proctorexam_sandbox_factory: Any, caller: Any) -> None:
    sandbox = proctorexam_sandbox_factory(
        faults=Faults(rate_429=1.0, retry_after=30, retry_after_date=True)
    )
    response = caller(sandbox).get("/institutes")
    when = email.utils.parsedate_to_datetime(response.headers["retry-after"])
    assert 30 <= when.timestamp() - time.time() <= 32


def test_a_late_commit_is_validated_on_arrival_and_made_after_the_client_has_gone(
    proctorexam_sandbox_factory: Any, caller: Any
) -> None:
    sandbox = proctorexam_sandbox_factory(
        faults=Faults(rate_late_commit=1.0, late_commit_delay=0.3)
    )
    client = caller(sandbox)
    for _ in range(2):  # the second arrives before the first is committed: both pass the check
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/institutes", {"name": "Late", "short_name": "late"})
    assert sandbox.institutes() == []
    sandbox.settle()
    assert [i["short_name"] for i in sandbox.institutes()] == ["late", "late"]
    assert [(r.fault, r.status, r.delivered) for r in sandbox.requests] == [
        ("late-commit", 201, False)
    ] * 2


def test_drip_and_truncated_json_faults(proctorexam_sandbox_factory: Any, caller: Any) -> None:
    sandbox = proctorexam_sandbox_factory(
        seed=[{"name": "A", "short_name": "a"}], faults=Faults(rate_bad_json=1.0)
    )
    client = caller(sandbox)
    cut = client.get("/institutes")
    assert cut.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    sandbox.set_faults(Faults(rate_drip=1.0, drip_interval=0.001))
    dripped = client.get("/institutes")
    assert dripped.json()["institutes"][0]["short_name"] == "a"
    assert [r.fault for r in sandbox.requests] == ["bad-json", "drip"]


def test_a_connection_dropped_before_processing_changes_nothing(
    proctorexam_sandbox_factory: Any, caller: Any
) -> None:
    sandbox = proctorexam_sandbox_factory(faults=Faults(rate_drop_before=1.0))
    with pytest.raises(httpx.RemoteProtocolError):
        caller(sandbox).post("/institutes", {"name": "A", "short_name": "a"})
    assert sandbox.institutes() == []
    record = sandbox.requests[-1]
    assert (record.fault, record.status, record.delivered) == ("drop-before", None, False)


def test_a_connection_dropped_after_processing_hides_a_write_that_happened(
    proctorexam_sandbox_factory: Any, caller: Any
) -> None:
    sandbox = proctorexam_sandbox_factory(faults=Faults(rate_drop_after=1.0))
    client = caller(sandbox)
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/institutes", {"name": "A", "short_name": "a"})
    assert [i["short_name"] for i in sandbox.institutes()] == ["a"]
    record = sandbox.requests[-1]
    assert (record.fault, record.status, record.delivered) == ("drop-after", 201, False)
    # Why a blind retry of a POST is dangerous: the retry now finds the name taken.
    sandbox.set_faults(Faults())
    retry = client.post("/institutes", {"name": "A", "short_name": "a"})
    assert retry.json() == {
        "name": ["has already been taken"],
        "short_name": ["has already been taken"],
    }


def test_the_rps_limit_answers_429_with_retry_after(
    proctorexam_sandbox_factory: Any, caller: Any
) -> None:
    # One request per 100 s: the second request is over the limit however fast the machine.
    sandbox = proctorexam_sandbox_factory(faults=Faults(rps_limit=0.01))
    client = caller(sandbox)
    assert client.get("/institutes").status_code == 200
    limited = client.get("/institutes")
    assert limited.status_code == 429
    assert 99 <= int(limited.headers["retry-after"]) <= 100
    assert sandbox.requests[-1].fault == "rps-limit"


def test_latency_delays_answers(proctorexam_sandbox_factory: Any, caller: Any) -> None:
    sandbox = proctorexam_sandbox_factory(faults=Faults(latency=0.05, jitter=0.01, seed=2))
    response = caller(sandbox).get("/institutes")
    assert response.status_code == 200
    assert response.elapsed.total_seconds() >= 0.04
    assert sandbox.requests[-1].fault is None


def _statuses(sandbox: Sandbox, caller: Any, faults: Faults) -> list[int]:
    sandbox.set_faults(faults)
    client = caller(sandbox)
    return [client.get("/institutes").status_code for _ in range(40)]


def test_a_fixed_seed_reproduces_the_same_faults(proctorexam_sandbox: Sandbox, caller: Any) -> None:
    faults = Faults(rate_429=0.3, rate_5xx=0.3, seed=42)
    first = _statuses(proctorexam_sandbox, caller, faults)
    second = _statuses(proctorexam_sandbox, caller, faults)  # set_faults restarts the generator
    assert first == second
    assert {200, 429} <= set(first)
    assert any(status >= 500 for status in first)
    other = _statuses(proctorexam_sandbox, caller, Faults(rate_429=0.3, rate_5xx=0.3, seed=7))
    assert other != first


def test_faults_change_at_runtime(proctorexam_sandbox: Sandbox, api: Any) -> None:
    proctorexam_sandbox.set_faults(Faults(rate_429=1.0))
    assert api.get("/institutes").status_code == 429
    proctorexam_sandbox.set_faults(Faults())
    assert api.get("/institutes").status_code == 200


def test_faults_spare_paths_outside_the_api(proctorexam_sandbox_factory: Any) -> None:
    sandbox = proctorexam_sandbox_factory(faults=Faults(rate_drop_before=1.0))
    response = httpx.get(sandbox.base_url.removesuffix("/api/v3") + "/health")
    assert response.status_code == 404  # answered, not dropped


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rate_429": 1.5},
        {"rate_429": 0.6, "rate_5xx": 0.6},
        {"latency": -1.0},
        {"rps_limit": 0},
        {"retry_after": -1},
    ],
)
def test_impossible_faults_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        Faults(**kwargs)


def test_a_drop_starts_an_answer_and_fails_it_quietly() -> None:
    """What the server is sent when a connection is dropped (a socket cannot show it): the
    start of an answer, then a failure, which uvicorn closes the connection on, unlogged."""
    sent: list[MutableMapping[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("a request dropped before processing must not be processed")

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    middleware = FaultMiddleware(app, Faults(rate_drop_before=1.0), prefix="/api/v3")
    scope = {"type": "http", "method": "GET", "path": "/api/v3/institutes"}
    with pytest.raises(DroppedConnection):
        asyncio.run(middleware(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start"]

    silence_dropped_connections()
    try:
        raise DroppedConnection("dropped")
    except DroppedConnection:
        record = logging.LogRecord("uvicorn.error", 40, __file__, 1, "boom", (), sys.exc_info())
    assert not logging.getLogger("uvicorn.error").filter(record)
