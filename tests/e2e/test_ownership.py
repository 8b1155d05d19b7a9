"""Scoped ownership and gradual adoption over the sandbox: ``[scope]``, ``[drift] unmanaged``
and ``--only-managed``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]
Aim = Callable[..., Sandbox]


def _directory(root: Path, name: str, settings: str, institutes: dict[str, str]) -> Path:
    directory = root / name
    directory.mkdir()
    (directory / "reconciler.toml").write_text(settings, encoding="utf-8")
    lines = ["institutes:"]
    for short_name, title in institutes.items():
        lines += [f"  {short_name}:", f"    name: {title}"]
    (directory / "institutes.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


SEED = [
    {"name": "Uni A", "short_name": "uni-a"},
    {"name": "Uni B", "short_name": "uni-b"},
    {"name": "Biz X", "short_name": "biz-x"},
    {"name": "Biz Y", "short_name": "biz-y"},
]


def test_two_scoped_directories_over_one_tenant_never_report_each_other(
    tmp_path: Path, aimed_at: Aim, run_reconciler: Run
) -> None:
    aimed_at(seed=SEED)
    # "fail": an unmanaged object in scope would exit 2, so a 0 proves the scope kept it out.
    unis = _directory(
        tmp_path,
        "unis",
        '[scope]\nobjects = ["institute.uni-*"]\n[drift]\nunmanaged = "fail"\n',
        {"uni-a": "Uni A", "uni-b": "Uni B"},
    )
    biz = _directory(
        tmp_path,
        "biz",
        '[scope]\nobjects = ["institute.biz-*"]\n[drift]\nunmanaged = "fail"\n',
        {"biz-x": "Biz X"},
    )
    result = run_reconciler("drift", str(unis))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "No drift." in result.stdout
    assert "biz-" not in result.stdout + result.stderr
    plan = run_reconciler("plan", str(unis), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout + plan.stderr
    assert "biz-" not in plan.stdout
    # biz-y is in biz's scope and not declared: with "fail" that alone is drift.
    result = run_reconciler("drift", str(biz), "--format", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert [(o["address"], o["category"]) for o in doc["objects"]] == [
        ("institute.biz-y", "unmanaged")
    ]
    (biz / "institutes.yaml").write_text(
        "institutes:\n  biz-x: {name: Biz X}\n  biz-y: {name: Biz Y}\n", encoding="utf-8"
    )
    result = run_reconciler("drift", str(biz))
    assert result.exit_code == 0, result.stdout
    assert "uni-" not in result.stdout + result.stderr


def test_an_object_declared_outside_its_directorys_scope_is_a_located_error(
    tmp_path: Path, run_reconciler: Run
) -> None:
    unis = _directory(
        tmp_path,
        "unis",
        '# owned by the universities team\n[scope]\nobjects = ["institute.uni-*"]\n',
        {"uni-a": "Uni A", "biz-x": "Biz X"},
    )
    result = run_reconciler("validate", str(unis))
    assert result.exit_code == 1
    assert (
        f"{unis}/institutes.yaml:4:3: institute.biz-x is declared here but is outside this"
        f" directory's [scope] objects (institute.uni-*) at {unis}/reconciler.toml:3:1;"
        " widen the scope or move the object to the directory that owns it"
    ) in result.stderr


def test_a_bad_scope_or_drift_setting_is_located(tmp_path: Path, run_reconciler: Run) -> None:
    unis = _directory(
        tmp_path,
        "unis",
        '[scope]\nobjects = ["uni-*"]\n[drift]\nunmanaged = "warn"\n',
        {"uni-a": "Uni A"},
    )
    result = run_reconciler("validate", str(unis))
    assert result.exit_code == 1
    toml = unis / "reconciler.toml"
    assert (
        f"{toml}:2:12: scope.objects: 'uni-*' is not an address glob; write KIND.NAME globs"
        ' such as "institute.uni-*"'
    ) in result.stderr
    assert (
        f"{toml}:4:1: drift.unmanaged must be one of 'report', 'ignore', 'fail', not 'warn'"
    ) in result.stderr


def test_one_of_500_declared_adopts_gradually(
    tmp_path: Path, aimed_at: Aim, run_reconciler: Run
) -> None:
    aimed_at(seed=[{"name": f"Institute {i}", "short_name": f"inst-{i:03}"} for i in range(500)])
    directory = _directory(tmp_path, "team", "", {"inst-007": "Institute 7"})
    # The default, "report": listed, but nothing declared drifted, so exit 0.
    result = run_reconciler("drift", str(directory))
    assert result.exit_code == 0, result.stderr
    assert "499 live objects are not declared" in result.stdout
    assert "499 unmanaged object(s) listed; they do not count as drift" in result.stderr
    # --only-managed: not even listed.
    result = run_reconciler("drift", str(directory), "--only-managed", "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["objects"] == []
    assert doc["summary"]["unmanaged"] == 0
    # "fail": the 499 are drift; --only-managed still leaves them out for one run.
    (directory / "reconciler.toml").write_text('[drift]\nunmanaged = "fail"\n', encoding="utf-8")
    assert run_reconciler("drift", str(directory)).exit_code == 2
    assert run_reconciler("drift", str(directory), "--only-managed").exit_code == 0
    # "ignore" in the settings does what --only-managed does.
    (directory / "reconciler.toml").write_text('[drift]\nunmanaged = "ignore"\n', encoding="utf-8")
    result = run_reconciler("drift", str(directory))
    assert result.exit_code == 0
    assert "not declared" not in result.stdout
    # Drift of the one declared institute still exits 2.
    (directory / "institutes.yaml").write_text(
        "institutes:\n  inst-007: {name: Renamed}\n", encoding="utf-8"
    )
    result = run_reconciler("drift", str(directory), "--only-managed")
    assert result.exit_code == 2
    assert "Drift: 1 changed, 0 missing, 0 present, 0 unmanaged." in result.stdout
