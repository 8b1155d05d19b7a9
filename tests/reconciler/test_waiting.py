"""A change waiting for its retry lends its slot to another change; outside an apply, a sleep."""

from __future__ import annotations

import asyncio

from reconciler.waiting import holding_slot, wait


def test_a_waiting_change_lets_another_run_in_its_slot() -> None:
    order: list[str] = []

    async def main() -> None:
        gate = asyncio.Semaphore(1)
        inside = asyncio.Event()

        async def retrying() -> None:
            async with holding_slot(gate):
                order.append("first attempt")
                inside.set()
                await wait(0.05)
                order.append("retry")

        async def other() -> None:
            await inside.wait()
            async with holding_slot(gate):
                order.append("other change")

        await asyncio.gather(retrying(), other())
        assert not gate.locked()  # every slot given back

    asyncio.run(main())
    assert order == ["first attempt", "other change", "retry"]


def test_the_slot_is_taken_back_before_the_retry() -> None:
    async def main() -> bool:
        gate = asyncio.Semaphore(1)
        async with holding_slot(gate):
            await wait(0.0)
            await wait(0.01)
            return gate.locked()

    assert asyncio.run(main())


def test_outside_an_apply_it_is_a_sleep() -> None:
    asyncio.run(wait(0.0))
