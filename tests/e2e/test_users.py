"""Users as code, end to end over the sandbox: order across kinds, references, create-only
fields, tombstones, passwords, convergence, what is read, and secrets kept out of everything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]
Write = Callable[..., Path]
Aim = Callable[..., Sandbox]

PASSWORD = "first-password-91c4e"
ALICE_TOKEN = "alice-api-token-5d21"
ALICE_SECRET = "alice-secret-key-8e07"

SEED: dict[str, Any] = {
    "institutes": [
        {"id": 1, "name": "Utrecht University", "short_name": "uu"},
        {"id": 2, "name": "Taken Name", "short_name": "taken"},
    ],
    "identity_providers": [
        {"id": 7, "name": "UU SAML", "issuer": "https://idp.uu.example"},
        {"id": 8, "name": "Other SSO", "issuer": "https://sso.other.example"},
    ],
    "users": [
        {
            "id": 1,
            "institute_id": 1,
            "email": "alice@uu.example",
            "name": "Alice Example",
            "role": "administrator",
            "omniauth_config_id": 7,
            "api_token": ALICE_TOKEN,
            "secret_key": ALICE_SECRET,
        },
        {"id": 2, "institute_id": 2, "email": "tess@taken.example", "name": "Tess"},
    ],
}

ALICE = """
users:
  alice@uu.example:
    institute: uu
    name: Alice Example
    role: administrator
    receives_reports: true
    report_frequency: week
    identity_provider: UU SAML
"""

NEW_INSTITUTE_AND_USERS = """
institutes:
  new-inst:
    name: New Institute
users:
  bob@new.example:
    institute: new-inst
    name: Bob Example
    role: teacher
    password: ${env:BOB_INITIAL_PASSWORD}
  cy@new.example:
    institute: new-inst
    name: Cy Example
    role: proctor
    identity_provider: UU SAML
