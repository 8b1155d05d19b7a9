"""``apply``: a configuration or a saved plan made so, with a progress bar and a clear end."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import click

from reconciler import signals
from reconciler.cli.common import (
    EXIT_PENDING,
    confirm,
    exclude_option,
    maybe_sandbox,
    messages,
    path_argument,
    plan_reporter,
    sandbox_options,
    stdout_color,
    stop_request,
    target_option,
)
from reconciler.cli.guardopts import guard_options, overrides_from
from reconciler.cli.savedapply import apply_saved_plan
from reconciler.console import Output
from reconciler.documents.savedplan import is_saved_plan
from reconciler.engine.freshness import planned_objects
from reconciler.engine.journal import WAIT, WINDOW, format_wait
from reconciler.engine.withheld import withhold_env_values
from reconciler.errors import (
    ApplyFailed,
    ReconcilerError,
    SettingsError,
    StaleObjectError,
)
from reconciler.model import Action, LiveObject, Plan
from reconciler.pipeline.live import Live
from reconciler.pipeline.project import Project
from reconciler.pipeline.reporting import render
from reconciler.records import ApplyResult, ChangeOutcome, Outcome, RenderOptions
from reconciler.settings.guards import Overrides


@click.command()
@path_argument
@sandbox_options
@target_option
@exclude_option
@guard_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when changes were applied, 0 when there was nothing to do.",
)
def apply(
    path: Path,
    sandbox: bool,
    reset_sandbox: bool,
    targets: tuple[str, ...],
    excludes: tuple[str, ...],
    allow_delete: tuple[str, ...],
    max_change_share: float | None,
    force_changes: int | None,
    auto_approve: bool,
    detailed_exitcode: bool,
) -> None:
    """Make the live objects match PATH: plan, confirm, then apply.

    PATH may also be a saved plan (from `plan --out`): it is applied exactly, with no prompt,
    once checked against the configuration of this checkout, today's guards and the tenant;
    refused (exit 3) if it is not what the configuration yields or if any object it touches
    changed since it was made.
    """
    # The guards' one-shot overrides are this command's own, never a saved plan's.
    overrides = overrides_from(allow_delete, max_change_share, force_changes)
    if is_saved_plan(path):
        if targets or excludes:
            raise SettingsError(
                f"{path} is a saved plan and applies exactly what it holds; --target and"
                " --exclude go with `plan --out`."
            )
        applied = apply_saved_plan(
            path,
            sandbox=sandbox,
            reset_sandbox=reset_sandbox,
            overrides=overrides,
            run_apply=run_apply,
        )
    else:
        applied = apply_path(
            path,
            sandbox,
            reset_sandbox,
            targets=targets,
            excludes=excludes,
            overrides=overrides,
            auto_approve=auto_approve,
        )
    if detailed_exitcode and applied:
        raise click.exceptions.Exit(EXIT_PENDING)


def apply_path(
    path: Path,
    sandbox: bool,
    reset_sandbox: bool,
    *,
    targets: tuple[str, ...],
    excludes: tuple[str, ...],
    overrides: Overrides,
    auto_approve: bool,
) -> bool:
    """Plan PATH, confirm, apply; whether there was anything to apply."""
    project = Project.open(path)
    reporter = plan_reporter(project.hooks, "text")
    desired = project.load()
    with maybe_sandbox(project, desired.kinds, sandbox, reset_sandbox):
        live = Live(project.live_objects(desired))
        checked = project.checked_plan(
            desired, live, targets=targets, excludes=excludes, overrides=overrides
        )
        the_plan = checked.plan
        click.echo(render(reporter, the_plan, (), RenderOptions(color=stdout_color())), nl=False)
        if not project.ready_to_apply(the_plan, checked.refusals):
            return False
        planned = None
        # As the plan saw them, values read through ${env:…} left out: never compared, shown
        # or kept (they are secrets).
        seen = planned_objects(the_plan, withhold_env_values(live.objects, desired))
        if not auto_approve:
            confirm()
            # The prompt may have waited long: catch what moved meanwhile, before any write.
            planned = seen
        # Unattended, each object is read again just before its write: another apply running
        # meanwhile is caught object by object, not overwritten (applying.py). After a prompt,
        # the whole plan was checked just now (planned).
        run_apply(project, the_plan, planned, reread=seen if auto_approve else None)
        return True


def run_apply(
    project: Project,
    the_plan: Plan,
    planned: Mapping[str, LiveObject | None] | None,
    *,
    reread: Mapping[str, LiveObject | None] | None = None,
) -> None:
    """Apply with a progress bar; with ``planned``, refuse first if anything moved since.

    ``reread``: the objects as the plan saw them, to read each again just before its write and
    compare (an unattended apply).
    """
    out = messages()
    made: list[ChangeOutcome] = []
    stop = stop_request()
    with out.progress(len(the_plan.changes), "Applying") as progress:

        def report(outcome: ChangeOutcome) -> None:
            out.outcome(outcome)
            progress.advance(progress.task_ids[0])
            if outcome.outcome is Outcome.APPLIED:
                made.append(outcome)

        try:
            with stop.graceful():
                result = project.execute(
                    the_plan, on_outcome=report, should_stop=stop, planned=planned, reread=reread
                )
        except KeyboardInterrupt:
            out.say(f"{len(made)} of {len(the_plan.changes)} change(s) were made.")
            raise
    _journal_note(project, result, out)
    _finish(result, out, stopped=stop.reason is not None)


def _journal_note(project: Project, result: ApplyResult, out: Output) -> None:
    """Say how long to wait when a create's outcome is unknown, and where it is remembered."""
    unknown = [
        o.change
        for o in result.outcomes
        if o.outcome is Outcome.UNKNOWN and o.change.action is Action.CREATE
    ]
    if not unknown:
        return
    where = project.journal({c.kind for c in unknown}).note(unknown[0].kind)
    out.say(
        f"{len(unknown)} create(s) have an unknown outcome: the service may still commit them."
        f" They are in the apply journal ({where}). Wait {format_wait(WAIT)} before applying"
        f" again: until then an apply holds those creates back, and for"
        f" {WINDOW // 3600} hours it looks for each object before creating it again.",
        style="yellow",
    )


