"""The shipped workflows' ``run:`` steps, run as GitHub runs them, against the sandbox.

Each step's script runs with bash as a runner does (``bash --noprofile --norc -eo pipefail``)
in a scratch repository holding ``config/``, with ``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY``
files, and the provider's variables pointing at a sandbox on a real socket. The steps a run
takes are chosen by their ``if:``, which each test names as it reads.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from reconciler_proctorexam.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = ROOT / "examples" / "github-actions"
BIN = Path(sys.executable).parent
#: The repository secret a trusted run has: the plan job signs with it, the apply job checks.
PLAN_KEY = {"RECONCILER_PLAN_KEY": "key-of-the-workflow-steps-test"}

SEED = [
    {"id": 1, "short_name": "a", "name": "Alpha", "reminder_emails_enabled": False},
    {"id": 2, "short_name": "b", "name": "Beta", "reminder_emails_enabled": False},
]
CONFIG = "institutes:\n  a: {reminder_emails_enabled: true}\n  b: {name: Beta Campus}\n"


def steps(workflow: str) -> dict[str, dict[str, Any]]:
    """The steps of a workflow's one job, by name (or id)."""
    document = YAML(typ="safe").load((ACTIONS / workflow).read_text("utf-8"))
    [job] = document["jobs"].values()
    return {step.get("name") or step.get("id") or step["uses"]: step for step in job["steps"]}


@dataclass
class StepRun:
    code: int
    log: str
    outputs: dict[str, str]


class Runner:
    """Runs steps in one scratch repository, keeping one job summary, as a job does."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.summary = repo.parent / "summary.md"
        self.summary.write_text("", "utf-8")

    def run(self, step: dict[str, Any]) -> StepRun:
        output = self.repo.parent / "output.txt"
        output.write_text("", "utf-8")
        script = self.repo.parent / "step.sh"
        script.write_text(step["run"], "utf-8")
        env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "NO_COLOR": "1",
            **PLAN_KEY,
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        outputs = dict(
            line.split("=", 1) for line in output.read_text("utf-8").splitlines() if "=" in line
        )
        return StepRun(done.returncode, done.stdout + done.stderr, outputs)

    def reconciler(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "reconciler"), *args],
            cwd=self.repo,
            env={**os.environ, **PLAN_KEY},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository's checkout holding ``config/``."""
    checkout = tmp_path / "checkout"
    (checkout / "config").mkdir(parents=True)
    (checkout / "config" / "institutes.yaml").write_text(CONFIG, "utf-8")
    return checkout


def test_a_stale_saved_plan_is_refused_and_the_new_plan_is_in_the_job_summary(
    aimed_at: Callable[..., Sandbox], repo: Path
) -> None:
    sandbox = aimed_at(seed=SEED)
    job = Runner(repo)
    planned = job.reconciler("plan", "config/", "--out", "plan.json")  # the reviewed plan
    assert planned.returncode == 0, planned.stderr
    sandbox.update_institute(1, {"name": "Alpha (edited in the web UI)"})

    apply = steps("reconciler-apply.yml")
    assert apply["Fetch the reviewed plan"]["if"] == "github.event_name == 'push'"
    applied = job.run(apply["Apply"])
    assert applied.code == 3, applied.log
    assert applied.outputs == {"exitcode": "3"}
    assert 'name: "Alpha" -> "Alpha (edited in the web UI)"' in applied.log

    replan = apply["Plan again after a refused plan"]
    assert replan["if"] == "failure() && steps.apply.outputs.exitcode == '3'"
    replanned = job.run(replan)
    assert replanned.code == 0, replanned.log
    summary = job.summary.read_text("utf-8")
    assert "### The reviewed plan was refused (exit 3); nothing was written" in summary
    assert "institute.a" in summary
    assert "reminder_emails_enabled" in summary
    assert "Plan: 0 to create, 2 to update, 0 to delete." in summary
    assert "Run workflow" in summary
    assert "::error::the reviewed plan was refused" in replanned.log
    assert {i["short_name"]: i["reminder_emails_enabled"] for i in sandbox.institutes()} == {
        "a": False,
        "b": False,
    }


def test_a_plan_applied_twice_is_refused_as_applied_and_the_summary_shows_no_changes(
    aimed_at: Callable[..., Sandbox], repo: Path
) -> None:
    aimed_at(seed=SEED)
    job = Runner(repo)
    assert job.reconciler("plan", "config/", "--out", "plan.json").returncode == 0
    apply = steps("reconciler-apply.yml")
    assert job.run(apply["Apply"]).code == 0
    again = job.run(apply["Apply"])  # the same run re-run, say
    assert again.code == 3
    assert "This plan was applied already" in again.log
    assert "another change" not in again.log
    assert job.run(apply["Plan again after a refused plan"]).code == 0
    assert "No changes" in job.summary.read_text("utf-8")


def test_a_manual_run_plans_main_again_and_applies_that_plan(
    aimed_at: Callable[..., Sandbox], repo: Path
) -> None:
    sandbox = aimed_at(seed=SEED)
    document = YAML(typ="safe").load((ACTIONS / "reconciler-apply.yml").read_text("utf-8"))
    assert "workflow_dispatch" in document["on"]
    job = Runner(repo)
    apply = steps("reconciler-apply.yml")
    manual = apply["Plan again (a manual run)"]
    assert manual["if"] == "github.event_name == 'workflow_dispatch'"
    planned = job.run(manual)
    assert planned.code == 0, planned.log
    assert "### The plan this run applies" in job.summary.read_text("utf-8")
    assert "Plan: 0 to create, 2 to update, 0 to delete." in job.summary.read_text("utf-8")
    applied = job.run(apply["Apply"])
    assert applied.code == 0, applied.log
    assert applied.outputs == {"exitcode": "0"}
    state = {i["short_name"]: i for i in sandbox.institutes()}
    assert state["a"]["reminder_emails_enabled"] is True
    assert state["b"]["name"] == "Beta Campus"
    assert job.reconciler("plan", "config/", "--detailed-exitcode").returncode == 0


def test_the_nightly_drift_job_prints_the_counts_in_its_log_and_summary(
    aimed_at: Callable[..., Sandbox], repo: Path
) -> None:
    shutil.rmtree(repo / "config")
    shutil.copytree(
        ROOT / "examples" / "drift", repo / "config", ignore=shutil.ignore_patterns("*.state")
    )
    aimed_at(seed=repo / "config" / "sandbox-seed.json")
    job = Runner(repo)
    drift = job.run(steps("reconciler-drift.yml")["Drift"])
    assert drift.code == 0, drift.log  # drift found is the next step's failure, not this one's
    counts = "Drift: 2 changed, 1 missing, 1 present, 1 unmanaged."
    assert drift.outputs == {"exitcode": "2", "counts": counts}
    assert counts in drift.log
    summary = job.summary.read_text("utf-8")
    assert "### reconciler drift" in summary
    assert counts in summary
    assert (repo / "drift.html").is_file()
