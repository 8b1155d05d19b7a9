"""``drift --accept`` and ``drift --accept-into-ignore``: drift taken back into the files."""

from __future__ import annotations

import click

from reconciler.cli.common import EXIT_PENDING, messages
from reconciler.model import DesiredState, DriftReport
from reconciler.pipeline.project import Project

__all__ = ["accept"]


def accept(
    project: Project,
    desired: DesiredState,
    report: DriftReport,
    *,
    targets: tuple[str, ...],
    dry_run: bool,
    into_ignore: bool,
) -> int:
    """Print the diff of the files, write them unless ``dry_run``; the exit code.

    0: the files now declare the live values (or nothing drifted); 2: something is left (a
    reference, a secret, a missing object) or, with ``dry_run``, there is a diff to write.
    """
    acceptance = project.accept_drift(desired, report, targets=targets, into_ignore=into_ignore)
    edits = acceptance.edits
    out = messages()
    for edit in edits:
        click.echo(edit.diff(), nl=False)
    for note in acceptance.notes:
        out.say(f"note: {note}")
    if not edits:
        out.say("Nothing to write: the files already declare what they can of the live values.")
    elif dry_run:
        out.say(f"Dry run: {len(edits)} file(s) would change; nothing was written.")
    else:
        for edit in edits:
            edit.write()
        out.say(f"Wrote {len(edits)} file(s); plan again to check that nothing is pending.")
    return EXIT_PENDING if acceptance.left or (dry_run and edits) else 0
