"""Saved plans and snapshots have bounds like config files: refused with a message, unread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.documents.limits import DOCUMENT_LIMITS
from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]

HEAD = '{"format": "reconciler saved plan", "format_version": "1.1", "plan": '


def _deep(depth: int) -> str:
    return HEAD + "[" * depth + "]" * depth + "}"


CASES = [
    pytest.param(_deep(100_000), "nests objects and arrays more than 64 levels deep", id="deep"),
    pytest.param(_deep(65), "nests objects and arrays more than 64 levels deep", id="65 levels"),
    pytest.param(
        HEAD + "9" * 5000 + "}",
        "it holds an integer of 5,000 digits, more than the 40 a document may hold",
        id="5,000 digits",
    ),
    pytest.param(
        HEAD + "-" + "1" * 41 + "}",
        "it holds an integer of 41 digits",
        id="41 digits",
    ),
]


@pytest.mark.parametrize(("content", "said"), CASES)
def test_a_saved_plan_beyond_the_bounds_is_exit_1_without_a_traceback(
    aimed_at: Callable[..., Sandbox], run_reconciler: Run, tmp_path: Path, content: str, said: str
) -> None:
    sandbox = aimed_at(seed=[])
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(content, encoding="utf-8")
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 1
    assert said in result.stderr
    assert "Traceback" not in result.stderr
    assert sandbox.requests == []


@pytest.mark.parametrize(("content", "said"), CASES)
def test_a_snapshot_beyond_the_bounds_is_exit_1_without_a_traceback(
    write_config: Callable[..., Path], run_reconciler: Run, tmp_path: Path, content: str, said: str
) -> None:
    path = write_config({"i.yaml": "institutes:\n  a: {name: A}\n"})
    snap = tmp_path / "live.json"
    snap.write_text(content.replace("reconciler saved plan", "reconciler snapshot"), "utf-8")
    result = run_reconciler("plan", str(path), "--live", str(snap))
    assert result.exit_code == 1
    assert said in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["apply", "plan"])
def test_a_200_mb_file_is_refused_unread(
    write_config: Callable[..., Path], run_reconciler: Run, tmp_path: Path, command: str
) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:  # sparse: 200 MB long, nothing on disk
        handle.write(b"{")
        handle.truncate(200 * 1024 * 1024)
    assert big.stat().st_size > DOCUMENT_LIMITS.max_file_bytes
    if command == "apply":
        result = run_reconciler("apply", str(big))
    else:
        path = write_config({"i.yaml": "institutes:\n  a: {name: A}\n"})
        result = run_reconciler("plan", str(path), "--live", str(big))
    assert result.exit_code == 1
    assert f"larger than {DOCUMENT_LIMITS.max_file_bytes:,} bytes" in result.stderr
