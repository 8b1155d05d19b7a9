"""The ``reconciler`` command line: parses, delegates to :class:`~reconciler.project.Project`.

Exit codes, the same for every command: 0 done, nothing pending; 1 error (nothing was written);
2 changes or drift pending (``plan --detailed-exitcode``, ``drift``); 3 refused by a safety guard or
policy; 4 apply partly failed. Usage errors exit 1 as well (click's own 2 would read as
"changes pending" to a pipeline).
"""

from __future__ import annotations

import contextlib
import copy
import os
import shlex
import sys
import traceback
from collections.abc import Callable, Collection, Coroutine, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler import __version__, fastschema, logs, problem_report, signals
from reconciler.applying import OnOutcome
from reconciler.completion import FormatOption, complete_targets
from reconciler.console import Output, use_color
from reconciler.discovery import config_in_argv, project_hooks
from reconciler.documents import write_document
from reconciler.errors import (
    ApplyFailed,
    PlanRefused,
    ReconcilerError,
    SettingsError,
    StaleObjectError,
    StalePlan,
)
from reconciler.freshness import find_moved, planned_objects
from reconciler.hooks import Hooks
from reconciler.model import DesiredState, LiveObject, Plan
from reconciler.project import NO_LOCAL_PLUGINS_VAR, Project
from reconciler.records import ApplyResult, ChangeOutcome, Outcome, RenderOptions, Reporter
from reconciler.reporting import full_report_hint, publish, render, reporter_for, utc_now
from reconciler.savedplan import is_saved_plan, read_saved_plan, saved_plan_document
from reconciler.snapshot import read_snapshot, snapshot_to_document

__all__ = ["cli", "main"]

# 3 (refused) and 4 (partly applied) come with their errors: PlanRefused, ApplyFailed.
EXIT_OK, EXIT_ERROR, EXIT_PENDING = 0, 1, 2
#: The shell's convention for a process ended by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130

path_argument = click.argument("path", type=click.Path(exists=True, path_type=Path), metavar="PATH")
target_option = click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="KIND.NAME",
    shell_complete=complete_targets,
    help="Plan only this object (repeatable), e.g. institute.pe.",
)
allow_delete_option = click.option(
    "--allow-delete", is_flag=True, help="Let tombstones (absent: true) delete live objects."
)

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def sandbox_options(func: F) -> F:
    """``--sandbox`` and ``--reset-sandbox``, shared by every command that talks to a provider."""
    func = click.option(
        "--reset-sandbox", is_flag=True, help="Start the emulator again from its seed."
    )(func)
    return click.option(
        "--sandbox",
        is_flag=True,
        help="Run against a local emulator seeded from PATH's sandbox seed file.",
    )(func)


