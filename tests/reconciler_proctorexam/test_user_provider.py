"""The user part of the provider against the sandbox: what is read, what is kept, safe writes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.errors import ProviderError
from reconciler.records import ProviderContext, ProviderSession, Scope
from reconciler_proctorexam.provider import connect
from reconciler_proctorexam.sandbox import Faults, Sandbox
from reconciler_proctorexam.user import identity_provider_kind, user_kind

T = TypeVar("T")
USER = user_kind()
IDP = identity_provider_kind()
ContextFor = Callable[..., ProviderContext]
SandboxFactory = Callable[..., Sandbox]

SEED: dict[str, Any] = {
    "institutes": [
        {"id": 1, "name": "Utrecht University", "short_name": "uu"},
        {"id": 2, "name": "Other", "short_name": "other"},
    ],
    "identity_providers": [{"id": 7, "name": "UU SAML"}],
    "users": [
        {
            "id": 1,
            "institute_id": 1,
            "email": "alice@uu.example",
            "name": "Alice",
            "role": "administrator",
            "omniauth_config_id": 7,
            "receives_reports": True,
            "report_frequency": "week",
            "api_token": "alice-token-77",
            "secret_key": "alice-secret-77",
        },
        {"id": 2, "institute_id": 2, "email": "olga@other.example", "name": "Olga"},
    ],
}


def run_session(
    context: ProviderContext, work: Callable[[ProviderSession], Coroutine[Any, Any, T]]
) -> T:
    async def main() -> T:
        async with connect(context) as session:
            return await work(session)

    return asyncio.run(main())


def scope(*institutes: str, fields: tuple[str, ...] = ("institute",)) -> Scope:
    return Scope(
        identities=frozenset({"alice@uu.example"}),
        fields=frozenset(fields),
        references={"institute": frozenset(institutes)},
    )


def test_a_listing_reads_the_named_institutes_and_keeps_no_credential(
    proctorexam_sandbox_factory: SandboxFactory, context_for: ContextFor
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    reports = ("institute", "receives_reports")
    (alice,) = run_session(
        context_for(sandbox.base_url), lambda s: s.list(USER, scope("uu", "new", fields=reports))
    )
    assert alice.ref == "1/1"
    assert alice.fields["institute"] == "uu"
    assert alice.fields["identity_provider"] == "UU SAML"
    assert alice.fields["report_frequency"] == "week"  # from the show object
    assert not {"api_token", "secret_key"} & set(alice.fields)
    assert "alice-token-77" not in repr(alice.fields)
    paths = sorted(r.path for r in sandbox.requests)
    assert paths == [
        "/api/v3/identity_providers",
        "/api/v3/institutes",
        "/api/v3/institutes/1/users",
        "/api/v3/institutes/1/users/1",
    ]


def test_without_a_scope_every_institute_is_listed_and_no_user_shown(
    proctorexam_sandbox_factory: SandboxFactory, context_for: ContextFor
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    users = run_session(context_for(sandbox.base_url), lambda s: s.list(USER))
    assert sorted(u.identity for u in users) == ["alice@uu.example", "olga@other.example"]
    assert not any(r.path.count("/") == 6 for r in sandbox.requests)  # no member GET
    providers = run_session(context_for(sandbox.base_url), lambda s: s.list(IDP))
    assert [(p.identity, p.ref) for p in providers] == [("UU SAML", "7")]


def test_the_fingerprint_does_not_depend_on_whether_the_show_object_was_read(
    proctorexam_sandbox_factory: SandboxFactory, context_for: ContextFor
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    context = context_for(sandbox.base_url)
    (listed,) = run_session(context, lambda s: s.list(USER, scope("uu")))
    (shown,) = run_session(
        context, lambda s: s.list(USER, scope("uu", fields=("report_frequency",)))
    )
    assert listed.fingerprint == shown.fingerprint
    read = run_session(context, lambda s: s.read(USER, "alice@uu.example"))
    assert read is not None
    assert read.fingerprint == listed.fingerprint


def test_an_update_sends_only_the_updatable_fields_and_refuses_the_rest(
    proctorexam_sandbox_factory: SandboxFactory, context_for: ContextFor
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)

    async def work(session: ProviderSession) -> Any:
        (alice,) = await session.list(USER, scope("uu"))
        updated = await session.update(USER, alice, {"identity_provider": None})
        with pytest.raises(ProviderError, match="refusing to send 'role'"):
            await session.update(USER, alice, {"role": "teacher"})
        return updated

    updated = run_session(context_for(sandbox.base_url), work)
    assert updated.fields["identity_provider"] is None
    (patch,) = [r for r in sandbox.requests if r.method == "PATCH"]
    assert patch.fields == ("omniauth_config_id",)


def test_a_taken_e_mail_says_where_to_look(
    proctorexam_sandbox_factory: SandboxFactory, context_for: ContextFor
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    values = {"institute": "uu", "name": "O", "role": "teacher", "identity_provider": "UU SAML"}
    with pytest.raises(ProviderError, match="belongs to a user of another institute") as raised:
        run_session(
            context_for(sandbox.base_url),
            lambda s: s.create(USER, "olga@other.example", values),
        )
    assert raised.value.address == "user.olga@other.example"


def test_a_create_whose_answer_was_lost_is_found_by_e_mail_not_repeated(
    proctorexam_sandbox_factory: SandboxFactory, context_for: ContextFor
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    emails = [f"u{n}@uu.example" for n in range(8)]

    async def work(session: ProviderSession) -> None:
        await session.list(USER, scope("uu"))  # institutes and providers, before the faults
        sandbox.set_faults(Faults(rate_drop_after=0.5, seed=11))
        for email in emails:
            values = {"institute": "uu", "name": "U", "role": "teacher", "password": "p" * 12}
            created = await session.create(USER, email, values)
            assert created.identity == email

    run_session(context_for(sandbox.base_url, parallelism=1), work)
    stored = [u["email"] for u in sandbox.institute_users() if u["email"] in emails]
    assert stored == emails  # each exactly once
    log = sandbox.requests
    lost = [n for n, r in enumerate(log) if r.method == "POST" and r.fault == "drop-after"]
    assert lost, "the seed should drop at least one answer"
    for n in lost:
        # The next request after a lost create is the look-up by e-mail, never a second POST.
        assert (log[n + 1].method, log[n + 1].path) == ("GET", "/api/v3/institutes/1/users")


def test_a_user_whose_create_failed_is_read_back_in_its_institute_alone(
    proctorexam_sandbox_factory: SandboxFactory, context_for: ContextFor
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)

    async def work(session: ProviderSession) -> Any:
        values = {"institute": "uu", "name": "N", "role": "dean"}  # refused: no such role
        with pytest.raises(ProviderError):
            await session.create(USER, "nina@uu.example", values)
        sandbox.clear_requests()
        return await session.read(USER, "nina@uu.example")

    assert run_session(context_for(sandbox.base_url), work) is None
    assert sorted({r.path for r in sandbox.requests}) == [
        "/api/v3/identity_providers",
        "/api/v3/institutes/1/users",
    ]


@given(
    st.dictionaries(
        st.text(max_size=6),
        st.none() | st.booleans() | st.integers() | st.text(max_size=6) | st.dates(),
        max_size=5,
    )
)
def test_a_fingerprint_hashes_the_canonical_json_of_the_listed_fields(item: Any) -> None:
    from reconciler_proctorexam.fingerprints import _canonical

    assert _canonical(item) == json.dumps(item, sort_keys=True, separators=(",", ":"), default=str)
