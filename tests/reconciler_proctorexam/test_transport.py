"""One connection per slot: a request takes a free slot, and gives it back with its answer."""

from __future__ import annotations

import asyncio

import httpx

from reconciler_proctorexam.sandbox import Sandbox
from reconciler_proctorexam.testing import SandboxFactory
from reconciler_proctorexam.transport import SlotTransport


def test_a_request_waits_for_a_slot_until_an_answer_is_closed(
    proctorexam_sandbox: Sandbox,
) -> None:
    url = proctorexam_sandbox.base_url + "/institutes"

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

    # No version header, so refused (406): any answer shows the request went through its slot.
    assert asyncio.run(main()) == [406, 406]


def test_as_many_requests_at_once_as_slots_and_all_answered(proctorexam_sandbox: Sandbox) -> None:
    url = proctorexam_sandbox.base_url + "/institutes"

    async def main() -> list[int]:
        async with httpx.AsyncClient(transport=SlotTransport(3, tls=False)) as client:
            answers = await asyncio.gather(*(client.get(url) for _ in range(12)))
        return [a.status_code for a in answers]

    assert asyncio.run(main()) == [406] * 12
    assert len(proctorexam_sandbox.requests) == 12


def test_a_slot_keeps_its_connection_and_replaces_one_the_server_closed(
    proctorexam_sandbox_factory: SandboxFactory,
) -> None:
    first = proctorexam_sandbox_factory()
    url = first.base_url + "/institutes"
    slots = SlotTransport(1, tls=False)
    one = slots._all[0]._pool

    async def main() -> list[int]:
        async with httpx.AsyncClient(transport=slots) as client:
            statuses = [(await client.get(url)).status_code]
            kept = one._connection
            statuses.append((await client.get(url)).status_code)
            assert one._connection is kept  # kept alive, reused
            first.stop()  # closes the idle connection
            second = proctorexam_sandbox_factory(port=first.port)
            statuses.append((await client.get(second.base_url + "/institutes")).status_code)
            assert one._connection is not kept
            return statuses

    assert asyncio.run(main()) == [406, 406, 406]