def _run_option(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Record a run option wherever it stood on the line, and set logging up to match."""
    if value in (None, 0, False):
        return value
    obj = ctx.find_root().ensure_object(dict)
    if param.name == "verbose":
        obj["verbose"] = obj.get("verbose", 0) + value
    elif param.name == "config":
        obj["config"] = value
        return value
    else:
        obj[str(param.name)] = value
    _configure_logging(obj)
    return value


def _terminated() -> int:
    click.echo("\nTerminated. Run plan again to see what is still pending.", err=True)
    return signals.EXIT_TERMINATED


def _no_local_plugins(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        os.environ[NO_LOCAL_PLUGINS_VAR] = "1"
    return value


def run_options() -> list[click.Parameter]:
    """``-v``, ``--log-level`` and ``--no-color``: taken before the command name or after it."""
    return [
        click.Option(
            ["-v", "--verbose"],
            count=True,
            expose_value=False,
            callback=_run_option,
            help="Say more: -v retries, pauses and timings; -vv every request.",
        ),
        click.Option(
            ["--log-level"],
            type=click.Choice(logs.LEVELS, case_sensitive=False),
            expose_value=False,
            callback=_run_option,
            help="Log at this level (wins over -v).",
        ),
        click.Option(
            ["--no-local-plugins"],
            is_flag=True,
            expose_value=False,
            callback=_no_local_plugins,
            help="Load no Python file from the config directory (pull requests from forks);"
            f" also {NO_LOCAL_PLUGINS_VAR}=1.",
        ),
        click.Option(
            ["--no-color"],
            is_flag=True,
            expose_value=False,
            callback=_run_option,
            help="Never colour the output (also: NO_COLOR=1).",
        ),
    ]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconciler")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Keep ProctorExam institutes (and more, through plugins) in line with YAML."""
    ctx.ensure_object(dict)


cli.params.extend(run_options())
# Before the command name, --config names the project whose local plugins add commands.
cli.params.append(
    click.Option(
        ["--config"],
        type=click.Path(exists=True, path_type=Path),
        metavar="PATH",
        expose_value=False,
        callback=_run_option,
        help="Run inside this project (its directory or reconciler.toml): its local plugins"
        " may add commands. Default: the current directory, if it has a reconciler.toml.",
    )
)


@cli.command()
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
    with _problems_as(fmt):
        state = Project.open(path).load()
    if fmt != "text":
        click.echo(problem_report.render_problems(fmt, (), state), nl=False)
    _output().say(
        f"The configuration is valid: {_count(state)} in {len(state.files)} file(s).",
        style="green",
    )


@cli.command()
@path_argument
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
    path: Path,
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
    """Show what apply would change to make the live objects match PATH."""
    with _problems_as("github" if fmt == "github" else "text"):
        project = Project.open(path)
        reporter = _reporter(project.hooks, fmt)
        desired = project.load()
    snap = None
    if live_file is not None:
        if sandbox or reset_sandbox:
            raise SettingsError("--live plans against a snapshot: leave out --sandbox.")
        snap = read_snapshot(live_file)
        live = snap.live_for(project.needed_kinds(desired), source=str(live_file))
        _output().say(f"Planned against the live snapshot {live_file}, {snap.describe()}.")
    else:
        with _maybe_sandbox(project, desired.kinds, sandbox, reset_sandbox):
            live = _run(_refresh(project, desired))
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
    color = output is None and use_color(sys.stdout, os.environ, disabled=_no_color())
    options = RenderOptions(color=color, full_report=full_report_hint("plan", path))
    text = render(reporter, the_plan, refusals, options)
    publish(project.hooks, text, output, the_plan, refusals, _output())
    if refusals:
        raise PlanRefused(refusals)
    if out_file is not None:
        write_document(out_file, saved)
        _output().say(
            f"Saved plan written to {out_file}; apply it with:"
            f" reconciler apply {shlex.quote(str(out_file))}"
        )
    if detailed_exitcode and not the_plan.empty:
        raise click.exceptions.Exit(EXIT_PENDING)


@cli.command()
@path_argument
@sandbox_options
@target_option
@allow_delete_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
def apply(
    path: Path,
    sandbox: bool,
    reset_sandbox: bool,
    targets: tuple[str, ...],
    allow_delete: bool,
    auto_approve: bool,
) -> None:
    """Make the live objects match PATH: plan, confirm, then apply.

    PATH may also be a saved plan (from `plan --out`): it is applied exactly, with no prompt,
    and refused (exit 3) if any object it touches changed since it was made.
    """
    if is_saved_plan(path):
        if targets or allow_delete:
            raise SettingsError(
                f"{path} is a saved plan and applies exactly what it holds;"
                " --target and --allow-delete go with `plan --out`."
            )
        _apply_saved(path, sandbox, reset_sandbox)
        return
    project = Project.open(path)
    reporter = _reporter(project.hooks, "text")
    desired = project.load()
    with _maybe_sandbox(project, desired.kinds, sandbox, reset_sandbox):
        live = _run(_refresh(project, desired))
        the_plan = project.plan(desired, live, targets=targets)
        refusals = project.refusals(the_plan, allow_delete=allow_delete)
        color = use_color(sys.stdout, os.environ, disabled=_no_color())
        click.echo(render(reporter, the_plan, (), RenderOptions(color=color)), nl=False)
        if not project.ready_to_apply(the_plan, refusals):
            return
        planned = None
        if not auto_approve:
            _confirm()
            # The prompt may have waited long: catch what moved meanwhile, before any write.
            planned = planned_objects(the_plan, live)
        _run_apply(project, the_plan, planned)


def _apply_saved(path: Path, sandbox: bool, reset_sandbox: bool) -> None:
    saved = read_saved_plan(path)
    if not saved.project.exists():
        raise SettingsError(
            f"{path} was made from the project {saved.project}, which is not here;"
            " apply it from the directory that plan ran in."
        )
    project = Project.open(saved.project)
    unknown = sorted({c.kind for c in saved.plan.changes} - set(project.kinds))
    if unknown:
        raise SettingsError(
            f"{path} changes objects of kinds no loaded plugin provides: {', '.join(unknown)};"
            " is the plugin that provides them installed and enabled?"
        )
    the_plan = saved.resolved(project.environ)
    refusals = project.refusals(the_plan, allow_delete=saved.allow_delete)
    if refusals:
        project.ready_to_apply(the_plan, refusals)  # tells reconciler_after_apply, then raises
    against = f" against the live snapshot {saved.snapshot}" if saved.snapshot else ""
    _output().say(f"Applying the saved plan {path}, made at {saved.created_at}{against}.")
    color = use_color(sys.stdout, os.environ, disabled=_no_color())
    reporter = _reporter(project.hooks, "text")
    click.echo(render(reporter, saved.plan, (), RenderOptions(color=color)), nl=False)
    if not project.ready_to_apply(the_plan, ()):
        return
    kinds = {c.kind for c in the_plan.changes}
    with _maybe_sandbox(project, kinds, sandbox, reset_sandbox):
        _run_apply(project, the_plan, saved.planned)


config_option = click.option(
    "--config",
    type=click.Path(exists=True, path_type=Path),
    metavar="PATH",
    help="The project (its directory or its reconciler.toml) whose local plugins to load;"
    " by default the current directory's, if it has a reconciler.toml.",
)


@cli.command()
@path_argument
@sandbox_options
@click.option(
    "--format",
    "fmt",
    cls=FormatOption,
    renders="drift",
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output", type=click.Path(path_type=Path), help="Write the drift report to this file."
)
@click.option(
    "--live",
    "live_file",
    type=click.Path(path_type=Path),
    help="Check against this snapshot (from `snapshot`): no credentials, no network.",
)
def drift(
    path: Path,
    sandbox: bool,
    reset_sandbox: bool,
    fmt: str,
    output: Path | None,
    live_file: Path | None,
) -> None:
    """Report how the live objects drifted from PATH; read-only. Exit 2 when anything drifted.

    Each object is changed (a declared field differs), missing (declared, not live), present
    (tombstoned, still live) or unmanaged (live, not declared, not ignored).
    """
    project = Project.open(path)
    reporter = reporter_for(project.hooks, fmt, "drift")
    desired = project.load()
    if live_file is not None:
        if sandbox or reset_sandbox:
            raise SettingsError("--live checks against a snapshot: leave out --sandbox.")
        snap = read_snapshot(live_file)
        live = snap.live_for(desired.kinds, source=str(live_file))
        _output().say(f"Checked against the live snapshot {live_file}, {snap.describe()}.")
    else:
        with _maybe_sandbox(project, desired.kinds, sandbox, reset_sandbox):
            live = _run(_refresh(project, desired))
    report = project.drift(desired, live, generated_at=utc_now())
    color = output is None and use_color(sys.stdout, os.environ, disabled=_no_color())
    options = RenderOptions(color=color, full_report=full_report_hint("drift", path))
    publish(project.hooks, render(reporter, report, (), options), output, report, (), _output())
    if not report.empty:
        raise click.exceptions.Exit(EXIT_PENDING)


@cli.command()
@path_argument
@sandbox_options
@click.option(
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write the snapshot here.",
)
def snapshot(path: Path, sandbox: bool, reset_sandbox: bool, output: Path) -> None:
    """Write the live objects of the kinds PATH uses, for `plan --live` to plan against."""
    project = Project.open(path)
    desired = project.load()
    with _maybe_sandbox(project, desired.kinds, sandbox, reset_sandbox):
        live = _run(_refresh(project, desired))
    write_document(output, snapshot_to_document(live, project.kinds))
    count = sum(len(objects) for objects in live.values())
    _output().say(f"Snapshot of {count} live object(s) written to {output}.")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), metavar="DIR")
