"""``reconciler drift`` over the sandbox: each category, each exit code, each format, GET only."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reconciler.documents.drift import DRIFT_SCHEMA
from reconciler.testing import CliResult
from reconciler_proctorexam.sandbox import Sandbox

Run = Callable[..., CliResult]


def test_every_category_is_reported_and_exits_2_with_only_get_requests(
    example: tuple[Path, Sandbox], run_reconciler: Run
) -> None:
    path, sandbox = example
    result = run_reconciler("drift", str(path))
    assert result.exit_code == 2, result.stderr
    out = result.stdout
    assert "Drift: 2 changed, 1 missing, 1 present, 1 unmanaged." in out
    changed = out.split("Changed:", 1)[1].split("Missing:", 1)[0]
    assert "~ institute.pe" in changed
    assert "exam_link_emails_enabled: declared false, live true" in changed
    assert "institute.yaml" not in changed  # the file is institutes.yaml
    assert f"({path}/institutes.yaml:9:5)" in changed
    assert "+ institute.new-campus" in out.split("Missing:", 1)[1].split("Present:", 1)[0]
    assert "- institute.old-campus" in out.split("Present:", 1)[1]
    assert "1 live object is not declared:\n  institute.summer-school" in out
    # Ignored: legacy-archive by [ignore] objects, uu's callback_url by [ignore.fields].
    assert "institute.legacy-archive" not in out
    assert "callback_url" not in out
    assert "Ignored by the [ignore] settings: 1 live object, 1 field difference." in out
    assert sandbox.requests
    assert {r.method for r in sandbox.requests} == {"GET"}


def test_live_reads_a_snapshot_with_no_credentials_and_no_network(
    example: tuple[Path, Sandbox],
    run_reconciler: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    path, sandbox = example
    from_service = run_reconciler("drift", str(path), "--format", "json")
    snap = tmp_path / "live.json"
    assert run_reconciler("snapshot", str(path), "--output", str(snap)).exit_code == 0
    monkeypatch.delenv("PROCTOREXAM_API_TOKEN")
    monkeypatch.delenv("PROCTOREXAM_SECRET_KEY")
    sandbox.clear_requests()
    result = run_reconciler("drift", str(path), "--format", "json", "--live", str(snap))
    assert result.exit_code == 2, result.stderr
    assert f"Checked against the live snapshot {snap}, taken at " in result.stderr
    documents = [json.loads(r.stdout) for r in (result, from_service)]
    assert documents[0]["against"]["source"] == "snapshot"
    assert documents[1]["against"]["source"] == "live"
    assert documents[0]["against"]["tenants"] == documents[1]["against"]["tenants"]
    without_time = [{**doc, "generated_at": "", "against": None} for doc in documents]
    assert without_time[0] == without_time[1]
    assert sandbox.requests == []
    both = run_reconciler("drift", str(path), "--live", str(snap), "--sandbox")
    assert both.exit_code == 1
    assert "--live checks against a snapshot: leave out --sandbox" in both.stderr


def test_nothing_drifted_exits_0(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=[{"short_name": "pe", "name": "PE", "reminder_emails_enabled": True}])
    path = write_config({"i.yaml": "institutes:\n  pe: {name: PE, reminder_emails_enabled: true}"})
    result = run_reconciler("drift", str(path))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout == (
        f"Checked against the live service at {sandbox.base_url}.\n\n"
        "No drift. The live objects match the configuration. (1 declared, 1 live)\n"
    )


def test_errors_exit_1(
    example: tuple[Path, Sandbox], run_reconciler: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = example
    unknown = run_reconciler("drift", str(path), "--format", "yaml")
    assert unknown.exit_code == 1
    assert "unknown format 'yaml'; installed formats: html, json, markdown, text" in unknown.stderr
    monkeypatch.setenv("PROCTOREXAM_SECRET_KEY", "not-the-secret-4711")
    refused = run_reconciler("drift", str(path))
    assert refused.exit_code == 1
    assert "PROCTOREXAM_SECRET_KEY" in refused.stderr
    assert "not-the-secret-4711" not in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr


POLICY = """\
from reconciler import Refusal, hookimpl

