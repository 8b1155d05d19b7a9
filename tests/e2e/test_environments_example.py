"""``examples/environments``: a base, two environments, groups, vars and scopes, as the README
walks through them."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.testing import CliResult

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "environments"

Run = Callable[..., CliResult]


@pytest.fixture
def environments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLE, "environments")
    return Path("environments")


def test_each_environment_validates(environments: Path, run_reconciler: Run) -> None:
    for name, count in (("staging", 4), ("production", 3)):
        result = run_reconciler("validate", str(environments / name))
        assert result.exit_code == 0, result.stderr
        assert f"The configuration is valid: {count} institute(s)" in result.stderr


def test_plan_of_every_directory_prints_the_summary_table(
    environments: Path, run_reconciler: Run
) -> None:
    paths = sorted(str(p) for p in environments.iterdir())  # what the shell's * gives
    result = run_reconciler("plan", *paths, "--sandbox")
    assert result.exit_code == 0, result.stdout + result.stderr
    out = result.stdout
    summary = out.split("Summary of plan over 3 directories:\n", 1)[1].splitlines()
    assert summary[0].split() == ["directory", "tenant", "create", "update", "delete", "exit"]
    rows = [line.split() for line in summary[1:4]]
    assert rows[0] == [
        "environments/base",
        "-",
        "-",
        "-",
        "-",
        "0",
        "base",
        "(extended",
        "by",
        "production,",
        "staging)",
    ]
    assert rows[1][0] == "environments/production"
    assert rows[1][2:] == ["0", "1", "0", "0"]
    assert rows[2][0] == "environments/staging"
    assert rows[2][2:] == ["1", "1", "0", "0"]
    assert rows[1][1] != rows[2][1]  # each environment is its own tenant
    # Values with their layer: staging's vars, staging's override of the research group.
    assert re.search(
        r'\+ custom_languages: \["en-GB", "nl-NL"\]  \(group research\)'
        r"\s+\(environments/base/groups\.yaml:16:5\)",
        out,
    )
    assert re.search(
        r"\+ global_reviewer: true  \(group research\)"
        r"\s+\(environments/staging/overrides\.yaml:4:5\)",
        out,
    )
    # Production's tenant: uni-legacy is in scope and unmanaged, exams-central is out of scope.
    assert "institute.uni-legacy" in out
    assert "exams-central" not in out
    # --detailed-exitcode: changes are pending in both environments.
    result = run_reconciler("plan", *paths, "--sandbox", "--detailed-exitcode")
    assert result.exit_code == 2
    assert "3 directories; exit code 2 (the worst)." in result.stdout


def test_every_file_of_the_example_passes_the_published_config_schema() -> None:
    import json

    import jsonschema
    from ruamel.yaml import YAML

    root = EXAMPLE.parents[1]
    schema = json.loads((root / "schemas" / "config.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    files = [f for f in sorted(EXAMPLE.rglob("*.yaml")) if f.name != "vars.yaml"]
    assert len(files) == 3
    for file in files:
        data = YAML(typ="safe", pure=True).load(file)
        # A whole ${var:NAME} stands for a value of any type, which a schema cannot know.
        errors = [
            e.message
            for e in validator.iter_errors(data)
            if not (isinstance(e.instance, str) and re.fullmatch(r"\$\{var:\w+\}", e.instance))
        ]
        assert errors == [], file
    # A field no kind has is still refused, in a layer too.
    bad = {"defaults": {"group:x": {"colour": "red"}}}
    assert [e.message for e in validator.iter_errors(bad)]
