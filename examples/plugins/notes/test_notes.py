"""Tests of the notes kind, through the shipped fixtures: plan and apply with no ProctorExam."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult

PLUGIN = Path(__file__).with_name("notes.py")

SETTINGS = f"""
[plugins]
local = [{json.dumps(str(PLUGIN))}]

[providers.notes]
path = "live-notes.json"
"""

NOTES = """
notes:
  welcome:
    text: Welcome to the exam portal
    pinned: true
  rules:
    text: No phones on the desk
"""


@pytest.fixture
def no_proctorexam(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ProctorExam address or credentials at all: the notes kind must not need them."""
    for name in ("PROCTOREXAM_BASE_URL", "PROCTOREXAM_API_TOKEN", "PROCTOREXAM_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_proctorexam")
def test_notes_are_planned_and_applied_without_any_proctorexam_setting(
    run_reconciler: Callable[..., CliResult], write_config: Callable[..., Path]
) -> None:
    config = write_config({"reconciler.toml": SETTINGS, "notes.yaml": NOTES})

    planned = run_reconciler("plan", str(config), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.stderr
    assert "+ note.welcome" in planned.stdout
    assert not (config / "live-notes.json").exists()

    applied = run_reconciler("apply", str(config), "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    live = json.loads((config / "live-notes.json").read_text())
    assert live == {
        "rules": {"text": "No phones on the desk"},
        "welcome": {"pinned": True, "text": "Welcome to the exam portal"},
    }

    again = run_reconciler("plan", str(config), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr


@pytest.mark.usefixtures("no_proctorexam")
def test_a_tombstone_deletes_a_note(
    run_reconciler: Callable[..., CliResult], write_config: Callable[..., Path]
) -> None:
    config = write_config({"reconciler.toml": SETTINGS, "notes.yaml": NOTES})
    assert run_reconciler("apply", str(config), "--auto-approve").exit_code == 0
    (config / "notes.yaml").write_text("notes:\n  rules:\n    absent: true\n")

    result = run_reconciler("apply", str(config), "--auto-approve", "--allow-delete")

    assert result.exit_code == 0, result.stderr
    assert "rules" not in json.loads((config / "live-notes.json").read_text())


@pytest.mark.usefixtures("no_proctorexam")
def test_a_note_to_create_without_text_is_located_at_plan(
    run_reconciler: Callable[..., CliResult], write_config: Callable[..., Path]
) -> None:
    config = write_config(
        {"reconciler.toml": SETTINGS, "notes.yaml": "notes:\n  x: {pinned: true}\n"}
    )
    result = run_reconciler("plan", str(config))
    assert result.exit_code == 1
    assert (
        f"{config}/notes.yaml:2:3: note.x does not exist yet and cannot be created without"
        " 'text'" in result.stderr
    )
    assert not (config / "live-notes.json").exists()


def test_a_typo_in_the_provider_table_is_an_error_at_validate(
    run_reconciler: Callable[..., CliResult], write_config: Callable[..., Path]
) -> None:
    settings = SETTINGS.replace('path = "live-notes.json"', 'pth = "live-notes.json"')
    config = write_config({"reconciler.toml": settings, "notes.yaml": NOTES})
    result = run_reconciler("validate", str(config))
    assert result.exit_code == 1
    assert (
        f"{config}/reconciler.toml:5:1: providers.notes.pth is not a setting of provider"
        " 'notes'; did you mean 'path'?" in result.stderr
    )
