"""The safety guards over the sandbox: a large tenant, protected objects, one-shot overrides."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]
Write = Callable[..., Path]
Aim = Callable[..., Sandbox]

INSTITUTES = 200
USERS_EACH = 10


def tenant() -> dict[str, Any]:
    """200 institutes (uni-0 … uni-199) with 10 users each: 2,000 users."""
    institutes = [
        {"id": n + 1, "name": f"University {n}", "short_name": f"uni-{n}"}
        for n in range(INSTITUTES)
    ]
    users = [
        {
            "id": n * USERS_EACH + k + 1,
            "institute_id": n + 1,
            "email": f"u{k}@uni-{n}.example",
            "name": f"User {k}",
            "role": "teacher",
        }
        for n in range(INSTITUTES)
        for k in range(USERS_EACH)
    ]
    return {
        "institutes": institutes,
        "users": users,
        "identity_providers": [{"id": 7, "name": "UU SAML", "issuer": "https://idp.example"}],
    }


def config(renamed: range = range(0)) -> dict[str, str]:
    """The tenant as YAML; the institutes in ``renamed`` get a new name."""
    institutes = "".join(
        f"  uni-{n}:\n    name: {'Renamed' if n in renamed else 'University'} {n}\n"
        for n in range(INSTITUTES)
    )
    users = "".join(
        f"  u{k}@uni-{n}.example:\n    institute: uni-{n}\n    name: User {k}\n    role: teacher\n"
        for n in range(INSTITUTES)
        for k in range(USERS_EACH)
    )
    return {"institutes.yaml": f"institutes:\n{institutes}", "users.yaml": f"users:\n{users}"}


@pytest.fixture
def large(aimed_at: Aim) -> Sandbox:
    return aimed_at(seed=tenant())


def patches(sandbox: Sandbox) -> int:
    return sum(1 for r in sandbox.requests if r.method == "PATCH")


def test_a_plan_updating_every_institute_of_a_large_tenant_is_refused_by_default(
    large: Sandbox, write_config: Write, run_reconciler: Run, tmp_path: Path
) -> None:
    path = write_config(config(renamed=range(INSTITUTES)))
    refused = run_reconciler("plan", str(path))
    assert refused.exit_code == 3, refused.stderr
    assert (
        "the plan changes 200 of 200 live institute objects (100%: 0 to create, 200 to update,"
        " 0 to delete), more than [safety] max_change_share = 30% (the default) (checked from"
        " [safety] min_objects = 10 (the default) live objects on); check the configuration, or"
        " if this bulk change is reviewed and meant, pass --max-change-share 1.0 or"
        " --force-changes 200 once"
    ) in refused.stderr + refused.stdout
    assert "user" not in " ".join(
        line for line in refused.stderr.splitlines() if "more than" in line
    )  # 0 of 2,000 users change: the users are not what refused it
    applied = run_reconciler("apply", str(path), "--auto-approve")
    assert applied.exit_code == 3
    assert patches(large) == 0

    # The one-shot override: this run only. The saved plan records it for the review, but its
    # apply takes today's guards, never the file's: the override is given to apply too.
    saved = tmp_path / "plan.json"
    planned = run_reconciler(
        "plan", str(path), "--max-change-share", "1.0", "--out", str(saved), "--detailed-exitcode"
    )
    assert planned.exit_code == 2, planned.stderr
    assert json.loads(saved.read_text())["guards"]["max_change_share"] == 1.0
    without = run_reconciler("apply", str(saved), "--detailed-exitcode")
    assert without.exit_code == 3, without.stderr
    assert patches(large) == 0
    done = run_reconciler("apply", str(saved), "--max-change-share", "1.0", "--detailed-exitcode")
    assert done.exit_code == 2, done.stderr  # 2: changes were applied
    assert patches(large) == INSTITUTES
    again = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout
    nothing = run_reconciler("apply", str(path), "--auto-approve", "--detailed-exitcode")
    assert nothing.exit_code == 0, nothing.stderr  # 0: nothing to do


def test_force_changes_lets_through_exactly_the_reviewed_count(
    large: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config(config(renamed=range(100)))
    short = run_reconciler("apply", str(path), "--auto-approve", "--force-changes", "99")
    assert short.exit_code == 3
    assert "--force-changes 99 lets through a plan of at most 99 change(s)" in short.stderr
    assert patches(large) == 0
    done = run_reconciler("apply", str(path), "--auto-approve", "--force-changes", "100")
    assert done.exit_code == 0, done.stderr
    assert patches(large) == 100


def test_an_ordinary_change_to_the_large_tenant_passes_by_default(
    large: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config(config(renamed=range(5)))
    result = run_reconciler("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert patches(large) == 5


def test_a_per_kind_table_tightens_one_kind(
    large: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    files = config(renamed=range(5))
    files["reconciler.toml"] = "[safety.institute]\nmax_changes = 4\n"
    path = write_config(files)
    result = run_reconciler("plan", str(path))
    assert result.exit_code == 3
    assert (
        "the plan makes 5 institute changes (0 to create, 5 to update, 0 to delete), more than"
        " [safety.institute] max_changes = 4"
    ) in result.stderr


# --------------------------------------------------------------------------------------------
# Protection
# --------------------------------------------------------------------------------------------

SMALL = {
    "institutes": [
        {"id": 1, "name": "ProctorExam", "short_name": "pe"},
        {"id": 2, "name": "Old Campus", "short_name": "old"},
    ]
}
TOMBSTONE = "institutes:\n  pe:\n    name: ProctorExam\n  old:\n    absent: true\n"


def test_a_protected_object_with_a_tombstone_and_allow_delete_is_refused(
    aimed_at: Aim, write_config: Write, run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=SMALL)
    path = write_config(
        {"i.yaml": TOMBSTONE, "reconciler.toml": '[safety]\nprotect = ["institute.o*"]\n'}
    )
    refused = run_reconciler("apply", str(path), "--auto-approve", "--allow-delete")
    assert refused.exit_code == 3
    assert (
        "a tombstone deletes institute.old, which [safety] protect protects; --allow-delete alone"
        " never deletes it: pass --allow-delete=institute.old once to delete it"
    ) in refused.stderr
    assert not [r for r in sandbox.requests if r.method == "DELETE"]
    named = run_reconciler("apply", str(path), "--auto-approve", "--allow-delete=institute.old")
    assert named.exit_code == 0, named.stderr
    assert [r.path for r in sandbox.requests if r.method == "DELETE"] == ["/api/v3/institutes/2"]


def test_a_protected_field_is_never_updated(
    aimed_at: Aim, write_config: Write, run_reconciler: Run
) -> None:
    aimed_at(seed=SMALL)
    settings = '[safety]\nprotect = ["institute.pe"]\nprotect_fields = ["name"]\n'
    path = write_config(
        {"i.yaml": "institutes:\n  pe:\n    name: Renamed\n", "reconciler.toml": settings}
    )
    result = run_reconciler("plan", str(path))
    assert result.exit_code == 3
    assert "updates name of institute.pe, a protected object" in result.stderr


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_removing_protection_in_the_same_change_as_the_tombstone_is_refused(
    aimed_at: Aim, write_config: Write, run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compared with the git merge base: Terraform's prevent_destroy lost with its block."""
    aimed_at(seed=SMALL)
    path = write_config(
        {
            "i.yaml": "institutes:\n  pe:\n    name: ProctorExam\n  old:\n    name: Old Campus\n",
            "reconciler.toml": '[safety]\nprotect = ["institute.old"]\n',
        }
    )
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "base")
    git(path, "checkout", "-qb", "delete-old")
    (path / "i.yaml").write_text(TOMBSTONE)
    (path / "reconciler.toml").write_text("[safety]\nprotect = []\n")
    git(path, "commit", "-qam", "delete old, unprotected")
    monkeypatch.setenv("RECONCILER_BASE_REF", "main")
    refused = run_reconciler("plan", str(path), "--allow-delete=institute.old")
    assert refused.exit_code == 3
    assert "a tombstone deletes institute.old, and the same change removes it from" in (
        refused.stderr
    )
    assert "of HEAD and main" in refused.stderr
    # Once the protection's removal is merged on its own, the delete goes ahead.
    git(path, "checkout", "-q", "main")
    git(path, "checkout", "-q", "delete-old", "--", "reconciler.toml")
    git(path, "commit", "-qm", "unprotect old")
    git(path, "checkout", "-q", "delete-old")
    git(path, "rebase", "-q", "main")
    allowed = run_reconciler("plan", str(path), "--allow-delete", "--detailed-exitcode")
    assert allowed.exit_code == 2, allowed.stderr


