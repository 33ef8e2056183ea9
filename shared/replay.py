"""Replay: rebuild a projection from the retained JetStream streams into a shadow schema, then swap.

Phase 1 reads every source stream from its first message into `proj_<name>__shadow` while the live
projection keeps serving. Phase 2 takes the projection's advisory lock (live consumers wait), reads
what arrived meanwhile, and renames the shadow into place in the same transaction, so readers see
either the old projection or the complete new one, never a half-built one. Events the live consumer
receives afterwards are recognised by the shadow's own checkpoints.

A replay publishes nothing and notifies nobody: `Tx.append` refuses while replaying, and reactors
(projections that record events) cannot be replayed.
"""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
import nats.errors
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from jingzhang.shared.applier import Applier, Delivery, Outcome
from jingzhang.shared.projection import Projection, install
from jingzhang.shared.streams import stream_name

Progress = Callable[[int, int], None]
"""Called with (events read so far, events still pending) after every batch."""


@dataclass
class ReplayResult:
    projection: str
    events: int
    applied: int
    parked: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class _Reader:
    """An ephemeral, unacknowledged, ordered read of one source stream."""

    def __init__(self, js: JetStreamContext, projection: Projection, source: str, batch: int) -> None:
        self.js = js
        self.stream = stream_name(source)
        self.batch = batch
        self.name = f"replay_{projection.name}_{source}_{uuid.uuid4().hex[:8]}"
        self.config = ConsumerConfig(
            name=self.name,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.NONE,
            filter_subjects=projection.subjects_for(source),
            inactive_threshold=120.0,
            max_waiting=1,
        )
        self.pending: int | None = None

    async def open(self) -> None:
        await self.js.add_consumer(self.stream, self.config)
        self.sub = await self.js.pull_subscribe_bind(name=self.name, stream=self.stream)
        info = await self.js.consumer_info(self.stream, self.name)
        self.pending = int(info.num_pending)

    async def next_batch(self, wait: float = 1.0) -> list[Msg]:
        if self.pending == 0:
            return []
        try:
            msgs = await self.sub.fetch(self.batch, timeout=wait)
        except (TimeoutError, nats.errors.TimeoutError):
            info = await self.js.consumer_info(self.stream, self.name)
            self.pending = int(info.num_pending)
            return []
        self.pending = int(msgs[-1].metadata.num_pending)
        return msgs

    async def refresh(self) -> None:
        info = await self.js.consumer_info(self.stream, self.name)
        self.pending = int(info.num_pending)

    async def close(self) -> None:
        await self.sub.unsubscribe()
        try:
            await self.js.delete_consumer(self.stream, self.name)
        except Exception:  # it expires by itself (inactive_threshold)
            return


async def rebuild(
    pool: asyncpg.Pool,
    nc: NATS,
    projection: Projection,
    *,
    batch: int = 1000,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> ReplayResult:
    """Rebuild `projection` from its sources and swap it in (or, with `dry_run`, build and drop it)."""
    if projection.reactor:
        raise ValueError(f"{projection.name} records events; replaying it would publish them again")
    shadow = f"{projection.schema}__shadow"
    applier = Applier(projection, None, replaying=True, schema=shadow)
    js = nc.jetstream()
    readers = [_Reader(js, projection, source, batch) for source in projection.services()]
    started = time.perf_counter()
    counts = {o: 0 for o in Outcome}
    async with pool.acquire() as conn:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{shadow}" CASCADE')
        await install(conn, projection, shadow)
        for reader in readers:
            await reader.open()
        try:
            for reader in readers:
                await _drain(conn, applier, reader, counts, readers, progress)
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", projection.lock_key)
                for reader in readers:
                    await reader.refresh()
                    await _drain(conn, applier, reader, counts, readers, progress)
                await _swap(conn, projection, shadow, dry_run)
        finally:
            for reader in readers:
                await reader.close()
    total = sum(counts.values())
    return ReplayResult(
        projection.name, total, counts[Outcome.APPLIED], counts[Outcome.PARKED], time.perf_counter() - started
    )


async def _drain(
    conn: asyncpg.Connection,
    applier: Applier,
    reader: _Reader,
    counts: dict[Outcome, int],
    readers: list[_Reader],
    progress: Progress | None,
) -> None:
    while reader.pending:
        msgs = await reader.next_batch()
        if not msgs:
            continue
        outcomes = await applier.apply_batch(conn, [Delivery(m.subject, m.data) for m in msgs])
        for outcome in outcomes:
            counts[outcome] += 1
        if progress is not None:
            progress(sum(counts.values()), sum(r.pending or 0 for r in readers))


async def _swap(conn: asyncpg.Connection, projection: Projection, shadow: str, dry_run: bool) -> None:
    if dry_run:
        await conn.execute(f'DROP SCHEMA "{shadow}" CASCADE')
        return
    old = f"{projection.schema}__old"
    await conn.execute(f'DROP SCHEMA IF EXISTS "{old}" CASCADE')
    exists = await conn.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", projection.schema)
    if exists:
        await conn.execute(f'ALTER SCHEMA "{projection.schema}" RENAME TO "{old}"')
    await conn.execute(f'ALTER SCHEMA "{shadow}" RENAME TO "{projection.schema}"')
    if exists:
        await conn.execute(f'DROP SCHEMA "{old}" CASCADE')
