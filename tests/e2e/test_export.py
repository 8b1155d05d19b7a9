"""``reconciler export``: live institutes to YAML that validates and plans with no changes."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

TAWK_KEY = "tawk-key-that-must-never-be-exported"

#: Names a YAML writer must quote, or that look like references, numbers, booleans, dates.
AWKWARD_NAMES = [
    "yes",
    "no",
    "null",
    "~",
    "true",
    "123",
    "0x1F",
    "1e3",
    "2024-01-01",
    "#hash",
    "colon: inside",
    "- dash",
    " leading space",
    'quote\'s "both"',
    "${env:HOME}",
    "$${not a reference}",
    "Ünïcødé Høgskole 大学",
    "tab\tinside",
    "[brackets]",
    "{braces}",
    "@at",
    "%percent",
    "*star",
    "&amp",
    "!bang",
    "|pipe",
    ">fold",
]

LANGUAGES = ["en-GB", "nl-NL", "no-NO", "fr-FR", "de-DE", "es-ES", "pt-BR", "zh-CN"]


def varied_seed(count: int = 320) -> list[dict[str, Any]]:
    """``count`` institutes that differ in every kind of field the API has."""
    rng = random.Random(8)
    institutes = []
    for i in range(count):
        name = AWKWARD_NAMES[i] if i < len(AWKWARD_NAMES) else f"Institute {i:04d}"
        languages = rng.sample(LANGUAGES, rng.randint(0, 4))
        institutes.append(
            {
                "short_name": f"inst-{i:04d}",
                "name": name,
                "callback_url": rng.choice(
                    [None, f"https://hooks.example.edu/{i}?a=1&b=${{x}}", "http://x.test/cb"]
                ),
                "tawk_url": rng.choice([None, f"https://tawk.to/chat/{i}"]),
                "tawk_api_key": rng.choice([None, f"{TAWK_KEY}-{i}"]),
                "global_proctor": rng.random() < 0.5,
                "global_reviewer": rng.random() < 0.5,
                "check_requirements_emails_enabled": rng.random() < 0.5,
                "reminder_emails_enabled": rng.random() < 0.5,
                "exam_link_emails_enabled": rng.random() < 0.5,
                "exam_changed_emails_enabled": rng.random() < 0.5,
                "exam_finalized_emails_enabled": True,  # shared: --defaults lifts it
                "default_language": rng.choice(LANGUAGES),
                "custom_languages": languages,
                "session_retention_period": str(rng.choice([1, 6, 12, 24, 120])),
                "pre_assigned_proctor_fallback_threshold": rng.randint(0, 30),
                "connected_proctor_fallback_threshold": rng.randint(0, 30),
                "block_students_until_proctor_connected": rng.random() < 0.5,
                # Legacy shapes the service still returns: never exported.
                "default_exam_languages": "fr,nl",
                "student_experience": "legacy",
            }
        )
    # A value the schema refuses (the YAML could not say it): left out, with a comment.
    institutes[-1]["session_retention_period"] = "0"
    return institutes


@pytest.fixture
def tenant(aimed_at: Callable[..., Sandbox]) -> Sandbox:
    return aimed_at(seed=varied_seed())


def exported_text(directory: Path) -> str:
    return "".join(p.read_text("utf-8") for p in sorted(directory.glob("*.yaml")))


@pytest.mark.parametrize("extra", [[], ["--defaults"]], ids=["plain", "defaults"])
def test_export_round_trips_with_zero_changes(
    tenant: Sandbox,
    run_reconciler: Callable[..., CliResult],
    tmp_path: Path,
    extra: list[str],
) -> None:
    target = tmp_path / "exported"
    result = run_reconciler("export", str(target), *extra)
    assert result.exit_code == 0, result.stderr
    assert run_reconciler("validate", str(target)).exit_code == 0
    writes_before = sum(1 for r in tenant.requests if r.is_write)
    plan = run_reconciler("plan", str(target), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout + plan.stderr
    assert "No changes." in plan.stdout
    assert sum(1 for r in tenant.requests if r.is_write) == writes_before == 0
    text = exported_text(target)
    assert TAWK_KEY not in text
    assert "${env:INSTITUTE_TAWK_API_KEY}" in text  # the comment naming the form to use
    for server_managed in ("id:", "created_at", "updated_at", "tokens", "logo_image"):
        assert f" {server_managed}" not in text
    for deprecated in ("default_exam_languages", "default_locale", "student_experience"):
        assert deprecated not in text
    assert "inst-0319: session_retention_period" in text  # left out, and said so
    if extra:
        defaults = (target / "defaults.yaml").read_text("utf-8")
        assert "defaults:\n  exam_finalized_emails_enabled: true\n" in defaults
        assert "exam_finalized_emails_enabled" not in (target / "institutes.yaml").read_text()
    else:
        assert not (target / "defaults.yaml").exists()


def test_an_existing_file_is_not_replaced_without_force(
    tenant: Sandbox, run_reconciler: Callable[..., CliResult], tmp_path: Path
) -> None:
    # A file that cannot be read as a configuration cannot be edited either (a readable one
    # is edited in place: tests/e2e/test_export_into_config.py).
    target = tmp_path / "exported"
    target.mkdir()
    (target / "institutes.yaml").write_text("# mine\n[\n", encoding="utf-8")
    result = run_reconciler("export", str(target), "--defaults")
    assert result.exit_code == 1
    assert "the configuration there cannot be edited; nothing was written" in result.stderr
    assert "institutes.yaml:3:1" in result.stderr
    assert "--force" in result.stderr
    assert sorted(p.name for p in target.iterdir()) == ["institutes.yaml"]
    assert (target / "institutes.yaml").read_text("utf-8") == "# mine\n[\n"
    assert not tenant.requests, "the refusal comes before any request"
    result = run_reconciler("export", str(target), "--force")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in target.iterdir()) == ["institutes.yaml"]  # no temp files


def test_target_and_kind_select_what_is_exported(
    tenant: Sandbox, run_reconciler: Callable[..., CliResult], tmp_path: Path
) -> None:
    target = tmp_path / "one"
    args = ("--kind", "institute", "--target", "institute.inst-0300")
    result = run_reconciler("export", str(target), *args)
    assert result.exit_code == 0, result.stderr
    text = (target / "institutes.yaml").read_text("utf-8")
    assert "inst-0300:" in text
    assert "inst-0301" not in text
    missing = run_reconciler("export", str(tmp_path / "two"), "--target", "institute.nope")
    assert missing.exit_code == 1
    assert "institute.nope: no such live object" in missing.stderr
    assert not (tmp_path / "two").exists()
    unknown = run_reconciler("export", str(tmp_path / "three"), "--kind", "exam")
    assert unknown.exit_code == 1
    assert "installed kinds: institute, user" in unknown.stderr


def test_settings_come_from_the_directory(
    tenant: Sandbox,
    run_reconciler: Callable[..., CliResult],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PROCTOREXAM_BASE_URL")
    target = tmp_path / "project"
    target.mkdir()
    (target / "reconciler.toml").write_text(
        f'[providers.proctorexam]\nbase_url = "{tenant.base_url}"\n', encoding="utf-8"
    )
    result = run_reconciler("export", str(target))
    assert result.exit_code == 0, result.stderr
    assert run_reconciler("plan", str(target), "--detailed-exitcode").exit_code == 0


def test_export_from_the_sandbox(
    quickstart: Path, run_reconciler: Callable[..., CliResult], tmp_path: Path
) -> None:
    target = tmp_path / "fresh"
    target.mkdir()
    (target / "sandbox-seed.json").write_bytes((quickstart / "sandbox-seed.json").read_bytes())
    result = run_reconciler("export", str(target), "--sandbox")
    assert result.exit_code == 0, result.stderr
    assert run_reconciler("plan", str(target), "--sandbox", "--detailed-exitcode").exit_code == 0


def test_users_export_with_their_references_and_without_credentials(
    aimed_at: Callable[..., Sandbox], run_reconciler: Callable[..., CliResult], tmp_path: Path
) -> None:
    aimed_at(
        seed={
            "institutes": [{"id": 1, "name": "Utrecht University", "short_name": "uu"}],
            "identity_providers": [{"id": 7, "name": "UU SAML"}],
            "users": [
                {
                    "id": 1,
                    "institute_id": 1,
                    "email": "alice@uu.example",
                    "name": "Alice",
                    "role": "administrator",
                    "omniauth_config_id": 7,
                    "api_token": "alice-token-must-not-leak",
                    "secret_key": "alice-secret-must-not-leak",
                }
            ],
        }
    )
    target = tmp_path / "exported"
    result = run_reconciler("export", str(target))
    assert result.exit_code == 0, result.stderr
    # Identity providers are only referred to by name: no file of their own.
    assert sorted(p.name for p in target.iterdir()) == ["institutes.yaml", "users.yaml"]
    users = (target / "users.yaml").read_text("utf-8")
    assert "alice@uu.example:\n    institute: uu\n" in users
    assert "identity_provider: UU SAML" in users
    assert "${env:USER_PASSWORD}" in users
    assert "must-not-leak" not in users
    assert run_reconciler("plan", str(target), "--detailed-exitcode").exit_code == 0
    refused = run_reconciler("export", str(tmp_path / "idp"), "--kind", "identity_provider")
    assert refused.exit_code == 1
    assert "installed kinds: institute, user" in refused.stderr