def _finish(result: ApplyResult, out: Output, *, stopped: bool = False) -> None:
    summary = result.summary()
    if stopped:
        out.say(f"Stopped (SIGTERM): {summary}.", style="yellow")
        raise ApplyStopped(result)
    stale = result.count(Outcome.STALE)
    if not result.failed and not stale:
        out.say(f"Apply complete: {summary}.", style="green")
        return
    if not result.failed:
        out.say(f"Applied: {summary}.", style="yellow")
        raise StaleObjectError(
            f"Another change got there first: {stale} object(s) changed since the plan was"
            " made (see above). Plan again to see what is still to do."
        )
    written = (Outcome.APPLIED, Outcome.UNKNOWN, Outcome.NOT_TAKEN)
    if not any(result.count(o) for o in written):
        raise ReconcilerError(
            f"Apply failed: none of {len(result.outcomes)} change(s) could be made ({summary})."
        )
    out.say(f"Applied: {summary}.", style="yellow")
    raise ApplyFailed(result)


class ApplyStopped(ReconcilerError):
    """SIGTERM stopped an apply: the changes in flight finished, the others were not started."""

    exit_code = signals.EXIT_TERMINATED

    def __init__(self, result: ApplyResult) -> None:
        made = result.count(Outcome.APPLIED)
        super().__init__(
            f"Apply stopped by SIGTERM after {made} of {len(result.outcomes)} change(s) were"
            " made. Run plan again to see what is still pending."
        )


#: This module's commands, added to the group by :mod:`reconciler.cli.app`.
COMMANDS = (apply,)
