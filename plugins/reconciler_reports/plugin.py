"""The ``reports`` plugin: registers the text, JSON and GitHub plan renderers.

It is registered through the ``reconciler.plugins`` entry point like any third-party plugin,
so a user can disable it by name and bring renderers of their own under the same names.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler import hookimpl
from reconciler.records import Reporter
from reconciler_reports.github import render_github
from reconciler_reports.json_format import render_json
from reconciler_reports.text import render_text

__all__ = ["reconciler_reporters"]


@hookimpl
def reconciler_reporters() -> Sequence[Reporter]:
    return [
        Reporter(
            name="text",
            render_plan=render_text,
            description="Terraform-style plan for people; coloured on a terminal.",
        ),
        Reporter(
            name="json",
            render_plan=render_json,
            description="The versioned plan document (schemas/plan.schema.json), for machines.",
        ),
        Reporter(
            name="github",
            render_plan=render_github,
            description="The text plan plus GitHub Actions annotations on the YAML lines.",
        ),
    ]
