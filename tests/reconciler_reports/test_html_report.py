"""The HTML page: self-contained, summary first, a table per category, everything escaped."""

from __future__ import annotations

import re

from reconciler import DriftReport, Plan, Refusal
from reconciler.records import RenderOptions
from reconciler_reports.html import render_html, render_html_drift


def test_the_page_loads_nothing_and_runs_nothing(plan: Plan, drift: DriftReport) -> None:
    for page in (
        render_html(plan, [Refusal("no", plugin="p")], RenderOptions()),
        render_html_drift(drift, RenderOptions()),
    ):
        assert page.startswith("<!DOCTYPE html>")
        assert "<script" not in page.lower()
        assert not re.search(r"<(link|img|iframe|object|embed)\b", page, re.I)
        assert not re.search(r"\b(src|href)=", page, re.I)
        assert "url(" not in page
        assert "default-src 'none'" in page  # and the browser is told so


def test_every_value_is_escaped(drift: DriftReport) -> None:
    page = render_html_drift(drift, RenderOptions())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "New | Campus `x`" in page


def test_summary_first_then_a_table_per_category(drift: DriftReport) -> None:
    page = render_html_drift(drift, RenderOptions())
    cards = page.index('class="cards"')
    headings = [page.index(f'<h2 class="{c}">') for c in ("changed", "missing", "present")]
    headings.append(page.index('<h2 class="unmanaged">'))
    assert cards < headings[0]
    assert headings == sorted(headings)
    assert page.count("<table>") == 4
    assert '<span class="n">2</span><span class="label">unmanaged</span>' in page
    assert "Ignored by the [ignore] settings: 2 live objects, 1 field difference." in page
    assert "read at 2026-05-01T02:00:00Z" in page


def test_sensitive_values_never_appear(plan: Plan, drift: DriftReport, secret: str) -> None:
    page = render_html_drift(drift, RenderOptions())
    assert secret not in page
    assert "live-secret" not in page
    assert page.count('<td class="value sensitive">(sensitive)</td>') == 2
    assert secret not in render_html(plan, (), RenderOptions())


def test_a_refused_plan_shows_its_refusals_before_the_tables(plan: Plan) -> None:
    refusal = Refusal("deletes are <off>", plugin="safety", address="institute.old-campus")
    page = render_html(plan, [refusal], RenderOptions())
    refused = page.index("The plan was refused")
    assert refused < page.index("<table>")
    assert "<code>institute.old-campus</code>: deletes are &lt;off&gt;" in page
    for heading in ("To create", "To update", "To delete", "Unmanaged"):
        assert f">{heading} <span" in page


def test_nothing_drifted_says_so() -> None:
    page = render_html_drift(DriftReport((), declared=1, live_count=1), RenderOptions())
    assert "No drift. The live objects match the configuration." in page
    assert "<table>" not in page
