"""What the docs and the packaging claim is true: entry points, examples, the README."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.cli import cli
from reconciler.testing import CliResult

ROOT = Path(__file__).resolve().parents[1]
#: Example config directories: examples/plugins holds plugins, tested on their own,
#: examples/github-actions and examples/gitlab-ci hold CI files (tests/test_ci_files.py,
#: tests/test_gitlab_ci.py), and examples/environments holds several directories
#: (tests/e2e/test_environments_example.py).
EXAMPLES = sorted(
    p
    for p in (ROOT / "examples").iterdir()
    if p.is_dir() and p.name not in ("plugins", "github-actions", "gitlab-ci", "environments")
)


def test_every_built_in_plugin_package_has_its_entry_point() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    entry_points = project["project"]["entry-points"]["reconciler.plugins"]
    packages = sorted(p.name for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").exists())
    assert packages == ["reconciler_proctorexam", "reconciler_reports"]
    assert sorted(v.split(".")[0] for v in entry_points.values()) == packages
    assert not (ROOT / "plugins" / "__init__.py").exists(), "plugins/ must not be a package"


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_validates_and_plans(
    example: Path, run_reconciler: Callable[..., CliResult], tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / example.name
    shutil.copytree(example, copy, ignore=shutil.ignore_patterns(".sandbox-state.json"))
    assert run_reconciler("validate", str(copy)).exit_code == 0
    if (copy / "sandbox-seed.json").exists():
        result = run_reconciler("plan", str(copy), "--sandbox")
        assert result.exit_code == 0, result.stderr
        assert "Plan:" in result.stdout


def test_the_readme_documents_every_command_and_exit_code() -> None:
    readme = (ROOT / "README.md").read_text()
    from reconciler.plugin.hooks import Hooks
    from reconciler.plugin.manager import build_plugin_manager

    pm, infos = build_plugin_manager()
    Hooks(pm, infos).add_commands(cli)
    for name in cli.commands:
        assert f"`reconciler {name}" in readme, f"README does not document `reconciler {name}`"
    for code in range(5):
        assert re.search(rf"^\| {code} \|", readme, re.M), f"exit code {code} undocumented"


def test_the_readme_quick_start_has_exactly_two_set_up_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)```", quick, re.S)
    setup = [c for c in commands if "pip install" in c]
    assert len(setup) == 2
    assert "reconciler plan examples/quickstart --sandbox" in setup[0]
    assert "scripts/check" in setup[1]
    assert "scripts/check" in (ROOT / ".ci" / "run").read_text()
