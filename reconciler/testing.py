"""Pytest fixtures for plugin authors, registered through the ``pytest11`` entry point.

A plugin's own test suite gets these without importing anything::

    def test_my_policy(reconciler_hooks):
        hooks = reconciler_hooks(("my-policy", my_policy_module))
        assert hooks.check_plan(plan, hooks.resource_kinds)

    def test_cli(run_reconciler, write_config):
        path = write_config({"institutes.yaml": "institutes: {pe: {name: PE}}"})
        result = run_reconciler("validate", str(path), plugins=[("my-policy", my_policy)])
        assert result.exit_code == 0

The fixtures load this project's built-in plugins and the plugins a test gives them, never
the other packages installed beside it (:data:`~reconciler.plugin.manager.AUTOLOAD_VAR`), so that a
test suite means the same on every machine. A project's local plugin files (``[plugins]
local``) load as they would in a real run.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from reconciler.plugin.hooks import Hooks
from reconciler.plugin.manager import AUTOLOAD_VAR, build_plugin_manager, given_plugins

__all__ = ["CliResult", "Hooks", "reconciler_hooks", "run_reconciler", "write_config"]


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
        pm, infos = build_plugin_manager(entry_points_group=group, plugins=plugins, autoload=False)
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
    """Run ``reconciler ARGS…`` in-process; returns its exit code and what it printed.

    ``plugins=[(name, module_or_object), ...]`` adds plugins to the built-ins for that run.
    """
    from reconciler.cli import main

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv(AUTOLOAD_VAR, "1")

    def run(*args: str, plugins: Sequence[tuple[str, object]] = ()) -> CliResult:
        capsys.readouterr()
        with given_plugins(plugins):
            code = main(list(args))
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run
