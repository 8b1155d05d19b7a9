"""What ``--sandbox`` starts: a sandbox seeded from the config directory, its state kept there.

:func:`sandbox_for_config` is the provider's
:class:`~reconciler.records.SandboxFactory`. It seeds the sandbox from
``<config_dir>/sandbox-seed.json`` and keeps its state in ``<config_dir>/.sandbox-state.json``
(git-ignored), so that ``plan``, ``apply``, ``plan`` converge across separate runs as they
would against the real service; ``reset`` starts again from the seed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from reconciler_proctorexam.sandbox.errors import SandboxError
from reconciler_proctorexam.sandbox.server import Sandbox

__all__ = ["SEED_FILE", "STATE_FILE", "sandbox_for_config"]

SEED_FILE = "sandbox-seed.json"
STATE_FILE = ".sandbox-state.json"


@contextlib.contextmanager
def sandbox_for_config(
    config_dir: Path, *, reset: bool, readings: Mapping[str, str] | None = None
) -> Iterator[Mapping[str, str]]:
    """Run a sandbox for ``config_dir`` (or the directory of a config file); yield its env.

    ``readings`` (``update_method``, ``delete_params``, ``list_rendering``) start the sandbox
    with the readings the project's settings chose, so that ``--sandbox`` runs match them.
    """
    directory = config_dir.parent if config_dir.is_file() else config_dir
    seed = directory / SEED_FILE
    if not seed.is_file():
        raise SandboxError(
            f"{directory}: --sandbox needs a seed file {SEED_FILE} there, shaped like"
            ' {"institutes": [...]} ({"institutes": []} for none); or run without --sandbox'
        )
    chosen: dict[str, Any] = dict(readings or {})  # Sandbox checks the names and values
    with Sandbox(seed=seed, state_file=directory / STATE_FILE, reset=reset, **chosen) as sandbox:
        yield sandbox.env()
