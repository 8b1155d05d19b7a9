"""A plain connection read and written directly gives what anyio gives, errors included."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpcore
import pytest

from reconciler_proctorexam.client import ProctorExamClient
from reconciler_proctorexam.config import ClientSettings, Credentials
from reconciler_proctorexam.directsocket import DirectSocket
from reconciler_proctorexam.network import CoalescingBackend, CoalescingStream
from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Sandbox
from reconciler_proctorexam.transport import SlotTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def _connected(handler: Handler) -> AsyncIterator[CoalescingStream]:
    """A connection made by the client's backend to a server that runs ``handler``."""
    writers: list[asyncio.StreamWriter] = []
    handlers: list[asyncio.Task[None]] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        task = asyncio.current_task()
        assert task is not None
        handlers.append(task)
        await handler(reader, writer)

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    stream = await CoalescingBackend(httpcore.AnyIOBackend()).connect_tcp("127.0.0.1", port)
    assert isinstance(stream, CoalescingStream)
    try:
        yield stream
    finally:
        await stream.aclose()
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        for writer in writers:
            writer.transport.abort()
        server.close()
        await server.wait_closed()


def _run(test: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(test())  # type: ignore[arg-type]


def test_a_plain_connection_is_read_directly_and_a_tls_one_is_not() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)

    async def main() -> None:
        async with _connected(handler) as stream:
            assert isinstance(DirectSocket.of(stream._stream), DirectSocket)

    _run(main)

    class Other(httpcore.AsyncNetworkStream):
        _stream = object()  # what anyio's TLSStream would be to it: not a socket stream

    assert DirectSocket.of(Other()) is None


def test_the_sandbox_connection_takes_the_direct_path(proctorexam_sandbox: Sandbox) -> None:
    # Fails if anyio moves what DirectSocket reaches into: the client would still work, slower.
    direct: list[DirectSocket | None] = []

    class Backend(CoalescingBackend):
        async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
            stream = await super().connect_tcp(*args, **kwargs)
            assert isinstance(stream, CoalescingStream)
            direct.append(stream._direct)
            return stream

    slots = SlotTransport(1, tls=False)
    pool = slots._all[0]._pool._pool  # type: ignore[attr-defined]
    pool._network_backend = Backend(pool._network_backend.inner)
    settings = ClientSettings(
        base_url=proctorexam_sandbox.base_url,
        credentials=Credentials(DEFAULT_TOKEN, DEFAULT_SECRET),
        allow_insecure_http=True,
    )

    async def main() -> list[dict[str, Any]]:
        async with ProctorExamClient(settings, transport=slots) as client:
            await client.create_institute({"short_name": "pe", "name": "PE"})
            return await client.list_institutes()

    assert [i["short_name"] for i in _run(main)] == ["pe"]
    assert len(direct) == 1
    assert isinstance(direct[0], DirectSocket)


def test_reads_give_what_was_sent_in_order_and_split_to_max_bytes() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readexactly(5)
        writer.write(b"answer to " + request)
        await writer.drain()
        await reader.read(1)  # until the client closes

    async def main() -> list[bytes]:
        async with _connected(handler) as stream:
            await stream.write(b"hello")
            chunks = [await stream.read(4, timeout=5)]
            while sum(map(len, chunks)) < len(b"answer to hello"):
                chunks.append(await stream.read(4, timeout=5))
            return chunks

    chunks = _run(main)
    assert b"".join(chunks) == b"answer to hello"
    assert all(len(chunk) <= 4 for chunk in chunks)


def test_the_end_of_the_stream_reads_as_empty_as_before() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"bye")
        await writer.drain()
        writer.close()

    async def main() -> list[bytes]:
        async with _connected(handler) as stream:
            received = [await stream.read(100, timeout=5)]
            received.append(await stream.read(100, timeout=5))
            received.append(await stream.read(100, timeout=5))
            return received

    assert _run(main) == [b"bye", b"", b""]


def test_a_silent_server_times_the_read_out() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)

    async def main() -> None:
        async with _connected(handler) as stream:
            await stream.read(100, timeout=0.05)

    with pytest.raises(httpcore.ReadTimeout):
        _run(main)


def test_a_reset_connection_is_a_read_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()  # an RST, not a FIN

    async def main() -> None:
        async with _connected(handler) as stream:
            await stream.read(100, timeout=5)
            await stream.read(100, timeout=5)

    with pytest.raises(httpcore.ReadError):
        _run(main)


def test_reading_a_closed_stream_is_a_read_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)

    async def main() -> None:
        async with _connected(handler) as stream:
            inner = stream._stream
            await inner.aclose()
            await stream.read(100, timeout=5)

    with pytest.raises(httpcore.ReadError):
        _run(main)


def test_an_idle_connection_the_server_closed_is_readable() -> None:
    # httpcore asks before it reuses a connection; a closed one must be seen as gone.
    closed = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"x")
        await writer.drain()
        writer.close()
        closed.set()

    async def main() -> bool:
        async with _connected(handler) as stream:
            assert await stream.read(1, timeout=5) == b"x"
            await closed.wait()
            for _ in range(20):  # the end arrives in a later turn of the loop
                await asyncio.sleep(0.005)
            return bool(stream.get_extra_info("is_readable"))

    assert _run(main) is True


def test_a_quiet_idle_connection_is_not_readable() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"x")
        await writer.drain()
        await reader.read(1)

    async def main() -> bool:
        async with _connected(handler) as stream:
            assert await stream.read(1, timeout=5) == b"x"
            await asyncio.sleep(0.02)
            return bool(stream.get_extra_info("is_readable"))

    assert _run(main) is False


def test_what_a_server_sends_between_reads_stays_in_the_kernel() -> None:
    chunk = b"z" * 65536

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(64):
            writer.write(chunk)
        await writer.drain()
        writer.close()

    async def main() -> int:
        async with _connected(handler) as stream:
            first = await stream.read(10, timeout=5)
            await asyncio.sleep(0.2)  # the server has written everything it could
            direct = stream._direct
            assert direct is not None
            queued = len(direct._protocol.read_queue)
            total = len(first)
            while data := await stream.read(1 << 20, timeout=5):
                total += len(data)
            assert total == 64 * len(chunk)
            return queued

    assert _run(main) <= 1  # at most what came with the first read


def test_a_large_write_to_a_server_that_does_not_read_times_out() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async def main() -> None:
        async with _connected(handler) as stream:
            stream._direct._transport.get_extra_info("socket").setsockopt(  # type: ignore[union-attr]
                socket.SOL_SOCKET, socket.SO_SNDBUF, 4096
            )
            await stream.write(b"w" * (32 << 20), timeout=0.1)

    with pytest.raises(httpcore.WriteTimeout):
        _run(main)
