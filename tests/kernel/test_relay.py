"""The relay: every committed event reaches JetStream exactly once, each stream in version order."""

import asyncio
import random
from collections import defaultdict

import asyncpg
import pytest
from nats.aio.client import Client as NATS

from jingzhang.shared.envelope import Envelope, StreamId
from jingzhang.shared.errors import ConcurrencyError
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.relay import Relay
from jingzhang.shared.runtime import connect_nats
from jingzhang.shared.store.postgres import PostgresEventStore

from .helpers import eventually, install_store, read_stream_messages
from .sample import AGGREGATE, SERVICE, meta, noted


@pytest.fixture
async def store(pool: asyncpg.Pool) -> PostgresEventStore:
    await install_store(pool)
    return PostgresEventStore(pool, SERVICE)


async def _writer(store: PostgresEventStore, writer: int, commands: int, rng: random.Random) -> int:
    """Appends with a random delay before each commit, to shared and own streams, retrying conflicts."""
    written = 0
    for n in range(commands):
        stream = StreamId(AGGREGATE, f"shared{rng.randrange(8)}" if n % 3 == 0 else f"w{writer}-{n % 5}")
        while True:
            async with store.pool.acquire() as conn:
                try:
                    async with conn.transaction():
                        version = await conn.fetchval(
                            "SELECT coalesce(max(version), 0) FROM es.events"
                            " WHERE aggregate_type = $1 AND aggregate_id = $2",
                            stream.aggregate_type,
                            stream.aggregate_id,
                        )
                        await store.append_in(conn, stream, version, [noted(writer * 100_000 + n)], meta())
                        await asyncio.sleep(rng.random() * 0.004)
                except ConcurrencyError:
                    continue
            written += 1
            break
    return written


def assert_exactly_once_in_order(messages: list[tuple[int, Envelope]], expected_ids: set[object]) -> None:
    """Checks with short messages: pytest's diff of thousands of UUIDs takes minutes."""
    ids = [env.event_id for _, env in messages]
    duplicated = len(ids) - len(set(ids))
    missing = len(expected_ids - set(ids))
    unexpected = len(set(ids) - expected_ids)
    assert (duplicated, missing, unexpected) == (0, 0, 0), "(duplicated, missing, unexpected) in JetStream"
    versions: dict[str, list[int]] = defaultdict(list)
    for _, env in messages:
        versions[str(env.stream)].append(env.version)
    disordered = [s for s, seen in versions.items() if seen != list(range(1, len(seen) + 1))]
    assert not disordered, f"streams out of order: {disordered[:5]}"


async def all_event_ids(pool: asyncpg.Pool) -> set[object]:
    return {r["event_id"] for r in await pool.fetch("SELECT event_id FROM es.events")}


async def test_sixteen_concurrent_writers_5000_events_each_reach_jetstream_once_in_order(
    store: PostgresEventStore, nc: NATS
) -> None:
    relay = Relay(store, nc, window=128, poll_interval=0.05)
    stop = asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stop))
    rng = random.Random(20261127)
    written = await asyncio.gather(
        *(_writer(store, w, 5000 // 16 + (w < 5000 % 16), random.Random(rng.random())) for w in range(16))
    )
    assert sum(written) == 5000

    async def relayed_all() -> bool:
        return relay.published >= 5000 and await relay.backlog() == 0

    await eventually(relayed_all, timeout=60)
    stop.set()
    await relay_task
    messages = await read_stream_messages(nc, SERVICE)
    assert_exactly_once_in_order(messages, await all_event_ids(store.pool))


async def test_nats_down_for_five_seconds_loses_nothing(
    store: PostgresEventStore, nats_server: NatsServer, nc: NATS
) -> None:
    relay_nc = await connect_nats(nats_server.url, "relay-under-test")
    relay = Relay(store, relay_nc, window=64, poll_interval=0.05, ack_timeout=1.0)
    stop = asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stop))
    appended = 0

    async def append_some(count: int) -> None:
        nonlocal appended
        for _ in range(count):
            stream = StreamId(AGGREGATE, f"s{appended % 7}")
            version = len(await store.read_stream(stream))
            await store.append(stream, version, [noted(appended)], meta())
            appended += 1

    await append_some(300)
    nats_server.stop()  # commands keep succeeding while NATS is away
    await asyncio.gather(append_some(400), asyncio.sleep(5))
    nats_server.start()
    await append_some(300)

    async def drained() -> bool:
        return await relay.backlog() == 0

    await eventually(drained, timeout=60)
    stop.set()
    await relay_task
    await relay_nc.close()
    messages = await read_stream_messages(nc, SERVICE)
    assert appended == 1000
    assert_exactly_once_in_order(messages, await all_event_ids(store.pool))


async def test_a_relay_restarted_before_saving_its_checkpoint_publishes_no_duplicate(
    store: PostgresEventStore, nc: NATS
) -> None:
    for n in range(50):
        await store.append(StreamId(AGGREGATE, "again"), n, [noted(n)], meta())
    first = Relay(store, nc, window=16)
    assert await first.publish_pending() == 50
    await store.pool.execute("UPDATE es.relay_checkpoint SET tx_id = '0', position = 0")  # as if it crashed
    second = Relay(store, nc, window=16)
    assert await second.publish_pending() == 50
    messages = await read_stream_messages(nc, SERVICE)
    assert_exactly_once_in_order(messages, await all_event_ids(store.pool))
    assert [seq for seq, _ in messages] == list(range(1, 51))
