"""``reconciler doctor`` against sandboxes over real sockets: it passes on a sound tenant, and
names the fault and its fix for each broken one."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reconciler.documents.doctor import DOCTOR_SCHEMA
from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Sandbox

Start = Callable[..., Sandbox]
Run = Callable[..., CliResult]

SEED = [
    {"name": "ProctorExam", "short_name": "pe", "custom_languages": ["no-NO"]},
    {"name": "Other", "short_name": "other"},
]


@pytest.fixture
def doctor(
    run_reconciler: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., tuple[CliResult, dict[str, Any]]]:
    """Run ``doctor --format json`` against a sandbox; the result and the parsed document."""
    monkeypatch.chdir(tmp_path)  # no reconciler.toml of the repository's

    def run(
        sandbox: Sandbox,
        *args: str,
        token: str = DEFAULT_TOKEN,
        secret: str = DEFAULT_SECRET,
        base_url: str | None = None,
    ) -> tuple[CliResult, dict[str, Any]]:
        monkeypatch.setenv("PROCTOREXAM_BASE_URL", base_url or sandbox.base_url)
        monkeypatch.setenv("PROCTOREXAM_API_TOKEN", token)
        monkeypatch.setenv("PROCTOREXAM_SECRET_KEY", secret)
        result = run_reconciler("doctor", "--format", "json", *args)
        document = json.loads(result.stdout)
        jsonschema.validate(document, DOCTOR_SCHEMA)  # what schemas/doctor.schema.json says
        return result, document

    return run


def steps_of(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in document["steps"]}


def test_doctor_passes_on_the_default_sandbox_with_only_gets(
    proctorexam_sandbox_factory: Start, doctor: Any
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    result, document = doctor(sandbox)
    assert result.exit_code == 0, result.stdout
    steps = steps_of(document)
    assert list(steps) == ["base URL", "credentials", "clock", "pagination", "typed values"]
    assert {s["status"] for s in steps.values()} == {"passed"}
    assert "2 institute(s)" in steps["pagination"]["detail"]
    assert "the reading is confirmed" in steps["typed values"]["detail"]
    assert {r.method for r in sandbox.requests} == {"GET"}


def test_the_text_report_lists_each_step_and_a_summary(
    proctorexam_sandbox_factory: Start, run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    result = run_reconciler("doctor")
    assert result.exit_code == 0
    assert "  passed  credentials: the API token and the signature" in result.stdout
    assert result.stdout.endswith("Doctor: 5 passed, 0 failed, 0 inconclusive.\n")


def _failed(document: dict[str, Any], name: str) -> dict[str, Any]:
    step = steps_of(document)[name]
    assert step["status"] == "failed", step
    return step


def test_a_wrong_secret(proctorexam_sandbox_factory: Start, doctor: Any) -> None:
    result, document = doctor(proctorexam_sandbox_factory(seed=SEED), secret="not-the-secret")
    assert result.exit_code == 1
    step = _failed(document, "credentials")
    assert "the token is known but the signature is refused" in step["detail"]
    assert "check PROCTOREXAM_SECRET_KEY" in step["fix"]
    assert steps_of(document)["typed values"]["detail"].startswith("not checked")


def test_an_unknown_token(proctorexam_sandbox_factory: Start, doctor: Any) -> None:
    result, document = doctor(proctorexam_sandbox_factory(seed=SEED), token="nobody-knows-me")
    assert result.exit_code == 1
    step = _failed(document, "credentials")
    assert "the token is not known" in step["detail"]
    assert "check PROCTOREXAM_API_TOKEN" in step["fix"]


def test_a_user_who_is_not_a_superuser(proctorexam_sandbox_factory: Start, doctor: Any) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    sandbox.add_user("admin-token", "admin-secret", institute_id=1)
    result, document = doctor(sandbox, token="admin-token", secret="admin-secret")
    assert result.exit_code == 1
    step = _failed(document, "credentials")
    assert "refuses to list institutes (403" in step["detail"]
    assert "needs a Premium superuser" in step["fix"]


def test_a_timestamp_window_of_zero(proctorexam_sandbox_factory: Start, doctor: Any) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED, timestamp_window=0)
    result, document = doctor(sandbox)
    assert result.exit_code == 1
    step = _failed(document, "credentials")
    assert "its timestamp is not accepted" in step["detail"]
    assert "synchronise this machine's clock" in step["fix"]


def test_a_server_clock_ten_minutes_ahead(proctorexam_sandbox_factory: Start, doctor: Any) -> None:
    result, document = doctor(proctorexam_sandbox_factory(seed=SEED, clock_offset=600))
    assert result.exit_code == 1
    clock = _failed(document, "clock")
    assert "warning: this machine's clock is" in clock["detail"]
    assert "behind the service's" in clock["detail"]
    assert "its timestamp is not accepted" in _failed(document, "credentials")["detail"]


def test_a_base_url_without_api_v3(proctorexam_sandbox_factory: Start, doctor: Any) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    root = sandbox.base_url.removesuffix("/api/v3")
    result, document = doctor(sandbox, base_url=root)
    assert result.exit_code == 1
    step = _failed(document, "base URL")
    assert "not ending in /api/v3" in step["detail"]
    assert step["fix"].startswith("set PROCTOREXAM_BASE_URL (or base_url under")
    assert f"to {sandbox.base_url} " in step["fix"]
    assert [r.path for r in sandbox.requests] == ["/institutes"]  # one GET, then it stopped


def test_a_base_url_that_does_not_answer(doctor: Any, proctorexam_sandbox_factory: Start) -> None:
    sandbox = proctorexam_sandbox_factory()
    url = sandbox.base_url
    sandbox.stop()
    result, document = doctor(sandbox, base_url=url)
    assert result.exit_code == 1
    assert "does not answer: could not connect" in _failed(document, "base URL")["detail"]


@pytest.mark.parametrize(("server", "client"), [("json", "ruby"), ("ruby", "json")])
def test_a_server_that_renders_lists_the_other_way(
    proctorexam_sandbox_factory: Start,
    doctor: Any,
    tmp_path: Path,
    server: str,
    client: str,
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED, list_rendering=server)
    (tmp_path / "reconciler.toml").write_text(
        f'[providers.proctorexam]\nlist_rendering = "{client}"\n'
    )
    result, document = doctor(sandbox)
    assert result.exit_code == 1
    step = _failed(document, "typed values")
    assert f'signed as list_rendering = "{client}" is refused' in step["detail"]
    assert f'signed as "{server}" it is accepted' in step["detail"]
    assert step["fix"] == f'set list_rendering = "{server}" under [providers.proctorexam].'
    assert steps_of(document)["credentials"]["status"] == "passed"

    (tmp_path / "reconciler.toml").write_text(
        f'[providers.proctorexam]\nlist_rendering = "{server}"\n'
    )
    result, document = doctor(sandbox)
    assert result.exit_code == 0
    assert f'(list_rendering = "{server}")' in steps_of(document)["typed values"]["detail"]


def test_with_a_config_the_managed_fields_are_read_back(
    proctorexam_sandbox_factory: Start, doctor: Any, write_config: Callable[..., Path]
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=[{**SEED[0], "session_retention_period": 6}])
    path = write_config(
        {
            "institutes.yaml": """
            institutes:
              pe:
                custom_languages: [no-NO]
                session_retention_period: 6
                reminder_emails_enabled: true
            """
        }
    )
    result, document = doctor(sandbox, str(path))
    assert result.exit_code == 0, result.stdout
    step = steps_of(document)["managed fields"]
    assert step == {
        "provider": "proctorexam",
        "name": "managed fields",
        "status": "passed",
        "detail": "read back from institute 'pe': 3 managed field(s) in the expected shapes.",
        "fix": None,
    }


def test_a_field_in_a_surprising_shape_is_reported(
    proctorexam_sandbox_factory: Start, doctor: Any, write_config: Callable[..., Path]
) -> None:
    seed = [{**SEED[0], "custom_languages": "fr,nl", "global_proctor": "yes"}]
    sandbox = proctorexam_sandbox_factory(seed=seed)
    path = write_config(
        {
            "institutes.yaml": "institutes:\n  pe:\n    custom_languages: [fr-FR]\n"
            "    global_proctor: true\n    name: ProctorExam\n"
        }
    )
    result, document = doctor(sandbox, str(path))
    assert result.exit_code == 1
    step = _failed(document, "managed fields")
    assert "custom_languages is a string, where a list is expected" in step["detail"]
    assert "global_proctor is a string, where true or false is expected" in step["detail"]
    assert "fr,nl" not in step["detail"]  # shapes, never values


def test_the_write_probe_sends_one_no_op_update(
    proctorexam_sandbox_factory: Start, doctor: Any
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    before = sandbox.institutes()
    result, document = doctor(sandbox, "--write-probe", "pe")
    assert result.exit_code == 0, result.stdout
    step = steps_of(document)["write probe"]
    assert step["status"] == "passed"
    assert 'update_method = "PATCH"' in step["detail"]
    writes = [r for r in sandbox.requests if r.method != "GET"]
    assert [(r.method, r.path, r.status) for r in writes] == [
        ("PATCH", "/api/v3/institutes/1", 200)
    ]
    after = sandbox.institutes()
    assert [{**i, "updated_at": None} for i in after] == [{**i, "updated_at": None} for i in before]


def test_the_write_probe_tells_the_update_verb(
    proctorexam_sandbox_factory: Start, doctor: Any
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED, update_method="PUT")
    result, document = doctor(sandbox, "--write-probe", "pe")
    assert result.exit_code == 1
    step = _failed(document, "write probe")
    assert "PATCH /institutes/1 (pe)" in step["detail"]
    assert "was refused (405" in step["detail"]
    assert "the service updates institutes with PUT" in step["detail"]
    assert step["fix"] == 'set update_method = "PUT" under [providers.proctorexam].'


def test_the_write_probe_of_an_unknown_institute_sends_nothing(
    proctorexam_sandbox_factory: Start, doctor: Any
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    result, document = doctor(sandbox, "--write-probe", "nope")
    assert result.exit_code == 1
    assert "no institute with the short_name 'nope'" in _failed(document, "write probe")["detail"]
    assert {r.method for r in sandbox.requests} == {"GET"}


@pytest.mark.parametrize("verbosity", [[], ["-v"], ["-vv"], ["--log-level", "DEBUG"]])
@pytest.mark.parametrize("secret", ["the-right-secret-9f3a", "a-wrong-secret-7c1e"])
def test_no_credential_appears_in_the_output(
    proctorexam_sandbox_factory: Start,
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    verbosity: list[str],
    secret: str,
) -> None:
    token = "a-token-8b2d-never-shown"
    sandbox = proctorexam_sandbox_factory(seed=SEED, users=[])
    sandbox.add_user(token, "the-right-secret-9f3a")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PROCTOREXAM_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("PROCTOREXAM_API_TOKEN", token)
    monkeypatch.setenv("PROCTOREXAM_SECRET_KEY", secret)
    for fmt in ("text", "json"):
        result = run_reconciler(*verbosity, "doctor", "--format", fmt, "--write-probe", "pe")
        assert result.exit_code in (0, 1)
        printed = result.stdout + result.stderr
        assert "proctorexam" in printed
        for credential in (token, secret, "the-right-secret-9f3a"):
            assert credential not in printed


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_write_probe_asks_first_on_a_terminal(
    proctorexam_sandbox_factory: Start,
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED)
    monkeypatch.chdir(tmp_path)
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stdin", _Terminal("no\n"))
    refused = run_reconciler("doctor", "--write-probe", "pe")
    assert refused.exit_code == 1
    assert "sends one update to 'pe'" in refused.stdout
    assert "Write probe cancelled; nothing was sent." in refused.stderr
    assert sandbox.requests == []

    monkeypatch.setattr("sys.stdin", _Terminal("yes\n"))
    accepted = run_reconciler("doctor", "--write-probe", "pe")
    assert accepted.exit_code == 0, accepted.stdout
    assert [r.method for r in sandbox.requests].count("PATCH") == 1


def test_a_signature_refused_with_403_still_confirms_the_reading(
    proctorexam_sandbox_factory: Start, doctor: Any
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=SEED, signature_status=403)
    result, document = doctor(sandbox)
    assert result.exit_code == 0, result.stdout
    detail = steps_of(document)["typed values"]["detail"]
    assert "the reading is confirmed" in detail
    assert "(403: You are not authorized to access this page.)" in detail


USERS_SEED: dict[str, Any] = {
    "institutes": [{"id": 1, "name": "Utrecht University", "short_name": "uu"}],
    "identity_providers": [{"id": 7, "name": "UU SAML"}],
    "users": [{"id": 4, "institute_id": 1, "email": "alice@uu.example", "api_token": "t-4f1"}],
}

USERS_YAML = """
users:
  alice@uu.example:
    institute: uu
    role: teacher
    receives_reports: true
    identity_provider: UU SAML
