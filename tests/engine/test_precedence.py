"""Earlier attempts first (engine/run/shardturn.py's ``Precedence``, #29 §2), on a clock the test moves:
a user back from its conflict delay gives way to the users not yet started, a third attempt to a
second, each for at most the bound; a stop, or a cancel, ends the wait at once."""

from __future__ import annotations

import asyncio

from helpers.clock import VirtualSleep, settle

from bulkops.engine.run.shardturn import Precedence, Shard

BOUND = 30.0


def listing(clock: VirtualSleep, fresh: int = 0) -> Precedence:
    """A pass's precedence with the producer still listing and ``fresh`` users handed out."""
    order = Precedence(BOUND, clock.sleep, listing_open=True)
    for _ in range(fresh):
        order.handed()
    return order


async def waiting(order: Precedence, attempt: int) -> asyncio.Task[None]:
    """``attempt`` back from its delay, giving way (counted ready meanwhile, as ``Turn.pause`` does)."""

    async def back() -> None:
        with order.readied(attempt):
            await order.give_way(attempt)

    task = asyncio.create_task(back())
    await settle()
    return task


async def test_a_second_attempt_waits_until_no_fresh_user_can_start():
    clock = VirtualSleep()
    order = listing(clock, fresh=2)
    retry = await waiting(order, 2)
    order.started()
    order.listing_over()  # the producer is through, but one handed user has not had its turn
    await settle()
    assert not retry.done()
    order.started()
    await settle()
    assert retry.done() and order.ready[2] == 0
    assert clock.now == 0.0 and clock.sleeping == 0  # let go by the last start, not the bound


async def test_the_listing_still_open_keeps_a_second_attempt_back_though_no_user_waits():
    clock = VirtualSleep()
    order = listing(clock)
    retry = await waiting(order, 2)
    assert not retry.done()
    order.listing_over()
    await settle()
    assert retry.done()


async def test_a_first_attempt_never_waits():
    clock = VirtualSleep()
    order = listing(clock, fresh=5)
    assert order.may_start(1)
    await order.give_way(1)


async def test_the_bound_lets_a_retry_go_while_fresh_users_remain():
    clock = VirtualSleep()
    order = listing(clock, fresh=1)
    retry = await waiting(order, 2)
    await clock.advance(BOUND - 0.5)
    assert not retry.done()
    await clock.advance(0.5)
    assert retry.done() and clock.sleeping == 0


async def test_a_third_attempt_gives_way_to_a_ready_second_and_each_retry_to_fresh_users():
    clock = VirtualSleep()
    order = listing(clock, fresh=1)
    third = await waiting(order, 3)
    gate = asyncio.Event()

    async def second_back_then_waits_for_its_turn() -> None:
        with order.readied(2):
            await order.give_way(2)
            await gate.wait()  # queued for its shard's turn: still ready, still ahead of the third

    second = asyncio.create_task(second_back_then_waits_for_its_turn())
    await settle()
    order.listing_over()
    order.started()  # no fresh user left: the second goes, the third still gives way to it
    await settle()
    assert not second.done() and not third.done() and order.ready == {2: 1, 3: 1}
    gate.set()  # the second has its turn
    await settle()
    assert second.done() and third.done() and clock.now == 0.0


async def test_the_bound_counts_from_the_end_of_the_delay_for_each_retry():
    clock = VirtualSleep()
    order = listing(clock, fresh=1)
    early = await waiting(order, 2)
    await clock.advance(10.0)
    late = await waiting(order, 2)
    await clock.advance(BOUND - 10.0)
    assert early.done() and not late.done()
    await clock.advance(10.0)
    assert late.done()


async def test_a_stop_lets_every_waiting_retry_go_at_once():
    clock = VirtualSleep()
    order = listing(clock, fresh=3)
    retries = [await waiting(order, attempt) for attempt in (2, 3, 2)]
    order.stop()
    await settle()
    assert all(t.done() for t in retries) and clock.now == 0.0 and clock.sleeping == 0
    order.started()  # a worker sets the rest aside after a stop: nothing waits on the count
    assert order.may_start(3)


async def test_a_retry_cancelled_while_giving_way_leaves_nothing_counted():
    clock = VirtualSleep()
    order = listing(clock, fresh=1)
    retry = await waiting(order, 2)
    retry.cancel()
    await asyncio.gather(retry, return_exceptions=True)
    await settle()
    assert retry.cancelled() and order.ready[2] == 0 and clock.sleeping == 0 and order.may_start(3) is False
    order.listing_over()
    order.started()
    assert order.may_start(3)


async def test_a_paused_user_gives_way_to_the_shards_fresh_users_then_takes_its_turn():
    """The whole pause (``Turn.pause``): the delay off the worker, then the fresh users first."""
    clock = VirtualSleep()
    order = listing(clock, fresh=2)
    shard = Shard(sleep=clock.sleep, precedence=order)
    writes: list[str] = []

    first = await shard.take()
    order.started()

    async def conflicted() -> None:
        writes.append("a 1")
        await first.pause(5.0)
        writes.append(f"a {first.attempt}")
        first.end()

    a = asyncio.create_task(conflicted())
    await settle()
    await clock.advance(5.0)  # a's delay is over: b has not started, so a waits (the turn is free)
    assert not shard.turn.locked() and order.ready[2] == 1 and not a.done()
    b = await shard.take()
    order.started()
    writes.append("b 1")
    order.listing_over()
    await settle()
    assert not a.done()  # a may start now, but b holds the turn
    b.end()
    await a
    assert writes == ["a 1", "b 1", "a 2"] and clock.now == 5.0
    assert order.ready[2] == 0 and shard.waiting == 0 and not shard.turn.locked()
