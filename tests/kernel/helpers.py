"""Test helpers shared by the kernel proofs."""

import asyncio
import time
from collections.abc import Awaitable, Callable

import asyncpg
import nats.errors
from nats.aio.client import Client as NATS
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from jingzhang.shared.envelope import Envelope, decode
from jingzhang.shared.store.postgres import install_schema
from jingzhang.shared.streams import stream_name


async def install_store(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await install_schema(conn)


async def read_stream_messages(nc: NATS, service: str) -> list[tuple[int, Envelope]]:
    """Every message of a service's JetStream stream, as (stream sequence, envelope)."""
    js = nc.jetstream()
    stream = stream_name(service)
    info = await js.stream_info(stream)
    if info.state.messages == 0:
        return []
    sub = await js.pull_subscribe(
        "",
        stream=stream,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=30),
    )
    out: list[tuple[int, Envelope]] = []
    try:
        while len(out) < info.state.messages:
            try:
                msgs = await sub.fetch(1000, timeout=2)
            except (TimeoutError, nats.errors.TimeoutError):
                break
            out.extend((m.metadata.sequence.stream, decode(m.data)) for m in msgs)
    finally:
        await sub.unsubscribe()
    return out


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30.0, every: float = 0.05) -> None:
    """Wait until `check()` holds; fail with a clear message when it does not within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s: {check.__name__}")
