"""``validate`` and ``plan``: the configuration read, checked and compared with the service."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from reconciler.cli.common import (
    EXIT_PENDING,
    count_objects,
    echo_report,
    exclude_option,
    messages,
    path_argument,
    plan_reporter,
    problems_as,
    sandbox_options,
    stdout_color,
    target_option,
)
from reconciler.cli.completion import FormatOption
from reconciler.cli.guardopts import guard_options, overrides_from
from reconciler.cli.livesource import live_source, max_age_option
from reconciler.cli.many import paths_argument, plan_many, refuse_single_only
from reconciler.cli.outputs import (
    check_max_chars,
    max_chars_option,
    report_option,
    reports_for,
)
from reconciler.documents import problems as problem_report
from reconciler.documents.savedplan import SAVED_PLAN
from reconciler.documents.signing import KEY_VAR
from reconciler.errors import PlanRefused
from reconciler.pipeline.project import Project
from reconciler.pipeline.reporting import ReportOutputs


@click.command()
@path_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(problem_report.FORMATS),
    default="text",
    show_default=True,
    help="json: a versioned document (schemas/validation.schema.json);"
    " github: one ::error workflow command per problem; sarif: a SARIF 2.1.0 log;"
    " gitlab: a GitLab Code Quality report.",
)
@click.option(
    "--require-env",
    is_flag=True,
    help="Also check that every variable ${env:NAME} reads is set (by default only names).",
)
def validate(path: Path, fmt: str, require_env: bool) -> None:
    """Load and validate PATH (a directory of YAML files or one file); no network.

    ${env:NAME} references are checked by name (syntax, and that NAME may be read); their
    values are not needed, unless --require-env.
    """
    with problems_as(fmt):
        state = Project.open(path).load(require_env=require_env)
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
@exclude_option
@click.option(
    "--format", "fmt", cls=FormatOption, default="text", show_default=True, help="Output format."
)
@click.option(
    "--output", type=click.Path(path_type=Path), help="Write the rendered plan to this file."
)
@report_option
@max_chars_option
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when the plan has changes, 0 when not."
)
@guard_options
@click.option(
    "--live",
    "live_file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Plan against this snapshot (from `snapshot`): no credentials, no network.",
)
@max_age_option
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
    excludes: tuple[str, ...],
    fmt: str,
    output: Path | None,
    reports: tuple[str, ...],
    max_chars: int | None,
    detailed_exitcode: bool,
    allow_delete: tuple[str, ...],
    max_change_share: float | None,
    force_changes: int | None,
    live_file: Path | None,
    max_age: float | None,
    out_file: Path | None,
) -> None:
    """Show what apply would change to make the live objects match PATH.

    With several directories, each is planned with its own settings and credentials, and a
    summary table ends the output (heads it in Markdown and HTML); the exit code is the worst.
    """
    if len(paths) > 1:
        refuse_single_only(
            paths,
            target=targets,
            exclude=excludes,
            live=live_file,
            max_age=max_age,
            out=out_file,
            report=reports,
            max_chars=max_chars,
        )
        plan_many(
            paths,
            sandbox=sandbox,
            reset_sandbox=reset_sandbox,
            fmt=fmt,
            output=output,
            detailed_exitcode=detailed_exitcode,
            overrides=overrides_from(allow_delete, max_change_share, force_changes),
        )
        return
    path = paths[0]
    with problems_as(fmt if fmt in ("github", "sarif", "gitlab") else "text"):
        project = Project.open(path)
        reporter = plan_reporter(project.hooks, fmt)
        extra = reports_for(project.hooks, reports, "plan")
        outputs = ReportOutputs(reporter, output, extra, max_chars, stdout_color())
        check_max_chars(max_chars, fmt, extra)
        desired = project.load()
    # Refused before any network call: apply would refuse the plan.
    recorded = None if out_file is None else project.recorded_path()
    source = live_source(live_file, max_age, sandbox, reset_sandbox)
    live = project.read_live(desired, source, "plan", messages())
    if recorded is not None and live.names_no_tenant:
        messages().say(
            f"{live_file} does not say which tenant it was taken from (an older"
            " reconciler took it), so `apply` will refuse this saved plan: take the"
            " snapshot again.",
            style="yellow",
        )
    checked = project.checked_plan(
        desired,
        live,
        targets=targets,
        excludes=excludes,
        overrides=overrides_from(allow_delete, max_change_share, force_changes),
        recorded=recorded,
    )
    project.publish(checked.plan, checked.refusals, outputs, messages(), write=echo_report)
    if checked.refusals:
        raise PlanRefused(checked.refusals)
    if out_file is not None and checked.saved is not None:
        _write_saved_plan(out_file, checked.saved)
    if detailed_exitcode and not checked.plan.empty:
        raise click.exceptions.Exit(EXIT_PENDING)


def _write_saved_plan(out_file: Path, saved: Mapping[str, Any]) -> None:
    SAVED_PLAN.write(out_file, saved)
    signed = f" (signed with {KEY_VAR})" if "signature" in saved else ""
    messages().say(
        f"Saved plan written to {out_file}{signed}; apply it with:"
        f" reconciler apply {shlex.quote(str(out_file))}"
    )


#: This module's commands, added to the group by :mod:`reconciler.cli.app`.
COMMANDS = (
    validate,
    plan,
)
