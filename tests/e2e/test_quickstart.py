"""The quick start, end to end over the sandbox: plan, apply, plan again with nothing to do."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox.local import state_path

Run = Callable[..., CliResult]


def test_plan_apply_plan_converges(quickstart: Path, run_reconciler: Run) -> None:
    path = str(quickstart)
    first = run_reconciler("plan", path, "--sandbox", "--detailed-exitcode")
    assert first.exit_code == 2, first.stderr
    assert "Plan: 2 to create, 3 to update, 0 to delete." in first.stdout
    assert "~ exam_link_emails_enabled: true -> false" in first.stdout
    assert "institute.legacy" in first.stdout  # unmanaged: reported, never touched

    applied = run_reconciler("apply", path, "--sandbox", "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    assert "institute.new-campus: created" in applied.stderr
    assert "Apply complete: 2 created, 3 updated, 0 deleted." in applied.stderr

    again = run_reconciler("plan", path, "--sandbox", "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr
    assert "No changes" in again.stdout

    assert not (quickstart / ".sandbox-state.json").exists()
    assert f"Sandbox state: {state_path(quickstart)}" in applied.stderr
    state = json.loads(state_path(quickstart).read_text())
    by_short = {i["short_name"]: i for i in state["institutes"]}
    assert by_short["pe"]["exam_link_emails_enabled"] is False
    assert sorted(by_short["pe"]["custom_languages"]) == ["fr-FR", "no-NO"]
    assert by_short["new-campus"]["default_language"] == "nl-NL"
    assert by_short["legacy"]["name"] == "Legacy College"


def test_reset_sandbox_starts_again_from_the_seed(quickstart: Path, run_reconciler: Run) -> None:
    path = str(quickstart)
    assert run_reconciler("apply", path, "--sandbox", "--auto-approve").exit_code == 0
    reset = run_reconciler("plan", path, "--sandbox", "--reset-sandbox")
    assert "Plan: 2 to create, 3 to update, 0 to delete." in reset.stdout


def test_json_plan_to_a_file(quickstart: Path, run_reconciler: Run, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = run_reconciler(
        "plan", str(quickstart), "--sandbox", "--format", "json", "--output", str(out)
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    document = json.loads(out.read_text())
    assert document["summary"] == {"create": 2, "update": 3, "delete": 0}
    assert [c["address"] for c in document["changes"]] == [
        "institute.new-campus",
        "institute.pe",
        "institute.uu",
        "user.alice@uu.example",
        "user.dirk@new-campus.example",
    ]


def test_the_saved_plan_quick_start_applies_the_file_once(
    quickstart: Path, run_reconciler: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the checkout's root: a saved plan names its config from there
    path, plan_file = str(quickstart), str(tmp_path / "plan.json")
    saved = run_reconciler("plan", path, "--sandbox", "--out", plan_file)
    assert saved.exit_code == 0, saved.stderr
    assert "Plan: 2 to create, 3 to update, 0 to delete." in saved.stdout
    applied = run_reconciler("apply", plan_file, "--sandbox")
    assert applied.exit_code == 0, applied.stderr
    assert "Apply complete: 2 created, 3 updated, 0 deleted." in applied.stderr
    again = run_reconciler("plan", path, "--sandbox", "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr
    refused = run_reconciler("apply", plan_file, "--sandbox")
    assert refused.exit_code == 3
    assert "This plan was applied already" in refused.stderr
    assert "so nothing was written" in refused.stderr


def test_doctor_on_the_quick_start_sandbox(quickstart: Path, run_reconciler: Run) -> None:
    result = run_reconciler("doctor", str(quickstart), "--sandbox", "--format", "json")
    assert result.exit_code == 0, result.stdout
    steps = {step["name"]: step["status"] for step in json.loads(result.stdout)["steps"]}
    assert steps == {
        "base URL": "passed",
        "credentials": "passed",
        "clock": "passed",
        "pagination": "passed",
        "typed values": "passed",
        "managed fields": "passed",
        "user fields": "passed",
    }
