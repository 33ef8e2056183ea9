"""The running parts every service shares: pool, NATS connection, event store, relay, consumers.

A service's composition root (`jingzhang.<service>.bootstrap`) builds one `Runtime` with its own
projections and reactors and starts it from its FastAPI lifespan. Several replicas of a service
may run against one database: one of them relays (the relay's lock), and they split the projection
consumers by partition (`partitions_runner`).
"""

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import asyncpg
import nats
import structlog
from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo
from nats.js.errors import Error as JetStreamError
from nats.js.errors import NotFoundError

from jingzhang.shared import pools, sessions
from jingzhang.shared.consumer import ProjectionConsumer, consumer_groups, ensure_consumer
from jingzhang.shared.envelope import Envelope, Metadata, NewEvent, StreamId
from jingzhang.shared.migrations import prepare as prepare_projections
from jingzhang.shared.partitions import direct
from jingzhang.shared.partitions_runner import PartitionRunner
from jingzhang.shared.privacy.keystore import PostgresKeyStore
from jingzhang.shared.privacy.protect import Protector
from jingzhang.shared.privacy.setup import OpenedKeyStore, open_keystore
from jingzhang.shared.projection import Projection
from jingzhang.shared.relay import Relay, Wakeup
from jingzhang.shared.settings import ServiceSettings
from jingzhang.shared.store.postgres import PostgresEventStore, install_schema
from jingzhang.shared.streams import partitioned_stream_name, require_stream
from jingzhang.shared.tracing import GatedTracer, ServiceTracerProvider, provider_for
from jingzhang.shared.watermark import (
    Evidence,
    Watermark,
    WatermarkBoard,
    applied_through,
    copy_position,
    lacking,
    producers_of,
)

log = structlog.get_logger(__name__)

SETTLE_POLL = 0.1
"""Seconds between looks at the copy and the consumers while `caught_up` waits."""
OWN_MARK_POLL = 0.005
"""Seconds between looks at this process's relay's watermark while `caught_up` waits for its own events."""


def inbox_prefix(service: str) -> str:
    """Each service's replies arrive under its own prefix, so NATS can deny it everyone else's replies."""
    return f"_INBOX_{service}"


async def connect_nats(url: str, name: str, inbox: str = "_INBOX") -> NATS:
    """Reconnect forever: a service outlives NATS restarts; the relay holds what it cannot send."""
    return await nats.connect(
        servers=[u.strip() for u in url.split(",")],
        name=name,
        inbox_prefix=inbox,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
    )


async def create_pool(settings: ServiceSettings) -> asyncpg.Pool:
    return await pools.create(  # a connection that cannot be made in 5 s is an outage: answer 503
        settings.database_url,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        connect_timeout=5.0,
        reset=sessions.reset,  # only connections that took session state (see `sessions`)
    )


def replica_id() -> str:
    """Names this replica among its service's: the host (the pod) and the process, made unique."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


class StartedStore:
    """The runtime's event store (`EventStore`) for what a composition root builds before the runtime
    starts, such as the handlers' `Deps`: each call goes to the store the runtime opened at start."""

    def __init__(self, runtime: "Runtime") -> None:
        self.service = runtime.service
        self._runtime = runtime

    async def append(self, stream: StreamId, expected_version: int, events: Sequence[NewEvent], meta: Metadata) -> int:
        return await self._runtime.store.append(stream, expected_version, events, meta)

    async def read_stream(self, stream: StreamId) -> list[Envelope]:
        return await self._runtime.store.read_stream(stream)


