"""Credentials are never configuration; a value read through ``${env:…}`` shows its template.

``${env:NAME}`` never reads the tool's own credentials (``PROCTOREXAM_*``) nor any variable a
provider declares as one; ``[env] allow`` narrows what may be read. A value built from the
environment is shown in every plan format as written, with its variables' names, and it
never goes into a snapshot.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from reconciler import Provider, ProviderContext, hookimpl
from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Sandbox

Run = Callable[..., CliResult]
Write = Callable[..., Path]
Aim = Callable[..., Sandbox]

HOOK_KEY = "hook-key-5c0ffee1d"
TEMPLATE = "https://hooks.example/cb?k=${env:HOOK_KEY}"
CONFIG = f"""
institutes:
  pe:
    name: ProctorExam
    callback_url: "{TEMPLATE}"
"""


def test_the_tools_own_credentials_are_never_read(
    aimed_at: Aim, write_config: Write, run_reconciler: Run
) -> None:
    sandbox = aimed_at()
    path = write_config(
        {
            "i.yaml": """
            institutes:
              pe:
                name: "${env:PROCTOREXAM_API_TOKEN}"
                callback_url: "https://x.example/?s=${env:PROCTOREXAM_SECRET_KEY}"
            """
        }
    )
    for command in ("validate", "plan"):
        result = run_reconciler(command, str(path))
        assert result.exit_code == 1, result.stdout
        assert (
            "i.yaml:3:11: institutes.pe.name: ${env:PROCTOREXAM_API_TOKEN}: PROCTOREXAM_API_TOKEN"
            " holds one of the tool's own credentials (PROCTOREXAM_*), which a configuration"
            " may never read" in result.stderr
        )
        assert "i.yaml:4:19: institutes.pe.callback_url: ${env:PROCTOREXAM_SECRET_KEY}" in (
            result.stderr
        )
        for secret in (DEFAULT_TOKEN, DEFAULT_SECRET):
            assert secret not in result.stdout + result.stderr
    assert sandbox.requests == []


class _AcmePlugin:
    """A provider of no kind whose credential lives in ACME_*."""

    @hookimpl
    def reconciler_providers(self) -> Sequence[Provider]:
        def connect(context: ProviderContext) -> contextlib.AbstractAsyncContextManager[Any]:
            @contextlib.asynccontextmanager
            async def never() -> AsyncIterator[Any]:
                raise AssertionError("not connected in this test")
                yield

            return never()

        return [Provider("acme", (), connect, credential_variables=("ACME_*",))]


def test_a_variable_a_provider_declares_as_a_credential_is_never_read(
    write_config: Write, run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_TOKEN", "acme-token-771")
    path = write_config({"i.yaml": "institutes:\n  pe: {name: '${env:ACME_TOKEN}'}\n"})
    assert run_reconciler("validate", str(path)).exit_code == 0  # without the plugin: fine
    result = run_reconciler("validate", str(path), plugins=[("acme", _AcmePlugin())])
    assert result.exit_code == 1
    assert (
        "i.yaml:2:14: institutes.pe.name: ${env:ACME_TOKEN}: ACME_TOKEN holds one of the"
        " tool's own credentials (ACME_*)" in result.stderr
    )
    assert "acme-token-771" not in result.stderr


def test_env_allow_restricts_what_a_configuration_reads(
    write_config: Write, run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME_DIR_SECRET", "x")
    path = write_config(
        {
            "reconciler.toml": '[env]\nallow = ["PE_*", "HOOK_KEY"]\n',
            "i.yaml": """
            institutes:
              pe:
                name: "${env:PE_NAME}"
                callback_url: "${env:HOOK_KEY}"
                tawk_url: "${env:HOME_DIR_SECRET}"
            """,
        }
    )
    result = run_reconciler("validate", str(path))
    assert result.exit_code == 1
    lines = [line.strip() for line in result.stderr.splitlines()[1:]]
    assert lines == [
        f"{path}/i.yaml:5:15: institutes.pe.tawk_url: ${{env:HOME_DIR_SECRET}}: HOME_DIR_SECRET"
        f" is not among the variables this project may read ({path}/reconciler.toml:2:1:"
        " 'PE_*', 'HOOK_KEY'); add a pattern that matches it, or use an allowed variable"
    ]
    wrong = write_config({"reconciler.toml": '[env]\nallow = "PE_*"\n'})
    result = run_reconciler("validate", str(wrong))
    assert result.exit_code == 1
    assert "reconciler.toml:2:1: env.allow must be a list of strings" in result.stderr


def test_a_value_built_from_the_environment_shows_its_template_in_every_format(
    aimed_at: Aim,
    write_config: Write,
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    aimed_at(seed=[{"id": 1, "short_name": "pe", "name": "ProctorExam"}])
    monkeypatch.setenv("HOOK_KEY", HOOK_KEY)
    path = write_config({"i.yaml": CONFIG})
    shown = {
        "text": f'~ callback_url: (sensitive) -> "{TEMPLATE}"',
        "github": f'~ callback_url: (sensitive) -> "{TEMPLATE}"',
        "markdown": f'| `callback_url` | `(sensitive)` | `"{TEMPLATE}"` |',
        "html": "<code>&quot;https://hooks.example/cb?k=${env:HOOK_KEY}&quot;</code>",
    }
    for fmt, expected in shown.items():
        result = run_reconciler("plan", str(path), "--format", fmt)
        assert result.exit_code == 0, result.stderr
        assert expected in result.stdout, (fmt, result.stdout)
        assert HOOK_KEY not in result.stdout + result.stderr
    doc = json.loads(run_reconciler("plan", str(path), "--format", "json").stdout)
    assert doc["changes"][0]["fields"] == [
        {
            "name": "callback_url",
            "sensitive": True,
            "location": {"file": f"{path}/i.yaml", "line": 4, "column": 5},
            "template": TEMPLATE,
        }
    ]
    drift = run_reconciler("drift", str(path))
    assert f'declared "{TEMPLATE}", live (sensitive)' in drift.stdout

    plan_file = tmp_path / "plan.json"
    assert run_reconciler("plan", str(path), "--out", str(plan_file)).exit_code == 0
    assert HOOK_KEY not in plan_file.read_text()


def test_a_value_read_from_the_environment_never_goes_into_a_snapshot(
    aimed_at: Aim,
    write_config: Write,
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sandbox = aimed_at(seed=[{"id": 1, "short_name": "pe", "name": "ProctorExam"}])
    monkeypatch.setenv("HOOK_KEY", HOOK_KEY)
    path = write_config({"i.yaml": CONFIG})
    assert run_reconciler("apply", str(path), "--auto-approve").exit_code == 0
    assert sandbox.institutes()[0]["callback_url"] == TEMPLATE.replace("${env:HOOK_KEY}", HOOK_KEY)
    snap = tmp_path / "live.json"
    assert run_reconciler("snapshot", str(path), "--output", str(snap)).exit_code == 0
    text = snap.read_text()
    assert HOOK_KEY not in text
    assert "callback_url" not in text
    (pe,) = json.loads(text)["kinds"]["institute"]
    assert pe["fields"]["name"] == "ProctorExam"

    # Planned against it: the field is not compared, never a phantom change.
    plan = run_reconciler("plan", str(path), "--live", str(snap), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout + plan.stderr
    assert "institute.pe.callback_url: not compared: the live state read holds no value" in (
        plan.stdout
    )


def test_a_live_value_read_from_the_environment_stays_out_of_saved_plans_and_refusals(
    aimed_at: Aim,
    write_config: Write,
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sandbox = aimed_at(seed=[{"id": 1, "short_name": "pe", "name": "ProctorExam"}])
    monkeypatch.setenv("HOOK_KEY", HOOK_KEY)
    path = write_config({"i.yaml": CONFIG})
    assert run_reconciler("apply", str(path), "--auto-approve").exit_code == 0
    # Another field changes: the saved plan keeps the object as it was, but not that value.
    write_config({"i.yaml": CONFIG.replace("name: ProctorExam", "name: ProctorExam B.V.")})
    plan_file = tmp_path / "plan.json"
    assert run_reconciler("plan", str(path), "--out", str(plan_file)).exit_code == 0
    assert HOOK_KEY not in plan_file.read_text()
    # The key rotates on the service meanwhile: the refusal says what moved, never the value.
    rotated = "rotated-key-9e8d7c6b"
    sandbox.update_institute(1, {"callback_url": f"https://hooks.example/cb?k={rotated}"})
    refused = run_reconciler("apply", str(plan_file))
    assert refused.exit_code == 3, refused.stderr
    assert "institute.pe" in refused.stderr
    for secret in (HOOK_KEY, rotated):
        assert secret not in refused.stdout + refused.stderr
