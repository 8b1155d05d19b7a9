"""The apply journal over the sandbox: a create whose outcome stayed unknown and that the
service commits late is never made twice by the next apply."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Faults, Sandbox

Run = Callable[..., CliResult]
Aim = Callable[..., Sandbox]

CONFIG = "institutes:\n  late: {name: Late Campus}\n"
#: Short timeouts: the client looks for a lost create for two of them (about a second), and
#: the service commits it after three.
SETTINGS = (
    '[providers.proctorexam]\ntimeout = 0.5\nmax_retries = 0\n\n[apply]\njournal = "journal"\n'
)
LATE = Faults(rate_late_commit=1.0, late_commit_delay=3.0, seed=1)


@pytest.fixture
def project(write_config: Callable[..., Path]) -> Path:
    return write_config({"i.yaml": CONFIG, "reconciler.toml": SETTINGS})


def posts(sandbox: Sandbox) -> int:
    return sum(r.method == "POST" for r in sandbox.requests)


def journal_files(project: Path) -> list[Path]:
    return sorted((project / "journal").glob("*.json"))


def unknown_first(aimed_at: Aim, project: Path, run_reconciler: Run) -> tuple[Sandbox, CliResult]:
    sandbox = aimed_at(seed=[], faults=LATE)
    result = run_reconciler("apply", str(project), "--auto-approve")
    assert result.exit_code == 4, result.stderr
    assert "institute.late: create outcome unknown" in result.stderr
    assert "They are in the apply journal" in result.stderr
    assert "Wait 15 minutes before applying again" in result.stderr
    assert "so nothing is made twice" not in result.stderr
    assert posts(sandbox) == 1
    sandbox.set_faults(Faults())
    return sandbox, result


def test_a_late_commit_is_found_by_the_next_apply_not_made_twice(
    aimed_at: Aim, project: Path, run_reconciler: Run
) -> None:
    sandbox, _ = unknown_first(aimed_at, project, run_reconciler)
    [journal] = journal_files(project)
    document = json.loads(journal.read_text())
    assert [e["address"] for e in document["entries"]] == ["institute.late"]
    assert document["tenant"] == f"proctorexam {sandbox.base_url}"
    # Applied again at once, before the service commits it: held back, not created.
    sandbox.clear_requests()
    early = run_reconciler("apply", str(project), "--auto-approve")
    assert early.exit_code == 4, early.stderr
    assert (
        "institute.late: create outcome unknown: held back: an earlier apply sent its create at"
        in early.stderr
    )
    assert "Apply again after" in early.stderr
    assert posts(sandbox) == 0
    # The service commits it; the next apply finds it there and has nothing to do.
    sandbox.settle()
    later = run_reconciler("apply", str(project), "--auto-approve")
    assert later.exit_code == 0, later.stderr
    assert posts(sandbox) == 0
    assert [i["short_name"] for i in sandbox.institutes()] == ["late"]
    again = run_reconciler("plan", str(project), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout


def test_after_the_wait_a_create_that_never_landed_is_made_once(
    aimed_at: Aim, project: Path, run_reconciler: Run
) -> None:
    # Committed long after this test: as good as never.
    sandbox = aimed_at(seed=[], faults=Faults(rate_late_commit=1.0, late_commit_delay=600))
    first = run_reconciler("apply", str(project), "--auto-approve")
    assert first.exit_code == 4, first.stderr
    sandbox.set_faults(Faults())
    [journal] = journal_files(project)
    # Sixteen minutes pass: the entry is older than the wait.
    document = json.loads(journal.read_text())
    document["entries"][0]["at"] = time.time() - 16 * 60
    journal.write_text(json.dumps(document))
    sandbox.clear_requests()
    result = run_reconciler("apply", str(project), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert posts(sandbox) == 1
    assert [i["short_name"] for i in sandbox.institutes()] == ["late"]
    assert journal_files(project) == []


def test_an_entry_older_than_the_window_is_forgotten(
    aimed_at: Aim, project: Path, run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=[])
    directory = project / "journal"
    directory.mkdir()
    from reconciler.engine.journal import ApplyJournal

    tenants = {"institute": f"proctorexam {sandbox.base_url}"}
    journal = ApplyJournal(directory, tenants)
    journal.record("institute", "institute.late", at=time.time() - 25 * 3600)
    journal.save()
    # Past the window, read back: nothing to look for first (past the wait, the create goes
    # ahead either way, so only this tells the window from the wait).
    assert ApplyJournal(directory, tenants).pending("institute", "institute.late") is None
    result = run_reconciler("apply", str(project), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert posts(sandbox) == 1


def test_the_journal_of_another_tenant_is_not_this_ones(
    aimed_at: Aim, project: Path, run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=[])
    from reconciler.engine.journal import ApplyJournal

    other = ApplyJournal(project / "journal", {"institute": "proctorexam https://x.example"})
    other.record("institute", "institute.late")
    other.save()
    result = run_reconciler("apply", str(project), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert posts(sandbox) == 1
