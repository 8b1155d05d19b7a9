"""A request's head and body sent in one write: one system call and one packet, not two.

httpcore writes an HTTP/1.1 request in parts: the head, then the body, then an empty write for
its end. Each part is a send through anyio (a cancel scope, a checkpoint, a system call), and
on a socket without Nagle's algorithm (asyncio sets ``TCP_NODELAY``) each is a packet of its
own, which the server reads and parses on its own. That was a sixth of the client's time
per request during an apply. :class:`CoalescingBackend` wraps httpcore's network backend so
that each connection keeps its writes until the request is complete: they leave together
when the connection reads (the answer is awaited next), or once :data:`FLUSH_AT` bytes are
waiting (a large body still streams).

Nothing else changes: connecting, TLS and every error are httpcore's own. A write that fails
while it is sent with the read is ignored, and the answer is read, exactly as httpcore does for
a write that fails while it sends a request: a server may have answered before it closed the
connection. A plain (not TLS) connection is read and written through
:class:`~reconciler_proctorexam.directsocket.DirectSocket`, without anyio's per-call
machinery.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import sys
from collections.abc import Iterable
from typing import Any

import httpcore

from reconciler_proctorexam.directsocket import DirectSocket

__all__ = ["FLUSH_AT", "CoalescingBackend", "CoalescingStream"]

#: Bytes kept back at most: a larger request body is written as it comes, in parts this big.
FLUSH_AT = 64 * 1024


class CoalescingStream(httpcore.AsyncNetworkStream):
    """A connection whose writes wait for its next read (or :data:`FLUSH_AT` bytes)."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._pending: list[bytes] = []
        self._size = 0
        self._timeout: float | None = None
        # Looked up once: anyio builds a table of every attribute on each look-up, and the
        # pool asks whether the socket is readable twice per request.
        self._socket: socket.socket | None = stream.get_extra_info("socket")
        self._direct = DirectSocket.of(stream)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        self._pending.append(buffer)
        self._size += len(buffer)
        self._timeout = timeout
        if self._size >= FLUSH_AT:
            await self._flush()

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self._pending:
            # As httpcore does when sending a request fails: read what the server answered.
            with contextlib.suppress(httpcore.WriteError):
                await self._flush()
        if self._direct is not None:
            chunk = await self._direct.read(max_bytes, timeout)
            if chunk is not None:
                return chunk
        return await self._stream.read(max_bytes, timeout)

    async def _flush(self) -> None:
        pending = self._pending
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        self._pending = []
        self._size = 0
        if self._direct is not None and self._direct.write(data):
            await self._direct.drain(self._timeout)
        else:
            await self._stream.write(data, self._timeout)

    async def aclose(self) -> None:
        # A request closed before it was complete is abandoned: it is not sent.
        self._pending = []
        self._size = 0
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self._pending:
            await self._flush()
        return CoalescingStream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._socket is not None:
            return _is_readable(self._socket)
        return self._stream.get_extra_info(info)


def _is_readable(sock: socket.socket) -> bool:
    """Whether ``recv`` would return at once (data, or the end): what httpcore's anyio stream
    answers for ``is_readable``, from the same socket, without building the attribute table."""
    fd = sock.fileno()
    if fd < 0:
        return True  # closed: the next read returns the end
    if sys.platform == "win32" or not hasattr(select, "poll"):
        readable, _, _ = select.select([fd], [], [], 0)
        return bool(readable)
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    return bool(poll.poll(0))


class CoalescingBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend (``inner``), its connections wrapped in
    :class:`CoalescingStream`."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self.inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return CoalescingStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self.inner.connect_unix_socket(path, timeout, socket_options)
        return CoalescingStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
