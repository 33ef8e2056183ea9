"""Replay: rebuild a projection from the retained JetStream streams into a shadow schema, then swap.

Phase 1 reads every source stream from its first message into `proj_<name>__shadow` while the live
projection keeps serving. Phase 2 takes the projection's advisory lock (live consumers wait), reads
what arrived meanwhile, and renames the shadow into place in the same transaction, so readers see
either the old projection or the complete new one, never a half-built one. Events the live consumer
receives afterwards are recognised by the shadow's own checkpoints.

Resumable: each batch commits together with the stream sequence it reached, per source, in the
shadow's `_replay_progress` table. An interrupted replay leaves its shadow behind; the next run
checks that the recorded sequence still holds the same event (a republished stream numbers its
messages anew) and continues from the message after it; otherwise, or with `restart`, it starts
over. The progress table is dropped before the swap, so the live schema never carries it.

A replay publishes nothing and notifies nobody: `Tx.append` refuses while replaying, and reactors
(projections that record events) cannot be replayed.
"""

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

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
    resumed: bool = False
    """True when this run continued a shadow an interrupted run left behind."""

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class _Reader:
    """An ephemeral, unacknowledged, ordered read of one source stream, one batch ahead.

    It sends its own pull requests (`no_wait`, one in flight: `max_waiting=1`) to an inbox whose
    subscription collects the messages in a callback, and asks for the next batch as soon as one
    is handed out, so the next batch travels while the caller applies this one. (`fetch()` waits
    for every message with a timer of its own, which cost more than decoding the event.)"""

    def __init__(self, nc: NATS, projection: Projection, source: str, batch: int, after_seq: int = 0) -> None:
        self.nc = nc
        self.js = nc.jetstream()
        self.source = source
        self.stream = stream_name(source)
        self.batch = batch
        self.name = f"replay_{projection.name}_{source}_{uuid.uuid4().hex[:8]}"
        self.config = ConsumerConfig(
            name=self.name,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if after_seq else DeliverPolicy.ALL,
            opt_start_seq=after_seq + 1 if after_seq else None,
            ack_policy=AckPolicy.NONE,
            filter_subjects=projection.subjects_for(source),
            inactive_threshold=120.0,
            max_waiting=1,
        )
        self.pending: int | None = None
        self._buffer: list[Msg] = []
        self._owed = 0
        """Messages the request in flight may still bring (0: none in flight)."""
        self._answered = asyncio.Event()
        self._answered.set()
        self._sub: Subscription | None = None

    async def open(self) -> None:
        await self.js.add_consumer(self.stream, self.config)
        self._inbox = self.nc.new_inbox()
        self._sub = await self.nc.subscribe(self._inbox, cb=self._received)
        await self.refresh()

    async def _received(self, msg: Msg) -> None:
        if JetStreamContext.is_status_msg(msg):  # 404 nothing (more) now, 408, 409: the request is over
            self._owed = 0
        else:
            self._buffer.append(msg)
            self._owed -= 1
        if self._owed <= 0:
            self._answered.set()

    async def _ask(self) -> None:
        self._owed = self.batch
        self._answered.clear()
        request = json.dumps({"batch": self.batch, "no_wait": True}).encode()
        await self.nc.publish(f"$JS.API.CONSUMER.MSG.NEXT.{self.stream}.{self.name}", request, reply=self._inbox)

    async def next_batch(self, wait: float = 1.0) -> list[Msg]:
        """The next messages (possibly none: then `pending` was read again from the server)."""
        if self._owed <= 0 and not self._buffer:
            if not self.pending:
                return []
            await self._ask()
        try:
            await asyncio.wait_for(self._answered.wait(), wait)
        except TimeoutError:  # no answer: read how much is left and ask again
            self._owed = 0
            if not self._buffer:
                await self.refresh()
                return []
        msgs, self._buffer = self._buffer, []
        if msgs:
            self.pending = int(msgs[-1].metadata.num_pending)
        else:
            await self.refresh()
        if self.pending:
            await self._ask()  # the next batch travels while the caller applies this one
        return msgs

    async def refresh(self) -> None:
        info = await self.js.consumer_info(self.stream, self.name)
        self.pending = int(info.num_pending)

    async def close(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
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
    restart: bool = False,
) -> ReplayResult:
    """Rebuild `projection` from its sources and swap it in (or, with `dry_run`, build and drop it).

    Continues the shadow an interrupted run left behind, unless `restart`.
    """
    if projection.reactor:
        raise ValueError(f"{projection.name} records events; replaying it would publish them again")
    shadow = f"{projection.schema}__shadow"
    applier = Applier(projection, None, replaying=True, schema=shadow)
    js = nc.jetstream()
    started = time.perf_counter()
    counts = {o: 0 for o in Outcome}
    async with pool.acquire() as conn:
        resume = None if restart else await _resume_points(conn, js, shadow)
        if resume is None:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{shadow}" CASCADE')
        await install(conn, projection, shadow)
        await conn.execute(_PROGRESS_SQL.format(shadow=shadow))
        readers = [_Reader(nc, projection, s, batch, (resume or {}).get(s, 0)) for s in projection.services()]
        for reader in readers:
            await reader.open()
        try:
            for reader in readers:
                await _drain(conn, applier, reader, counts, readers, progress, shadow)
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", projection.lock_key)
                for reader in readers:
                    await reader.refresh()
                    await _drain(conn, applier, reader, counts, readers, progress, shadow)
                await conn.execute(f'DROP TABLE "{shadow}"._replay_progress')
                await _swap(conn, projection, shadow, dry_run)
        finally:
            for reader in readers:
                await reader.close()
    total = sum(counts.values())
    return ReplayResult(
        projection.name,
        total,
        counts[Outcome.APPLIED],
        counts[Outcome.PARKED],
        time.perf_counter() - started,
        resumed=resume is not None,
    )


