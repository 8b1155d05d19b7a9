"""The ``reconciler`` group, its run options (taken before or after the command name), and main."""

from __future__ import annotations

import copy
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from reconciler import logs, signals
from reconciler.cli import apply, info, plan, reports
from reconciler.cli.common import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from reconciler.console import Output, use_color
from reconciler.errors import ReconcilerError
from reconciler.pipeline.discovery import config_in_argv, project_hooks
from reconciler.pipeline.project import NO_LOCAL_PLUGINS_VAR
from reconciler.version import __version__
from reconciler.workflowguard import guarded_output, one_line


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
for _module in (plan, apply, reports, info):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def _configure_logging(obj: dict[str, Any]) -> None:
    color = use_color(sys.stderr, os.environ, disabled=bool(obj.get("no_color")))
    logs.configure(obj.get("verbose", 0), obj.get("log_level"), color=color)


def _traceback(exc: BaseException) -> str:
    """The traceback of ``exc``, each exception's message kept on one line: it may quote what
    the plugin was given (a key, a value) with its line breaks."""
    parts = traceback.format_exception(exc)
    frame = ("Traceback", "  File", "\n", "  + ", "  | ")
    return "".join(p if p.startswith(frame) else one_line(p.rstrip("\n")) + "\n" for p in parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code instead of raising it (testable)."""
    before = os.environ.get(NO_LOCAL_PLUGINS_VAR)
    try:
        # Quoted input never reaches a CI log as a workflow command (see workflowguard).
        with guarded_output(), signals.handle_sigterm() as stop:
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
            sys.stderr.write(_traceback(exc.__cause__))
        Output(color=use_color(sys.stderr, os.environ)).error(str(exc))
        return exc.exit_code
    finally:
        logs.reset()
    return code if isinstance(code, int) else EXIT_OK
