"""A durable consumer's messages with a pull request always waiting (`shared.pulls`), on a real nats-server."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from jingzhang.shared.pulls import ConsumerGone, WaitingPull

from .helpers import eventually

STREAM, DURABLE, BATCH = "PULLS", "reader", 4


@pytest.fixture
async def js_stream(nc: NATS) -> AsyncIterator[NATS]:
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name=STREAM, subjects=["pulls.>"]))
    await js.add_consumer(STREAM, ConsumerConfig(durable_name=DURABLE, ack_policy=AckPolicy.EXPLICIT, ack_wait=30))
    yield nc
    await js.delete_stream(STREAM)


async def publish(nc: NATS, *numbers: int) -> None:
    js = nc.jetstream()
    for n in numbers:
        await js.publish(f"pulls.{n}", str(n).encode())


async def ack_pending(nc: NATS) -> int:
    return int((await nc.jetstream().consumer_info(STREAM, DURABLE)).num_ack_pending)


def never() -> "asyncio.Future[None]":
    return asyncio.get_running_loop().create_future()


async def opened(nc: NATS, expires: float = 5.0) -> WaitingPull:
    pull = WaitingPull(nc, STREAM, DURABLE, BATCH, expires)
    await pull.open()
    return pull


async def take(pull: WaitingPull) -> list[Msg]:
    msgs = await pull.next_batch(5.0, never())
    assert msgs is not None
    return msgs


async def test_the_next_messages_travel_while_the_caller_applies_the_last(js_stream: NATS) -> None:
    pull = await opened(js_stream)
    try:
        await publish(js_stream, 1)
        first = await take(pull)
        assert [m.data for m in first] == [b"1"]
        await publish(js_stream, 2, 3, 4, 5, 6, 7)  # while 1 is being applied: nobody calls next_batch

        async def delivered_meanwhile() -> bool:
            return await ack_pending(js_stream) == 1 + (BATCH - 1)  # the waiting request's rest

        await eventually(delivered_meanwhile, timeout=10)
        for msg in first:
            await msg.ack()
        assert [m.data for m in await take(pull)] == [b"2", b"3", b"4"]
    finally:
        await pull.close()


async def test_batches_come_in_order_and_no_larger_than_asked(js_stream: NATS) -> None:
    pull = await opened(js_stream)
    seen: list[int] = []
    try:
        await publish(js_stream, *range(1, 11))
        while len(seen) < 10:
            msgs = await take(pull)
            assert 0 < len(msgs) <= BATCH
            seen += [int(m.data) for m in msgs]
            for msg in msgs:
                await msg.ack()
    finally:
        await pull.close()
    assert seen == list(range(1, 11))


async def test_what_was_not_handed_out_is_given_back_at_once_on_close(js_stream: NATS) -> None:
    first = await opened(js_stream)
    await publish(js_stream, *range(1, 8))
    taken = await take(first)
    assert [int(m.data) for m in taken] == [1, 2, 3, 4]
    for msg in taken:
        await msg.ack()

    async def rest_delivered() -> bool:
        return await ack_pending(js_stream) == 3  # to the request that was waiting, not handed out

    await eventually(rest_delivered, timeout=10)
    await first.close()
    second = await opened(js_stream)  # the partition's next owner, well before the 30 s ack wait
    got: list[int] = []
    try:
        async with asyncio.timeout(10):
            while len(got) < 3:
                got += [int(m.data) for m in await take(second)]
    finally:
        await second.close()
    assert sorted(got) == [5, 6, 7]  # in any order: the applier restores each stream's order


async def test_an_expired_request_is_asked_again_and_an_idle_wait_ends_empty(js_stream: NATS) -> None:
    pull = await opened(js_stream, expires=0.3)
    try:
        assert await pull.next_batch(1.0, never()) == []
        assert pull.requests >= 3  # the first expired at least twice and was asked again
        await publish(js_stream, 1)
        assert [m.data for m in await take(pull)] == [b"1"]
    finally:
        await pull.close()


async def test_a_stop_interrupts_the_wait(js_stream: NATS) -> None:
    pull = await opened(js_stream)
    stopped = never()
    asyncio.get_running_loop().call_later(0.2, stopped.set_result, None)
    try:
        assert await pull.next_batch(30.0, stopped) is None
    finally:
        await pull.close()


async def test_a_deleted_consumer_ends_the_pull(js_stream: NATS) -> None:
    pull = await opened(js_stream)
    try:
        waiting = asyncio.ensure_future(pull.next_batch(10.0, never()))
        await asyncio.sleep(0.2)
        await js_stream.jetstream().delete_consumer(STREAM, DURABLE)
        with pytest.raises(ConsumerGone, match="Consumer Deleted"):
            await asyncio.wait_for(waiting, 5)
    finally:
        await pull.close()
