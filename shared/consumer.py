"""Durable JetStream pull consumers feeding projections, with exactly-once effect.

For each projection and each service stream it follows there is one durable pull consumer
(`<service>__<projection>` on `JZ_<SOURCE>`), filtered by whole aggregates. A fetched batch is
applied in order in one PostgreSQL transaction (`Applier`); messages are acked only after that
transaction commits, so a crash between commit and ack only causes a redelivery, which the
projection's checkpoint recognises as a duplicate. Deferred messages are nak'ed with a backoff;
JetStream redelivers them (order is restored by the per-stream version check).

We use nats-py directly rather than a FastStream subscriber: FastStream's default NATS ack policy
terminates a message on any exception, its batch subscriber runs handlers concurrently, and its pull
loop misses `asyncio.TimeoutError` from `fetch()` (see KNOWN-TRAPS.md). Here the whole batch path is
explicit and tested against a real server.
"""

import asyncio
import collections
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg
import nats.errors
import structlog
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import BadRequestError, NotFoundError
from opentelemetry.trace import SpanKind, Tracer

from jingzhang.shared.applier import Applier, Delivery, Outcome
from jingzhang.shared.projection import Projection
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.streams import stream_name
from jingzhang.shared.tracing import extract_context

log = structlog.get_logger(__name__)

BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0)
GAP_RETRY = 0.2


def durable_name(service: str, projection: Projection, source_service: str) -> str:
    return f"{service}__{projection.name}__{source_service}"


def consumer_config(service: str, projection: Projection, source_service: str, batch: int) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=durable_name(service, projection, source_service),
        description=f"{service} projection {projection.name} reading {source_service}",
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=30.0,
        max_deliver=-1,  # we count failures ourselves and park; JetStream must never drop
        max_ack_pending=batch * 4,
        filter_subjects=projection.subjects_for(source_service),
    )


async def ensure_consumer(js: JetStreamContext, config: ConsumerConfig, source_service: str) -> None:
    """Create the durable consumer if it does not exist; never rewrite the stream."""
    stream = stream_name(source_service)
    try:
        await js.consumer_info(stream, str(config.durable_name))
    except NotFoundError:
        with contextlib.suppress(BadRequestError):  # a concurrent replica created it first
            await js.add_consumer(stream, config)


@dataclass
class ProjectionConsumer:
    service: str
    projection: Projection
    pool: asyncpg.Pool
    nc: NATS
    source_service: str
    store: PostgresEventStore | None = None
    batch: int = 256
    fetch_timeout: float = 0.5
    max_failures: int = 5
    tracer: Tracer | None = None
    applied: int = field(default=0, init=False)
    outcomes: collections.Counter[Outcome] = field(default_factory=collections.Counter, init=False)
    """How many deliveries ended how, since start (read by the metrics at scrape time)."""
    running: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.applier = Applier(self.projection, self.store, max_failures=self.max_failures)
        self.config = consumer_config(self.service, self.projection, self.source_service, self.batch)

    async def run(self, stop: asyncio.Event) -> None:
        js = self.nc.jetstream()
        while not stop.is_set():
            try:
                await ensure_consumer(js, self.config, self.source_service)
                sub = await js.pull_subscribe_bind(
                    durable=str(self.config.durable_name), stream=stream_name(self.source_service)
                )
                self.running = True
                try:
                    await self._loop(sub, stop)
                finally:
                    with contextlib.suppress(Exception):
                        await sub.unsubscribe()
            except Exception as exc:
                self.running = False
                log.warning("consumer.restart", consumer=self.config.durable_name, error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
        self.running = False

    async def _loop(self, sub: JetStreamContext.PullSubscription, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                msgs = await sub.fetch(self.batch, timeout=self.fetch_timeout)
            except (TimeoutError, nats.errors.TimeoutError):  # both occur; see KNOWN-TRAPS.md
                continue
            await self.handle(msgs)

    async def handle(self, msgs: Sequence[Msg]) -> list[Outcome]:
        batch = [Delivery(m.subject, m.data) for m in msgs]
        started = time.time_ns()
        try:
            async with self.pool.acquire() as conn:
                outcomes = await self.applier.apply_batch(conn, batch)
        except Exception as exc:  # the transaction did not commit: nothing applied, all come back
            log.warning("consumer.batch_failed", consumer=self.config.durable_name, error=repr(exc))
            for msg in msgs:
                await msg.nak(delay=_backoff(msg))
            self.outcomes[Outcome.DEFERRED] += len(msgs)
            await asyncio.sleep(BACKOFF[0])
            return [Outcome.DEFERRED] * len(msgs)
        for msg, outcome in zip(msgs, outcomes, strict=True):
            await self._settle(msg, outcome)
            self._trace(msg, outcome, started)
        return outcomes

    def _trace(self, msg: Msg, outcome: Outcome, started: int) -> None:
        """One span per delivery, child of the relay's publish span; it covers the batch's transaction."""
        self.outcomes[outcome] += 1
        if self.tracer is None:
            return
        span = self.tracer.start_span(
            f"apply {self.projection.name}",
            context=extract_context(msg.headers),
            kind=SpanKind.CONSUMER,
            start_time=started,
            attributes={
                "messaging.destination.name": msg.subject,
                "jingzhang.projection": self.projection.name,
                "jingzhang.outcome": outcome.value,
            },
        )
        span.end()

    async def _settle(self, msg: Msg, outcome: Outcome) -> None:
        if outcome is Outcome.DEFERRED:
            await msg.nak(delay=_backoff(msg))
            return
        await msg.ack()
        if outcome is Outcome.APPLIED:
            self.applied += 1


def _backoff(msg: Msg) -> float:
    try:
        delivered = int(msg.metadata.num_delivered)
    except Exception:
        delivered = 1
    return BACKOFF[min(delivered, len(BACKOFF)) - 1] if delivered > 1 else GAP_RETRY
