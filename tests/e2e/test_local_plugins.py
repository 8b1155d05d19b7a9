"""What a project's local plugins reach: after_apply at every end, commands, schema, listing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]

SEED = [
    {"id": 1, "short_name": "a", "name": "Alpha", "reminder_emails_enabled": False},
    {"id": 2, "short_name": "b", "name": "Beta", "reminder_emails_enabled": False},
]

#: Records every after_apply in a file beside it: the status and the counts.
RECORDER = """
import json
from pathlib import Path
from reconciler import Outcome, hookimpl

@hookimpl
def reconciler_after_apply(result):
    log = Path(__file__).with_name("applies.jsonl")
    with log.open("a") as out:
        out.write(json.dumps({
            "status": result.status.value,
            "applied": result.count(Outcome.APPLIED),
            "failed": result.count(Outcome.FAILED),
            "refusals": [str(r) for r in result.refusals],
        }) + "\\n")

@hookimpl
def reconciler_before_change(change):
    from reconciler import ReconcilerError
    if change.identity == "b":
        raise ReconcilerError("b is frozen")
"""


def applies(path: Path) -> list[dict[str, object]]:
    log = path / "applies.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_after_apply_runs_at_every_end_and_says_which(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    aimed_at(seed=SEED)
    path = write_config(
        {
            "reconciler.toml": '[plugins]\nlocal = ["recorder.py"]\n',
            "recorder.py": RECORDER,
            "i.yaml": "institutes:\n  a: {reminder_emails_enabled: false}\n",
        }
    )
    assert run_reconciler("apply", str(path), "--auto-approve").exit_code == 0

    (path / "i.yaml").write_text("institutes:\n  a: {absent: true}\n")
    assert run_reconciler("apply", str(path), "--auto-approve").exit_code == 3

    (path / "i.yaml").write_text(
        "institutes:\n  a: {reminder_emails_enabled: true}\n  b: {reminder_emails_enabled: true}\n"
    )
    assert run_reconciler("apply", str(path), "--auto-approve").exit_code == 4

    (path / "i.yaml").write_text("institutes:\n  a: {reminder_emails_enabled: false}\n")
    assert run_reconciler("apply", str(path), "--auto-approve").exit_code == 0

    assert [(a["status"], a["applied"], a["failed"]) for a in applies(path)] == [
        ("nothing-to-do", 0, 0),
        ("refused", 0, 0),
        ("partly-failed", 1, 1),
        ("applied", 1, 0),
    ]
    assert "deletes 1 object(s) (institute.a)" in str(applies(path)[1]["refusals"])


COMMAND_PLUGIN = """
import click
from reconciler import hookimpl

@hookimpl
def reconciler_add_commands(cli):
    cli.add_command(click.Command("hello", callback=lambda: click.echo("hello from mine")))
"""


@pytest.fixture
def with_command(write_config: Callable[..., Path]) -> Path:
    return write_config(
        {
            "reconciler.toml": '[plugins]\nlocal = ["mine.py"]\n',
            "mine.py": COMMAND_PLUGIN,
            "i.yaml": "institutes: {}\n",
        }
    )


def test_a_local_plugin_adds_a_command_inside_its_project(
    with_command: Path, run_reconciler: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    named = run_reconciler("--config", str(with_command), "hello")
    assert (named.exit_code, named.stdout) == (0, "hello from mine\n"), named.stderr

    monkeypatch.chdir(with_command)
    assert run_reconciler("hello").stdout == "hello from mine\n"
    # Registered for that run only: elsewhere the command does not exist.
    monkeypatch.chdir(tmp_path)
    outside = run_reconciler("hello")
    assert outside.exit_code == 1
    assert "No such command 'hello'" in outside.stderr


KIND_PLUGIN = """
from reconciler import ResourceKind, hookimpl

@hookimpl
def reconciler_resource_kinds():
    schema = {"type": "object", "properties": {"size": {"type": "integer"}}}
    return [ResourceKind(name="widget", section="widgets", provider="none", schema=schema,
                         identity="slug")]

@hookimpl
def reconciler_settings_schema():
    return {"type": "object", "properties": {"colour": {"type": "string"}},
            "additionalProperties": False}

def reconciler_check_plan(plan, kinds):
    return []

def reconciler_valdiate(state, kinds):
    return []
"""


@pytest.fixture
def with_kind(write_config: Callable[..., Path]) -> Path:
    return write_config(
        {"reconciler.toml": '[plugins]\nlocal = ["widgets.py"]\n', "widgets.py": KIND_PLUGIN}
    )


def test_schema_sees_a_projects_local_kind_and_settings(
    with_kind: Path, run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = run_reconciler("schema", "widget", "--config", str(with_kind / "reconciler.toml"))
    assert named.exit_code == 0, named.stderr
    assert json.loads(named.stdout)["properties"] == {"size": {"type": "integer"}}

    monkeypatch.chdir(with_kind)
    settings = json.loads(run_reconciler("schema", "settings").stdout)
    assert settings["properties"]["plugins"]["properties"]["widgets"]["properties"] == {
        "colour": {"type": "string"}
    }
    assert "widgets" in json.loads(run_reconciler("schema").stdout)["properties"]


def test_schema_outside_a_project_does_not_know_the_kind(
    run_reconciler: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_reconciler("schema", "widget")
    assert result.exit_code == 1
    assert "no schema named 'widget'; choose one of: config, " in result.stderr
    assert ", institute, " in result.stderr
    assert ", settings, " in result.stderr


def test_plugins_lists_local_plugins_and_warns_about_functions_without_hookimpl(
    with_kind: Path, run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(with_kind)
    result = run_reconciler("plugins")
    assert result.exit_code == 0, result.stderr
    assert f"widgets  (local file {with_kind / 'widgets.py'})" in result.stdout
    assert "contributes: kind:widget, settings:[plugins.widgets]" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert warnings == [
        f"Warning: plugin 'widgets' (local file {with_kind / 'widgets.py'}):"
        " reconciler_check_plan has no @hookimpl, so it is never called; decorate it with"
        " @hookimpl (from reconciler import hookimpl)",
        f"Warning: plugin 'widgets' (local file {with_kind / 'widgets.py'}):"
        " reconciler_valdiate has no @hookimpl, so it is never called; decorate it with"
        " @hookimpl (from reconciler import hookimpl); did you mean 'reconciler_validate'?",
    ]
