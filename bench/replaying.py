"""Figure 6: replay rate and peak RSS next to a raw nats-py pull consumer, each in its own process."""

import asyncio
import json
import os
import sys
import time
from typing import Any

from nats.aio.client import Client as NATS

from bench.e2e import REPO
from bench.flow import fill_store, reset_stream
from bench.servers import Stack, kernel_pool
from jingzhang.shared.relay import Relay
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.testing.sample import SERVICE

STREAM_LEN = 100


async def fill_stream(stack: Stack, nc: NATS, events: int, limit: float) -> float:
    """Put `events` events into the service stream the way production does: append, then relay."""
    url = await stack.fresh_database("replaysrc")
    await reset_stream(nc)
    pool = await kernel_pool(url, 8)
    store = PostgresEventStore(pool, SERVICE)
    started = time.perf_counter()
    try:
        relay = Relay(store, nc, window=1024)
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run(stop))
        await fill_store(store, events, STREAM_LEN, prefix="r")
        while relay.published < events and time.perf_counter() - started < limit:  # noqa: ASYNC110 - polls the kernel's counter, which has no event
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(task, 30)
    finally:
        await pool.close()
    if relay.published < events:
        raise RuntimeError(f"filled only {relay.published} of {events} events within {limit}s")
    return time.perf_counter() - started


async def run_child(mode: str, args: dict[str, Any], limit: float) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.child",
        mode,
        json.dumps(args),
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), limit)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} exited with {proc.returncode}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result
