"""Where ``plan`` and ``drift`` read the live objects: a snapshot (``--live``) or the service.

Both commands take the same options (``--live``, ``--max-age``, ``--sandbox``) and must read
them the same way; :func:`read_live` is that one way, and says what the result was read from
(:class:`~reconciler.model.Basis`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import click

from reconciler.cli.common import maybe_sandbox, messages, refresh, run
from reconciler.cli.durations import Duration
from reconciler.documents.snapshot import LiveSnapshot, read_snapshot
from reconciler.errors import SettingsError
from reconciler.model import Basis, DesiredState, LiveObject
from reconciler.pipeline.basis import live_basis, snapshot_basis
from reconciler.pipeline.project import Project

__all__ = ["max_age_option", "read_live"]

max_age_option = click.option(
    "--max-age",
    type=Duration(),
    metavar="DURATION",
    help="With --live: refuse a snapshot older than this (e.g. 36h, 2d).",
)


def read_live(
    project: Project,
    desired: DesiredState,
    kinds: Collection[str],
    *,
    live_file: Path | None,
    max_age: float | None,
    sandbox: bool,
    reset_sandbox: bool,
    verb: str,
    does: str,
) -> tuple[Mapping[str, Sequence[LiveObject]], Basis, LiveSnapshot | None]:
    """The live objects of ``kinds``, what they were read from, and the snapshot if any.

    ``verb`` and ``does`` are the command's own words (``Planned``/``plans``,
    ``Checked``/``checks``) in what it says.
    """
    if live_file is not None:
        if sandbox or reset_sandbox:
            raise SettingsError(f"--live {does} against a snapshot: leave out --sandbox.")
        snap = read_snapshot(live_file)
        live = snap.live_for(kinds, source=str(live_file))
        basis = snapshot_basis(project, snap, kinds, source=str(live_file), max_age=max_age)
        messages().say(f"{verb} against the live snapshot {live_file}, {snap.describe()}.")
        return live, basis, snap
    if max_age is not None:
        raise SettingsError("--max-age goes with --live (the age of a snapshot).")
    with maybe_sandbox(project, desired.kinds, sandbox, reset_sandbox):
        live = run(refresh(project, desired))
        basis = live_basis(project, kinds)
    return live, basis, None
