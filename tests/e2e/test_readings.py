"""Each switchable reading of the contract, both ways, against a sandbox that enforces it.

With the setting that matches the sandbox, plan, apply, plan converges; with the other one,
the apply fails and the message names the setting to change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]

SEED = [
    {"name": "ProctorExam", "short_name": "pe", "custom_languages": ["no-NO"]},
    {"name": "Old Campus", "short_name": "old"},
]

#: (setting, value, the sandbox's default): each alternative reading.
READINGS = [
    ("update_method", "PUT", "PATCH"),
    ("delete_params", "body", "query"),
    ("list_rendering", "json", "ruby"),
]

BOTH_CHANGES = """
    institutes:
      pe:
        name: ProctorExam
        custom_languages: [no-NO, fr-FR]
      old:
        absent: true
"""

#: The one change that exercises each reading, so that a wrong one fails the whole apply.
ONE_CHANGE = {
    "update_method": "institutes:\n  pe:\n    reminder_emails_enabled: false\n",
    "delete_params": "institutes:\n  old:\n    absent: true\n",
    "list_rendering": "institutes:\n  pe:\n    custom_languages: [no-NO, fr-FR]\n",
}


def _config(write_config: Callable[..., Path], yaml: str, setting: str, value: str) -> Path:
    toml = f'[providers.proctorexam]\n{setting} = "{value}"\n' if value else ""
    return write_config({"institutes.yaml": yaml, "reconciler.toml": toml})


@pytest.mark.parametrize(("setting", "value", "default"), READINGS)
@pytest.mark.parametrize("alternative", [True, False], ids=["alternative", "default"])
def test_plan_apply_plan_converges_with_the_matching_reading(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    setting: str,
    value: str,
    default: str,
    alternative: bool,
) -> None:
    reading = value if alternative else default
    sandbox = aimed_at(seed=SEED, **{setting: reading})
    path = _config(write_config, BOTH_CHANGES, setting, reading)
    planned = run_reconciler("plan", str(path), "--detailed-exitcode", "--allow-delete")
    assert planned.exit_code == 2
    applied = run_reconciler("apply", str(path), "--auto-approve", "--allow-delete")
    assert applied.exit_code == 0, applied.stderr
    assert run_reconciler("plan", str(path), "--detailed-exitcode").exit_code == 0
    assert [(i["short_name"], i["custom_languages"]) for i in sandbox.institutes()] == [
        ("pe", ["no-NO", "fr-FR"])
    ]
    methods = {r.method for r in sandbox.requests}
    update = value if setting == "update_method" and alternative else "PATCH"
    assert methods == {"GET", update, "DELETE"}


@pytest.mark.parametrize(("setting", "value", "default"), READINGS)
@pytest.mark.parametrize("alternative", [True, False], ids=["alternative", "default"])
def test_the_wrong_reading_fails_clearly(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    setting: str,
    value: str,
    default: str,
    alternative: bool,
) -> None:
    server, client = (value, default) if alternative else (default, value)
    sandbox = aimed_at(seed=SEED, **{setting: server})
    before = sandbox.institutes()
    path = _config(write_config, ONE_CHANGE[setting], setting, client)
    result = run_reconciler("apply", str(path), "--auto-approve", "--allow-delete")
    assert result.exit_code == 1
    output = result.stdout + result.stderr
    assert f'{setting} = "{server}"' in output
    if setting != "delete_params":  # the one reading a read-only probe cannot check
        assert "reconciler doctor" in output
    assert sandbox.institutes() == before


def test_an_unknown_reading_is_an_error_at_validate(
    write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    path = _config(write_config, ONE_CHANGE["update_method"], "update_method", "POST")
    result = run_reconciler("validate", str(path))
    assert result.exit_code == 1
    assert 'update_method under [providers.proctorexam] must be "PATCH" or "PUT"' in result.stderr
    assert str(path / "reconciler.toml") in result.stderr


@pytest.mark.parametrize(("setting", "value", "default"), READINGS)
def test_sandbox_runs_take_the_project_readings(
    write_config: Callable[..., Path], run_reconciler: Run, setting: str, value: str, default: str
) -> None:
    path = _config(write_config, BOTH_CHANGES, setting, value)
    (path / "sandbox-seed.json").write_text(json.dumps({"institutes": SEED}))
    applied = run_reconciler("apply", str(path), "--sandbox", "--auto-approve", "--allow-delete")
    assert applied.exit_code == 0, applied.stderr
    planned = run_reconciler("plan", str(path), "--sandbox", "--detailed-exitcode")
    assert planned.exit_code == 0, planned.stdout
