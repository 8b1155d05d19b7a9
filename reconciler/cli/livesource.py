"""``--live`` and ``--max-age``: where ``plan`` and ``drift`` read the live objects.

Both commands read them the same way, :meth:`Project.read_live
<reconciler.pipeline.project.Project.read_live>`; this module only turns their options into a
:class:`~reconciler.pipeline.live.LiveSource`.
"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.common import tls_given
from reconciler.cli.durations import Duration
from reconciler.pipeline.live import LiveSource

__all__ = ["live_source", "max_age_option"]

max_age_option = click.option(
    "--max-age",
    type=Duration(),
    metavar="DURATION",
    help="With --live: refuse a snapshot older than this (e.g. 36h, 2d).",
)


def live_source(
    live_file: Path | None, max_age: float | None, sandbox: bool, reset_sandbox: bool
) -> LiveSource:
    """What ``--live``, ``--max-age``, ``--sandbox``, ``--reset-sandbox`` and ``--tls`` ask
    for; checked when read (:meth:`LiveSource.check`)."""
    return LiveSource(live_file, max_age, sandbox, reset_sandbox, tls_given())
