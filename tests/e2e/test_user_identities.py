"""Users' identities over the sandbox: one address, one user, however it is spelt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]
Write = Callable[..., Path]

NFC = "jos\u00e9@uu.example"
NFD = "jose\u0301@uu.example"

SEED: dict[str, Any] = {
    "institutes": [
        {"id": 1, "name": "Utrecht University", "short_name": "uu"},
        {"id": 2, "name": "Other", "short_name": "other"},
    ],
    "identity_providers": [],
    "users": [
        {"id": 1, "institute_id": 1, "email": NFD, "name": "Jose", "role": "teacher"},
        {
            "id": 2,
            "institute_id": 1,
            "email": "alice@uu.example",
            "name": "Alice",
            "role": "teacher",
        },
    ],
}


def writes(sandbox: Sandbox) -> list[Any]:
    return [r for r in sandbox.requests if r.is_write]


@pytest.fixture
def sandbox(aimed_at: Callable[..., Sandbox]) -> Sandbox:
    return aimed_at(seed=SEED)


def _user(email: str, institute: str = "uu", extra: str = "") -> str:
    return f'users:\n  "{email}": {{institute: {institute}, name: Jose, role: teacher{extra}}}\n'


def test_an_nfd_live_address_is_the_yamls_nfc_one_not_a_second_user(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"u.yaml": _user(NFC)})
    planned = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert planned.exit_code == 0, planned.stdout + planned.stderr  # nothing to create
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert writes(sandbox) == []
    assert len(sandbox.institute_users()) == 2


def test_an_nfd_or_upper_case_key_is_a_located_error_naming_the_spelling(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"u.yaml": _user(NFD)})
    result = run_reconciler("plan", str(path))
    assert result.exit_code == 1
    assert "u.yaml:2:3: users.'jose\\u0301@uu.example': e-mail addresses are compared in" in (
        result.stderr
    )
    assert "write 'jos\\xe9@uu.example'" in result.stderr
    assert sandbox.requests == []


@pytest.mark.parametrize(
    ("emails", "said"),
    [
        (["\u0430lice@uu.example"], "mixes the CYRILLIC and LATIN scripts"),
        (["bob@uu.ex\u0430mple"], "mixes the CYRILLIC and LATIN scripts"),
        (["bob@uu.example", "b0b@uu.example"], "looks like 'bob@uu.example' (at"),
    ],
    ids=["Cyrillic local part", "look-alike domain", "two declared look-alikes"],
)
def test_a_look_alike_address_is_a_located_error_at_validate(
    write_config: Write, run_reconciler: Run, emails: list[str], said: str
) -> None:
    users = "".join(f'  "{e}": {{institute: uu, name: B, role: teacher}}\n' for e in emails)
    path = write_config({"u.yaml": "users:\n" + users})
    result = run_reconciler("validate", str(path))
    assert result.exit_code == 1
    assert f"u.yaml:{len(emails) + 1}:3: users." in result.stderr
    assert said in result.stderr


def test_an_address_that_looks_like_a_live_users_is_refused_at_plan(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    # A new user signs in with a password or through an identity provider: a password here.
    password = ", password: '${env:JOSE_PASSWORD}'"
    path = write_config({"u.yaml": _user("a1ice@uu.example", extra=password)})
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 3, result.stderr
    assert (
        "user.a1ice@uu.example: the e-mail 'a1ice@uu.example' looks like the live user"
        " 'alice@uu.example'"
    ) in result.stderr
    assert writes(sandbox) == []


def test_a_user_moved_to_another_institute_is_a_located_error_at_plan(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"u.yaml": _user("alice@uu.example", institute="other")})
    result = run_reconciler("plan", str(path))
    assert result.exit_code == 1, result.stdout
    assert "u.yaml:2:24: user.alice@uu.example.institute is 'other' here but 'uu' live" in (
        result.stderr
    )
    assert "a user belongs to one institute for good" in result.stderr
    assert writes(sandbox) == []
