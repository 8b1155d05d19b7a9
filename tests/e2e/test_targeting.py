"""``--target`` and ``--exclude`` over the sandbox: globs, kinds, parents pulled in, and a
partial plan that says so in every format."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]
Write = Callable[..., Path]
Aim = Callable[..., Sandbox]

SEED = {
    "institutes": [{"id": n, "name": f"Uni {n}", "short_name": f"uni-{n}"} for n in range(1, 6)]
    + [{"id": 9, "name": "ProctorExam", "short_name": "pe"}],
    "identity_providers": [{"id": 7, "name": "UU SAML", "issuer": "https://idp.example"}],
    "users": [{"id": 1, "institute_id": 1, "email": "ann@uni-1.example", "name": "Ann"}],
}

# Every institute renamed, so that each one targeted shows up as a change.
RENAMED = (
    "institutes:\n"
    + "".join(f"  uni-{n}:\n    name: Renamed {n}\n" for n in range(1, 6))
    + "  pe:\n    name: Renamed PE\n"
)

NEW_PARENT = """
institutes:
  new-campus:
    name: New Campus
  uni-1:
    name: Renamed 1
users:
  dirk@new-campus.example:
    institute: new-campus
    name: Dirk
    role: teacher
    identity_provider: UU SAML
  ann@uni-1.example:
    institute: uni-1
    name: Ann
    receives_reports: true
"""


@pytest.fixture
def sandbox(aimed_at: Aim) -> Sandbox:
    return aimed_at(seed=SEED)


def addresses(result: CliResult) -> list[str]:
    return [c["address"] for c in json.loads(result.stdout)["changes"]]


def test_a_glob_target_with_an_exclude(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"i.yaml": RENAMED})
    result = run_reconciler(
        "plan",
        str(path),
        "--target",
        "institute.uni-*",
        "--exclude",
        "institute.uni-3",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert addresses(result) == [
        "institute.uni-1",
        "institute.uni-2",
        "institute.uni-4",
        "institute.uni-5",
    ]
    doc = json.loads(result.stdout)
    assert doc["partial"] is True
    assert doc["targeting"]["targets"] == ["institute.uni-*"]
    assert doc["targeting"]["excludes"] == ["institute.uni-3"]
    applied = run_reconciler(
        "apply",
        str(path),
        "--target",
        "institute.uni-*",
        "--exclude",
        "institute.uni-3",
        "--auto-approve",
    )
    assert applied.exit_code == 0, applied.stderr
    names = {i["short_name"]: i["name"] for i in sandbox.institutes()}
    assert (names["uni-1"], names["uni-3"], names["pe"]) == ("Renamed 1", "Uni 3", "ProctorExam")


def test_a_kind_is_a_target(sandbox: Sandbox, write_config: Write, run_reconciler: Run) -> None:
    path = write_config({"c.yaml": NEW_PARENT})
    result = run_reconciler("plan", str(path), "--target", "user", "--format", "json")
    assert result.exit_code == 0, result.stderr
    # Both users; dirk's institute is new, so it is pulled in; uni-1 exists and stays out.
    assert addresses(result) == [
        "institute.new-campus",
        "user.ann@uni-1.example",
        "user.dirk@new-campus.example",
    ]
    assert json.loads(result.stdout)["targeting"]["pulled_in"] == ["institute.new-campus"]


def test_a_targeted_user_whose_institute_is_new_pulls_it_in_and_applies(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"c.yaml": NEW_PARENT})
    target = ("--target", "user.dirk@new-campus.example")
    planned = run_reconciler("plan", str(path), *target)
    assert planned.exit_code == 0, planned.stderr
    assert "+ institute.new-campus" in planned.stdout
    assert "institute.uni-1" not in planned.stdout
    assert (
        "Partial plan: only --target user.dirk@new-campus.example. Also planned, because a"
        " targeted change needs it created first: institute.new-campus."
    ) in planned.stdout
    assert "Plan: 2 to create, 0 to update, 0 to delete." in planned.stdout
    applied = run_reconciler("apply", str(path), *target, "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    assert "Apply complete: 2 created" in applied.stderr
    created = {u["email"] for u in sandbox.institute_users()}
    assert "dirk@new-campus.example" in created


def test_excluding_a_parent_that_must_be_created_first_is_an_error(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"c.yaml": NEW_PARENT})
    result = run_reconciler(
        "plan", str(path), "--target", "user", "--exclude", "institute.new-campus"
    )
    assert result.exit_code == 1
    assert (
        "user.dirk@new-campus.example refers to institute.new-campus, which does not exist yet"
        " and must be created first, but --exclude leaves it out"
    ) in result.stderr


@pytest.mark.parametrize(
    ("flag", "pattern", "closest"),
    [
        ("--target", "institute.uni-9", "Closest: institute.uni-1, institute.uni-2"),
        ("--target", "usr", "Closest: user"),
        ("--exclude", "institute.peee", "Closest: institute.pe"),
    ],
)
def test_a_pattern_that_matches_nothing_is_an_error_with_the_closest(
    sandbox: Sandbox,
    write_config: Write,
    run_reconciler: Run,
    flag: str,
    pattern: str,
    closest: str,
) -> None:
    others = RENAMED.replace("  uni-1:\n    name: Renamed 1\n", "")
    path = write_config({"c.yaml": NEW_PARENT, "r.yaml": others})
    result = run_reconciler("plan", str(path), flag, pattern)
    assert result.exit_code == 1
    assert f"{flag} {pattern}: matches nothing the configuration declares. {closest}" in (
        result.stderr
    )
    assert sandbox.requests == [] or all(r.method == "GET" for r in sandbox.requests)


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html", "github", "sarif", "gitlab"])
def test_a_partial_plan_says_so_in_every_format(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run, fmt: str
) -> None:
    path = write_config({"i.yaml": RENAMED})
    result = run_reconciler("plan", str(path), "--target", "institute.pe", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert "Partial plan: only --target institute.pe." in html.unescape(result.stdout)
    whole = run_reconciler("plan", str(path), "--format", fmt)
    assert "Partial plan" not in whole.stdout
