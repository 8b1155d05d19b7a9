"""Apply when answers are lost, late, refused or hostile: what it reports is what holds."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gateway import Action, gateway

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Faults, Sandbox

Run = Callable[..., CliResult]

SEED = [
    {"id": 1, "short_name": "a", "name": "Alpha", "reminder_emails_enabled": False},
    {"id": 2, "short_name": "b", "name": "Beta", "reminder_emails_enabled": False},
    {"id": 3, "short_name": "c", "name": "Gamma", "reminder_emails_enabled": False},
]
ALL_ON = """
institutes:
  a: {reminder_emails_enabled: true}
  b: {reminder_emails_enabled: true}
  c: {reminder_emails_enabled: true}
"""


def _settings(**options: Any) -> str:
    lines = [f"{name} = {value!r}".replace("'", '"') for name, value in options.items()]
    return "[providers.proctorexam]\n" + "\n".join(lines) + "\n\n[apply]\nparallelism = 1\n"


def test_a_create_committed_after_the_deadline_is_unknown_exit_4_and_never_doubled(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    sandbox = aimed_at(faults=Faults(rate_late_commit=1.0, late_commit_delay=2.0))
    path = write_config(
        {
            "i.yaml": "institutes:\n  pe: {name: ProctorExam}\n",
            "reconciler.toml": _settings(timeout=0.4, backoff=0.01),
        }
    )
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 4, result.stderr
    assert "institute.pe: create outcome unknown:" in result.stderr
    assert "0 created, 0 updated, 0 deleted; 1 unknown" in result.stderr
    assert "Run plan again" in result.stderr
    assert "Apply complete" not in result.stderr
    sandbox.settle()
    sandbox.set_faults(Faults())
    assert [i["short_name"] for i in sandbox.institutes()] == ["pe"]
    # A later plan decides: the late commit made it, so there is nothing left to do.
    again = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr


def test_a_create_committed_late_but_in_time_is_reported_created(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    sandbox = aimed_at(faults=Faults(rate_late_commit=1.0, late_commit_delay=0.3))
    path = write_config(
        {
            "i.yaml": "institutes:\n  pe: {name: ProctorExam}\n",
            "reconciler.toml": _settings(timeout=1.0, backoff=0.01),
        }
    )
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert "Apply complete: 1 created, 0 updated, 0 deleted." in result.stderr
    sandbox.settle()
    assert [i["short_name"] for i in sandbox.institutes()] == ["pe"]


def test_a_change_whose_answer_was_lost_is_read_back_and_reported_made(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = aimed_at(seed=SEED)

    def lose_patches(method: str, path: str) -> Action:
        return "lose" if method == "PATCH" else None

    with gateway(sandbox.base_url, lose_patches) as url:
        monkeypatch.setenv("PROCTOREXAM_BASE_URL", url)
        path = write_config(
            {
                "i.yaml": "institutes:\n  a: {reminder_emails_enabled: true}\n",
                "reconciler.toml": _settings(max_retries=0, timeout=2.0),
            }
        )
        result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert "institute.a: update failed:" in result.stderr
    assert "institute.a: updated after all: reading it back shows it made" in result.stderr
    assert "Apply complete: 0 created, 1 updated, 0 deleted." in result.stderr
    assert sandbox.institutes()[0]["reminder_emails_enabled"] is True


def test_a_401_mid_apply_stops_it_and_is_said_once(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = aimed_at(seed=SEED)
    refused = (401, "application/json", b'{"error": "invalid token"}')

    def refuse_writes(method: str, path: str) -> Action:
        return refused if method == "PATCH" else None

    with gateway(sandbox.base_url, refuse_writes) as url:
        monkeypatch.setenv("PROCTOREXAM_BASE_URL", url)
        path = write_config({"i.yaml": ALL_ON, "reconciler.toml": _settings()})
        result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 1, result.stderr
    assert result.stderr.count("refused PATCH") == 1
    assert result.stderr.count("not attempted: the service refused the credentials") == 2
    assert "2 not attempted" in result.stderr
    assert all(i["reminder_emails_enabled"] is False for i in sandbox.institutes())


def test_a_failure_line_names_the_object_once_and_summarises_an_html_page(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = aimed_at(seed=SEED)
    page = (
        b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
        + b"<p>lorem ipsum</p>" * 300
        + b"</body></html>"
    )

    def bad_gateway(method: str, path: str) -> Action:
        return (502, "text/html", page) if method == "PATCH" else None

    with gateway(sandbox.base_url, bad_gateway) as url:
        monkeypatch.setenv("PROCTOREXAM_BASE_URL", url)
        path = write_config(
            {
                "i.yaml": "institutes:\n  a: {reminder_emails_enabled: true}\n",
                "reconciler.toml": _settings(max_retries=0),
            }
        )
        result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 1
    line = next(x for x in result.stderr.splitlines() if "update failed" in x)
    assert line.count("institute.a") == 1
    assert "an HTML page ('502 Bad Gateway')" in line
    assert "lorem" not in result.stderr


def test_control_characters_from_the_service_are_escaped(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = aimed_at(seed=SEED)
    crafted = b'{"error": "\\u001b[2K\\r\\u001b[32mThe configuration is valid\\u001b[0m"}'

    def hostile(method: str, path: str) -> Action:
        return (422, "application/json", crafted) if method == "PATCH" else None

    with gateway(sandbox.base_url, hostile) as url:
        monkeypatch.setenv("PROCTOREXAM_BASE_URL", url)
        path = write_config({"i.yaml": "institutes:\n  a: {reminder_emails_enabled: true}\n"})
        result = run_reconciler("apply", str(path), "--auto-approve")
    assert "\x1b" not in result.stderr
    assert "\r" not in result.stderr
    assert "\\x1b[2K\\x0d" in result.stderr


def test_sigterm_mid_apply_finishes_in_flight_changes_and_exits_143(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED, faults=Faults(latency=0.3))
    path = write_config({"i.yaml": ALL_ON, "reconciler.toml": _settings()})

    def after_plan() -> None:
        while not any(r.method == "PATCH" for r in sandbox.requests):
            threading.Event().wait(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

    watcher = threading.Thread(target=after_plan, daemon=True)
    watcher.start()
    result = run_reconciler("apply", str(path), "--auto-approve")
    watcher.join()
    assert result.exit_code == 143, result.stderr
    made = sum(i["reminder_emails_enabled"] for i in sandbox.institutes())
    assert 1 <= made < 3
    assert f"after {made} of 3 change(s) were made" in result.stderr
    assert "Run plan again" in result.stderr
    assert "not attempted: the process was asked to stop (SIGTERM)" in result.stderr


def test_sigterm_outside_an_apply_exits_143(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    aimed_at(seed=SEED, faults=Faults(latency=1.0))
    path = write_config({"i.yaml": ALL_ON})
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM)).start()
    result = run_reconciler("plan", str(path))
    assert result.exit_code == 143
    assert "Terminated. Run plan again" in result.stderr
