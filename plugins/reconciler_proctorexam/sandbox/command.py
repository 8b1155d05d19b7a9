"""``reconciler sandbox``: run the ProctorExam API emulator until Ctrl-C.

The command only parses options and delegates to :class:`~.server.Sandbox`; its subcommand
``set`` (:mod:`.set_command`) changes a stopped sandbox's state instead. Credentials come
from ``--token``/``--secret``, else ``PROCTOREXAM_API_TOKEN``/``PROCTOREXAM_SECRET_KEY``, else
the built-in sandbox defaults; the secret is printed only when it is that built-in default.
It can also be run alone: ``python -m reconciler_proctorexam.sandbox.command --port 0``.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from reconciler_proctorexam.sandbox.defaults import DEFAULT_SECRET, DEFAULT_TOKEN
from reconciler_proctorexam.sandbox.errors import SandboxError
from reconciler_proctorexam.sandbox.readings import CHOICES
from reconciler_proctorexam.sandbox.set_command import set_command

if TYPE_CHECKING:
    from reconciler_proctorexam.sandbox.auth import SandboxUser
    from reconciler_proctorexam.sandbox.server import Sandbox

__all__ = ["sandbox_command"]

_RATE = click.FloatRange(0.0, 1.0)
_SECONDS = click.FloatRange(min=0.0)


def _reading(name: str, help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A reading of the contract the sandbox enforces: its values, the first the default."""
    return click.option(
        f"--{name.replace('_', '-')}",
        type=click.Choice(CHOICES[name]),
        default=CHOICES[name][0],
        show_default=True,
        help=help,
    )


