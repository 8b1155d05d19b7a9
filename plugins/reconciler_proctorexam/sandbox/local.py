"""What ``--sandbox`` starts: a sandbox seeded from the config directory.

:func:`sandbox_for_config` is the provider's
:class:`~reconciler.records.SandboxFactory`. It seeds the sandbox from
``<config_dir>/sandbox-seed.json`` and keeps its state across runs (so that ``plan``,
``apply``, ``plan`` converge as they would against the real service; ``reset`` starts again
from the seed) in :func:`state_path`: outside the config directory, under
``$XDG_STATE_HOME/reconciler/sandbox`` (``~/.local/state`` by default). The state holds what
apply wrote, write-only values and values read through ``${env:...}`` included; kept beside
the YAML, it would be one ``git add .`` away from a commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import click

from reconciler_proctorexam.sandbox.errors import SandboxError
from reconciler_proctorexam.sandbox.server import Sandbox

__all__ = ["SEED_FILE", "sandbox_for_config", "state_path"]

SEED_FILE = "sandbox-seed.json"


def state_path(config_dir: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Where ``--sandbox`` keeps the state of the config directory ``config_dir``."""
    env = os.environ if environ is None else environ
    home = Path(env.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    directory = config_dir.resolve()
    digest = hashlib.sha256(str(directory).encode()).hexdigest()[:16]
    return home / "reconciler" / "sandbox" / f"{directory.name}-{digest}.state"


@contextlib.contextmanager
def sandbox_for_config(
    config_dir: Path,
    *,
    reset: bool,
    readings: Mapping[str, str] | None = None,
    tls: bool = False,
) -> Iterator[Mapping[str, str]]:
    """Run a sandbox for ``config_dir`` (or the directory of a config file); yield its env.

    ``readings`` (``update_method``, ``delete_params``, ``list_rendering``) start the sandbox
    with the readings the project's settings chose, so that ``--sandbox`` runs match them.
    ``tls`` serves https; the env then names the sandbox's authority as the CA bundle of
    this run (``PROCTOREXAM_CA_BUNDLE``).
    """
    directory = config_dir.parent if config_dir.is_file() else config_dir
    seed = directory / SEED_FILE
    if not seed.is_file():
        raise SandboxError(
            f"{directory}: --sandbox needs a seed file {SEED_FILE} there, shaped like"
            ' {"institutes": [...]} ({"institutes": []} for none); or run without --sandbox'
        )
    chosen: dict[str, Any] = dict(readings or {})  # Sandbox checks the names and values
    state = state_path(directory)
    with Sandbox(seed=seed, state_file=state, reset=reset, tls=tls, **chosen) as sandbox:
        # Said every run: the state holds secrets, and is not where the YAML is.
        click.echo(f"Sandbox state: {state}", err=True)
        if sandbox.ca_file is not None:
            click.echo(
                f"Sandbox over https at {sandbox.base_url}, verified against its certificate"
                f" authority made for this run: {sandbox.ca_file}",
                err=True,
            )
        yield sandbox.env()
