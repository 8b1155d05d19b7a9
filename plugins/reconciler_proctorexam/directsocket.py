"""A plain TCP connection read and written without anyio's per-call machinery.

httpcore reaches asyncio through anyio: every read and write of a connection opens a cancel
scope for its timeout and passes a checkpoint (a turn of the event loop), even a read whose
data has already arrived. Against the local sandbox that machinery was about a fifth of the
client's CPU time per request (1.3 ms of it, 1.0 ms without).

:class:`DirectSocket` reads and writes the same connection, through the same asyncio transport
and anyio's own protocol object, the way anyio does, minus that machinery: a read returns a
chunk already received at once, and waits for the next one under ``asyncio.timeout``, the
socket watched only while it waits, as anyio does (what a server sends between reads stays in
the kernel's buffer, not in memory). Whatever is not a plain chunk (the end of the stream, a
broken connection, a closed stream) is left to anyio's own ``receive`` and ``send``, so every
error is raised exactly as before. A TLS connection (anyio's ``TLSStream``) is not a plain
socket stream and keeps anyio's path.

It reaches into anyio's asyncio socket stream (``_transport``, ``_protocol``, ``_closed``,
anyio 4). :meth:`DirectSocket.of` checks each of them and returns None when anything differs,
so an anyio that moves them leaves the connection on the usual path, slower, never wrong;
``test_directsocket.py`` fails then, so that it is noticed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpcore

__all__ = ["DirectSocket"]

_ANYIO_SOCKET_STREAM = ("anyio._backends._asyncio", "SocketStream")
_PROTOCOL_ATTRIBUTES = ("read_queue", "read_event", "write_event", "exception", "is_at_eof")


class DirectSocket:
    """anyio's asyncio socket stream ``owner``, read and written through its transport."""

    __slots__ = ("_owner", "_protocol", "_transport")

    def __init__(self, owner: Any, transport: asyncio.Transport, protocol: Any) -> None:
        self._owner = owner
        self._transport = transport
        self._protocol = protocol

    @classmethod
    def of(cls, stream: httpcore.AsyncNetworkStream) -> DirectSocket | None:
        """The direct path to httpcore's ``stream``, if it is a plain anyio asyncio socket."""
        owner = getattr(stream, "_stream", None)  # httpcore's AnyIOStream keeps anyio's here
        kind = type(owner)
        if (kind.__module__, kind.__name__) != _ANYIO_SOCKET_STREAM:
            return None
        transport = getattr(owner, "_transport", None)
        protocol = getattr(owner, "_protocol", None)
        if (
            not isinstance(transport, asyncio.Transport)
            or not isinstance(getattr(owner, "_closed", None), bool)
            or not all(hasattr(protocol, name) for name in _PROTOCOL_ATTRIBUTES)
        ):
            return None
        return cls(owner, transport, protocol)

    def _open(self) -> bool:
        return (
            not self._owner._closed
            and self._protocol.exception is None
            and not self._transport.is_closing()
        )

    async def read(self, max_bytes: int, timeout: float | None) -> bytes | None:
        """The next chunk received, at most ``max_bytes``; None when there is none to give
        (the end, a broken or closed connection): anyio's ``receive`` then says which."""
        protocol = self._protocol
        queue = protocol.read_queue
        if not queue:
            if protocol.is_at_eof or not self._open():
                return None
            transport = self._transport
            transport.resume_reading()
            try:
                async with asyncio.timeout(timeout):
                    await protocol.read_event.wait()
            except TimeoutError as exc:
                raise httpcore.ReadTimeout(exc) from exc  # as httpcore maps anyio's
            finally:
                # As anyio does: between reads the socket is not watched, so what a server
                # sends meanwhile waits in the kernel, not in memory.
                transport.pause_reading()
            if not queue:
                return None
        chunk: bytes = queue.popleft()
        if len(chunk) > max_bytes:
            chunk, rest = chunk[:max_bytes], chunk[max_bytes:]
            queue.appendleft(rest)
        if not queue:
            protocol.read_event.clear()
        return chunk

    def write(self, data: bytes) -> bool:
        """Hand ``data`` to the transport now; False (nothing written) when anyio's ``send``
        must do it: the connection is not open, or the transport still holds earlier data."""
        if not self._open() or not self._protocol.write_event.is_set():
            return False
        self._transport.write(data)
        return True

    async def drain(self, timeout: float | None) -> None:
        """Wait until the transport has sent what it holds, as anyio's ``send`` does."""
        protocol = self._protocol
        event = protocol.write_event  # anyio replaces the event each time writing pauses
        if event.is_set():
            return
        try:
            async with asyncio.timeout(timeout):
                await event.wait()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(exc) from exc
        if self._owner._closed or protocol.exception is not None:
            # anyio raises ClosedResourceError or BrokenResourceError, which say nothing;
            # httpcore maps either to a WriteError that says nothing.
            raise httpcore.WriteError("") from protocol.exception
