"""No secret in any output or written file: every command, every format, every verbosity.

The token, the secret key, a write-only value and values read through ``${env:...}`` are random
for each run; every output and every file under the scratch directory is searched for each of
them and for every 8-character piece of them. The commands and formats come from what is
installed, so those added later are covered too; a command this test does not know is run with
the config path and with ``--help``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from gateway import Action, gateway

from reconciler.cli import cli, main
from reconciler.documents import problems as problem_report
from reconciler.plugin.hooks import Hooks
from reconciler.plugin.manager import build_plugin_manager
from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Faults, Sandbox, SandboxUser

Run = Callable[..., CliResult]

TOKEN = "tok" + secrets.token_hex(12)
SECRET = "sec" + secrets.token_hex(12)
TAWK = "tawk" + secrets.token_hex(10)
ENV_URL = "https://hooks.example/" + secrets.token_hex(10)
ENV_LANG = "zz_" + secrets.token_hex(5)  # a bad tag read from the environment
HOOK_KEY = "hk" + secrets.token_hex(10)  # part of a value: the plan shows its template
ALL = (TOKEN, SECRET, TAWK, ENV_URL.removeprefix("https://hooks.example/"), ENV_LANG, HOOK_KEY)


def _fragments(values: tuple[str, ...] = ALL) -> set[str]:
    return {value[i : i + 8] for value in values for i in range(len(value) - 7)}


FRAGMENTS = _fragments()
#: An export is the live state, and the service returns the callback_url it was given: only
#: the credentials and the write-only value are checked there. A snapshot leaves out every
#: value the configuration reads through ${env:…}: it is checked for everything.
EXPORT_FRAGMENTS = _fragments((TOKEN, SECRET, TAWK))

CONFIG = """
institutes:
  pe:
    name: ProctorExam
    tawk_api_key: ${env:LEAK_TAWK}
    callback_url: ${env:LEAK_URL}
  other:
    name: Other
    reminder_emails_enabled: false
"""
#: Besides, a value built from a variable, which plans show as written.
WITH_TEMPLATE = (
    CONFIG
    + """  third:
    name: Third
    callback_url: "https://hooks.example/cb?k=${env:LEAK_HOOK}"