"""


@pytest.fixture
def sandbox(aimed_at: Aim, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.setenv("BOB_INITIAL_PASSWORD", PASSWORD)
    return aimed_at(seed=SEED)


def writes(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in sandbox.requests if r.method != "GET"]


def users_by_email(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {u["email"]: u for u in sandbox.institute_users()}


def test_an_institute_and_its_users_are_created_in_one_apply_parents_first(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"config.yaml": NEW_INSTITUTE_AND_USERS})
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert "Apply complete: 3 created, 0 updated, 0 deleted." in result.stderr
    assert writes(sandbox) == [
        ("POST", "/api/v3/institutes"),
        ("POST", "/api/v3/institutes/3/users"),
        ("POST", "/api/v3/institutes/3/users"),
    ]
    users = users_by_email(sandbox)
    assert users["bob@new.example"]["institute_id"] == 3
    assert users["cy@new.example"]["omniauth_config_id"] == 7  # resolved by name
    again = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr


def test_plan_apply_plan_converges_and_updates_send_only_what_changed(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"users.yaml": ALICE})
    planned = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.stderr
    assert "~ receives_reports: false -> true" in planned.stdout
    assert '~ report_frequency: null -> "week"' in planned.stdout
    assert "identity_provider" not in planned.stdout  # already UU SAML
    assert run_reconciler("apply", str(path), "--auto-approve").exit_code == 0
    (patch,) = [r for r in sandbox.requests if r.method == "PATCH"]
    assert patch.path == "/api/v3/institutes/1/users/1"
    assert patch.fields == ("receives_reports", "report_frequency")
    again = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr
    # An identity provider changes by name, through the same update.
    path.joinpath("users.yaml").write_text(ALICE.replace("UU SAML", "Other SSO"))
    assert run_reconciler("apply", str(path), "--auto-approve").exit_code == 0
    assert users_by_email(sandbox)["alice@uu.example"]["omniauth_config_id"] == 8


def test_plan_reads_only_the_referenced_institutes_and_shows_only_when_needed(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    listing_only = ALICE.replace("    receives_reports: true\n    report_frequency: week\n", "")
    path = write_config({"users.yaml": listing_only})
    assert run_reconciler("plan", str(path)).exit_code == 0
    reads = [r.path for r in sandbox.requests]
    assert reads.count("/api/v3/institutes/1/users") == 1
    assert reads.count("/api/v3/identity_providers") == 1
    assert not any(p.startswith("/api/v3/institutes/2/") for p in reads)  # not referenced
    assert not any(p.startswith("/api/v3/institutes/1/users/") for p in reads)  # no show
    sandbox.clear_requests()
    path.joinpath("users.yaml").write_text(ALICE)
    assert run_reconciler("plan", str(path)).exit_code == 0
    shows = [r.path for r in sandbox.requests if r.path.startswith("/api/v3/institutes/1/users/")]
    assert shows == ["/api/v3/institutes/1/users/1"]


def test_a_create_only_change_is_refused_at_its_line_with_no_write(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"users.yaml": ALICE.replace("role: administrator", "role: teacher")})
    for command in (("plan",), ("apply", "--auto-approve")):
        result = run_reconciler(*command, str(path))
        assert result.exit_code == 1
        assert f"{path / 'users.yaml'}:5:5: user.alice@uu.example.role is 'teacher' here" in (
            result.stderr
        )
        assert "cannot be changed once a user exists" in result.stderr
        assert "ProctorExam web application, or replace the user by hand" in result.stderr
    assert writes(sandbox) == []


@pytest.mark.parametrize(
    ("old", "new", "column", "expected"),
    [
        (
            "institute: uu",
            "institute: nowhere",
            16,
            "refers to institute.nowhere, which is neither declared in the configuration nor"
            " live on the service; declare it under institutes:, or name one that exists"
            " (known: taken, uu)",
        ),
        (
            "identity_provider: UU SAML",
            "identity_provider: No Such SSO",
            24,
            "refers to identity_provider.No Such SSO, which is not known to the service; name"
            " one that exists (known: Other SSO, UU SAML)",
        ),
    ],
)
def test_an_unknown_institute_or_identity_provider_is_a_located_error(
    sandbox: Sandbox,
    write_config: Write,
    run_reconciler: Run,
    old: str,
    new: str,
    column: int,
    expected: str,
) -> None:
    path = write_config({"users.yaml": ALICE.replace(old, new)})
    result = run_reconciler("plan", str(path))
    assert result.exit_code == 1
    line = ALICE.splitlines().index("    " + old)
    assert f"users.yaml:{line}:5: users.alice@uu.example." in result.stderr
    assert expected in result.stderr
    assert writes(sandbox) == []


def test_a_user_tombstone_is_refused_before_any_request(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"users.yaml": "users:\n  alice@uu.example: {absent: true}\n"})
    for command in ("validate", "plan"):
        result = run_reconciler(command, str(path))
        assert result.exit_code == 1
        assert "users.yaml:2:22: users.alice@uu.example: a user cannot be deleted" in (
            result.stderr
        )
    assert sandbox.requests == []


def test_a_reference_to_a_tombstoned_institute_is_refused(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"c.yaml": "institutes:\n  uu: {absent: true}\n" + ALICE})
    result = run_reconciler("validate", str(path))
    assert result.exit_code == 1
    assert "refers to institute.uu, which is a tombstone (absent: true)" in result.stderr


def test_a_literal_password_is_refused_without_showing_it(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    text = NEW_INSTITUTE_AND_USERS.replace("${env:BOB_INITIAL_PASSWORD}", PASSWORD)
    path = write_config({"config.yaml": text})
    result = run_reconciler("plan", str(path))
    assert result.exit_code == 1
    assert "config.yaml:9:5: users.bob@new.example.password: a password is a secret" in (
        result.stderr
    )
    assert PASSWORD not in result.stdout + result.stderr
    assert sandbox.requests == []


def test_a_failed_parent_skips_its_users_with_the_reason(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    # "Taken Name" passes the plan's checks, which see institute.taken renamed away from it.
    # Applied one change at a time in plan order, the create comes before that rename, and
    # the service refuses it.
    text = NEW_INSTITUTE_AND_USERS.replace("name: New Institute", "name: Taken Name")
    text = text.replace("users:", "  taken:\n    name: Was Taken\nusers:", 1)
    path = write_config(
        {
            "reconciler.toml": "[apply]\nparallelism = 1\n",
            "config.yaml": text,
            "users.yaml": ALICE,
        }
    )
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 4, result.stderr
    assert "institute.new-inst: create failed:" in result.stderr
    for user in ("bob@new.example", "cy@new.example"):
        assert (
            f"user.{user}: create skipped: not attempted: it needs institute.new-inst, whose"
            " create did not succeed (failed). Fix that and apply again." in result.stderr
        )
    assert "Apply partly failed: 0 created, 2 updated, 0 deleted; 1 failed, 2 skipped." in (
        result.stderr
    )
    assert ("POST", "/api/v3/institutes") in writes(sandbox)
    assert not any(p.endswith("/users") for _, p in writes(sandbox))


def test_no_credential_or_password_reaches_any_output_or_file(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run, tmp_path: Path
) -> None:
    path = write_config({"config.yaml": NEW_INSTITUTE_AND_USERS, "users.yaml": ALICE})
    out = tmp_path / "out"
    results = [
        run_reconciler("validate", str(path)),
        run_reconciler("-vv", "plan", str(path), "--format", "json", "--output", str(out / "p")),
        run_reconciler("plan", str(path), "--format", "json"),
        run_reconciler("-vv", "plan", str(path)),
        run_reconciler("-vv", "apply", str(path), "--auto-approve"),
        run_reconciler("plan", str(path), "--format", "json", "--output", str(out / "after")),
        run_reconciler("-vv", "plan", str(path)),
    ]
    assert [r.exit_code for r in results] == [0, 0, 0, 0, 0, 0, 0], [r.stderr for r in results]
    secrets = [PASSWORD, ALICE_TOKEN, ALICE_SECRET]
    for user in sandbox.institute_users():
        secrets += [user["api_token"], user["secret_key"]]
    texts = [r.stdout + r.stderr for r in results]
    texts += [p.read_text() for p in out.iterdir()]
    assert len(texts) == 9
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_drift_reports_a_role_changed_behind_the_repositorys_back(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"users.yaml": ALICE})
    assert run_reconciler("apply", str(path), "--auto-approve").exit_code == 0
    sandbox.change_institute_user(1, {"role": "teacher"})
    result = run_reconciler("drift", str(path), "--format", "json")
    assert result.exit_code == 2, result.stderr
    assert '"user.alice@uu.example"' in result.stdout
    assert '"teacher"' in result.stdout
    for secret in (ALICE_TOKEN, ALICE_SECRET):
        assert secret not in result.stdout + result.stderr
    # A plan still refuses to "fix" it with an update the service would ignore.
    assert run_reconciler("plan", str(path)).exit_code == 1


def test_a_saved_plan_creates_across_kinds_and_keeps_the_password_out_of_the_file(
    sandbox: Sandbox,
    write_config: Write,
    run_reconciler: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # the checkout's root: a saved plan names its config from there
    path = write_config({"config.yaml": NEW_INSTITUTE_AND_USERS})
    plan_file = tmp_path / "plan.json"
    saved = run_reconciler("plan", str(path), "--out", str(plan_file))
    assert saved.exit_code == 0, saved.stderr
    assert PASSWORD not in plan_file.read_text()
    applied = run_reconciler("apply", str(plan_file))
    assert applied.exit_code == 0, applied.stderr
    assert writes(sandbox) == [
        ("POST", "/api/v3/institutes"),
        ("POST", "/api/v3/institutes/3/users"),
        ("POST", "/api/v3/institutes/3/users"),
    ]
    assert PASSWORD not in applied.stdout + applied.stderr
    again = run_reconciler("apply", str(plan_file))
    assert again.exit_code == 3  # the saved plan applies once


def test_a_snapshot_holds_users_without_credentials_and_plans_offline(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run, tmp_path: Path
) -> None:
    path = write_config({"users.yaml": ALICE})
    snapshot = tmp_path / "live.json"
    taken = run_reconciler("snapshot", str(path), "--output", str(snapshot))
    assert taken.exit_code == 0, taken.stderr
    text = snapshot.read_text()
    assert "alice@uu.example" in text
    for secret in (ALICE_TOKEN, ALICE_SECRET):
        assert secret not in text
    sandbox.clear_requests()
    offline = run_reconciler("plan", str(path), "--live", str(snapshot), "--detailed-exitcode")
    assert offline.exit_code == 2, offline.stderr
    assert "~ receives_reports: false -> true" in offline.stdout
    assert sandbox.requests == []


def test_identity_providers_cannot_be_declared(write_config: Write, run_reconciler: Run) -> None:
    path = write_config({"sso.yaml": "identity_providers:\n  UU SAML: {}\n"})
    result = run_reconciler("validate", str(path))
    assert result.exit_code == 1
    assert (
        "sso.yaml:1:1: identity_providers: the identity_provider objects are read from the"
        " service (plugin 'proctorexam'), not declared" in result.stderr
    )


def test_an_unattended_users_update_rereads_only_its_own_institute(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"users.yaml": ALICE})
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    paths = [r.path for r in sandbox.requests]
    # The plan and the re-read before the PATCH: the users of institute 1, never of another.
    assert not any(p.startswith("/api/v3/institutes/2/") for p in paths)
    patch = paths.index("/api/v3/institutes/1/users/1", paths.index("/api/v3/identity_providers"))
    assert [r.method for r in sandbox.requests].count("PATCH") == 1
    assert patch > 0
