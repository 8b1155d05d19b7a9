"""Markdown for pull requests: summary first, a section per object, escaped, and cut to fit."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from reconciler import (
    Action,
    Change,
    DriftReport,
    FieldChange,
    LiveRef,
    Location,
    Plan,
    Refusal,
)
from reconciler.records import RenderOptions
from reconciler_reports.markdown import MAX_CHARS, render_markdown, render_markdown_drift


def test_plan_matches_golden(plan: Plan, golden: Callable[[str, str], None]) -> None:
    refusal = Refusal("deletes are off", plugin="safety", address="institute.old-campus")
    golden("plan.md", render_markdown(plan, [refusal], RenderOptions()))


def test_drift_matches_golden(drift: DriftReport, golden: Callable[[str, str], None]) -> None:
    golden("drift.md", render_markdown_drift(drift, RenderOptions()))


def test_values_cannot_escape_their_code_spans(drift: DriftReport) -> None:
    md = render_markdown_drift(drift, RenderOptions())
    # A pipe would end the table cell; backticks would end the code span.
    assert '| `name` | ``"New \\| Campus `x`"`` |' in md
    # In Markdown a code span shows <script> as text; nothing is raw HTML outside one.
    outside = re.sub(r"(`+)[^`].*?\1", "", md)
    assert "<script" not in outside


def test_a_refusal_is_text_whatever_it_holds() -> None:
    refusal = Refusal("*stop* <img src=x> [here](http://x) @team", plugin="p|q")
    md = render_markdown(Plan(()), [refusal], RenderOptions())
    line = next(line for line in md.splitlines() if line.startswith("> - "))
    assert "<img" not in line
    assert "[here](" not in line
    assert "@team" not in line
    assert "&#42;stop&#42;" in line
    assert line.endswith("(`p\\|q`)")


def test_sensitive_values_never_appear(plan: Plan, drift: DriftReport, secret: str) -> None:
    assert secret not in render_markdown(plan, (), RenderOptions())
    md = render_markdown_drift(drift, RenderOptions())
    assert secret not in md
    assert "live-secret" not in md
    assert "| `tawk_api_key` | `(sensitive)` | `(sensitive)` |" in md


def test_an_empty_plan_and_report_say_so() -> None:
    assert "No changes." in render_markdown(Plan(()), (), RenderOptions())
    md = render_markdown_drift(DriftReport((), declared=2, live_count=2), RenderOptions())
    assert "**No drift.** The live objects match the configuration (2 declared, 2 live)." in md


def _big_plan(count: int) -> Plan:
    changes = tuple(
        Change(
            Action.UPDATE,
            "institute",
            f"inst-{i:05d}",
            tuple(
                FieldChange(f"field_{n}", "x" * 40, "y" * 40, Location("i.yaml", i, 5))
                for n in range(3)
            ),
            Location("i.yaml", i, 3),
            ref=str(i),
        )
        for i in range(count)
    )
    unmanaged = tuple(LiveRef("institute", f"stray-{i}", str(i)) for i in range(50))
    return Plan(changes, unmanaged, live_count=count + 50)


@pytest.mark.parametrize("count", [10, 3000])
def test_the_text_stays_within_the_limit_and_says_what_it_left_out(count: int) -> None:
    options = RenderOptions(full_report="`plan.html`")
    md = render_markdown(_big_plan(count), (), options)
    assert len(md) <= MAX_CHARS
    assert f"**Plan: 0 to create, {count} to update, 0 to delete.**" in md
    shown = md.count("<details><summary>~")
    if count == 10:
        assert shown == 10
        assert "not shown" not in md
        assert md.count("- `institute.stray-") == 50
        return
    assert md.count("<details>") == md.count("</details>")
    assert f"**{count + 50 - shown:,} of {count + 50:,} objects are not shown**" in md
    assert "The full report: `plan.html`." in md
    assert md.endswith(".\n")