def test_allow_delete_takes_an_address_only_with_an_equals_sign(
    aimed_at: Aim, write_config: Write, run_reconciler: Run
) -> None:
    aimed_at(seed=SMALL)
    path = write_config({"i.yaml": TOMBSTONE})
    result = run_reconciler("plan", "--allow-delete", str(path))
    assert result.exit_code == 1  # a usage error: nothing read, nothing sent
    assert "is not an address; an object is named as --allow-delete=KIND.NAME" in result.stderr


def test_a_saved_plan_takes_todays_guard_options_never_the_files(
    aimed_at: Aim, write_config: Write, run_reconciler: Run, tmp_path: Path
) -> None:
    sandbox = aimed_at(seed=SMALL)
    path = write_config({"i.yaml": TOMBSTONE})
    saved = tmp_path / "plan.json"
    made = run_reconciler("plan", str(path), "--allow-delete=institute.old", "--out", str(saved))
    assert made.exit_code == 0, made.stderr
    # Recorded for the review; whoever can shape the file must not switch a guard off with it.
    assert json.loads(saved.read_text())["guards"]["allow_delete"] == ["institute.old"]
    refused = run_reconciler("apply", str(saved))
    assert refused.exit_code == 3, refused.stderr
    assert "deletes are off by default" in refused.stderr
    assert not [r for r in sandbox.requests if r.method == "DELETE"]
    targeted = run_reconciler("apply", str(saved), "--target", "institute.old")
    assert targeted.exit_code == 1
    assert "--target and --exclude go with `plan --out`" in targeted.stderr
    applied = run_reconciler("apply", str(saved), "--allow-delete=institute.old")
    assert applied.exit_code == 0, applied.stderr
    assert [r.path for r in sandbox.requests if r.method == "DELETE"] == ["/api/v3/institutes/2"]


def test_a_checkout_without_a_merge_base_says_the_check_could_not_run(
    aimed_at: Aim, write_config: Write, run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    aimed_at(seed=SMALL)
    path = write_config({"i.yaml": TOMBSTONE})
    git(path, "init", "-q", "-b", "topic")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "only commit")
    for name in ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_DIFF_BASE_SHA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECONCILER_BASE_REF", "origin/main")  # not fetched, as in a shallow clone
    result = run_reconciler("plan", str(path), "--allow-delete")
    assert result.exit_code == 0, result.stderr
    assert "no git merge base found (tried origin/main, origin/HEAD)" in result.stderr
    assert "fetch-depth: 0" in result.stderr
