"""Shell completion of ``--format`` and ``--target``, and ``--format``'s help, through click."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.shell_completion import BashComplete

from reconciler.cli import cli
from reconciler.testing import CliResult

CONFIG = {
    "a.yaml": "institutes:\n  pe: {name: PE}\n  uu: {name: UU}\n",
    # Invalid (an unset reference, a wrong type): its keys still complete.
    "b.yaml": "institutes:\n  ut: {name: 5, tawk_api_key: '${env:UNSET_HERE}'}\n",
}


def complete(args: list[str], incomplete: str) -> list[str]:
    shell = BashComplete(cli, {}, "reconciler", "_RECONCILER_COMPLETE")
    return [item.value for item in shell.get_completions(args, incomplete)]


def test_target_completes_the_addresses_of_the_config(
    write_config: Callable[..., Path],
) -> None:
    path = str(write_config(CONFIG))
    assert complete(["plan", path, "--target"], "") == [
        "institute",
        "institute.pe",
        "institute.ut",
        "institute.uu",
    ]
    assert complete(["apply", path, "--target"], "institute.u") == ["institute.ut", "institute.uu"]
    assert complete(["plan", path, "--exclude"], "institute.p") == ["institute.pe"]


def test_target_completes_nothing_without_a_config(tmp_path: Path) -> None:
    assert complete(["plan", str(tmp_path / "missing"), "--target"], "") == []


def test_format_completes_the_installed_formats() -> None:
    everything = ["github", "gitlab", "html", "json", "markdown", "sarif", "text"]
    assert complete(["plan", "x", "--format"], "") == everything
    assert complete(["plan", "x", "--format"], "m") == ["markdown"]
    # github, gitlab and sarif render plans only: drift does not offer them.
    assert complete(["drift", "x", "--format"], "") == ["html", "json", "markdown", "text"]
    assert complete(["validate", "x", "--format"], "") == [
        "text",
        "json",
        "github",
        "sarif",
        "gitlab",
    ]


def test_format_help_lists_the_installed_formats(run_reconciler: Callable[..., CliResult]) -> None:
    result = run_reconciler("plan", "--help")
    assert result.exit_code == 0
    assert "Installed: github, gitlab, html, json, markdown, sarif, text." in " ".join(
        result.stdout.split()
    )
    result = run_reconciler("drift", "--help")
    assert "Installed: html, json, markdown, text." in " ".join(result.stdout.split())


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_scripts_the_readme_shows_are_printed(shell: str) -> None:
    env = {**os.environ, "_RECONCILER_COMPLETE": f"{shell}_source"}
    script = Path(sys.executable).with_name("reconciler")
    result = subprocess.run(
        [str(script)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "_RECONCILER_COMPLETE" in result.stdout
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    assert f"_RECONCILER_COMPLETE={shell}_source reconciler" in readme
