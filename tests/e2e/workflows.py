"""Run a shipped GitHub Actions job's steps on this machine, as a runner would run them.

Each ``run:`` step runs in bash (``-eo pipefail``, as GitHub's default shell) in a fresh copy
of the repository, with the step's and the job's ``env:`` (``${{ vars.X }}``,
``${{ secrets.X }}`` and the ``github`` context filled in from what the caller gives),
``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY``. ``if:`` conditions of the forms the workflows
use are evaluated. Of the ``uses:`` steps, ``actions/upload-artifact`` keeps the files in an
artifact store; the others (checkout, the setup action) have nothing left to do here: the
repository is already checked out and ``reconciler`` is installed.

The ``gh`` command the steps call is a small stand-in (:data:`FAKE_GH`) that serves that
same artifact store and records comments: GitHub's API is the one part that cannot run here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

__all__ = ["FAKE_GH", "JobRun", "Runner", "StepRun"]

FAKE_GH = r'''#!PYTHON
"""A stand-in for GitHub's `gh`, serving the artifact store in $FAKE_GH_STORE."""
import os, shutil, sys
from pathlib import Path

store = Path(os.environ["FAKE_GH_STORE"])
args = sys.argv[1:]

def option(name):
    return args[args.index(name) + 1] if name in args else None

if args[:1] == ["api"] and "/pulls" in args[1]:
    print("0123456789abcdef0123456789abcdef01234567")
elif args[:1] == ["api"] and "actions/artifacts?name=" in args[1]:
    name = args[1].split("name=", 1)[1].split("&", 1)[0]
    print("202" if (store / name).is_dir() else "")
elif args[:2] == ["run", "list"]:
    print("101")
elif args[:2] == ["run", "download"]:
    source = store / option("--name")
    if not source.is_dir():
        print(f"no artifact named {option('--name')}", file=sys.stderr)
        sys.exit(1)
    for item in source.iterdir():
        target = Path(option("--dir") or ".")
        target.mkdir(parents=True, exist_ok=True)  # as gh run download does
        shutil.copy(item, target / item.name)
elif args[:2] == ["pr", "comment"]:
    shutil.copy(option("--body-file"), store / "pr-comment.md")
else:
    print(f"fake gh: not handled: {args}", file=sys.stderr)
    sys.exit(2)
