"""Apply over the sandbox: every exit code, --target, refusals, and a failure mid-apply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]

SEED = [
    {"id": 1, "short_name": "a", "name": "Alpha", "reminder_emails_enabled": False},
    {"id": 2, "short_name": "b", "name": "Beta", "reminder_emails_enabled": False},
    {"id": 3, "short_name": "c", "name": "Gamma", "reminder_emails_enabled": False},
    {"id": 4, "short_name": "old", "name": "Old"},
]


def writes(sandbox: Sandbox) -> list[Any]:
    return [r for r in sandbox.requests if r.method != "GET"]


def test_target_applies_only_that_object(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Any], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config(
        {
            "i.yaml": """
            institutes:
              a: {reminder_emails_enabled: true}
              b: {reminder_emails_enabled: true}
            """
        }
    )
    result = run_reconciler("apply", str(path), "--target", "institute.b", "--auto-approve")
    assert result.exit_code == 0, result.stderr
    state = {i["short_name"]: i for i in sandbox.institutes()}
    assert state["b"]["reminder_emails_enabled"] is True
    assert state["a"]["reminder_emails_enabled"] is False
    assert [(r.method, r.path) for r in writes(sandbox)] == [("PATCH", "/api/v3/institutes/2")]


def test_unknown_target_is_an_error(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Any], run_reconciler: Run
) -> None:
    aimed_at(seed=SEED)
    path = write_config({"i.yaml": "institutes:\n  a: {name: Alpha}\n"})
    result = run_reconciler("plan", str(path), "--target", "institute.zz")
    assert result.exit_code == 1
    assert (
        "--target institute.zz: matches nothing the configuration declares. Closest: institute.a."
    ) in result.stderr


def test_a_tombstone_is_refused_without_allow_delete(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Any], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config({"i.yaml": "institutes:\n  old: {absent: true}\n"})
    planned = run_reconciler("plan", str(path))
    assert planned.exit_code == 3
    assert "- institute.old" in planned.stdout
    assert "deletes 1 object(s) (institute.old)" in planned.stderr
    refused = run_reconciler("apply", str(path), "--auto-approve")
    assert refused.exit_code == 3
    assert writes(sandbox) == []
    allowed = run_reconciler("apply", str(path), "--auto-approve", "--allow-delete")
    assert allowed.exit_code == 0, allowed.stderr
    assert "old" not in {i["short_name"] for i in sandbox.institutes()}


def test_a_failing_change_mid_apply_exits_4_and_the_rest_are_applied(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Any], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    # "Old" passes the plan's checks: the plan renames institute.old away from it. Applied one
    # change at a time in plan order, the create of "clash" comes before that rename, and the
    # service refuses it: a name swap takes two runs.
    path = write_config(
        {
            "reconciler.toml": "[apply]\nparallelism = 1\n",
            "i.yaml": """
            institutes:
              a: {reminder_emails_enabled: true}
              c: {reminder_emails_enabled: true}
              clash: {name: Old}
              old: {name: Older}
            """,
        }
    )
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 4, result.stderr
    assert "institute.clash: create failed:" in result.stderr
    assert "has already been taken" in result.stderr
    assert "institute.a: updated" in result.stderr
    assert "institute.c: updated" in result.stderr
    assert "Applied: 0 created, 3 updated, 0 deleted; 1 failed." in result.stderr
    state = {i["short_name"]: i for i in sandbox.institutes()}
    assert state["a"]["reminder_emails_enabled"] is True
    assert "clash" not in state
    # A second run converges: only the failing change is still planned.
    again = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert again.exit_code == 2
    assert "Plan: 1 to create, 0 to update, 0 to delete." in again.stdout


def test_every_change_failing_is_exit_1(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Any], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config(
        {
            "reconciler.toml": '[plugins]\nlocal = ["freeze.py"]\n',
            "freeze.py": """
            from reconciler import ReconcilerError, hookimpl

            @hookimpl
            def reconciler_before_change(change):
                raise ReconcilerError("frozen for the exam week")
            """,
            "i.yaml": "institutes:\n  a: {name: Alpha2}\n",
        }
    )
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 1
    assert "institute.a: update failed: frozen for the exam week" in result.stderr
    assert "none of 1 change(s) could be made" in result.stderr
    assert writes(sandbox) == []


def test_apply_without_a_terminal_needs_auto_approve(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Any], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config({"i.yaml": "institutes:\n  a: {reminder_emails_enabled: true}\n"})
    result = run_reconciler("apply", str(path))
    assert result.exit_code == 1
    assert "--auto-approve" in result.stderr
    assert writes(sandbox) == []


def test_a_policy_plugin_refuses_with_exit_3(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Any], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=[{**SEED[0], "reminder_emails_enabled": True}])
    path = write_config(
        {
            "reconciler.toml": '[plugins]\nlocal = ["reminders.py"]\n',
            "reminders.py": """
            from reconciler import Refusal, hookimpl

            @hookimpl
            def reconciler_check_plan(plan, kinds):
                for change in plan.changes:
                    for field in change.fields:
                        if field.name == "reminder_emails_enabled" and field.after is False:
                            yield Refusal("reminder e-mails stay on", "reminders", change.address)
            """,
            "i.yaml": "institutes:\n  a: {reminder_emails_enabled: false}\n",
        }
    )
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 3
    assert "institute.a: reminder e-mails stay on [reminders]" in result.stderr
    assert writes(sandbox) == []


def test_plan_makes_no_write_and_one_list_call(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Any], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config({"i.yaml": "institutes:\n  a: {reminder_emails_enabled: true}\n"})
    assert run_reconciler("plan", str(path), "--detailed-exitcode").exit_code == 2
    assert [(r.method, r.path) for r in sandbox.requests] == [("GET", "/api/v3/institutes")]


def test_an_interrupted_apply_exits_130_and_says_what_to_do(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Any], run_reconciler: Run
) -> None:
    aimed_at(seed=SEED)
    path = write_config(
        {
            "reconciler.toml": '[plugins]\nlocal = ["ctrl_c.py"]\n',
            "ctrl_c.py": "from reconciler import hookimpl\n\n"
            "@hookimpl\ndef reconciler_before_change(change):\n    raise KeyboardInterrupt\n",
            "i.yaml": "institutes:\n  a: {reminder_emails_enabled: true}\n",
        }
    )
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 130
    assert "Interrupted. Run plan again" in result.stderr
