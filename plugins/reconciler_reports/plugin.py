"""The ``reports`` plugin: registers the text, JSON, Markdown, HTML, GitHub, SARIF and GitLab
formats.

Each format renders both plans and drift reports, except github, sarif and gitlab (plans
only). The plugin is
registered through the ``reconciler.plugins`` entry point like any third-party plugin, so a
user can disable it by name and bring renderers of their own under the same names.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from reconciler import Reporter, hookimpl

__all__ = ["reconciler_reporters"]


def _lazy(module: str, name: str) -> Any:
    """The renderer ``name`` of ``reconciler_reports.<module>``, imported when first called.

    Every command registers every format; only the one asked for is loaded (``validate``
    loads none).
    """

    def render(*args: Any, **kwargs: Any) -> Any:
        renderer = getattr(importlib.import_module(f"reconciler_reports.{module}"), name)
        return renderer(*args, **kwargs)

    render.__name__ = name
    return render


@hookimpl
def reconciler_reporters() -> Sequence[Reporter]:
    return [
        Reporter(
            name="text",
            render_plan=_lazy("text", "render_text"),
            render_drift=_lazy("text", "render_text_drift"),
            description="Terraform-style, for people; coloured on a terminal.",
        ),
        Reporter(
            name="json",
            render_plan=_lazy("json_format", "render_json"),
            render_drift=_lazy("json_format", "render_json_drift"),
            description=(
                "The versioned documents (schemas/plan.schema.json, schemas/drift.schema.json),"
                " for machines."
            ),
        ),
        Reporter(
            name="markdown",
            render_plan=_lazy("markdown", "render_markdown"),
            render_drift=_lazy("markdown", "render_markdown_drift"),
            description="For pull-request comments and job summaries; within 65,000 characters.",
        ),
        Reporter(
            name="html",
            render_plan=_lazy("html", "render_html"),
            render_drift=_lazy("html", "render_html_drift"),
            description="One self-contained page: inline CSS, no script.",
        ),
        Reporter(
            name="github",
            render_plan=_lazy("github", "render_github"),
            description="The text plan plus GitHub Actions annotations on the YAML lines.",
        ),
        Reporter(
            name="sarif",
            render_plan=_lazy("sarif", "render_sarif"),
            description="A SARIF 2.1.0 log of the refusals, for code scanning.",
        ),
        Reporter(
            name="gitlab",
            render_plan=_lazy("codequality", "render_code_quality"),
            description="A GitLab Code Quality report of the refusals, for merge requests.",
        ),
    ]
