"""Saved plans over the sandbox: ``plan --out`` then ``apply FILE``, exactly once, or nothing."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Sandbox

Run = Callable[..., CliResult]

SEED = [
    {"id": 1, "short_name": "a", "name": "Alpha", "reminder_emails_enabled": False},
    {"id": 2, "short_name": "b", "name": "Beta", "reminder_emails_enabled": False},
    {"id": 3, "short_name": "old", "name": "Old"},
]

CONFIG = """
institutes:
  a: {reminder_emails_enabled: true}
  b: {reminder_emails_enabled: true, tawk_api_key: "${env:B_TAWK_KEY}"}
  new: {name: New}
"""

KEY_AT_PLAN, KEY_AT_APPLY = "tawk-PLAN-5d1e", "tawk-APPLY-77b0"


@pytest.fixture(autouse=True)
def _in_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plan and apply run at the root of the checkout that holds the configuration."""
    monkeypatch.chdir(tmp_path)


def writes(sandbox: Sandbox) -> list[Any]:
    return [r for r in sandbox.requests if r.method != "GET"]


@pytest.fixture
def saved(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> tuple[Sandbox, Path, Path]:
    """A sandbox, the config, and a saved plan of it (``B_TAWK_KEY`` set when planned)."""
    sandbox = aimed_at(seed=SEED)
    path = write_config({"i.yaml": CONFIG})
    monkeypatch.setenv("B_TAWK_KEY", KEY_AT_PLAN)
    plan_file = tmp_path / "plan.json"
    result = run_reconciler("plan", str(path), "--out", str(plan_file), "--detailed-exitcode")
    assert result.exit_code == 2, result.stderr
    assert "Plan: 1 to create, 2 to update, 0 to delete." in result.stdout
    assert f"Saved plan written to {plan_file}" in result.stderr
    monkeypatch.setenv("B_TAWK_KEY", KEY_AT_APPLY)
    sandbox.clear_requests()
    return sandbox, path, plan_file


def test_plan_out_prints_the_plan_and_writes_a_private_file(
    saved: tuple[Sandbox, Path, Path], run_reconciler: Run
) -> None:
    sandbox, path, plan_file = saved
    assert stat.S_IMODE(plan_file.stat().st_mode) == 0o600
    doc = json.loads(plan_file.read_text("utf-8"))
    assert doc["format"] == "reconciler saved plan"
    assert doc["project"] == {"path": "config", "allow_delete": False}  # relative, always
    assert doc["tenants"] == {"proctorexam": sandbox.base_url}
    assert "signature" not in doc  # RECONCILER_PLAN_KEY is not set
    assert doc["env_values"][0]["written"] == "${env:B_TAWK_KEY}"
    assert sandbox.requests == []
    # Same text on stdout as a plan without --out.
    assert run_reconciler("plan", str(path), "--out", str(plan_file)).stdout == (
        run_reconciler("plan", str(path)).stdout
    )


def test_a_refused_plan_writes_no_file(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    tmp_path: Path,
) -> None:
    aimed_at(seed=SEED)
    path = write_config({"i.yaml": "institutes:\n  old: {absent: true}\n"})
    plan_file = tmp_path / "plan.json"
    result = run_reconciler("plan", str(path), "--out", str(plan_file))
    assert result.exit_code == 3
    assert "- institute.old" in result.stdout
    assert not plan_file.exists()


def test_a_saved_plan_applies_exactly_once_with_no_prompt(
    saved: tuple[Sandbox, Path, Path], run_reconciler: Run
) -> None:
    sandbox, _path, plan_file = saved
    first = run_reconciler("apply", str(plan_file))  # no terminal, no --auto-approve
    assert first.exit_code == 0, first.stderr
    assert "Apply complete: 1 created, 2 updated, 0 deleted." in first.stderr
    state = {i["short_name"]: i for i in sandbox.institutes()}
    assert state["a"]["name"] == "Alpha"
    assert state["a"]["reminder_emails_enabled"] is True
    assert state["b"]["tawk_api_key"] == KEY_AT_APPLY  # read when applied, not when planned
    assert state["new"]["name"] == "New"

    sandbox.clear_requests()
    second = run_reconciler("apply", str(plan_file))
    assert second.exit_code == 3
    assert "This plan was applied already: its 3 object(s) are live as it makes them" in (
        second.stderr
    )
    assert "another change" not in second.stderr
    assert "institute.new: already as this plan makes it" in second.stderr
    assert "reminder_emails_enabled: false -> true" in second.stderr
    assert writes(sandbox) == []


def test_an_outside_edit_after_the_plan_refuses_it_naming_object_and_field(
    saved: tuple[Sandbox, Path, Path], run_reconciler: Run
) -> None:
    sandbox, _path, plan_file = saved
    sandbox.update_institute(1, {"name": "Alpha (edited in the web UI)"})
    sandbox.clear_requests()
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 3
    assert (
        '  institute.a: changed since the plan:\n      name: "Alpha" -> "Alpha (edited in the web'
        ' UI)"'
    ) in result.stderr
    assert "institute.b" not in result.stderr.split("nothing was written", 1)[1]
    assert "Plan again" in result.stderr
    assert writes(sandbox) == []


def test_an_unset_environment_value_is_exit_1_before_any_write(
    saved: tuple[Sandbox, Path, Path], run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, _path, plan_file = saved
    monkeypatch.delenv("B_TAWK_KEY")
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 1
    assert "institute.b.tawk_api_key (config/i.yaml:3:38): B_TAWK_KEY is not set" in result.stderr
    assert "Export the variables and apply again." in result.stderr
    assert sandbox.requests == []


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('{"format": "reconciler saved plan", "format_version": "1.0", "pla', "truncated"),
        ("{\x00\x01 not json", "not valid JSON"),
        ('{"format": "reconciler saved plan", "format_version": "9.0"}', "format '9.0'"),
        ('{"format": "something else", "format_version": "1.0"}', "is not a saved plan"),
        ('{"format": "reconciler saved plan", "format_version": "1.0"}', "not a valid saved"),
    ],
)
def test_a_broken_saved_plan_is_exit_1_with_a_reason(
    aimed_at: Callable[..., Sandbox],
    run_reconciler: Run,
    tmp_path: Path,
    content: str,
    said: str,
) -> None:
    sandbox = aimed_at(seed=SEED)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(content, encoding="utf-8")
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 1
    assert said in result.stderr
    assert "Traceback" not in result.stderr
    assert sandbox.requests == []


