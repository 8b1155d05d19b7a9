"""A saved plan applied twice says that it was applied, not that another change got there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]

SEED = {
    "institutes": [
        {"id": 1, "short_name": "a", "name": "Alpha", "reminder_emails_enabled": False},
        {"id": 2, "short_name": "b", "name": "Beta", "reminder_emails_enabled": False},
        {"id": 3, "short_name": "old", "name": "Old"},
    ],
    "users": [],
}

CONFIG = """
institutes:
  a: {reminder_emails_enabled: true}
  b: {reminder_emails_enabled: true}
  new: {name: New}
  old: {absent: true}
users:
  carol@new.example: {institute: new, name: Carol, role: teacher, password: "${env:PW}"}
"""


def saved_plan(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Sandbox, Path]:
    monkeypatch.setenv("PW", "first-password-7a1c")
    sandbox = aimed_at(seed=SEED)
    path = write_config({"i.yaml": CONFIG})
    plan_file = tmp_path / "plan.json"
    result = run_reconciler("plan", str(path), "--out", str(plan_file), "--allow-delete")
    assert result.exit_code == 0, result.stderr
    assert "Plan: 2 to create, 2 to update, 1 to delete." in result.stdout
    return sandbox, plan_file


def test_applying_a_plan_twice_says_it_was_applied_already(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox, plan_file = saved_plan(aimed_at, write_config, run_reconciler, tmp_path, monkeypatch)
    first = run_reconciler("apply", str(plan_file), "--allow-delete")
    assert first.exit_code == 0, first.stderr
    sandbox.clear_requests()
    second = run_reconciler("apply", str(plan_file))
    assert second.exit_code == 3
    assert (
        "Error: This plan was applied already: its 5 object(s) are live as it makes them,"
        " so nothing was written:\n"
    ) in second.stderr
    for address in ("institute.a", "institute.new", "institute.old", "user.carol@new.example"):
        assert f"  {address}: already as this plan makes it" in second.stderr
    assert "another change" not in second.stderr
    assert "Plan again to see whether anything is still to do." in second.stderr
    assert "first-password" not in second.stderr
    assert all(r.method == "GET" for r in sandbox.requests)


def test_a_plan_half_made_by_someone_else_names_each_object_as_it_is(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox, plan_file = saved_plan(aimed_at, write_config, run_reconciler, tmp_path, monkeypatch)
    # Someone makes one change exactly as planned, and another one differently.
    sandbox.update_institute(1, {"reminder_emails_enabled": True})
    sandbox.update_institute(2, {"name": "Beta (renamed)"})
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 3
    assert "another change got there first" in result.stderr
    assert "applied already" not in result.stderr
    assert "  institute.a: already as this plan makes it" in result.stderr
    assert '  institute.b: changed since the plan:\n      name: "Beta" -> "Beta (renamed)"' in (
        result.stderr
    )


def test_a_plan_partly_made_elsewhere_is_not_called_applied(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox, plan_file = saved_plan(aimed_at, write_config, run_reconciler, tmp_path, monkeypatch)
    sandbox.update_institute(1, {"reminder_emails_enabled": True})  # one change of five
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 3
    assert "1 object(s) changed since the plan was made" in result.stderr
    assert "applied already" not in result.stderr
    assert "  institute.a: already as this plan makes it" in result.stderr
