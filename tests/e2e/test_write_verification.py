"""Verified writes, end to end over the sandbox: a change the service did not keep is never
reported as applied, a field it does not return is never read as null, and users are created
with the documented fields only (one sandbox switch per way a service can say less than it
was sent)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Quirks, Sandbox

Run = Callable[..., CliResult]
Write = Callable[..., Path]
Aim = Callable[..., Sandbox]

PASSWORD = "first-password-7d1e0"

SEED: dict[str, Any] = {
    "institutes": [{"id": 1, "name": "Utrecht University", "short_name": "uu"}],
    "identity_providers": [{"id": 7, "name": "UU SAML", "issuer": "https://idp.uu.example"}],
    "users": [
        {
            "id": 1,
            "institute_id": 1,
            "email": "alice@uu.example",
            "name": "Alice Example",
            "role": "administrator",
            "omniauth_config_id": 7,
        }
    ],
}

ALICE = """\
users:
  alice@uu.example:
    institute: uu
    name: Alice Example
    role: administrator
    receives_reports: true
    report_frequency: week
    identity_provider: UU SAML
"""

NEW_USERS = """\
users:
  dirk@uu.example:
    institute: uu
    name: Dirk de Vries
    role: teacher
    identity_provider: UU SAML
    receives_reports: true
    report_frequency: month
  erin@uu.example:
    institute: uu
    name: Erin Example
    role: proctor
    password: ${env:ERIN_PASSWORD}
"""

LENIENT = '[providers.proctorexam]\nuser_password = "without_identity_provider"\n'

INSTITUTE = """\
institutes:
  uu:
    name: Utrecht University
    reminder_emails_enabled: false
  new-campus:
    name: New Campus
    exam_link_emails_enabled: false
    session_retention_period: 12