def test_a_saved_plan_takes_no_target_or_allow_delete(
    saved: tuple[Sandbox, Path, Path], run_reconciler: Run
) -> None:
    _sandbox, _path, plan_file = saved
    result = run_reconciler("apply", str(plan_file), "--target", "institute.a")
    assert result.exit_code == 1
    assert "applies exactly what it holds" in result.stderr


def test_a_plan_made_from_a_snapshot_is_checked_against_the_service(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config({"i.yaml": "institutes:\n  a: {reminder_emails_enabled: true}\n"})
    snap, plan_file = tmp_path / "live.json", tmp_path / "plan.json"
    assert run_reconciler("snapshot", str(path), "--output", str(snap)).exit_code == 0
    base_url = sandbox.base_url
    # The pull request's job: no credentials, nothing listening.
    monkeypatch.delenv("PROCTOREXAM_API_TOKEN")
    monkeypatch.delenv("PROCTOREXAM_SECRET_KEY")
    # No base URL either: the configuration names no tenant, so nothing to reach.
    monkeypatch.delenv("PROCTOREXAM_BASE_URL", raising=False)
    planned = run_reconciler("plan", str(path), "--live", str(snap), "--out", str(plan_file))
    assert planned.exit_code == 0, planned.stderr
    # The merge job: credentials, and the real service moved on meanwhile.
    monkeypatch.setenv("PROCTOREXAM_BASE_URL", base_url)
    monkeypatch.setenv("PROCTOREXAM_API_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("PROCTOREXAM_SECRET_KEY", DEFAULT_SECRET)
    sandbox.update_institute(1, {"custom_languages": ["fr-FR"]})
    sandbox.clear_requests()
    refused = run_reconciler("apply", str(plan_file))
    assert refused.exit_code == 3
    assert "against the live snapshot taken at" in refused.stderr
    assert 'custom_languages: [] -> ["fr-FR"]' in refused.stderr
    assert writes(sandbox) == []


def test_no_file_these_commands_write_holds_a_secret(
    saved: tuple[Sandbox, Path, Path], run_reconciler: Run, tmp_path: Path
) -> None:
    sandbox, path, plan_file = saved
    sandbox.update_institute(2, {"tawk_api_key": "live-TAWK-0a9"})
    snap, rendered, as_json = tmp_path / "live.json", tmp_path / "plan.txt", tmp_path / "p.json"
    assert run_reconciler("snapshot", str(path), "--output", str(snap)).exit_code == 0
    run_reconciler("plan", str(path), "--output", str(rendered), "--out", str(tmp_path / "2.json"))
    run_reconciler("plan", str(path), "--format", "json", "--output", str(as_json))
    run_reconciler("plan", str(path), "--live", str(snap), "--out", str(tmp_path / "3.json"))
    written = [plan_file, snap, rendered, as_json, tmp_path / "2.json", tmp_path / "3.json"]
    assert all(f.exists() for f in written)
    secrets = (DEFAULT_TOKEN, DEFAULT_SECRET, KEY_AT_PLAN, KEY_AT_APPLY, "live-TAWK-0a9")
    for file in written:
        text = file.read_text("utf-8")
        assert [s for s in secrets if s in text] == [], file.name


def test_a_saved_plan_whose_project_is_gone_is_exit_1(
    saved: tuple[Sandbox, Path, Path], run_reconciler: Run
) -> None:
    sandbox, path, plan_file = saved
    path.rename(path.with_name("moved"))
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 1
    assert "was made from the project config, which is not here" in result.stderr
    assert sandbox.requests == []