@sandbox_options
@click.option("--kind", "kinds", multiple=True, metavar="KIND", help="Export only this kind.")
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="KIND.NAME",
    help="Export only this object (repeatable), e.g. institute.pe.",
)
@click.option("--defaults", is_flag=True, help="Lift values every object shares into defaults.")
@click.option("--force", is_flag=True, help="Replace files that exist already.")
def export(
    directory: Path,
    sandbox: bool,
    reset_sandbox: bool,
    kinds: tuple[str, ...],
    targets: tuple[str, ...],
    defaults: bool,
    force: bool,
) -> None:
    """Write the live objects into DIR as YAML that plans with no changes.

    One file per kind, keyed by identity; write-only fields are left out, with a comment.
    Settings (base URL, local plugins) come from DIR/reconciler.toml when it exists.
    """
    from reconciler import export as exporting

    if reset_sandbox and not sandbox:
        raise SettingsError("--reset-sandbox goes with --sandbox.")
    project = Project.open_or_default(directory)
    names = exporting.selected_kinds(project.kinds, kinds, targets)
    sections = [f"{project.kinds[n].section}.yaml" for n in names]
    exporting.check_free(directory, sections, force=force)
    emulator = project.sandbox(names, reset=reset_sandbox) if sandbox else contextlib.nullcontext()
    with emulator:
        live = _run(exporting.read_live(project, names))
    chosen = exporting.check_targets(live, targets)
    files = exporting.export_files(chosen, project.kinds, lift_defaults=defaults)
    exporting.write_files(directory, files, force=force)
    out = _output()
    for file in files:
        out.say(f"Wrote {directory / file.name}" + (f" ({file.objects})." if file.objects else "."))
    flag = " --sandbox" if sandbox else ""
    out.say(f"Check it: reconciler plan {directory}{flag} --detailed-exitcode (no changes).")


