"""No output line is a GitHub Actions workflow command unless the tool wrote it as one.

Hostile text arrives from every side: a YAML key, a file name, values the service returns (an
institute's name, an unmanaged short_name, an identity provider's name) and a plugin's
message. Each holds line breaks (LF and CR, as the runner splits lines) followed by
``::add-mask::``, ``::error::``, ``::warning::`` and ``##[error]``. Every command, format and
error path is run, and every line of what it prints is read as the runner would read it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from reconciler import Plan, Refusal, ResourceKind, hookimpl
from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]

HOSTILE = "x\n::add-mask::PWN\r::error::PWN\n  ::warning::PWN\n##[error]PWN\r\n::stop-commands::PWN"
FORGED = ("::add-mask", "::error::PWN", "::warning::PWN", "##[error]PWN", "::stop-commands")
#: How the output guard escapes what it had to stop: seen only when a quoted text kept its
#: line break on the way out.
GUARDED = ("\\x3a", "\\x23")

SEED: dict[str, Any] = {
    "institutes": [
        {"id": 1, "short_name": "a", "name": "Alpha" + HOSTILE},
        {"id": 2, "short_name": "un" + HOSTILE, "name": "Unmanaged"},
    ],
    "identity_providers": [{"id": 7, "name": "SSO" + HOSTILE, "issuer": "https://idp.example"}],
    "users": [],
}


def _runner_lines(text: str) -> list[str]:
    """Lines as the runner reads them: it ends a line at CR, LF or CRLF."""
    return re.split(r"\r\n|\r|\n", text)


def assert_no_forged_command(result: CliResult, where: str) -> None:
    for line in _runner_lines(result.stdout + result.stderr):
        start = line.lstrip()
        assert not start.startswith(FORGED), f"{where}: a forged command: {line!r}"
        # Quoted text keeps its line breaks escaped: the guard had nothing to stop.
        assert not start.startswith(GUARDED), f"{where}: a quoted line break: {line!r}"
        if start.startswith("::"):
            assert start.startswith(("::error ", "::error::", "::notice ")), (where, line)
            assert "github" in where, f"{where}: a workflow command outside --format github"


class HostilePolicy:
    """A policy plugin whose refusal message holds hostile lines."""

    @hookimpl
    def reconciler_check_plan(
        self, plan: Plan, kinds: dict[str, ResourceKind]
    ) -> Sequence[Refusal]:
        return [Refusal("no" + HOSTILE, plugin="hostile", address="institute.a")]


@pytest.fixture
def hostile(
    aimed_at: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Sandbox, Path]:
    monkeypatch.chdir(tmp_path)
    sandbox = aimed_at(seed=SEED)
    config = tmp_path / "config"
    config.mkdir()
    (config / "i.yaml").write_text("institutes:\n  a: {name: Alpha}\n", encoding="utf-8")
    return sandbox, config


FORMATS = ["text", "json", "markdown", "html", "github"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_live_values_and_plugin_messages_never_forge_a_command(
    hostile: tuple[Sandbox, Path], run_reconciler: Run, fmt: str
) -> None:
    _sandbox, config = hostile
    runs = [("plan", str(config), "--format", fmt)]
    if fmt != "github":  # drift has no github format
        runs.append(("drift", str(config), "--format", fmt))
    for args in runs:
        result = run_reconciler(*args)
        assert result.exit_code in (0, 2), result.stderr
        assert_no_forged_command(result, " ".join(args))
        assert not any(line.lstrip().startswith(GUARDED) for line in _runner_lines(result.stdout))
    refused = run_reconciler(
        "plan", str(config), "--format", fmt, plugins=[("hostile", HostilePolicy())]
    )
    assert refused.exit_code == 3
    assert_no_forged_command(refused, f"plan --format {fmt} refused")


def test_apply_snapshot_export_and_users_never_forge_a_command(
    hostile: tuple[Sandbox, Path], run_reconciler: Run, tmp_path: Path
) -> None:
    sandbox, config = hostile
    (config / "u.yaml").write_text(
        "users:\n  u@a.example: {institute: a, name: U, role: teacher, identity_provider: nope}\n",
        encoding="utf-8",
    )
    for args in (
        ("-vv", "plan", str(config)),
        ("snapshot", str(config), "--output", "live.json"),
        ("export", str(tmp_path / "export")),
        ("-vv", "apply", str(config), "--auto-approve"),
        ("doctor", str(config)),
        ("doctor", str(config), "--format", "json"),
    ):
        result = run_reconciler(*args)
        assert_no_forged_command(result, " ".join(args))
    (config / "u.yaml").unlink()
    applied = run_reconciler("-vv", "apply", str(config), "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    assert_no_forged_command(applied, "apply")
    assert {i["short_name"]: i["name"] for i in sandbox.institutes()}["a"] == "Alpha"


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_yaml_keys_and_file_names_never_forge_a_command(
    write_config: Callable[..., Path], run_reconciler: Run, fmt: str
) -> None:
    key = '"k' + HOSTILE.replace("\n", "\\n").replace("\r", "\\r") + '"'
    path = write_config(
        {
            "keys.yaml": f"institutes:\n  {key}: {{name: 1}}\n  b: {{{key}: 2}}\n",
            "f" + HOSTILE.replace("\r", "") + ".yaml": "institutes: [not, a, mapping]\n",
        }
    )
    for command in ("validate", "plan"):
        result = run_reconciler(command, str(path), "--format", fmt)
        assert result.exit_code == 1
        assert_no_forged_command(result, f"{command} --format {fmt}")


class LoudPlugin:
    """A plugin that prints hostile text itself, on both streams."""

    @hookimpl
    def reconciler_after_report(self, report: object, refusals: object) -> None:
        import sys

        print("heartbeat" + HOSTILE)
        print("heartbeat" + HOSTILE, file=sys.stderr)


def test_what_a_plugin_prints_itself_is_escaped_by_the_guard(
    hostile: tuple[Sandbox, Path], run_reconciler: Run
) -> None:
    _sandbox, config = hostile
    result = run_reconciler("plan", str(config), plugins=[("loud", LoudPlugin())])
    assert result.exit_code == 0, result.stderr
    lines = _runner_lines(result.stdout + result.stderr)
    assert not any(line.lstrip().startswith(FORGED) for line in lines)
    assert "\\x3a:add-mask::PWN" in lines
    assert "  \\x3a:warning::PWN" in lines
    assert "\\x23#[error]PWN" in lines


@pytest.mark.parametrize("where", ["tenant", "snapshot host", "project path", "identity"])
def test_a_saved_plans_own_text_never_forges_a_command(
    hostile: tuple[Sandbox, Path], run_reconciler: Run, tmp_path: Path, where: str
) -> None:
    import json

    _sandbox, _config = hostile
    made = run_reconciler("plan", "config", "--out", "plan.json")
    assert made.exit_code == 0, made.stderr
    plan_file = tmp_path / "plan.json"
    doc = json.loads(plan_file.read_text())
    if where == "tenant":
        doc["tenants"]["proctorexam"] += HOSTILE
    elif where == "snapshot host":
        doc["snapshot"] = {"taken_at": "2026-01-01T00:00:00Z", "host": "ci" + HOSTILE}
    elif where == "project path":
        doc["project"]["path"] = "config" + HOSTILE
    else:
        doc["plan"]["changes"][0]["identity"] += HOSTILE
    plan_file.write_text(json.dumps(doc))
    result = run_reconciler("-vv", "apply", "plan.json")
    assert result.exit_code in (0, 1, 3), result.stderr  # a snapshot's host is not checked
    assert_no_forged_command(result, f"apply with a hostile {where}")


class FailingPlugin:
    """A plugin whose hook raises with hostile text in its message."""

    @hookimpl
    def reconciler_check_plan(
        self, plan: Plan, kinds: dict[str, ResourceKind]
    ) -> Sequence[Refusal]:
        raise ValueError("broke" + HOSTILE)


def test_a_plugins_error_and_the_services_answers_never_forge_a_command(
    hostile: tuple[Sandbox, Path], run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gateway import gateway

    sandbox, config = hostile
    for verbosity in ([], ["-v"]):
        failed = run_reconciler(*verbosity, "plan", str(config), plugins=[("bad", FailingPlugin())])
        assert failed.exit_code == 1
        assert_no_forged_command(failed, f"{verbosity} plan with a failing plugin")

    body = (
        '{"errors": {"name": ["is bad' + HOSTILE.replace("\n", "\\n").replace("\r", "\\r") + '"]}}'
    )

    def answer(method: str, path: str) -> tuple[int, str, bytes] | None:
        if method == "GET":
            return None
        return (422, "application/json", body.encode())

    with gateway(sandbox.base_url, answer) as url:
        monkeypatch.setenv("PROCTOREXAM_BASE_URL", url)
        for verbosity in ([], ["-vv"]):
            result = run_reconciler(*verbosity, "apply", str(config), "--auto-approve")
            assert result.exit_code != 0
            assert "is bad" in result.stderr
            assert_no_forged_command(result, f"{verbosity} apply answered 422")
