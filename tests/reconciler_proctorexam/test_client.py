"""The API client against the sandbox over real sockets: signing, paging, errors, faults."""

from __future__ import annotations

import asyncio
import json
import math
import socket
import traceback
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar
from urllib.parse import parse_qs

import httpx
import pytest

from reconciler.errors import (
    AuthenticationError,
    NotFoundError,
    OutcomeUnknownError,
    ProviderError,
    RejectedError,
    ServiceError,
    TransportError,
)
from reconciler_proctorexam.client import ProctorExamClient
from reconciler_proctorexam.config import ClientSettings, Credentials
from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Faults, Sandbox

T = TypeVar("T")
TAWK_KEY = "tawk-key-do-not-print-7f3a"

SettingsFor = Callable[..., ClientSettings]
SandboxFactory = Callable[..., Sandbox]
MakeInstitutes = Callable[..., list[dict[str, Any]]]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


async def _with_client(
    settings: ClientSettings, work: Callable[[ProctorExamClient], Coroutine[Any, Any, T]]
) -> T:
    async with ProctorExamClient(settings) as client:
        return await work(client)


def _processed(sandbox: Sandbox, method: str) -> list[Any]:
    """Requests of ``method`` that reached the application and succeeded (seen or not)."""
    return [
        r
        for r in sandbox.requests
        if r.method == method and r.status is not None and r.status < 300
    ]


def _secret_free(*texts: str) -> None:
    for text in texts:
        for secret in (DEFAULT_TOKEN, DEFAULT_SECRET, TAWK_KEY):
            assert secret not in text


# Signing and round trips -------------------------------------------------------------------


def test_signed_requests_round_trip(
    proctorexam_sandbox: Sandbox, settings_for: SettingsFor
) -> None:
    sandbox = proctorexam_sandbox

    async def work(client: ProctorExamClient) -> tuple[dict[str, Any], ...]:
        created = await client.create_institute(
            {
                "short_name": "pe",
                "name": "ProctorExam \u2013 Troms\u00f8",
                "global_proctor": True,
                "callback_url": None,
                "custom_languages": ["no-NO", "fr-FR"],
                "session_retention_period": 6,
                "tawk_api_key": TAWK_KEY,
            }
        )
        read = await client.get_institute(str(created["id"]))
        updated = await client.update_institute(
            str(created["id"]), {"reminder_emails_enabled": False, "custom_languages": []}
        )
        listed = await client.list_institutes()
        await client.delete_institute(str(created["id"]))
        return created, read, updated, listed[0]

    created, read, updated, listed = run(_with_client(settings_for(sandbox.base_url), work))
    assert created == read
    assert created["name"] == "ProctorExam \u2013 Troms\u00f8"
    assert created["custom_languages"] == ["no-NO", "fr-FR"]
    assert updated["reminder_emails_enabled"] is False
    assert updated["custom_languages"] == []
    assert updated["name"] == created["name"]
    assert listed == updated
    assert sandbox.institutes() == []
    assert [(r.method, r.status) for r in sandbox.requests] == [
        ("POST", 201),
        ("GET", 200),
        ("PATCH", 200),
        ("GET", 200),
        ("DELETE", 200),
    ]
    patch = next(r for r in sandbox.requests if r.method == "PATCH")
    assert patch.fields == ("custom_languages", "reminder_emails_enabled")


# Listing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 300, 301, 10_000])
def test_listing_returns_each_once_with_the_fewest_requests(
    count: int,
    proctorexam_sandbox_factory: SandboxFactory,
    settings_for: SettingsFor,
    make_institutes: MakeInstitutes,
) -> None:
    seed = make_institutes(count)
    sandbox = proctorexam_sandbox_factory(seed=seed)
    listed = run(_with_client(settings_for(sandbox.base_url), lambda c: c.list_institutes()))
    assert sorted(i["short_name"] for i in listed) == [s["short_name"] for s in seed]
    assert len({i["id"] for i in listed}) == count
    gets = [r for r in sandbox.requests if r.method == "GET"]
    assert len(gets) == len(sandbox.requests) == max(1, math.ceil(count / 300))
    pages = sorted(int(parse_qs(r.query)["page"][0]) for r in gets)
    assert pages == list(range(1, len(gets) + 1))
    assert {parse_qs(r.query)["limit"][0] for r in gets} == {"300"}


