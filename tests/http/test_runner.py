"""The request runner against a scripted service on a real socket: what it retries, how long it
waits, what it refuses, and how a lost create is confirmed instead of sent again."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from scripted_service import Service, Step

from reconciler import (
    AuthenticationError,
    OutcomeUnknownError,
    RejectedError,
    ServiceError,
    TransportError,
)
from reconciler.http import Call, HttpSettings, Reply, RequestRunner, RetryPolicy

T = TypeVar("T")

FAST = RetryPolicy(max_retries=3, base=0.01, cap=0.05, max_retry_after=5.0)


def settings(service: Service, **overrides: Any) -> HttpSettings:
    values: dict[str, Any] = {"retry": FAST, "timeout": 2.0, "trust_env": False}
    return HttpSettings(service.url, **{**values, **overrides})


def run(service: Service, work: Callable[[RequestRunner], Awaitable[T]], **overrides: Any) -> T:
    async def main() -> T:
        async with RequestRunner(settings(service, **overrides)) as runner:
            return await work(runner)

    return asyncio.run(main())


def get(path: str = "/things") -> Callable[[RequestRunner], Awaitable[Reply]]:
    return lambda runner: runner.request("GET", path)


def test_a_429_waits_out_its_retry_after_then_succeeds(service: Service) -> None:
    service.queue(Step(429, {"error": "slow down"}, headers={"Retry-After": "0.5"}))
    started = time.monotonic()
    reply = run(service, get())
    assert reply.body == {"ok": True}
    assert time.monotonic() - started >= 0.5
    assert service.methods() == ["GET", "GET"]


def test_a_retry_after_longer_than_allowed_fails_at_once(service: Service) -> None:
    service.queue(Step(503, headers={"Retry-After": "600"}))
    with pytest.raises(ServiceError, match="asked to wait 600s before retrying GET /things"):
        run(service, get())
    assert service.methods() == ["GET"]


def test_a_5xx_is_retried_until_it_passes(service: Service) -> None:
    service.queue(Step(500), Step(502), Step(200, {"things": [1]}))

    async def work(runner: RequestRunner) -> tuple[Reply, int]:
        reply = await runner.request("GET", "/things")
        return reply, runner.stats.retries

    reply, retries = run(service, work)
    assert reply.body == {"things": [1]}
    assert retries == 2


def test_a_5xx_that_outlasts_the_retries_is_a_service_error(service: Service) -> None:
    service.queue(*[Step(503, {"error": "down"})] * 4)
    with pytest.raises(ServiceError, match=r"answered 503: .*after 4 attempts"):
        run(service, get())


def test_answers_are_never_retried(service: Service) -> None:
    service.queue(Step(422, {"error": "rollout must be at most 100"}))
    with pytest.raises(RejectedError, match="rollout must be at most 100"):
        run(service, lambda r: r.request("PATCH", "/things/1", json={"rollout": 101}))
    assert service.methods() == ["PATCH"]


def test_each_attempt_is_signed_afresh(service: Service) -> None:
    service.queue(Step(503), Step(401, {"error": "bad"}))
    signed: list[int] = []

    def sign(request: httpx.Request) -> httpx.Request:
        signed.append(len(signed))
        request.headers["Authorization"] = f"Bearer secret-token-{len(signed)}"
        return request

    async def main() -> None:
        async with RequestRunner(settings(service), sign=sign) as runner:
            await runner.request("GET", "/things")

    with pytest.raises(AuthenticationError) as refused:
        asyncio.run(main())
    assert [seen[3]["Authorization"] for seen in service.seen] == [
        "Bearer secret-token-1",
        "Bearer secret-token-2",
    ]
    assert "secret-token" not in str(refused.value)


@pytest.mark.parametrize("length", [True, False], ids=["declared", "streamed"])
def test_an_answer_above_the_cap_is_refused(service: Service, length: bool) -> None:
    service.queue(Step(raw=b"[" + b"1," * 5000 + b"1]", length=length))
    with pytest.raises(TransportError, match=r"more than max_response_bytes \(1,000 bytes"):
        run(service, get(), max_response_bytes=1000)
    assert service.methods() == ["GET"]  # not retried: it would be as large again


def test_a_request_is_bounded_by_the_timeout_and_retried(service: Service) -> None:
    service.queue(Step(delay=1.0), Step(delay=1.0))
    started = time.monotonic()
    with pytest.raises(TransportError, match=r"no complete answer within 0.2s .*2 attempts"):
        run(service, get(), timeout=0.2, retry=RetryPolicy(max_retries=1, base=0.01))
    assert time.monotonic() - started < 1.5


def test_a_lost_create_that_was_done_is_confirmed_not_sent_again(service: Service) -> None:
    service.queue(Step(drop=True), Step(200, {"things": [{"id": 7}]}))

    async def work(runner: RequestRunner) -> Reply:
        async def look() -> Reply | None:
            found = await runner.request("GET", "/things")
            return Reply(200, found.headers, {"thing": found.body["things"][0]})

        return await runner.request("POST", "/things", json={"name": "x"}, confirm=look)

    reply = run(service, work)
    assert reply.body == {"thing": {"id": 7}}
    assert service.methods() == ["POST", "GET"]


def test_a_lost_create_that_never_appears_is_an_unknown_outcome(service: Service) -> None:
    service.queue(Step(500))

    async def work(runner: RequestRunner) -> Reply:
        async def look() -> Reply | None:
            return None

        return await runner.request("POST", "/things", json={"name": "x"}, confirm=look)

    with pytest.raises(OutcomeUnknownError, match="POST /things was sent but its answer was lost"):
        run(service, work, timeout=0.1)
    assert service.methods() == ["POST"]


def test_a_delete_that_finds_nothing_after_a_lost_attempt_was_done(service: Service) -> None:
    service.queue(Step(drop=True), Step(404, {"error": "gone"}))
    call = Call("DELETE", "/things/7", absent_is_done=True)

    async def work(runner: RequestRunner) -> Reply:
        return await runner.send(call, lambda: runner.build("DELETE", "/things/7"))

    assert run(service, work).status == 404
    assert service.methods() == ["DELETE", "DELETE"]


def test_a_body_that_is_not_json_is_retried_then_refused(service: Service) -> None:
    service.queue(*[Step(raw=b"<html>login</html>")] * 4)
    with pytest.raises(Exception, match="the body is not JSON"):
        run(service, get())


def test_nothing_listening_is_not_sent_and_says_so(service: Service) -> None:
    url = service.url
    service.shutdown()
    service.server_close()

    async def main() -> None:
        policy = RetryPolicy(max_retries=1, base=0.01)
        runner_settings = HttpSettings(url, retry=policy, trust_env=False)
        async with RequestRunner(runner_settings) as runner:
            await runner.request("GET", "/things")

    with pytest.raises(TransportError, match=r"cannot reach 127.0.0.1:.*could not connect"):
        asyncio.run(main())


def test_the_body_is_sent_as_json(service: Service) -> None:
    run(service, lambda r: r.request("PATCH", "/things/1", json={"rollout": 5}))
    assert json.loads(service.seen[0][2]) == {"rollout": 5}