@hookimpl
def reconciler_check_plan(plan, kinds):
    return [Refusal("nothing may change today", plugin="freeze")]
"""


def test_a_policy_judges_plans_and_never_turns_drift_into_3(
    example: tuple[Path, Sandbox], run_reconciler: Run
) -> None:
    path, _ = example
    (path / "freeze.py").write_text(POLICY)
    with (path / "reconciler.toml").open("a") as settings:
        settings.write('\n[plugins]\nlocal = ["freeze.py"]\n')
    assert run_reconciler("plan", str(path)).exit_code == 3
    drift = run_reconciler("drift", str(path))
    assert drift.exit_code == 2
    assert "nothing may change today" not in drift.stdout + drift.stderr


def test_json_is_the_published_document(
    example: tuple[Path, Sandbox],
    run_reconciler: Run,
    tmp_path: Path,
    drifted: dict[str, list[str]],
) -> None:
    path, _ = example
    target = tmp_path / "out" / "drift.json"
    result = run_reconciler("drift", str(path), "--format", "json", "--output", str(target))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"Drift report written to {target}." in result.stderr
    doc = json.loads(target.read_text())
    jsonschema.Draft202012Validator(DRIFT_SCHEMA).validate(doc)
    assert doc["format_version"] == "1.1"
    assert doc["generated_at"].endswith("Z")
    assert doc["summary"] == {"changed": 2, "missing": 1, "present": 1, "unmanaged": 1}
    assert doc["ignored"] == {"objects": 1, "fields": 1}
    assert (doc["declared"], doc["live_count"]) == (5, 6)
    by_category: dict[str, list[str]] = {}
    for obj in doc["objects"]:
        by_category.setdefault(obj["category"], []).append(obj["address"])
    assert by_category == drifted
    pe = doc["objects"][0]
    assert pe["fields"] == [
        {
            "name": "exam_link_emails_enabled",
            "desired": False,
            "live": True,
            "sensitive": False,
            "location": {"file": f"{path}/institutes.yaml", "line": 9, "column": 5},
        }
    ]


def test_markdown_has_the_totals_and_a_collapsible_section_per_object(
    example: tuple[Path, Sandbox], run_reconciler: Run
) -> None:
    path, sandbox = example
    result = run_reconciler("drift", str(path), "--format", "markdown")
    assert result.exit_code == 2
    md = result.stdout
    assert md.startswith(
        f"### reconciler drift\n\nChecked against the live service at `{sandbox.base_url}`.  \n\n"
        "**Drift: 2 changed, 1 missing, 1 present, 1 unmanaged.**"
    )
    assert md.count("<details>") == md.count("</details>") == 3  # changed and missing objects
    assert "<summary>~ <code>institute.pe</code>: 1 field" in md
    assert f"| `exam_link_emails_enabled` | `false` | `true` | `{path}/institutes.yaml:9:5` |" in md
    assert f"- `institute.old-campus` (`{path}/institutes.yaml:26:3`)" in md
    assert "- `institute.summer-school`\n" in md


def test_html_is_one_page_with_a_table_per_category(
    example: tuple[Path, Sandbox], run_reconciler: Run, drifted: dict[str, list[str]]
) -> None:
    path, _ = example
    result = run_reconciler("drift", str(path), "--format", "html")
    assert result.exit_code == 2
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<table>") == 4
    order = [page.index(f'<h2 class="{c}">') for c in drifted]
    assert order == sorted(order)
    assert page.index('class="cards"') < order[0]
    for addresses in drifted.values():
        for address in addresses:
            assert f">{address}<" in page


HEARTBEAT = """\
import json
from pathlib import Path

from reconciler import DriftReport, hookimpl


@hookimpl
def reconciler_after_report(report, refusals):
    line = {
        "report": type(report).__name__,
        "empty": report.empty,
        "live": report.live_count,
        "refusals": [r.message for r in refusals],
    }
    with (Path(__file__).parent / "heartbeats.jsonl").open("a") as out:
        out.write(json.dumps(line) + "\\n")
