"""A plugin with a mistake in it: one message naming the plugin and the hook, nothing written.

Each case is a local plugin file of a project aimed at the sandbox, run through the command
line as a user would; every test checks that no traceback is printed and no write was sent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]

SEED = [{"id": 1, "short_name": "a", "name": "Alpha", "reminder_emails_enabled": False}]
CHANGE = "institutes:\n  a: {reminder_emails_enabled: true}\n"


@pytest.fixture
def project(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path]
) -> Callable[[str], tuple[Path, Sandbox]]:
    """A project with the local plugin ``mine.py`` holding ``source``, aimed at a sandbox."""

    def make(source: str) -> tuple[Path, Sandbox]:
        sandbox = aimed_at(seed=SEED)
        path = write_config(
            {
                "reconciler.toml": '[plugins]\nlocal = ["mine.py"]\n',
                "mine.py": "from reconciler import Problem, Refusal, hookimpl\n" + source,
                "i.yaml": CHANGE,
            }
        )
        return path, sandbox

    return make


def no_writes(sandbox: Sandbox) -> bool:
    return all(r.method == "GET" for r in sandbox.requests)


def assert_one_clean_message(result: CliResult, *parts: str) -> None:
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ")
    assert result.stderr.count("\nError: ") == 0
    for part in parts:
        assert part in result.stderr


def test_a_policy_that_raises_names_itself_and_stops_before_the_plan_is_shown(
    project: Callable[[str], tuple[Path, Sandbox]], run_reconciler: Run
) -> None:
    path, sandbox = project(
        "@hookimpl\ndef reconciler_check_plan(plan, kinds):\n    return 1 / 0\n"
    )
    for command in (["plan"], ["apply", "--auto-approve"]):
        result = run_reconciler(*command, str(path))
        assert_one_clean_message(
            result,
            f"plugin 'mine' (local file {path / 'mine.py'}) failed in reconciler_check_plan:",
            "ZeroDivisionError: division by zero",
        )
        assert "institute.a" not in result.stdout
    assert no_writes(sandbox)


def test_verbose_shows_the_traceback_of_a_failing_hook(
    project: Callable[[str], tuple[Path, Sandbox]], run_reconciler: Run
) -> None:
    path, sandbox = project(
        "@hookimpl\ndef reconciler_check_plan(plan, kinds):\n    return 1 / 0\n"
    )
    result = run_reconciler("plan", str(path), "-v")
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "mine.py" in result.stderr.split("Traceback", 1)[1]
    assert "failed in reconciler_check_plan" in result.stderr
    assert no_writes(sandbox)


def test_a_validate_hook_that_raises_is_named_and_nothing_is_sent(
    project: Callable[[str], tuple[Path, Sandbox]], run_reconciler: Run
) -> None:
    path, sandbox = project(
        "@hookimpl\ndef reconciler_validate(state, kinds):\n    raise KeyError('region')\n"
    )
    result = run_reconciler("validate", str(path))
    assert_one_clean_message(
        result, "plugin 'mine'", "failed in reconciler_validate: KeyError: 'region'"
    )
    assert sandbox.requests == []


def test_a_hook_argument_that_is_not_in_the_spec_is_a_registration_error(
    project: Callable[[str], tuple[Path, Sandbox]], run_reconciler: Run
) -> None:
    path, sandbox = project("@hookimpl\ndef reconciler_check_plan(plan, kind):\n    return []\n")
    result = run_reconciler("plan", str(path))
    assert_one_clean_message(
        result,
        "cannot register the plugin(s) below",
        f"plugin 'mine' (local file {path / 'mine.py'}):",
        "reconciler_check_plan(plan, kind): 'kind' is not an argument of this hook, which"
        " passes (plan, kinds); did you mean 'kinds'?",
    )
    assert "PluginValidationError" not in result.stderr
    assert sandbox.requests == []


def test_a_misspelt_hook_says_did_you_mean(
    project: Callable[[str], tuple[Path, Sandbox]], run_reconciler: Run
) -> None:
    path, sandbox = project("@hookimpl\ndef reconciler_check_plans(plan, kinds):\n    return []\n")
    result = run_reconciler("plan", str(path))
    assert_one_clean_message(
        result,
        "plugin 'mine'",
        "reconciler_check_plans is not a reconciler hook; did you mean 'reconciler_check_plan'?",
    )
    assert sandbox.requests == []


def test_plain_strings_are_not_refusals(
    project: Callable[[str], tuple[Path, Sandbox]], run_reconciler: Run
) -> None:
    path, sandbox = project(
        "@hookimpl\ndef reconciler_check_plan(plan, kinds):\n    return ['no changes today']\n"
    )
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert_one_clean_message(
        result,
        "plugin 'mine'",
        "reconciler_check_plan returned 'no changes today' (a str), not a Refusal",
    )
    assert no_writes(sandbox)


def test_a_generator_that_fails_half_way_is_named(
    project: Callable[[str], tuple[Path, Sandbox]], run_reconciler: Run
) -> None:
    path, sandbox = project(
        "@hookimpl\ndef reconciler_validate(state, kinds):\n"
        "    yield Problem('first')\n"
        "    raise RuntimeError('lost the list')\n"
    )
    result = run_reconciler("validate", str(path))
    assert_one_clean_message(result, "failed in reconciler_validate: RuntimeError: lost the list")
    assert sandbox.requests == []


def test_a_registration_hook_that_raises_is_named(
    project: Callable[[str], tuple[Path, Sandbox]], run_reconciler: Run
) -> None:
    path, sandbox = project(
        "@hookimpl\ndef reconciler_reporters():\n    raise ImportError('no module named yaml2')\n"
    )
    result = run_reconciler("plan", str(path))
    assert_one_clean_message(
        result, "plugin 'mine'", "failed in reconciler_reporters: ImportError: no module"
    )
    assert sandbox.requests == []


def test_a_before_change_hook_that_raises_fails_its_change_by_name(
    project: Callable[[str], tuple[Path, Sandbox]], run_reconciler: Run
) -> None:
    path, sandbox = project(
        "@hookimpl\ndef reconciler_before_change(change):\n    raise ValueError('audit log full')\n"
    )
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert "institute.a: update failed: plugin 'mine'" in result.stderr
    assert "failed in reconciler_before_change: ValueError: audit log full" in result.stderr
    assert no_writes(sandbox)


def test_refusals_and_problems_without_a_plugin_name_are_labelled_with_it(
    project: Callable[[str], tuple[Path, Sandbox]], run_reconciler: Run
) -> None:
    path, sandbox = project(
        "@hookimpl\ndef reconciler_check_plan(plan, kinds):\n"
        "    return [Refusal('not on a Friday')]\n"
    )
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 3
    assert "  not on a Friday [mine]" in result.stderr
    assert no_writes(sandbox)


def test_a_built_in_refusal_names_its_guard_once(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Any], run_reconciler: Run
) -> None:
    aimed_at(seed=SEED)
    path = write_config({"i.yaml": "institutes:\n  a: {absent: true}\n"})
    result = run_reconciler("plan", str(path))
    assert result.exit_code == 3
    assert "[safety] [safety]" not in result.stderr
    assert result.stderr.rstrip().endswith("in the [safety] table of reconciler.toml [safety]")


@pytest.mark.parametrize(
    ("hook", "argument"),
    [("reconciler_after_change", "outcome"), ("reconciler_after_apply", "result")],
)
def test_an_after_hook_that_raises_once_changes_were_made_exits_4_and_says_so(
    project: Callable[[str], tuple[Path, Sandbox]], run_reconciler: Run, hook: str, argument: str
) -> None:
    path, sandbox = project(f"@hookimpl\ndef {hook}({argument}):\n    raise OSError('disk full')\n")
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 4, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("Error: ")] == [
        result.stderr.splitlines()[-1]
    ]
    assert (
        f"plugin 'mine' (local file {path / 'mine.py'}) failed in {hook}: OSError: disk full."
        in result.stderr
    )
    assert (
        "1 change(s) were made before it failed (0 created, 1 updated, 0 deleted): run plan"
        " again to see what is still to do." in result.stderr
    )
    assert [r.method for r in sandbox.requests if r.method != "GET"] == ["PATCH"]
    assert run_reconciler("plan", str(path), "--detailed-exitcode").exit_code == 0
    (path / "i.yaml").write_text("institutes:\n  a: {reminder_emails_enabled: false}\n")
    verbose = run_reconciler("apply", str(path), "--auto-approve", "-v")
    assert verbose.exit_code == 4
    assert "mine.py" in verbose.stderr.split("Traceback (most recent call last)", 1)[1]


def test_an_after_hook_that_raises_before_any_write_stays_exit_1(
    project: Callable[[str], tuple[Path, Sandbox]], run_reconciler: Run
) -> None:
    path, sandbox = project(
        "@hookimpl\ndef reconciler_before_change(change):\n    raise ValueError('audit log full')\n"
        "@hookimpl\ndef reconciler_after_change(outcome):\n    raise OSError('disk full')\n"
    )
    failed = run_reconciler("apply", str(path), "--auto-approve")
    assert failed.exit_code == 1, failed.stdout + failed.stderr
    assert "Traceback" not in failed.stderr
    (error,) = [line for line in failed.stderr.splitlines() if line.startswith("Error: ")]
    assert "plugin 'mine'" in error
    assert "failed in reconciler_after_change: OSError: disk full." in error
    assert "change(s) were made" not in failed.stderr
    (path / "mine.py").write_text(
        "from reconciler import hookimpl\n"
        "@hookimpl\ndef reconciler_after_apply(result):\n    raise OSError('disk full')\n"
    )
    (path / "i.yaml").write_text("institutes:\n  a: {name: Alpha}\n")  # nothing to do
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert_one_clean_message(
        result, "plugin 'mine'", "failed in reconciler_after_apply: OSError: disk full."
    )
    assert "change(s) were made" not in result.stderr
    assert no_writes(sandbox)
