"""The provider session against the sandbox: live objects, reads by identity, safe writes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest

from reconciler.errors import ProviderError, SettingsError
from reconciler.model import LiveObject
from reconciler.records import ProviderContext, ProviderSession, ResourceKind
from reconciler_proctorexam.institute import institute_kind
from reconciler_proctorexam.institute_provider import live_institute
from reconciler_proctorexam.provider import connect, provider
from reconciler_proctorexam.sandbox import Sandbox

T = TypeVar("T")
KIND = institute_kind()
ContextFor = Callable[..., ProviderContext]
SandboxFactory = Callable[..., Sandbox]


def run_session(
    context: ProviderContext, work: Callable[[ProviderSession], Coroutine[Any, Any, T]]
) -> T:
    async def main() -> T:
        async with connect(context) as session:
            return await work(session)

    return asyncio.run(main())


def test_provider_record() -> None:
    record = provider()
    assert (record.name, record.kinds, record.sandbox) == (
        "proctorexam",
        ("institute", "user", "identity_provider"),
        None,
    )


def test_round_trip(proctorexam_sandbox: Sandbox, context_for: ContextFor) -> None:
    sandbox = proctorexam_sandbox

    async def work(session: ProviderSession) -> list[Any]:
        created = await session.create(
            KIND,
            "pe",
            {"name": "ProctorExam", "custom_languages": frozenset({"no-NO", "fr-FR"})},
        )
        updated = await session.update(KIND, created, {"exam_link_emails_enabled": False})
        listed = await session.list(KIND)
        read = await session.read(KIND, "pe")
        await session.delete(KIND, updated)
        gone = await session.read(KIND, "pe")
        return [created, updated, listed, read, gone]

    created, updated, listed, read, gone = run_session(context_for(sandbox.base_url), work)
    assert isinstance(created, LiveObject)
    assert (created.kind, created.identity, created.address) == ("institute", "pe", "institute.pe")
    assert created.ref == str(created.fields["id"])
    assert created.fingerprint == created.fields["updated_at"]
    # A set goes out as a sorted list: deterministic requests and signatures.
    assert created.fields["custom_languages"] == ["fr-FR", "no-NO"]
    assert updated.fields["exam_link_emails_enabled"] is False
    assert updated.fingerprint != created.fingerprint
    assert listed == [updated]
    assert read == updated
    assert gone is None
    assert sandbox.institutes() == []
    patch = next(r for r in sandbox.requests if r.method == "PATCH")
    assert patch.fields == ("exam_link_emails_enabled",)
    post = next(r for r in sandbox.requests if r.method == "POST")
    assert post.fields == ("custom_languages", "name", "short_name")


def test_read_after_a_listing_costs_one_request(
    proctorexam_sandbox_factory: SandboxFactory, context_for: ContextFor
) -> None:
    seed = [{"name": f"I {n}", "short_name": f"i{n}"} for n in range(700)]
    sandbox = proctorexam_sandbox_factory(seed=seed)

    async def work(session: ProviderSession) -> LiveObject | None:
        await session.list(KIND)
        sandbox.clear_requests()
        return await session.read(KIND, "i650")

    found = run_session(context_for(sandbox.base_url), work)
    assert found is not None
    assert found.fields["name"] == "I 650"
    assert [(r.method, r.path) for r in sandbox.requests] == [
        ("GET", f"/api/v3/institutes/{found.ref}")
    ]


def test_read_when_the_institute_went_away_behind_our_back(
    proctorexam_sandbox_factory: SandboxFactory, context_for: ContextFor
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=[{"id": 5, "name": "Five", "short_name": "five"}])

    async def work(session: ProviderSession) -> LiveObject | None:
        await session.list(KIND)
        sandbox.delete_institute(5)
        return await session.read(KIND, "five")

    assert run_session(context_for(sandbox.base_url), work) is None


def test_read_without_a_listing_finds_by_short_name(
    proctorexam_sandbox_factory: SandboxFactory, context_for: ContextFor
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=[{"name": "PE", "short_name": "pe"}])

    async def work(session: ProviderSession) -> list[LiveObject | None]:
        return [await session.read(KIND, "pe"), await session.read(KIND, "nope")]

    found, missing = run_session(context_for(sandbox.base_url), work)
    assert found is not None
    assert found.identity == "pe"
    assert missing is None


def test_legacy_shapes_are_read(
    proctorexam_sandbox_factory: SandboxFactory, context_for: ContextFor
) -> None:
    legacy = {
        "name": "Old",
        "short_name": "old",
        "default_exam_languages": "fr,nl,es",
        "student_experience": "classic",
        "session_retention_period": "12",
    }
    sandbox = proctorexam_sandbox_factory(seed=[legacy])
    (live,) = run_session(context_for(sandbox.base_url), lambda s: s.list(KIND))
    assert KIND.normalize("default_exam_languages", live.fields["default_exam_languages"]) == {
        "fr",
        "nl",
        "es",
    }
    assert KIND.normalize("session_retention_period", live.fields["session_retention_period"]) == 12


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"default_locale": "en-GB"}, "deprecated field 'default_locale': use default_language"),
        ({"student_experience": "x"}, "deprecated field 'student_experience'"),
        ({"token_value": 3}, "refusing to write 'token_value'"),
    ],
)
def test_never_writes_deprecated_or_read_only_fields(
    values: dict[str, Any],
    message: str,
    proctorexam_sandbox_factory: SandboxFactory,
    context_for: ContextFor,
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=[{"name": "PE", "short_name": "pe"}])

    async def work(session: ProviderSession) -> None:
        (live,) = await session.list(KIND)
        sandbox.clear_requests()
        await session.update(KIND, live, values)

    with pytest.raises(ProviderError, match=message):
        run_session(context_for(sandbox.base_url), work)
    assert sandbox.requests == []


def test_other_kinds_are_refused(proctorexam_sandbox: Sandbox, context_for: ContextFor) -> None:
    other = ResourceKind(name="exam", section="exams", provider="x", schema={}, identity="id")
    with pytest.raises(ProviderError, match="does not serve the kind 'exam'"):
        run_session(context_for(proctorexam_sandbox.base_url), lambda s: s.list(other))
    assert proctorexam_sandbox.requests == []


def test_plain_http_to_another_host_is_refused_before_connecting() -> None:
    context = ProviderContext(
        options={},
        environ={
            "PROCTOREXAM_BASE_URL": "http://acme.proctorexam.com/api/v3",
            "PROCTOREXAM_API_TOKEN": "t" * 20,
            "PROCTOREXAM_SECRET_KEY": "s" * 20,
        },
    )
    with pytest.raises(SettingsError, match=r"refusing plain http:// to acme\.proctorexam\.com"):
        connect(context)


def test_fingerprint_falls_back_to_a_hash() -> None:
    first = live_institute({"id": 1, "short_name": "pe", "name": "A"})
    again = live_institute({"name": "A", "short_name": "pe", "id": 1})
    changed = live_institute({"id": 1, "short_name": "pe", "name": "B"})
    assert first.fingerprint.startswith("sha256:")
    assert first.fingerprint == again.fingerprint
    assert first.fingerprint != changed.fingerprint
