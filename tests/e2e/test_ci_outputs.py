"""What a CI job needs from one run: several reports, Markdown split to a comment limit, and
``apply --detailed-exitcode``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from reconciler.documents.plan import PLAN_SCHEMA
from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]
Write = Callable[..., Path]
Aim = Callable[..., Sandbox]

SEED = {"institutes": [{"id": 1, "name": "ProctorExam", "short_name": "pe"}]}
MANY = 60
CONFIG = "institutes:\n  pe:\n    name: Renamed\n" + "".join(
    f"  campus-{n:02}:\n    name: Campus {n}\n    default_language: nl-NL\n" for n in range(MANY)
)


@pytest.fixture
def sandbox(aimed_at: Aim) -> Sandbox:
    return aimed_at(seed=SEED)


def test_one_plan_writes_several_reports(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run, tmp_path: Path
) -> None:
    path = write_config({"i.yaml": CONFIG})
    md, js, saved = tmp_path / "plan.md", tmp_path / "plan.json", tmp_path / "saved.json"
    result = run_reconciler(
        "plan",
        str(path),
        "--report",
        f"markdown={md}",
        "--report",
        f"json={js}",
        "--out",
        str(saved),
        "--detailed-exitcode",
    )
    assert result.exit_code == 2, result.stderr
    assert "Plan: 60 to create, 1 to update, 0 to delete." in result.stdout  # text on stdout
    markdown = md.read_text()
    assert markdown.startswith("### reconciler plan\n\nPlanned against the live service at ")
    assert "\n**Plan: 60 to create, 1 to update" in markdown
    doc = json.loads(js.read_text())
    jsonschema.Draft202012Validator(PLAN_SCHEMA).validate(doc)
    assert doc["summary"] == {"create": 60, "update": 1, "delete": 0}
    assert json.loads(saved.read_text())["format"] == "reconciler saved plan"
    assert f"The markdown report written to {md}." in result.stderr
    listings = [r for r in sandbox.requests if r.path == "/api/v3/institutes"]
    assert len(listings) == 1  # planned once


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("markdown", "--report markdown: expected FORMAT=FILE"),
        ("yaml=plan.yaml", "unknown format 'yaml'"),
    ],
)
def test_a_bad_report_is_an_error_before_any_request(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run, value: str, message: str
) -> None:
    path = write_config({"i.yaml": CONFIG})
    result = run_reconciler("plan", str(path), "--report", value)
    assert result.exit_code == 1
    assert message in result.stderr
    assert sandbox.requests == []


def test_markdown_split_to_a_comment_limit_in_numbered_parts(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run, tmp_path: Path
) -> None:
    path = write_config({"i.yaml": CONFIG})
    out = tmp_path / "plan.md"
    result = run_reconciler(
        "plan", str(path), "--format", "markdown", "--output", str(out), "--max-chars", "4000"
    )
    assert result.exit_code == 0, result.stderr
    parts = [out, *sorted(tmp_path.glob("plan.*.md"), key=lambda p: int(p.suffixes[0][1:]))]
    assert len(parts) > 3
    assert f"Plan written in {len(parts)} parts: {out}, {tmp_path / 'plan.2.md'}" in result.stderr
    texts = [p.read_text() for p in parts]
    assert all(len(t) <= 4000 for t in texts)
    for n, text in enumerate(texts, start=1):
        assert text.startswith(f"### reconciler plan · part {n} of {len(parts)}\n")
        assert text.count("<details>") == text.count("</details>")  # never inside an object
    assert "**Plan: 60 to create, 1 to update, 0 to delete.**" in texts[0]
    assert not any("Plan: 60" in t for t in texts[1:])  # the totals in part 1 only
    shown = re.findall(r"<code>institute\.([a-z0-9-]+)</code>", "".join(texts))
    assert sorted(shown) == sorted(["pe", *(f"campus-{n:02}" for n in range(MANY))])
    assert "not shown" not in "".join(texts)  # split, not cut


def test_max_chars_too_small_for_one_object_is_an_error(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    url = "https://example.com/" + "x" * 280
    fields = f"    callback_url: {url}\n    tawk_url: {url}\n"
    path = write_config(
        {
            "i.yaml": "institutes:\n"
            + "".join(f"  c{n}:\n    name: Campus {n}\n{fields}" for n in range(3))
        }
    )
    result = run_reconciler("plan", str(path), "--format", "markdown", "--max-chars", "1000")
    assert result.exit_code == 1
    assert "--max-chars 1000: institute.c0 alone takes" in result.stderr
    assert "an object is never split; give more." in result.stderr


def test_apply_detailed_exitcode_says_whether_anything_was_applied(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"i.yaml": "institutes:\n  pe:\n    name: Renamed\n"})
    applied = run_reconciler("apply", str(path), "--auto-approve", "--detailed-exitcode")
    assert applied.exit_code == 2, applied.stderr
    again = run_reconciler("apply", str(path), "--auto-approve", "--detailed-exitcode")
    assert again.exit_code == 0, again.stderr
    plain = run_reconciler("apply", str(path), "--auto-approve")
    assert plain.exit_code == 0


def test_one_drift_run_writes_several_reports(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run, tmp_path: Path
) -> None:
    path = write_config({"i.yaml": CONFIG})
    page, doc = tmp_path / "drift.html", tmp_path / "drift.json"
    result = run_reconciler(
        "drift", str(path), "--report", f"html={page}", "--report", f"json={doc}"
    )
    assert result.exit_code == 2, result.stderr
    assert "Drift: 1 changed, 60 missing" in result.stdout
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert json.loads(doc.read_text())["summary"]["missing"] == 60
    refused = run_reconciler("drift", str(path), "--report", f"sarif={tmp_path / 'x.sarif'}")
    assert refused.exit_code == 1
    assert "the format 'sarif' does not render drift reports" in refused.stderr


def test_max_chars_without_a_markdown_output_is_an_error(
    sandbox: Sandbox, write_config: Write, run_reconciler: Run
) -> None:
    path = write_config({"i.yaml": CONFIG})
    result = run_reconciler("plan", str(path), "--max-chars", "5000")
    assert result.exit_code == 1
    assert "--max-chars splits a Markdown report: give --format markdown or --report" in (
        result.stderr
    )
    assert sandbox.requests == []