class _DeleteAfterFirstPage(httpx.AsyncHTTPTransport):
    """A real transport that, once page 1 has been answered, deletes from the sandbox's state
    institutes that page held: the later pages shift under the listing."""

    def __init__(self, sandbox: Sandbox, ids: list[int]) -> None:
        super().__init__()
        self.sandbox = sandbox
        self.ids = ids

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if self.ids and request.url.params.get("page") == "1":
            for institute_id in self.ids:
                self.sandbox.delete_institute(institute_id)
            self.ids = []
        return response


def test_a_listing_survives_pages_shifting_under_it(
    proctorexam_sandbox_factory: SandboxFactory,
    settings_for: SettingsFor,
    make_institutes: MakeInstitutes,
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=make_institutes(900))
    ids = [i["id"] for i in sandbox.institutes()[:5]]
    settings = settings_for(sandbox.base_url, parallelism=1)

    async def work() -> list[dict[str, Any]]:
        transport = _DeleteAfterFirstPage(sandbox, ids)
        async with ProctorExamClient(settings, transport=transport) as client:
            return await client.list_institutes()

    listed = run(work())
    assert sorted(i["id"] for i in listed) == sorted(i["id"] for i in sandbox.institutes())
    assert len(listed) == 895
    # Page 2 reported a different total than page 1: the listing was walked a second time.
    assert len(sandbox.requests) == 6