@dataclass
class Runtime:
    service: str
    settings: ServiceSettings
    projections: Sequence[Projection] = ()
    relay_enabled: bool = True
    pool: asyncpg.Pool = field(init=False)
    nc: NATS = field(init=False)
    store: PostgresEventStore = field(init=False)
    keystore: PostgresKeyStore | None = field(default=None, init=False)
    _keys: OpenedKeyStore | None = field(default=None, init=False)
    relay: Relay | None = field(default=None, init=False)
    wakeup: Wakeup | None = field(default=None, init=False)
    consumers: list[ProjectionConsumer] = field(default_factory=list, init=False)
    """Every partition's consumer; `partitions` runs those this replica owns."""
    partitions: PartitionRunner | None = field(default=None, init=False)
    watermarks: WatermarkBoard | None = field(default=None, init=False)
    """The producers' watermarks (see `watermark`), from start."""
    rebuilt: list[str] = field(default_factory=list, init=False)
    """Projections whose tables changed shape and were rebuilt by replay at start (see `migrations`)."""
    replica: str = field(default_factory=replica_id)
    _stop: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list, init=False)
    tracer_provider: ServiceTracerProvider = field(init=False)

    def __post_init__(self) -> None:
        self.tracer_provider = provider_for(self.service)

    def started_store(self) -> StartedStore:
        """The event store as a composition root hands it out before start (see `StartedStore`)."""
        return StartedStore(self)

    def pool_of(self) -> asyncpg.Pool:
        """The pool, once started: pass the bound method to read models built before start."""
        return self.pool

    @property
    def tracer(self) -> GatedTracer:
        return GatedTracer(self.tracer_provider)

    async def unsettled(self) -> int:
        """Events not yet everywhere they go: this service's relay backlog plus what its projections
        have still to apply (pending and unacknowledged deliveries of every consumer)."""
        js = self.nc.jetstream()
        waiting = await asyncio.gather(*(consumer_waiting(js, c) for c in self.consumers))
        backlog = await self.relay.backlog() if self.relay is not None else 0
        return sum(1 if w is None else w for w in waiting) + backlog  # a durable not there yet: not settled

    async def caught_up(self, source_service: str) -> bool:
        """Has this service applied every event `source_service` committed before this call? Then an id
        it does not know is nobody's, not merely late (see `watermark` and `subjects`).

        Waits up to `subject_wait` seconds for the producer's watermark to pass the moment of the call,
        its partitioned copy to hold what the watermark names and every consumer of it here to have
        applied everything; False when that does not come to pass, or when JetStream cannot tell.

        For this service's own events with its relay leading in this process, the watermark is the
        relay's own, read in process after a round it is woken for: one clock, so no skew margin and no
        wait for the next published watermark (the cadence pass asks this before recording misses)."""
        since = time.time()
        deadline = time.monotonic() + self.settings.subject_wait
        own = source_service == self.service and self.relay is not None and self.relay.leading
        skew = 0.0 if own else self.settings.clock_skew
        while True:
            try:
                evidence = await self._evidence(source_service, since, deadline, skew, own)
            except (NatsError, JetStreamError, TimeoutError) as exc:
                log.info("caught_up.cannot_tell", producer=source_service, error=repr(exc))
                return False
            missing = lacking(evidence, since, skew)
            if missing is None:
                return True
            if time.monotonic() >= deadline:
                log.info("caught_up.not_yet", producer=source_service, lacking=missing, evidence=repr(evidence))
                return False
            await asyncio.sleep(SETTLE_POLL)

    async def _evidence(self, producer: str, since: float, deadline: float, skew: float, own: bool) -> Evidence:
        """What `lacking` decides on, looked up in its order and no further than needed."""
        instant = since + skew
        if own:
            mark = await self._own_mark(instant, deadline)
        elif self.watermarks is None:
            return Evidence(None)
        else:
            mark = await self.watermarks.wait_past(producer, instant, deadline - time.monotonic())
        if mark is None or mark.before < instant:
            return Evidence(mark)
        js = self.nc.jetstream(timeout=2.0)
        partitions = self.settings.partitions
        copied: int | None
        if direct(partitions):  # no copy: the consumers read the service stream, which holds `mark.seq`
            copied, bound = mark.seq, mark.seq
        else:  # and the copy's sequence up to which it holds everything through `mark.seq`
            copied, bound = await copy_position(js, partitioned_stream_name(producer, partitions))
        if copied is None or copied < mark.seq:
            return Evidence(mark, copied)
        consumers = [c for c in self.consumers if c.source_service == producer]
        infos = await asyncio.gather(*(consumer_info(js, c) for c in consumers))
        if any(info is None for info in infos):
            return Evidence(mark, copied)  # a durable not there yet: cannot tell
        return Evidence(mark, copied, sum(not applied_through(i, bound) for i in infos if i is not None))

    async def _own_mark(self, instant: float, deadline: float) -> Watermark | None:
        """This process's relay's latest watermark once one has passed `instant` (it is woken for a round
        that begins after it), or the latest it has when the deadline comes or it stops leading."""
        relay = self.relay
        assert relay is not None
        relay.wake()
        while True:
            mark = relay.watermark
            if (mark is not None and mark.before >= instant) or time.monotonic() >= deadline or not relay.leading:
                return mark
            await asyncio.sleep(OWN_MARK_POLL)

    async def latest_recorded(self) -> datetime | None:
        """When the latest event of this service's store happened (by the service's clock)."""
        value: datetime | None = await self.pool.fetchval("SELECT max(occurred_at) FROM es.events")
        return value

    async def start(self) -> None:
        self.pool = await create_pool(self.settings)
        async with self.pool.acquire() as conn, conn.transaction():
            await install_schema(conn)
        self._keys = await open_keystore(self.settings, self.pool)
        self.keystore = self._keys.keystore
        self.store = PostgresEventStore(self.pool, self.service, Protector(self.keystore))
        self.nc = await connect_nats(self.settings.nats_url, f"jingzhang-{self.service}", inbox_prefix(self.service))
        await require_stream(self.nc.jetstream(), self.service)
        self.rebuilt = await prepare_projections(self.pool, self.nc, self.projections)  # before any consumer
        sources = producers_of(source for projection in self.projections for source in projection.services())
        self.watermarks = WatermarkBoard(self.nc, sources)
        await self.watermarks.start()
        if self.relay_enabled:
            self.relay = Relay(
                self.store,
                self.nc,
                window=self.settings.relay_window,
                tracer=self.tracer,
                partitions=self.settings.partitions,
            )
            self._spawn(self.relay.run(self._stop), "relay")
        self.wakeup = Wakeup(self.pool, self.relay)
        self.store.on_appended = self.wakeup  # appends tell the relay (no trigger on every commit)
        await self._start_consumers()
        log.info("runtime.started", service=self.service, projections=[p.name for p in self.projections])

    async def _start_consumers(self) -> None:
        """One consumer group per source and partition, feeding every projection that follows the
        source (see `consumer`); this replica runs those it owns."""
        gates = {projection.name: asyncio.Lock() for projection in self.projections}
        self.consumers = [
            ProjectionConsumer(
                self.service,
                group[0],
                self.pool,
                self.nc,
                source,
                store=self.store,
                batch=self.settings.consumer_batch,
                max_failures=self.settings.consumer_max_failures,
                ack_wait=self.settings.consumer_ack_wait,
                tracer=self.tracer,
                partition=partition,
                partitions=self.settings.partitions,
                max_event_bytes=self.settings.consumer_max_event_bytes,
                gate=gates[group[0].name],
                joined=group[1:],
                gates=gates,
            )
            for source, group in consumer_groups(self.projections).items()
            for partition in range(self.settings.partitions)
        ]
        await self._declare_durables()
        if self.consumers:
            self.partitions = PartitionRunner(
                self.replica, self.pool, self.consumers, partitions=self.settings.partitions
            )
            self._spawn(self.partitions.run(self._stop), "partitions")

    async def _declare_durables(self) -> None:
        """Every consumer's durable exists from the start, owned here or not, so what reads their state
        (`unsettled`, `caught_up`, the lag metrics) finds them; a failure is left to the consumer's retries."""
        js = self.nc.jetstream()
        done = await asyncio.gather(
            *(ensure_consumer(js, c.config, c.stream) for c in self.consumers), return_exceptions=True
        )
        for consumer, result in zip(self.consumers, done, strict=True):
            if isinstance(result, Exception):
                log.warning("consumer.not_declared", consumer=consumer.durable, error=repr(result))

    def _spawn(self, coro: "asyncio._CoroutineLike[None]", name: str) -> None:
        self._tasks.append(asyncio.create_task(coro, name=f"{self.service} {name}"))

    async def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True), 10)
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            # close, not drain: fetched-but-unacked messages come back to the next consumer anyway,
            # and a drain waits out its whole timeout on pull subscriptions' pending queues
            await self.nc.close()
        if self.wakeup is not None:
            await self.wakeup.close()
        if self._keys is not None:
            await self._keys.close()
        await self.pool.close()
        self.tracer_provider.shutdown()
        log.info("runtime.stopped", service=self.service)

    async def ready(self) -> dict[str, bool | str]:
        """NATS, PostgreSQL, consumers as booleans; the relay's state as a string, never a failure:
        a replica on standby (another holds the relay lock) is as ready as the one publishing."""
        checks: dict[str, bool | str] = {
            "nats": self.nc.is_connected,
            "consumers": self.partitions is None or self.partitions.healthy,
            "partitions": "none" if self.partitions is None else self.partitions.summary(),
            "relay": self.relay_state,
        }
        try:
            await self.pool.fetchval("SELECT 1")
            checks["postgres"] = True
        except Exception:
            checks["postgres"] = False
        return checks

    @property
    def relay_state(self) -> str:
        if self.relay is None:
            return "disabled"
        return "running" if self.relay.leading else "standby"


class Followed(Protocol):
    """A consumer as JetStream is asked about it (a `ProjectionConsumer`)."""

    @property
    def source_service(self) -> str: ...
    @property
    def stream(self) -> str: ...
    @property
    def durable(self) -> str: ...


async def consumer_info(js: JetStreamContext, consumer: Followed) -> ConsumerInfo | None:
    """What JetStream says of the consumer's durable, or None while it does not exist."""
    try:
        info: ConsumerInfo = await js.consumer_info(consumer.stream, consumer.durable)
    except NotFoundError:
        return None
    return info


async def consumer_waiting(js: JetStreamContext, consumer: Followed) -> int | None:
    """Messages the consumer has still to apply, or None while its durable does not exist (unknown)."""
    info = await consumer_info(js, consumer)
    if info is None:
        return None
    return int(info.num_pending or 0) + int(info.num_ack_pending or 0)


def failing_checks(checks: dict[str, bool | str]) -> list[str]:
    """The readiness checks that fail: the false ones (a string, such as a standby relay's, never fails)."""
    return [name for name, value in checks.items() if value is False]
