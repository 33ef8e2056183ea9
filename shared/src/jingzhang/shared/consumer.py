"""Durable JetStream pull consumers feeding projections, with exactly-once effect.

A service's runtime reads each service stream its projections follow through one *consumer group*
per partition: the durable pull consumer `<service>__all__<source>__p<k>` on the partitioned copy
`JZ_<SOURCE>_P8` (see `partitions`), filtered by the aggregates any of them follows, feeds every one
of those projections; one replica at a time owns it (`partitions_runner`). One consumer per
projection instead would deliver, ack and pull every event once per projection: measured on the demo
year, ~9 deliveries, 9 acks and 5 pull requests per event, which kept nats-server and the services'
event loops busier than the projections' own work. A consumer of a single projection (tests,
benchmarks) is named `<service>__<projection>__<source>[__p<k>]`; without a partition it reads every
partition. Each projection applies its part of a fetched batch in order in its own PostgreSQL
transaction (`Applier`; the envelopes are decoded once); a message is acked only after every
projection's transaction committed, so a crash in between only causes a redelivery, which each
projection's checkpoint recognises as a duplicate. Deferred messages (a failure) are nak'ed with a
growing backoff, waiting ones (out of order) with a short fixed delay; JetStream redelivers them
and the per-stream version check restores order.

Messages that are not events (garbage, foreign JSON, oversized bodies) are recorded as rejected by
the `Applier` and acked, so a partition never stalls on them.

We use nats-py directly rather than a FastStream subscriber: FastStream's default NATS ack policy
terminates a message on any exception, its batch subscriber runs handlers concurrently, and its pull
loop misses `asyncio.TimeoutError` from `fetch()` (see KNOWN-TRAPS.md). Here the whole batch path is
explicit and tested against a real server.
"""

import asyncio
import collections
import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import nats.errors
import structlog
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import BadRequestError, NotFoundError
from opentelemetry.trace import SpanKind, Tracer

from jingzhang.shared.applier import MAX_EVENT_BYTES, Applier, Delivery, Outcome
from jingzhang.shared.partitions import PARTITIONS, direct, partition_filter, published_subject
from jingzhang.shared.projection import Projection
from jingzhang.shared.store.postgres import PostgresEventStore
from jingzhang.shared.streams import consumed_stream
from jingzhang.shared.tracing import extract_context

log = structlog.get_logger(__name__)

BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0)
GAP_RETRY = 0.2
IDLE_CHECK = 10.0
"""Seconds without messages after which a consumer checks that its durable still exists."""
ACK_WAIT = 30.0
"""Seconds before JetStream delivers an unacknowledged event again (CONSUMER_ACK_WAIT)."""
FETCH_TIMEOUT = 5.0
"""How long one pull request waits for messages. The server answers as soon as it has any, so a long
wait costs no latency; a short one costs every idle consumer two pull requests a poll (a system of
~300 consumers polling every 0.5 s kept nats-server busier than the work). A stop interrupts it."""


GROUP = "all"
"""The label of a service's consumer group in its durables' names (no projection may take it)."""


def durable_name(service: str, projection: Projection | str, source_service: str, partition: int | None = None) -> str:
    """`projection`: one projection, or a group's label (`GROUP`)."""
    label = projection if isinstance(projection, str) else projection.name
    base = f"{service}__{label}__{source_service}"
    return base if partition is None else f"{base}__p{partition}"


def consumer_groups(projections: Sequence[Projection]) -> dict[str, tuple[Projection, ...]]:
    """For each service stream followed, the projections that follow it (in the given order)."""
    if any(p.name == GROUP for p in projections):
        raise ValueError(f"no projection may be named {GROUP!r}: it labels the consumer groups")
    sources = sorted({source for p in projections for source in p.services()})
    return {source: tuple(p for p in projections if source in p.services()) for source in sources}


