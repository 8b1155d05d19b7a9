"""Each command imports only what it uses: read from ``python -X importtime``, in a subprocess.

Start-up is most of what a one-file ``validate`` costs, and almost all of start-up is imports.
The server stack (uvicorn, starlette) is for ``sandbox`` and ``--sandbox``; httpx and asyncio
for a provider that connects; rich for a terminal; jsonschema for the reasons an object is
invalid. A command run from a pipe, on a valid config, loads none of them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler_proctorexam.sandbox import Sandbox

SERVER = {"uvicorn", "starlette"}
#: What no command loads before it needs it; none of the commands below needs any.
UNUSED = SERVER | {"httpx", "httpcore", "asyncio", "rich", "jsonschema"}

_LINE = re.compile(r"import time:\s+\d+ \|\s+\d+ \|\s*(\S+)")


def imported(*args: str, cwd: Path, exit_codes: tuple[int, ...] = (0,)) -> set[str]:
    """The modules a run of ``args`` imported, by their full names (stdout and stderr are
    pipes)."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "PYTHONWARNINGS")}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**env, "NO_COLOR": "1"},
        check=False,
    )
    assert done.returncode in exit_codes, done.stderr[-3000:]
    return {m.group(1) for m in map(_LINE.match, done.stderr.splitlines()) if m}


def packages(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "institutes.yaml"
    path.write_text("institutes:\n  pe:\n    name: ProctorExam\n", encoding="utf-8")
    return path


def test_validate_loads_no_server_and_nothing_it_does_not_use(config: Path) -> None:
    loaded = packages(imported("-m", "reconciler", "validate", str(config), cwd=config.parent))
    assert "reconciler_proctorexam" in loaded  # the measurement sees what validate does use
    assert not loaded & SERVER
    assert not loaded & UNUSED


@pytest.mark.parametrize(
    "args",
    [["--help"], ["schema"], ["plugins"], ["sandbox", "--help"], ["validate", "--help"]],
    ids=" ".join,
)
def test_other_commands_load_nothing_they_do_not_use(args: list[str], tmp_path: Path) -> None:
    assert not packages(imported("-m", "reconciler", *args, cwd=tmp_path)) & UNUSED


def test_the_server_is_what_running_a_sandbox_loads(tmp_path: Path) -> None:
    code = "from reconciler_proctorexam.sandbox import Sandbox; Sandbox().start().stop()"
    assert packages(imported("-c", code, cwd=tmp_path)) >= SERVER


def test_a_plan_loads_httpx_without_the_server_stack(
    config: Path, aimed_at: Callable[..., Sandbox]
) -> None:
    aimed_at()
    loaded = imported("-m", "reconciler", "plan", str(config), cwd=config.parent, exit_codes=(0, 2))
    assert "httpx._client" in loaded  # it did connect
    # httpx imports its command-line client (rich, pygments) whenever they are installed:
    # upstream behaviour, not kept out by this project.
    assert not packages(loaded) & (SERVER | {"jsonschema"})


def test_httpx_command_line_client_can_still_be_imported_afterwards(tmp_path: Path) -> None:
    code = "import reconciler_proctorexam.client, httpx._main"
    assert "rich.console" in imported("-c", code, cwd=tmp_path)
