"""``--max-chars``: Markdown in numbered parts, each within the limit, never inside an object."""

from __future__ import annotations

import pytest

from reconciler import (
    Action,
    Change,
    DriftCategory,
    DriftedObject,
    DriftReport,
    FieldChange,
    LiveRef,
    Plan,
    SettingsError,
)
from reconciler.records import PART_BREAK, RenderOptions
from reconciler_reports.markdown import render_markdown, render_markdown_drift


def big_plan() -> Plan:
    updates = tuple(
        Change(Action.UPDATE, "institute", f"u{n:03}", (FieldChange("name", "a", "b"),), ref="1")
        for n in range(40)
    )
    deletes = tuple(Change(Action.DELETE, "institute", f"d{n:03}", ref="2") for n in range(40))
    unmanaged = tuple(LiveRef("institute", f"stray-{n:03}", "3") for n in range(40))
    return Plan(updates + deletes, unmanaged, live_count=120)


def test_every_object_is_in_exactly_one_part_and_every_group_reopens() -> None:
    text = render_markdown(big_plan(), (), RenderOptions(max_chars=2000))
    parts = text.split(PART_BREAK)
    assert len(parts) >= 4
    assert all(len(part) <= 2000 for part in parts)
    assert "**Plan: 0 to create, 40 to update, 40 to delete.**" in parts[0]
    for n, part in enumerate(parts, start=1):
        assert part.startswith(f"### reconciler plan · part {n} of {len(parts)}\n")
        assert part.count("<details>") == part.count("</details>")
        if "`institute.d" in part:
            assert "#### To delete (40)" in part  # a continued list keeps its heading
    joined = "".join(parts)
    for name in ("u000", "u039", "d000", "d039", "stray-000", "stray-039"):
        assert joined.count(f"institute.{name}<") + joined.count(f"institute.{name}`") == 1


def test_a_report_that_fits_is_one_text_as_before() -> None:
    plan = Plan((Change(Action.DELETE, "institute", "x", ref="1"),))
    assert render_markdown(plan, (), RenderOptions(max_chars=5000)) == render_markdown(
        plan, (), RenderOptions()
    )


def test_a_drift_report_splits_too() -> None:
    objects = tuple(
        DriftedObject(DriftCategory.CHANGED, "institute", f"i{n}", (FieldChange("name", "a", "b"),))
        for n in range(60)
    )
    parts = render_markdown_drift(DriftReport(objects), RenderOptions(max_chars=1500)).split(
        PART_BREAK
    )
    assert len(parts) > 2
    assert parts[1].startswith("### reconciler drift · part 2 of")
    assert "**Drift: 60 changed" in parts[0]


def test_a_limit_below_the_summary_is_an_error() -> None:
    with pytest.raises(SettingsError, match="the summary alone takes"):
        render_markdown(big_plan(), (), RenderOptions(max_chars=50))