@cli.command()
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@sandbox_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--write-probe",
    metavar="NAME",
    help="Also send one no-op update to this object (e.g. an institute's short_name) to check"
    " the update route; asks first on a terminal.",
)
def doctor(
    path: Path | None, sandbox: bool, reset_sandbox: bool, fmt: str, write_probe: str | None
) -> None:
    """Probe the live service, read-only: address, credentials, clock, pagination, signing.

    With PATH, its settings apply and the fields it manages are read back from one live
    object; without, the current directory's reconciler.toml (if any). Exits 0 when every step
    passed, 1 when one failed, 2 when one was inconclusive.
    """
    from reconciler.doctor import confirm_write_probe, run_doctor

    project = Project.open(path if path is not None else Path.cwd())
    desired = project.load() if path is not None else None
    if sandbox and desired is None:
        raise SettingsError("--sandbox needs PATH: the sandbox is seeded from the config there.")
    if write_probe:
        confirm_write_probe(write_probe, sorted(project.hooks.providers))
    kinds = desired.kinds if desired is not None else frozenset[str]()
    with _maybe_sandbox(project, kinds, sandbox, reset_sandbox):
        report = run_doctor(
            project.hooks,
            project.settings,
            project.environ,
            desired=desired,
            write_probe=write_probe,
        )
    color = use_color(sys.stdout, os.environ, disabled=_no_color())
    click.echo(report.render(fmt, color=color), nl=False)
    if report.exit_code:
        raise click.exceptions.Exit(report.exit_code)


