"""Validation is complete before any write: every stage at once, each problem located.

Every test checks the exact ``file:line:col`` of each problem and that the sandbox saw no
request (``validate``), or no write (``plan`` and ``apply``, which must read the live state).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]

SEED = [
    {"id": 1, "short_name": "pe", "name": "ProctorExam"},
    {"id": 7, "short_name": "legacy", "name": "Legacy Campus"},
]


def problems(result: CliResult, path: Path) -> list[str]:
    """The problem lines of an error, with the config directory written as ``config``."""
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: ")
    assert lines[0].endswith("in the configuration:")
    return [line.strip().replace(str(path), "config") for line in lines[1:]]


def test_one_validate_reports_yaml_schema_cross_object_and_settings_problems_at_once(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config(
        {
            "reconciler.toml": "[apply]\nparallelism = 0\n[safety]\nallow_delet = true\n",
            "a.yaml": "institutes:\n  one: {name: Same}\n  two: {name: same}\n",
            "b.yaml": (
                "institutes:\n  three: {name: 3}\n  four: {name: Four, default_language: xx}\n"
            ),
            "c.yaml": "institutes:\n  five: [unclosed\n",
        }
    )
    result = run_reconciler("validate", str(path))
    assert problems(result, path) == [
        "config/a.yaml:3:9: institute 'two' has the same name 'same' as institute 'one' (at"
        " config/a.yaml:2:9); names are unique on ProctorExam (compared without case): rename"
        " one of them. [proctorexam]",
        "config/b.yaml:2:17: institutes.three.name: expected a string, got 3",
        "config/b.yaml:3:22: institute 'four', default_language: 'xx': 'xx' is not an ISO 639-1"
        " language code. [proctorexam]",
        "config/c.yaml:3:1: YAML syntax error: did not find expected ',' or ']' (while parsing a"
        " flow sequence at line 2, column 9)",
        "config/reconciler.toml:2:1: apply.parallelism must be at least 1, not 0",
        "config/reconciler.toml:4:1: safety.allow_delet is not a setting; did you mean"
        " 'allow_delete'? (under [safety]: allow_delete, max_change_share, max_changes,"
        " min_objects, protect, protect_fields)",
    ]
    assert sandbox.requests == []


def test_provider_and_plugin_tables_are_checked_by_their_owners_schemas(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config(
        {
            "reconciler.toml": """
            [providers.proctorexam]
            base_url = "https://acme.proctorexam.com/api/v3"
            timout = 5
            max_retries = -1
            rate_limit = "fast"

            [providers.proctorexm]
            base_url = "https://acme.proctorexam.com/api/v3"

            [plugins]
            local = ["notify.py"]

            [plugins.notify]
            url = 42
            chanel = "#ops"

            [plugins.notfy]
            url = "https://hooks.example"
            """,
            "notify.py": """
            from reconciler import hookimpl

            @hookimpl
            def reconciler_settings_schema():
                return {
                    "type": "object",
                    "properties": {"url": {"type": "string"}, "channel": {"type": "string"}},
                    "additionalProperties": False,
                }
            """,
            "i.yaml": "institutes:\n  pe: {name: ProctorExam}\n",
        }
    )
    result = run_reconciler("validate", str(path))
    assert problems(result, path) == [
        "config/reconciler.toml:3:1: providers.proctorexam.timout is not a setting of provider"
        " 'proctorexam'; did you mean 'timeout'?",
        "config/reconciler.toml:4:1: providers.proctorexam.max_retries: expected at least 0,"
        " got -1",
        "config/reconciler.toml:5:1: providers.proctorexam.rate_limit: expected a number, got"
        " 'fast'",
        "config/reconciler.toml:7:1: [providers.proctorexm]: no provider is named 'proctorexm';"
        " did you mean 'proctorexam'? (providers: proctorexam)",
        "config/reconciler.toml:14:1: plugins.notify.url: expected a string, got 42 [notify]",
        "config/reconciler.toml:15:1: plugins.notify.chanel is not a setting of plugin 'notify';"
        " did you mean 'channel'? [notify]",
        "config/reconciler.toml:17:1: [plugins.notfy]: no plugin is named 'notfy'; did you mean"
        " 'notify'? (plugins: notify, proctorexam, reports)",
    ]
    assert sandbox.requests == []


def test_provider_options_are_range_checked_by_validate_not_at_connect(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config(
        {
            "reconciler.toml": "[providers.proctorexam]\ntimeout = 0\n",
            "i.yaml": "institutes:\n  pe: {name: ProctorExam}\n",
        }
    )
    for command in ("validate", "plan"):
        result = run_reconciler(command, str(path))
        assert problems(result, path) == [
            "config/reconciler.toml:2:1: providers.proctorexam.timeout: expected at least 0.001,"
            " got 0"
        ]
    assert sandbox.requests == []


def test_a_create_without_a_required_field_is_located_before_the_plan_is_shown(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config(
        {
            "i.yaml": """
            institutes:
              pe: {reminder_emails_enabled: true}
              new-campus:
                reminder_emails_enabled: true
            """
        }
    )
    for command in (["plan"], ["apply", "--auto-approve"]):
        result = run_reconciler(*command, str(path))
        assert problems(result, path) == [
            "config/i.yaml:3:3: institute.new-campus does not exist yet and cannot be created"
            " without 'name': the service requires it to create one; add it to the object (or"
            " to defaults:)"
        ]
        assert result.stdout == ""
    assert all(r.method == "GET" for r in sandbox.requests)


def test_a_name_an_unmanaged_institute_holds_is_located_and_names_it(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config({"i.yaml": "institutes:\n  new-campus: {name: legacy  campus}\n"})
    created = run_reconciler("apply", str(path), "--auto-approve")
    assert problems(created, path) == [
        "config/i.yaml:2:16: institute.new-campus.name: cannot create with 'legacy  campus':"
        " the live institute.legacy (ref 7) already has it, and name is unique across the"
        " service; choose another name, or change institute.legacy too",
    ]
    (path / "i.yaml").write_text("institutes:\n  pe:\n    name: LEGACY CAMPUS\n")
    renamed = run_reconciler("plan", str(path))
    assert problems(renamed, path) == [
        "config/i.yaml:3:5: institute.pe.name: cannot rename with 'LEGACY CAMPUS': the live"
        " institute.legacy (ref 7) already has it, and name is unique across the service;"
        " choose another name, or change institute.legacy too",
    ]
    assert all(r.method == "GET" for r in sandbox.requests)


def test_a_name_freed_by_the_same_plan_is_not_taken(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    aimed_at(seed=SEED)
    path = write_config(
        {
            "i.yaml": """
            institutes:
              legacy: {name: Old Legacy}
              new-campus: {name: Legacy Campus}
            """
        }
    )
    result = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert result.exit_code == 2, result.stderr
    assert "Plan: 1 to create, 1 to update, 0 to delete." in result.stdout


def test_yaml_in_a_sub_directory_is_reported_not_skipped(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config(
        {
            "i.yaml": "institutes:\n  pe: {name: ProctorExam}\n",
            "more/campuses.yaml": "institutes:\n  uu: {name: UU}\n",
            "more/deeper/x.yml": "institutes: {}\n",
            ".hidden/ignored.yaml": "not: [yaml",
            "policies/notes.txt": "no yaml here",
        }
    )
    result = run_reconciler("validate", str(path))
    assert problems(result, path) == [
        "config/more/campuses.yaml:1:1: not read: sub-directories of a config directory are not"
        " config; move this file into config itself, or out of it",
        "config/more/deeper/x.yml:1:1: not read: sub-directories of a config directory are not"
        " config; move this file into config itself, or out of it",
    ]
    assert sandbox.requests == []


def test_a_user_to_create_without_a_role_is_located_before_the_plan_is_shown(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config(
        {"u.yaml": "users:\n  new@pe.example:\n    institute: pe\n    name: New Person\n"}
    )
    result = run_reconciler("plan", str(path))
    assert problems(result, path) == [
        "config/u.yaml:2:3: user.new@pe.example does not exist yet and cannot be created"
        " without 'role': the service requires it to create one; add it to the object (or to"
        " defaults:)",
        # Every reason at once: nor could this user sign in.
        "config/u.yaml:2:3: user.new@pe.example does not exist yet and cannot be created: a"
        " new user needs a password or an identity provider to sign in, and this one has"
        " neither: add identity_provider: NAME, or password: ${env:NAME} [proctorexam]",
    ]
    assert result.stdout == ""
    assert all(r.method == "GET" for r in sandbox.requests)


def test_ignore_mistakes_come_with_every_other_settings_problem_each_located(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config(
        {
            "reconciler.toml": """
            [providers.proctorexam]
            timout = 5

            [ignore]
            object = ["institute.legacy-*"]
            fields = ["callback_url"]
            """,
            "i.yaml": "institutes:\n  pe: {name: ProctorExam}\n",
        }
    )
    result = run_reconciler("validate", str(path))
    assert problems(result, path) == [
        "config/reconciler.toml:2:1: providers.proctorexam.timout is not a setting of provider"
        " 'proctorexam'; did you mean 'timeout'?",
        "config/reconciler.toml:5:1: unknown key 'object' in [ignore]; expected fields or"
        " objects. Did you mean 'objects'?",
        "config/reconciler.toml:6:1: ignore.fields must be a table ([ignore.fields]).",
    ]
    assert sandbox.requests == []


def test_ignore_globs_and_fields_are_checked_beside_the_yaml(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SEED)
    path = write_config(
        {
            "reconciler.toml": """
            [ignore]
            objects = ["institute.p*"]
            [ignore.fields]
            "institute.*" = ["calback_url"]
            """,
            "i.yaml": "institutes:\n  pe: {name: ProctorExam}\n  two: {name: 2}\n",
        }
    )
    result = run_reconciler("validate", str(path))
    assert problems(result, path) == [
        "config/i.yaml:3:15: institutes.two.name: expected a string, got 2",
        "config/reconciler.toml:2:12: [ignore] objects: 'institute.p*' matches 1 declared"
        " object(s) (institute.pe); an object is either managed or ignored: narrow the glob, or"
        " remove the object from the configuration",
        "config/reconciler.toml:4:1: [ignore.fields] 'institute.*': 'calback_url' is not a"
        " field of institute",
    ]
    assert sandbox.requests == []
