"""``doctor``, ``plugins`` and ``schema``: what the service, the plugins and the formats are."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from reconciler import fastjson, fastschema
from reconciler.cli.common import (
    config_option,
    config_path,
    maybe_sandbox,
    messages,
    no_color,
    sandbox_options,
)
from reconciler.console import use_color
from reconciler.errors import SettingsError
from reconciler.pipeline.discovery import project_hooks
from reconciler.pipeline.project import Project


@click.command()
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
    from reconciler.cli.doctor import confirm_write_probe, run_doctor

    project = Project.open(path if path is not None else Path.cwd())
    desired = project.load() if path is not None else None
    if sandbox and desired is None:
        raise SettingsError("--sandbox needs PATH: the sandbox is seeded from the config there.")
    if write_probe:
        confirm_write_probe(write_probe, sorted(project.hooks.providers))
    kinds = desired.kinds if desired is not None else frozenset[str]()
    with maybe_sandbox(project, kinds, sandbox, reset_sandbox):
        report = run_doctor(
            project.hooks,
            project.settings,
            project.environ,
            desired=desired,
            write_probe=write_probe,
        )
    color = use_color(sys.stdout, os.environ, disabled=no_color())
    click.echo(report.render(fmt, color=color), nl=False)
    if report.exit_code:
        raise click.exceptions.Exit(report.exit_code)


@click.command()
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@config_option
def plugins(path: Path | None, config: Path | None) -> None:
    """List the loaded plugins: where each came from, its hooks and what it contributes.

    With PATH (or --config, or inside a project), the project's settings apply too: its local
    plugins, minus the disabled ones. Functions named like hooks without @hookimpl are warned
    about.
    """
    hooks = project_hooks(path or config_path(config))
    contributions = hooks.contributions()
    for info in hooks.infos:
        click.echo(f"{info.name}  ({info.source})")
        click.echo(f"    hooks: {', '.join(hooks.hooks_of(info.name)) or '-'}")
        click.echo(f"    contributes: {', '.join(contributions.get(info.name, [])) or '-'}")
    click.echo(f"schema validation: {fastschema.ENGINE}")
    click.echo(f"JSON decoding: {fastjson.ENGINE}")
    for warning in hooks.warnings():
        messages().say(f"Warning: {warning}", style="yellow")


@click.command()
@click.argument("name", default="config", metavar="[NAME]")
@config_option
def schema(name: str, config: Path | None) -> None:
    """Print a JSON Schema: config, a document (plan, validation, …), settings, or a kind.

    Inside a project (or with --config), the kinds and settings of its local plugins are seen.
    """
    from reconciler.documents.schemas import dump_schema

    schemas = project_hooks(config_path(config)).published_schemas()
    key = f"{name}.schema.json"
    if key not in schemas:
        names = ", ".join(sorted(k.removesuffix(".schema.json") for k in schemas))
        raise SettingsError(f"no schema named {name!r}; choose one of: {names}.")
    click.echo(dump_schema(schemas[key]), nl=False)


#: This module's commands, added to the group by :mod:`reconciler.cli.app`.
COMMANDS = (
    doctor,
    plugins,
    schema,
)