'''

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_TOKEN = re.compile(
    r"\s*(?:(?P<call>always|success|failure|cancelled)\(\)"
    r"|hashFiles\('(?P<hash>[^']*)'\)"
    r"|env\.(?P<env>\w+)"
    r"|steps\.(?P<step>[\w-]+)\.outputs\.(?P<output>\w+)"
    r"|(?P<context>(?:github|inputs|vars|secrets)(?:\.[\w-]+)+)"
    r"|'(?P<text>[^']*)'"
    r"|(?P<op>==|!=|&&|\|\||!|\(|\)))"
)


@dataclass
class StepRun:
    name: str
    ran: bool
    exit_code: int = 0
    stdout: str = ""
    stderr: str = ""


@dataclass
class JobRun:
    """How a job went: each step, its outputs, and the job summary."""

    workspace: Path
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    summary: str = ""

    @property
    def failed(self) -> bool:
        return any(s.ran and s.exit_code != 0 for s in self.steps)

    def step(self, text: str) -> StepRun:
        """The step named ``text``, else the one whose name holds it."""
        exact = [s for s in self.steps if s.name == text]
        (found,) = exact or [s for s in self.steps if text in s.name]
        return found

    def log(self) -> str:
        return "\n".join(
            f"--- {s.name}: {'ran, exit ' + str(s.exit_code) if s.ran else 'skipped'}\n"
            f"{s.stdout}{s.stderr}"
            for s in self.steps
        )


@dataclass
class Runner:
    """Runs jobs of the workflows in ``workflows`` on copies of ``repository``."""

    workflows: Path
    repository: Path
    scratch: Path
    #: ``vars.*``, ``secrets.*`` and ``github.*`` expressions, by their text.
    context: dict[str, str] = field(default_factory=dict)
    #: The runner's own environment beyond the workflow's (the installed tool's PATH).
    environ: dict[str, str] = field(default_factory=dict)
    store: Path = field(init=False)
    _runs: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.store = self.scratch / "artifacts"
        self.store.mkdir(parents=True, exist_ok=True)
        bin_dir = self.scratch / "bin"
        bin_dir.mkdir(exist_ok=True)
        gh = bin_dir / "gh"
        gh.write_text(FAKE_GH.replace("PYTHON", sys.executable, 1))
        gh.chmod(0o755)
        path = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.defpath])
        self.environ = {"PATH": path, "HOME": str(self.scratch), **self.environ}

    def run_job(self, workflow: str, job: str, context: Mapping[str, str] | None = None) -> JobRun:
        """Run ``job`` of ``workflow`` (a file name), ``context`` adding to the runner's."""
        document = YAML(typ="safe").load((self.workflows / workflow).read_text("utf-8"))
        spec = document["jobs"][job]
        self._runs += 1
        workspace = self.scratch / f"run-{self._runs}-{workflow}"
        shutil.copytree(self.repository, workspace)
        values = {**self.context, **(context or {})}
        output_file = workspace.parent / f"run-{self._runs}.output"
        summary_file = workspace.parent / f"run-{self._runs}.summary"
        summary_file.write_text("")
        env = {
            **self.environ,
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_REPOSITORY": "acme/config",
            "GITHUB_SHA": "fedcba9876543210fedcba9876543210fedcba98",
            "GITHUB_STEP_SUMMARY": str(summary_file),
            "RUNNER_TEMP": str(workspace.parent / f"run-{self._runs}.temp"),
            "FAKE_GH_STORE": str(self.store),
        }
        env.update(_env(document.get("env", {}), values))
        env.update(_env(spec.get("env", {}), values))
        result = JobRun(workspace)
        for index, step in enumerate(spec["steps"]):
            name = step.get("name") or step.get("uses") or f"step {index}"
            # GitHub gives an empty string for an output a step did not set.
            outputs = {
                f"steps.{step_id}.outputs.{name}": value
                for step_id, named in result.outputs.items()
                for name, value in named.items()
            }
            wanted = re.findall(r"steps\.[\w-]+\.outputs\.\w+", str(step.get("env", {})))
            step_values = {**values, **dict.fromkeys(wanted, ""), **outputs}
            step_env = {**env, **_env(step.get("env", {}), step_values)}
            if not _condition(step.get("if"), step_env, result, workspace, values):
                result.steps.append(StepRun(name, ran=False))
                continue
            if "uses" in step:
                result.steps.append(self._uses(name, step, workspace))
                continue
            output_file.write_text("")
            step_env["GITHUB_OUTPUT"] = str(output_file)
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=workspace,
                env=step_env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            result.steps.append(StepRun(name, True, done.returncode, done.stdout, done.stderr))
            if "id" in step:
                result.outputs[step["id"]] = _outputs(output_file.read_text())
        result.summary = summary_file.read_text()
        return result

    def _uses(self, name: str, step: Mapping[str, Any], workspace: Path) -> StepRun:
        action = str(step["uses"])
        if action.startswith("actions/upload-artifact@"):
            options = step.get("with", {})
            source = workspace / options["path"]
            if not source.exists():
                missing = options.get("if-no-files-found", "warn") == "error"
                return StepRun(name, True, 1 if missing else 0, "", f"no file {source}")
            target = self.store / options["name"]
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            shutil.copy(source, target / source.name)
        return StepRun(name, True)


def _env(table: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, str]:
    def fill(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression in values:
                return values[expression]
            if not re.search(r"==|!=|&&|\|\|", expression):
                raise KeyError(f"the test gives no value for ${{{{ {expression} }}}}")
            # An expression: GitHub writes its value, a boolean as true or false.
            result = _evaluate(expression, lambda match: _context_value(match, values))
            return str(result).lower() if isinstance(result, bool) else str(result)

        return _EXPRESSION.sub(one, text)

    return {str(k): fill(str(v)) for k, v in table.items()}


def _context_value(match: re.Match[str], values: Mapping[str, str]) -> Any:
    name = match.group("context")
    if name is None or name not in values:
        raise KeyError(f"the test gives no value for {match.group(0).strip()}")
    return values[name]


def _outputs(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def _condition(
    expression: str | None,
    env: Mapping[str, str],
    job: JobRun,
    cwd: Path,
    context: Mapping[str, str],
) -> bool:
    """GitHub's ``if:`` for the forms the workflows use; ``success()`` when there is none."""
    text = _EXPRESSION.sub(lambda m: m.group(1), expression or "").strip()
    if not re.search(r"\b(always|success|failure|cancelled)\(\)", text):
        text = f"success() && ({text})" if text else "success()"
    statuses: dict[str, Callable[[], bool]] = {
        "always": lambda: True,
        "success": lambda: not job.failed,
        "failure": lambda: job.failed,
        "cancelled": lambda: False,
    }

    def value(match: re.Match[str]) -> Any:
        if match.group("call"):
            return statuses[match.group("call")]()
        if match.group("hash") is not None:
            return "x" if (cwd / match.group("hash")).exists() else ""
        if match.group("env"):
            return env.get(match.group("env"), "")
        if match.group("step"):
            return job.outputs.get(match.group("step"), {}).get(match.group("output"), "")
        return context.get(match.group("context"), "")

    return bool(_evaluate(text, value))


def _evaluate(text: str, value: Callable[[re.Match[str]], Any]) -> Any:
    """A GitHub expression of the forms the workflows use; ``value`` gives each operand."""
    python: list[str] = []
    position = 0
    values: dict[str, Any] = {}
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"the test cannot evaluate: {text}")
        position = match.end()
        key = f"v{len(values)}"
        if match.group("text") is not None:
            values[key] = match.group("text")
        elif match.group("op"):
            python.append(
                {"&&": " and ", "||": " or ", "!": " not "}.get(
                    match.group("op"), match.group("op")
                )
            )
            continue
        else:
            values[key] = value(match)
        python.append(key)
    return eval("".join(python), {"__builtins__": {}}, values)
