"""``snapshot`` then ``plan --live``: planning with no credentials and no network."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.documents.snapshot import snapshot_to_document
from reconciler.documents.versioned import write_document
from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Sandbox

Run = Callable[..., CliResult]

SEED = [
    {"id": 1, "short_name": "a", "name": "Alpha", "reminder_emails_enabled": False},
    {"id": 2, "short_name": "b", "name": "Beta", "tawk_api_key": "seed-TAWK-9f2"},
    {"id": 3, "short_name": "legacy", "name": "Legacy"},
]

CONFIG = """
institutes:
  a: {reminder_emails_enabled: true}
  b: {name: Beta}
  new: {name: New}
"""


def _no_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials at all, and a base URL where nothing listens."""
    monkeypatch.delenv("PROCTOREXAM_API_TOKEN", raising=False)
    monkeypatch.delenv("PROCTOREXAM_SECRET_KEY", raising=False)
    # No base URL either: the configuration names no tenant, so nothing to reach.
    monkeypatch.delenv("PROCTOREXAM_BASE_URL", raising=False)


def test_plan_live_matches_the_live_plan_with_no_credentials_and_no_network(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config({"i.yaml": CONFIG})
    live_plan = run_reconciler("plan", str(path))
    snap = tmp_path / "live.json"
    taken = run_reconciler("snapshot", str(path), "--output", str(snap))
    assert taken.exit_code == 0, taken.stderr
    assert f"Snapshot of 3 live object(s) written to {snap}" in taken.stderr

    _no_service(monkeypatch)
    sandbox.clear_requests()
    result = run_reconciler("plan", str(path), "--live", str(snap), "--detailed-exitcode")
    assert result.exit_code == 2, result.stderr
    # Each says first what it was made against; the rest is the same plan.
    live_first, live_rest = live_plan.stdout.split("\n", 1)
    snap_first, snap_rest = result.stdout.split("\n", 1)
    assert live_first == f"Planned against the live service at {sandbox.base_url}."
    assert snap_first.startswith(f"Planned against a snapshot of {sandbox.base_url} taken ")
    assert snap_first.endswith(" ago).")
    assert snap_rest == live_rest
    assert f"Planned against the live snapshot {snap}, taken at " in result.stderr
    assert "less than a minute ago" in result.stderr
    assert sandbox.requests == []


def test_a_snapshot_is_private_and_holds_no_secret(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    tmp_path: Path,
) -> None:
    aimed_at(seed=SEED)
    path = write_config({"i.yaml": CONFIG})
    snap = tmp_path / "live.json"
    assert run_reconciler("snapshot", str(path), "--output", str(snap)).exit_code == 0
    assert stat.S_IMODE(snap.stat().st_mode) == 0o600
    text = snap.read_text("utf-8")
    for secret in (DEFAULT_TOKEN, DEFAULT_SECRET, "seed-TAWK-9f2", "tawk_api_key", "tokens"):
        assert secret not in text
    doc = json.loads(text)
    assert [i["identity"] for i in doc["kinds"]["institute"]] == ["a", "b", "legacy"]


def test_plan_live_refuses_sandbox(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    tmp_path: Path,
) -> None:
    aimed_at(seed=SEED)
    path = write_config({"i.yaml": CONFIG})
    snap = tmp_path / "live.json"
    run_reconciler("snapshot", str(path), "--output", str(snap))
    result = run_reconciler("plan", str(path), "--live", str(snap), "--sandbox")
    assert result.exit_code == 1
    assert "--live plans against a snapshot: leave out --sandbox" in result.stderr


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('{"format": "reconciler snapshot", "format_version": "1.0", "kin', "truncated"),
        ('{"format": "something else"}', "is not a live snapshot"),
        ('{"format": "reconciler snapshot", "format_version": "7.1"}', "format '7.1'"),
    ],
)
def test_a_broken_snapshot_is_exit_1_without_a_traceback(
    write_config: Callable[..., Path],
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    content: str,
    said: str,
) -> None:
    _no_service(monkeypatch)
    path = write_config({"i.yaml": CONFIG})
    snap = tmp_path / "live.json"
    snap.write_text(content, encoding="utf-8")
    result = run_reconciler("plan", str(path), "--live", str(snap))
    assert result.exit_code == 1
    assert said in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_snapshot_without_a_kind_the_configuration_uses_is_refused(
    write_config: Callable[..., Path],
    run_reconciler: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_service(monkeypatch)
    path = write_config({"i.yaml": CONFIG})
    snap = tmp_path / "live.json"
    write_document(snap, snapshot_to_document({}, {}))
    result = run_reconciler("plan", str(path), "--live", str(snap))
    assert result.exit_code == 1
    assert "holds no institute objects" in result.stderr
    assert f"reconciler snapshot PATH --output {snap}" in result.stderr
