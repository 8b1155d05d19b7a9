"""One connection per parallel slot: a runner's requests never queue inside httpcore's pool.

httpcore's connection pool scans every connection and every queued request each time a request
starts or ends (encode/httpcore#1035), and checks each idle connection's socket on the way.
With 16 requests in flight that scan was most of the client's CPU time during an apply. A
runner already bounds its requests in flight (``parallelism``), so it needs no shared pool:
:class:`SlotTransport` keeps ``slots`` public ``httpx.AsyncHTTPTransport``\\ s of one
connection each and hands a free one to each request, for as long as its response is open.
Each pool then scans one connection.

Each slot's connection is then sped up where httpx's and httpcore's internals allow it, and
left as httpx made it where they do not (:mod:`reconciler.http.speedups_httpcore`).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from reconciler.http.speedups_httpcore import fast_slot

__all__ = ["SlotTransport"]


class SlotTransport(httpx.AsyncBaseTransport):
    """``slots`` single-connection transports; a request waits only if all are busy.

    ``verify``, ``trust_env`` and ``proxy`` (a proxy's URL, or None to connect directly) mean
    what they mean to httpx. They make one TLS context, shared by every slot: loading the
    certificate store costs tens of milliseconds each time. Without ``tls`` (a plain
    ``http://`` address: a local server) none is loaded: the slots get a context that trusts no
    certificate at all, so that they could never speak TLS unverified.
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
            fast_slot(
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
