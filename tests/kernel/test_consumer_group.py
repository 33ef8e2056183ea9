"""A consumer group: one durable feeding several projections, which commit together when they all can."""

import asyncio

import asyncpg
from nats.aio.client import Client as NATS

from jingzhang.shared.consumer import ProjectionConsumer
from jingzhang.shared.envelope import StreamId
from jingzhang.shared.parking import list_parked
from jingzhang.shared.projection import Projection, install
from jingzhang.shared.relay import Relay
from jingzhang.shared.store.postgres import PostgresEventStore

from .helpers import eventually, install_store
from .projection_helpers import applied_counts, snapshot
from .sample import AGGREGATE, SERVICE, expected_digest, meta, noted, tally


async def group(
    pool: asyncpg.Pool, nc: NATS, store: PostgresEventStore, projections: list[Projection], **kwargs: object
) -> tuple[ProjectionConsumer, asyncio.Event, asyncio.Task[None]]:
    for projection in projections:
        async with pool.acquire() as conn:
            await install(conn, projection)
    gates = {p.name: asyncio.Lock() for p in projections}
    consumer = ProjectionConsumer(
        "kernel",
        projections[0],
        pool,
        nc,
        SERVICE,
        store=store,
        joined=tuple(projections[1:]),
        gates=gates,
        gate=gates[projections[0].name],
        **kwargs,  # type: ignore[arg-type]
    )
    stop = asyncio.Event()
    return consumer, stop, asyncio.create_task(consumer.run(stop))


async def transactions(pool: asyncpg.Pool, projection: Projection) -> set[str]:
    """The transactions that wrote the projection's checkpoints (a row's xmin)."""
    rows = await pool.fetch(f'SELECT xmin::text AS tx FROM "{projection.schema}"._tracking')
    return {r["tx"] for r in rows}


async def test_the_projections_of_a_group_apply_a_batch_in_one_transaction(pool: asyncpg.Pool, nc: NATS) -> None:
    await install_store(pool)
    store = PostgresEventStore(pool, SERVICE)
    first, second, third = tally("tally_a"), tally("tally_b"), tally("tally_c")
    await store.append(StreamId(AGGREGATE, "one"), 0, [noted(n) for n in range(1, 4)], meta())
    await store.append(StreamId(AGGREGATE, "two"), 0, [noted(n) for n in range(1, 3)], meta())
    await Relay(store, nc, window=256).publish_pending()  # all five wait in the stream: one batch

    consumer, stop, task = await group(pool, nc, store, [first, second, third], batch=64)

    async def applied() -> bool:
        counts = [(await snapshot(pool, p)).get("one", (0, 0, 0))[1] for p in (first, second, third)]
        return counts == [3, 3, 3]

    await eventually(applied, timeout=30)
    stop.set()
    await task
    for projection in (first, second, third):
        assert await snapshot(pool, projection) == {
            "one": (expected_digest([1, 2, 3]), 3, 3),
            "two": (expected_digest([1, 2]), 2, 2),
        }
        assert await applied_counts(pool, projection) == (5, 5)
    written = [await transactions(pool, p) for p in (first, second, third)]
    assert written[0] == written[1] == written[2]  # one commit wrote every projection's checkpoints
    assert consumer.applied == 5


async def test_a_member_that_fails_parks_its_own_events_and_the_others_apply_every_one(
    pool: asyncpg.Pool, nc: NATS
) -> None:
    await install_store(pool)
    store = PostgresEventStore(pool, SERVICE)
    healthy, sick = tally("tally_ok"), tally("tally_sick")
    _, stop, task = await group(pool, nc, store, [healthy, sick], batch=64, max_failures=2)
    await pool.execute(f'INSERT INTO "{sick.schema}".poison VALUES ($1)', "bad")  # only `sick` refuses it
    await store.append(StreamId(AGGREGATE, "s"), 0, [noted(1), noted(2, "bad"), noted(3)], meta())
    await store.append(StreamId(AGGREGATE, "w"), 0, [noted(n) for n in range(1, 4)], meta())
    await Relay(store, nc, window=256).publish_pending()

    async def settled() -> bool:
        done = (await snapshot(pool, healthy)).get("s", (0, 0, 0))[1] == 3
        return done and len(await list_parked(pool, sick)) == 2  # type: ignore[arg-type]

    await eventually(settled, timeout=30)
    stop.set()
    await task
    assert await snapshot(pool, healthy) == {
        "s": (expected_digest([1, 2, 3]), 3, 3),
        "w": (expected_digest([1, 2, 3]), 3, 3),
    }
    assert await applied_counts(pool, healthy) == (6, 6)  # the retries never applied anything twice
    assert await snapshot(pool, sick) == {
        "s": (expected_digest([1]), 1, 1),
        "w": (expected_digest([1, 2, 3]), 3, 3),
    }
    parked = await list_parked(pool, sick)  # type: ignore[arg-type]
    assert [(p.stream_key, p.version) for p in parked] == [(f"{SERVICE}/{AGGREGATE}/s", v) for v in (2, 3)]
    assert await list_parked(pool, healthy) == []  # type: ignore[arg-type]
