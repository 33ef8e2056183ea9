"""Figures 2 and 3: the relay's publish rate and the projection apply rate, each from a full backlog.

The backlog is appended before the clock starts (streams of `STREAM_LEN` events, one append each);
the relay then publishes it to a freshly created JetStream stream, and, once the stream's partitioned copy
holds it all, a projection consumer with a fresh durable applies the whole stream into a fresh database.

`JZ_BENCH_PARTITIONS` (default 8, the kernel's default) is the deployment's partition count for ours,
here and in figures 4 and 5: with 1 there is no partitioned copy and the consumers read the service
stream (`jingzhang.shared.partitions`).
"""

import asyncio
import contextlib
import os
import time

from nats.aio.client import Client as NATS
from nats.js.errors import NotFoundError

from bench.servers import kernel_pool
from jingzhang.shared.consumer import ProjectionConsumer
from jingzhang.shared.envelope import StreamId
from jingzhang.shared.partitions import PARTITIONS
from jingzhang.shared.projection import install
from jingzhang.shared.relay import Relay
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.streams import consumed_stream, provision, stream_name
from jingzhang.shared.testing.sample import AGGREGATE, SERVICE, meta, noted, tally

STREAM_LEN = 10
BENCH_PARTITIONS = int(os.environ.get("JZ_BENCH_PARTITIONS", str(PARTITIONS)))


async def reset_stream(nc: NATS) -> None:
    """Delete and re-create the service's JetStream stream (and with it every consumer on it) and its copy."""
    js = nc.jetstream()
    with contextlib.suppress(NotFoundError):
        await js.delete_stream(stream_name(SERVICE))
    with contextlib.suppress(NotFoundError):
        await js.delete_stream(consumed_stream(SERVICE, PARTITIONS))  # a copy of the default count, if any
    await provision(js, (SERVICE,), partitions=BENCH_PARTITIONS)


async def fill_store(store: PostgresEventStore, events: int, stream_len: int = STREAM_LEN, prefix: str = "s") -> None:
    """Append `events` events as streams of `stream_len`, 8 appends in flight (not timed)."""
    streams = events // stream_len
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(streams):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            batch = [noted(n * 7 + v) for v in range(stream_len)]
            await store.append(StreamId(AGGREGATE, f"{prefix}{n}"), 0, batch, meta())

    await asyncio.gather(*(worker() for _ in range(8)))


async def relay_all(store: PostgresEventStore, nc: NATS, events: int, limit: float) -> float:
    """Publish the whole backlog with the kernel's relay; returns events/s (store read to JetStream ack)."""
    relay = Relay(store, nc)
    started = time.perf_counter()
    deadline = started + limit
    while relay.published < events and time.perf_counter() < deadline:
        await relay.publish_pending()
    elapsed = time.perf_counter() - started
    if relay.published < events:
        raise RuntimeError(f"relay published {relay.published} of {events} within {limit}s")
    return events / elapsed


async def copied(nc: NATS, events: int, limit: float) -> None:
    """Wait until the service stream's partitioned copy holds `events` events (the server fills it by
    sourcing; with the relay's atomic batches it lags the stream by seconds after a burst); with one
    partition the consumer reads the service stream, which holds them already."""
    js = nc.jetstream()
    deadline = time.perf_counter() + limit
    while (await js.stream_info(consumed_stream(SERVICE, BENCH_PARTITIONS))).state.messages < events:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the partitioned copy did not receive {events} events within {limit}s")
        await asyncio.sleep(0.05)


async def apply_all(url: str, nc: NATS, name: str, events: int, limit: float) -> float:
    """Apply a full stream through `ProjectionConsumer`/`Applier` with the tally projection; events/s."""
    projection = tally(name)
    pool = await kernel_pool(url, 4)
    async with pool.acquire() as conn:
        await install(conn, projection)
    consumer = ProjectionConsumer("bench", projection, pool, nc, SERVICE, partitions=BENCH_PARTITIONS)
    await copied(nc, events, limit)  # the consumer reads the partitioned copy: time applying, not copying
    stop = asyncio.Event()
    started = time.perf_counter()
    task = asyncio.create_task(consumer.run(stop))
    try:
        while consumer.applied < events and time.perf_counter() - started < limit:  # noqa: ASYNC110 - polls the kernel's counter, which has no event
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await pool.close()
    if consumer.applied < events:
        raise RuntimeError(f"consumer applied {consumer.applied} of {events} within {limit}s")
    return events / elapsed