"""


def test_the_after_report_hook_beats_even_when_nothing_differs(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    aimed_at(seed=[{"short_name": "pe", "name": "PE"}, {"short_name": "old", "name": "Old"}])
    path = write_config(
        {
            "i.yaml": "institutes:\n  pe: {name: PE}\n  old: {name: Old}\n",
            "heartbeat.py": HEARTBEAT,
            "reconciler.toml": '[plugins]\nlocal = ["heartbeat.py"]\n',
        }
    )
    assert run_reconciler("drift", str(path)).exit_code == 0
    assert run_reconciler("plan", str(path), "--format", "json").exit_code == 0
    (path / "i.yaml").write_text("institutes:\n  pe: {name: PE}\n  old: {absent: true}\n")
    assert run_reconciler("plan", str(path)).exit_code == 3
    beats = [json.loads(line) for line in (path / "heartbeats.jsonl").read_text().splitlines()]
    assert beats[:2] == [
        {"report": "DriftReport", "empty": True, "live": 2, "refusals": []},
        {"report": "Plan", "empty": True, "live": 2, "refusals": []},
    ]
    assert beats[2]["report"] == "Plan"
    assert beats[2]["empty"] is False
    assert "deletes are off by default" in beats[2]["refusals"][0]


def test_a_refused_plan_prints_its_whole_document_with_the_refusals(
    example: tuple[Path, Sandbox], run_reconciler: Run
) -> None:
    path, sandbox = example
    settings = path / "reconciler.toml"
    settings.write_text(settings.read_text().replace("allow_delete = true", "allow_delete = false"))
    result = run_reconciler("plan", str(path), "--format", "json")
    assert result.exit_code == 3
    doc = json.loads(result.stdout)
    assert doc["summary"] == {"create": 1, "update": 2, "delete": 1}
    (refusal,) = doc["refusals"]
    assert refusal["plugin"] == "safety"
    assert "deletes 1 object(s) (institute.old-campus)" in refusal["message"]
    assert "The plan was refused" in result.stderr
    markdown = run_reconciler("plan", str(path), "--format", "markdown")
    assert markdown.exit_code == 3
    assert "> [!CAUTION]\n> **The plan was refused** (exit 3)" in markdown.stdout
    assert "institute.old&#45;campus" not in markdown.stdout  # addresses stay code, not text
    assert "deletes 1 object&#40;s&#41; &#40;institute.old-campus&#41;" in markdown.stdout
    assert "(`safety`)" in markdown.stdout
    assert not any(r.is_write for r in sandbox.requests)


def test_an_ignored_field_is_set_on_create_then_left_to_others(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    sandbox = aimed_at(seed=[{"short_name": "legacy-1", "name": "Legacy"}])
    path = write_config(
        {
            "i.yaml": "institutes:\n  pe: {name: PE, callback_url: 'https://a.example/cb'}\n",
            "reconciler.toml": (
                '[ignore]\nobjects = ["institute.legacy-*"]\n'
                '[ignore.fields]\n"institute.*" = ["callback_url"]\n'
            ),
        }
    )
    assert run_reconciler("apply", str(path), "--auto-approve").exit_code == 0
    created = {i["short_name"]: i for i in sandbox.institutes()}["pe"]
    assert created["callback_url"] == "https://a.example/cb"
    sandbox.update_institute(created["id"], {"callback_url": "https://rotated.example/cb"})
    plan = run_reconciler("plan", str(path), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout
    assert "Ignored by the [ignore] settings: 1 live object, 1 field difference." in plan.stdout
    drift = run_reconciler("drift", str(path), "--format", "json")
    assert drift.exit_code == 0, drift.stdout
    assert json.loads(drift.stdout)["ignored"] == {"objects": 1, "fields": 1}


def test_a_glob_matching_a_declared_object_fails_validate_located(
    write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    path = write_config(
        {
            "i.yaml": "institutes:\n  legacy-1: {name: L}\n",
            "reconciler.toml": '[ignore]\nobjects = ["institute.legacy-*"]\n',
        }
    )
    result = run_reconciler("validate", str(path))
    assert result.exit_code == 1
    assert f"{path}/reconciler.toml:2:12: [ignore] objects: 'institute.legacy-*' matches" in (
        result.stderr
    )


REPORTER = """\
from reconciler import Reporter, hookimpl


