"""examples/gitlab-ci/.gitlab-ci.yml: linted against GitLab's CI schema (as check-jsonschema
ships it), and every reconciler command line in its scripts is one the CLI accepts."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from ruamel.yaml import YAML

from reconciler.cli.app import cli

ROOT = Path(__file__).resolve().parents[1]
GITLAB_CI = ROOT / "examples" / "gitlab-ci" / ".gitlab-ci.yml"


def check_jsonschema() -> str:
    found = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    found = found or shutil.which("check-jsonschema")
    assert found, "check-jsonschema is not installed; pip install -e '.[dev]' installs it"
    return found


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [check_jsonschema(), "--builtin-schema", "vendor.gitlab-ci", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_gitlab_ci_file_passes_gitlab_s_schema() -> None:
    result = lint(GITLAB_CI)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_lint_catches_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / ".gitlab-ci.yml"
    broken.write_text(GITLAB_CI.read_text().replace("when: manual", "when: someday"))
    assert lint(broken).returncode == 1


def scripts() -> dict[str, str]:
    document = YAML(typ="safe").load(GITLAB_CI.read_text())
    out = {}
    for name, job in document.items():
        if isinstance(job, dict) and "script" in job:
            out[name] = "\n".join(job["script"])
    return out


def command_lines() -> list[list[str]]:
    """Every ``reconciler …`` command of the scripts, as words, shell variables left out."""
    lines = []
    for script in [
        *scripts().values(),
        *YAML(typ="safe").load(GITLAB_CI.read_text())["default"]["before_script"],
    ]:
        for line in script.splitlines():
            line = line.strip()
            if not line.startswith("reconciler "):
                continue
            words = shlex.split(line.split(">", 1)[0].split("||", 1)[0])
            lines.append([w for w in words if not w.startswith("$")])
    return lines


def test_the_jobs_are_the_plan_apply_and_drift_stages() -> None:
    document = YAML(typ="safe").load(GITLAB_CI.read_text())
    assert document["stages"] == ["plan", "apply", "drift"]
    assert {name: document[name]["stage"] for name in ("plan", "apply", "drift")} == {
        "plan": "plan",
        "apply": "apply",
        "drift": "drift",
    }
    assert document["apply"]["rules"][0]["when"] == "manual"
    # The guard's overrides are inputs a person sets, never a default.
    for name in ("RECONCILER_FORCE_CHANGES", "RECONCILER_MAX_CHANGE_SHARE"):
        assert document["variables"][name]["value"] == ""
        assert "reviewed bulk change" in document["variables"][name]["description"]


def test_every_command_line_is_one_the_cli_accepts() -> None:
    lines = command_lines()
    used = {next((w for w in words[1:] if not w.startswith("-")), "") for words in lines}
    assert {"validate", "plan", "apply", "snapshot", "drift"} <= used
    ctx = click.Context(cli)
    for words in lines:
        rest = words[1:]
        while rest and rest[0].startswith("--"):
            assert rest[0] in _options(cli), words  # a global option, e.g. --no-local-plugins
            rest = rest[1:]
        if not rest:
            continue  # reconciler --version
        command = cli.get_command(ctx, rest[0])
        assert command is not None, words
        known = _options(command) | _options(cli)
        for word in rest[1:]:
            if word.startswith("-"):
                assert word.split("=", 1)[0] in known, (word, words)


@pytest.mark.parametrize("name", ["plan", "apply", "drift"])
def test_each_job_keeps_what_it_makes(name: str) -> None:
    document = YAML(typ="safe").load(GITLAB_CI.read_text())
    assert document[name].get("artifacts") or document[name].get("needs"), name


def _options(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in getattr(param, "opts", ())}


def test_every_script_is_valid_shell(tmp_path: Path) -> None:
    for name, script in scripts().items():
        file = tmp_path / f"{name}.sh"
        file.write_text(script)
        result = subprocess.run(
            ["bash", "-n", str(file)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, (name, result.stderr)
