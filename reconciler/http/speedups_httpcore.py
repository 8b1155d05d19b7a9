"""A faster connection for each slot of a :class:`~reconciler.http.SlotTransport`, through
httpx's and httpcore's private parts: the one module of the toolkit that touches them.

Written against httpx 0.28-0.29 and httpcore 1.0. :func:`fast_slot` checks every attribute and
type it relies on, and returns the transport untouched (the public path) when anything differs,
or when speed-ups are off (``RECONCILER_NO_SPEEDUPS=1``, :func:`reconciler.speedups_enabled`).
What it changes, and why it pays (over https, ``benchmarks/bench_apply.py --tls``):

- **One connection, no pool.** A slot sends one request at a time, so the pool's queue, its
  locks and its scans of the connections (twice per request, each asking the socket whether it
  is readable) have nothing to do: :class:`_OneConnection` does what the pool does for one
  connection. A connection that is closed, has expired or serves another origin is replaced
  through the pool's own ``create_connection`` (a proxy's connections are made as before); one
  that turns out to be unavailable is replaced and the request sent again.
- **One write per request.** httpcore writes a request's head, body and end separately; on a
  socket without Nagle's algorithm each is a packet (and, over TLS, a record) of its own.
  :class:`CoalescingStream` keeps the writes until the connection reads (the answer is awaited
  next), or :data:`FLUSH_AT` bytes are waiting. A write that fails while it is sent with the
  read is ignored and the answer read, as httpcore does: a server may have answered first.

Connecting, TLS and every error stay httpcore's own.
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
import httpx

from reconciler.speedups import enabled as speedups_enabled

__all__ = ["FLUSH_AT", "CoalescingBackend", "CoalescingStream", "fast_slot", "supported"]

#: Bytes kept back at most: a larger request body is written as it comes, in parts this big.
FLUSH_AT = 64 * 1024

#: What :class:`_OneConnection` asks of each connection the pool makes.
_CONNECTION_METHODS = ("handle_async_request", "can_handle_request", "is_closed", "has_expired")


def supported(transport: httpx.AsyncHTTPTransport) -> bool:
    """Whether ``transport`` is made of the httpx and httpcore parts this module was written
    against: a pool with a network backend and ``create_connection``."""
    pool = getattr(transport, "_pool", None)
    if not isinstance(pool, httpcore.AsyncConnectionPool):  # a proxy's pool is one too
        return False
    backend = getattr(pool, "_network_backend", None)
    return (
        isinstance(backend, httpcore.AsyncNetworkBackend)
        and callable(getattr(pool, "create_connection", None))
        and all(
            callable(getattr(httpcore.AsyncConnectionInterface, name, None))
            for name in _CONNECTION_METHODS
        )
        and isinstance(getattr(httpcore, "ConnectionNotAvailable", None), type)
    )


def fast_slot(transport: httpx.AsyncHTTPTransport) -> httpx.AsyncHTTPTransport:
    """``transport``, its one connection used directly and writing each request in one piece;
    untouched when speed-ups are off or its parts are not the ones this module knows."""
    if not speedups_enabled() or not supported(transport):
        return transport
    pool = transport._pool
    pool._network_backend = CoalescingBackend(pool._network_backend)
    transport._pool = _OneConnection(pool)  # type: ignore[assignment]
    return transport


class _OneConnection:
    """What httpcore's pool does for a slot's one connection, without the pool's bookkeeping."""

    def __init__(self, pool: httpcore.AsyncConnectionPool) -> None:
        self._pool = pool
        self._connection: httpcore.AsyncConnectionInterface | None = None

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        scheme = request.url.scheme.decode()
        if scheme == "":
            raise httpcore.UnsupportedProtocol(
                "Request URL is missing an 'http://' or 'https://' protocol."
            )
        if scheme not in ("http", "https", "ws", "wss"):
            raise httpcore.UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{scheme}://'."
            )
        origin = request.url.origin
        while True:
            connection = self._connection
            if connection is None or not _reusable(connection, origin):
                if connection is not None:
                    await connection.aclose()
                connection = self._connection = self._pool.create_connection(origin)
            try:
                return await connection.handle_async_request(request)
            except httpcore.ConnectionNotAvailable:
                self._connection = None  # as the pool does: another connection, and again
                await connection.aclose()

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.aclose()
        await self._pool.aclose()

    async def __aenter__(self) -> _OneConnection:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _reusable(connection: httpcore.AsyncConnectionInterface, origin: httpcore.Origin) -> bool:
    """Whether the pool would hand ``connection`` a request for ``origin``."""
    return (
        connection.can_handle_request(origin)
        and not connection.is_closed()
        and not connection.has_expired()
    )


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
        return await self._stream.read(max_bytes, timeout)

    async def _flush(self) -> None:
        pending = self._pending
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        self._pending = []
        self._size = 0
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
