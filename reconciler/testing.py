"""Pytest fixtures for plugin authors, registered through the ``pytest11`` entry point.

A plugin's own test suite gets these without importing anything::

    def test_my_policy(reconciler_hooks):
        hooks = reconciler_hooks(("my-policy", my_policy_module))
        assert hooks.check_plan(plan, hooks.resource_kinds)

    def test_cli(run_reconciler, write_config):
        path = write_config({"institutes.yaml": "institutes: {pe: {name: PE}}"})
        result = run_reconciler("validate", str(path))
        assert result.exit_code == 0
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from reconciler.hooks import Hooks
from reconciler.plugins import build_plugin_manager

__all__ = ["CliResult", "reconciler_hooks", "run_reconciler", "write_config"]


@dataclass(frozen=True, slots=True)
class CliResult:
    """What one in-process run of the command line gave."""

    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def reconciler_hooks() -> Callable[..., Hooks]:
    """Build hooks from exactly the ``(name, plugin)`` pairs given; ``builtins=True`` adds ours."""

    def build(*plugins: tuple[str, object], builtins: bool = False) -> Hooks:
        group = "reconciler.plugins" if builtins else None
        pm, infos = build_plugin_manager(entry_points_group=group, plugins=plugins)
        return Hooks(pm, infos)

    return build


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[Mapping[str, str]], Path]:
    """Write ``{file name: YAML text}`` into a fresh directory (text is dedented); return it."""

    def write(files: Mapping[str, str]) -> Path:
        directory = tmp_path / "config"
        directory.mkdir(exist_ok=True)
        for name, text in files.items():
            target = directory / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return directory

    return write


@pytest.fixture
def run_reconciler(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., CliResult]:
    """Run ``reconciler ARGS…`` in-process; returns its exit code and what it printed."""
    from reconciler.cli import main

    monkeypatch.setenv("NO_COLOR", "1")

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run