def _fields(name: str, help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A switch naming fields the sandbox keeps or shows less of than it is sent."""
    return click.option(f"--{name}", multiple=True, metavar="FIELD", help=help)


def _terminate(signum: int, frame: FrameType | None) -> None:
    # SIGTERM (docker stop, systemd) stops as cleanly as Ctrl-C: the state is compacted.
    raise KeyboardInterrupt


@click.group("sandbox", invoke_without_command=True)
@click.pass_context
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port to listen on; 0 picks a free one (printed on start).",
)
@click.option(
    "--seed",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help='Starting institutes: JSON shaped like the list response, {"institutes": [...]}.',
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep changes in this file across restarts; it wins over --seed once it exists.",
)
@click.option("--reset", is_flag=True, help="Ignore the --state file and start from --seed.")
@click.option(
    "--tls",
    is_flag=True,
    help="Serve https, with a certificate from a throw-away authority whose file is printed.",
)
@click.option(
    "--token",
    envvar="PROCTOREXAM_API_TOKEN",
    show_envvar=True,
    help=f"API token of the superuser [default: {DEFAULT_TOKEN}].",
)
@click.option(
    "--secret",
    envvar="PROCTOREXAM_SECRET_KEY",
    show_envvar=True,
    help="Secret key of the superuser [default: the built-in sandbox secret].",
)
@click.option("--latency", type=_SECONDS, default=0.0, help="Delay every answer (seconds).")
@click.option("--jitter", type=_SECONDS, default=0.0, help="Vary the delay by up to this much.")
@click.option("--rate-429", type=_RATE, default=0.0, help="Share of 429 answers (0 to 1).")
@click.option(
    "--retry-after",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Retry-After (seconds) of injected 429s.",
)
@click.option("--rate-5xx", type=_RATE, default=0.0, help="Share of 500/502/503 answers.")
@click.option(
    "--rate-drop",
    type=_RATE,
    default=0.0,
    help="Share of dropped connections, half before and half after processing.",
)
@click.option(
    "--rate-drop-before",
    type=_RATE,
    default=0.0,
    help="Share of connections dropped before the request is processed.",
)
@click.option(
    "--rate-drop-after",
    type=_RATE,
    default=0.0,
    help="Share of connections dropped after the request was processed.",
)
@click.option(
    "--late-commit",
    type=_RATE,
    default=0.0,
    help="Share of writes checked on arrival, then committed after the client has gone.",
)
@click.option(
    "--late-commit-delay",
    type=_SECONDS,
    default=1.0,
    show_default=True,
    help="Seconds between a late-committed write's arrival and its commit.",
)
@click.option(
    "--rate-drip", type=_RATE, default=0.0, help="Share of answers sent a byte at a time."
)
@click.option(
    "--drip-interval", type=_SECONDS, default=0.05, show_default=True, help="Seconds per byte."
)
@click.option(
    "--rate-bad-json", type=_RATE, default=0.0, help="Share of answers with their JSON cut short."
)
@click.option(
    "--retry-after-date", is_flag=True, help="Send Retry-After as an HTTP date, not seconds."
)
@click.option(
    "--rps-limit",
    type=click.FloatRange(min=0.0, min_open=True),
    help="Answer 429 above this many requests per second.",
)
@click.option("--fault-seed", type=int, help="Seed of the fault generator, for reproducible runs.")
@click.option(
    "--timestamp-window",
    type=_SECONDS,
    default=300.0,
    show_default=True,
    help="Accepted clock skew of a request's timestamp (seconds).",
)
@_reading("update_method", "The one verb the update route takes (the other answers 405).")
@_reading("delete_params", "Where a DELETE's parameters must travel (the other place answers 400).")
@_reading(
    "list_rendering",
    'How lists are written in the signed string: ruby ["a", "b"] or json ["a","b"].',
)
@_reading(
    "user_password", "When a user's create needs a password: required makes every create need one."
)
@_fields(
    "drop-on-create",
    "Silently keep nothing of FIELD on create, as strong parameters do (repeatable).",
)
@_fields(
    "drop-on-update",
    "Silently keep nothing of FIELD on update, as strong parameters do (repeatable).",
)
@_fields("omit-from-list", "Leave FIELD out of list answers.")
@_fields("omit-from-show", "Leave FIELD out of the answer to a GET of one object.")
@click.option(
    "--signature-status",
    type=click.Choice(["401", "403"]),
    default="401",
    show_default=True,
    help="The status of a refused signature (the docs list only 403).",
)
@_fields("omit-from-write", "Leave FIELD out of the answer to a create or an update.")
@click.option(
    "--clock-offset",
    type=float,
    default=0.0,
    help="Move the sandbox's clock by this many seconds (its Date header and timestamp check).",
)
def sandbox_command(
    ctx: click.Context,
    host: str,
    port: int,
    seed: Path | None,
    state: Path | None,
    reset: bool,
    tls: bool,
    token: str | None,
    secret: str | None,
    latency: float,
    jitter: float,
    rate_429: float,
    retry_after: int,
    rate_5xx: float,
    rate_drop: float,
    rate_drop_before: float,
    rate_drop_after: float,
    late_commit: float,
    late_commit_delay: float,
    rate_drip: float,
    drip_interval: float,
    rate_bad_json: float,
    retry_after_date: bool,
    rps_limit: float | None,
    fault_seed: int | None,
    timestamp_window: float,
    update_method: str,
    delete_params: str,
    list_rendering: str,
    user_password: str,
    drop_on_create: tuple[str, ...],
    drop_on_update: tuple[str, ...],
    omit_from_list: tuple[str, ...],
    omit_from_show: tuple[str, ...],
    omit_from_write: tuple[str, ...],
    signature_status: str,
    clock_offset: float,
) -> None:
    """Run a local ProctorExam API emulator (institutes, signed requests, injected faults).

    `reconciler sandbox set` changes a sandbox object behind the tool's back, to rehearse drift.
    """
    if ctx.invoked_subcommand is not None:
        return  # `sandbox set ...`: the server's options do not apply
    # Imported here, not above: every command line registers this command, and only this
    # command runs the server (uvicorn, starlette, asyncio).
    from reconciler_proctorexam.sandbox.auth import SandboxUser
    from reconciler_proctorexam.sandbox.faults import Faults
    from reconciler_proctorexam.sandbox.quirks import Quirks
    from reconciler_proctorexam.sandbox.server import Sandbox

    user = SandboxUser(token or DEFAULT_TOKEN, secret or DEFAULT_SECRET)
    try:
        faults = Faults(
            latency=latency,
            jitter=jitter,
            rate_429=rate_429,
            retry_after=retry_after,
            rate_5xx=rate_5xx,
            rate_drop_before=rate_drop_before + rate_drop / 2,
            rate_drop_after=rate_drop_after + rate_drop / 2,
            rate_late_commit=late_commit,
            late_commit_delay=late_commit_delay,
            rate_drip=rate_drip,
            drip_interval=drip_interval,
            rate_bad_json=rate_bad_json,
            retry_after_date=retry_after_date,
            rps_limit=rps_limit,
            seed=fault_seed,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    sandbox = Sandbox(
        seed=seed,
        users=[user],
        faults=faults,
        state_file=state,
        reset=reset,
        timestamp_window=timestamp_window,
        update_method=update_method,
        delete_params=delete_params,
        list_rendering=list_rendering,
        clock_offset=clock_offset,
        user_password=user_password,
        signature_status=int(signature_status),
        quirks=Quirks.of(
            drop_on_create=drop_on_create,
            drop_on_update=drop_on_update,
            omit_from_list=omit_from_list,
            omit_from_show=omit_from_show,
            omit_from_write=omit_from_write,
        ),
        host=host,
        port=port,
        echo_requests=lambda line: click.echo(line, err=True),
        tls=tls,
    )
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with sandbox:
            _announce(sandbox, user, state)
            while sandbox.running:
                time.sleep(0.2)
    except KeyboardInterrupt:
        click.echo("Sandbox stopped.", err=True)
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def _announce(sandbox: Sandbox, user: SandboxUser, state: Path | None) -> None:
    click.echo(f"ProctorExam sandbox listening on {sandbox.base_url}")
    click.echo(f"Serving {len(sandbox.institutes())} institute(s).")
    readings = sandbox.readings
    click.echo(
        f"Updates take {readings.update_method}, DELETE parameters travel in the"
        f" {readings.delete_params}, lists are signed as {readings.list_rendering}."
    )
    if state is not None:
        click.echo(f"Changes are kept in {state}.")
    if sandbox.ca_file is not None:
        click.echo(f"Its certificate authority, made for this run: {sandbox.ca_file}")
    click.echo("Point the client at it:")
    click.echo(f"  export PROCTOREXAM_BASE_URL={sandbox.base_url}")
    if sandbox.ca_file is not None:
        click.echo(f"  export PROCTOREXAM_CA_BUNDLE={sandbox.ca_file}")
    if user.token == DEFAULT_TOKEN and user.secret == DEFAULT_SECRET:
        # The built-in credentials are public: printing them helps, and leaks nothing.
        click.echo(f"  export PROCTOREXAM_API_TOKEN={DEFAULT_TOKEN}")
        click.echo(f"  export PROCTOREXAM_SECRET_KEY={DEFAULT_SECRET}")
    else:
        click.echo("  export PROCTOREXAM_API_TOKEN=<the token given to the sandbox>")
        click.echo("  export PROCTOREXAM_SECRET_KEY=<the secret given to the sandbox>")
    click.echo("Press Ctrl-C to stop.")


sandbox_command.add_command(set_command)


if __name__ == "__main__":
    sandbox_command()