"""


def test_with_users_one_user_is_read_back_and_its_pages_fields_named(
    proctorexam_sandbox_factory: Start, doctor: Any, write_config: Callable[..., Path]
) -> None:
    sandbox = proctorexam_sandbox_factory(seed=USERS_SEED)
    result, document = doctor(sandbox, str(write_config({"users.yaml": USERS_YAML})))
    assert result.exit_code == 0, result.stdout
    step = steps_of(document)["user fields"]
    assert step["status"] == "passed"
    assert (
        "the list (GET /institutes/:institute_id/users) carries identity_provider, role; the"
        " user's page (GET /institutes/:institute_id/users/:id) adds receives_reports"
    ) in step["detail"]
    assert "t-4f1" not in result.stdout
    assert {r.method for r in sandbox.requests} == {"GET"}
    assert "/api/v3/institutes/1/users/4" in [r.path for r in sandbox.requests]


def test_a_report_setting_no_user_page_carries_fails_before_the_first_apply(
    proctorexam_sandbox_factory: Start, doctor: Any, write_config: Callable[..., Path]
) -> None:
    from reconciler_proctorexam.sandbox import Quirks

    sandbox = proctorexam_sandbox_factory(
        seed=USERS_SEED, quirks=Quirks.of(omit_from_show=["receives_reports"])
    )
    result, document = doctor(sandbox, str(write_config({"users.yaml": USERS_YAML})))
    assert result.exit_code == 1, result.stdout
    step = steps_of(document)["user fields"]
    assert step["status"] == "failed"
    assert "neither returns receives_reports." in step["detail"]
    assert "stop managing those fields" in step["fix"]
