"""``drift``, ``snapshot`` and ``export``: the live state reported, saved, or written as YAML."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler.cli.accept import accept as accept_into_files
from reconciler.cli.common import (
    EXIT_PENDING,
    echo_report,
    maybe_sandbox,
    messages,
    path_argument,
    run,
    sandbox_options,
    sandbox_tls,
    stdout_color,
)
from reconciler.cli.completion import FormatOption
from reconciler.cli.livesource import live_source, max_age_option
from reconciler.cli.many import drift_many, paths_argument, refuse_single_only
from reconciler.cli.outputs import (
    check_max_chars,
    max_chars_option,
    report_option,
    reports_for,
)
from reconciler.console import write_atomic
from reconciler.documents.snapshot import SNAPSHOT
from reconciler.errors import SettingsError
from reconciler.pipeline.project import Project
from reconciler.pipeline.reporting import ReportOutputs, reporter_for

if TYPE_CHECKING:
    # Imported when exporting: ruamel.yaml's round trip is no other command's.
    from reconciler.export import merge as exportmerge
    from reconciler.export.live import ExportFile
    from reconciler.model import LiveObject


@click.command()
@paths_argument
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
@report_option
@max_chars_option
@click.option(
    "--live",
    "live_file",
    type=click.Path(path_type=Path),
    help="Check against this snapshot (from `snapshot`): no credentials, no network.",
)
@max_age_option
@click.option(
    "--only-managed",
    is_flag=True,
    help="Leave unmanaged objects (live, in scope, not declared) out of the report.",
)
@click.option(
    "--accept",
    is_flag=True,
    help="Edit the YAML in place so that it declares the live values (only drifted values;"
    " references, secrets and anchors are reported, not overwritten). Prints the diff.",
)
@click.option(
    "--accept-into-ignore",
    is_flag=True,
    help="Instead, add the drifted fields to [ignore.fields] in reconciler.toml.",
)
@click.option("--dry-run", is_flag=True, help="With --accept: print the diff, write nothing.")
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="ADDRESS",
    help="With --accept: only these objects (repeatable): institute.pe, or a glob institute.uni-*.",
)
def drift(
    paths: tuple[Path, ...],
    sandbox: bool,
    reset_sandbox: bool,
    fmt: str,
    output: Path | None,
    reports: tuple[str, ...],
    max_chars: int | None,
    live_file: Path | None,
    max_age: float | None,
    only_managed: bool,
    accept: bool,
    accept_into_ignore: bool,
    dry_run: bool,
    targets: tuple[str, ...],
) -> None:
    """Report how the live objects drifted from PATH; read-only. Exit 2 when something drifted.

    Each object is changed (a declared field differs), missing (declared, not live), present
    (tombstoned, still live) or unmanaged (live, in scope, not declared, not ignored). Unmanaged
    objects make the exit code 2 only with [drift] unmanaged = "fail". With several
    directories, each is checked with its own settings, and a summary table is added.
    """
    accepting = _accepting(accept, accept_into_ignore, dry_run=dry_run, targets=targets)
    if len(paths) > 1:
        refuse_single_only(
            paths,
            live=live_file,
            max_age=max_age,
            accept=accepting,
            report=reports,
            max_chars=max_chars,
        )
        drift_many(
            paths,
            sandbox=sandbox,
            reset_sandbox=reset_sandbox,
            fmt=fmt,
            output=output,
            only_managed=only_managed,
        )
        return
    project = Project.open(paths[0])
    reporter = reporter_for(project.hooks, fmt, "drift")
    extra = reports_for(project.hooks, reports, "drift")
    outputs = ReportOutputs(reporter, output, extra, max_chars, stdout_color())
    check_max_chars(max_chars, fmt, extra)
    desired = project.load()
    source = live_source(live_file, max_age, sandbox, reset_sandbox)
    live = project.read_live(desired, source, "drift", messages())
    report = project.drift_report(desired, live, only_managed=only_managed)
    if accepting:
        code = accept_into_files(
            project,
            desired,
            report,
            targets=targets,
            dry_run=dry_run,
            into_ignore=accept_into_ignore,
        )
        if code:
            raise click.exceptions.Exit(code)
        return
    project.publish(report, (), outputs, messages(), write=echo_report)
    note = project.unmanaged_note(report)
    if note:
        messages().say(note)
    if project.drift_pending(report):
        raise click.exceptions.Exit(EXIT_PENDING)


def _accepting(accept: bool, into_ignore: bool, *, dry_run: bool, targets: Sequence[str]) -> bool:
    """Whether drift is to be accepted; refuses the options that go with it given alone."""
    accepting = accept or into_ignore
    if (dry_run or targets) and not accepting:
        raise SettingsError("--dry-run and --target go with --accept or --accept-into-ignore.")
    if accept and into_ignore:
        raise SettingsError("--accept or --accept-into-ignore: choose one.")
    return accepting


@click.command()
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
    document = project.snapshot(desired, live_source(None, None, sandbox, reset_sandbox))
    SNAPSHOT.write(output, document)
    count = sum(len(objects) for objects in document["kinds"].values())
    messages().say(f"Snapshot of {count} live object(s) written to {output}.")


@click.command()
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
    from reconciler.cli import readprogress
    from reconciler.export import live as exporting

    sandbox_tls(sandbox, reset_sandbox)  # refused before anything is read
    project = Project.open_or_default(directory)
    names = exporting.selected_kinds(project.kinds, kinds, targets)
    sections = [f"{project.kinds[n].section}.yaml" for n in names]
    # A directory that holds a configuration is edited, keeping its references and defaults.
    config = _editable_config(directory, force=force)
    if config is None:
        exporting.check_free(directory, sections, force=force)
    out = messages()
    with (
        maybe_sandbox(project, names, sandbox, reset_sandbox),
        readprogress.shown(out, "Reading the live objects") as counter,
    ):
        live = run(exporting.read_live(project, names, counter))
    out.say(f"Read {counter.describe()} in {time.monotonic() - counter.started:.1f}s.")
    chosen = exporting.check_targets(live, targets)
    if config is not None:
        files = _merge(config, chosen, project, defaults=defaults, force=force)
    else:
        files = exporting.export_files(chosen, project.kinds, lift_defaults=defaults)
        exporting.write_files(directory, files, force=force)
    for file in files:
        out.say(f"Wrote {directory / file.name}" + (f" ({file.objects})." if file.objects else "."))
    flag = " --sandbox" if sandbox else ""
    out.say(f"Check it: reconciler plan {directory}{flag} --detailed-exitcode (no changes).")


def _editable_config(directory: Path, *, force: bool) -> exportmerge.Config | None:
    """The configuration in ``directory`` to edit, or None: none there (a fresh export), or
    one that cannot be read and ``--force`` replaces the files export writes."""
    from reconciler.export import merge as exportmerge

    if not exportmerge.has_config(directory):
        return None
    try:
        return exportmerge.read_config(directory)
    except SettingsError:
        if force:
            return None
        raise


def _merge(
    config: exportmerge.Config,
    live: Mapping[str, Sequence[LiveObject]],
    project: Project,
    *,
    defaults: bool,
    force: bool,
) -> list[ExportFile]:
    """Edit ``config`` to the live state; say what could not be kept; write the files."""
    from reconciler.export import merge as exportmerge

    out = messages()
    merged = exportmerge.merge(config, live, project.kinds, project.environ, force=force)
    if merged.refused:
        raise SettingsError(
            "\n".join(
                [
                    f"{len(merged.refused)} value(s) of {config.directory} cannot be kept as"
                    " written; nothing was written:",
                    *(f"  {note}" for note in merged.refused),
                ]
            )
        )
    for note in merged.notes:
        out.say(str(note), style="yellow")
    if defaults:
        out.say(
            f"{config.directory} has a configuration: its own defaults: are kept, and nothing"
            " new is lifted (--defaults shapes a new export)."
        )
    for file in merged.files:
        write_atomic(config.directory / file.name, file.text)
    kept = "its ${env:…} references and defaults: kept"
    if merged.kept_apart:
        kept += (
            f"; {merged.kept_apart} reference(s) kept although the service holds another value"
            " (--force): set their variables"
        )
    out.say(
        f"Edited the configuration in {config.directory}: {merged.added} object(s) added,"
        f" {merged.updated} value(s) written; {kept}."
    )
    return merged.files


#: This module's commands, added to the group by :mod:`reconciler.cli.app`.
COMMANDS = (
    drift,
    snapshot,
    export,
)