def consumer_config(
    service: str,
    projection: Projection | Sequence[Projection],
    source_service: str,
    batch: int,
    partition: int | None = None,
    ack_wait: float = ACK_WAIT,
    partitions: int = PARTITIONS,
) -> ConsumerConfig:
    """One projection's durable, or (given several, even one in a sequence) the service's group's.
    With one partition (`partitions.direct`) the durable reads the service stream and has no partition
    in its name."""
    if direct(partitions):
        partition = None
    members = (projection,) if isinstance(projection, Projection) else tuple(projection)
    label = members[0].name if isinstance(projection, Projection) else GROUP
    what = (
        f"projection {label}"
        if isinstance(projection, Projection)
        else "projections " + ", ".join(p.name for p in members)
    )
    return ConsumerConfig(
        durable_name=durable_name(service, label, source_service, partition),
        description=(f"{service} {what} reading {source_service}")[:900]
        + ("" if partition is None else f", partition {partition}"),
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait,
        max_deliver=-1,  # we count failures ourselves and park; JetStream must never drop
        max_ack_pending=batch * 4,
        filter_subjects=sorted(
            {
                partition_filter(source_service, s.aggregate_type, partition, partitions)
                for p in members
                for s in p.sources
                if s.service == source_service
            }
        ),
    )


async def ensure_consumer(js: JetStreamContext, config: ConsumerConfig, stream: str) -> None:
    """Create the durable consumer on `stream` (the source's partitioned copy, or its service stream with
    one partition) if it does not exist, or update its filter subjects when the projection now follows
    other aggregates of that service (it reads the new aggregate's events from then on: a replay brings in
    the earlier ones); never rewrite a stream."""
    try:
        info = await js.consumer_info(stream, str(config.durable_name))
    except NotFoundError:
        try:
            await js.add_consumer(stream, config)
        except BadRequestError:  # a concurrent replica created it first
            return
        except NotFoundError:
            raise RuntimeError(f"JetStream stream {stream} is missing: run `jingzhang provision`") from None
        return
    if _filters(info.config) != _filters(config) or info.config.ack_wait != config.ack_wait:
        await js.add_consumer(stream, config)  # the server updates a durable's filters and ack wait in place
        log.info("consumer.updated", consumer=config.durable_name, filters=_filters(config), ack_wait=config.ack_wait)


def _filters(config: ConsumerConfig) -> list[str]:
    return sorted(config.filter_subjects or ([config.filter_subject] if config.filter_subject else []))


async def _fetch_unless_stopped(
    sub: JetStreamContext.PullSubscription, batch: int, wait: float, stopped: "asyncio.Future[Any]"
) -> list[Msg] | None:
    """One pull, abandoned when `stopped` completes first (None). Messages a cancelled pull had
    received are not acked: JetStream delivers them again after the ack wait."""
    fetch = asyncio.ensure_future(sub.fetch(batch, timeout=wait))
    await asyncio.wait((fetch, stopped), return_when=asyncio.FIRST_COMPLETED)
    if fetch.done():
        return fetch.result()
    fetch.cancel()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError, nats.errors.TimeoutError):
        await fetch
    return None


def delivery(msg: Msg) -> Delivery:
    """What the applier needs of a message: the subject it was published on, its body, and where it
    sits in the service stream (the sourcing header names it; a consumer of the service stream itself
    has it in the message's metadata)."""
    origin = None
    source = (msg.headers or {}).get("Nats-Stream-Source")
    if source:
        stream, _, rest = source.partition(" ")
        origin = f"{stream}:{rest.split(' ', 1)[0]}"
    elif msg.reply and msg.reply.startswith("$JS.ACK."):
        meta = msg.metadata
        origin = f"{meta.stream}:{meta.sequence.stream}"
    return Delivery(published_subject(msg.subject), msg.data, origin)


