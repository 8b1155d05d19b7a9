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

__all__ = ["Output", "printable", "use_color", "write_atomic"]

_DONE = {Action.CREATE: "created", Action.UPDATE: "updated", Action.DELETE: "deleted"}


def printable(text: str) -> str:
    """``text`` with what a terminal would act on or hide escaped (``\\x1b``, ``\\u202e``).

    Messages quote input and the service's answers; a crafted name must not be able to move the
    cursor, erase a line or reverse the text around it. Line breaks of a multi-line message stay.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch in " \n" else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


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
        self.console.print(_markup(message), style=style or None)

    def error(self, message: str) -> None:
        self.console.print(f"[bold red]Error:[/] {_markup(message)}")

    def outcome(self, outcome: ChangeOutcome) -> None:
        """One line per change: its address once, then what became of it."""
        change = outcome.change
        address = _markup(change.address)
        if outcome.outcome is Outcome.APPLIED:
            done = _markup(outcome.note) if outcome.note else _DONE[change.action]
            self.console.print(f"[green]{address}: {done}[/]")
        elif outcome.outcome is Outcome.UNKNOWN:
            self.console.print(
                f"[yellow]{address}: {change.action.value} outcome unknown:[/]"
                f" {_markup(outcome.error or '')}"
            )
        elif outcome.outcome is Outcome.NOT_ATTEMPTED:
            self.console.print(f"[yellow]{address}: {_markup(outcome.error or 'not attempted')}[/]")
        elif outcome.outcome is Outcome.STALE:
            self.console.print(
                f"[yellow]{address}: {change.action.value} not made:[/]"
                f" {_markup(outcome.error or 'it moved since the plan')}"
            )
        else:
            self.console.print(
                f"[red]{address}: {change.action.value} failed:[/]"
                f" {_markup(outcome.error or outcome.outcome.value)}"
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


def _markup(text: str) -> str:
    """``text`` safe to print: terminal controls escaped, then rich's markup escaped."""
    return escape(printable(text))


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
