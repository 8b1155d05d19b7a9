"""The ``github`` format: the text plan, a notice per changed field, an error per refusal."""

from __future__ import annotations

from reconciler import Plan, Refusal, RenderOptions
from reconciler_reports.github import render_github
from reconciler_reports.text import render_text


def test_the_text_plan_comes_first_uncoloured(plan: Plan) -> None:
    text = render_github(plan, (), RenderOptions(color=True))
    assert text.startswith(render_text(plan, (), RenderOptions(color=False)).rstrip("\n"))
    assert "\x1b[" not in text


def test_each_field_change_is_a_notice_at_its_yaml_line(plan: Plan) -> None:
    lines = render_github(plan, (), RenderOptions()).splitlines()
    notices = [line for line in lines if line.startswith("::notice ")]
    expected = sum(max(1, len(change.fields)) for change in plan.changes)
    assert len(notices) == expected
    assert (
        "::notice file=config/institutes.yaml,line=13,col=5,title=institute.new-campus"
        '::+ name: "New Campus"'
    ) in notices
    assert (
        "::notice file=config/institutes.yaml,line=20,col=3,title=institute.old-campus"
        "::- institute.old-campus"
    ) in notices


def test_a_sensitive_value_stays_hidden(plan: Plan, secret: str) -> None:
    text = render_github(plan, (), RenderOptions())
    assert secret not in text
    assert "tawk_api_key: (sensitive)" in text


def test_each_refusal_is_an_error(plan: Plan) -> None:
    refusals = [
        Refusal("reminder e-mails stay on", plugin="reminders", address="institute.pe"),
        Refusal("deletes need --allow-delete"),
    ]
    errors = [
        line
        for line in render_github(plan, refusals, RenderOptions()).splitlines()
        if line.startswith("::error")
    ]
    assert errors == [
        "::error title=institute.pe::reminder e-mails stay on [reminders]",
        "::error title=plan refused::deletes need --allow-delete",
    ]
