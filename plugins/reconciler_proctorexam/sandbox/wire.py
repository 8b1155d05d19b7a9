"""An answer's head and body leave the sandbox in one write: one system call, one packet.

uvicorn's h11 protocol writes an answer in two parts, the head and then the body, each a
system call and, on a ``TCP_NODELAY`` socket, a packet of its own: the client wakes up, reads
and parses the head, then sleeps until the body comes. Over the loopback, where a benchmark
runs the sandbox, every packet wakes the other process, and each answer cost two.
:class:`GatheringH11Protocol` gives uvicorn a transport that gathers what is written during
one answer and sends it once the answer is complete (anything written outside an answer, at
the end of the loop turn). Nothing else is changed: every byte is written, in the same order,
in the same turn of the loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["GatheringH11Protocol", "GatheringTransport", "real_transport"]


class GatheringTransport:
    """``transport``, its writes of one loop turn sent together; everything else as it is."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self._loop = asyncio.get_running_loop()
        self._pending: list[Any] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        """Send what was gathered (unless the connection is closing: then it is dropped)."""
        pending, self._pending = self._pending, []
        if pending and not self.transport.is_closing():
            self.transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:
        self._pending = []
        self.transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class GatheringH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, writing through a :class:`GatheringTransport`; an answer is sent
    as soon as it is complete, not at the end of the loop turn (other requests may be handled
    in that turn)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(GatheringTransport(transport))  # type: ignore[arg-type]

    def on_response_complete(self) -> None:
        transport = self.transport
        if isinstance(transport, GatheringTransport):
            transport.flush()
        super().on_response_complete()


def real_transport(transport: Any) -> Any:
    """The asyncio transport under a :class:`GatheringTransport` (or ``transport`` itself)."""
    return transport.transport if isinstance(transport, GatheringTransport) else transport
