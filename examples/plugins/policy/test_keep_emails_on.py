"""The policy through the shipped fixtures: unit-level with ``reconciler_hooks``, then a real
``apply`` against the sandbox with ``run_reconciler``, ``write_config`` and
``proctorexam_sandbox``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import keep_emails_on
import pytest

from reconciler import Action, Change, FieldChange, Plan
from reconciler.testing import CliResult, Hooks
from reconciler_proctorexam.sandbox import Sandbox

PLUGIN = Path(keep_emails_on.__file__)


def plan_turning_off(field: str) -> Plan:
    change = Change(Action.UPDATE, "institute", "pe", (FieldChange(field, True, False),))
    return Plan((change,))


def test_turning_reminders_off_is_refused_and_labelled(
    reconciler_hooks: Callable[..., Hooks],
) -> None:
    hooks = reconciler_hooks(("keep_emails_on", keep_emails_on), builtins=True)
    hooks.configure({}, Path())
    [refusal] = hooks.check_plan(plan_turning_off("reminder_emails_enabled"), hooks.resource_kinds)
    assert (
        str(refusal) == "institute.pe: reminder_emails_enabled stays on (policy) [keep_emails_on]"
    )
    assert hooks.check_plan(plan_turning_off("exam_link_emails_enabled"), {}) == []


def test_the_protected_fields_come_from_the_settings(
    reconciler_hooks: Callable[..., Hooks],
) -> None:
    hooks = reconciler_hooks(("keep_emails_on", keep_emails_on))
    hooks.configure({"keep_emails_on": {"fields": ["exam_link_emails_enabled"]}}, Path())
    assert hooks.check_plan(plan_turning_off("exam_link_emails_enabled"), {})
    assert hooks.check_plan(plan_turning_off("reminder_emails_enabled"), {}) == []


@pytest.fixture
def project(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    monkeypatch: pytest.MonkeyPatch,
    write_config: Callable[..., Path],
) -> tuple[Path, Sandbox]:
    sandbox = proctorexam_sandbox_factory(
        seed=[{"id": 1, "short_name": "pe", "name": "PE", "reminder_emails_enabled": True}]
    )
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    path = write_config(
        {
            "reconciler.toml": f"[plugins]\nlocal = [{json.dumps(str(PLUGIN))}]\n",
            "institutes.yaml": "institutes:\n  pe: {reminder_emails_enabled: false}\n",
        }
    )
    return path, sandbox


def test_apply_is_refused_with_exit_3_and_nothing_written(
    project: tuple[Path, Sandbox], run_reconciler: Callable[..., CliResult]
) -> None:
    path, sandbox = project
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 3
    assert "reminder_emails_enabled stays on (policy) [keep_emails_on]" in result.stderr
    assert all(r.method == "GET" for r in sandbox.requests)


def test_a_typo_in_its_settings_is_an_error_at_validate(
    project: tuple[Path, Sandbox], run_reconciler: Callable[..., CliResult]
) -> None:
    path, _ = project
    toml = path / "reconciler.toml"
    toml.write_text(toml.read_text() + '\n[plugins.keep_emails_on]\nfeilds = ["x"]\n')
    result = run_reconciler("validate", str(path))
    assert result.exit_code == 1
    assert (
        f"{toml}:5:1: plugins.keep_emails_on.feilds is not a setting of plugin"
        " 'keep_emails_on'; did you mean 'fields'? [keep_emails_on]" in result.stderr
    )
