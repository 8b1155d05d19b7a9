"""SIGTERM, as CI runners and ``docker stop`` send it, handled like Ctrl-C: exit 143.

Outside an apply the command stops at once (:class:`Terminated` unwinds it like
``KeyboardInterrupt``). During an apply, :func:`graceful` turns the signal into a request: the
apply starts no new change, lets those in flight finish (each bounded by the provider's
timeouts, or reported as unknown), and the command then says how many changes were made and
exits 143.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["EXIT_TERMINATED", "StopRequest", "Terminated", "handle_sigterm"]

#: The shell's convention for a process ended by SIGTERM (128 + 15).
EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(BaseException):
    """SIGTERM arrived outside an apply: unwind now, as Ctrl-C would."""


class StopRequest:
    """Whether SIGTERM asked an apply to stop; ``reason`` is what the skipped changes say."""

    def __init__(self) -> None:
        self._graceful = False
        self.reason: str | None = None

    def __call__(self) -> str | None:
        return self.reason

    @contextmanager
    def graceful(self) -> Iterator[None]:
        """While inside, SIGTERM only asks the apply to stop after the changes in flight."""
        self._graceful = True
        try:
            yield
        finally:
            self._graceful = False

    def on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        """The SIGTERM handler: stop now, or after the changes in flight inside :meth:`graceful`."""
        if not self._graceful:
            raise Terminated
        self.reason = "not attempted: the process was asked to stop (SIGTERM)"


@contextmanager
def handle_sigterm() -> Iterator[StopRequest]:
    """Install the SIGTERM handler for one command run (only the main thread can)."""
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = signal.signal(signal.SIGTERM, stop.on_sigterm)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)
