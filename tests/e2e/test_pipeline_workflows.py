"""The whole GitOps journey through the shipped workflows, against the sandbox.

The ``run:`` steps of ``examples/github-actions/*.yml`` run as a runner runs them
(:mod:`workflows`), on a repository whose configuration reads a write-only field and a new
user's first password through ``${env:…}``. The variables are unset where a fork's job or a
developer's pre-commit has them unset. Each job ends as the README says, and no plan shows a
change that is not there.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from workflows import Runner

from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Sandbox

ROOT = Path(__file__).resolve().parents[2]
TAWK = "tawk-key-a81f44"
PASSWORD = "first-password-c2d9e1"

SEED: dict[str, Any] = {
    "institutes": [
        {"id": 1, "short_name": "pe", "name": "ProctorExam", "tawk_api_key": TAWK},
        {"id": 2, "short_name": "uu", "name": "Utrecht University"},
    ],
    "users": [{"id": 1, "institute_id": 2, "email": "ann@uu.example", "name": "Ann"}],
}
INSTITUTES = """\
institutes:
  pe:
    name: ProctorExam
    reminder_emails_enabled: false
    tawk_api_key: ${env:PE_TAWK_KEY}
  uu:
    name: Utrecht University
"""
USERS = """\
users:
  ann@uu.example:
    institute: uu
    name: Ann
  bo@uu.example:
    institute: uu
    name: Bo
    role: teacher
    password: ${env:BO_PASSWORD}
"""
TURN_OFF = "    exam_link_emails_enabled: false"
POLICY = """\
from reconciler import hookimpl


@hookimpl
def reconciler_check_plan(plan, kinds):
    return []
"""


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    config = repo / "config"
    config.mkdir(parents=True)
    (config / "institutes.yaml").write_text(INSTITUTES)
    (config / "users.yaml").write_text(USERS)
    (config / "policy.py").write_text(POLICY)
    (config / "reconciler.toml").write_text('[plugins]\nlocal = ["policy.py"]\n')
    return repo


def _context(sandbox: Sandbox, *, fork: bool, event: str = "pull_request") -> dict[str, str]:
    """What GitHub fills in; a fork's run gets no secrets."""
    return {
        "github.event_name": event,
        "vars.PROCTOREXAM_BASE_URL": sandbox.base_url,
        "secrets.PROCTOREXAM_API_TOKEN": "" if fork else DEFAULT_TOKEN,
        "secrets.PROCTOREXAM_SECRET_KEY": "" if fork else DEFAULT_SECRET,
        "secrets.RECONCILER_PLAN_KEY": "" if fork else "plan-key-of-the-journey",
        "github.token": "ghs_read_only_token",
        "github.event.pull_request.number": "7",
        "github.event.pull_request.head.repo.full_name != github.repository": str(fork).lower(),
        "github.repository": "acme/config",
        "inputs.force_changes": "",  # set only by a person running the workflow by hand
        "github.event.pull_request.head.repo.full_name": (
            "someone/config" if fork else "acme/config"
        ),
    }


