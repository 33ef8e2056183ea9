"""Two replicas of one service on one database and one NATS, with eight partitions (a deployment's
choice; one partition has its own in test_direct.py): they split the partitions, apply every event once
and in its aggregate's order, and one takes over all the work when the other goes."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from nats.aio.client import Client as NATS

from jingzhang.shared.consumer import ProjectionConsumer
from jingzhang.shared.envelope import StreamId
from jingzhang.shared.projection import install
from jingzhang.shared.relay import Relay
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.streams import partitioned_stream_name
from tests.conftest import EIGHT, ServiceEnv

from .helpers import eventually, install_store
from .projection_helpers import applied_counts, snapshot
from .sample import AGGREGATE, SERVICE, expected_digest, meta, noted, tally

STREAMS = 40


def owned(runtime: Runtime) -> int:
    assert runtime.partitions is not None
    return len(runtime.partitions.owned)


def applied_by(runtime: Runtime) -> int:
    return sum(c.applied for c in runtime.consumers)


def amount(stream: int, version: int) -> int:
    return stream * 1000 + version


async def write(store: PostgresEventStore, versions: range) -> None:
    """One writer per aggregate, each appending its events one command at a time."""

    async def one(stream: int) -> None:
        for version in versions:
            await store.append(StreamId(AGGREGATE, f"r{stream}"), version, [noted(amount(stream, version))], meta())

    await asyncio.gather(*(one(s) for s in range(STREAMS)))


def applied_reaches(pool: asyncpg.Pool, total: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return int(await pool.fetchval(f'SELECT count(*) FROM "{tally().schema}".applied_log')) >= total

    check.__name__ = f"{total} events applied"
    return check


async def in_order_and_once(pool: asyncpg.Pool, events_per_stream: int) -> None:
    projection = tally()
    assert await applied_counts(pool, projection) == (STREAMS * events_per_stream,) * 2
    rows = await snapshot(pool, projection, "r")
    for s in range(STREAMS):
        amounts = [amount(s, v) for v in range(events_per_stream)]
        assert rows[f"r{s}"] == (expected_digest(amounts), events_per_stream, events_per_stream), f"r{s}"


@pytest.fixture
async def replicas(
    service_env: ServiceEnv, partitioned_nc: NATS
) -> AsyncIterator[tuple[Runtime, Runtime, asyncpg.Pool]]:
    settings = await service_env.settings(SERVICE, consumer_batch=64, partitions=EIGHT)
    first, second = (Runtime(SERVICE, settings, [tally()]) for _ in range(2))
    await first.start()
    await second.start()
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=STREAMS + 2)
    assert pool is not None
    try:
        yield first, second, pool
    finally:
        await pool.close()
        await first.stop()
        await second.stop()


async def test_two_replicas_split_the_partitions_and_one_takes_over_when_the_other_stops(
    replicas: tuple[Runtime, Runtime, asyncpg.Pool],
) -> None:
    first, second, pool = replicas
    store = PostgresEventStore(pool, SERVICE)

    async def split() -> bool:
        return owned(first) == owned(second) == EIGHT // 2

    await eventually(split, timeout=20)
    await write(store, range(40))
    await eventually(applied_reaches(pool, STREAMS * 40), timeout=60)
    await in_order_and_once(pool, 40)
    assert applied_by(first) > 0, "both replicas did part of the work"
    assert applied_by(second) > 0, "both replicas did part of the work"
    assert applied_by(first) + applied_by(second) == STREAMS * 40
    assert (await first.ready())["partitions"] == f"{EIGHT // 2}/{EIGHT} partitions owned"
    assert first.relay is not None
    assert first.relay.copy_watch is not None
    assert first.relay.copy_watch.copy == partitioned_stream_name(SERVICE, EIGHT), "the leader watches its copy"

    writing = asyncio.create_task(write(store, range(40, 60)))  # the handover happens under traffic
    await eventually(applied_reaches(pool, STREAMS * 43), timeout=30)
    await first.stop()

    async def took_over() -> bool:
        return owned(second) == EIGHT and (await second.ready())["consumers"] is True

    await eventually(took_over, timeout=20)
    await writing
    await eventually(applied_reaches(pool, STREAMS * 60), timeout=60)
    await in_order_and_once(pool, 60)


@pytest.mark.slow(seconds=30)
async def test_a_replica_whose_database_session_dies_loses_its_partitions_to_the_other(
    replicas: tuple[Runtime, Runtime, asyncpg.Pool],
) -> None:
    first, second, pool = replicas
    store = PostgresEventStore(pool, SERVICE)

    async def split() -> bool:
        return owned(first) == owned(second) == EIGHT // 2

    await eventually(split, timeout=20)
    writing = asyncio.create_task(write(store, range(20)))
    pid = await pool.fetchval("SELECT backend_pid FROM replicas.members WHERE replica = $1", first.replica)
    await pool.execute("SELECT pg_terminate_backend($1)", pid)  # its locks die with the session

    async def lost() -> bool:
        return owned(first) == 0

    await eventually(lost, timeout=20)  # it stops its consumers; the second may claim the partitions now
    await eventually(split, timeout=20)  # it comes back with a new session and gets its share again
    await writing
    await eventually(applied_reaches(pool, STREAMS * 20), timeout=60)
    await in_order_and_once(pool, 20)


async def test_two_consumers_of_one_partition_still_apply_each_event_once_and_in_order(
    pool: asyncpg.Pool, partitioned_nc: NATS
) -> None:
    """A replica that has not yet noticed it lost a partition keeps pulling beside the new owner: the
    applier's projection lock and version checkpoints keep the effect exactly once and in order."""
    await install_store(pool)
    store = PostgresEventStore(pool, SERVICE)
    projection = tally()
    async with pool.acquire() as conn:
        await install(conn, projection)
    await write(store, range(10))
    stop = asyncio.Event()
    nc = partitioned_nc
    twins = [
        ProjectionConsumer("kernel", projection, pool, nc, SERVICE, store=store, batch=4, partition=3, partitions=EIGHT)
    ]
    twins.append(
        ProjectionConsumer("kernel", projection, pool, nc, SERVICE, store=store, batch=4, partition=3, partitions=EIGHT)
    )
    others = [
        ProjectionConsumer(
            "kernel", projection, pool, nc, SERVICE, store=store, batch=64, partition=p, partitions=EIGHT
        )
        for p in range(EIGHT)
        if p != 3
    ]
    # one twin creates the durable, then the other joins: both are pulling before any event arrives
    tasks = [asyncio.create_task(twins[0].run(stop))]
    try:
        await eventually(_running(twins[0]), timeout=20)
        tasks += [asyncio.create_task(c.run(stop)) for c in [twins[1], *others]]
        await eventually(_running(twins[1]), timeout=20)
        await Relay(store, nc).publish_pending()
        await eventually(applied_reaches(pool, STREAMS * 10), timeout=60)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    await in_order_and_once(pool, 10)
    assert all(twin.applied > 0 for twin in twins), "both consumers of partition 3 took part"


def _running(consumer: ProjectionConsumer) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return consumer.running

    return check
