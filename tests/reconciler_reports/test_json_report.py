"""The ``json`` renderer: the versioned plan document, stable to the byte, without secrets."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import jsonschema
import pytest

from reconciler import Action, Change, FieldChange, LiveRef, Plan, RenderOptions
from reconciler.documents.plan import PLAN_FORMAT_VERSION, PLAN_SCHEMA, plan_to_document
from reconciler_reports.json_format import render_json

#: On a terminal the document is indented for people; the golden files show that form.
TERMINAL = RenderOptions(color=True)


def test_plan_matches_golden(plan: Plan, golden: Callable[[str, str], None]) -> None:
    golden("plan.json", render_json(plan, (), TERMINAL))


def test_off_a_terminal_the_same_document_is_compact(plan: Plan) -> None:
    compact = render_json(plan, (), RenderOptions())
    assert json.loads(compact) == json.loads(render_json(plan, (), TERMINAL))
    assert compact.count("\n") == 1
    assert compact.endswith("}\n")
    assert ", " not in compact.replace('", "', "")  # no padding between items


def test_empty_plan_matches_golden(golden: Callable[[str, str], None]) -> None:
    golden("empty.json", render_json(Plan(changes=(), live_count=3), (), TERMINAL))


def test_output_is_the_plan_document_and_validates(plan: Plan) -> None:
    text = render_json(plan, (), RenderOptions())
    doc = json.loads(text)
    assert doc == plan_to_document(plan)
    jsonschema.Draft202012Validator(PLAN_SCHEMA).validate(doc)
    assert doc["format_version"] == PLAN_FORMAT_VERSION
    assert doc["summary"] == {"create": 1, "update": 1, "delete": 1}
    assert list(doc) == [
        "format_version",
        "summary",
        "changes",
        "unmanaged",
        "live_count",
        "ignored",
        "refusals",
        "against",
        "not_compared",
        "live_counts",
        "partial",
        "targeting",
    ]


def test_layout_is_two_space_indent_with_a_trailing_newline(plan: Plan) -> None:
    text = render_json(plan, (), TERMINAL)
    assert text.startswith('{\n  "format_version": ')
    assert text.endswith("}\n")
    assert not text.endswith("\n\n")


def test_width_does_not_change_the_output_and_a_terminal_only_its_layout(plan: Plan) -> None:
    assert render_json(plan, (), RenderOptions(width=20)) == render_json(plan, (), RenderOptions())
    assert render_json(plan, (), RenderOptions(color=True, width=20)) == render_json(
        plan, (), TERMINAL
    )


def test_sensitive_field_is_marked_and_holds_no_value(plan: Plan, secret: str) -> None:
    text = render_json(plan, (), RenderOptions())
    assert secret not in text
    fields = {f["name"]: f for c in json.loads(text)["changes"] for f in c["fields"]}
    assert fields["tawk_api_key"] == {
        "name": "tawk_api_key",
        "sensitive": True,
        "location": {"file": "config/institutes.yaml", "line": 8, "column": 5},
    }


def test_sets_and_tuples_serialise_as_sorted_and_ordered_lists() -> None:
    def rendered(tags: object) -> object:
        change = Change(Action.CREATE, "widget", "w", (FieldChange("tags", None, tags),))
        doc = json.loads(render_json(Plan(changes=(change,)), (), RenderOptions()))
        return doc["changes"][0]["fields"][0]["after"]

    assert rendered(frozenset(["b", "c", "a"])) == ["a", "b", "c"]
    assert rendered(frozenset(["c", "a", "b"])) == ["a", "b", "c"]
    assert rendered(("z", "a")) == ["z", "a"]
    assert rendered({"b": frozenset({2, 1}), "a": (1,)}) == {"a": [1], "b": [1, 2]}
    # Mixed types still come out in one stable order.
    assert rendered(frozenset({1, "1", None})) == rendered(frozenset({None, "1", 1}))


def test_not_a_number_is_refused_rather_than_written_as_invalid_json() -> None:
    change = Change(Action.CREATE, "widget", "w", (FieldChange("size", None, math.nan),))
    with pytest.raises(ValueError, match="JSON"):
        render_json(Plan(changes=(change,)), (), RenderOptions())


def test_unmanaged_objects_keep_their_refs() -> None:
    plan = Plan(changes=(), unmanaged=(LiveRef("widget", "a", "17"),), live_count=1)
    doc = json.loads(render_json(plan, (), RenderOptions()))
    assert doc["unmanaged"] == [
        {"address": "widget.a", "kind": "widget", "identity": "a", "ref": "17"}
    ]
    assert doc["live_count"] == 1


def test_the_reports_plugin_registers_every_format_for_plans_and_drift() -> None:
    from reconciler.plugin.hooks import Hooks
    from reconciler.plugin.manager import build_plugin_manager
    from reconciler_reports import plugin

    pm, infos = build_plugin_manager(entry_points_group=None, plugins=[("reports", plugin)])
    reporters = Hooks(pm, infos).reporters
    assert sorted(reporters) == ["github", "gitlab", "html", "json", "markdown", "sarif", "text"]
    both = {name for name, r in reporters.items() if r.renders == ("plan", "drift")}
    assert both == {"html", "json", "markdown", "text"}
    assert reporters["github"].renders == ("plan",)
    assert reporters["sarif"].renders == reporters["gitlab"].renders == ("plan",)
    empty = Plan(changes=())
    assert reporters["json"].render_plan(empty, (), RenderOptions()).startswith("{")
    assert reporters["text"].render_plan(empty, (), RenderOptions()).startswith("No changes.")
    assert all(r.description for r in reporters.values())
