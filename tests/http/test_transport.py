"""One connection per slot: a request takes a free slot, and gives it back with its answer."""

from __future__ import annotations

import asyncio
import threading

import httpx
from scripted_service import Service

from reconciler.http import SlotTransport


def test_a_request_waits_for_a_slot_until_an_answer_is_closed(service: Service) -> None:
    url = service.url + "/things"

    async def main() -> list[int]:
        async with httpx.AsyncClient(transport=SlotTransport(1, tls=False)) as client:
            first = await client.send(client.build_request("GET", url), stream=True)
            second = asyncio.ensure_future(client.get(url))
            await asyncio.sleep(0.1)
            waited = not second.done()  # the only slot is still held by the open answer
            await first.aclose()
            answered = await second
            assert waited
            return [first.status_code, answered.status_code]

    assert asyncio.run(main()) == [200, 200]


def test_as_many_requests_at_once_as_slots_and_all_answered(service: Service) -> None:
    url = service.url + "/things"

    async def main() -> list[int]:
        async with httpx.AsyncClient(transport=SlotTransport(3, tls=False)) as client:
            answers = await asyncio.gather(*(client.get(url) for _ in range(12)))
        return [a.status_code for a in answers]

    assert asyncio.run(main()) == [200] * 12
    assert len(service.seen) == 12
    assert len(set(service.peers)) <= 3  # never more connections than slots


def test_a_slot_keeps_its_connection_and_replaces_one_the_server_closed(service: Service) -> None:
    url = service.url + "/things"
    port = service.server_address[1]

    async def main() -> list[int]:
        async with httpx.AsyncClient(transport=SlotTransport(1, tls=False)) as client:
            statuses = [(await client.get(url)).status_code, (await client.get(url)).status_code]
            service.shutdown()
            service.server_close()  # the idle connection is closed with the server
            again = Service(port)
            threading.Thread(target=again.serve_forever, daemon=True).start()
            try:
                statuses.append((await client.get(url)).status_code)
            finally:
                again.shutdown()
                again.server_close()
            return statuses

    assert asyncio.run(main()) == [200, 200, 200]
    assert service.peers[0] == service.peers[1]  # kept alive, reused
