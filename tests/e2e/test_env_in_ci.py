"""``${env:NAME}`` in a pipeline: a value is needed only when a change must send it.

``validate`` checks names, never values (``--require-env`` checks them too); ``plan`` and
``drift`` name a field whose variable is unset as not compared; ``apply`` stops before any
write only when a change must send that value; a user's first password is needed only to
create that user; and a write-only field is never compared against a snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]
Write = Callable[..., Path]
Aim = Callable[..., Sandbox]

ROOT = Path(__file__).resolve().parents[2]
TAWK = "tawk-key-3f9a0c"
PASSWORD = "first-password-7b21d"

SEED: dict[str, Any] = {
    "institutes": [
        {"id": 1, "name": "ProctorExam", "short_name": "pe", "tawk_api_key": TAWK},
        {"id": 2, "name": "Utrecht University", "short_name": "uu"},
    ],
    "users": [{"id": 1, "institute_id": 2, "email": "ann@uu.example", "name": "Ann"}],
}

EXISTING = """
institutes:
  pe:
    name: ProctorExam
    tawk_api_key: ${env:PE_TAWK_KEY}
  uu:
    name: Utrecht University
    reminder_emails_enabled: false
users:
  ann@uu.example:
    institute: uu
    name: Ann
    password: ${env:ANN_PASSWORD}
"""

NEW_USER = """
users:
  bo@uu.example:
    institute: uu
    name: Bo
    role: teacher
    password: ${env:BO_PASSWORD}
"""

NEW_INSTITUTE = """
institutes:
  new:
    name: New Campus
    tawk_api_key: ${env:NEW_TAWK_KEY}
