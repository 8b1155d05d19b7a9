"""How far a long read has got: objects by kind and requests, live on a terminal.

``export`` reads every live object of a tenant: thousands of listings, minutes at a real
service's latency. :class:`ReadCounter` is the :class:`~reconciler.records.ReadProgress` its
providers report to, and :func:`shown` draws it with rich while the read runs, on a terminal
only: a pipe or a CI log gets the one closing line the command prints anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from reconciler.console import Output

__all__ = ["ReadCounter", "shown"]


class ReadCounter:
    """Requests answered and objects read so far, by kind (a :class:`ReadProgress`)."""

    def __init__(self) -> None:
        self.requests = 0
        self.objects: dict[str, int] = {}
        self.started = time.monotonic()
        #: Called after every count (a terminal's display redraws its text).
        self.on_change: Callable[[], None] | None = None

    def requested(self) -> None:
        self.requests += 1
        if self.on_change is not None:
            self.on_change()

    def listed(self, kind: str, count: int) -> None:
        self.objects[kind] = self.objects.get(kind, 0) + count
        if self.on_change is not None:
            self.on_change()

    def describe(self) -> str:
        """``3,000 institute(s), 2,991 user(s) (3,001 requests)``."""
        objects = ", ".join(f"{n:,} {kind}(s)" for kind, n in sorted(self.objects.items()))
        plural = "" if self.requests == 1 else "s"
        return f"{objects or 'no objects yet'} ({self.requests:,} request{plural})"


@contextmanager
def shown(out: Output, label: str) -> Iterator[ReadCounter]:
    """A :class:`ReadCounter`, drawn as ``label: objects in requests`` on a terminal."""
    counter = ReadCounter()
    if not out.rich or not out.console.is_terminal:
        yield counter
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        TimeElapsedColumn(),
        console=out.console,
        transient=True,
    )
    with progress:
        task = progress.add_task(f"{label}: {counter.describe()}", total=None)

        def redraw() -> None:
            progress.update(task, description=f"{label}: {counter.describe()}")

        counter.on_change = redraw
        try:
            yield counter
        finally:
            counter.on_change = None
            progress.refresh()  # the last counts are drawn once, however quick the read
