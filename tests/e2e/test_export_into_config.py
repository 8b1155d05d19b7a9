"""``export`` into a directory that holds a configuration edits it: references and defaults stay."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]

TAWK_KEY = "live-tawk-key-never-written"
SEED = {
    "institutes": [
        {
            "id": 1,
            "short_name": "pe",
            "name": "ProctorExam",
            "callback_url": "https://hooks.example/pe",
            "reminder_emails_enabled": True,
            "tawk_api_key": TAWK_KEY,
        },
        {
            "id": 2,
            "short_name": "uu",
            "name": "Utrecht University",
            "callback_url": "https://hooks.example/uu",
            "reminder_emails_enabled": False,
        },
        {"id": 3, "short_name": "new", "name": "New Campus", "custom_languages": ["fr-FR"]},
    ],
}

DEFAULTS = """\
# Shared on purpose.
defaults:
  reminder_emails_enabled: true   # on everywhere, unless an institute says otherwise
"""

INSTITUTES = """\
# Ours, by hand.
institutes:
  pe:
    name: ProctorExam
    callback_url: ${env:PE_CALLBACK}     # kept out of git
    tawk_api_key: ${env:PE_TAWK_KEY}
  uu:
    name: Utrecht University
    callback_url: "${env:UU_CALLBACK}"
    global_proctor: true                 # the service says false: the export says so too
