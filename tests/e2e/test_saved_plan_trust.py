"""A saved plan is data to check: every way of tampering with a real one is refused, unwritten.

Each test makes a real plan file over the sandbox, edits it as someone who can shape a CI
artifact would, and applies it: refused with exit 3, the difference named, and no write in
the sandbox's request log (no request at all when the refusal needs no live object).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Sandbox

Run = Callable[..., CliResult]
Doc = dict[str, Any]

SEED = [
    {"id": 1, "short_name": "a", "name": "Alpha", "reminder_emails_enabled": False},
    {"id": 2, "short_name": "b", "name": "Beta", "reminder_emails_enabled": False},
    {"id": 3, "short_name": "old", "name": "Old"},
]

CONFIG = """
institutes:
  a: {reminder_emails_enabled: true}
  b: {reminder_emails_enabled: true, tawk_api_key: "${env:B_TAWK_KEY}"}
  new: {name: New}
"""

TAWK_KEY = "tawk-KEY-5d1e90"
PLAN_KEY = "plan-signing-KEY-c0ffee-9a7b"


def writes(sandbox: Sandbox) -> list[Any]:
    return [r for r in sandbox.requests if r.is_write]


@pytest.fixture(autouse=True)
def _in_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("B_TAWK_KEY", TAWK_KEY)
    monkeypatch.delenv("RECONCILER_PLAN_KEY", raising=False)


@pytest.fixture
def made(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    tmp_path: Path,
) -> tuple[Sandbox, Path]:
    """A sandbox, and a saved plan of CONFIG made against it (the request log then cleared)."""
    sandbox = aimed_at(seed=SEED)
    write_config({"i.yaml": CONFIG})
    plan_file = tmp_path / "plan.json"
    result = run_reconciler("plan", "config", "--out", str(plan_file))
    assert result.exit_code == 0, result.stderr
    sandbox.clear_requests()
    return sandbox, plan_file


def edit(plan_file: Path, change: Callable[[Doc], None]) -> None:
    doc = json.loads(plan_file.read_text("utf-8"))
    change(doc)
    plan_file.write_text(json.dumps(doc), encoding="utf-8")


def change_of(doc: Doc, address: str) -> Doc:
    return next(c for c in doc["plan"]["changes"] if c["address"] == address)


def field_of(change: Doc, name: str) -> Doc:
    return next(f for f in change["fields"] if f["name"] == name)


def old_institute(doc: Doc, action: str, fields: list[Doc]) -> None:
    """Add a change of the unmanaged institute ``old`` (id 3), as the plan would write it."""
    a = change_of(doc, "institute.a")
    doc["plan"]["changes"].append(
        {
            **a,
            "address": "institute.old",
            "identity": "old",
            "action": action,
            "ref": "3",
            "fields": fields,
        }
    )
    doc["objects"]["institute"].append(
        {"identity": "old", "ref": "3", "fingerprint": a["fingerprint"], "fields": {}}
    )


def _value(doc: Doc) -> None:
    field_of(change_of(doc, "institute.a"), "reminder_emails_enabled")["after"] = False


def _unmanaged_update(doc: Doc) -> None:
    renamed = {"name": "name", "before": "Old", "after": "Pwned", "sensitive": False}
    old_institute(doc, "update", [{**renamed, "location": None}])


def _delete(doc: Doc) -> None:
    old_institute(doc, "delete", [])


def _delete_declared(doc: Doc) -> None:
    change = change_of(doc, "institute.a")
    change.update(action="delete", fields=[])


def _other_object(doc: Doc) -> None:
    change = change_of(doc, "institute.a")
    change.update(address="institute.b", identity="b", ref="2")


def _unmanaged_field(doc: Doc) -> None:
    change_of(doc, "institute.a")["fields"].append(
        {"name": "name", "before": "Alpha", "after": "Pwned", "sensitive": False, "location": None}
    )


def _env_value(doc: Doc) -> None:
    doc["env_values"][0]["written"] = "${env:PROCTOREXAM_SECRET_KEY}"
    doc["env_values"][0]["variables"] = ["PROCTOREXAM_SECRET_KEY"]


def _unsensitive(doc: Doc) -> None:
    secret = field_of(change_of(doc, "institute.b"), "tawk_api_key")
    secret.update(sensitive=False, before=None, after="chosen-by-the-file")
    doc["env_values"] = []


def _create_left_short(doc: Doc) -> None:
    change_of(doc, "institute.new")["fields"] = []


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        pytest.param(
            _value,
            "institute.a.reminder_emails_enabled (config/i.yaml:2:7): the plan writes another"
            " value than the configuration asks for",
            id="a value",
        ),
        pytest.param(
            _unmanaged_update,
            "institute.old: the plan updates it, but the configuration does not declare it",
            id="an update of an unmanaged institute",
        ),
        pytest.param(
            _delete,
            "institute.old: the plan deletes it, but the configuration does not declare it",
            id="a delete",
        ),
        pytest.param(
            _delete_declared,
            "institute.a (config/i.yaml:2:3): the plan deletes it, but the configuration does"
            " not mark it `absent: true`",
            id="a delete of a declared institute",
        ),
        pytest.param(
            _other_object,
            "institute.b: the plan changes it 2 times; a plan changes it once",
            id="one change pointed at another object",
        ),
        pytest.param(
            _unmanaged_field,
            "institute.a.name: the plan writes it, but the configuration does not manage this"
            " field",
            id="a field the config does not manage",
        ),
        pytest.param(
            _env_value,
            "institute.b.tawk_api_key: the plan reads it from the environment otherwise than"
            " the configuration does (/env_values)",
            id="env_values reading another variable",
        ),
        pytest.param(
            _unsensitive,
            "institute.b.tawk_api_key (config/i.yaml:3:38): the plan does not mark it"
            " sensitive, and the configuration does",
            id="a sensitive value written in the file",
        ),
        pytest.param(
            _create_left_short,
            "institute.new.name (config/i.yaml:4:9): the configuration sets it, but the plan's"
            " create leaves it out",
            id="a create short of fields",
        ),
    ],
)
def test_a_tampered_plan_is_refused_naming_the_difference_and_nothing_is_sent(
    made: tuple[Sandbox, Path],
    run_reconciler: Run,
    tamper: Callable[[Doc], None],
    named: str,
) -> None:
    sandbox, plan_file = made
    edit(plan_file, tamper)
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 3, result.stderr
    assert "is not what the configuration in config yields" in result.stderr
    assert "nothing was written" in result.stderr
    assert named in result.stderr
    assert sandbox.requests == []  # refused before any request, so before any write
    for secret in (DEFAULT_SECRET, DEFAULT_TOKEN, TAWK_KEY, "Pwned", "chosen-by-the-file"):
        assert secret not in result.stdout + result.stderr


def test_the_config_edited_after_the_plan_refuses_it(
    made: tuple[Sandbox, Path], run_reconciler: Run, tmp_path: Path
) -> None:
    sandbox, plan_file = made
    (tmp_path / "config" / "i.yaml").write_text(
        CONFIG.replace("a: {reminder_emails_enabled: true}", "a: {name: Edited Later}"),
        encoding="utf-8",
    )
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 3
    assert (
        "institute.a.reminder_emails_enabled: the plan writes it, but the configuration does not"
        " manage this field"
    ) in result.stderr
    assert sandbox.requests == []


def test_a_change_pointed_at_another_objects_id_is_refused_as_stale(
    made: tuple[Sandbox, Path], run_reconciler: Run
) -> None:
    """Same object and values, another ref: the service is asked, and says it is not that one."""
    sandbox, plan_file = made
    edit(plan_file, lambda doc: change_of(doc, "institute.a").update(ref="3"))
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 3
    assert "institute.a: replaced since the plan (it was 3, it is now 1)" in result.stderr
    assert writes(sandbox) == []
    assert {i["name"] for i in sandbox.institutes()} == {"Alpha", "Beta", "Old"}


def test_the_untampered_plan_applies_with_the_value_the_config_reads(
    made: tuple[Sandbox, Path], run_reconciler: Run
) -> None:
    sandbox, plan_file = made
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 0, result.stderr
    state = {i["short_name"]: i for i in sandbox.institutes()}
    assert state["b"]["tawk_api_key"] == TAWK_KEY
    assert state["a"]["reminder_emails_enabled"] is True


# --------------------------------------------------------------------------------------------
# The project path
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/etc", "it is absolute"),
        ("../elsewhere", "it climbs out with '..'"),
        ("config/../../elsewhere", "it climbs out with '..'"),
        ("link", "it leads outside the working directory"),
    ],
)
def test_a_project_path_outside_the_checkout_is_refused_before_its_plugin_runs(
    made: tuple[Sandbox, Path],
    run_reconciler: Run,
    tmp_path: Path,
    path: str,
    reason: str,
) -> None:
    sandbox, plan_file = made
    # Another directory with a local plugin that would run at load time.
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    marker = elsewhere / "ran"
    (elsewhere / "evil.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n", encoding="utf-8"
    )
    (elsewhere / "reconciler.toml").write_text('[plugins]\nlocal = ["evil.py"]\n')
    (elsewhere / "i.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "link").symlink_to(elsewhere)
    edit(plan_file, lambda doc: doc["project"].update(path=path))
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 3, result.stderr
    assert f"its project path is refused ({reason}" in result.stderr
    assert not marker.exists()
    assert sandbox.requests == []


def test_plan_out_refuses_a_configuration_outside_the_working_directory(
    made: tuple[Sandbox, Path], run_reconciler: Run, tmp_path: Path
) -> None:
    _sandbox, _plan = made
    result = run_reconciler("plan", str(tmp_path / "config"), "--out", "p.json")
    assert result.exit_code == 0  # inside: recorded relative
    assert json.loads((tmp_path / "p.json").read_text())["project"]["path"] == "config"
    (tmp_path / "sub").mkdir()
    os.chdir(tmp_path / "sub")
    outside = run_reconciler("plan", str(tmp_path / "config"), "--out", "q.json")
    assert outside.exit_code == 1
    assert "is outside the working directory" in outside.stderr
    assert not (tmp_path / "sub" / "q.json").exists()


# --------------------------------------------------------------------------------------------
# Guards come from today's settings and live objects
# --------------------------------------------------------------------------------------------


def test_allow_delete_in_the_file_does_not_allow_a_delete(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    tmp_path: Path,
) -> None:
    sandbox = aimed_at(seed=SEED)
    write_config({"i.yaml": "institutes:\n  old: {absent: true}\n"})
    plan_file = tmp_path / "plan.json"
    made = run_reconciler("plan", "config", "--out", str(plan_file), "--allow-delete")
    assert made.exit_code == 0, made.stderr
    assert json.loads(plan_file.read_text())["project"]["allow_delete"] is True
    sandbox.clear_requests()
    refused = run_reconciler("apply", str(plan_file))
    assert refused.exit_code == 3
    assert "the plan deletes 1 object(s) (institute.old); deletes are off" in refused.stderr
    assert writes(sandbox) == []
    allowed = run_reconciler("apply", str(plan_file), "--allow-delete")
    assert allowed.exit_code == 0, allowed.stderr
    assert [i["short_name"] for i in sandbox.institutes()] == ["a", "b"]


def test_the_bulk_guard_counts_todays_live_objects_not_the_files(
    made: tuple[Sandbox, Path], run_reconciler: Run, tmp_path: Path
) -> None:
    sandbox, plan_file = made
    # Today's settings are stricter than when the plan was made; the file claims many objects.
    (tmp_path / "config" / "reconciler.toml").write_text(
        "[safety]\nmax_change_share = 0.5\nmin_objects = 1\n"
    )
    edit(
        plan_file,
        lambda doc: doc["plan"].update(live_count=1000, live_counts={"institute": 1000}),
    )
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 3, result.stderr
    # Creates count too, against the 3 institutes live today (not the 1,000 the file claims).
    assert "the plan changes 3 of 3 live institute objects (100%: 1 to create" in result.stderr
    assert "more than [safety] max_change_share = 50%" in result.stderr
    assert writes(sandbox) == []


# --------------------------------------------------------------------------------------------
# The tenant
# --------------------------------------------------------------------------------------------


def test_a_plan_made_against_another_tenant_is_refused_naming_both(
    made: tuple[Sandbox, Path],
    run_reconciler: Run,
    proctorexam_sandbox_factory: Callable[..., Sandbox],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox, plan_file = made
    other = proctorexam_sandbox_factory(seed=SEED)
    monkeypatch.setenv("PROCTOREXAM_BASE_URL", other.base_url)
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 3
    assert (
        f"proctorexam: the plan was made against {sandbox.base_url}, but this run points at"
        f" {other.base_url}"
    ) in result.stderr
    assert sandbox.requests == []
    assert other.requests == []


def test_a_plan_that_names_no_tenant_is_refused(
    made: tuple[Sandbox, Path], run_reconciler: Run
) -> None:
    sandbox, plan_file = made
    edit(plan_file, lambda doc: doc.update(tenants={}))
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 3
    assert "proctorexam: the plan does not say which tenant it was made against" in result.stderr
    assert sandbox.requests == []


def test_the_tenant_is_recorded_from_the_snapshot_a_plan_is_made_against(
    aimed_at: Callable[..., Sandbox],
    write_config: Callable[..., Path],
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sandbox = aimed_at(seed=SEED)
    write_config({"i.yaml": "institutes:\n  a: {reminder_emails_enabled: true}\n"})
    assert run_reconciler("snapshot", "config", "--output", "live.json").exit_code == 0
    assert json.loads((tmp_path / "live.json").read_text())["tenants"] == {
        "proctorexam": sandbox.base_url
    }
    monkeypatch.delenv("PROCTOREXAM_BASE_URL")
    monkeypatch.delenv("PROCTOREXAM_API_TOKEN")
    made = run_reconciler("plan", "config", "--live", "live.json", "--out", "plan.json")
    assert made.exit_code == 0, made.stderr
    assert json.loads((tmp_path / "plan.json").read_text())["tenants"] == {
        "proctorexam": sandbox.base_url
    }


# --------------------------------------------------------------------------------------------
# Signing
# --------------------------------------------------------------------------------------------


def test_a_signed_plan_applies_with_its_key_and_the_key_is_never_shown(
    made: tuple[Sandbox, Path], run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, plan_file = made
    monkeypatch.setenv("RECONCILER_PLAN_KEY", PLAN_KEY)
    signed = run_reconciler("plan", "config", "--out", str(plan_file))
    assert "(signed with RECONCILER_PLAN_KEY)" in signed.stderr
    doc = json.loads(plan_file.read_text())
    assert doc["signature"]["algorithm"] == "HMAC-SHA256"
    fingerprint = doc["signature"]["key_fingerprint"]
    applied = run_reconciler("apply", str(plan_file))
    assert applied.exit_code == 0, applied.stderr
    assert f"signed with key {fingerprint}" in applied.stderr
    for text in (
        signed.stdout,
        signed.stderr,
        applied.stdout,
        applied.stderr,
        plan_file.read_text(),
    ):
        assert PLAN_KEY not in text
    assert len(writes(sandbox)) == 3


@pytest.mark.parametrize("how", ["unsigned", "tampered", "another key", "no signature value"])
def test_with_the_key_set_only_a_plan_signed_with_it_is_applied(
    made: tuple[Sandbox, Path], run_reconciler: Run, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    sandbox, plan_file = made
    if how != "unsigned":
        monkeypatch.setenv(
            "RECONCILER_PLAN_KEY", "another-key" if how == "another key" else PLAN_KEY
        )
        assert run_reconciler("plan", "config", "--out", str(plan_file)).exit_code == 0
    if how == "tampered":
        edit(plan_file, lambda doc: doc["project"].update(allow_delete=True))
    if how == "no signature value":
        edit(plan_file, lambda doc: doc["signature"].pop("value"))
    monkeypatch.setenv("RECONCILER_PLAN_KEY", PLAN_KEY)
    sandbox.clear_requests()
    result = run_reconciler("apply", str(plan_file))
    assert result.exit_code == 3
    from reconciler.documents.signing import key_fingerprint

    ours = key_fingerprint(PLAN_KEY.encode())
    assert f"key {ours}" in result.stderr
    if how == "unsigned":
        assert "is not signed, and RECONCILER_PLAN_KEY" in result.stderr
    elif how == "another key":
        theirs = key_fingerprint(b"another-key")
        assert f"it says it was signed with key {theirs}" in result.stderr
    elif how == "tampered":
        assert "the signature does not match the file" in result.stderr
    assert PLAN_KEY not in result.stdout + result.stderr
    assert sandbox.requests == []


def test_an_empty_key_counts_as_unset(
    made: tuple[Sandbox, Path], run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret a run does not receive is an empty string in GitHub Actions."""
    _sandbox, plan_file = made
    monkeypatch.setenv("RECONCILER_PLAN_KEY", "")
    assert run_reconciler("plan", "config", "--out", str(plan_file)).exit_code == 0
    assert "signature" not in json.loads(plan_file.read_text())