@cli.command()
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@config_option
def plugins(path: Path | None, config: Path | None) -> None:
    """List the loaded plugins: where each came from, its hooks and what it contributes.

    With PATH (or --config, or inside a project), the project's settings apply too: its local
    plugins, minus the disabled ones. Functions named like hooks without @hookimpl are warned
    about.
    """
    hooks = project_hooks(path or _config(config))
    contributions = hooks.contributions()
    for info in hooks.infos:
        click.echo(f"{info.name}  ({info.source})")
        click.echo(f"    hooks: {', '.join(hooks.hooks_of(info.name)) or '-'}")
        click.echo(f"    contributes: {', '.join(contributions.get(info.name, [])) or '-'}")
    click.echo(f"schema validation: {fastschema.ENGINE}")
    for warning in hooks.warnings():
        _output().say(f"Warning: {warning}", style="yellow")


@cli.command()
@click.argument("name", default="config", metavar="[NAME]")
@config_option
def schema(name: str, config: Path | None) -> None:
    """Print a JSON Schema: config, a document (plan, validation, …), settings, or a kind.

    Inside a project (or with --config), the kinds and settings of its local plugins are seen.
    """
    from reconciler.schemas import dump_schema

    schemas = project_hooks(_config(config)).published_schemas()
    key = f"{name}.schema.json"
    if key not in schemas:
        names = ", ".join(sorted(k.removesuffix(".schema.json") for k in schemas))
        raise SettingsError(f"no schema named {name!r}; choose one of: {names}.")
    click.echo(dump_schema(schemas[key]), nl=False)


# --------------------------------------------------------------------------------------------


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run``; asyncio is imported only by the commands that reach a provider."""
    import asyncio

    return asyncio.run(coroutine)


async def _refresh(project: Project, desired: DesiredState) -> dict[str, Sequence[LiveObject]]:
    async with project.sessions(project.needed_kinds(desired)) as sessions:
        return await project.refresh(sessions, desired)


def _run_apply(
    project: Project, the_plan: Plan, planned: Mapping[str, LiveObject | None] | None
) -> None:
    """Apply with a progress bar; with ``planned``, refuse first if anything moved since."""
    out = _output()
    made: list[ChangeOutcome] = []
    stop = _stop_request()
    with out.progress(len(the_plan.changes), "Applying") as progress:

        def report(outcome: ChangeOutcome) -> None:
            out.outcome(outcome)
            progress.advance(progress.task_ids[0])
            if outcome.outcome is Outcome.APPLIED:
                made.append(outcome)

        try:
            with stop.graceful():
                result = _run(_apply(project, the_plan, report, planned, stop))
        except KeyboardInterrupt:
            out.say(f"{len(made)} of {len(the_plan.changes)} change(s) were made.")
            raise
    _finish(result, out, stopped=stop.reason is not None)


async def _apply(
    project: Project,
    the_plan: Plan,
    report: OnOutcome,
    planned: Mapping[str, LiveObject | None] | None,
    stop: signals.StopRequest,
) -> ApplyResult:
    async with project.sessions({change.kind for change in the_plan.changes}) as sessions:
        if planned is not None:
            moved = await find_moved(
                the_plan.changes,
                planned,
                sessions,
                project.kinds,
                parallelism=project.settings.parallelism,
            )
            if moved:
                raise StalePlan(moved)
        return await project.apply(the_plan, sessions, on_outcome=report, should_stop=stop)


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
    if result.count(Outcome.APPLIED) == 0 and result.count(Outcome.UNKNOWN) == 0:
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


def _stop_request() -> signals.StopRequest:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    stop = root.obj.get("stop") if root and isinstance(root.obj, dict) else None
    return stop if isinstance(stop, signals.StopRequest) else signals.StopRequest()


@contextlib.contextmanager
def _maybe_sandbox(
    project: Project, kinds: Collection[str], sandbox: bool, reset: bool
) -> Iterator[None]:
    if reset and not sandbox:
        raise SettingsError("--reset-sandbox goes with --sandbox.")
    if not sandbox:
        yield
        return
    with project.sandbox(kinds, reset=reset):
        yield


@contextlib.contextmanager
def _problems_as(fmt: str) -> Iterator[None]:
    """In a machine format, print the problems of a failed load on stdout, then exit 1."""
    try:
        yield
    except ReconcilerError as exc:
        if fmt == "text":
            raise
        problems = problem_report.problems_of(exc)
        click.echo(problem_report.render_problems(fmt, problems), nl=False)
        _output().say(f"{len(problems)} problem(s) found.", style="red")
        raise click.exceptions.Exit(EXIT_ERROR) from None


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise ReconcilerError(
            "apply needs a confirmation and there is no terminal to ask on;"
            " review the plan and pass --auto-approve to apply it unattended."
        )
    click.echo("\nDo you want to perform these actions? Only 'yes' will be accepted.")
    if click.prompt("  Enter a value", default="", show_default=False) != "yes":
        raise ReconcilerError("Apply cancelled; nothing was changed.")


def _reporter(hooks: Hooks, fmt: str) -> Reporter:
    return reporter_for(hooks, fmt, "plan")


def _count(state: DesiredState) -> str:
    kinds: dict[str, int] = {}
    for obj in state.objects:
        kinds[obj.kind] = kinds.get(obj.kind, 0) + 1
    return ", ".join(f"{n} {kind}(s)" for kind, n in sorted(kinds.items())) or "no objects"


def _config(given: Path | None) -> Path | None:
    """A command's own --config, else the one given before the command name."""
    if given is not None:
        return given
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    value = root.obj.get("config") if root and root.obj else None
    return Path(value) if value else None


