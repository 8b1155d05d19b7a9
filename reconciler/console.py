"""Terminal output for the command line: colour decisions, messages, files, progress.

Results (plans, schemas) go to standard output; everything said to the person running the
command (progress, outcomes, errors) goes to standard error, so that ``plan --format json > x``
stays clean.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from reconciler.model import Action
from reconciler.records import ChangeOutcome, Outcome
from reconciler.workflowguard import one_line

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["Output", "printable", "use_color", "write_atomic"]

_DONE = {Action.CREATE: "created", Action.UPDATE: "updated", Action.DELETE: "deleted"}

#: What rich may change in a message written without colour: tabs (expanded), the control
#: codes it strips (BEL, BS, VT, FF, CR), emoji codes such as ``:smile:`` (its own pattern)
#: and backslashes (its markup escape doubles a trailing one). A message free of them is
#: written as it is, without loading rich; one that has them goes through rich, so that the
#: output is the same either way.
_RICH_WOULD_CHANGE = re.compile(r"[\t\x07\x08\x0b\x0c\r\\]|:\S*?:")


def printable(text: str, *, keep: str = " \n") -> str:
    """``text`` with what a terminal would act on or hide escaped (``\\x1b``, ``\\u202e``).

    Messages quote input and the service's answers; a crafted name must not be able to move the
    cursor, erase a line or reverse the text around it. The characters in ``keep`` stay: by
    default the line breaks of a multi-line message.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch in keep else _escape(ch) for ch in text)


def _one(text: str) -> str:
    """A text quoted in an outcome line (the service's answer, an address): on that line."""
    return printable(one_line(text))


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
    """What the CLI says to the person at the terminal (standard error).

    rich draws colours and progress bars, so it is loaded only for a terminal; a pipe or a CI
    log gets the same lines written directly.
    """

    def __init__(self, *, color: bool, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.color = color
        self._console: Console | None = None
        #: rich is needed for colour and for a terminal's progress bar.
        self.rich = color or self.stream.isatty()

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                file=self.stream,
                no_color=not self.color,
                highlight=False,
                soft_wrap=True,
                force_terminal=self.color,
                color_system="standard" if self.color else None,
            )
        return self._console

    def _print(self, text: str, markup: Callable[[], str], style: str | None = None) -> None:
        """Print ``text``: as rich renders ``markup()``, or as it is when rich changes nothing.

        ``text`` is what ``markup()`` reads as, tags left out, its parts already
        :func:`printable`.
        """
        if self.rich or _RICH_WOULD_CHANGE.search(text):
            self.console.print(markup(), style=style)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    def say(self, message: str, style: str = "") -> None:
        shown = printable(message)
        self._print(shown, lambda: _escape_markup(shown), style=style or None)

    def error(self, message: str) -> None:
        shown = printable(message)
        self._print(f"Error: {shown}", lambda: f"[bold red]Error:[/] {_escape_markup(shown)}")

    def outcome(self, outcome: ChangeOutcome) -> None:
        """One line per change: its address once, then what became of it."""
        change = outcome.change
        address = _one(change.address)
        action = change.action.value
        if outcome.outcome is Outcome.APPLIED:
            done = _one(outcome.note) if outcome.note else _DONE[change.action]
            line, style, cut = f"{address}: {done}", "green", None
        elif outcome.outcome is Outcome.UNKNOWN:
            line = f"{address}: {action} outcome unknown: {_one(outcome.error or '')}"
            style, cut = "yellow", len(f"{address}: {action} outcome unknown:")
        elif outcome.outcome is Outcome.NOT_ATTEMPTED:
            line = f"{address}: {_one(outcome.error or 'not attempted')}"
            style, cut = "yellow", None
        elif outcome.outcome is Outcome.SKIPPED:
            reason = _one(outcome.error or "its parent did not succeed")
            line, style = f"{address}: {action} skipped: {reason}", "yellow"
            cut = len(f"{address}: {action} skipped:")
        elif outcome.outcome is Outcome.NOT_TAKEN:
            for detail in outcome.not_taken:
                self._detail_line(f"{address}: {printable(detail)}", len(address) + 1)
            reason = printable(outcome.error or "the service did not keep what was sent")
            line, style = f"{address}: {action} not taken: {reason}", "red"
            cut = len(f"{address}: {action} not taken:")
        elif outcome.outcome is Outcome.STALE:
            reason = _one(outcome.error or "it moved since the plan")
            line, style = f"{address}: {action} not made: {reason}", "yellow"
            cut = len(f"{address}: {action} not made:")
        else:
            reason = _one(outcome.error or outcome.outcome.value)
            line, style = f"{address}: {action} failed: {reason}", "red"
            cut = len(f"{address}: {action} failed:")
        self._print(line, lambda: _styled(line, style, cut))

    def _detail_line(self, line: str, cut: int) -> None:
        self._print(line, lambda: _styled(line, "red", cut))

    @contextmanager
    def progress(self, total: int, label: str) -> Iterator[Any]:
        """A progress bar on a terminal; nothing but the outcome lines elsewhere."""
        if not self.rich:
            yield _NoProgress()
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        progress = Progress(
            TextColumn(_escape_markup(label)),
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


class _NoProgress:
    """The part of rich's ``Progress`` the CLI uses, doing nothing: no terminal, no bar."""

    task_ids = (0,)

    def advance(self, task_id: int, advance: float = 1) -> None:
        pass


def _styled(line: str, style: str, cut: int | None) -> str:
    """``line`` as rich markup in ``style``: all of it, or its first ``cut`` characters."""
    if cut is None:
        return f"[{style}]{_escape_markup(line)}[/]"
    return f"[{style}]{_escape_markup(line[:cut])}[/]{_escape_markup(line[cut:])}"


def _escape_markup(text: str) -> str:
    from rich.markup import escape

    return escape(text)


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
