"""Projection consumers: exactly-once effect across crashes, parking, replay, upcasting."""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nats.aio.client import Client as NATS

from jingzhang.shared.consumer import ProjectionConsumer
from jingzhang.shared.envelope import NewEvent, StreamId
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.parking import list_parked, retry_parked
from jingzhang.shared.projection import Projection, install
from jingzhang.shared.relay import Relay
from jingzhang.shared.replay import rebuild
from jingzhang.shared.store.postgres import PostgresEventStore

from .helpers import eventually, install_store
from .projection_helpers import applied_counts, snapshot
from .sample import AGGREGATE, SERVICE, T0, TalliedV1, expected_digest, meta, noted, tally

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def store(pool: asyncpg.Pool) -> PostgresEventStore:
    await install_store(pool)
    return PostgresEventStore(pool, SERVICE)


async def publish_all(store: PostgresEventStore, nc: NATS) -> int:
    return await Relay(store, nc, window=256).publish_pending()


async def append_many(store: PostgresEventStore, streams: int, per_stream: int, prefix: str = "s") -> None:
    for s in range(streams):
        events = [noted(s * 1000 + n) for n in range(per_stream)]
        for start in range(0, per_stream, 500):
            await store.append(StreamId(AGGREGATE, f"{prefix}{s}"), start, events[start : start + 500], meta())


async def running_consumer(
    pool: asyncpg.Pool, nc: NATS, projection: Projection, store: PostgresEventStore, **kwargs: object
) -> tuple[ProjectionConsumer, asyncio.Event, asyncio.Task[None]]:
    async with pool.acquire() as conn:
        await install(conn, projection)
    consumer = ProjectionConsumer("kernel", projection, pool, nc, SERVICE, store=store, **kwargs)  # type: ignore[arg-type]
    stop = asyncio.Event()
    return consumer, stop, asyncio.create_task(consumer.run(stop))


@pytest.mark.slow(seconds=40)
async def test_a_consumer_killed_mid_batch_resumes_without_applying_anything_twice(
    store: PostgresEventStore, nc: NATS, nats_server: NatsServer, database_url: str
) -> None:
    await append_many(store, streams=20, per_stream=500)
    assert await publish_all(store, nc) == 10_000
    projection = tally()

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.kernel.consumer_proc", database_url, nats_server.url],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )

    async def applied() -> int:
        try:
            return int(await store.pool.fetchval(f'SELECT coalesce(sum(events), 0) FROM "{projection.schema}".tally'))
        except asyncpg.UndefinedTableError:
            return 0

    first = start()
    try:

        async def partway() -> bool:
            return 2_000 < await applied() < 10_000

        await eventually(partway, timeout=60, every=0.01)
        os.kill(first.pid, signal.SIGKILL)
    finally:
        first.wait()
    killed_at = await applied()
    assert killed_at < 10_000, "the consumer finished before it could be killed"
    second = start()
    try:

        async def complete() -> bool:
            return await applied() == 10_000

        await eventually(complete, timeout=90)
    finally:
        second.terminate()
        second.wait()
    assert await applied_counts(store.pool, projection) == (10_000, 10_000)
    live = await snapshot(store.pool, projection)
    result = await rebuild(store.pool, nc, projection)
    assert result.events == 10_000
    assert await snapshot(store.pool, projection) == live
    assert live["s7"] == (expected_digest([7000 + n for n in range(500)]), 500, 500)


async def test_a_poison_event_parks_its_stream_while_others_flow_and_retry_restores_order(
    store: PostgresEventStore, nc: NATS
) -> None:
    projection = tally()
    consumer, stop, task = await running_consumer(store.pool, nc, projection, store, max_failures=3, batch=32)
    await store.pool.execute(f'INSERT INTO "{projection.schema}".poison VALUES ($1)', "bad")
    sick = StreamId(AGGREGATE, "sick")
    await store.append(sick, 0, [noted(1), noted(2), noted(3, "bad"), noted(4)], meta())
    for name in ("well1", "well2"):
        await store.append(StreamId(AGGREGATE, name), 0, [noted(n) for n in range(1, 6)], meta())
    await publish_all(store, nc)

    async def parked_and_others_done() -> bool:
        rows = await snapshot(store.pool, projection)
        parked = await list_parked(store.pool, projection)  # type: ignore[arg-type]
        return rows.get("well1", (0, 0, 0))[1] == 5 and rows.get("well2", (0, 0, 0))[1] == 5 and len(parked) == 2

    await eventually(parked_and_others_done, timeout=30)
    await store.append(sick, 4, [noted(5)], meta())  # a later event follows its stream into the park
    await publish_all(store, nc)

    async def follows() -> bool:
        return len(await list_parked(store.pool, projection)) == 3  # type: ignore[arg-type]

    await eventually(follows, timeout=30)
    parked = await list_parked(store.pool, projection)  # type: ignore[arg-type]
    assert [(p.stream_key, p.version) for p in parked] == [(f"{SERVICE}/{AGGREGATE}/sick", v) for v in (3, 4, 5)]
    assert "poisoned label bad" in parked[0].error
    assert (await snapshot(store.pool, projection))["sick"] == (expected_digest([1, 2]), 2, 2)

    await store.pool.execute(f'DELETE FROM "{projection.schema}".poison')  # the fix
    async with store.pool.acquire() as conn:
        await retry_parked(conn, consumer.applier)
    assert await list_parked(store.pool, projection) == []  # type: ignore[arg-type]
    assert (await snapshot(store.pool, projection))["sick"] == (expected_digest([1, 2, 3, 4, 5]), 5, 5)
    await store.append(sick, 5, [noted(6)], meta())  # and the stream flows live again
    await publish_all(store, nc)

    async def flowing() -> bool:
        return (await snapshot(store.pool, projection))["sick"][1] == 6

    await eventually(flowing, timeout=30)
    stop.set()
    await task