def _no_color() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and root.obj and root.obj.get("no_color"))


def _configure_logging(obj: dict[str, Any]) -> None:
    color = use_color(sys.stderr, os.environ, disabled=bool(obj.get("no_color")))
    logs.configure(obj.get("verbose", 0), obj.get("log_level"), color=color)


def _output() -> Output:
    return Output(color=use_color(sys.stderr, os.environ, disabled=_no_color()))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code instead of raising it (testable)."""
    before = os.environ.get(NO_LOCAL_PLUGINS_VAR)
    try:
        with signals.handle_sigterm() as stop:
            return _main(argv, stop)
    finally:
        # --no-local-plugins sets the variable for this run only (main runs in-process in tests).
        if before is None:
            os.environ.pop(NO_LOCAL_PLUGINS_VAR, None)
        else:
            os.environ[NO_LOCAL_PLUGINS_VAR] = before


def _main(argv: Sequence[str] | None, stop: signals.StopRequest) -> int:
    _configure_logging({})
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        # A copy of the group: commands a project's plugins add stay out of the next run.
        group = copy.copy(cli)
        group.commands = dict(cli.commands)
        # --no-local-plugins takes effect when parsed, after this: look for it here too.
        local = "--no-local-plugins" not in args[: args.index("--") if "--" in args else None]
        project_hooks(config_in_argv(args), local=local).add_commands(group)
        for command in group.commands.values():
            if not any(p.name == "verbose" for p in command.params):
                command.params.extend(run_options())
        # Outside standalone mode click returns an Exit's code instead of raising it.
        code = group.main(
            args=args, prog_name="reconciler", standalone_mode=False, obj={"stop": stop}
        )
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        # click turns Ctrl-C into Abort. Mid-apply, some changes may have been made already:
        # a new plan shows what is still pending, and applying it again converges.
        click.echo("\nInterrupted. Run plan again to see what is still pending.", err=True)
        return EXIT_INTERRUPTED
    except signals.Terminated:
        return _terminated()
    except BaseExceptionGroup as group:
        # SIGTERM inside a task group (concurrent page reads) arrives wrapped.
        if group.subgroup(signals.Terminated) is None:
            raise
        return _terminated()
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except ReconcilerError as exc:
        if exc.__cause__ is not None and logs.verbosity() >= 1:
            # -v: the traceback of what a plugin raised, below the message that names it.
            traceback.print_exception(exc.__cause__, file=sys.stderr)
        Output(color=use_color(sys.stderr, os.environ)).error(str(exc))
        return exc.exit_code
    finally:
        logs.reset()
    return code if isinstance(code, int) else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
