"""``validate`` and ``plan``: the configuration read, checked and compared with the service."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import click

from reconciler import problem_report
from reconciler.cli.common import (
    EXIT_PENDING,
    allow_delete_option,
    count_objects,
    maybe_sandbox,
    messages,
    no_color,
    path_argument,
    plan_reporter,
    problems_as,
    refresh,
    run,
    sandbox_options,
    target_option,
)
from reconciler.cli.many import paths_argument, plan_many, refuse_single_only
from reconciler.completion import FormatOption
from reconciler.console import use_color
from reconciler.documents import write_document
from reconciler.errors import PlanRefused, SettingsError
from reconciler.project import Project
from reconciler.records import RenderOptions
from reconciler.reporting import full_report_hint, publish, render
from reconciler.savedplan import saved_plan_document
from reconciler.snapshot import read_snapshot


@click.command()
@path_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(problem_report.FORMATS),
    default="text",
    show_default=True,
    help="json: a versioned document (schemas/validation.schema.json);"
    " github: one ::error workflow command per problem.",
)
def validate(path: Path, fmt: str) -> None:
    """Load and validate PATH (a directory of YAML files or one file); no network."""
    with problems_as(fmt):
        state = Project.open(path).load()
    if fmt != "text":
        click.echo(problem_report.render_problems(fmt, (), state), nl=False)
    messages().say(
        f"The configuration is valid: {count_objects(state)} in {len(state.files)} file(s).",
        style="green",
    )


@click.command()
@paths_argument
@sandbox_options
@target_option
@click.option(
    "--format", "fmt", cls=FormatOption, default="text", show_default=True, help="Output format."
)
@click.option(
    "--output", type=click.Path(path_type=Path), help="Write the rendered plan to this file."
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when the plan has changes, 0 when not."
)
@allow_delete_option
@click.option(
    "--live",
    "live_file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Plan against this snapshot (from `snapshot`): no credentials, no network.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Also save the plan here, for `apply FILE` to apply exactly it later.",
)
def plan(
    paths: tuple[Path, ...],
    sandbox: bool,
    reset_sandbox: bool,
    targets: tuple[str, ...],
    fmt: str,
    output: Path | None,
    detailed_exitcode: bool,
    allow_delete: bool,
    live_file: Path | None,
    out_file: Path | None,
) -> None:
    """Show what apply would change to make the live objects match PATH.

    With several directories, each is planned with its own settings and credentials, and a
    summary table ends the output (heads it in Markdown and HTML); the exit code is the worst.
    """
    if len(paths) > 1:
        refuse_single_only(paths, target=targets, live=live_file, out=out_file)
        code = plan_many(
            paths,
            sandbox=sandbox,
            reset_sandbox=reset_sandbox,
            fmt=fmt,
            output=output,
            detailed_exitcode=detailed_exitcode,
            allow_delete=allow_delete,
        )
        if code:
            raise click.exceptions.Exit(code)
        return
    path = paths[0]
    with problems_as("github" if fmt == "github" else "text"):
        project = Project.open(path)
        reporter = plan_reporter(project.hooks, fmt)
        desired = project.load()
    snap = None
    if live_file is not None:
        if sandbox or reset_sandbox:
            raise SettingsError("--live plans against a snapshot: leave out --sandbox.")
        snap = read_snapshot(live_file)
        live = snap.live_for(project.needed_kinds(desired), source=str(live_file))
        messages().say(f"Planned against the live snapshot {live_file}, {snap.describe()}.")
    else:
        with maybe_sandbox(project, desired.kinds, sandbox, reset_sandbox):
            live = run(refresh(project, desired))
    the_plan = project.plan(desired, live, targets=targets)
    if out_file is not None:
        saved = saved_plan_document(
            the_plan,
            desired,
            live,
            project.kinds,
            project=path,
            allow_delete=allow_delete,
            snapshot=snap,
        )
    refusals = project.refusals(the_plan, allow_delete=allow_delete)
    color = output is None and use_color(sys.stdout, os.environ, disabled=no_color())
    options = RenderOptions(color=color, full_report=full_report_hint("plan", path))
    text = render(reporter, the_plan, refusals, options)
    publish(project.hooks, text, output, the_plan, refusals, messages())
    if refusals:
        raise PlanRefused(refusals)
    if out_file is not None:
        write_document(out_file, saved)
        messages().say(
            f"Saved plan written to {out_file}; apply it with:"
            f" reconciler apply {shlex.quote(str(out_file))}"
        )
    if detailed_exitcode and not the_plan.empty:
        raise click.exceptions.Exit(EXIT_PENDING)


#: This module's commands, added to the group by :mod:`reconciler.cli.app`.
COMMANDS = (
    validate,
    plan,
)