async def test_an_event_stored_at_schema_v1_is_read_as_v2_live_and_in_replay(
    store: PostgresEventStore, nc: NATS
) -> None:
    projection = tally()
    await store.append(StreamId(AGGREGATE, "old"), 0, [NewEvent(TalliedV1(value=41), T0), noted(1)], meta())
    stored = await store.read_stream(StreamId(AGGREGATE, "old"))
    assert (stored[0].event_type, stored[0].schema_version, stored[0].data) == ("Tallied", 1, {"value": 41})
    await publish_all(store, nc)
    _, stop, task = await running_consumer(store.pool, nc, projection, store)

    async def applied() -> bool:
        return (await snapshot(store.pool, projection)).get("old", (0, 0, 0))[1] == 2

    await eventually(applied, timeout=30)
    stop.set()
    await task
    live = await snapshot(store.pool, projection)
    assert live["old"] == (expected_digest([41, 1]), 2, 2)
    await rebuild(store.pool, nc, projection)
    assert await snapshot(store.pool, projection) == live


histories = st.lists(
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12), min_size=1, max_size=6
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=histories)
async def test_replay_into_shadow_tables_equals_live_consumption(
    histories: list[list[int]], pool: asyncpg.Pool, nc: NATS
) -> None:
    store = PostgresEventStore(pool, SERVICE)
    await install_store(pool)
    projection = tally()
    prefix = f"h{os.urandom(4).hex()}-"
    for i, amounts in enumerate(histories):
        stream = StreamId(AGGREGATE, f"{prefix}{i}")
        for version, amount in enumerate(amounts):  # one command per event, as live traffic would be
            await store.append(stream, version, [noted(amount)], meta())
    await publish_all(store, nc)
    _, stop, task = await running_consumer(pool, nc, projection, store)

    async def caught_up() -> bool:
        return len(await snapshot(pool, projection, prefix)) == len(histories) and all(
            row[1] == len(histories[int(key.rsplit("-", 1)[1])])
            for key, row in (await snapshot(pool, projection, prefix)).items()
        )

    await eventually(caught_up, timeout=30)
    stop.set()
    await task
    live = await snapshot(pool, projection, prefix)
    assert live == {f"{prefix}{i}": (expected_digest(a), len(a), len(a)) for i, a in enumerate(histories)}
    await rebuild(pool, nc, projection)
    assert await snapshot(pool, projection, prefix) == live


async def test_a_durable_whose_projection_follows_a_new_aggregate_gets_the_new_filters(nc: NATS) -> None:
    """A deployed consumer keeps its position; only its filter subjects change (e.g. audit and token_revocation)."""
    import dataclasses

    from jingzhang.shared.auth.revocations import revocations_projection
    from jingzhang.shared.consumer import consumer_config, ensure_consumer
    from jingzhang.shared.projection import Source
    from jingzhang.shared.streams import consumed_stream

    before = dataclasses.replace(revocations_projection(), sources=(Source("assignment", "enterprise"),))
    after = dataclasses.replace(before, sources=(*before.sources, Source("assignment", "token_revocation")))
    js = nc.jetstream()
    await ensure_consumer(js, consumer_config("kernel", before, "assignment", 10, 0), consumed_stream("assignment"))
    await ensure_consumer(
        js, config := consumer_config("kernel", after, "assignment", 10, 0), consumed_stream("assignment")
    )
    info = await js.consumer_info(consumed_stream("assignment"), str(config.durable_name))
    assert sorted(info.config.filter_subjects or []) == sorted(config.filter_subjects or [])
    assert len(info.config.filter_subjects or []) == 2
