"""``plan DIR...`` and ``drift DIR...``: several directories, one summary (see multirun)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import click

from reconciler.cli.common import EXIT_PENDING, maybe_sandbox, messages, run, sandbox_tls
from reconciler.console import write_atomic
from reconciler.errors import SettingsError
from reconciler.model import Action, DriftCategory
from reconciler.pipeline.basis import live_basis
from reconciler.pipeline.live import Live
from reconciler.pipeline.multirun import Member, Row, prepare, run_members, worst
from reconciler.pipeline.project import Project
from reconciler.pipeline.reporting import full_report_hint, render, reporter_for, utc_now
from reconciler.pipeline.summary import What, render_summary
from reconciler.records import RenderOptions
from reconciler.settings.guards import Overrides

__all__ = ["drift_many", "paths_argument", "plan_many", "refuse_single_only"]

paths_argument = click.argument(
    "paths",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    metavar="PATH...",
)


def refuse_single_only(paths: Sequence[Path], **given: object) -> None:
    """Options that name one directory's files make no sense for several."""
    named = [f"--{name.replace('_', '-')}" for name, value in given.items() if value]
    if len(paths) > 1 and named:
        raise SettingsError(
            f"{', '.join(named)} take(s) one directory; run them per directory, or plan the"
            f" {len(paths)} directories without them."
        )


def _format(fmt: str) -> str:
    # The GitHub format annotates one plan's lines; a summary over several is text.
    return "text" if fmt == "github" else fmt


def _finish(rows: list[Row], what: What, fmt: str, output: Path | None) -> None:
    """Print or write the summary, and exit with the worst directory's code (unless 0)."""
    text = render_summary(rows, what, _format(fmt))
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        write_atomic(output, text)
        messages().say(f"Summary of {len(rows)} directories written to {output}.")
    code = worst([r.exit_code for r in rows])
    if code:
        raise click.exceptions.Exit(code)


def plan_many(
    paths: Sequence[Path],
    *,
    sandbox: bool,
    reset_sandbox: bool,
    fmt: str,
    output: Path | None,
    detailed_exitcode: bool,
    overrides: Overrides,
) -> None:
    sandbox_tls(sandbox, reset_sandbox)
    rows, members = prepare(paths)

    def each(member: Member) -> None:
        project, row = member.project, member.row
        reporter = reporter_for(project.hooks, _format(fmt), "plan")
        basis = live_basis(project, project.needed_kinds(member.desired))
        checked = project.checked_plan(
            member.desired, Live(member.live, basis), overrides=overrides
        )
        plan, refusals = checked.plan, checked.refusals
        options = RenderOptions(full_report=full_report_hint("plan", row.path))
        row.report = render(reporter, plan, refusals, options)
        row.counts = tuple(plan.count(a) for a in (Action.CREATE, Action.UPDATE, Action.DELETE))
        row.exit_code = 3 if refusals else EXIT_PENDING if detailed_exitcode and plan.changes else 0
        project.hooks.after_report(plan, refusals)

    run_members(members, _sandboxes(sandbox, reset_sandbox), each, run)
    _finish(rows, "plan", fmt, output)


def drift_many(
    paths: Sequence[Path],
    *,
    sandbox: bool,
    reset_sandbox: bool,
    fmt: str,
    output: Path | None,
    only_managed: bool,
) -> None:
    sandbox_tls(sandbox, reset_sandbox)
    rows, members = prepare(paths)
    stamp = utc_now()

    def each(member: Member) -> None:
        project, row = member.project, member.row
        reporter = reporter_for(project.hooks, _format(fmt), "drift")
        report = project.drift(
            member.desired, member.live, generated_at=stamp, only_managed=only_managed
        )
        options = RenderOptions(full_report=full_report_hint("drift", row.path))
        row.report = render(reporter, report, (), options)
        row.counts = tuple(report.count(c) for c in DriftCategory)
        row.exit_code = EXIT_PENDING if project.drift_pending(report) else 0
        project.hooks.after_report(report, ())

    run_members(members, _sandboxes(sandbox, reset_sandbox), each, run)
    _finish(rows, "drift", fmt, output)


def _sandboxes(
    sandbox: bool, reset: bool
) -> Callable[[Project, Collection[str]], AbstractContextManager[None]] | None:
    """What starts each directory's sandbox (``--tls`` included), or None without one."""
    if not sandbox:
        return None
    return lambda project, kinds: maybe_sandbox(project, kinds, True, reset)
