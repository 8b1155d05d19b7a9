"""``apply FILE``: a saved plan shown, then applied once every check allows it.

The checks and their order are :mod:`reconciler.pipeline.savedapply`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import click

from reconciler.cli.common import messages, plan_reporter, stdout_color
from reconciler.cli.livesource import live_source
from reconciler.model import LiveObject, Plan
from reconciler.pipeline.project import Project
from reconciler.pipeline.reporting import render
from reconciler.pipeline.savedapply import open_saved_plan
from reconciler.records import RenderOptions
from reconciler.settings.guards import Overrides

__all__ = ["apply_saved_plan"]

RunApply = Callable[[Project, Plan, Mapping[str, LiveObject | None] | None], None]


def apply_saved_plan(
    path: Path, *, sandbox: bool, reset_sandbox: bool, overrides: Overrides, run_apply: RunApply
) -> bool:
    """Check the saved plan at ``path`` every way there is, then apply it with ``run_apply``;
    whether there was anything to apply. ``overrides`` are this command's, never the file's."""
    trusted = open_saved_plan(path)
    project = trusted.project
    messages().say(trusted.describe())
    reporter = plan_reporter(project.hooks, "text")
    click.echo(render(reporter, trusted.plan, (), RenderOptions(color=stdout_color())), nl=False)
    if not project.ready_to_apply(trusted.plan, ()):
        return False
    source = live_source(None, None, sandbox, reset_sandbox)
    with trusted.rechecked(source, overrides) as guarded:
        run_apply(project, guarded, None)
    return True