_PROGRESS_SQL = """
CREATE TABLE IF NOT EXISTS "{shadow}"._replay_progress (
    source      text PRIMARY KEY,
    stream_seq  bigint NOT NULL,
    event_id    text NOT NULL
)"""


async def _resume_points(conn: asyncpg.Connection, js: JetStreamContext, shadow: str) -> dict[str, int] | None:
    """Per source, the last stream sequence a previous run applied (sources not yet begun are absent);
    None when there is no shadow to continue, or its stream was rebuilt and renumbered since."""
    if not await conn.fetchval("SELECT to_regclass($1)", f'"{shadow}"._replay_progress'):
        return None
    rows = await conn.fetch(f'SELECT source, stream_seq, event_id FROM "{shadow}"._replay_progress')
    for row in rows:
        try:
            msg = await js.get_msg(stream_name(row["source"]), int(row["stream_seq"]))
        except NotFoundError:
            return None
        if (msg.headers or {}).get("Nats-Msg-Id") != row["event_id"]:
            return None  # the recorded sequence now names another event: start over
    return {row["source"]: int(row["stream_seq"]) for row in rows}


async def _drain(
    conn: asyncpg.Connection,
    applier: Applier,
    reader: _Reader,
    counts: dict[Outcome, int],
    readers: list[_Reader],
    progress: Progress | None,
    shadow: str,
) -> None:
    while reader.pending:
        msgs = await reader.next_batch()
        if msgs:
            await _apply(conn, applier, reader, msgs, counts, readers, progress, shadow)


async def _apply(
    conn: asyncpg.Connection,
    applier: Applier,
    reader: _Reader,
    msgs: list[Msg],
    counts: dict[Outcome, int],
    readers: list[_Reader],
    progress: Progress | None,
    shadow: str,
) -> None:
    async with conn.transaction():  # the batch and how far it reached commit together
        outcomes = await applier.apply_batch(conn, [Delivery(m.subject, m.data) for m in msgs])
        last = msgs[-1]
        await conn.execute(
            f'INSERT INTO "{shadow}"._replay_progress AS p VALUES ($1, $2, $3)'
            " ON CONFLICT (source) DO UPDATE SET stream_seq = $2, event_id = $3",
            reader.source,
            last.metadata.sequence.stream,
            (last.headers or {}).get("Nats-Msg-Id", ""),
        )
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