"""


@pytest.fixture
def start(aimed_at: Aim, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Sandbox]:
    monkeypatch.setenv("ERIN_PASSWORD", PASSWORD)

    def started(**kwargs: Any) -> Sandbox:
        return aimed_at(seed=SEED, **kwargs)

    return started


def writes(sandbox: Sandbox) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(r.method, r.path, r.fields) for r in sandbox.requests if r.method != "GET"]


def users(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {u["email"]: u for u in sandbox.institute_users()}


def test_without_switches_an_apply_verifies_with_no_extra_request_and_converges(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run
) -> None:
    sandbox = start()
    path = write_config({"institutes.yaml": INSTITUTE, "users.yaml": ALICE})
    assert run_reconciler("plan", str(path)).exit_code == 0
    sandbox.clear_requests()
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert "not taken" not in result.stderr
    # The plan's reads, the re-reads before each update, and the writes: nothing after them.
    methods = [r.method for r in sandbox.requests]
    last_write = max(i for i, m in enumerate(methods) if m != "GET")
    assert methods[last_write + 1 :] == []
    again = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr


def test_a_field_dropped_on_update_is_not_taken_and_apply_exits_4(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run
) -> None:
    sandbox = start(quirks=Quirks.of(drop_on_update=["receives_reports"]))
    path = write_config({"users.yaml": ALICE})
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 4, result.stderr
    assert (
        "user.alice@uu.example: receives_reports not taken: sent true, the service kept false"
        in result.stderr
    )
    assert "report_frequency not taken" not in result.stderr  # that one was kept
    assert "Applied: 0 created, 0 updated, 0 deleted; 1 not taken." in result.stderr
    assert "user.alice@uu.example: updated" not in result.stderr
    assert users(sandbox)["alice@uu.example"]["receives_reports"] is False
    # The next plan still shows it: nothing pretends it was made.
    again = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert again.exit_code == 2
    assert "~ receives_reports: false -> true" in again.stdout


def test_a_field_dropped_on_create_is_not_taken(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run
) -> None:
    sandbox = start(quirks=Quirks.of(drop_on_create=["exam_link_emails_enabled"]))
    path = write_config({"institutes.yaml": INSTITUTE})
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 4, result.stderr
    assert (
        "institute.new-campus: exam_link_emails_enabled not taken: sent false, the service"
        " kept true" in result.stderr
    )
    # The retention period is sent as 12 and kept as "12": a declared transformation, taken.
    assert "session_retention_period not taken" not in result.stderr
    assert "1 updated" in result.stderr
    assert "1 not taken" in result.stderr
    assert [i["short_name"] for i in sandbox.institutes()].count("new-campus") == 1


def test_a_field_left_out_of_the_write_answer_is_read_back_once(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run
) -> None:
    sandbox = start(quirks=Quirks.of(omit_from_write=["receives_reports"]))
    path = write_config({"users.yaml": ALICE})
    assert run_reconciler("plan", str(path)).exit_code == 0
    sandbox.clear_requests()
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    after_patch = list(sandbox.requests)[
        next(i for i, r in enumerate(sandbox.requests) if r.method == "PATCH") + 1 :
    ]
    assert [(r.method, r.path) for r in after_patch] == [("GET", "/api/v3/institutes/1/users/1")]


def test_a_field_never_returned_stops_the_plan_at_its_line_with_no_write(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run
) -> None:
    sandbox = start(quirks=Quirks.of(omit_from_show=["receives_reports"]))
    path = write_config({"users.yaml": ALICE})
    for command in (("plan",), ("drift",), ("apply", "--auto-approve")):
        result = run_reconciler(*command, str(path))
        assert result.exit_code == 1, (command, result.stderr)
        assert (
            f"{path / 'users.yaml'}:6:5: user.alice@uu.example.receives_reports is not returned"
            " by the service (read: GET /institutes/:institute_id/users/:id)" in result.stderr
        )
        assert "Stop managing it" in result.stderr
        assert "report_frequency is not returned" not in result.stderr
    assert writes(sandbox) == []


def test_a_field_left_out_of_lists_stops_an_institute_plan_at_its_line(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run
) -> None:
    sandbox = start(quirks=Quirks.of(omit_from_list=["reminder_emails_enabled"]))
    path = write_config({"institutes.yaml": INSTITUTE})
    result = run_reconciler("plan", str(path), "--format", "json")
    assert result.exit_code == 1
    assert (
        "institutes.yaml:4:5: institute.uu.reminder_emails_enabled is not returned by the"
        " service (read: GET /institutes)" in result.stderr
    )
    assert writes(sandbox) == []


def test_a_returned_null_stays_a_value(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run
) -> None:
    start()
    # report_frequency is returned as null: a value, compared as any other.
    path = write_config({"users.yaml": ALICE})
    result = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert result.exit_code == 2, result.stderr
    assert '~ report_frequency: null -> "week"' in result.stdout


def test_a_new_users_report_settings_are_set_in_the_same_apply(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run
) -> None:
    sandbox = start()
    path = write_config({"users.yaml": NEW_USERS})
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert "Apply complete: 2 created, 0 updated, 0 deleted." in result.stderr
    posts = [w for w in writes(sandbox) if w[0] == "POST"]
    for _, _, fields in posts:
        # Only the documented create fields; a password on every create (the default reading).
        assert set(fields) <= {
            "email",
            "name",
            "role",
            "password",
            "password_confirmation",
            "omniauth_config_id",
        }
        assert "password" in fields
    patches = [w for w in writes(sandbox) if w[0] == "PATCH"]
    assert [p[2] for p in patches] == [("receives_reports", "report_frequency")]
    dirk = users(sandbox)["dirk@uu.example"]
    assert (dirk["receives_reports"], dirk["report_frequency"]) == (True, "month")
    again = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr


def test_report_settings_dropped_after_create_make_the_create_not_taken(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run
) -> None:
    start(quirks=Quirks.of(drop_on_update=["report_frequency"]))
    path = write_config({"users.yaml": NEW_USERS})
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 4, result.stderr
    assert (
        'user.dirk@uu.example: report_frequency not taken: sent "month", the service kept null'
        in result.stderr
    )
    assert "1 created" in result.stderr
    assert "1 not taken" in result.stderr


def test_a_sandbox_requiring_passwords_creates_sso_users_under_the_default_reading(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run, tmp_path: Path
) -> None:
    sandbox = start(user_password="required")
    path = write_config({"users.yaml": NEW_USERS})
    result = run_reconciler("-vv", "apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert "dirk@uu.example" in users(sandbox)
    # The random password of the single sign-on user was sent, and is nowhere to be seen.
    (dirk_post,) = [
        r
        for r in sandbox.requests
        if r.method == "POST" and r.fields and "omniauth_config_id" in r.fields
    ]
    assert "password" in dirk_post.fields
    assert PASSWORD not in result.stdout + result.stderr
    assert "password_confirmation=" not in result.stderr


def test_the_lenient_reading_against_a_sandbox_requiring_passwords_names_the_setting(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run
) -> None:
    sandbox = start(user_password="required")
    path = write_config(
        {
            "reconciler.toml": LENIENT,
            "users.yaml": NEW_USERS,
        }
    )
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 4, result.stderr
    assert "user.dirk@uu.example: create failed:" in result.stderr
    assert 'set user_password = "required" under [providers.proctorexam]' in result.stderr
    assert "dirk@uu.example" not in users(sandbox)
    assert "erin@uu.example" in users(sandbox)  # it had a password of its own


def test_the_lenient_reading_sends_no_password_to_a_lenient_sandbox(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run
) -> None:
    sandbox = start()
    path = write_config(
        {
            "reconciler.toml": LENIENT,
            "users.yaml": NEW_USERS,
        }
    )
    assert run_reconciler("apply", str(path), "--auto-approve").exit_code == 0
    (dirk_post,) = [
        r for r in sandbox.requests if r.method == "POST" and "omniauth_config_id" in r.fields
    ]
    assert "password" not in dirk_post.fields


def test_an_unknown_password_reading_is_an_error_at_validate(
    write_config: Write, run_reconciler: Run
) -> None:
    path = write_config(
        {
            "reconciler.toml": '[providers.proctorexam]\nuser_password = "sometimes"\n',
            "users.yaml": ALICE,
        }
    )
    result = run_reconciler("validate", str(path))
    assert result.exit_code == 1
    assert 'user_password under [providers.proctorexam] must be "required" or' in result.stderr


def test_a_new_user_with_no_way_to_sign_in_is_a_located_error_at_plan(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run
) -> None:
    sandbox = start()
    text = NEW_USERS.replace("    password: ${env:ERIN_PASSWORD}\n", "")
    path = write_config({"users.yaml": text})
    assert run_reconciler("validate", str(path)).exit_code == 0  # validate cannot know
    for command in (("plan",), ("apply", "--auto-approve")):
        result = run_reconciler(*command, str(path))
        assert result.exit_code == 1, result.stderr
        assert (
            f"{path / 'users.yaml'}:9:3: user.erin@uu.example does not exist yet and cannot be"
            " created: a new user needs a password or an identity provider" in result.stderr
        )
    assert writes(sandbox) == []


def test_a_password_next_to_an_identity_provider_is_allowed_and_sent(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run
) -> None:
    sandbox = start(user_password="required")
    text = NEW_USERS.replace(
        "    identity_provider: UU SAML\n",
        "    identity_provider: UU SAML\n    password: ${env:ERIN_PASSWORD}\n",
    )
    path = write_config({"users.yaml": text})
    assert run_reconciler("validate", str(path)).exit_code == 0
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert users(sandbox)["dirk@uu.example"]["omniauth_config_id"] == 7


def test_the_json_plan_never_counts_a_not_taken_change(
    start: Callable[..., Sandbox], write_config: Write, run_reconciler: Run
) -> None:
    start(quirks=Quirks.of(drop_on_update=["receives_reports"]))
    path = write_config({"users.yaml": ALICE})
    assert run_reconciler("apply", str(path), "--auto-approve").exit_code == 4
    result = run_reconciler("plan", str(path), "--format", "json")
    document = json.loads(result.stdout)
    [change] = document["changes"]
    assert [f["name"] for f in change["fields"]] == ["receives_reports"]
