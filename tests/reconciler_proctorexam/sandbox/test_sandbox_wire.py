"""The sandbox writes each answer in one piece: what one loop turn wrote, sent at its end."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from reconciler_proctorexam.sandbox import Sandbox
from reconciler_proctorexam.sandbox.wire import GatheringTransport, real_transport


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[bytes] = []
        self.closing = False
        self.aborted = False

    def write(self, data: Any) -> None:
        self.sent.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = self.aborted = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return f"extra {name}"


def test_what_one_turn_writes_leaves_at_its_end_in_one_piece() -> None:
    inner = _Transport()

    async def main() -> list[list[bytes]]:
        gathering = GatheringTransport(inner)
        gathering.write(b"HTTP/1.1 200 OK\r\n\r\n")
        gathering.write(b"{}")
        during = list(inner.sent)
        await asyncio.sleep(0)
        gathering.write(b"next")
        await asyncio.sleep(0)
        return [during, inner.sent]

    during, after = asyncio.run(main())
    assert during == []
    assert after == [b"HTTP/1.1 200 OK\r\n\r\n{}", b"next"]


def test_close_sends_first_abort_drops_and_the_rest_is_the_transport() -> None:
    closed, aborted = _Transport(), _Transport()

    async def main() -> None:
        gathering = GatheringTransport(closed)
        gathering.write(b"last words")
        gathering.close()
        dropped = GatheringTransport(aborted)
        dropped.write(b"never sent")
        dropped.abort()
        assert dropped.get_extra_info("peername") == "extra peername"
        assert real_transport(dropped) is aborted
        assert real_transport(aborted) is aborted
        await asyncio.sleep(0)

    asyncio.run(main())
    assert closed.sent == [b"last words"]
    assert closed.closing
    assert aborted.sent == []
    assert aborted.aborted


def test_the_sandbox_answers_whole_through_it(proctorexam_sandbox: Sandbox) -> None:
    # Refused for want of the version header: a whole answer, head and JSON body.
    answer = httpx.get(proctorexam_sandbox.base_url + "/institutes")
    assert answer.status_code == 406
    assert answer.json()["error"]["code"] == "not_acceptable"
