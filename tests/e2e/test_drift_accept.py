"""``drift --accept`` round trips over the sandbox, checked on the text of the files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]
Aim = Callable[..., Sandbox]

CONFIG = """\
# Institutes of the accept test: comments, quotes, anchors, references, defaults and groups.
defaults:
  reminder_emails_enabled: true       # everyone reminds
  "group:universities":
    session_retention_period: 12
    default_language: 'en-GB'

institutes:
  uni-a:
    name: "University A"              # double quoted
    group: universities
    custom_languages: &langs [nl-NL, fr-FR]
    exam_link_emails_enabled: false
    callback_url: https://${env:HOOK_HOST}/callback

  uni-b:
    name: 'University B'
    group: [universities]
    custom_languages: *langs
    connected_proctor_fallback_threshold: 3

  pe: {name: ProctorExam, global_proctor: true}
"""

#: Only the drifted values differ; uni-a and uni-b take values inherited from a group and
#: from the kind defaults on the object itself, after its last key and before the blank line.
ACCEPTED = """\
# Institutes of the accept test: comments, quotes, anchors, references, defaults and groups.
defaults:
  reminder_emails_enabled: true       # everyone reminds
  "group:universities":
    session_retention_period: 12
    default_language: 'en-GB'

institutes:
  uni-a:
    name: "University A, renamed"     # double quoted
    group: universities
    custom_languages: &langs [nl-NL, fr-FR]
    exam_link_emails_enabled: true
    callback_url: https://${env:HOOK_HOST}/callback
    session_retention_period: 6

  uni-b:
    name: 'University B'
    group: [universities]
    custom_languages: *langs
    connected_proctor_fallback_threshold: 4
    reminder_emails_enabled: false

  pe: {name: ProctorExam, global_proctor: true}
