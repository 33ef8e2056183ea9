"""What "nothing half-written" means for one service after a fuzz run, asserted against the real servers."""

import asyncio
import time
import uuid

import asyncpg
from nats.aio.client import Client as NATS
from nats.js.errors import NotFoundError

from jingzhang.shared.runtime import Runtime
from tests.kernel.helpers import read_stream_messages

SETTLE_TIMEOUT = 30.0


async def version_gaps(pool: asyncpg.Pool) -> list[str]:
    """Streams whose versions are not exactly 1..n: a torn or interleaved append."""
    rows = await pool.fetch(
        "SELECT aggregate_type, aggregate_id, count(*) AS n, min(version) AS lo, max(version) AS hi"
        " FROM es.events GROUP BY aggregate_type, aggregate_id"
        " HAVING min(version) <> 1 OR max(version) <> count(*)"
    )
    return [f"{r['aggregate_type']}/{r['aggregate_id']}: {r['n']} events, versions {r['lo']}..{r['hi']}" for r in rows]


async def stored_event_ids(pool: asyncpg.Pool) -> set[uuid.UUID]:
    return {r["event_id"] for r in await pool.fetch("SELECT event_id FROM es.events")}


async def settled(runtime: Runtime) -> None:
    """Wait (with a deadline) until the relay has published everything and every consumer acked it."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        pending = await _pending(runtime)
        if not pending:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not settled within {SETTLE_TIMEOUT}s: {pending}")
        await asyncio.sleep(0.05)


async def _pending(runtime: Runtime) -> dict[str, int]:
    pending: dict[str, int] = {}
    assert runtime.relay is not None
    backlog = await runtime.relay.backlog()
    if backlog:
        pending["relay"] = backlog
    js = runtime.nc.jetstream()
    for consumer in runtime.consumers:
        try:
            info = await js.consumer_info(consumer.stream, consumer.durable)
        except NotFoundError:
            pending[consumer.durable] = -1  # not created yet
            continue
        left = info.num_pending + info.num_ack_pending
        if left:
            pending[consumer.durable] = left
    return pending


async def published_event_ids(nc: NATS, service: str) -> list[uuid.UUID]:
    return [envelope.event_id for _, envelope in await read_stream_messages(nc, service)]


async def parked(runtime: Runtime) -> list[str]:
    """Events a projection could not apply: an accepted command must never record such an event."""
    found: list[str] = []
    for projection in {p.name: p for c in runtime.consumers for p in c.projections}.values():
        rows = await runtime.pool.fetch(f'SELECT stream_key, version, error FROM "{projection.schema}"._parked')
        found.extend(f"{projection.name} {r['stream_key']}@{r['version']}: {r['error'][:300]}" for r in rows)
    return found