class _WithoutPaginationHeaders(httpx.AsyncHTTPTransport):
    """A real transport that drops the pagination headers, as a service might not send them."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        for name in [n for n in response.headers if n.lower().startswith("x-pagination")]:
            del response.headers[name]
        return response


def test_a_listing_without_pagination_headers_follows_full_pages(
    proctorexam_sandbox_factory: SandboxFactory,
    settings_for: SettingsFor,
    make_institutes: MakeInstitutes,
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=make_institutes(600))
    settings = settings_for(sandbox.base_url)

    async def work() -> list[dict[str, Any]]:
        async with ProctorExamClient(settings, transport=_WithoutPaginationHeaders()) as client:
            return await client.list_institutes()

    assert len({i["id"] for i in run(work())}) == 600
    # Two full pages, then an empty one says the end was reached.
    assert len(sandbox.requests) == 3


def test_find_institute(
    proctorexam_sandbox_factory: SandboxFactory,
    settings_for: SettingsFor,
    make_institutes: MakeInstitutes,
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=make_institutes(450))

    async def work(client: ProctorExamClient) -> tuple[Any, Any]:
        return await client.find_institute("i00420"), await client.find_institute("nobody")

    found, missing = run(_with_client(settings_for(sandbox.base_url), work))
    assert found["name"] == "Institute 00420"
    assert missing is None


# Errors -----------------------------------------------------------------------------------


def test_wrong_secret_is_an_authentication_error(
    proctorexam_sandbox: Sandbox, settings_for: SettingsFor
) -> None:
    wrong = Credentials(DEFAULT_TOKEN, "not-the-secret-at-all", "test")
    settings = settings_for(proctorexam_sandbox.base_url, credentials=wrong)
    with pytest.raises(AuthenticationError) as info:
        run(_with_client(settings, lambda c: c.list_institutes()))
    message = str(info.value)
    assert "refused GET /institutes with 401" in message
    assert "Check PROCTOREXAM_API_TOKEN and PROCTOREXAM_SECRET_KEY" in message
    assert "Premium superuser" in message
    assert "not-the-secret-at-all" not in message
    assert len(proctorexam_sandbox.requests) == 1  # never retried


def test_unknown_token_is_an_authentication_error(
    proctorexam_sandbox: Sandbox, settings_for: SettingsFor
) -> None:
    unknown = Credentials("who-is-this", DEFAULT_SECRET, "test")
    settings = settings_for(proctorexam_sandbox.base_url, credentials=unknown)
    with pytest.raises(AuthenticationError, match="401"):
        run(_with_client(settings, lambda c: c.get_institute("1")))


def test_institute_administrator_may_not_list(
    proctorexam_sandbox_factory: SandboxFactory, settings_for: SettingsFor
) -> None:
    from reconciler_proctorexam.sandbox import SandboxUser

    admin = SandboxUser(token="admin-token", secret="admin-secret", institute_id=1)
    sandbox = proctorexam_sandbox_factory(
        seed=[{"id": 1, "name": "Own", "short_name": "own"}],
        users=[SandboxUser(DEFAULT_TOKEN, DEFAULT_SECRET), admin],
    )
    settings = settings_for(
        sandbox.base_url, credentials=Credentials("admin-token", "admin-secret", "test")
    )
    with pytest.raises(AuthenticationError, match=r"403.*Premium superuser"):
        run(_with_client(settings, lambda c: c.list_institutes()))
    own = run(_with_client(settings, lambda c: c.get_institute("1")))
    assert own["short_name"] == "own"


def test_not_found_names_the_institute(
    proctorexam_sandbox: Sandbox, settings_for: SettingsFor
) -> None:
    settings = settings_for(proctorexam_sandbox.base_url)
    with pytest.raises(NotFoundError) as info:
        run(_with_client(settings, lambda c: c.get_institute("999", address="institute.ghost")))
    assert info.value.address == "institute.ghost"
    assert str(info.value).startswith("institute.ghost: not found on 127.0.0.1:")
    assert "GET /institutes/999 answered 404: Couldn't find Institute with 'id'=999" in str(
        info.value
    )
    with pytest.raises(NotFoundError):
        run(_with_client(settings, lambda c: c.delete_institute("999")))


def test_rejected_values_carry_the_field_messages(
    proctorexam_sandbox_factory: SandboxFactory, settings_for: SettingsFor
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=[{"name": "Taken", "short_name": "first"}])
    settings = settings_for(sandbox.base_url)
    values = {"short_name": "second", "name": "Taken", "tawk_api_key": TAWK_KEY}
    with pytest.raises(RejectedError) as info:
        run(_with_client(settings, lambda c: c.create_institute(values, address="institute.x")))
    error = info.value
    assert error.fields == {"name": ["has already been taken"]}
    assert str(error) == (
        f"institute.x: {sandbox.base_url.split('/')[2]} rejected the values (POST /institutes"
        " answered 422): name has already been taken. Fix them in the YAML."
    )
    _secret_free(str(error), repr(error), "".join(traceback.format_exception(error)))
    assert len(sandbox.requests) == 1

    with pytest.raises(RejectedError, match="Param is missing or the value is empty: name"):
        run(_with_client(settings, lambda c: c.create_institute({"short_name": "x"})))


def test_a_service_echoing_a_secret_value_is_redacted(settings_for: SettingsFor) -> None:
    # The sandbox never echoes a value back, so this one answer is made up here.
    def echo(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        return httpx.Response(422, json={"tawk_api_key": [f"{sent['tawk_api_key']} is invalid"]})

    settings = settings_for("https://acme.proctorexam.com/api/v3")
    values = {"short_name": "pe", "name": "PE", "tawk_api_key": TAWK_KEY}

    async def work() -> None:
        async with ProctorExamClient(settings, transport=httpx.MockTransport(echo)) as client:
            await client.create_institute(values)

    with pytest.raises(RejectedError) as info:
        run(work())
    assert info.value.fields == {"tawk_api_key": ["(redacted) is invalid"]}
    assert "tawk_api_key (redacted) is invalid" in str(info.value)
    _secret_free(str(info.value), repr(info.value.fields))


def test_server_errors_that_outlast_the_retries(
    proctorexam_sandbox_factory: SandboxFactory, settings_for: SettingsFor
) -> None:
    sandbox = proctorexam_sandbox_factory(faults=Faults(rate_5xx=1.0, seed=1))
    settings = settings_for(sandbox.base_url, max_retries=2)
    with pytest.raises(ServiceError, match=r"GET /institutes answered 50[0234].* after 3 attempts"):
        run(_with_client(settings, lambda c: c.list_institutes()))
    assert len(sandbox.requests) == 3


def test_a_long_retry_after_is_not_waited_for(
    proctorexam_sandbox_factory: SandboxFactory, settings_for: SettingsFor
) -> None:
    sandbox = proctorexam_sandbox_factory(faults=Faults(rate_429=1.0, retry_after=3600))
    settings = settings_for(sandbox.base_url, max_retry_after=60.0)
    with pytest.raises(ServiceError, match="asked to wait 3600s"):
        run(_with_client(settings, lambda c: c.list_institutes()))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_unreachable_host_is_a_transport_error(settings_for: SettingsFor) -> None:
    port = _closed_port()
    settings = settings_for(f"http://127.0.0.1:{port}/api/v3", max_retries=2)
    values = {"short_name": "pe", "name": "PE", "tawk_api_key": TAWK_KEY}
    with pytest.raises(TransportError) as info:
        run(_with_client(settings, lambda c: c.create_institute(values, address="institute.pe")))
    error = info.value
    assert str(error).startswith(f"institute.pe: cannot reach 127.0.0.1:{port}: could not connect")
    assert "(POST /institutes, 3 attempts)" in str(error)
    assert "PROCTOREXAM_BASE_URL" in str(error)
    # Nothing of httpx's (which holds the request body) hangs off the error.
    assert error.__cause__ is None
    assert error.__context__ is None
    _secret_free(str(error), repr(error), "".join(traceback.format_exception(error)))


def test_a_slow_service_is_a_transport_error(
    proctorexam_sandbox_factory: SandboxFactory, settings_for: SettingsFor
) -> None:
    sandbox = proctorexam_sandbox_factory(faults=Faults(latency=0.5))
    settings = settings_for(sandbox.base_url, timeout=0.1, max_retries=1)
    with pytest.raises(
        TransportError, match=r"no complete answer within 0.1s \(GET /institutes/1, 2 att"
    ):
        run(_with_client(settings, lambda c: c.get_institute("1")))


def test_secrets_stay_out_of_reprs(proctorexam_sandbox: Sandbox, settings_for: SettingsFor) -> None:
    settings = settings_for(proctorexam_sandbox.base_url)

    async def work(client: ProctorExamClient) -> str:
        return repr(client)

    _secret_free(repr(settings), str(settings), run(_with_client(settings, work)))


def test_values_that_cannot_be_signed_are_refused_before_sending(
    proctorexam_sandbox: Sandbox, settings_for: SettingsFor
) -> None:
    settings = settings_for(proctorexam_sandbox.base_url)
    values = {"short_name": "pe", "name": "PE", "token_value": 1.5}
    with pytest.raises(ProviderError, match="cannot send POST /institutes: cannot sign"):
        run(_with_client(settings, lambda c: c.create_institute(values)))
    assert proctorexam_sandbox.requests == []


# Faults -------------------------------------------------------------------------------------


async def _changes(client: ProctorExamClient, creates: int, seeded: list[str]) -> list[str]:
    """Create ``creates`` institutes, update every seeded one, delete the first three seeded.

    Returns the short names of the creates whose outcome is unknown (answer lost, not seen).
    """
    ids = {i["short_name"]: str(i["id"]) for i in await client.list_institutes()}
    unknown: list[str] = []

    async def create(short_name: str) -> None:
        try:
            await client.create_institute({"short_name": short_name, "name": short_name.title()})
        except OutcomeUnknownError:
            unknown.append(short_name)

    work: list[Coroutine[Any, Any, Any]] = [create(f"new{n}") for n in range(creates)]
    work += [
        client.update_institute(ids[s], {"reminder_emails_enabled": False}) for s in seeded[3:]
    ]
    work += [client.delete_institute(ids[s]) for s in seeded[:3]]
    await asyncio.gather(*work)
    return unknown


async def _later_plan(client: ProctorExamClient, unknown: list[str]) -> None:
    """What a later plan does with the unknown creates: make those that are still absent."""
    for short_name in unknown:
        if await client.find_institute(short_name) is None:
            await client.create_institute({"short_name": short_name, "name": short_name.title()})


def _assert_converged(sandbox: Sandbox, creates: int, seeded: list[str]) -> None:
    state = {i["short_name"]: i for i in sandbox.institutes()}
    expected = {f"new{n}" for n in range(creates)} | set(seeded[3:])
    assert len(state) == len(sandbox.institutes()), "an institute was created twice"
    assert set(state) == expected
    assert all(state[s]["reminder_emails_enabled"] is False for s in seeded[3:])
    # Each institute was created exactly once: no second POST ever reached the application.
    posts = _processed(sandbox, "POST")
    assert sorted(r.status for r in posts) == [201] * creates
    assert not [r for r in sandbox.requests if r.status == 422]


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param(Faults(rate_5xx=0.3, seed=5), id="5xx"),
        pytest.param(Faults(rate_drop_before=0.3, seed=6), id="dropped-before"),
        pytest.param(Faults(rate_drop_after=0.3, seed=7), id="dropped-after"),
        pytest.param(Faults(rate_429=0.3, retry_after=0, seed=8), id="429"),
        pytest.param(
            Faults(
                rate_429=0.1,
                retry_after=0,
                rate_5xx=0.1,
                rate_drop_before=0.1,
                rate_drop_after=0.1,
                latency=0.002,
                jitter=0.002,
                seed=9,
            ),
            id="everything",
        ),
    ],
)
def test_every_change_is_made_exactly_once_under_faults(
    faults: Faults,
    proctorexam_sandbox_factory: SandboxFactory,
    settings_for: SettingsFor,
    make_institutes: MakeInstitutes,
) -> None:
    seed = make_institutes(12)
    seeded = [s["short_name"] for s in seed]
    sandbox = proctorexam_sandbox_factory(seed=seed, faults=faults)
    settings = settings_for(sandbox.base_url)
    unknown = run(_with_client(settings, lambda c: _changes(c, 10, seeded)))
    sandbox.set_faults(Faults())
    run(_with_client(settings, lambda c: _later_plan(c, unknown)))
    _assert_converged(sandbox, 10, seeded)
    assert any(r.fault is not None for r in sandbox.requests)
    # Every attempt was signed afresh: no nonce was ever sent twice.
    nonces = [parse_qs(r.query)["nonce"][0] for r in sandbox.requests if r.query]
    assert len(nonces) == len(set(nonces)) > 0


def test_a_create_whose_answer_was_lost_is_looked_up_not_repeated(
    proctorexam_sandbox_factory: SandboxFactory, settings_for: SettingsFor
) -> None:
    sandbox = proctorexam_sandbox_factory(faults=Faults(rate_drop_after=0.5, seed=11))
    settings = settings_for(sandbox.base_url, parallelism=1)

    async def work(client: ProctorExamClient) -> None:
        for n in range(8):
            await client.create_institute({"short_name": f"s{n}", "name": f"S {n}"})

    run(_with_client(settings, work))
    assert sorted(i["short_name"] for i in sandbox.institutes()) == [f"s{n}" for n in range(8)]
    log = sandbox.requests
    lost = [n for n, r in enumerate(log) if r.method == "POST" and r.fault == "drop-after"]
    assert lost, "the seed should drop at least one answer"
    for n in lost:
        # The next request after a lost create is the lookup, never a second POST.
        assert log[n + 1].method == "GET"
    assert len(_processed(sandbox, "POST")) == 8


def test_a_delete_whose_answer_was_lost_is_done(
    proctorexam_sandbox_factory: SandboxFactory,
    settings_for: SettingsFor,
    make_institutes: MakeInstitutes,
) -> None:
    sandbox = proctorexam_sandbox_factory(
        seed=make_institutes(6), faults=Faults(rate_drop_after=0.5, seed=12)
    )
    settings = settings_for(sandbox.base_url, parallelism=1)

    async def work(client: ProctorExamClient) -> None:
        sandbox.set_faults(Faults())
        refs = [str(i["id"]) for i in await client.list_institutes()]
        sandbox.set_faults(Faults(rate_drop_after=0.5, seed=12))
        for ref in refs:
            await client.delete_institute(ref)

    run(_with_client(settings, work))
    assert sandbox.institutes() == []
    assert any(r.method == "DELETE" and r.status == 404 for r in sandbox.requests)


def test_retry_after_is_honoured(
    proctorexam_sandbox_factory: SandboxFactory, settings_for: SettingsFor
) -> None:
    sandbox = proctorexam_sandbox_factory(
        seed=[{"id": 1, "name": "PE", "short_name": "pe"}],
        faults=Faults(rate_429=0.5, retry_after=1, seed=3),
    )
    settings = settings_for(sandbox.base_url, parallelism=1)

    async def work(client: ProctorExamClient) -> None:
        for _ in range(3):
            await client.get_institute("1")

    run(_with_client(settings, work))
    log = sandbox.requests
    throttled = [n for n, r in enumerate(log) if r.status == 429]
    assert throttled, "the seed should throttle at least once"
    assert len([r for r in log if r.status == 200]) == 3
    for n in throttled:
        assert log[n + 1].received_at - log[n].received_at >= 1.0


def test_a_requests_per_second_limit_is_survived_and_can_be_respected(
    proctorexam_sandbox_factory: SandboxFactory,
    settings_for: SettingsFor,
    make_institutes: MakeInstitutes,
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=make_institutes(1500), faults=Faults(rps_limit=3))
    listed = run(
        _with_client(settings_for(sandbox.base_url, parallelism=4), lambda c: c.list_institutes())
    )
    assert len(listed) == 1500
    assert any(r.fault == "rps-limit" for r in sandbox.requests)

    sandbox.clear_requests()
    sandbox.set_faults(Faults(rps_limit=20))
    paced = settings_for(sandbox.base_url, parallelism=4, rate_limit=15.0)
    assert len(run(_with_client(paced, lambda c: c.list_institutes()))) == 1500
    assert not any(r.fault == "rps-limit" for r in sandbox.requests)


# A check-then-insert server: the create is validated on arrival and committed after the
# client has gone. Sending it again would pass the check too, and make two institutes.


def test_a_create_committed_late_is_found_not_sent_again(
    proctorexam_sandbox_factory: SandboxFactory, settings_for: SettingsFor
) -> None:
    sandbox = proctorexam_sandbox_factory(
        faults=Faults(rate_late_commit=1.0, late_commit_delay=0.5)
    )
    settings = settings_for(sandbox.base_url, timeout=1.0)
    created = run(
        _with_client(settings, lambda c: c.create_institute({"short_name": "pe", "name": "PE"}))
    )
    assert created["short_name"] == "pe"
    sandbox.settle()
    assert [i["short_name"] for i in sandbox.institutes()] == ["pe"]
    assert [r.method for r in sandbox.requests].count("POST") == 1


def test_a_create_not_seen_by_the_deadline_is_unknown_and_never_doubled(
    proctorexam_sandbox_factory: SandboxFactory, settings_for: SettingsFor
) -> None:
    sandbox = proctorexam_sandbox_factory(
        faults=Faults(rate_late_commit=1.0, late_commit_delay=1.5)
    )
    settings = settings_for(sandbox.base_url, timeout=0.5)
    with pytest.raises(OutcomeUnknownError, match=r"not appeared 1s later.*Run plan again") as info:
        run(
            _with_client(settings, lambda c: c.create_institute({"short_name": "pe", "name": "PE"}))
        )
    assert info.value.address is None
    sandbox.settle()
    assert [i["short_name"] for i in sandbox.institutes()] == ["pe"]
    assert [r.method for r in sandbox.requests].count("POST") == 1


def test_a_create_answered_502_is_looked_for_not_resent(
    proctorexam_sandbox_factory: SandboxFactory, settings_for: SettingsFor
) -> None:
    sandbox = proctorexam_sandbox_factory(faults=Faults(rate_5xx=1.0, seed=4))
    settings = settings_for(sandbox.base_url, timeout=0.2, max_retries=1)
    sandbox.set_faults(Faults())

    async def work(client: ProctorExamClient) -> None:
        sandbox.set_faults(Faults(rate_5xx=1.0, seed=4))  # 500/502/504 may have been processed
        await client.create_institute({"short_name": "pe", "name": "PE"})

    with pytest.raises((OutcomeUnknownError, ServiceError)):
        run(_with_client(settings, work))
    statuses = [r.status for r in sandbox.requests if r.method == "POST"]
    # Resent only after a 503 (refused before processing), never after a 500, 502 or 504.
    assert all(status == 503 for status in statuses[:-1]), statuses


def test_a_cookie_the_service_sets_is_sent_back() -> None:
    # The sandbox sets no cookie; a made-up service does, once.
    seen: list[str | None] = []

    def service(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        headers = {"set-cookie": "session=abc; Path=/"} if len(seen) == 1 else {}
        return httpx.Response(200, json={"institute": {"id": 1}}, headers=headers)

    settings = ClientSettings(
        base_url="https://acme.proctorexam.com/api/v3",
        credentials=Credentials(DEFAULT_TOKEN, DEFAULT_SECRET),
    )

    async def main() -> None:
        async with ProctorExamClient(settings, transport=httpx.MockTransport(service)) as client:
            await client.get_institute("1")
            await client.get_institute("1")

    asyncio.run(main())
    assert seen == [None, "session=abc"]


def test_a_closed_client_sends_nothing(proctorexam_sandbox: Sandbox) -> None:
    settings = ClientSettings(
        base_url=proctorexam_sandbox.base_url,
        credentials=Credentials(DEFAULT_TOKEN, DEFAULT_SECRET),
    )

    async def main() -> None:
        client = ProctorExamClient(settings)
        await client.aclose()
        await client.get_institute("1")

    with pytest.raises(RuntimeError, match="the client has been closed"):
        asyncio.run(main())
    assert proctorexam_sandbox.requests == []
