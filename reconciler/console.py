"""Terminal output for the command line: colour decisions, messages, files, progress.

Results (plans, schemas) go to standard output; everything said to the person running the
command (progress, outcomes, errors) goes to standard error, so that ``plan --format json > x``
stays clean.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reconciler.model import Action
from reconciler.records import ChangeOutcome, Outcome

__all__ = ["Output", "use_color", "write_atomic"]

_DONE = {Action.CREATE: "created", Action.UPDATE: "updated", Action.DELETE: "deleted"}


def use_color(stream: TextIO, environ: Mapping[str, str], *, disabled: bool = False) -> bool:
    """Colour only on a terminal, and never with ``NO_COLOR`` set (https://no-color.org)."""
    if disabled or environ.get("NO_COLOR", "") != "":
        return False
    return stream.isatty()


class Output:
    """What the CLI says to the person at the terminal (standard error)."""

    def __init__(self, *, color: bool, stream: TextIO | None = None) -> None:
        self.console = Console(
            file=stream or sys.stderr,
            no_color=not color,
            highlight=False,
            soft_wrap=True,
            force_terminal=color,
            color_system="standard" if color else None,
        )

    def say(self, message: str, style: str = "") -> None:
        self.console.print(escape(message), style=style or None)

    def error(self, message: str) -> None:
        self.console.print(f"[bold red]Error:[/] {escape(message)}")

    def outcome(self, outcome: ChangeOutcome) -> None:
        change = outcome.change
        if outcome.outcome is Outcome.APPLIED:
            self.console.print(f"[green]{escape(change.address)}: {_DONE[change.action]}[/]")
        elif outcome.outcome is Outcome.STALE:
            self.console.print(
                f"[yellow]{escape(change.address)}: {change.action.value} not made:[/]"
                f" {escape(outcome.error or 'it moved since the plan')}"
            )
        else:
            self.console.print(
                f"[red]{escape(change.address)}: {change.action.value} failed:[/]"
                f" {escape(outcome.error or outcome.outcome.value)}"
            )

    @contextmanager
    def progress(self, total: int, label: str) -> Iterator[Progress]:
        """A progress bar on a terminal; nothing but the outcome lines elsewhere."""
        progress = Progress(
            TextColumn(escape(label)),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            disable=not self.console.is_terminal,
        )
        with progress:
            progress.add_task(label, total=total)
            yield progress


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