"""


@pytest.fixture
def unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PE_TAWK_KEY", "ANN_PASSWORD", "BO_PASSWORD", "NEW_TAWK_KEY"):
        monkeypatch.delenv(name, raising=False)


def writes(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in sandbox.requests if r.method != "GET"]


def test_validate_checks_names_not_values(
    unset: None, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"config.yaml": EXISTING})
    assert run_reconciler("validate", str(path)).exit_code == 0

    required = run_reconciler("validate", str(path), "--require-env")
    assert required.exit_code == 1
    assert (
        "config.yaml:4:19: institutes.pe.tawk_api_key: the environment variable PE_TAWK_KEY is"
        " not set" in required.stderr
    )
    assert "config.yaml:12:15: users.ann@uu.example.password: the environment variable" in (
        required.stderr
    )

    broken = write_config({"config.yaml": "institutes:\n  pe: {tawk_api_key: '${env:}'}\n"})
    result = run_reconciler("validate", str(broken))
    assert result.exit_code == 1
    assert "'${env:}' is not a reference this tool knows" in result.stderr


def test_the_pre_commit_hook_passes_with_variables_unset(
    unset: None, write_config: Write, run_reconciler: Run
) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    program, *command = hook["entry"].split()
    assert program == "reconciler"
    path = write_config({"config.yaml": EXISTING})
    result = run_reconciler(*command, *hook.get("args", [])[:-1], str(path))
    assert result.exit_code == 0, result.stderr


def test_plan_and_drift_name_a_field_not_compared_and_do_not_fail(
    unset: None, aimed_at: Aim, write_config: Write, run_reconciler: Run
) -> None:
    aimed_at(seed=SEED)
    path = write_config({"config.yaml": EXISTING})
    plan = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert plan.exit_code == 2, plan.stderr  # uu's reminder e-mails; nothing about the key
    assert "~ institute.uu" in plan.stdout
    assert "institute.pe" not in plan.stdout.split("1 field not compared:")[0]
    assert "1 field not compared:" in plan.stdout
    assert "institute.pe.tawk_api_key: not compared: PE_TAWK_KEY is not set" in plan.stdout
    assert "Plan: 0 to create, 1 to update, 0 to delete; 1 field not compared." in plan.stdout
    assert TAWK not in plan.stdout + plan.stderr

    doc = json.loads(run_reconciler("plan", str(path), "--format", "json").stdout)
    assert doc["not_compared"] == [
        {
            "address": "institute.pe",
            "field": "tawk_api_key",
            "reason": "PE_TAWK_KEY is not set",
            "needed_by_apply": False,
            "location": {"file": f"{path}/config.yaml", "line": 4, "column": 5},
        }
    ]

    drift = run_reconciler("drift", str(path))
    assert drift.exit_code == 2, drift.stderr  # uu drifted
    assert "institute.pe.tawk_api_key: not compared: PE_TAWK_KEY is not set" in drift.stdout
    assert "institute.pe " not in drift.stdout


def test_apply_needs_a_value_only_when_a_change_sends_it(
    unset: None,
    aimed_at: Aim,
    write_config: Write,
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = aimed_at(seed=SEED)
    # Nothing sends the key or Ann's password: apply goes ahead without them.
    path = write_config({"config.yaml": EXISTING})
    applied = run_reconciler("apply", str(path), "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    assert writes(sandbox) == [("PATCH", "/api/v3/institutes/2")]
    by_name = {i["short_name"]: i for i in sandbox.institutes()}
    assert by_name["pe"]["tawk_api_key"] == TAWK  # never overwritten

    # A create sends the key: stopped before any write, naming the variable and the line.
    sandbox.clear_requests()
    creating = write_config({"new.yaml": NEW_INSTITUTE})
    plan = run_reconciler("plan", str(creating))
    assert plan.exit_code == 0, plan.stderr
    assert "institute.new.tawk_api_key: NEW_TAWK_KEY is not set" in plan.stdout
    refused = run_reconciler("apply", str(creating), "--auto-approve")
    assert refused.exit_code == 1
    assert "institute.new.tawk_api_key (" in refused.stderr
    assert "new.yaml:4:5): NEW_TAWK_KEY is not set" in refused.stderr
    assert "nothing was written" in refused.stderr
    assert writes(sandbox) == []

    monkeypatch.setenv("NEW_TAWK_KEY", "new-key-0d1e")
    assert run_reconciler("apply", str(creating), "--auto-approve").exit_code == 0
    assert writes(sandbox) == [("POST", "/api/v3/institutes")]


def test_a_password_is_needed_only_to_create_its_user(
    unset: None,
    aimed_at: Aim,
    write_config: Write,
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config({"users.yaml": NEW_USER})
    plan_file = tmp_path / "plan.json"
    planned = run_reconciler("plan", str(path), "--out", str(plan_file))
    assert planned.exit_code == 0, planned.stderr
    assert '+ password: "${env:BO_PASSWORD}"' in planned.stdout
    sandbox.clear_requests()
    refused = run_reconciler("apply", str(plan_file))
    assert refused.exit_code == 1
    assert "user.bo@uu.example.password (config/users.yaml:6:5): BO_PASSWORD is not set" in (
        refused.stderr
    )
    assert writes(sandbox) == []

    monkeypatch.setenv("BO_PASSWORD", PASSWORD)
    applied = run_reconciler("apply", str(plan_file))
    assert applied.exit_code == 0, applied.stderr
    assert writes(sandbox) == [("POST", "/api/v3/institutes/2/users")]
    assert PASSWORD not in applied.stdout + applied.stderr + plan_file.read_text()

    # Created: the password is needed no more.
    monkeypatch.delenv("BO_PASSWORD")
    again = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr
    assert "not compared" not in again.stdout


def test_a_write_only_field_is_never_compared_against_a_snapshot(
    aimed_at: Aim,
    write_config: Write,
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sandbox = aimed_at(seed=SEED)
    monkeypatch.setenv("PE_TAWK_KEY", TAWK)
    monkeypatch.setenv("ANN_PASSWORD", PASSWORD)
    path = write_config({"config.yaml": EXISTING.replace("reminder_emails_enabled: false", "")})
    assert run_reconciler("plan", str(path), "--detailed-exitcode").exit_code == 0
    snap = tmp_path / "live.json"
    assert run_reconciler("snapshot", str(path), "--output", str(snap)).exit_code == 0
    assert TAWK not in snap.read_text()

    # A fork's job: no credentials, the variable set or not; either way no phantom change.
    monkeypatch.delenv("PROCTOREXAM_API_TOKEN")
    monkeypatch.delenv("PROCTOREXAM_SECRET_KEY")
    sandbox.clear_requests()
    for value in (TAWK, None):
        if value is None:
            monkeypatch.delenv("PE_TAWK_KEY")
        plan = run_reconciler("plan", str(path), "--live", str(snap), "--detailed-exitcode")
        assert plan.exit_code == 0, plan.stdout + plan.stderr
        assert "No changes." in plan.stdout
        assert "institute.pe.tawk_api_key: not compared:" in plan.stdout
        drift = run_reconciler("drift", str(path), "--live", str(snap))
        assert drift.exit_code == 0, drift.stdout + drift.stderr
    assert sandbox.requests == []
