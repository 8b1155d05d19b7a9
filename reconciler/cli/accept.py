"""``drift --accept`` and ``drift --accept-into-ignore``: drift taken back into the files."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.common import EXIT_PENDING, messages
from reconciler.console import write_atomic
from reconciler.engine.accepting import FileEdit, accept_drift
from reconciler.engine.ignorewriting import ignore_edit, ignored_fields_of
from reconciler.engine.targets import TargetMatcher
from reconciler.model import DesiredState, DriftReport
from reconciler.pipeline.project import Project
from reconciler.settings.config import SETTINGS_FILE

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
    matcher = TargetMatcher(targets)
    matcher.check([o.address for o in desired.objects])
    out = messages()
    if into_ignore:
        entries = ignored_fields_of(report, matcher)
        settings_file = project.settings.base_dir / SETTINGS_FILE
        edit = ignore_edit(settings_file, entries) if entries else None
        edits = [edit] if edit is not None else []
        notes: list[str] = []
        left = 0
    else:
        acceptance = accept_drift(
            report, desired, project.kinds, matcher, own=project.settings.base_dir
        )
        edits, notes, left = acceptance.edits, acceptance.notes, acceptance.left
    _show(edits)
    for note in notes:
        out.say(f"note: {note}")
    if not edits:
        out.say("Nothing to write: the files already declare what they can of the live values.")
    elif dry_run:
        out.say(f"Dry run: {len(edits)} file(s) would change; nothing was written.")
    else:
        for edit in edits:
            write_atomic_text(edit)
        out.say(f"Wrote {len(edits)} file(s); plan again to check that nothing is pending.")
    return EXIT_PENDING if left or (dry_run and edits) else 0


def _show(edits: list[FileEdit]) -> None:
    for edit in edits:
        click.echo(edit.diff(), nl=False)


def write_atomic_text(edit: FileEdit) -> None:
    """Replace the file, keeping its permissions (a temporary file is made private)."""
    path = Path(edit.path)
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    write_atomic(path, edit.after)
    if mode is not None:
        path.chmod(mode)
