"""The ``reports`` plugin: registers the text, JSON, Markdown, HTML and GitHub formats.

Each format renders both plans and drift reports, except github (plans only). The plugin is
registered through the ``reconciler.plugins`` entry point like any third-party plugin, so a
user can disable it by name and bring renderers of their own under the same names.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler import hookimpl
from reconciler.records import Reporter
from reconciler_reports.github import render_github
from reconciler_reports.html import render_html, render_html_drift
from reconciler_reports.json_format import render_json, render_json_drift
from reconciler_reports.markdown import render_markdown, render_markdown_drift
from reconciler_reports.text import render_text, render_text_drift

__all__ = ["reconciler_reporters"]


@hookimpl
def reconciler_reporters() -> Sequence[Reporter]:
    return [
        Reporter(
            name="text",
            render_plan=render_text,
            render_drift=render_text_drift,
            description="Terraform-style, for people; coloured on a terminal.",
        ),
        Reporter(
            name="json",
            render_plan=render_json,
            render_drift=render_json_drift,
            description=(
                "The versioned documents (schemas/plan.schema.json, schemas/drift.schema.json),"
                " for machines."
            ),
        ),
        Reporter(
            name="markdown",
            render_plan=render_markdown,
            render_drift=render_markdown_drift,
            description="For pull-request comments and job summaries; within 65,000 characters.",
        ),
        Reporter(
            name="html",
            render_plan=render_html,
            render_drift=render_html_drift,
            description="One self-contained page: inline CSS, no script.",
        ),
        Reporter(
            name="github",
            render_plan=render_github,
            description="The text plan plus GitHub Actions annotations on the YAML lines.",
        ),
    ]
