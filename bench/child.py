"""Subprocess side of figures 4-6: consumers and replays that run in a process of their own.

    python -m bench.child MODE JSON_ARGS

Modes:
  consume-ours   ProjectionConsumer(tally) on the service stream; stamps each event's commit time
  consume-raw    a plain nats-py durable pull consumer on the raw stream; stamps each receipt
  consume-naive  the naive outbox pipeline's consumer (bench/naive.py): fetch a batch, upsert it in one
                 transaction, ack; stamps each event after the COMMIT
  replay-ours    jingzhang.shared.replay.rebuild(tally) over the whole stream
  replay-raw     a plain nats-py ephemeral pull consumer reading the same messages

Stamps are `time.monotonic()` (CLOCK_MONOTONIC: one clock for all processes on the host) keyed by
subject; each benchmark event has a subject of its own. Consumers print `READY` once bound, then
`P <count>` every 0.1 s, and on SIGTERM write their stamps to the file named in the arguments and
print `DONE`. Replays print one JSON line with events, seconds and peak RSS.
"""

import asyncio
import json
import resource
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import nats
import nats.errors
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from bench.servers import kernel_pool
from jingzhang.shared import consumer as consumer_module
from jingzhang.shared.applier import Outcome
from jingzhang.shared.consumer import ProjectionConsumer, delivery
from jingzhang.shared.logging import configure
from jingzhang.shared.partitions import PARTITIONS
from jingzhang.shared.projection import install
from jingzhang.shared.replay import rebuild
from jingzhang.shared.streams import stream_name
from jingzhang.shared.testing.sample import SERVICE, tally

RAW_STREAM = "BENCH_RAW"
RAW_SUBJECTS = "bench.raw.>"
RAW_COPY = "BENCH_RAW_COPY"
"""A stream with no subjects of its own that the server fills by sourcing RAW_STREAM, as each
service's partitioned copy `JZ_<SVC>_P8` sources its service stream."""
BATCH = 256


