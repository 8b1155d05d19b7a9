"""The files users copy into their repositories: GitHub Actions workflows, action, pre-commit hook.

The workflows are linted by actionlint as they would sit in a user's repository, with the
composite action beside them, so that actionlint also checks each ``with:`` against the
action's inputs. The hook runs through ``pre-commit try-repo`` exactly as a user tries it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / "examples" / "github-actions").glob("*.yml"))
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is not installed; pip install -e '.[dev]' installs it"
    return found


def test_the_workflows_pass_actionlint_with_the_action_beside_them(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    for path in WORKFLOWS:
        text = path.read_text("utf-8")
        assert "uses: OWNER/reconciler@main" in text
        (workflows / path.name).write_text(text.replace("OWNER/reconciler@main", "./"))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = subprocess.run(
        [tool("actionlint"), "-no-color"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_what_it_is_here_for(tmp_path: Path) -> None:
    """A workflow that passes an input the action does not have fails: the check can fail."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    (workflows / "bad.yml").write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: ./\n        with:\n          pyton-version: '3.12'\n"
    )
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = subprocess.run(
        [tool("actionlint"), "-no-color"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert 'input "pyton-version" is not defined' in result.stdout


def run_lines(name: str) -> str:
    """Every ``run:`` script of a workflow, joined with backslash continuations undone."""
    document = YAML(typ="safe").load((ROOT / "examples" / "github-actions" / name).read_text())
    scripts = [step.get("run", "") for job in document["jobs"].values() for step in job["steps"]]
    return "\n".join(scripts).replace("\\\n", " ")


def test_the_workflows_use_the_documented_command_lines() -> None:
    plan = " ".join(run_lines("reconciler-plan.yml").split())
    assert "reconciler validate config/ --format github" in plan
    assert "reconciler plan config/ --out plan.json --format markdown --output plan.md" in plan
    assert (
        "reconciler plan config/ --live live.json --format markdown --output plan.md"
        " --detailed-exitcode --no-local-plugins"
    ) in plan
    assert "reconciler snapshot config/ --output live.json" in run_lines("reconciler-drift.yml")
    assert "reconciler apply plan.json" in run_lines("reconciler-apply.yml")
    assert "reconciler drift config/ --format html --output drift.html" in run_lines(
        "reconciler-drift.yml"
    )
    apply = YAML(typ="safe").load(
        (ROOT / "examples/github-actions/reconciler-apply.yml").read_text()
    )
    assert apply["concurrency"] == {"group": "reconciler-apply", "cancel-in-progress": False}


@pytest.mark.slow
def test_the_pre_commit_hook_fails_on_a_broken_config_naming_file_and_line(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    (repo / "config").mkdir(parents=True)
    (repo / "config" / "institutes.yaml").write_text(
        'institutes:\n  pe:\n    reminder_emails_enabled: "yes"\n', encoding="utf-8"
    )
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "NO_COLOR": "1",
    }
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    command = [tool("pre-commit"), "try-repo", str(ROOT), "reconciler-validate", "--all-files"]
    result = subprocess.run(
        command, cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "reconciler validate" in output
    assert "Failed" in output
    assert "config/institutes.yaml:3:30: institutes.pe.reminder_emails_enabled" in output

    # The same hook passes once the config is fixed.
    (repo / "config" / "institutes.yaml").write_text(
        "institutes:\n  pe:\n    reminder_emails_enabled: true\n", encoding="utf-8"
    )
    result = subprocess.run(
        command, cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_readme_points_yaml_editors_at_the_published_config_schema() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    line = next(x for x in readme.splitlines() if x.startswith("# yaml-language-server: $schema="))
    assert line.endswith("/schemas/config.schema.json")
    assert (ROOT / "schemas" / "config.schema.json").is_file()
