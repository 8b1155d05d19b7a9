"""``plan`` and ``drift`` read the live objects one way: the same kinds, from a snapshot too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.documents.snapshot import SNAPSHOT, snapshot_to_document
from reconciler.testing import CliResult

Run = Callable[..., CliResult]

USERS_ONLY = """
users:
  alice@uu.example:
    institute: uu
    name: Alice Example
"""


@pytest.mark.parametrize("command", ["plan", "drift"])
def test_a_snapshot_without_the_kinds_a_configuration_refers_to_is_refused_by_both(
    command: str,
    write_config: Callable[..., Path],
    run_reconciler: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Users name their institute: the service is asked for the institutes too, so a snapshot
    # without them would compare the references with nothing.
    for name in ("PROCTOREXAM_API_TOKEN", "PROCTOREXAM_SECRET_KEY", "PROCTOREXAM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    path = write_config({"users.yaml": USERS_ONLY})
    snap = tmp_path / "live.json"
    SNAPSHOT.write(snap, snapshot_to_document({"user": ()}, {}))
    result = run_reconciler(command, str(path), "--live", str(snap))
    assert result.exit_code == 1, result.stderr
    assert f"{snap} holds no identity_provider, institute objects" in result.stderr
    assert result.stdout == ""
