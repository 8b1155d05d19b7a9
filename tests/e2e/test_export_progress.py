"""``export`` says how far its read has got: on a terminal as it goes, everywhere at the end."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Faults, Sandbox

#: Generous: a child process starts a Python interpreter and imports the reconciler.
DEADLINE = 60.0
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def seed(count: int) -> dict[str, Any]:
    """``count`` institutes with one user each."""
    return {
        "institutes": [
            {"id": i, "short_name": f"inst-{i}", "name": f"Institute {i}"}
            for i in range(1, count + 1)
        ],
        "identity_providers": [{"id": 7, "name": "Campus SAML"}],
        "users": [
            {
                "id": i,
                "institute_id": i,
                "email": f"user{i}@campus.example",
                "name": f"User {i}",
                "role": "teacher",
                "omniauth_config_id": 7,
            }
            for i in range(1, count + 1)
        ],
    }


def terminal_output(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``reconciler ARGS`` on a terminal of its own; its exit code and what it showed."""
    controller, terminal = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "reconciler", *args],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
    ) as child:
        os.close(terminal)
        seen = b""
        end = time.monotonic() + DEADLINE
        try:
            while True:
                ready, _, _ = select.select([controller], [], [], max(0.0, end - time.monotonic()))
                assert ready, f"no end of output; got {seen!r}"
                try:
                    chunk = os.read(controller, 4096)
                except OSError:  # Linux: EIO once the child has closed the terminal
                    chunk = b""
                if not chunk:
                    break
                seen += chunk
            code = child.wait(timeout=DEADLINE)
        finally:
            child.kill()
            os.close(controller)
    return code, _ANSI.sub("", seen.decode("utf-8", "replace"))


def test_on_a_terminal_export_shows_objects_and_requests_as_it_reads(
    proctorexam_sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=seed(12), faults=Faults(latency=0.05))
    # In colour, as a terminal gets it by default (NO_COLOR turns rich's terminal drawing off).
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(sandbox.env(), COLUMNS="200")
    code, shown = terminal_output(["export", str(tmp_path / "out")], env)
    assert code == 0, shown
    counts = re.findall(r"Reading the live objects: (.*?requests?\))", shown)
    # Drawn from the start, and again as the counts move, up to the last one.
    assert counts[0] == "no objects yet (0 requests)", counts
    assert counts[-1] == "12 institute(s), 12 user(s) (14 requests)", counts
    assert "Read 12 institute(s), 12 user(s) (14 requests) in " in shown


def test_elsewhere_only_the_closing_line_counts_them(
    aimed_at: Callable[..., Sandbox], run_reconciler: Callable[..., CliResult], tmp_path: Path
) -> None:
    sandbox = aimed_at(seed=seed(3))
    result = run_reconciler("export", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    assert "Reading the live objects" not in result.stderr
    requests = len(sandbox.requests)
    assert requests == 5  # institutes (one page), identity providers, users of each institute
    assert f"Read 3 institute(s), 3 user(s) ({requests} requests) in " in result.stderr
