"""``validate --format json|github`` and ``plan --format github``, run as a user runs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema

from reconciler.testing import CliResult

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "validation.schema.json").read_text("utf-8"))

BROKEN = {
    "institutes.yaml": """
        institutes:
          pe:
            name: PE
            reminder_emails_enabled: "yes"
          uu:
            name: UU
            nmae: typo
        """,
}


def test_json_lists_every_problem_and_exits_1(
    run_reconciler: Callable[..., CliResult], write_config: Callable[..., Path]
) -> None:
    path = write_config(BROKEN)
    result = run_reconciler("validate", str(path), "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    file = str(path / "institutes.yaml")
    assert [(p["file"], p["line"], p["column"]) for p in document["problems"]] == [
        (file, 4, 30),
        (file, 7, 5),
    ]
    assert "did you mean 'name'" in document["problems"][1]["message"]


def test_json_of_a_valid_config_exits_0(
    run_reconciler: Callable[..., CliResult], write_config: Callable[..., Path]
) -> None:
    path = write_config({"a.yaml": "institutes: {pe: {name: PE}}"})
    result = run_reconciler("validate", str(path), "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    assert document["valid"] is True
    assert document["objects"] == {"institute": 1}


def test_a_settings_problem_is_a_document_too(
    run_reconciler: Callable[..., CliResult], write_config: Callable[..., Path]
) -> None:
    path = write_config({"a.yaml": "institutes: {}", "reconciler.toml": "[nope]\n"})
    result = run_reconciler("validate", str(path), "--format", "json")
    assert result.exit_code == 1
    (problem,) = json.loads(result.stdout)["problems"]
    assert "nope" in problem["message"]
    assert (problem["file"], problem["line"]) == (str(path / "reconciler.toml"), 1)


def test_a_problem_without_a_place_has_null_file_line_and_column(
    run_reconciler: Callable[..., CliResult], tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_reconciler("validate", str(empty), "--format", "json")
    assert result.exit_code == 1
    (problem,) = json.loads(result.stdout)["problems"]
    assert "no *.yaml or *.yml files here" in problem["message"]
    assert (problem["file"], problem["line"], problem["column"]) == (None, None, None)
    github = run_reconciler("validate", str(empty), "--format", "github")
    assert github.stdout.startswith("::error::")


def test_github_prints_one_error_command_per_problem(
    run_reconciler: Callable[..., CliResult], write_config: Callable[..., Path]
) -> None:
    path = write_config(BROKEN)
    for command in ("validate", "plan"):
        result = run_reconciler(command, str(path), "--format", "github")
        assert result.exit_code == 1, command
        file = str(path / "institutes.yaml")
        lines = result.stdout.splitlines()
        assert len(lines) == 2
        assert lines[0].startswith(f"::error file={file},line=4,col=30::")
        assert lines[1].startswith(f"::error file={file},line=7,col=5::")
        assert "Error" not in result.stderr


def test_plan_in_github_format_annotates_each_change_at_its_line(
    run_reconciler: Callable[..., CliResult], quickstart: Path
) -> None:
    result = run_reconciler("plan", str(quickstart), "--sandbox", "--format", "github")
    assert result.exit_code == 0, result.stderr
    assert "\nPlan: " in result.stdout
    institutes = quickstart / "institutes.yaml"
    lines = institutes.read_text("utf-8").splitlines()
    line = 1 + next(i for i, x in enumerate(lines) if "exam_finalized_emails_enabled: f" in x)
    assert (
        f"::notice file={institutes},line={line},col=5,title=institute.uu"
        "::~ exam_finalized_emails_enabled: true -> false"
    ) in result.stdout.splitlines()