def plan_csv(plan, refusals, options):
    return "".join(f"{c.action.value},{c.address}\\n" for c in plan.changes)


def drift_csv(report, options):
    return "".join(f"{o.category.value},{o.address}\\n" for o in report.objects)


@hookimpl
def reconciler_reporters():
    return [
        Reporter(name="csv", render_plan=plan_csv, render_drift=drift_csv),
        Reporter(name="plan-only", render_plan=plan_csv),
    ]
"""


def test_a_third_party_reporter_adds_a_format_for_both(
    example: tuple[Path, Sandbox], run_reconciler: Run, drifted: dict[str, list[str]]
) -> None:
    path, _ = example
    (path / "csv_format.py").write_text(REPORTER)
    with (path / "reconciler.toml").open("a") as settings:
        settings.write('\n[plugins]\nlocal = ["csv_format.py"]\n')
    drift = run_reconciler("drift", str(path), "--format", "csv")
    assert drift.exit_code == 2
    assert drift.stdout.splitlines() == [
        f"{category},{address}" for category, addresses in drifted.items() for address in addresses
    ]
    plan = run_reconciler("plan", str(path), "--format", "csv")
    assert plan.exit_code == 0
    assert "update,institute.pe" in plan.stdout.splitlines()
    only = run_reconciler("drift", str(path), "--format", "plan-only")
    assert only.exit_code == 1
    assert "the format 'plan-only' does not render drift reports" in only.stderr
    assert "formats for drift: csv, html, json, markdown, text" in only.stderr


def _institutes(count: int) -> tuple[list[dict[str, Any]], str]:
    seed = [{"short_name": f"inst-{i:04d}", "name": f"Institute {i}"} for i in range(count)]
    lines = ["institutes:"] + [
        f"  inst-{i:04d}: {{name: 'Renamed institute {i}', exam_link_emails_enabled: false}}"
        for i in range(count)
    ]
    return seed, "\n".join(lines) + "\n"


@pytest.mark.slow
def test_a_3000_object_plan_is_cut_to_65000_characters_at_an_object_boundary(
    aimed_at: Callable[..., Sandbox], write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    seed, yaml_text = _institutes(3000)
    aimed_at(seed=seed)
    path = write_config({"i.yaml": yaml_text})
    # Every institute renamed: a reviewed bulk change, which the guard lets through only so.
    result = run_reconciler("plan", str(path), "--format", "markdown", "--max-change-share", "1")
    assert result.exit_code == 0, result.stderr
    md = result.stdout
    assert len(md) <= 65_000
    assert "**Plan: 0 to create, 3000 to update, 0 to delete.**" in md
    shown = md.count("<details>")
    assert 0 < shown < 3000
    assert md.count("</details>") == shown
    # The last section shown is whole, and the note comes right after it.
    last = md.rsplit("<details>", 1)[1]
    assert '| `name` | `"Institute' in last
    assert "</details>\n\n> [!NOTE]\n" in last
    assert f"**{3000 - shown:,} of 3,000 objects are not shown**" in md
    assert f"`reconciler plan {path} --format html --output plan.html`" in md
    drift = run_reconciler("drift", str(path), "--format", "markdown")
    assert drift.exit_code == 2
    assert len(drift.stdout) <= 65_000
    assert "of 3,000 objects are not shown" in drift.stdout


def test_schema_drift_prints_the_published_schema(run_reconciler: Run) -> None:
    result = run_reconciler("schema", "drift")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == DRIFT_SCHEMA
    published = Path(__file__).resolve().parents[2] / "schemas" / "drift.schema.json"
    assert result.stdout == published.read_text()


def test_an_unknown_ignore_key_is_located_at_validate(
    write_config: Callable[..., Path], run_reconciler: Run
) -> None:
    path = write_config(
        {
            "i.yaml": "institutes:\n  pe: {name: PE}\n",
            "reconciler.toml": '[safety]\nallow_delete = false\n\n[ignore]\nobject = ["x"]\n',
        }
    )
    result = run_reconciler("validate", str(path))
    assert result.exit_code == 1
    assert f"{path}/reconciler.toml:5:1: unknown key 'object' in [ignore]" in result.stderr
    assert "expected fields or objects" in result.stderr
