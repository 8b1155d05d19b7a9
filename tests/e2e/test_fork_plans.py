"""Pull requests from forks: every plan format says first what it was made against.

A snapshot records the tenant's base URL (never a credential); ``plan --live`` refuses a
snapshot of another tenant, or an older one than ``--max-age``; and with
``--no-local-plugins`` the output names the local plugins that did not run.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Sandbox

Run = Callable[..., CliResult]
Write = Callable[..., Path]
Aim = Callable[..., Sandbox]

SEED = [{"id": 1, "short_name": "pe", "name": "ProctorExam", "reminder_emails_enabled": False}]
CONFIG = "institutes:\n  pe: {name: ProctorExam, reminder_emails_enabled: true}\n"
POLICY = """
from reconciler import hookimpl

@hookimpl
def reconciler_check_plan(plan, kinds):
    return []
"""
#: ``taken 2026-12-06 02:00 UTC (13 hours ago)``
TAKEN = r"taken \d{4}-\d\d-\d\d \d\d:\d\d UTC \((less than a minute|\d+ minutes?) ago\)"


@pytest.fixture
def snapshot(
    aimed_at: Aim, write_config: Write, run_reconciler: Run, tmp_path: Path
) -> tuple[Path, Path, Sandbox]:
    sandbox = aimed_at(seed=SEED)
    path = write_config(
        {
            "i.yaml": CONFIG,
            "policy.py": POLICY,
            "reconciler.toml": '[plugins]\nlocal = ["policy.py"]\n',
        }
    )
    snap = tmp_path / "live.json"
    taken = run_reconciler("snapshot", str(path), "--output", str(snap))
    assert taken.exit_code == 0, taken.stderr
    return path, snap, sandbox


def _fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork's job: no credentials."""
    monkeypatch.delenv("PROCTOREXAM_API_TOKEN")
    monkeypatch.delenv("PROCTOREXAM_SECRET_KEY")


def test_a_snapshot_records_the_tenant_and_no_credential(
    snapshot: tuple[Path, Path, Sandbox],
) -> None:
    _, snap, sandbox = snapshot
    text = snap.read_text()
    assert json.loads(text)["tenants"] == {"proctorexam": sandbox.base_url}
    for secret in (DEFAULT_TOKEN, DEFAULT_SECRET):
        assert secret not in text


def test_every_format_says_first_what_the_plan_was_made_against(
    snapshot: tuple[Path, Path, Sandbox], run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, snap, sandbox = snapshot
    url = sandbox.base_url
    live = run_reconciler("plan", str(path))
    assert live.stdout.startswith(f"Planned against the live service at {url}.\n\n")

    _fork(monkeypatch)
    sandbox.clear_requests()
    first = {}
    for fmt in ("text", "github", "markdown", "html", "json"):
        result = run_reconciler("plan", str(path), "--live", str(snap), "--format", fmt)
        assert result.exit_code == 0, result.stderr
        first[fmt] = result.stdout
    assert re.match(rf"Planned against a snapshot of {re.escape(url)} {TAKEN}\.\n", first["text"])
    assert re.match(rf"Planned against a snapshot of {re.escape(url)} {TAKEN}\.\n", first["github"])
    assert re.match(
        rf"### reconciler plan\n\nPlanned against a snapshot of `{re.escape(url)}` {TAKEN}\.",
        first["markdown"],
    )
    body = first["html"].split("<body>", 1)[1].lstrip()
    assert re.match(
        rf'<h1>reconciler plan</h1>\n<p class="basis">Planned against a snapshot of'
        rf" <code>{re.escape(url)}</code> {TAKEN}\.</p>",
        body,
    ), body[:300]
    against = json.loads(first["json"])["against"]
    assert against["source"] == "snapshot"
    assert against["tenants"] == [url]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", against["taken_at"])
    assert against["skipped_local_plugins"] == []
    assert sandbox.requests == []

    drift = run_reconciler("drift", str(path), "--live", str(snap), "--format", "markdown")
    assert drift.stdout.startswith(f"### reconciler drift\n\nChecked against a snapshot of `{url}`")


def test_a_snapshot_of_another_tenant_is_refused_naming_both(
    snapshot: tuple[Path, Path, Sandbox], run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, snap, sandbox = snapshot
    _fork(monkeypatch)
    other = "https://other.proctorexam.com/api/v3"
    monkeypatch.setenv("PROCTOREXAM_BASE_URL", other + "/")
    for command in ("plan", "drift"):
        result = run_reconciler(command, str(path), "--live", str(snap))
        assert result.exit_code == 1
        assert (
            f"{snap} is a snapshot of {sandbox.base_url}, but this configuration's proctorexam"
            f" tenant is {other}" in result.stderr
        )
    # The tenant named in the settings counts as well as the environment's.
    monkeypatch.delenv("PROCTOREXAM_BASE_URL")
    (path / "reconciler.toml").write_text(f'[providers.proctorexam]\nbase_url = "{other}"\n')
    result = run_reconciler("plan", str(path), "--live", str(snap))
    assert result.exit_code == 1
    assert f"tenant is {other}" in result.stderr


def test_max_age_refuses_an_older_snapshot(
    snapshot: tuple[Path, Path, Sandbox], run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, snap, _ = snapshot
    _fork(monkeypatch)
    doc = json.loads(snap.read_text())
    old = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=13, minutes=5)
    doc["taken_at"] = old.strftime("%Y-%m-%dT%H:%M:%SZ")
    snap.write_text(json.dumps(doc))

    fresh_enough = run_reconciler("plan", str(path), "--live", str(snap), "--max-age", "1d")
    assert fresh_enough.exit_code == 0, fresh_enough.stderr
    assert "UTC (13 hours ago)." in fresh_enough.stdout.splitlines()[0]
    for command in ("plan", "drift"):
        result = run_reconciler(command, str(path), "--live", str(snap), "--max-age", "12h")
        assert result.exit_code == 1
        assert f"{snap} was taken {old:%Y-%m-%d %H:%M:%S} UTC, 13 h ago: older than --max-age" in (
            result.stderr
        )
        assert "--max-age 12h" in result.stderr
    bad = run_reconciler("plan", str(path), "--live", str(snap), "--max-age", "soon")
    assert bad.exit_code != 0
    assert "'soon' is not a duration" in bad.stderr
    alone = run_reconciler("plan", str(path), "--max-age", "12h")
    assert alone.exit_code == 1
    assert "--max-age goes with --live" in alone.stderr


def test_skipped_local_plugins_are_named_in_every_format(
    snapshot: tuple[Path, Path, Sandbox], run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, snap, _ = snapshot
    _fork(monkeypatch)
    note = (
        "Local plugins not loaded (--no-local-plugins), so their policies and checks did not run: "
    )
    for fmt in ("text", "markdown", "html", "json"):
        result = run_reconciler(
            "--no-local-plugins", "plan", str(path), "--live", str(snap), "--format", fmt
        )
        assert result.exit_code == 0, result.stderr
        if fmt == "json":
            assert json.loads(result.stdout)["against"]["skipped_local_plugins"] == ["policy.py"]
        else:
            body = result.stdout.split("<body>", 1)[-1].lstrip()
            head = "\n".join(body.splitlines()[:6])
            assert note in head, (fmt, head)
            assert "policy.py" in head
    loaded = run_reconciler("plan", str(path), "--live", str(snap))
    assert "not loaded" not in loaded.stdout
