"""Applies racing other changes, as real processes: an edit while the prompt waits, two applies.

These run ``reconciler`` as a child process against a sandbox in this one, because what they
test is between processes: a terminal prompt, and two applies at the same moment.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler_proctorexam.sandbox import Faults, Sandbox

SEED = [
    {"id": 1, "short_name": "a", "name": "Alpha", "reminder_emails_enabled": False},
    {"id": 2, "short_name": "b", "name": "Beta", "reminder_emails_enabled": False},
]
CONFIG = """
institutes:
  a: {reminder_emails_enabled: true}
  b: {reminder_emails_enabled: true}
  new: {name: New}
"""
#: Generous: a child process starts a Python interpreter and imports the reconciler.
DEADLINE = 60.0


def _env(sandbox: Sandbox) -> dict[str, str]:
    return {**os.environ, **sandbox.env(), "NO_COLOR": "1"}


def _reconciler(*args: str) -> list[str]:
    return [sys.executable, "-m", "reconciler", *args]


def _read_until(fd: int, marker: bytes | None) -> bytes:
    """What the terminal shows until ``marker``, or until the child closes it (``None``)."""
    seen = b""
    end = time.monotonic() + DEADLINE
    while marker is None or marker not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
        if not ready:
            raise AssertionError(f"no {marker!r} in the output; got {seen!r}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # Linux: EIO once the child has closed the terminal
            chunk = b""
        if not chunk:
            if marker is None:
                break
            raise AssertionError(f"the output ended without {marker!r}; got {seen!r}")
        seen += chunk
    return seen


def test_an_edit_while_the_prompt_waits_is_caught_not_overwritten(
    proctorexam_sandbox_factory: Callable[..., Sandbox], write_config: Callable[..., Path]
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    path = write_config({"i.yaml": CONFIG})
    controller, terminal = pty.openpty()
    with subprocess.Popen(
        _reconciler("apply", str(path)),
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=_env(sandbox),
    ) as child:
        os.close(terminal)
        try:
            shown = _read_until(controller, b"Enter a value")
            assert b"Plan: 1 to create, 2 to update, 0 to delete." in shown
            # Someone edits institute a in the web UI while the prompt waits.
            sandbox.update_institute(1, {"name": "Alpha Edited", "reminder_emails_enabled": True})
            sandbox.clear_requests()
            os.write(controller, b"yes\n")
            error = _read_until(controller, None).decode().replace("\r\n", "\n")
            child.wait(timeout=DEADLINE)
        finally:
            child.kill()
            os.close(controller)
    assert child.returncode == 3, error
    assert "institute.a: changed since the plan:" in error
    assert 'name: "Alpha" -> "Alpha Edited"' in error
    assert "reminder_emails_enabled: false -> true" in error
    assert [r for r in sandbox.requests if r.method != "GET"] == []
    assert {i["short_name"]: i["name"] for i in sandbox.institutes()}["a"] == "Alpha Edited"


@pytest.mark.parametrize("saved", [True, False], ids=["apply FILE", "apply PATH"])
def test_two_applies_at_once_both_end_in_0_or_3_and_converge(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    tmp_path: Path,
    saved: bool,
) -> None:
    # Latency widens the window in which both runs have checked and neither has written.
    sandbox = proctorexam_sandbox_factory(seed=SEED, faults=Faults(latency=0.3))
    path = write_config({"i.yaml": CONFIG})
    env = _env(sandbox)
    args: list[Any] = ["apply", str(path), "--auto-approve"]
    if saved:
        plan_file = tmp_path / "plan.json"
        made = subprocess.run(
            _reconciler("plan", str(path), "--out", str(plan_file)),
            env=env,
            capture_output=True,
            cwd=tmp_path,  # the checkout's root: a saved plan names its config from there
        )
        assert made.returncode == 0, made.stderr.decode()
        args = ["apply", str(plan_file)]
    runs = [
        subprocess.Popen(
            _reconciler(*args),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
        )
        for _ in range(2)
    ]
    results = [(run.wait(timeout=DEADLINE), run.communicate()[1].decode()) for run in runs]
    codes = sorted(code for code, _ in results)
    assert set(codes) <= {0, 3}, results
    assert 0 in codes, results
    for code, stderr in results:
        if code == 3:
            assert "another change got there first" in stderr.lower(), stderr
            assert "plan again" in stderr.lower(), stderr
            assert "failed" not in stderr, stderr
    names = [i["short_name"] for i in sandbox.institutes()]
    assert sorted(names) == ["a", "b", "new"]
    again = subprocess.run(
        _reconciler("plan", str(path), "--detailed-exitcode"), env=env, capture_output=True
    )
    assert again.returncode == 0, again.stdout.decode()


USERS_SEED: dict[str, Any] = {
    "institutes": SEED,
    "identity_providers": [{"id": 7, "name": "UU SAML"}],
    "users": [{"id": 1, "institute_id": 1, "email": "ann@a.example", "name": "Ann"}],
}
USERS_CONFIG = (
    CONFIG
    + """
