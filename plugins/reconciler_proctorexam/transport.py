"""One connection per parallel slot: the client's requests never queue inside httpcore's pool.

httpcore's connection pool scans every connection and every queued request each time a request
starts or ends (encode/httpcore#1035), and checks each idle connection's socket on the way.
With 16 requests in flight that scan was most of the client's CPU time during an apply. The
client already bounds its requests in flight (``parallelism``), so it needs no shared pool:
:class:`SlotTransport` keeps ``slots`` transports of one connection each and hands a free one
to each request, for as long as its response is open. Each pool then scans one connection.

Each slot's connection also writes a request's head and body in one piece
(:mod:`reconciler_proctorexam.network`).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpcore
import httpx

from reconciler_proctorexam.network import CoalescingBackend

__all__ = ["SlotTransport"]


class SlotTransport(httpx.AsyncBaseTransport):
    """``slots`` single-connection transports; a request waits only if all are busy.

    ``verify``, ``trust_env`` and ``proxy`` (a proxy's URL, or None to connect directly) mean
    what they mean to httpx. They make one TLS context, shared
    by every slot: loading the certificate store costs tens of milliseconds each time. Without
    ``tls`` (a plain ``http://`` address: the local sandbox) none is loaded: the slots get a
    context that trusts no certificate at all, so that they could never speak TLS unverified.
    """

    def __init__(
        self,
        slots: int,
        *,
        verify: ssl.SSLContext | bool = True,
        trust_env: bool = True,
        tls: bool = True,
        proxy: str | None = None,
    ) -> None:
        one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        context: ssl.SSLContext
        if not tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, and trusts nothing
        elif isinstance(verify, ssl.SSLContext):
            context = verify
        else:
            context = httpx.create_ssl_context(verify=verify, trust_env=trust_env)
        self._all = [
            _coalescing(
                httpx.AsyncHTTPTransport(
                    verify=context, trust_env=trust_env, limits=one, proxy=proxy
                )
            )
            for _ in range(slots)
        ]
        self._free: asyncio.Queue[httpx.AsyncHTTPTransport] = asyncio.Queue()
        for transport in self._all:
            self._free.put_nowait(transport)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = await self._free.get()
        try:
            response = await transport.handle_async_request(request)
        except BaseException:
            self._free.put_nowait(transport)
            raise
        response.stream = _Releasing(response.stream, lambda: self._free.put_nowait(transport))
        return response

    async def aclose(self) -> None:
        for transport in self._all:
            await transport.aclose()


def _coalescing(transport: httpx.AsyncHTTPTransport) -> httpx.AsyncHTTPTransport:
    """``transport``, its one connection used directly and writing each request in one piece.

    httpx takes neither a network backend nor a pool, so the pool it made is wrapped in place:
    ``_pool`` and ``_network_backend`` are their names in httpx 0.27-0.28 and httpcore 1.x
    (``test_coalescing.py`` fails if they move).
    """
    pool = transport._pool
    pool._network_backend = CoalescingBackend(pool._network_backend)
    transport._pool = _OneConnection(pool)  # type: ignore[assignment]
    return transport


class _OneConnection:
    """What httpcore's pool does for a slot's one connection, without the pool's bookkeeping.

    A slot sends one request at a time, so the pool's queue, its locks and its scans of the
    connections (twice per request, each asking the socket whether it is readable) have nothing
    to do; they were a tenth of the client's CPU per request. What remains is what the pool
    does for one connection: a connection that is closed, has expired or serves another origin
    is replaced, through the pool's own ``create_connection`` (so a proxy's connections are made
    as before); one that turns out to be unavailable is replaced and the request sent again.
    """

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


class _Releasing(httpx.AsyncByteStream):
    """A response body that gives its connection's slot back once it is closed, once."""

    def __init__(self, stream: Any, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release: Callable[[], None] | None = release

    def __aiter__(self) -> AsyncIterator[bytes]:
        # The body's own iterator: one generator fewer for every chunk of every answer.
        iterator: AsyncIterator[bytes] = self._stream.__aiter__()
        return iterator

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()