@dataclass
class ProjectionConsumer:
    service: str
    projection: Projection
    pool: asyncpg.Pool
    nc: NATS
    source_service: str
    store: PostgresEventStore | None = None
    batch: int = 256
    fetch_timeout: float = FETCH_TIMEOUT
    max_failures: int = 5
    ack_wait: float = ACK_WAIT
    tracer: Tracer | None = None
    partition: int | None = None
    """None: every partition (one consumer for the whole source)."""
    partitions: int = PARTITIONS
    """How many the deployment has; with one (`partitions.direct`) this reads the service stream."""
    max_event_bytes: int = MAX_EVENT_BYTES
    gate: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Shared by one projection's consumers in a process: its transactions run one at a time anyway
    (the projection's advisory lock), so the others wait here rather than holding pool connections."""
    joined: tuple[Projection, ...] | None = None
    """Not None: this is the service's consumer group for the source (`GROUP`), feeding `projection`
    and these too, each behind its gate in `gates`."""
    gates: Mapping[str, asyncio.Lock] = field(default_factory=dict)
    applied: int = field(default=0, init=False)
    outcomes: collections.Counter[Outcome] = field(default_factory=collections.Counter, init=False)
    """How many deliveries ended how, per projection applied to, since start."""
    outcomes_by: dict[str, collections.Counter[Outcome]] = field(default_factory=dict, init=False)
    """The same per projection (read by the metrics at scrape time)."""
    running: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        members = self.projections
        self._appliers = [
            (
                Applier(p, self.store, max_failures=self.max_failures, max_event_bytes=self.max_event_bytes),
                frozenset(s.aggregate_type for s in p.sources if s.service == self.source_service),
                self.gates.get(p.name) or (self.gate if p is self.projection else asyncio.Lock()),
            )
            for p in members
        ]
        self.applier = self._appliers[0][0]
        self.outcomes_by = {p.name: collections.Counter() for p in members}
        self.config = consumer_config(
            self.service,
            self.projection if self.joined is None else members,
            self.source_service,
            self.batch,
            self.partition,
            self.ack_wait,
            self.partitions,
        )
        self.stream = consumed_stream(self.source_service, self.partitions)

    @property
    def projections(self) -> tuple[Projection, ...]:
        return (self.projection, *(self.joined or ()))

    @property
    def label(self) -> str:
        """The projection's name, or the group's label."""
        return self.projection.name if self.joined is None else GROUP

    @property
    def durable(self) -> str:
        return str(self.config.durable_name)

    async def run(self, stop: asyncio.Event) -> None:
        js = self.nc.jetstream()
        while not stop.is_set():
            try:
                await ensure_consumer(js, self.config, self.stream)
                sub = await js.pull_subscribe_bind(durable=self.durable, stream=self.stream)
                self.running = True
                try:
                    await self._loop(js, sub, stop)
                finally:
                    self.running = False
                    await _give_back(sub)
            except Exception as exc:
                self.running = False
                log.warning("consumer.restart", consumer=self.durable, error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
        self.running = False

    async def _loop(self, js: JetStreamContext, sub: JetStreamContext.PullSubscription, stop: asyncio.Event) -> None:
        idle_since = time.monotonic()
        stopped = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                try:
                    msgs = await _fetch_unless_stopped(sub, self.batch, self.fetch_timeout, stopped)
                except (TimeoutError, nats.errors.TimeoutError):  # both occur; see KNOWN-TRAPS.md
                    if time.monotonic() - idle_since > IDLE_CHECK:  # a rebuilt copy took the durable with it
                        await js.consumer_info(self.stream, self.durable)
                        idle_since = time.monotonic()
                    continue
                if msgs is None:
                    return
                idle_since = time.monotonic()
                await self.handle(msgs)
        finally:
            stopped.cancel()

    async def handle(self, msgs: Sequence[Msg]) -> list[Outcome]:
        """Every projection applies its part of the batch, in order; each message is then settled by
        the outcome that asks most of it (see `_settles`). The projections concerned apply in one
        transaction when they all can (`_joined`); otherwise each in its own, as they would alone."""
        items = self.applier.decode([delivery(m) for m in msgs])
        started = time.time_ns()
        settled: list[Outcome | None] = [None] * len(items)
        applied: list[tuple[str, int, Outcome]] = []
        failed = False
        work = [
            (applier, gate, picked)
            for index, (applier, follows, gate) in enumerate(self._appliers)
            if (picked := [i for i, item in enumerate(items) if _follows(item.delivery.subject, follows, index == 0)])
        ]
        results = await self._joined(work, items) if len(work) > 1 else None
        for position, (applier, gate, picked) in enumerate(work):
            if results is not None:
                outcomes = results[position]
            else:
                try:
                    async with gate, self.pool.acquire() as conn:
                        outcomes = await applier.apply_decoded(conn, [items[i] for i in picked])
                except Exception as exc:  # its transaction did not commit: its messages come back,
                    # the other projections go on (they skip what they applied when those come back)
                    log.warning(
                        "consumer.batch_failed",
                        consumer=self.durable,
                        projection=applier.projection.name,
                        error=repr(exc),
                    )
                    outcomes = [Outcome.DEFERRED] * len(picked)
                    failed = True
            counted = self.outcomes_by[applier.projection.name]
            for i, outcome in zip(picked, outcomes, strict=True):
                settled[i] = _settling(settled[i], outcome)
                counted[outcome] += 1
                self.outcomes[outcome] += 1
                applied.append((applier.projection.name, i, outcome))
        final = [Outcome.DUPLICATE if o is None else o for o in settled]  # followed by none: nothing to do
        for msg, outcome in zip(msgs, final, strict=True):
            await self._settle(msg, outcome)
        for projection, i, outcome in applied:
            self._trace(msgs[i], projection, outcome, started)
        if failed:  # the database refused a whole transaction (e.g. it is away): no hot loop
            await asyncio.sleep(BACKOFF[0])
        return final

    async def _joined(
        self, work: list[tuple[Applier, asyncio.Lock, list[int]]], items: list[Any]
    ) -> list[list[Outcome]] | None:
        """The group's projections apply their parts in one transaction, one connection and one commit
        (a transaction each cost two round trips and a connection each: half the consumers' database
        work when an event concerns several projections). Gates and advisory locks are taken in the
        group's order, which every group of the service shares (`consumer_groups`), so two groups
        never wait for each other in a circle. None when any part fails: nothing of it is kept, and
        the caller applies projection by projection, each deferring or parking only its own."""
        try:
            async with contextlib.AsyncExitStack() as held:
                for _, gate, _ in work:
                    await held.enter_async_context(gate)
                conn = await held.enter_async_context(self.pool.acquire())
                async with conn.transaction():
                    results = [
                        await applier.apply_joined(conn, [items[i] for i in picked]) for applier, _, picked in work
                    ]
        except Exception as exc:  # each projection on its own tells what failed
            log.info("consumer.joined_failed", consumer=self.durable, error=repr(exc))
            return None
        for applier, _, picked in work:
            applier.applied_joined([items[i] for i in picked])
        return results

    def _trace(self, msg: Msg, projection: str, outcome: Outcome, started: int) -> None:
        """One span per delivery and projection, child of the relay's publish span; it covers the
        batch's transactions."""
        if self.tracer is None or not getattr(self.tracer, "recording", True):  # nobody receives it
            return
        span = self.tracer.start_span(
            f"apply {projection}",
            context=extract_context(msg.headers),
            kind=SpanKind.CONSUMER,
            start_time=started,
            attributes={
                "messaging.destination.name": published_subject(msg.subject),
                "jingzhang.projection": projection,
                "jingzhang.outcome": outcome.value,
            },
        )
        span.end()

    async def _settle(self, msg: Msg, outcome: Outcome) -> None:
        if outcome is Outcome.DEFERRED:
            await msg.nak(delay=_backoff(msg))
            return
        if outcome is Outcome.WAITING:  # its predecessor is on the way: a growing backoff would starve it
            await msg.nak(delay=GAP_RETRY)
            return
        await msg.ack()
        if outcome is Outcome.APPLIED:
            self.applied += 1


_SETTLES = {
    Outcome.DUPLICATE: 0,
    Outcome.PARKED: 1,
    Outcome.APPLIED: 2,
    Outcome.WAITING: 3,
    Outcome.DEFERRED: 4,
}
"""Which projection's outcome settles a message of a group: one that needs it again (deferred: with a
backoff; waiting: soon) wins, since the projections that applied it skip it when it comes back."""


def _settling(before: Outcome | None, outcome: Outcome) -> Outcome:
    return outcome if before is None or _SETTLES[outcome] > _SETTLES[before] else before


def _follows(subject: str, aggregate_types: frozenset[str], first: bool) -> bool:
    """Does a projection following `aggregate_types` take this message? One on a subject that names no
    aggregate (not an event: recorded as rejected) goes to the group's first projection only."""
    parts = subject.split(".")
    if len(parts) != 6:
        return first
    return parts[3] in aggregate_types


async def _give_back(sub: JetStreamContext.PullSubscription) -> None:
    """Nak what reached the subscription after its last fetch, so the partition's next owner gets it
    now rather than after `ack_wait`; then unsubscribe. nats-py keeps such messages in the
    subscription's pending queue, which it exposes only privately."""
    with contextlib.suppress(Exception):
        queue = sub._sub._pending_queue
        while not queue.empty():
            msg = queue.get_nowait()
            if not JetStreamContext.is_status_msg(msg):  # status messages (timeouts) carry no ack
                await msg.nak()
    with contextlib.suppress(Exception):
        await sub.unsubscribe()


def _backoff(msg: Msg) -> float:
    try:
        delivered = int(msg.metadata.num_delivered)
    except Exception:
        delivered = 1
    return BACKOFF[min(delivered, len(BACKOFF)) - 1] if delivered > 1 else GAP_RETRY
