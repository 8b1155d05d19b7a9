"""A policy cannot silently switch off: a hook-named function without ``@hookimpl`` in a
local plugin file stops ``validate``, ``plan`` and ``apply`` (exit 1) before any request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]
Write = Callable[..., Path]
Aim = Callable[..., Sandbox]

MARKED = """\
from reconciler import hookimpl


@hookimpl
def reconciler_validate(state, kinds):
    return []
"""
UNMARKED = (
    MARKED
    + """

def reconciler_check_plan(plan, kinds):
    return []
"""
)
CONFIG = "institutes:\n  pe: {name: ProctorExam, reminder_emails_enabled: true}\n"


def test_an_unmarked_hook_in_a_local_plugin_is_an_error_everywhere(
    aimed_at: Aim, write_config: Write, run_reconciler: Run, tmp_path: Path
) -> None:
    sandbox = aimed_at(seed=[{"id": 1, "short_name": "pe", "name": "ProctorExam"}])
    path = write_config(
        {
            "i.yaml": CONFIG,
            "policies.py": MARKED,
            "reconciler.toml": '[plugins]\nlocal = ["policies.py"]\n',
        }
    )
    plan_file = tmp_path / "plan.json"
    assert run_reconciler("plan", str(path), "--out", str(plan_file)).exit_code == 0

    (path / "policies.py").write_text(UNMARKED)
    sandbox.clear_requests()
    # Named relative to the checkout's root (the test's directory), where the commands run.
    expected = (
        f"{path.name}/policies.py:9:1: reconciler_check_plan in the local plugin 'policies':"
        " has no @hookimpl, so it is never called; decorate it with @hookimpl (from"
        " reconciler import hookimpl); a policy without it is silently off [policies]"
    )
    for args in (
        ["validate", str(path)],
        ["plan", str(path)],
        ["apply", str(path), "--auto-approve"],
        ["apply", str(plan_file)],
    ):
        result = run_reconciler(*args)
        assert result.exit_code == 1, (args, result.stdout)
        assert expected in result.stderr, (args, result.stderr)
    assert sandbox.requests == []

    # Left out with --no-local-plugins, the file is not read at all: nothing to refuse.
    assert run_reconciler("--no-local-plugins", "validate", str(path)).exit_code == 0