"""


def _live(**changes: object) -> list[dict[str, object]]:
    common = {
        "default_language": "en-GB",
        "custom_languages": ["nl-NL", "fr-FR"],
        "reminder_emails_enabled": True,
        "session_retention_period": "12",
    }
    institutes: list[dict[str, object]] = [
        {
            **common,
            "short_name": "uni-a",
            "name": "University A",
            "exam_link_emails_enabled": False,
            "callback_url": "https://hooks.example.org/callback",
        },
        {
            **common,
            "short_name": "uni-b",
            "name": "University B",
            "connected_proctor_fallback_threshold": 3,
        },
        {
            "short_name": "pe",
            "name": "ProctorExam",
            "global_proctor": True,
            "reminder_emails_enabled": True,
        },
    ]
    for institute in institutes:
        institute.update(changes.get(str(institute["short_name"]), {}))  # type: ignore[call-overload]
    return institutes


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "accept"
    directory.mkdir()
    (directory / "institutes.yaml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("HOOK_HOST", "hooks.example.org")
    return directory


DRIFTED = {
    "uni-a": {
        "name": "University A, renamed",
        "exam_link_emails_enabled": True,
        "session_retention_period": "6",
    },
    "uni-b": {"connected_proctor_fallback_threshold": 4, "reminder_emails_enabled": False},
}


def test_accept_changes_only_the_drifted_values_and_then_nothing(
    config: Path, aimed_at: Aim, run_reconciler: Run
) -> None:
    aimed_at(seed=_live(**DRIFTED))
    file = config / "institutes.yaml"
    assert run_reconciler("drift", str(config)).exit_code == 2
    # --dry-run: the diff, and nothing written.
    dry = run_reconciler("drift", str(config), "--accept", "--dry-run")
    assert dry.exit_code == 2, dry.stderr
    assert file.read_text(encoding="utf-8") == CONFIG
    assert f"--- a/{file}\n+++ b/{file}\n" in dry.stdout
    assert '-    name: "University A"              # double quoted\n' in dry.stdout
    assert '+    name: "University A, renamed"     # double quoted\n' in dry.stdout
    result = run_reconciler("drift", str(config), "--accept")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout == dry.stdout  # the same diff, now written
    assert file.read_text(encoding="utf-8") == ACCEPTED
    assert (
        f"note: institute.uni-a.session_retention_period: inherited from group universities"
        f" ({file}:5:5); the live value is set on the object in {file}"
    ) in result.stderr
    assert "note: institute.uni-b.reminder_emails_enabled: inherited from defaults" in (
        result.stderr
    )
    # The plan is empty, and accepting again changes nothing.
    plan = run_reconciler("plan", str(config), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout
    again = run_reconciler("drift", str(config), "--accept")
    assert again.exit_code == 0
    assert again.stdout == ""
    assert "Nothing to write" in again.stderr
    assert file.read_text(encoding="utf-8") == ACCEPTED


def test_a_drifted_value_behind_a_reference_or_an_anchor_is_reported_not_overwritten(
    config: Path, aimed_at: Aim, run_reconciler: Run
) -> None:
    aimed_at(
        seed=_live(
            **{
                "uni-a": {
                    "callback_url": "https://elsewhere.example.org/callback",
                    "custom_languages": ["nl-NL"],
                    "name": "Renamed by hand",
                },
                "uni-b": {"connected_proctor_fallback_threshold": 4},
            }
        )
    )
    file = config / "institutes.yaml"
    # uni-a's name through a typed variable: a reference too.
    (config / "reconciler.toml").write_text('vars = "vars.yaml"\n', encoding="utf-8")
    (config / "vars.yaml").write_text('title: "University A"\n', encoding="utf-8")
    written = CONFIG.replace('name: "University A"     ', "name: ${var:title}")
    assert written != CONFIG
    file.write_text(written, encoding="utf-8")
    result = run_reconciler("drift", str(config), "--accept")
    assert result.exit_code == 2  # something is left for a person
    after = file.read_text(encoding="utf-8")
    assert after == written.replace(
        "connected_proctor_fallback_threshold: 3", "connected_proctor_fallback_threshold: 4"
    )
    assert (
        f"note: institute.uni-a.name ({file}:10:5): written as a reference; kept. The live value"
        " is 'Renamed by hand'. Change the variable or environment it reads"
    ) in result.stderr
    assert (
        f"note: institute.uni-a.callback_url ({file}:14:5): written as a reference; kept."
        " Change the variable or environment it reads, if the live value is right"
    ) in result.stderr
    # Read through ${env:...}: a secret, whose live value is shown nowhere.
    assert "elsewhere" not in result.stdout + result.stderr
    assert (
        f"note: institute.uni-a.custom_languages ({file}:12:5): shared through the YAML anchor"
        " &langs; kept."
    ) in result.stderr


def test_target_narrows_and_accept_into_ignore_writes_ignore_fields(
    config: Path, aimed_at: Aim, run_reconciler: Run
) -> None:
    aimed_at(seed=_live(**DRIFTED))
    file = config / "institutes.yaml"
    result = run_reconciler("drift", str(config), "--accept", "--target", "institute.uni-b")
    assert result.exit_code == 0, result.stderr
    text = file.read_text(encoding="utf-8")
    assert "connected_proctor_fallback_threshold: 4" in text
    assert '"University A"' in text
    missing = run_reconciler("drift", str(config), "--accept", "--target", "institute.nope-*")
    assert missing.exit_code == 1
    assert "--target institute.nope-*: matches no declared object" in missing.stderr
    settings = config / "reconciler.toml"
    settings.write_text('# ours\n[ignore.fields]\n"institute.pe" = ["tawk_url"]\n')
    result = run_reconciler("drift", str(config), "--accept-into-ignore", "--target", "*.uni-*")
    assert result.exit_code == 0, result.stderr
    assert settings.read_text() == (
        '# ours\n[ignore.fields]\n"institute.pe" = ["tawk_url"]\n'
        '"institute.uni-a" = ["exam_link_emails_enabled", "name", "session_retention_period"]\n'
    )
    assert run_reconciler("drift", str(config)).exit_code == 0


def test_in_an_environment_a_base_value_is_set_in_the_environment_never_in_the_base(
    tmp_path: Path, aimed_at: Aim, run_reconciler: Run
) -> None:
    aimed_at(
        seed=[
            {"short_name": "uni-a", "name": "A here", "default_language": "de-DE"},
            {"short_name": "uni-b", "name": "B renamed", "default_language": "en-GB"},
        ]
    )
    base = tmp_path / "base"
    base.mkdir()
    base_text = (
        "institutes:\n"
        "  uni-a:\n    name: A\n    default_language: en-GB\n\n"
        "  uni-b:\n    name: B\n    default_language: en-GB\n"
    )
    (base / "i.yaml").write_text(base_text, encoding="utf-8")
    env = tmp_path / "env"
    env.mkdir()
    (env / "reconciler.toml").write_text('extends = "../base"\n', encoding="utf-8")
    (env / "o.yaml").write_text("institutes:\n  uni-a:\n    name: A here\n", encoding="utf-8")
    result = run_reconciler("drift", str(env), "--accept")
    assert result.exit_code == 2  # uni-b's name is left: it is the base's
    assert (base / "i.yaml").read_text(encoding="utf-8") == base_text
    assert (env / "o.yaml").read_text(encoding="utf-8") == (
        "institutes:\n  uni-a:\n    name: A here\n    default_language: de-DE\n"
    )
    assert (
        f"note: institute.uni-a.default_language: inherited from the base file {base}/i.yaml"
    ) in result.stderr
    assert (
        f"note: institute.uni-b.name: institute.uni-b is declared in the base file {base}/i.yaml,"
        " which every environment of that base shares; kept."
    ) in result.stderr
