"""The sandbox's HTTP/1.1 protocol, and its answers' head and body sent in one write.

The protocol is uvicorn's httptools one (llhttp, the parser of Node.js, in C) where httptools
is installed, and uvicorn's h11 one otherwise (:data:`PARSER` says which). Both refuse a
malformed request with a ``400``; the C parser costs the sandbox a third less time per request,
which a benchmark would otherwise count against the client.

uvicorn's protocols write an answer in two parts, the head and then the body, each a
system call and, on a ``TCP_NODELAY`` socket, a packet of its own: the client wakes up, reads
and parses the head, then sleeps until the body comes. Over the loopback, where a benchmark
runs the sandbox, every packet wakes the other process, and each answer cost two.
Either protocol here gives uvicorn a :class:`GatheringTransport`, which gathers what is
written during one answer and sends it once the answer is complete (anything written outside
an answer, at the end of the loop turn). Nothing else is changed: every byte is written, in
the same order, in the same turn of the loop.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = [
    "PARSER",
    "GatheringH11Protocol",
    "GatheringTransport",
    "http_protocol",
    "real_transport",
]


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


class _Gathering(asyncio.Protocol):
    """A uvicorn HTTP protocol writing through a :class:`GatheringTransport`; an answer is sent
    as soon as it is complete, not at the end of the loop turn (other requests may be handled
    in that turn)."""

    transport: Any

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(GatheringTransport(transport))  # type: ignore[arg-type]

    def on_response_complete(self) -> None:
        transport = self.transport
        if isinstance(transport, GatheringTransport):
            transport.flush()
        super().on_response_complete()  # type: ignore[misc]


class GatheringH11Protocol(_Gathering, H11Protocol):
    """uvicorn's h11 protocol, each answer sent in one write."""


def _httptools_protocol() -> type[asyncio.Protocol] | None:
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # httptools has no wheel for this platform
        return None

    class GatheringHttpToolsProtocol(_Gathering, HttpToolsProtocol):
        """uvicorn's httptools protocol, each answer sent in one write.

        An absolute-form target (``GET http://host/path``, what a proxy is sent) reaches the
        app whole, as uvicorn's h11 protocol gives it: httptools keeps only its path, which
        would make the sandbox answer for any host, as if it were that host's proxy.
        """

        def on_headers_complete(self) -> None:
            super().on_headers_complete()
            url: bytes = self.url
            if url.startswith(b"/") or "path" not in self.scope:
                return
            raw_path, _, query = url.partition(b"?")
            self.scope["path"] = self.root_path + unquote(raw_path.decode("ascii"))
            self.scope["raw_path"] = self.root_path.encode("ascii") + raw_path
            self.scope["query_string"] = query

    return GatheringHttpToolsProtocol


_PROTOCOL = _httptools_protocol() or GatheringH11Protocol

#: The request parser the sandbox uses: ``"httptools"`` or ``"h11"``.
PARSER = "h11" if _PROTOCOL is GatheringH11Protocol else "httptools"


def http_protocol() -> type[asyncio.Protocol]:
    """The protocol class the sandbox's server speaks HTTP/1.1 with."""
    return _PROTOCOL


def real_transport(transport: Any) -> Any:
    """The asyncio transport under a :class:`GatheringTransport` (or ``transport`` itself)."""
    return transport.transport if isinstance(transport, GatheringTransport) else transport