users:
  ann@a.example:
    institute: a
    receives_reports: true
    report_frequency: week
  sso@new.example:
    institute: new
    name: Single Sign-On
    role: teacher
    identity_provider: UU SAML
    receives_reports: true
  pat@new.example:
    institute: new
    name: Pat
    role: proctor
    password: ${env:PAT_PASSWORD}
"""
)


@pytest.mark.parametrize("saved", [True, False], ids=["apply FILE", "apply PATH"])
def test_two_applies_at_once_with_users_both_end_in_0_or_3_and_converge(
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    tmp_path: Path,
    saved: bool,
) -> None:
    # A user's parent institute is created by whichever run gets there first; the other's
    # users go ahead against it (or are stale), never "skipped" with exit 4.
    sandbox = proctorexam_sandbox_factory(seed=USERS_SEED, faults=Faults(latency=0.2))
    path = write_config({"c.yaml": USERS_CONFIG})
    env = {**_env(sandbox), "PAT_PASSWORD": "pat-first-password-31"}
    args: list[Any] = ["apply", str(path), "--auto-approve"]
    if saved:
        plan_file = tmp_path / "plan.json"
        made = subprocess.run(
            _reconciler("plan", str(path), "--out", str(plan_file)), env=env, capture_output=True
        )
        assert made.returncode == 0, made.stderr.decode()
        args = ["apply", str(plan_file)]
    runs = [
        subprocess.Popen(
            _reconciler(*args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    results = [(run.wait(timeout=DEADLINE), run.communicate()[1].decode()) for run in runs]
    codes = sorted(code for code, _ in results)
    assert set(codes) <= {0, 3}, results
    assert 0 in codes, results
    for code, stderr in results:
        assert "skipped" not in stderr, stderr
        assert "failed" not in stderr, stderr
        if code == 3:
            assert "plan again" in stderr.lower(), stderr
    names = [i["short_name"] for i in sandbox.institutes()]
    assert sorted(names) == ["a", "b", "new"]
    emails = [u["email"] for u in sandbox.institute_users()]
    assert sorted(emails) == ["ann@a.example", "pat@new.example", "sso@new.example"]
    again = subprocess.run(
        _reconciler("plan", str(path), "--detailed-exitcode"), env=env, capture_output=True
    )
    assert again.returncode == 0, again.stdout.decode()


MANY = 40


def _conflicting(value: str) -> str:
    lines = ["institutes:"]
    lines += [f"  i{n:03d}: {{name: {value} {n}}}" for n in range(MANY)]
    return "\n".join(lines) + "\n"


def test_two_unattended_applies_with_conflicting_values_never_both_end_in_0(
    proctorexam_sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    seed = [{"short_name": f"i{n:03d}", "name": f"I {n}"} for n in range(MANY)]
    # Slow enough that the second run plans while the first is still writing.
    sandbox = proctorexam_sandbox_factory(seed=seed, faults=Faults(latency=0.05))
    env = _env(sandbox)

    def start(name: str, value: str) -> subprocess.Popen[bytes]:
        config = tmp_path / name
        config.mkdir()
        config.joinpath("i.yaml").write_text(_conflicting(value))
        # Every object changes, on purpose: the bulk-change guard is told so.
        config.joinpath("reconciler.toml").write_text(
            "[apply]\nparallelism = 2\n\n[safety]\nmax_change_share = 1.0\n"
        )
        return subprocess.Popen(
            _reconciler("apply", str(config), "--auto-approve"),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    first = start("first", "First")
    deadline = time.monotonic() + DEADLINE
    while sum(r.method == "PATCH" for r in sandbox.requests) < 4:
        assert time.monotonic() < deadline, "the first run wrote nothing in time"
        assert first.poll() is None, "the first run ended early"
        time.sleep(0.01)
    # Someone else's apply, wanting the opposite, starts while the first one writes.
    second = start("second", "Second")
    results = [
        (run.wait(timeout=DEADLINE), run.communicate()[1].decode()) for run in (first, second)
    ]
    codes = [code for code, _ in results]
    assert set(codes) <= {0, 3}, results
    # Neither silently overwrites the other's writes: at least one of them notices and stops.
    assert 3 in codes, results
    for code, stderr in results:
        if code == 3:
            assert "another run changed" in stderr, stderr
            assert "Another change got there first" in stderr, stderr
    patches = sum(r.method == "PATCH" for r in sandbox.requests)
    assert patches < 2 * MANY  # the loser stopped: not every object was written twice