def install_uvloop() -> bool:
    try:
        import uvloop
    except ImportError:
        return False
    uvloop.install()
    return True


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Stamps:
    def __init__(self) -> None:
        self.at: dict[str, float] = {}

    async def report(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            print(f"P {len(self.at)}", flush=True)
            await asyncio.sleep(0.1)


async def consume_ours(nc: NATS, args: dict[str, Any], stamps: Stamps, stop: asyncio.Event) -> None:
    projection = tally(args["projection"])
    pool = await kernel_pool(args["db"], 2)
    async with pool.acquire() as conn:
        await install(conn, projection)
    partitions = int(args.get("partitions", PARTITIONS))
    consumer = ProjectionConsumer("bench", projection, pool, nc, SERVICE, batch=BATCH, partitions=partitions)
    applier = consumer.applier
    apply_decoded = applier.apply_decoded

    # The consumer applies a decoded batch through `apply_decoded` (`apply_batch` calls it too), which
    # returns after its COMMIT: stamp there. (Wrapping `apply_batch` alone stamped nothing once the
    # consumer groups decoded batches themselves: the run then reported no latency at all.)
    async def stamped(conn: asyncpg.Connection, items: list[Any]) -> list[Outcome]:
        outcomes = await apply_decoded(conn, items)
        now = time.monotonic()
        for item, outcome in zip(items, outcomes, strict=True):
            if outcome is Outcome.APPLIED:
                stamps.at[item.delivery.subject] = now
        return outcomes

    applier.apply_decoded = stamped  # type: ignore[method-assign]
    stages: dict[str, dict[str, float]] = {}
    counts = {"batches": 0, "messages": 0, "redelivered": 0}
    handle = consumer.handle

    # Where each event was before the apply (bench.e2e.STAGES): stored in the copy (its timestamp,
    # wall clock, mapped to this process's monotonic clock) and handed to `handle` by a fetch.
    async def seen(msgs: Sequence[Msg]) -> list[Outcome]:
        now, wall = time.monotonic(), time.time()
        counts["batches"] += 1
        counts["messages"] += len(msgs)
        for msg in msgs:
            meta = msg.metadata
            counts["redelivered"] += meta.num_delivered > 1
            copied = now - (wall - meta.timestamp.timestamp())
            # asked for: when the fetch that brought it began, or when it was copied if the fetch was waiting
            stages[delivery(msg).subject] = {"copied": copied, "pulled": max(copied, pulling[0]), "fetched": now}
        return await handle(msgs)

    pulling = [0.0]
    fetch = consumer_module._fetch_unless_stopped

    async def fetching(sub: Any, batch: int, wait: float, stopped: "asyncio.Future[Any]") -> list[Msg] | None:
        pulling[0] = time.monotonic()
        return await fetch(sub, batch, wait, stopped)

    consumer.handle = seen  # type: ignore[method-assign]
    consumer_module._fetch_unless_stopped = fetching  # this process runs this one consumer only
    task = asyncio.create_task(consumer.run(stop))
    while not consumer.running:  # noqa: ASYNC110 - polls the kernel's flag, which has no event
        await asyncio.sleep(0.01)
    print("READY", flush=True)
    await task
    await pool.close()
    outcomes = {f"outcome_{o.value}": n for o, n in consumer.outcomes.items()}
    Path(f"{args['out']}.stages").write_text(json.dumps({"stages": stages, "counts": counts | outcomes}))  # noqa: ASYNC240 - after the run


async def consume_raw(nc: NATS, args: dict[str, Any], stamps: Stamps, stop: asyncio.Event) -> None:
    js = nc.jetstream()
    config = ConsumerConfig(
        durable_name=args["durable"],
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        max_ack_pending=BATCH * 4,
    )
    stream = str(args.get("stream", RAW_STREAM))  # or a copy sourcing it (figure 4's copy hop)
    await js.add_consumer(stream, config)
    sub = await js.pull_subscribe_bind(durable=args["durable"], stream=stream)
    print("READY", flush=True)
    while not stop.is_set():
        try:
            msgs = await sub.fetch(BATCH, timeout=0.5)
        except (TimeoutError, nats.errors.TimeoutError):
            continue
        now = time.monotonic()
        for msg in msgs:
            stamps.at[msg.subject] = now
            await msg.ack()


NAIVE_TABLES = """
CREATE TABLE IF NOT EXISTS naive_tally
    (stream_id text PRIMARY KEY, events integer NOT NULL, last_amount bigint NOT NULL);
CREATE TABLE IF NOT EXISTS naive_applied (subject text NOT NULL, version integer NOT NULL);
"""
NAIVE_UPSERT = (
    "INSERT INTO naive_tally AS t (stream_id, events, last_amount)"
    " SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[])"
    " ON CONFLICT (stream_id) DO UPDATE SET events = t.events + excluded.events, last_amount = excluded.last_amount"
)


async def consume_naive(nc: NATS, args: dict[str, Any], stamps: Stamps, stop: asyncio.Event) -> None:
    """Fetch, upsert the batch in one transaction (one statement per table), ack: no ordering, no parking."""
    from bench.naive import NAIVE_STREAM  # the parent's module; imported here so the other modes need no asyncpg pool

    pool = await kernel_pool(args["db"], 2)  # as ours' consumer's (see `kernel_pool`)
    await pool.execute(NAIVE_TABLES)
    js = nc.jetstream()
    config = ConsumerConfig(
        durable_name=args["durable"],
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        max_ack_pending=BATCH * 4,
    )
    stream = str(args.get("stream", NAIVE_STREAM))  # or figure 4's floor, which it reads the same way
    await js.add_consumer(stream, config)
    sub = await js.pull_subscribe_bind(durable=args["durable"], stream=stream)
    print("READY", flush=True)
    while not stop.is_set():
        try:
            msgs = await sub.fetch(BATCH, timeout=0.5)
        except (TimeoutError, nats.errors.TimeoutError):
            continue
        per_stream: dict[str, list[int]] = {}
        for msg in msgs:
            body = json.loads(msg.data)
            seen = per_stream.setdefault(body["stream"], [0, 0])
            seen[0] += 1
            seen[1] = body["amount"]
        async with pool.acquire() as conn, conn.transaction():
            keys = list(per_stream)
            await conn.execute(NAIVE_UPSERT, keys, [per_stream[k][0] for k in keys], [per_stream[k][1] for k in keys])
            await conn.execute(
                "INSERT INTO naive_applied SELECT * FROM unnest($1::text[], $2::int[])",
                [m.subject for m in msgs],
                [1] * len(msgs),
            )
        now = time.monotonic()
        for msg in msgs:
            stamps.at[msg.subject] = now
            await msg.ack()
    await pool.close()


async def consume(mode: str, args: dict[str, Any]) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    nc = await nats.connect(args["nats"])
    stamps = Stamps()
    reporter = asyncio.create_task(stamps.report(stop))
    run = {"consume-ours": consume_ours, "consume-raw": consume_raw, "consume-naive": consume_naive}[mode]
    await run(nc, args, stamps, stop)
    await reporter
    Path(args["out"]).write_text(json.dumps(stamps.at))  # noqa: ASYNC240 - after the run; nothing else to wait for
    await nc.close()
    print("DONE", flush=True)


async def replay_ours(args: dict[str, Any]) -> dict[str, Any]:
    pool = await kernel_pool(args["db"], 2)
    nc = await nats.connect(args["nats"])
    try:
        result = await rebuild(pool, nc, tally(args["projection"]))
    finally:
        await nc.close()
        await pool.close()
    return {"events": result.events, "applied": result.applied, "seconds": result.seconds}


async def replay_raw(args: dict[str, Any]) -> dict[str, Any]:
    """What any nats-py program does to read the same messages: ephemeral, no acks, batches of 1000."""
    nc = await nats.connect(args["nats"])
    js = nc.jetstream()
    stream = stream_name(SERVICE)
    started = time.perf_counter()
    config = ConsumerConfig(
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.NONE,
        filter_subjects=tally().subjects_for(SERVICE),
        inactive_threshold=60.0,
    )
    sub = await js.pull_subscribe("", stream=stream, config=config)
    read, limit = 0, started + args["limit"]
    pending = 1
    while pending and time.perf_counter() < limit:
        try:
            msgs = await sub.fetch(1000, timeout=1.0)
        except (TimeoutError, nats.errors.TimeoutError):
            continue
        read += len(msgs)
        pending = msgs[-1].metadata.num_pending
    seconds = time.perf_counter() - started
    await sub.unsubscribe()
    await nc.close()
    return {"events": read, "applied": read, "seconds": seconds}


def main() -> None:
    mode, args = sys.argv[1], json.loads(sys.argv[2])
    configure("ERROR", json=True)
    uvloop = install_uvloop()
    if mode.startswith("consume-"):
        asyncio.run(consume(mode, args))
        return
    result = asyncio.run(replay_ours(args) if mode == "replay-ours" else replay_raw(args))
    result.update(mode=mode, uvloop=uvloop, peak_rss_mb=round(peak_rss_mb(), 1))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
