"""Subprocess side of figures 4-6: consumers and replays that run in a process of their own.

    python -m bench.child MODE JSON_ARGS

Modes:
  consume-ours   ProjectionConsumer(tally) on the service stream; stamps each event's commit time
  consume-raw    a plain nats-py durable pull consumer on the raw stream; stamps each receipt
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
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from jingzhang.shared.applier import Delivery, Outcome
from jingzhang.shared.consumer import ProjectionConsumer
from jingzhang.shared.logging import configure
from jingzhang.shared.projection import install
from jingzhang.shared.replay import rebuild
from jingzhang.shared.streams import stream_name
from jingzhang.shared.testing.sample import SERVICE, tally

RAW_STREAM = "BENCH_RAW"
RAW_SUBJECTS = "bench.raw.>"
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
    pool = await asyncpg.create_pool(args["db"], min_size=1, max_size=2)
    async with pool.acquire() as conn:
        await install(conn, projection)
    consumer = ProjectionConsumer("bench", projection, pool, nc, SERVICE, batch=BATCH)
    apply_batch = consumer.applier.apply_batch

    async def stamped(conn: asyncpg.Connection, batch: Sequence[Delivery]) -> list[Outcome]:
        outcomes = await apply_batch(conn, batch)  # returns after COMMIT
        now = time.monotonic()
        for delivery, outcome in zip(batch, outcomes, strict=True):
            if outcome is Outcome.APPLIED:
                stamps.at[delivery.subject] = now
        return outcomes

    consumer.applier.apply_batch = stamped  # type: ignore[method-assign]
    task = asyncio.create_task(consumer.run(stop))
    while not consumer.running:  # noqa: ASYNC110 - polls the kernel's flag, which has no event
        await asyncio.sleep(0.01)
    print("READY", flush=True)
    await task
    await pool.close()


async def consume_raw(nc: NATS, args: dict[str, Any], stamps: Stamps, stop: asyncio.Event) -> None:
    js = nc.jetstream()
    config = ConsumerConfig(
        durable_name=args["durable"],
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        max_ack_pending=BATCH * 4,
    )
    await js.add_consumer(RAW_STREAM, config)
    sub = await js.pull_subscribe_bind(durable=args["durable"], stream=RAW_STREAM)
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


async def consume(mode: str, args: dict[str, Any]) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    nc = await nats.connect(args["nats"])
    stamps = Stamps()
    reporter = asyncio.create_task(stamps.report(stop))
    run = consume_ours if mode == "consume-ours" else consume_raw
    await run(nc, args, stamps, stop)
    await reporter
    Path(args["out"]).write_text(json.dumps(stamps.at))  # noqa: ASYNC240 - after the run; nothing else to wait for
    await nc.close()
    print("DONE", flush=True)


async def replay_ours(args: dict[str, Any]) -> dict[str, Any]:
    pool = await asyncpg.create_pool(args["db"], min_size=1, max_size=2)
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
