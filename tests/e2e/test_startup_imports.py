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
from pathlib import Path

import pytest

SERVER = {"uvicorn", "starlette"}
#: What no command loads before it needs it; none of the commands below needs any.
UNUSED = SERVER | {"httpx", "httpcore", "asyncio", "rich", "jsonschema"}

_LINE = re.compile(r"import time:\s+\d+ \|\s+\d+ \|\s*(\S+)")


def imported(*args: str, cwd: Path) -> set[str]:
    """The top-level packages a run of ``args`` imported (stdout and stderr are pipes)."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "PYTHONWARNINGS")}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**env, "NO_COLOR": "1"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return {m.group(1).split(".")[0] for m in map(_LINE.match, done.stderr.splitlines()) if m}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "institutes.yaml"
    path.write_text("institutes:\n  pe:\n    name: ProctorExam\n", encoding="utf-8")
    return path


def test_validate_loads_no_server_and_nothing_it_does_not_use(config: Path) -> None:
    loaded = imported("-m", "reconciler", "validate", str(config), cwd=config.parent)
    assert "yaml" in loaded  # the measurement sees what validate does use
    assert not loaded & SERVER
    assert not loaded & UNUSED


@pytest.mark.parametrize(
    "args",
    [["--help"], ["schema"], ["plugins"], ["sandbox", "--help"], ["validate", "--help"]],
    ids=" ".join,
)
def test_other_commands_load_nothing_they_do_not_use(args: list[str], tmp_path: Path) -> None:
    assert not imported("-m", "reconciler", *args, cwd=tmp_path) & UNUSED


def test_the_server_is_what_running_a_sandbox_loads(tmp_path: Path) -> None:
    code = "from reconciler_proctorexam.sandbox import Sandbox; Sandbox().start().stop()"
    assert imported("-c", code, cwd=tmp_path) >= SERVER
