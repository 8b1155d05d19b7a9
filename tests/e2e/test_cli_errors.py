"""Bad input and bad credentials: a located message, the right exit code, nothing sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reconciler import fastjson, fastschema
from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"i.yaml": "institutes:\n  pe: {name: [unclosed\n"}, "i.yaml:"),
        ({"i.yaml": "institutes:\n  pe:\n    name: A\n    name: B\n"}, "i.yaml:4:5:"),
        ({"i.yaml": "institutes:\n  pe:\n    reminder_email_enabled: true\n"}, "i.yaml:3:5:"),
        ({"i.yaml": "institutes:\n  pe:\n    global_proctor: maybe\n"}, "i.yaml:3:"),
        ({"i.yaml": "institutes:\n  pe:\n    default_exam_languages: fr\n"}, "default_language"),
        (
            {"i.yaml": "institutes:\n  pe: {callback_url: '${env:PROCTOREXAM_SECRET_KEY}'}\n"},
            "i.yaml:2:22: institutes.pe.callback_url: ${env:PROCTOREXAM_SECRET_KEY}",
        ),
        (
            {
                "a.yaml": "institutes:\n  pe: {name: A}\n",
                "b.yaml": "institutes:\n  pe: {name: B}\n",
            },
            "b.yaml:2:3:",
        ),
        ({"i.yaml": "institutes:\n  a: {name: Same}\n  b: {name: Same}\n"}, "i.yaml:3:"),
        ({"i.yaml": ""}, "i.yaml"),
    ],
    ids=[
        "syntax",
        "duplicate-key",
        "unknown-field",
        "wrong-type",
        "deprecated",
        "credential-env",
        "two-files",
        "same-name",
        "empty",
    ],
)
def test_bad_input_is_located_and_sends_nothing(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Any],
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str],
    expected: str,
) -> None:
    monkeypatch.delenv("NOPE_UNSET", raising=False)
    sandbox = aimed_at()
    path = write_config(files)
    for command in ("validate", "plan", "apply"):
        result = run_reconciler(
            command, str(path), *(["--auto-approve"] if command == "apply" else [])
        )
        assert result.exit_code == 1, (command, result.stdout)
        assert expected in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert sandbox.requests == []


def test_a_wrong_secret_is_a_clear_error_without_the_secret(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Any],
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aimed_at()
    monkeypatch.setenv("PROCTOREXAM_SECRET_KEY", "not-the-secret-4711")
    path = write_config({"i.yaml": "institutes:\n  pe: {name: PE}\n"})
    result = run_reconciler("plan", str(path))
    assert result.exit_code == 1
    assert "PROCTOREXAM_SECRET_KEY" in result.stderr
    assert "not-the-secret-4711" not in result.stdout + result.stderr


def test_missing_credentials_name_the_variables(
    write_config: Callable[..., Any], run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PROCTOREXAM_BASE_URL", "PROCTOREXAM_API_TOKEN", "PROCTOREXAM_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    path = write_config({"i.yaml": "institutes:\n  pe: {name: PE}\n"})
    result = run_reconciler("plan", str(path))
    assert result.exit_code == 1
    assert "PROCTOREXAM_BASE_URL" in result.stderr


def test_unknown_format_and_usage_errors_exit_1(
    write_config: Callable[..., Any], run_reconciler: Run
) -> None:
    path = write_config({"i.yaml": "institutes:\n  pe: {name: PE}\n"})
    result = run_reconciler("plan", str(path), "--format", "yaml")
    assert result.exit_code == 1
    formats = "github, gitlab, html, json, markdown, sarif, text"
    assert f"unknown format 'yaml'; installed formats: {formats}" in result.stderr
    assert run_reconciler("plan", "--no-such-flag").exit_code == 1


def test_validate_says_what_it_read(write_config: Callable[..., Any], run_reconciler: Run) -> None:
    path = write_config({"i.yaml": "institutes:\n  pe: {name: PE}\n  uu: {name: UU}\n"})
    result = run_reconciler("validate", str(path))
    assert result.exit_code == 0
    assert "valid: 2 institute(s) in 1 file(s)" in result.stderr


def test_plugins_and_schema_commands(run_reconciler: Run) -> None:
    listed = run_reconciler("plugins")
    assert listed.exit_code == 0
    assert "proctorexam" in listed.stdout
    assert "kind:institute" in listed.stdout
    assert "format:text" in listed.stdout
    assert f"schema validation: {fastschema.ENGINE}" in listed.stdout
    assert f"JSON decoding: {fastjson.ENGINE}" in listed.stdout
    schema = run_reconciler("schema", "institute")
    assert schema.exit_code == 0
    assert '"reminder_emails_enabled"' in schema.stdout
    assert run_reconciler("schema", "nope").exit_code == 1


BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6)
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"institutes:\n  pe:\n    name: Caf\xe9\n", "i.yaml:3:14: not valid UTF-8"),
        (BOMB.encode(), "aliases expand to more than"),
    ],
    ids=["non-utf8", "alias-bomb"],
)
def test_hostile_files_are_refused_before_the_network(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Any],
    run_reconciler: Run,
    content: bytes,
    expected: str,
) -> None:
    sandbox = aimed_at()
    path = write_config({})
    (path / "i.yaml").write_bytes(content)
    result = run_reconciler("plan", str(path))
    assert result.exit_code == 1
    assert expected in result.stderr
    assert sandbox.requests == []


def test_plugins_lists_a_projects_local_plugins(
    write_config: Callable[..., Any], run_reconciler: Run
) -> None:
    path = write_config(
        {
            "reconciler.toml": '[plugins]\nlocal = ["audit.py"]\ndisable = ["reports"]\n',
            "audit.py": "from reconciler import hookimpl\n\n"
            "@hookimpl\ndef reconciler_after_apply(result):\n    pass\n",
        }
    )
    listed = run_reconciler("plugins", str(path))
    assert listed.exit_code == 0, listed.stderr
    assert f"audit  (local file {path / 'audit.py'})" in listed.stdout
    assert "hooks: reconciler_after_apply" in listed.stdout
    assert "reports" not in listed.stdout