"""


@pytest.fixture
def config(
    aimed_at: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    aimed_at(seed=SEED)
    directory = tmp_path / "config"
    directory.mkdir()
    (directory / "defaults.yaml").write_text(DEFAULTS, "utf-8")
    (directory / "institutes.yaml").write_text(INSTITUTES, "utf-8")
    monkeypatch.setenv("PE_CALLBACK", "https://hooks.example/pe")
    monkeypatch.setenv("UU_CALLBACK", "https://hooks.example/uu")
    monkeypatch.setenv("PE_TAWK_KEY", TAWK_KEY)  # the real key, as the team keeps it
    return directory


def institutes(directory: Path) -> dict[str, dict[str, object]]:
    document = YAML(typ="safe").load((directory / "institutes.yaml").read_text("utf-8"))
    return dict(document["institutes"])


@pytest.mark.parametrize("extra", [[], ["--force"]], ids=["plain", "force"])
def test_references_and_defaults_are_kept_and_the_rest_follows_the_service(
    config: Path, run_reconciler: Run, extra: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_reconciler("export", str(config), *extra)
    assert result.exit_code == 0, result.stderr
    text = (config / "institutes.yaml").read_text("utf-8")
    # What the configuration said in its own way is still said that way.
    assert text.startswith(INSTITUTES.split("  uu:")[0])
    assert "    callback_url: ${env:PE_CALLBACK}     # kept out of git\n" in text
    assert '    callback_url: "${env:UU_CALLBACK}"\n' in text
    assert "    tawk_api_key: ${env:PE_TAWK_KEY}\n" in text
    assert TAWK_KEY not in text
    assert (config / "defaults.yaml").read_text("utf-8") == DEFAULTS
    found = institutes(config)
    # The default gives pe its live value: not repeated. uu differs: its own value over it.
    assert "reminder_emails_enabled" not in found["pe"]
    assert found["uu"]["reminder_emails_enabled"] is False
    assert found["uu"]["global_proctor"] is False
    # A live institute the configuration did not declare is added, without what defaults give.
    assert found["new"]["custom_languages"] == ["fr-FR"]
    assert "reminder_emails_enabled" not in found["new"]
    assert "Edited the configuration in" in result.stderr
    assert "references and defaults: kept" in result.stderr
    plan = run_reconciler("plan", str(config), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout + plan.stderr
    # Edited, not replaced: the reference still decides what is wanted.
    monkeypatch.setenv("PE_CALLBACK", "https://hooks.example/pe-moved")
    moved = run_reconciler("plan", str(config), "--detailed-exitcode")
    assert moved.exit_code == 2
    assert 'callback_url: (sensitive) -> "${env:PE_CALLBACK}"' in moved.stdout


def test_a_reference_whose_variable_holds_another_value_stops_the_export(
    config: Path, run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UU_CALLBACK", "https://staging.example/uu")
    before = {p.name: p.read_text("utf-8") for p in config.iterdir()}
    result = run_reconciler("export", str(config))
    assert result.exit_code == 1
    assert "1 value(s) of" in result.stderr
    assert "cannot be kept as written; nothing was written" in result.stderr
    assert (
        f"{config / 'institutes.yaml'}:9:19: institute.uu.callback_url: written as a reference"
        " to UU_CALLBACK, which holds another value than the live one"
    ) in result.stderr
    assert "pass --force to write the rest and keep the reference" in result.stderr
    assert "staging.example" not in result.stderr  # a value read through ${env:} is not shown
    assert {p.name: p.read_text("utf-8") for p in config.iterdir()} == before

    forced = run_reconciler("export", str(config), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert "institute.uu.callback_url: UU_CALLBACK holds another value than the live one;" in (
        forced.stderr
    )
    assert "1 reference(s) kept although the service holds another value" in forced.stderr
    # A field read from the environment holds a secret: its live value never reaches YAML.
    text = (config / "institutes.yaml").read_text("utf-8")
    assert '    callback_url: "${env:UU_CALLBACK}"\n' in text
    assert "https://hooks.example/uu" not in text
    assert "${env:PE_CALLBACK}" in text


def test_an_unset_variable_is_kept_and_said_not_compared(
    config: Path, run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PE_CALLBACK")
    result = run_reconciler("export", str(config), "--kind", "institute")
    assert result.exit_code == 0, result.stderr
    assert (
        "institute.pe.callback_url: kept as written (PE_CALLBACK not set here, so not compared"
        " with the live value)"
    ) in result.stderr
    assert "callback_url: ${env:PE_CALLBACK}" in (config / "institutes.yaml").read_text("utf-8")


def test_a_default_is_never_replaced_by_a_literal_on_every_object(
    config: Path, run_reconciler: Run
) -> None:
    """The layering survives a default that no live object holds any more: each gets its own."""
    (config / "defaults.yaml").write_text("defaults:\n  global_reviewer: true\n", "utf-8")
    result = run_reconciler("export", str(config))
    assert result.exit_code == 0, result.stderr
    assert (config / "defaults.yaml").read_text("utf-8") == "defaults:\n  global_reviewer: true\n"
    assert {name: i["global_reviewer"] for name, i in institutes(config).items()} == {
        "pe": False,
        "uu": False,
        "new": False,
    }
    assert run_reconciler("plan", str(config), "--detailed-exitcode").exit_code == 0


def test_a_default_read_from_an_unset_variable_is_kept_once_for_all(
    config: Path, run_reconciler: Run
) -> None:
    defaults = "defaults:\n  reminder_emails_enabled: true\n  tawk_url: ${env:TAWK_URL}\n"
    (config / "defaults.yaml").write_text(defaults, "utf-8")
    result = run_reconciler("export", str(config))
    assert result.exit_code == 0, result.stderr
    note = "defaults.tawk_url: kept as written (TAWK_URL not set here, so not compared"
    assert result.stderr.count(note) == 1, result.stderr
    assert f"{config / 'defaults.yaml'}:3:13: {note}" in result.stderr
    assert all("tawk_url" not in i for i in institutes(config).values())
    assert (config / "defaults.yaml").read_text("utf-8") == defaults


def test_the_files_keep_their_own_layout(
    aimed_at: Callable[..., Sandbox],
    run_reconciler: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aimed_at(
        seed={
            "institutes": [
                {"id": 1, "short_name": "uu", "name": "Utrecht University"},
            ],
            "identity_providers": [{"id": 7, "name": "UU SAML"}],
            "users": [
                {
                    "id": 1,
                    "institute_id": 1,
                    "email": "alice@uu.example",
                    "name": "Alice",
                    "role": "teacher",
                    "omniauth_config_id": 7,
                }
            ],
        }
    )
    config = tmp_path / "config"
    config.mkdir()
    written = (
        "# Four spaces, block lists, comments: the team's own layout.\n"
        "institutes:\n"
        "    uu:\n"
        "        name: Utrecht University    # the institute's full name\n"
        "        custom_languages:\n"
        "          - nl-NL                   # wanted, not live yet\n"
        "\n"
        "users:\n"
        "    alice@uu.example:\n"
        "        institute: uu\n"
        "        name: Alice\n"
        "        role: teacher\n"
        "        identity_provider: UU SAML\n"
        "    bob@uu.example:                 # not live yet: created by the next apply\n"
        "        institute: uu\n"
        "        name: Bob\n"
        "        role: teacher\n"
        "        password: ${env:BOB_FIRST_PASSWORD}\n"
    )
    (config / "all.yaml").write_text(written, "utf-8")
    result = run_reconciler("export", str(config))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in config.iterdir()) == ["all.yaml"]
    text = (config / "all.yaml").read_text("utf-8")
    # Every line, in order, as written; but the replaced value's own (and its comment with it).
    replaced = ("custom_languages", "nl-NL")
    kept = [line for line in written.splitlines() if line and not any(r in line for r in replaced)]
    lines = iter(text.splitlines())
    assert all(line in lines for line in kept), text
    assert "        custom_languages: []\n" in text  # the live value, in the file's indentation
    assert "        global_proctor: false\n" in text
    monkeypatch.setenv("BOB_FIRST_PASSWORD", "first-password-for-bob")
    plan = run_reconciler("plan", str(config))
    assert "user.bob@uu.example" in plan.stdout
    assert "Plan: 1 to create, 0 to update, 0 to delete." in plan.stdout, plan.stdout


def test_an_entry_with_nothing_under_it_is_filled_in_where_it_is(
    aimed_at: Callable[..., Sandbox], run_reconciler: Run, tmp_path: Path
) -> None:
    aimed_at(seed=SEED)
    config = tmp_path / "config"
    config.mkdir()
    (config / "mine.yaml").write_text("institutes:\n  uu:\n  old:\n    absent: true\n", "utf-8")
    result = run_reconciler("export", str(config))
    assert result.exit_code == 0, result.stderr
    found = YAML(typ="safe").load((config / "mine.yaml").read_text("utf-8"))["institutes"]
    assert found["uu"]["name"] == "Utrecht University"
    assert found["old"] == {"absent": True}  # a tombstone stays one
    assert sorted(found) == ["new", "old", "pe", "uu"]  # added where the section is written
    assert sorted(p.name for p in config.iterdir()) == ["mine.yaml"]


def test_an_entry_shared_through_an_alias_is_left_as_written_and_said(
    aimed_at: Callable[..., Sandbox], run_reconciler: Run, tmp_path: Path
) -> None:
    aimed_at(seed=SEED)
    config = tmp_path / "config"
    config.mkdir()
    written = "institutes:\n  pe: &same {name: ProctorExam}\n  uu: *same\n"
    (config / "institutes.yaml").write_text(written, "utf-8")
    result = run_reconciler("export", str(config))
    assert result.exit_code == 0, result.stderr
    for one, other in (("pe", "uu"), ("uu", "pe")):
        assert (
            f"institute.{one}: left as written: its entry is the same YAML node as"
            f" institute.{other}'s (an alias)"
        ) in result.stderr
    text = (config / "institutes.yaml").read_text("utf-8")
    assert text.startswith(written)  # both entries as written; the new institute after them
    assert "  new:\n" in text