"""
)
BAD_ENV = "institutes:\n  pe:\n    name: PE\n    default_language: ${env:LEAK_LANG}\n"


@pytest.fixture
def leak_env(
    monkeypatch: pytest.MonkeyPatch, proctorexam_sandbox_factory: Callable[..., Sandbox]
) -> Sandbox:
    sandbox = proctorexam_sandbox_factory(
        users=[SandboxUser(TOKEN, SECRET)],
        seed=[{"name": "Other", "short_name": "other"}, {"name": "Old", "short_name": "old"}],
    )
    for name, value in {
        "PROCTOREXAM_BASE_URL": sandbox.base_url,
        "PROCTOREXAM_API_TOKEN": TOKEN,
        "PROCTOREXAM_SECRET_KEY": SECRET,
        "LEAK_TAWK": TAWK,
        "LEAK_URL": ENV_URL,
        "LEAK_LANG": ENV_LANG,
        "LEAK_HOOK": HOOK_KEY,
    }.items():
        monkeypatch.setenv(name, value)
    return sandbox


def _command_names() -> list[str]:
    pm, infos = build_plugin_manager()
    Hooks(pm, infos).add_commands(cli)
    return sorted(cli.commands)


#: The formats that render plans only (problems and refusals, or annotations).
PLAN_ONLY = frozenset({"github", "sarif", "gitlab"})


def _formats() -> list[str]:
    return sorted(Hooks(*build_plugin_manager()).reporters)


def _runs(path: Path, out: Path, second: Path | None = None) -> Iterator[list[str]]:
    """Argument lists for every installed command (``second``: a directory planned with
    ``path`` in one run)."""
    for name in _command_names():
        yield [name, "--help"]
        if name in ("plan", "drift"):
            for fmt in _formats():
                yield [name, str(path), "--format", fmt, "--output", str(out / f"{name}.{fmt}")]
                yield [name, str(path), "--format", fmt]
                if second is not None:
                    yield [name, str(path), str(second), "--format", fmt]
            # Every format at once, Markdown split into parts, a partial plan.
            able = [f for f in _formats() if name == "plan" or f not in PLAN_ONLY]
            reports = [f"--report={f}={out / f'{name}-report.{f}'}" for f in able]
            yield [name, str(path), *reports, "--max-chars", "1000"]
            if name == "plan":
                yield [name, str(path), "--target", "institute.p*", "--format", "json"]
            if name == "drift":
                yield [name, str(path), "--accept", "--dry-run"]
                yield [name, str(path), "--accept"]
        elif name == "validate":
            for fmt in problem_report.FORMATS:
                yield [name, str(path), "--format", fmt]
        elif name == "apply":
            yield [name, str(path), "--auto-approve"]
        elif name == "snapshot":
            yield [name, str(path), "--output", str(out / "snapshot.json")]
        elif name == "export":
            yield [name, str(out / "export"), "--defaults"]
            # Into the configuration itself: edited, its ${env:} references kept as written.
            yield [name, str(path)]
        elif name == "schema":
            yield [name]
        elif name == "sandbox":
            continue  # runs until interrupted; its output is tested in the sandbox tests
        else:
            yield [name, str(path)]


def _assert_clean(text: str, where: str, fragments: set[str] = FRAGMENTS) -> None:
    for piece in fragments:
        assert piece not in text, f"a piece of a secret ({piece!r}) is in {where}"


def _run(capsys: pytest.CaptureFixture[str], args: list[str]) -> CliResult:
    capsys.readouterr()
    code = main(args)
    out, err = capsys.readouterr()
    return CliResult(code, out, err)


@pytest.mark.parametrize("verbosity", [[], ["-v"], ["-vv"]], ids=["quiet", "-v", "-vv"])
def test_no_command_format_or_verbosity_prints_or_writes_a_secret(
    verbosity: list[str],
    leak_env: Sandbox,
    write_config: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    settings = "[safety]\nallow_delete = true\n"
    path = write_config({"i.yaml": WITH_TEMPLATE, "reconciler.toml": settings})
    out = tmp_path / "out"
    out.mkdir()
    # A second directory over the same tenant, owning another object, read through a variable.
    second = tmp_path / "second"
    second.mkdir()
    (second / "reconciler.toml").write_text('vars = "v.yaml"\n[scope]\nobjects = ["*.old"]\n')
    (second / "v.yaml").write_text("name: Old\n")
    (second / "i.yaml").write_text(
        "institutes:\n  old:\n    name: ${var:name}\n    tawk_api_key: ${env:LEAK_TAWK}\n"
    )
    ran = 0
    for args in _runs(path, out, second):
        result = _run(capsys, [*verbosity, *args])
        _assert_clean(result.stdout + result.stderr, " ".join(args))
        assert "Traceback" not in result.stderr, " ".join(args)
        ran += 1
    assert ran >= 10
    assert any(i["short_name"] == "pe" for i in leak_env.institutes())
    for file in tmp_path.rglob("*"):
        if file.is_file():
            text = file.read_text(encoding="utf-8", errors="replace")
            live = file.parent.name == "export"
            _assert_clean(text, str(file), EXPORT_FRAGMENTS if live else FRAGMENTS)


def test_error_paths_keep_secrets_out(
    leak_env: Sandbox,
    write_config: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    outputs: list[tuple[str, str]] = []

    # An env-derived value that fails validation.
    bad = write_config({"i.yaml": BAD_ENV})
    result = _run(capsys, ["validate", str(bad)])
    assert result.exit_code == 1
    outputs.append(("validate with a bad env value", result.stdout + result.stderr))
    for fmt in ("sarif", "gitlab"):
        result = _run(capsys, ["validate", str(bad), "--format", fmt])
        assert result.exit_code == 1
        assert ENV_LANG[:3] in result.stdout or "language" in result.stdout
        outputs.append((f"validate --format {fmt} with a bad env value", result.stdout))

    # A credentials file inside the config directory, named in the settings.
    creds_dir = tmp_path / "creds"
    creds_dir.mkdir()
    (creds_dir / "i.yaml").write_text(CONFIG)
    (creds_dir / "creds.yaml").write_text(
        f"PROCTOREXAM_API_TOKEN={TOKEN}\nPROCTOREXAM_SECRET_KEY={SECRET}\n"
    )
    (creds_dir / "reconciler.toml").write_text(
        '[providers.proctorexam]\ncredentials_file = "creds.yaml"\n'
    )
    monkeypatch.delenv("PROCTOREXAM_API_TOKEN")
    monkeypatch.delenv("PROCTOREXAM_SECRET_KEY")
    for args in (["validate", str(creds_dir)], ["plan", str(creds_dir)]):
        result = _run(capsys, args)
        outputs.append((" ".join(args), result.stdout + result.stderr))
    monkeypatch.setenv("PROCTOREXAM_API_TOKEN", TOKEN)
    monkeypatch.setenv("PROCTOREXAM_SECRET_KEY", SECRET)

    # A service that echoes the credentials and what the create carried (the write-only and
    # the env-derived value), where a message is cut at 300 characters.
    def echo(status: int) -> Callable[[str, str], Action]:
        def rule(method: str, path: str) -> Action:
            if method == "GET":
                return None
            sent = TAWK + ENV_URL if method == "POST" else ""
            return (status, "text/plain", (" " * 280 + TOKEN + SECRET + sent).encode())

        return rule

    fast = "[providers.proctorexam]\nmax_retries = 1\nbackoff = 0.01\ntimeout = 1.0\n"
    path = write_config({"i.yaml": CONFIG, "reconciler.toml": fast})
    for status in (401, 422, 500, 502):
        with gateway(leak_env.base_url, echo(status)) as url:
            monkeypatch.setenv("PROCTOREXAM_BASE_URL", url)
            for verbosity in ([], ["-vv"]):
                args = [*verbosity, "apply", str(path), "--auto-approve"]
                result = _run(capsys, args)
                assert result.exit_code != 0
                outputs.append((f"{status}: {' '.join(args)}", result.stdout + result.stderr))
    monkeypatch.setenv("PROCTOREXAM_BASE_URL", leak_env.base_url)

    # Lost answers and late commits: unknown outcomes and read-backs.
    leak_env.set_faults(Faults(rate_late_commit=0.5, late_commit_delay=0.1, seed=3))
    result = _run(capsys, ["-vv", "apply", str(path), "--auto-approve"])
    outputs.append(("apply under late commits", result.stdout + result.stderr))
    leak_env.settle()
    # The apply journal that kept its unknown creates: identities and times, no value.
    journal = Path(os.environ["XDG_STATE_HOME"]) / "reconciler" / "journal"
    kept = sorted(journal.glob("*.json"))
    assert kept, "the unknown creates were not journaled"
    outputs += [(str(file), file.read_text(encoding="utf-8")) for file in kept]

    # --sandbox: its state (which holds what apply wrote) is kept out of the config directory.
    local = tmp_path / "local"
    local.mkdir()
    (local / "i.yaml").write_text(CONFIG)
    (local / "sandbox-seed.json").write_text('{"institutes": []}')
    result = _run(capsys, ["apply", str(local), "--sandbox", "--auto-approve"])
    assert result.exit_code == 0, result.stderr
    outputs.append(("apply --sandbox", result.stdout + result.stderr))
    for file in local.rglob("*"):
        if file.is_file():
            outputs.append((str(file), file.read_text(encoding="utf-8", errors="replace")))

    for where, text in outputs:
        _assert_clean(text, where)
        assert "Traceback" not in text, where


def test_templates_in_plans_name_variables_and_hold_no_value(
    leak_env: Sandbox,
    write_config: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    path = write_config({"i.yaml": WITH_TEMPLATE})
    template = "https://hooks.example/cb?k=${env:LEAK_HOOK}"
    # SARIF and GitLab Code Quality report problems and refusals only, never a change's value.
    for fmt in sorted(set(_formats()) - {"sarif", "gitlab"}):
        for verbosity in ([], ["-vv"]):
            args = [*verbosity, "plan", str(path), "--format", fmt]
            result = _run(capsys, args)
            assert result.exit_code == 0, result.stderr
            text = result.stdout + result.stderr
            _assert_clean(text, " ".join(args))
            assert "${env:LEAK_HOOK}" in text.replace("&#36;", "$"), fmt
            assert "hooks.example/cb" in text, fmt
            assert "${env:LEAK_URL}" in text.replace("&#36;", "$"), fmt
    saved = tmp_path / "plan.json"
    assert _run(capsys, ["plan", str(path), "--out", str(saved)]).exit_code == 0
    _assert_clean(saved.read_text("utf-8"), str(saved))
    assert template in saved.read_text("utf-8")
    drift = _run(capsys, ["drift", str(path), "--format", "json"])
    _assert_clean(drift.stdout + drift.stderr, "drift --format json")
    assert template in drift.stdout


PLAN_KEY = "pk" + secrets.token_hex(16)


def test_signed_saved_plans_keep_the_key_and_every_secret_out(
    leak_env: Sandbox,
    write_config: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Signing, checking, refusing a signature: the key shows only as its fingerprint."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECONCILER_PLAN_KEY", PLAN_KEY)
    write_config({"i.yaml": CONFIG})
    fragments = _fragments((*ALL, PLAN_KEY))
    outputs: list[tuple[str, str]] = []
    plan_file = tmp_path / "plan.json"
    for args in (
        ["-vv", "plan", "config", "--out", str(plan_file)],
        ["-vv", "apply", str(plan_file)],
    ):
        result = _run(capsys, args)
        assert result.exit_code == 0, result.stderr
        outputs.append((" ".join(args), result.stdout + result.stderr))
    outputs.append(("the signed plan", plan_file.read_text("utf-8")))
    plan_file.write_text(
        plan_file.read_text("utf-8").replace('"allow_delete":false', '"allow_delete":true')
    )
    for key in (PLAN_KEY, PLAN_KEY[::-1]):
        monkeypatch.setenv("RECONCILER_PLAN_KEY", key)
        result = _run(capsys, ["-vv", "apply", str(plan_file)])
        assert result.exit_code == 3
        assert "signature does not match" in result.stderr
        outputs.append((f"apply refused ({key == PLAN_KEY})", result.stdout + result.stderr))
    for where, text in outputs:
        _assert_clean(text, where, fragments)
        assert "Traceback" not in text, where


def test_the_command_list_is_what_is_installed() -> None:
    names = _command_names()
    assert {"validate", "plan", "apply", "schema"} <= set(names)
    assert all(isinstance(cli.commands[n], click.Command) for n in names)


#: What the one-request password of a single sign-on user is made as, in the test below.
RANDOM_PASSWORD = "rnd" + secrets.token_hex(12)

SSO_USER = """
users:
  sso@other.example:
    institute: other
    name: Single Sign-On
    role: teacher
    identity_provider: Campus SAML
