"""The ``text`` renderer: Terraform's feel, located changes, no secrets, no terminal tricks."""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from reconciler import Action, Change, FieldChange, LiveRef, Location, Plan, RenderOptions
from reconciler_reports.text import UNMANAGED_SHOWN, render_text

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_plan_matches_golden(plan: Plan, golden: Callable[[str, str], None]) -> None:
    golden("plan.txt", render_text(plan, (), RenderOptions()))


def test_coloured_plan_matches_golden(plan: Plan, golden: Callable[[str, str], None]) -> None:
    golden("plan-color.txt", render_text(plan, (), RenderOptions(color=True)))


def test_empty_plan_matches_golden(golden: Callable[[str, str], None]) -> None:
    golden("empty.txt", render_text(Plan(changes=(), live_count=3), (), RenderOptions()))


def test_colour_changes_nothing_but_escape_codes(plan: Plan) -> None:
    plain = render_text(plan, (), RenderOptions())
    coloured = render_text(plan, (), RenderOptions(color=True))
    assert "\x1b" not in plain
    assert "\x1b[32m+\x1b[0m" in coloured  # create in green
    assert "\x1b[33m~\x1b[0m" in coloured  # update in yellow
    assert "\x1b[31m-\x1b[0m" in coloured  # delete in red
    assert ANSI.sub("", coloured) == plain


def test_each_change_shows_its_marker_values_and_location(plan: Plan) -> None:
    lines = render_text(plan, (), RenderOptions()).splitlines()

    def line_with(text: str) -> str:
        (found,) = [line for line in lines if text in line]
        return found

    assert line_with("+ institute.new-campus").endswith("(config/institutes.yaml:12:3)")
    assert line_with("- institute.old-campus").endswith("(config/institutes.yaml:20:3)")
    assert line_with("~ institute.pe").endswith("(config/institutes.yaml:3:3)")
    # JSON literals: a string stays quoted, so "6" -> 12 shows the type change.
    assert 'session_retention_period: "6" -> 12' in line_with("session_retention_period")
    assert "exam_link_emails_enabled: true -> false" in line_with("exam_link")
    assert 'callback_url: "https://hooks.example.org/pe" -> null' in line_with("callback_url")
    assert 'custom_languages: ["no-NO"] -> ["fr-FR", "no-NO"]' in line_with("~ custom_languages")
    assert '+ custom_languages: ["no-NO", "fr-FR"]' in line_with("+ custom_languages")
    assert "token_fallback_ratio: 0.5 -> 0.75" in line_with("token_fallback_ratio")
    # A field set by a defaults layer points at that layer.
    assert line_with("reminder_emails_enabled: true").endswith("(config/_.yaml:2:3)")
    assert lines[-1] == plan.summary()


def test_sensitive_values_never_appear(plan: Plan, secret: str) -> None:
    for color in (False, True):
        text = render_text(plan, (), RenderOptions(color=color))
        assert secret not in text
        assert "tawk_api_key: (sensitive) -> (sensitive)" in ANSI.sub("", text)


def test_sensitive_field_of_a_create_shows_only_the_marker(secret: str) -> None:
    change = Change(
        Action.CREATE,
        "institute",
        "x",
        (FieldChange("tawk_api_key", None, secret, sensitive=True),),
    )
    text = render_text(Plan(changes=(change,)), (), RenderOptions())
    assert "      + tawk_api_key: (sensitive)\n" in text
    assert secret not in text


def test_locations_are_aligned_in_one_column(plan: Plan) -> None:
    lines = render_text(plan, (), RenderOptions(width=100)).splitlines()
    columns = {line.index("(config/") for line in lines if "(config/" in line}
    assert len(columns) == 1


def test_a_long_value_keeps_a_gap_before_its_location() -> None:
    long_value = "x" * 150
    change = Change(
        Action.UPDATE,
        "institute",
        "pe",
        (FieldChange("name", "a", long_value, Location("c.yaml", 4, 5)),),
        location=Location("c.yaml", 3, 3),
    )
    lines = render_text(Plan(changes=(change,)), (), RenderOptions(width=80)).splitlines()
    (value_line,) = [line for line in lines if long_value in line]
    assert value_line.endswith(f'"{long_value}"  (c.yaml:4:5)')
    (header,) = [line for line in lines if "institute.pe" in line]
    assert len(header) <= 80


def test_user_strings_are_neither_markup_nor_terminal_controls() -> None:
    change = Change(
        Action.UPDATE,
        "institute",
        "[bold]pe[/bold]\x1b[2J",
        (
            FieldChange(
                "name", "[red]old[/]", "new\x1b]0;pwned\x07\u202e", Location("a\x1b.yaml", 1, 1)
            ),
        ),
    )
    for color in (False, True):
        text = render_text(Plan(changes=(change,)), (), RenderOptions(color=color))
        visible = ANSI.sub("", text)
        assert "institute.[bold]pe[/bold]\\x1b[2J" in visible
        assert '"[red]old[/]" -> "new\\u001b]0;pwned\\u0007\\u202e"' in visible
        assert "(a\\x1b.yaml:1:1)" in visible
        # The only escape characters left are the renderer's own colour codes.
        assert "\x1b" not in visible
        assert "\u202e" not in text


def test_empty_plan_says_so_without_naming_a_kind() -> None:
    text = render_text(Plan(changes=(), live_count=2), (), RenderOptions(color=True))
    assert ANSI.sub("", text) == "No changes. The live objects match the configuration.\n"
    assert "Plan:" not in text


def test_unmanaged_objects_are_listed_compactly_and_capped() -> None:
    unmanaged = tuple(LiveRef("widget", f"w{i:05d}", str(i)) for i in range(9_432))
    text = render_text(Plan(changes=(), unmanaged=unmanaged), (), RenderOptions(width=72))
    lines = text.splitlines()
    assert lines[2] == "9,432 live objects are not in the configuration and left alone:"
    listed = " ".join(lines[3:])
    assert listed.count("widget.w") == UNMANAGED_SHOWN
    assert listed.endswith(f"widget.w{UNMANAGED_SHOWN - 1:05d} and 9,412 more")
    assert all(len(line) <= 72 for line in lines[3:])
    assert all(line.startswith("  widget.") for line in lines[3:])


def test_one_unmanaged_object_reads_naturally() -> None:
    text = render_text(
        Plan(changes=(), unmanaged=(LiveRef("widget", "a", "1"),)), (), RenderOptions()
    )
    assert text.endswith("1 live object is not in the configuration and left alone:\n  widget.a\n")


def test_legend_names_only_the_actions_present() -> None:
    change = Change(Action.DELETE, "widget", "gone", ref="1")
    text = render_text(Plan(changes=(change,)), (), RenderOptions())
    assert text.splitlines()[0] == "Actions are marked: - delete"
    assert text.endswith("\nPlan: 0 to create, 0 to update, 1 to delete.\n")


def test_set_values_print_in_sorted_order() -> None:
    values = [frozenset(order) for order in (["b", "a", "c"], ["c", "b", "a"])]
    texts = {
        render_text(
            Plan(changes=(Change(Action.CREATE, "w", "x", (FieldChange("tags", None, v),)),)),
            (),
            RenderOptions(),
        )
        for v in values
    }
    (text,) = texts
    assert '+ tags: ["a", "b", "c"]' in text


@given(st.text(max_size=12))
def test_cells_are_counted_as_rich_counts_them(text: str) -> None:
    from rich.cells import cell_len

    from reconciler_reports.text import _cells

    assert _cells(text) == cell_len(text)
