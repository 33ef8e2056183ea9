"""Republish: rebuild a service's JetStream stream from its PostgreSQL store after losing it.

PostgreSQL is the source of truth; the stream is a copy in commit order. Republishing reads every
event in commit order (`read_committed` from the origin) and publishes those the stream does not
hold yet, in order, each with `Nats-Expected-Last-Sequence`, so a lost message in a pipelined window
stops the window instead of letting a later one overtake it. It sends no `Nats-Msg-Id`: after a
purge the stream's duplicate window still remembers the ids it held, and would acknowledge every
republished event as a duplicate without storing it.

Which events the stream already holds is read from the stream itself, not left to the duplicate
window: that window only covers the last ten minutes of publishes, while a surviving stream (or one
the relay refilled before this ran) may hold events published long ago. Running it twice publishes
nothing the second time.

It holds the relay's advisory lock throughout, so the relay cannot publish newer events in between,
and it finally moves the relay checkpoint to the end so the relay does not publish them again. A
stream it had to create gets its partitioned copy rebuilt too (`streams.ensure_partitioned`): the
old copy would wait for sequence numbers the new stream only reaches much later.
"""

import asyncio
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import nats.errors
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, PubAck
from nats.js.errors import APIError, NotFoundError

from jingzhang.shared import sessions
from jingzhang.shared.envelope import CLOUDEVENTS_CONTENT_TYPE, Envelope, encode
from jingzhang.shared.partitions import PARTITIONS
from jingzhang.shared.relay import RELAY_LOCK, PipelinedPublisher
from jingzhang.shared.store.postgres import ORIGIN, CommitPosition, PostgresEventStore
from jingzhang.shared.streams import StreamSpec, ensure_partitioned, stream_name


class RelayBusy(RuntimeError):
    """The service's relay holds its lock: stop it (the service) before republishing."""


class StreamDiverged(RuntimeError):
    """The stream holds a later version of an aggregate whose earlier one is missing."""


@dataclass(frozen=True, slots=True)
class RepublishResult:
    service: str
    stream: str
    created: bool
    already: int
    published: int
    seconds: float


@dataclass
class _Held:
    """What the stream holds: event ids, and the highest version per aggregate."""

    ids: set[uuid.UUID]
    heads: dict[str, int]
    last_seq: int


async def republish(
    store: PostgresEventStore,
    nc: NATS,
    *,
    page: int = 1000,
    window: int = 256,
    replicas: int = 1,
    lock_timeout: float = 10.0,
    ack_timeout: float = 10.0,
    partitions: int = PARTITIONS,
) -> RepublishResult:
    """Publish every event of `store` the stream lacks, in commit order; idempotent."""
    started = time.perf_counter()
    js = nc.jetstream()
    stream = stream_name(store.service)
    async with store.pool.acquire() as lock_conn:
        await _take_relay_lock(lock_conn, store.service, lock_timeout)
        try:
            created = await _ensure_stream(js, store.service, replicas)
            # a copy would wait for old numbers (one partition has none)
            await ensure_partitioned(js, store.service, replicas, rebuild=created, partitions=partitions)
            held = await _read_held(js, stream)
            sender = _Sender(nc, js, stream, held.last_seq, window, ack_timeout)
            published, last = await _publish_missing(store, sender, held, page)
            if last is not None:
                await _advance_checkpoint(store.pool, last)
        finally:
            await lock_conn.execute("SELECT pg_advisory_unlock($1)", RELAY_LOCK)
    return RepublishResult(store.service, stream, created, len(held.ids), published, time.perf_counter() - started)


async def _take_relay_lock(conn: asyncpg.Connection, service: str, wait: float) -> None:
    deadline = time.monotonic() + wait
    sessions.holds_session_state(conn)
    while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK):
        if time.monotonic() >= deadline:
            raise RelayBusy(f"the relay of {service} is running (it holds its lock): stop {service} first")
        await asyncio.sleep(0.2)


async def _ensure_stream(js: JetStreamContext, service: str, replicas: int) -> bool:
    try:
        await js.stream_info(stream_name(service))
    except NotFoundError:
        await js.add_stream(StreamSpec(service, replicas).config())
        return True
    return False


