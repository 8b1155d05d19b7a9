"""A third-party plugin installed beside the project changes nothing in the project's tests.

The dummy distribution below is "installed" on ``PYTHONPATH`` for child processes: a plain run
of ``reconciler`` loads it (and its ``text`` format clashes with the built-in one), while the
project's own tests, run in a child pytest with it installed, pass as before. The fixtures
load only the built-ins and the plugins a test gives them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from reconciler.plugin.manager import AUTOLOAD_VAR

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = """
from reconciler import Reporter, hookimpl

@hookimpl
def reconciler_reporters():
    return [Reporter(name="text", render_plan=lambda plan, options: "hijacked")]
"""


def install_dummy(site: Path) -> dict[str, str]:
    """Write the dummy distribution into ``site``; return an environment that has it installed."""
    site.mkdir()
    (site / "hostile_plugin.py").write_text(HOSTILE)
    dist = site / "hostile_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: hostile-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[reconciler.plugins]\nhostile = hostile_plugin\n")
    env = {k: v for k, v in os.environ.items() if k != AUTOLOAD_VAR}
    env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    env["NO_COLOR"] = "1"
    return env


def test_a_dummy_third_party_plugin_leaves_the_projects_tests_unaffected(tmp_path: Path) -> None:
    env = install_dummy(tmp_path / "site")
    example = ROOT / "examples" / "quickstart"

    # Installed for real: a user's run loads it, and the clash shows.
    listed = subprocess.run(
        [sys.executable, "-m", "reconciler", "plugins"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "hostile  (entry point 'hostile_plugin' of hostile-plugin)" in listed.stdout
    clash = subprocess.run(
        [sys.executable, "-m", "reconciler", "plan", str(example)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert clash.returncode == 1
    assert "format 'text' is contributed by both plugin 'reports' and plugin 'hostile'" in (
        clash.stderr
    )

    # The project's tests of the CLI, the plans and the plugins pass with it installed.
    tests = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/e2e/test_quickstart.py",
            "tests/reconciler/test_plugins.py",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert " passed" in tests.stdout
