"""What the commands share: the common options, the exit codes, and small helpers."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Collection, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler import signals
from reconciler.cli.completion import complete_targets
from reconciler.console import Output, use_color
from reconciler.documents import problems as problem_report
from reconciler.errors import ReconcilerError
from reconciler.model import DesiredState
from reconciler.pipeline.live import LiveSource, check_sandbox_options
from reconciler.pipeline.project import Project
from reconciler.pipeline.reporting import reporter_for
from reconciler.plugin.hooks import Hooks
from reconciler.records import Reporter

# 3 (refused) and 4 (partly applied) come with their errors: PlanRefused, ApplyFailed.
EXIT_OK, EXIT_ERROR, EXIT_PENDING = 0, 1, 2
#: The shell's convention for a process ended by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130

path_argument = click.argument("path", type=click.Path(exists=True, path_type=Path), metavar="PATH")
target_option = click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="PATTERN",
    shell_complete=complete_targets,
    help="Plan only these objects (repeatable): an address (institute.pe), a glob"
    " ('institute.uni-*') or a kind (user). Objects they need created first come too.",
)
exclude_option = click.option(
    "--exclude",
    "excludes",
    multiple=True,
    metavar="PATTERN",
    shell_complete=complete_targets,
    help="Leave these objects out of the plan (repeatable); the same patterns as --target.",
)
allow_delete_option = click.option(
    "--allow-delete", is_flag=True, help="Let tombstones (absent: true) delete live objects."
)

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


_TLS_META = "reconciler.sandbox_tls"


def _remember_tls(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    # Kept in the context, not passed to each command: only maybe_sandbox needs it.
    ctx.meta[_TLS_META] = value
    return value


def sandbox_options(func: F) -> F:
    """``--sandbox``, ``--reset-sandbox`` and ``--tls``, shared by every command that talks to a
    provider. ``--tls`` reaches :func:`maybe_sandbox` through the click context."""
    func = click.option(
        "--tls",
        is_flag=True,
        expose_value=False,
        callback=_remember_tls,
        help="With --sandbox: serve it over https, trusted through its own throw-away"
        " certificate authority for this run only.",
    )(func)
    func = click.option(
        "--reset-sandbox", is_flag=True, help="Start the emulator again from its seed."
    )(func)
    return click.option(
        "--sandbox",
        is_flag=True,
        help="Run against a local emulator seeded from PATH's sandbox seed file.",
    )(func)


config_option = click.option(
    "--config",
    type=click.Path(exists=True, path_type=Path),
    metavar="PATH",
    help="The project (its directory or its reconciler.toml) whose local plugins to load;"
    " by default the current directory's, if it has a reconciler.toml.",
)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run``; asyncio is imported only by the commands that reach a provider."""
    import asyncio

    return asyncio.run(coroutine)


def stop_request() -> signals.StopRequest:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    stop = root.obj.get("stop") if root and isinstance(root.obj, dict) else None
    return stop if isinstance(stop, signals.StopRequest) else signals.StopRequest()


def tls_given() -> bool:
    """Whether ``--tls`` was given (unchecked: see :func:`sandbox_tls`)."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.meta.get(_TLS_META))


def sandbox_tls(sandbox: bool, reset: bool) -> bool:
    """Whether ``--tls`` was given; refuses ``--reset-sandbox`` or ``--tls`` without
    ``--sandbox``."""
    tls = tls_given()
    check_sandbox_options(sandbox, reset, tls)
    return tls


@contextlib.contextmanager
def maybe_sandbox(
    project: Project, kinds: Collection[str], sandbox: bool, reset: bool
) -> Iterator[None]:
    with project.sandboxed(kinds, LiveSource(sandbox=sandbox, reset=reset, tls=tls_given())):
        yield


@contextlib.contextmanager
def problems_as(fmt: str) -> Iterator[None]:
    """In a machine format, print the problems of a failed load on stdout, then exit 1."""
    try:
        yield
    except ReconcilerError as exc:
        if fmt == "text":
            raise
        problems = problem_report.problems_of(exc)
        click.echo(problem_report.render_problems(fmt, problems), nl=False)
        messages().say(f"{len(problems)} problem(s) found.", style="red")
        raise click.exceptions.Exit(EXIT_ERROR) from None


def confirm() -> None:
    if not sys.stdin.isatty():
        raise ReconcilerError(
            "apply needs a confirmation and there is no terminal to ask on;"
            " review the plan and pass --auto-approve to apply it unattended."
        )
    click.echo("\nDo you want to perform these actions? Only 'yes' will be accepted.")
    if click.prompt("  Enter a value", default="", show_default=False) != "yes":
        raise ReconcilerError("Apply cancelled; nothing was changed.")


def plan_reporter(hooks: Hooks, fmt: str) -> Reporter:
    return reporter_for(hooks, fmt, "plan")


def count_objects(state: DesiredState) -> str:
    kinds: dict[str, int] = {}
    for obj in state.objects:
        kinds[obj.kind] = kinds.get(obj.kind, 0) + 1
    return ", ".join(f"{n} {kind}(s)" for kind, n in sorted(kinds.items())) or "no objects"


def config_path(given: Path | None) -> Path | None:
    """A command's own --config, else the one given before the command name."""
    if given is not None:
        return given
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    value = root.obj.get("config") if root and root.obj else None
    return Path(value) if value else None


def no_color() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and root.obj and root.obj.get("no_color"))


def stdout_color() -> bool:
    """Whether a report on standard output is in colour (a terminal, and not ``--no-color``)."""
    return use_color(sys.stdout, os.environ, disabled=no_color())


def messages() -> Output:
    return Output(color=use_color(sys.stderr, os.environ, disabled=no_color()))


def echo_report(text: str) -> None:
    """A rendered report on standard output, through click (which drops colour off a terminal)."""
    click.echo(text, nl=not text.endswith("\n"))
