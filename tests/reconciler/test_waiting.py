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


def test_a_task_shared_by_changes_waits_without_lending_a_slot_it_does_not_hold() -> None:
    # Every slot is held by a change waiting for one shared listing, started from inside the
    # first change; the listing's retry must not take a slot back, or nothing would finish.
    async def main() -> list[str]:
        gate = asyncio.Semaphore(2)
        done: list[str] = []
        shared: list[asyncio.Task[None]] = []

        async def listing() -> None:
            await wait(0.01)  # a retry of the shared listing
            done.append("listing")

        async def change(name: str) -> None:
            async with holding_slot(gate):
                if not shared:
                    shared.append(asyncio.ensure_future(listing()))
                await asyncio.shield(shared[0])
                done.append(name)

        await asyncio.wait_for(asyncio.gather(change("a"), change("b"), change("c")), 5)
        assert not gate.locked()
        return done

    assert asyncio.run(main())[0] == "listing"
