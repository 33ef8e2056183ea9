"""The relay hears of appends from the process that made them, not from a trigger on every commit.

Each relay here polls only every 30 s, so an event published within a few seconds was announced."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from nats.aio.client import Client as NATS

from jingzhang.shared.envelope import StreamId
from jingzhang.shared.relay import Relay, Wakeup
from jingzhang.shared.store.postgres import PostgresEventStore

from .helpers import eventually, install_store
from .sample import AGGREGATE, SERVICE, meta, noted

SLOW = 30.0


@pytest.fixture
async def store(pool: asyncpg.Pool) -> PostgresEventStore:
    await install_store(pool)
    return PostgresEventStore(pool, SERVICE)


@pytest.fixture
async def relay(store: PostgresEventStore, nc: NATS) -> AsyncIterator[Relay]:
    relay = Relay(store, nc, window=64, poll_interval=SLOW, mark_interval=SLOW)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    await eventually(lambda: _leading(relay), timeout=10)
    await asyncio.sleep(0.2)  # it has looked once and waits 30 s now
    yield relay
    stop.set()
    await task


async def _leading(relay: Relay) -> bool:
    return relay.leading


async def published(relay: Relay, count: int) -> None:
    async def done() -> bool:
        return relay.published >= count

    await eventually(done, timeout=5)


async def test_an_append_wakes_the_relay_of_its_own_process(store: PostgresEventStore, relay: Relay) -> None:
    wakeup = Wakeup(store.pool, relay)
    store.on_appended = wakeup

    await store.append(StreamId(AGGREGATE, "a"), 0, [noted(1)], meta())

    await published(relay, 1)
    await wakeup.close()


async def test_an_append_in_a_callers_transaction_is_found_once_it_commits(
    store: PostgresEventStore, relay: Relay
) -> None:
    wakeup = Wakeup(store.pool, relay)
    store.on_appended = wakeup

    async with store.pool.acquire() as conn, conn.transaction():
        await store.append_in(conn, StreamId(AGGREGATE, "b"), 0, [noted(1)], meta())
        await asyncio.sleep(0.3)  # the commit comes well after the relay was told

    await published(relay, 1)
    await wakeup.close()


async def test_a_relay_leading_in_another_process_hears_one_notify(store: PostgresEventStore, relay: Relay) -> None:
    elsewhere = PostgresEventStore(store.pool, SERVICE)  # a replica on standby: no relay of its own leads
    wakeup = Wakeup(store.pool, relay=None)
    elsewhere.on_appended = wakeup
    notified: list[str] = []

    def heard(*args: object) -> None:
        notified.append(str(args[2]))

    async with store.pool.acquire() as listener:
        await listener.add_listener("jz_events_appended", heard)

        await asyncio.gather(
            *(elsewhere.append(StreamId(AGGREGATE, f"c{n}"), 0, [noted(n)], meta()) for n in range(20))
        )
        await published(relay, 20)
        await wakeup.close()
        await asyncio.sleep(0.2)
        await listener.remove_listener("jz_events_appended", heard)

    assert 1 <= len(notified) < 20  # a burst of appends, a few notifications at most
