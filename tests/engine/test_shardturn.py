"""The shard's turn (engine/run/shardturn.py) directly: a user waiting out a delay lets the next one go,
takes a turn again after it, and a user cancelled while waiting for the turn leaves it free."""

from __future__ import annotations

import asyncio

from bulkops.engine.run.shardturn import Shard


class Gate:
    """A conflict delay that ends when the test says so (no clock)."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.waiting = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.waiting.set()
        await self.open.wait()


async def test_a_paused_user_gives_the_turn_to_the_next_and_takes_it_again_after():
    gate = Gate()
    shard = Shard(sleep=gate.sleep)
    order: list[str] = []
    first = await shard.take()

    async def conflicted() -> None:
        order.append("a writes")
        await first.pause(5.0)
        order.append("a writes again")
        first.end()

    task = asyncio.create_task(conflicted())
    await gate.waiting.wait()
    assert shard.waiting == 1 and not shard.turn.locked()
    second = await shard.take()  # the shard goes on while a waits
    order.append("b writes")
    gate.open.set()
    await asyncio.sleep(0)
    assert not task.done()  # a's delay is over, but b holds the turn
    second.end()
    await task
    assert order == ["a writes", "b writes", "a writes again"]
    assert shard.waiting == 0 and not shard.turn.locked()


async def test_a_user_cancelled_while_waiting_for_the_turn_leaves_it_free():
    gate = Gate()
    shard = Shard(sleep=gate.sleep)
    paused = await shard.take()
    task = asyncio.create_task(paused.pause(5.0))
    await gate.waiting.wait()
    blocker = await shard.take()  # the next user holds the turn when the delay ends
    gate.open.set()
    for _ in range(3):
        await asyncio.sleep(0)
    assert not task.done()  # queued for the turn
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    paused.end()  # the pass's clean-up: gives back nothing it does not hold
    assert not paused.held and shard.turn.locked()
    blocker.end()
    assert not shard.turn.locked() and shard.waiting == 0
