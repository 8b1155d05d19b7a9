"""``--no-local-plugins``: a pull request cannot run Python from the config directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult

Run = Callable[..., CliResult]

PLUGIN = """
from pathlib import Path

Path(__file__).with_name("ran").write_text("the local plugin ran")
"""


@pytest.fixture
def project(write_config: Callable[..., Path]) -> Path:
    return write_config(
        {
            "i.yaml": "institutes:\n  pe: {name: PE}\n",
            "evil.py": PLUGIN,
            "reconciler.toml": '[plugins]\nlocal = ["evil.py"]\n',
        }
    )


def test_local_plugins_run_by_default(project: Path, run_reconciler: Run) -> None:
    assert run_reconciler("validate", str(project)).exit_code == 0
    assert (project / "ran").exists()


@pytest.mark.parametrize("where", ["before", "after"])
def test_no_local_plugins_loads_no_python_file(
    project: Path, run_reconciler: Run, where: str
) -> None:
    args = ["validate", str(project)]
    args = ["--no-local-plugins", *args] if where == "before" else [*args, "--no-local-plugins"]
    result = run_reconciler(*args)
    assert result.exit_code == 0, result.stderr
    assert not (project / "ran").exists()


def test_the_environment_variable_does_the_same(
    project: Path, run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECONCILER_NO_LOCAL_PLUGINS", "1")
    assert run_reconciler("validate", str(project)).exit_code == 0
    assert not (project / "ran").exists()
