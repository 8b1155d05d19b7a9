"""``reconciler sandbox set``: drift made behind the tool's back, seen by the next run."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[3]
Run = Callable[..., CliResult]

SEED = {
    "institutes": [{"id": 1, "name": "Utrecht University", "short_name": "uu"}],
    "identity_providers": [{"id": 7, "name": "UU SAML"}],
    "users": [
        {
            "id": 1,
            "institute_id": 1,
            "email": "alice@uu.example",
            "name": "Alice",
            "role": "teacher",
            "omniauth_config_id": None,
            "password": "alice-password-1",
        }
    ],
}


@pytest.fixture
def drift_example(tmp_path: Path) -> Path:
    target = tmp_path / "drift"
    shutil.copytree(ROOT / "examples" / "drift", target)
    return target


def test_a_change_made_with_set_is_the_next_drift_reports(
    drift_example: Path, run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(drift_example.parent)  # a saved plan is applied from the checkout's root
    before = run_reconciler("drift", str(drift_example), "--sandbox", "--format", "json")
    assert before.exit_code == 2, before.stderr
    assert "reminder_emails_enabled" not in json.dumps(
        [o for o in json.loads(before.stdout)["objects"] if o["address"] == "institute.pe"]
    )
    result = run_reconciler(
        "sandbox",
        "set",
        "institute.pe",
        "reminder_emails_enabled=false",
        "custom_languages=[no-NO, de-DE]",
        "tawk_api_key=tawk-secret-set-by-hand",
        "--config-dir",
        str(drift_example),
    )
    assert result.exit_code == 0, result.stderr
    assert "institute.pe: reminder_emails_enabled set to false" in result.stderr
    assert 'institute.pe: custom_languages set to ["no-NO", "de-DE"]' in result.stderr
    assert "institute.pe: tawk_api_key set to (sensitive)" in result.stderr
    assert "tawk-secret-set-by-hand" not in result.stdout + result.stderr
    after = run_reconciler("drift", str(drift_example), "--sandbox")
    assert after.exit_code == 2
    assert "reminder_emails_enabled: declared true, live false" in after.stdout
    # A plan made before the change is stale now, as it would be against the service.
    plan_file = drift_example.parent / "plan.json"
    run_reconciler("plan", str(drift_example), "--sandbox", "--out", str(plan_file))
    run_reconciler(
        "sandbox", "set", "institute.pe", "name=PE (renamed)", "--config-dir", str(drift_example)
    )
    stale = run_reconciler("apply", str(plan_file), "--sandbox")
    assert stale.exit_code == 3
    assert 'name: "ProctorExam" -> "PE (renamed)"' in stale.stderr


def test_values_are_checked_as_the_api_checks_them(
    drift_example: Path, run_reconciler: Run
) -> None:
    where = ("--config-dir", str(drift_example))
    cases = {
        ("institute.pe", "custom_languages=nope"): "institute.pe: custom_languages is invalid",
        ("institute.pe", "id=5"): "institute.pe: id is read-only",
        ("institute.pe", "short_name=x"): "institute.pe: short_name cannot be changed",
        ("institute.pe", "name=Utrecht University"): "institute.pe: name has already been taken",
        ("institute.nope", "name=x"): "institute.nope: no such institute in the sandbox",
        ("room.a", "name=x"): "an address is institute.SHORT_NAME or user.EMAIL",
        ("institute.pe", "name"): "'name': write FIELD=VALUE",
    }
    for args, message in cases.items():
        result = run_reconciler("sandbox", "set", *args, *where)
        assert result.exit_code == 1, args
        assert message in result.stderr, result.stderr
    drift = run_reconciler("drift", str(drift_example), "--sandbox", "--format", "json")
    pe = next(o for o in json.loads(drift.stdout)["objects"] if o["address"] == "institute.pe")
    assert [f["name"] for f in pe["fields"]] == ["exam_link_emails_enabled"]  # as seeded


def test_users_are_changed_as_staff_could_and_checked(tmp_path: Path, run_reconciler: Run) -> None:
    state = tmp_path / "sandbox.state"
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED), "utf-8")
    where = ("--state", str(state), "--seed", str(seed))
    result = run_reconciler(
        "sandbox",
        "set",
        "user.alice@uu.example",
        "role=administrator",
        "identity_provider=UU SAML",
        "report_frequency=week",
        *where,
    )
    assert result.exit_code == 0, result.stderr
    with Sandbox(state_file=state) as sandbox:
        [alice] = sandbox.institute_users()
    assert alice["role"] == "administrator"
    assert alice["omniauth_config_id"] == 7
    assert alice["report_frequency"] == "week"
    for assignment, message in {
        "role=king": "role must be one of",
        "identity_provider=Nope": "no such identity provider; known: UU SAML",
        "report_frequency=hourly": "report_frequency is not included in the list",
        "password=x": "password: not a field this sets",
    }.items():
        refused = run_reconciler("sandbox", "set", "user.alice@uu.example", assignment, *where)
        assert refused.exit_code == 1
        assert message in refused.stderr, refused.stderr


def test_a_running_sandbox_keeps_its_state_file_until_stopped(
    tmp_path: Path, run_reconciler: Run
) -> None:
    state = tmp_path / "sandbox.state"
    args = (
        "sandbox",
        "set",
        "institute.uu",
        "reminder_emails_enabled=false",
        "--state",
        str(state),
    )
    with Sandbox(seed=SEED, state_file=state) as running:
        busy = run_reconciler(*args)
        assert busy.exit_code == 1
        assert "in use by another running sandbox" in busy.stderr
        assert running.institutes()[0]["reminder_emails_enabled"] is True
    assert run_reconciler(*args).exit_code == 0
    with Sandbox(state_file=state) as restarted:
        assert restarted.institutes()[0]["reminder_emails_enabled"] is False


def test_the_server_still_starts_with_its_options(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from reconciler_proctorexam.sandbox.command import sandbox_command

    result = CliRunner().invoke(sandbox_command, ["--rate-429", "2"])
    assert result.exit_code == 2
    assert "--rate-429" in result.output
