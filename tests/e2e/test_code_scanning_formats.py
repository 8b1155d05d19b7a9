"""``--format sarif`` and ``--format gitlab``: validation problems and refusals, each report
checked against the schema its consumer publishes (vendored under tests/schemas/)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]
Write = Callable[..., Path]
Aim = Callable[..., Sandbox]

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema)


def gitlab_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / "gitlab-codequality.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def check(fmt: str, text: str) -> Any:
    doc = json.loads(text)
    validator = sarif_validator() if fmt == "sarif" else gitlab_validator()
    errors = [e.message for e in validator.iter_errors(doc)]
    assert errors == [], errors
    return doc


def results(fmt: str, doc: Any) -> list[tuple[str, str, int | None]]:
    """(message, file, line) of each finding, whatever the format."""
    if fmt == "gitlab":
        return [
            (i["description"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in doc
        ]
    out = []
    for result in doc["runs"][0]["results"]:
        physical = (result.get("locations") or [{}])[0].get("physicalLocation")
        out.append(
            (
                result["message"]["text"],
                physical["artifactLocation"]["uri"] if physical else "",
                physical["region"]["startLine"] if physical else None,
            )
        )
    return out


INVALID = "institutes:\n  pe:\n    name: ProctorExam\n    default_language: xx\n"


@pytest.mark.parametrize("fmt", ["sarif", "gitlab"])
def test_validation_problems(write_config: Write, run_reconciler: Run, fmt: str) -> None:
    path = write_config({"i.yaml": INVALID})
    result = run_reconciler("validate", str(path), "--format", fmt)
    assert result.exit_code == 1
    ((message, file, line),) = results(fmt, check(fmt, result.stdout))
    assert "'xx' is not an ISO 639-1 language code" in message
    assert file.endswith("config/i.yaml")
    assert line == 4
    valid = write_config({"i.yaml": INVALID.replace("xx", "nl-NL")})
    ok = run_reconciler("validate", str(valid), "--format", fmt)
    assert ok.exit_code == 0
    assert results(fmt, check(fmt, ok.stdout)) == []


@pytest.mark.parametrize("fmt", ["sarif", "gitlab"])
def test_plan_on_an_invalid_configuration_reports_the_problems(
    aimed_at: Aim, write_config: Write, run_reconciler: Run, fmt: str
) -> None:
    sandbox = aimed_at(seed={"institutes": []})
    path = write_config({"i.yaml": INVALID})
    result = run_reconciler("plan", str(path), "--format", fmt)
    assert result.exit_code == 1
    (found,) = results(fmt, check(fmt, result.stdout))
    assert found[2] == 4
    assert sandbox.requests == []


SEED = {
    "institutes": [
        {"id": 1, "name": "ProctorExam", "short_name": "pe"},
        {"id": 2, "name": "Old", "short_name": "old"},
    ]
}
TOMBSTONE = "institutes:\n  pe:\n    name: Renamed\n  old:\n    absent: true\n"


@pytest.mark.parametrize("fmt", ["sarif", "gitlab"])
def test_refusals_are_placed_at_the_refused_object(
    aimed_at: Aim, write_config: Write, run_reconciler: Run, fmt: str, tmp_path: Path
) -> None:
    aimed_at(seed=SEED)
    path = write_config(
        {"i.yaml": TOMBSTONE, "reconciler.toml": '[safety]\nprotect = ["institute.old"]\n'}
    )
    out = tmp_path / f"report.{fmt}"
    result = run_reconciler(
        "plan", str(path), "--allow-delete", "--format", fmt, "--output", str(out)
    )
    assert result.exit_code == 3
    ((message, file, line),) = results(fmt, check(fmt, out.read_text()))
    assert "a tombstone deletes institute.old, which [safety] protect protects" in message
    assert message.endswith("[safety]")
    assert (file.endswith("config/i.yaml"), line) == (True, 4)
    if fmt == "sarif":
        (result_doc,) = json.loads(out.read_text())["runs"][0]["results"]
        assert result_doc["ruleId"] == "plan-refused"
        logical = result_doc["locations"][0]["logicalLocations"][0]
        assert logical["fullyQualifiedName"] == "institute.old"


@pytest.mark.parametrize("fmt", ["sarif", "gitlab"])
def test_an_accepted_plan_has_no_findings(
    aimed_at: Aim, write_config: Write, run_reconciler: Run, fmt: str
) -> None:
    aimed_at(seed=SEED)
    path = write_config({"i.yaml": "institutes:\n  pe:\n    name: Renamed\n"})
    result = run_reconciler("plan", str(path), "--format", fmt, "--detailed-exitcode")
    assert result.exit_code == 2, result.stderr
    assert results(fmt, check(fmt, result.stdout)) == []


def test_the_vendored_schemas_can_fail() -> None:
    """Each schema refuses a report that breaks it: the checks above mean something."""
    assert not sarif_validator().is_valid({"version": "2.1.0", "runs": [{"results": []}]})
    assert not gitlab_validator().is_valid(
        [
            {
                "description": "x",
                "check_name": "c",
                "fingerprint": "f",
                "severity": "bad",
                "location": {"path": "a.yaml", "lines": {"begin": 1}},
            }
        ]
    )
    assert not gitlab_validator().is_valid(
        [
            {
                "description": "x",
                "check_name": "c",
                "fingerprint": "f",
                "severity": "major",
                "location": {"path": "a.yaml"},
            }
        ]
    )


@pytest.mark.parametrize("fmt", ["sarif", "gitlab"])
def test_a_partial_plan_says_so(
    aimed_at: Aim, write_config: Write, run_reconciler: Run, fmt: str
) -> None:
    aimed_at(seed=SEED)
    path = write_config({"i.yaml": "institutes:\n  pe:\n    name: Renamed\n  old:\n    name: O\n"})
    result = run_reconciler("plan", str(path), "--target", "institute.pe", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    doc = check(fmt, result.stdout)
    if fmt == "sarif":
        (run,) = doc["runs"]
        assert run["properties"] == {"partial": True}
        (note,) = run["invocations"][0]["toolExecutionNotifications"]
        assert note["message"]["text"].startswith("Partial plan: only --target institute.pe.")
        assert run["results"] == []
    else:
        (issue,) = doc
        assert (issue["check_name"], issue["severity"]) == ("partial-plan", "info")
        assert issue["location"]["path"].endswith("config/i.yaml")