async def _read_held(js: JetStreamContext, stream: str) -> _Held:
    info = await js.stream_info(stream)
    held = _Held(set(), {}, int(info.state.last_seq))
    if not info.state.messages:
        return held
    sub = await js.pull_subscribe(
        "",
        stream=stream,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=60),
    )
    try:
        pending = int(info.state.messages)
        while pending:
            try:
                msgs = await sub.fetch(1000, timeout=2)
            except (TimeoutError, nats.errors.TimeoutError):
                break
            for msg in msgs:
                _remember(held, msg.data)
            pending = int(msgs[-1].metadata.num_pending)
    finally:
        await sub.unsubscribe()
    return held


def _remember(held: _Held, body: bytes) -> None:
    doc = json.loads(body)
    held.ids.add(uuid.UUID(str(doc["id"])))
    key = f"{doc['aggregatetype']}/{doc['aggregateid']}"
    held.heads[key] = max(held.heads.get(key, 0), int(doc["aggregateversion"]))


async def _publish_missing(
    store: PostgresEventStore, sender: "_Sender", held: _Held, page: int
) -> tuple[int, CommitPosition | None]:
    published = 0
    after: CommitPosition = ORIGIN
    last: CommitPosition | None = None
    while batch := await store.read_committed(after, page):
        after = last = batch[-1][0]
        missing = [env for _, env in batch if env.event_id not in held.ids]
        _check_order(held, missing)
        for start in range(0, len(missing), sender.window):
            published += await sender.send(missing[start : start + sender.window])
    return published, last


def _check_order(held: _Held, missing: Sequence[Envelope]) -> None:
    """Appending an earlier version after a later one would break per-aggregate order."""
    for env in missing:
        key = f"{env.stream.aggregate_type}/{env.stream.aggregate_id}"
        if held.heads.get(key, 0) > env.version:
            raise StreamDiverged(
                f"the stream holds {key} up to version {held.heads[key]} but lacks version {env.version}:"
                " purge the stream (`jingzhang republish --purge`) and run again"
            )


class _Sender:
    """Pipelined windows that stop at the first failed publish and resume from there."""

    def __init__(self, nc: NATS, js: JetStreamContext, stream: str, last_seq: int, window: int, timeout: float):
        self.publisher = PipelinedPublisher(nc)
        self.js = js
        self.stream = stream
        self.last_seq = last_seq
        self.window = window
        self.timeout = timeout

    async def send(self, events: Sequence[Envelope], attempts: int = 5) -> int:
        done, stuck = 0, 0
        while done < len(events):
            moved = await self._window(events[done:])
            done += moved
            stuck = 0 if moved else stuck + 1
            if stuck >= attempts:
                raise RuntimeError(f"JetStream did not confirm {events[done].event_id} after {attempts} attempts")
            if done < len(events):  # resynchronise with the stream, then resume at the first failure
                self.last_seq = int((await self.js.stream_info(self.stream)).state.last_seq)
        return done

    async def _window(self, events: Sequence[Envelope]) -> int:
        futures: list[asyncio.Future[PubAck]] = []
        try:
            for offset, env in enumerate(events):
                headers = {
                    "Nats-Expected-Last-Sequence": str(self.last_seq + offset),
                    "Content-Type": CLOUDEVENTS_CONTENT_TYPE,
                }
                futures.append(await self.publisher.publish(env.subject, encode(env), headers))
            return await self._confirmed(futures)
        finally:
            self.publisher.forget(futures)

    async def _confirmed(self, futures: Sequence[asyncio.Future[PubAck]]) -> int:
        confirmed = 0
        for fut in futures:
            try:
                ack = await asyncio.wait_for(asyncio.shield(fut), self.timeout)
            except (APIError, TimeoutError, OSError):
                return confirmed
            if ack.duplicate:  # cannot happen without a message id; never count it as stored
                return confirmed
            self.last_seq = int(ack.seq)
            confirmed += 1
        return confirmed


async def _advance_checkpoint(pool: asyncpg.Pool, last: CommitPosition) -> None:
    """Move the relay past everything republished (never backwards)."""
    await pool.execute(
        "UPDATE es.relay_checkpoint SET tx_id = $1::text::xid8, position = $2, updated_at = clock_timestamp()"
        " WHERE (tx_id, position) < ($1::text::xid8, $2)",
        str(last[0]),
        last[1],
    )


async def purge(nc: NATS, service: str) -> None:
    """Empty the service's stream so `republish` writes it again from the first event."""
    try:
        await nc.jetstream().purge_stream(stream_name(service))
    except NotFoundError:
        return