def test_the_shipped_workflows_run_the_whole_journey(
    repository: Path,
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    secrets = {"PE_TAWK_KEY": TAWK, "BO_PASSWORD": PASSWORD}
    runner = Runner(ROOT / "examples" / "github-actions", repository, tmp_path / "runner")
    trusted = Runner(
        ROOT / "examples" / "github-actions",
        repository,
        tmp_path / "trusted",
        environ=secrets,  # the repository's own jobs pass these secrets to their steps
    )
    trusted.store = runner.store  # one repository: one artifact store

    # A pull request from a branch: validated and planned against the service. The tawk key's
    # variable is not set there: the field is not compared, the rest is planned.
    pr = runner.run_job("reconciler-plan.yml", "plan", _context(sandbox, fork=False))
    assert not pr.failed, pr.log()
    assert pr.outputs["plan"]["exitcode"] == "2", pr.log()
    comment = (runner.store / "pr-comment.md").read_text()
    assert comment == pr.summary
    assert f"Planned against the live service at `{sandbox.base_url}`." in comment
    assert "**Plan: 1 to create, 1 to update, 0 to delete; 1 field not compared, 1 value" in (
        comment
    )
    assert "`institute.pe.tawk_api_key`: not compared: `PE_TAWK_KEY` is not set" in comment
    assert (runner.store / "reconciler-plan" / "plan.json").is_file()

    # The merge: the reviewed plan applied, with the secrets its changes send.
    sandbox.clear_requests()
    merged = trusted.run_job(
        "reconciler-apply.yml", "apply", _context(sandbox, fork=False, event="push")
    )
    assert not merged.failed, merged.log()
    assert "Apply complete: 1 created, 1 updated, 0 deleted." in merged.step("Apply").stderr
    writes = [(r.method, r.path) for r in sandbox.requests if r.method != "GET"]
    assert writes == [("PATCH", "/api/v3/institutes/1"), ("POST", "/api/v3/institutes/2/users")]
    institutes = {i["short_name"]: i for i in sandbox.institutes()}
    assert institutes["pe"]["tawk_api_key"] == TAWK

    # The nightly drift job: nothing drifted (the key compares equal), a snapshot is saved.
    nightly = trusted.run_job(
        "reconciler-drift.yml", "drift", _context(sandbox, fork=False, event="schedule")
    )
    assert not nightly.failed, nightly.log()
    assert nightly.outputs["drift"]["exitcode"] == "0", nightly.log()
    assert not nightly.step("Fail on drift").ran
    snapshot = (runner.store / "live-snapshot" / "live.json").read_text()
    assert TAWK not in snapshot
    assert DEFAULT_TOKEN not in snapshot
    assert sandbox.base_url in snapshot

    # A pull request from a fork: no secrets, no variables, no local plugins; planned against
    # the snapshot with no phantom change, and the summary says what it was made against.
    sandbox.clear_requests()
    fork = runner.run_job("reconciler-plan.yml", "plan", _context(sandbox, fork=True))
    assert not fork.failed, fork.log()
    assert not fork.step("Plan").ran  # the job with credentials is not run for a fork
    assert fork.step("against the last live snapshot").exit_code == 0
    summary = fork.summary
    first = summary.split("\n")[2]
    assert first.startswith(f"Planned against a snapshot of `{sandbox.base_url}` taken ")
    assert first.rstrip().endswith(" ago).")
    assert "did not run: `policy.py`." in summary
    assert "No changes. The live objects match the configuration." in summary
    assert "`institute.pe.tawk_api_key`: not compared" in summary
    assert sandbox.requests == []

    # The fork changes something: the plan shows that change, and only it.
    (repository / "config" / "institutes.yaml").write_text(
        INSTITUTES.replace(
            "name: Utrecht University",
            "name: Utrecht University\n    exam_link_emails_enabled: false",
        )
    )
    changed = runner.run_job("reconciler-plan.yml", "plan", _context(sandbox, fork=True))
    assert not changed.failed, changed.log()
    assert "**Plan: 0 to create, 1 to update, 0 to delete; 1 field not compared.**" in (
        changed.summary
    )
    assert "`exam_link_emails_enabled`" in changed.summary
    assert sandbox.requests == []
    (repository / "config" / "institutes.yaml").write_text(INSTITUTES)

    # A developer's pre-commit hook: no variables, no network.
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}
    hook = subprocess.run(
        ["reconciler", "validate", "config/"],
        cwd=repository,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert hook.returncode == 0, hook.stderr

    # And the next pull request from a branch plans nothing: no phantom change anywhere.
    again = trusted.run_job("reconciler-plan.yml", "plan", _context(sandbox, fork=False))
    assert not again.failed, again.log()
    assert again.outputs["plan"]["exitcode"] == "0", again.log()
    for text in (pr.log(), merged.log(), nightly.log(), fork.log(), again.log(), comment):
        assert TAWK not in text
        assert PASSWORD not in text
