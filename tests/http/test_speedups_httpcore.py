"""The guarded speed-up of each slot's connection: a request's head and body go out in one
write, nothing else about the wire changes, and the public path is taken whenever httpx's or
httpcore's parts differ from what it knows, or speed-ups are off."""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

import httpcore
import httpx
import pytest
from scripted_service import Service

from reconciler import speedups_enabled
from reconciler.http import SlotTransport
from reconciler.http.speedups_httpcore import (
    FLUSH_AT,
    CoalescingBackend,
    CoalescingStream,
    fast_slot,
    supported,
)


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


@pytest.mark.skipif(
    not speedups_enabled(), reason="RECONCILER_NO_SPEEDUPS is set: the slots are httpx's own"
)
def test_every_slot_connects_through_the_coalescing_backend() -> None:
    # This fails if httpx or httpcore rename what speedups_httpcore.py reaches into.
    slots = SlotTransport(3, tls=False)
    backends = [t._pool._pool._network_backend for t in slots._all]  # type: ignore[attr-defined]
    assert all(isinstance(b, CoalescingBackend) for b in backends)


def test_the_installed_httpx_and_httpcore_are_the_ones_it_knows() -> None:
    assert supported(httpx.AsyncHTTPTransport())


def test_turned_off_every_slot_is_httpx_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECONCILER_NO_SPEEDUPS", "1")
    slots = SlotTransport(2, tls=False)
    assert all(type(t._pool) is httpcore.AsyncConnectionPool for t in slots._all)


@pytest.mark.parametrize("missing", ["_pool", "_network_backend", "create_connection"])
def test_parts_it_does_not_know_leave_the_transport_as_httpx_made_it(missing: str) -> None:
    transport = httpx.AsyncHTTPTransport()
    pool = transport._pool
    if missing == "_pool":
        transport._pool = object()  # type: ignore[assignment]
    elif missing == "_network_backend":
        pool._network_backend = object()  # type: ignore[assignment]
    else:
        pool.create_connection = None  # type: ignore[assignment,method-assign]
    before = transport._pool
    assert not supported(transport)
    assert fast_slot(transport) is transport
    assert transport._pool is before


@pytest.mark.parametrize("speedups", ["", "1"], ids=["sped-up", "public"])
def test_both_paths_send_the_same_requests(
    service: Service, speedups: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECONCILER_NO_SPEEDUPS", speedups)
    url = service.url + "/things"

    async def main() -> list[int]:
        async with httpx.AsyncClient(transport=SlotTransport(2, tls=False)) as client:
            posted = await client.post(url, json={"name": "x" * 100})
            gotten = await asyncio.gather(*(client.get(url) for _ in range(4)))
        return [posted.status_code, *(g.status_code for g in gotten)]

    assert asyncio.run(main()) == [200] * 5
    assert service.seen[0][2] == b'{"name":"' + b"x" * 100 + b'"}'
    assert len(set(service.peers)) <= 2
