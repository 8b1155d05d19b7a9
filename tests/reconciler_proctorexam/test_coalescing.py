"""A request's head and body go out in one write, and nothing else about the wire changes."""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

import httpcore
import httpx
import pytest

from reconciler_proctorexam.client import ProctorExamClient
from reconciler_proctorexam.config import ClientSettings, Credentials
from reconciler_proctorexam.network import FLUSH_AT, CoalescingBackend, CoalescingStream
from reconciler_proctorexam.sandbox import DEFAULT_SECRET, DEFAULT_TOKEN, Sandbox
from reconciler_proctorexam.transport import SlotTransport


class _Recording(httpcore.AsyncNetworkStream):
    """A connection that notes what it was asked to do; ``fail_writes`` refuses every write."""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.calls.append(("write", buffer))
        if self.fail_writes:
            raise httpcore.WriteError("broken pipe")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.calls.append(("read", max_bytes))
        return b"HTTP/1.1 200 OK\r\n"

    async def aclose(self) -> None:
        self.calls.append(("close", None))

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.calls.append(("tls", server_hostname))
        return _Recording()

    def __init__(self, fail_writes: bool = False, sock: socket.socket | None = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail_writes = fail_writes
        self.sock = sock

    def get_extra_info(self, info: str) -> Any:
        return self.sock if info == "socket" else f"info {info}"


def test_writes_wait_for_the_read_and_leave_as_one() -> None:
    inner = _Recording()
    stream = CoalescingStream(inner)

    async def main() -> bytes:
        await stream.write(b"HEAD ")
        await stream.write(b"body")
        await stream.write(b"")
        assert inner.calls == []
        return await stream.read(100)

    assert asyncio.run(main()) == b"HTTP/1.1 200 OK\r\n"
    assert inner.calls == [("write", b"HEAD body"), ("read", 100)]
    assert stream.get_extra_info("is_readable") == "info is_readable"


def test_readable_is_asked_of_the_socket_itself() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        stream = CoalescingStream(_Recording(sock=ours))
        assert stream.get_extra_info("is_readable") is False
        theirs.sendall(b"x")
        assert stream.get_extra_info("is_readable") is True
        assert ours.recv(1) == b"x"
        theirs.close()  # the end of the stream is readable too
        assert stream.get_extra_info("is_readable") is True
        assert stream.get_extra_info("server_addr") == "info server_addr"


def test_a_large_body_is_written_as_it_comes() -> None:
    inner = _Recording()
    stream = CoalescingStream(inner)
    part = b"x" * (FLUSH_AT // 2)

    async def main() -> None:
        for _ in range(3):
            await stream.write(part)

    asyncio.run(main())
    assert inner.calls == [("write", part * 2)]  # the third part waits for the next read


def test_a_failed_write_still_reads_the_answer_as_httpcore_does() -> None:
    inner = _Recording(fail_writes=True)
    stream = CoalescingStream(inner)

    async def main() -> bytes:
        await stream.write(b"request")
        return await stream.read(10)

    assert asyncio.run(main()) == b"HTTP/1.1 200 OK\r\n"
    assert [name for name, _ in inner.calls] == ["write", "read"]


def test_closing_abandons_what_was_not_sent_and_tls_sends_it_first() -> None:
    inner = _Recording()
    stream = CoalescingStream(inner)

    async def main() -> None:
        await stream.write(b"CONNECT")
        upgraded = await stream.start_tls(ssl.create_default_context(), "acme.example")
        assert isinstance(upgraded, CoalescingStream)
        await stream.write(b"abandoned")
        await stream.aclose()

    asyncio.run(main())
    assert inner.calls == [("write", b"CONNECT"), ("tls", "acme.example"), ("close", None)]


def test_every_slot_connects_through_the_coalescing_backend() -> None:
    # Wrapped in place (httpx takes no network backend): this fails if httpx or httpcore
    # rename what transport.py reaches into.
    slots = SlotTransport(3, tls=False)
    backends = [t._pool._pool._network_backend for t in slots._all]  # type: ignore[attr-defined]
    assert all(isinstance(b, CoalescingBackend) for b in backends)


def test_one_write_per_request_against_the_sandbox(proctorexam_sandbox: Sandbox) -> None:
    writes: list[bytes] = []

    class Counting(CoalescingStream):
        async def _flush(self) -> None:
            writes.append(b"".join(self._pending))
            await super()._flush()

    class Backend(CoalescingBackend):
        async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
            stream = await super().connect_tcp(*args, **kwargs)
            assert isinstance(stream, CoalescingStream)
            return Counting(stream._stream)

    slots = SlotTransport(1, tls=False)
    pool = slots._all[0]._pool._pool  # type: ignore[attr-defined]
    wrapped = pool._network_backend
    assert isinstance(wrapped, CoalescingBackend)
    pool._network_backend = Backend(wrapped.inner)
    settings = ClientSettings(
        base_url=proctorexam_sandbox.base_url,
        credentials=Credentials(DEFAULT_TOKEN, DEFAULT_SECRET),
        allow_insecure_http=True,
    )

    async def main() -> dict[str, Any]:
        async with ProctorExamClient(settings, transport=slots) as client:
            return await client.create_institute({"short_name": "pe", "name": "PE"})

    created = asyncio.run(main())
    assert created["short_name"] == "pe"
    assert len(writes) == 1
    head, _, body = writes[0].partition(b"\r\n\r\n")
    assert head.startswith(b"POST /api/v3/institutes HTTP/1.1")
    assert b'"short_name":"pe"' in body


def test_a_cookie_the_service_sets_is_sent_back() -> None:
    # The sandbox sets no cookie; a made-up service does, once.
    seen: list[str | None] = []

    def service(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        headers = {"set-cookie": "session=abc; Path=/"} if len(seen) == 1 else {}
        return httpx.Response(200, json={"institute": {"id": 1}}, headers=headers)

    settings = ClientSettings(
        base_url="https://acme.proctorexam.com/api/v3",
        credentials=Credentials(DEFAULT_TOKEN, DEFAULT_SECRET),
    )

    async def main() -> None:
        async with ProctorExamClient(settings, transport=httpx.MockTransport(service)) as client:
            await client.get_institute("1")
            await client.get_institute("1")

    asyncio.run(main())
    assert seen == [None, "session=abc"]


def test_a_closed_client_sends_nothing(proctorexam_sandbox: Sandbox) -> None:
    settings = ClientSettings(
        base_url=proctorexam_sandbox.base_url,
        credentials=Credentials(DEFAULT_TOKEN, DEFAULT_SECRET),
    )

    async def main() -> None:
        client = ProctorExamClient(settings)
        await client.aclose()
        await client.get_institute("1")

    with pytest.raises(RuntimeError, match="the client has been closed"):
        asyncio.run(main())
    assert proctorexam_sandbox.requests == []