"""


def test_the_one_request_password_of_a_single_sign_on_user_is_never_shown_or_kept(
    monkeypatch: pytest.MonkeyPatch,
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    import reconciler_proctorexam.user_provider as user_provider

    monkeypatch.setattr(user_provider.secrets, "token_urlsafe", lambda n: RANDOM_PASSWORD)
    sandbox = proctorexam_sandbox_factory(
        users=[SandboxUser(TOKEN, SECRET)],
        user_password="required",
        seed={
            "institutes": [{"id": 1, "name": "Other", "short_name": "other"}],
            "identity_providers": [{"id": 3, "name": "Campus SAML"}],
        },
    )
    for name, value in sandbox.env(SandboxUser(TOKEN, SECRET)).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NO_COLOR", "1")
    path = write_config({"users.yaml": SSO_USER})
    plan_file = tmp_path / "plan.json"
    outputs = []
    for args in (
        ["-vv", "plan", str(path), "--out", str(plan_file), "--format", "json"],
        ["-vv", "apply", str(plan_file)],
        ["-vv", "plan", str(path), "--detailed-exitcode"],
    ):
        result = _run(capsys, args)
        assert result.exit_code == 0, result.stderr
        outputs.append((" ".join(args), result.stdout + result.stderr))
    assert "sso@other.example" in {u["email"] for u in sandbox.institute_users()}
    (post,) = [r for r in sandbox.requests if r.method == "POST"]
    assert "password" in post.fields  # sent, to a sandbox that requires one

    # A service that refuses the create and echoes what it was sent, password included.
    def echo(method: str, where: str) -> Action:
        if method != "POST":
            return None
        return (422, "text/plain", f"password {RANDOM_PASSWORD} is not accepted".encode())

    path = write_config({"users.yaml": SSO_USER.replace("sso@", "sso2@")})
    with gateway(sandbox.base_url, echo) as url:
        monkeypatch.setenv("PROCTOREXAM_BASE_URL", url)
        result = _run(capsys, ["-vv", "apply", str(path), "--auto-approve"])
        assert result.exit_code != 0
        outputs.append(("apply refused with an echo", result.stdout + result.stderr))
    for file in tmp_path.rglob("*"):
        if file.is_file():
            outputs.append((str(file), file.read_text(encoding="utf-8", errors="replace")))
    for where, text in outputs:
        _assert_clean(text, where, _fragments((RANDOM_PASSWORD, TOKEN, SECRET)))
