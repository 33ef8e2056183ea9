"""Prometheus metrics of one service, at `GET /metrics`.

Each app has its own `CollectorRegistry` (several apps share a test process). Counters that the
runtime already keeps (relay published, consumer outcomes) are read at scrape time; what needs I/O
(consumer lag from JetStream, relay backlog and parked events from PostgreSQL, a service's own
gauges) is refreshed by the scrape itself, each with a short timeout, so a slow dependency leaves a
gap in the scrape rather than hanging it.
"""

import asyncio
import collections
import contextlib
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import structlog
from fastapi import APIRouter, Response
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jingzhang.shared.applier import Outcome
from jingzhang.shared.consumer import ProjectionConsumer
from jingzhang.shared.runtime import Runtime, failing_checks
from jingzhang.shared.tracing import correlation_context, extract_context, incoming_trace_id

log = structlog.get_logger(__name__)

SCRAPE_TIMEOUT = 1.0
CORRELATION_HEADER = "x-correlation-id"
T = TypeVar("T")

Refresh = Callable[[], Awaitable[None]]
MetricsHook = Callable[[CollectorRegistry, Runtime], Refresh]
"""A service's own gauges: registers them on the registry, returns what refreshes them at scrape time."""


@dataclass(frozen=True)
class _Lag:
    """What JetStream said of one durable consumer, and when (monotonic seconds)."""

    waiting: int
    unacked: int
    at: float


@dataclass
class _Snapshot:
    owned: list[str] = field(default_factory=list)
    """The durables this replica answers for (its partitions), whether JetStream answered or not."""
    known: set[str] = field(default_factory=set)
    """The durables whose lag JetStream told in this scrape."""
    parked: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per projection: events parked, messages rejected."""
    backlog: int | None = None
    ready: dict[str, bool | str] | None = None
    """The readiness checks, None when they did not answer in time (counted as not ready)."""


class RuntimeCollector(Collector):
    """Readiness, consumer lag and outcomes, relay backlog and published count, parked events per projection."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.snapshot = _Snapshot()
        self.lags: dict[str, _Lag] = {}
        """The last lag JetStream told per durable: shown, marked unknown, while it cannot be asked."""

    def _owned(self) -> list[ProjectionConsumer]:
        runner = self.runtime.partitions
        return [c for c in self.runtime.consumers if c.running] if runner is None else runner.owned

    async def refresh(self) -> None:
        snapshot = _Snapshot()
        owned = self._owned()  # the partitions it owns, bound or not (NATS away unbinds them)
        snapshot.owned = [c.durable for c in owned]
        await asyncio.gather(
            *(self._lag(c, snapshot) for c in owned),
            *(self._parked(p.name, p.schema, snapshot) for p in self.runtime.projections),
            self._backlog(snapshot),
            self._ready(snapshot),
        )
        self.snapshot = snapshot

    async def _ready(self, snapshot: _Snapshot) -> None:
        snapshot.ready = await scrape_timed(self.runtime.ready())

    async def _lag(self, consumer: ProjectionConsumer, snapshot: _Snapshot) -> None:
        js = self.runtime.nc.jetstream()
        durable = consumer.durable
        info = await scrape_timed(js.consumer_info(consumer.stream, durable))
        if info is not None:
            self.lags[durable] = _Lag(int(info.num_pending or 0), int(info.num_ack_pending or 0), time.monotonic())
            snapshot.known.add(durable)

    async def _parked(self, name: str, schema: str, snapshot: _Snapshot) -> None:
        counts = await scrape_timed(
            self.runtime.pool.fetchrow(
                f'SELECT (SELECT count(*) FROM "{schema}"._parked) AS parked,'
                f' (SELECT count(*) FROM "{schema}"._rejected) AS rejected'
            )
        )
        if counts is not None:
            snapshot.parked[name] = (int(counts["parked"]), int(counts["rejected"]))

    async def _backlog(self, snapshot: _Snapshot) -> None:
        if self.runtime.relay is not None:
            snapshot.backlog = await scrape_timed(self.runtime.relay.backlog())

    def collect(self) -> Iterable[Metric]:
        yield from self._readiness()
        yield from self._consumers()
        yield from self._relay()
        # one metric with a `kind`, as `jingzhang parked list` shows them: their sum is what waits for an operator
        parked = GaugeMetricFamily(
            "jingzhang_parked_events",
            "Per projection: events parked with their stream (kind=parked), messages that are no event (kind=rejected)",
            labels=["projection", "kind"],
        )
        for name, (events, messages) in self.snapshot.parked.items():
            parked.add_metric([name, "parked"], events)
            parked.add_metric([name, "rejected"], messages)
        yield parked

    def _readiness(self) -> Iterator[Metric]:
        """What `/health/ready` answers, for alerting: a scrape reaches a replica its probe took out of service."""
        checks = self.snapshot.ready
        ready = GaugeMetricFamily("jingzhang_ready", "1 when /health/ready would answer 200, else 0")
        ready.add_metric([], int(checks is not None and not failing_checks(checks)))
        check = GaugeMetricFamily("jingzhang_ready_check", "Yes/no readiness checks: 1 passing", labels=["check"])
        for name, value in (checks or {}).items():
            if isinstance(value, bool):
                check.add_metric([name], int(value))
        yield from (ready, check)

    def _consumers(self) -> Iterator[Metric]:
        """Lag as JetStream last told it; while JetStream cannot be asked (NATS away) the last value stays,
        `jingzhang_consumer_lag_known` is 0 and `..._lag_age_seconds` grows: never a 0 nobody measured
        (NaN before any answer)."""
        labels = ["projection", "source", "durable"]
        lag = GaugeMetricFamily("jingzhang_consumer_lag", "Not yet applied: pending + ack pending", labels=labels)
        pending = GaugeMetricFamily("jingzhang_consumer_pending", "Messages not yet delivered", labels=labels)
        acking = GaugeMetricFamily("jingzhang_consumer_ack_pending", "Delivered, not yet acknowledged", labels=labels)
        told_now = "1 when JetStream told the lag in this scrape, 0: the last value shown"
        known = GaugeMetricFamily("jingzhang_consumer_lag_known", told_now, labels=labels)
        since = "Seconds since JetStream told the lag"
        age = GaugeMetricFamily("jingzhang_consumer_lag_age_seconds", since, labels=labels)
        now, owned = time.monotonic(), set(self.snapshot.owned)
        for consumer in self.runtime.consumers:  # a group's durable: its lag is each member projection's
            if consumer.durable not in owned:
                continue
            last = self.lags.get(consumer.durable)
            told = (float(last.waiting), float(last.unacked), now - last.at) if last else (math.nan,) * 3
            for projection in consumer.projections:
                key = [projection.name, consumer.source_service, consumer.durable]
                lag.add_metric(key, told[0] + told[1])
                pending.add_metric(key, told[0])
                acking.add_metric(key, told[1])
                known.add_metric(key, int(consumer.durable in self.snapshot.known))
                age.add_metric(key, told[2])
        yield from (lag, pending, acking, known, age, self._outcomes())

    def _outcomes(self) -> Metric:
        """Summed over a projection's partition consumers: partitions are internal and move between
        replicas; a series per partition would multiply the series by 8 and come and go with ownership.
        Each consumer lives as long as the runtime, so the sums only grow. Lag keeps `durable`."""
        totals: collections.Counter[tuple[str, str, Outcome]] = collections.Counter()
        for consumer in self.runtime.consumers:
            for name, outcomes in consumer.outcomes_by.items():
                for outcome in Outcome:
                    totals[name, consumer.source_service, outcome] += outcomes[outcome]
        events = CounterMetricFamily(
            "jingzhang_projection_events",
            "Deliveries by outcome, per projection and source service",
            labels=["projection", "source", "outcome"],
        )
        for (projection, source, outcome), count in totals.items():
            events.add_metric([projection, source, outcome.value], count)
        return events

    def _relay(self) -> Iterator[Metric]:
        relay = self.runtime.relay
        published = CounterMetricFamily("jingzhang_relay_published", "Events confirmed by JetStream")
        leading = GaugeMetricFamily("jingzhang_relay_leading", "1 while this replica publishes, 0 on standby")
        backlog = GaugeMetricFamily("jingzhang_relay_backlog", "Events committed but not yet published")
        if relay is not None:
            published.add_metric([], relay.published)
            leading.add_metric([], int(relay.leading))
            if self.snapshot.backlog is not None:
                backlog.add_metric([], self.snapshot.backlog)
        yield from (published, leading, backlog)


async def scrape_timed(work: Awaitable[T]) -> T | None:
    """`work`'s result, or None when it fails or is too slow: a scrape never hangs on a dependency."""
    try:
        return await asyncio.wait_for(work, SCRAPE_TIMEOUT)
    except Exception as exc:
        log.debug("metrics.refresh_failed", error=repr(exc))
        return None


class ServiceMetrics:
    """The registry of one app and everything that refreshes it."""

    def __init__(self, runtime: Runtime, hooks: Sequence[MetricsHook] = ()) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)  # process_cpu_seconds_total, process_resident_memory_bytes, ...
        self.runtime_collector = RuntimeCollector(runtime)
        self.registry.register(self.runtime_collector)
        self.http = Histogram(
            "jingzhang_http_request_duration_seconds",
            "HTTP request latency by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.refreshers: list[Refresh] = [self.runtime_collector.refresh]
        self.refreshers += [hook(self.registry, runtime) for hook in hooks]

    async def render(self) -> bytes:
        results = await asyncio.gather(*(r() for r in self.refreshers), return_exceptions=True)
        for failure in (r for r in results if isinstance(r, BaseException)):
            log.warning("metrics.hook_failed", error=repr(failure))
        return generate_latest(self.registry)


def metrics_router(metrics: ServiceMetrics) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/metrics", include_in_schema=False)
    async def scrape() -> Response:
        return Response(await metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return router


class ObservedRequests:
    """ASGI middleware: a latency observation by route template, and a server span in the correlation's trace.

    A request without `X-Correlation-Id` gets one here (the handlers read the same header), so its
    trace id is known before the handler runs; the response echoes it.
    """

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, tracer: Tracer) -> None:
        self.app = app
        self.metrics = metrics
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation = _ensure_correlation(scope)
        status = 500
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", []).append((CORRELATION_HEADER.encode(), correlation.encode()))
            await send(message)

        if not getattr(self.tracer, "recording", True):
            # nothing receives spans (`GatedTracer`): no server span, nor its parent's context, per request;
            # nothing inside a request reads the current span (the relay roots events at the correlation)
            try:
                await self.app(scope, receive, sending)
            finally:
                self._observe(scope, status, started)
            return
        with self.tracer.start_as_current_span(
            f"{scope['method']} {scope['path']}", context=_parent(scope, correlation), kind=SpanKind.SERVER
        ) as span:
            try:
                await self.app(scope, receive, sending)
            finally:
                route = _route(scope)
                span.update_name(f"{scope['method']} {route}")
                span.set_attributes({"http.route": route, "http.response.status_code": status})
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                self._observe(scope, status, started)

    def _observe(self, scope: Scope, status: int, started: float) -> None:
        self.metrics.http.labels(scope["method"], _route(scope), str(status)).observe(time.perf_counter() - started)


def _ensure_correlation(scope: Scope) -> str:
    headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
    for name, value in headers:
        if name.lower() == CORRELATION_HEADER.encode():
            return value.decode("latin-1")
    caller = incoming_trace_id({k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers})
    generated = str(uuid.UUID(int=caller) if caller else uuid.uuid4())  # a caller's trace is the correlation
    scope["headers"] = [*headers, (CORRELATION_HEADER.encode(), generated.encode())]
    return generated


def _parent(scope: Scope, correlation: str) -> Context | None:
    """The caller's span when its `traceparent` is in the correlation's trace; else the correlation's
    virtual root if the id is a UUID; otherwise whatever `traceparent` came in."""
    raw = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    with contextlib.suppress(ValueError):
        trace_id = uuid.UUID(correlation).int
        if incoming_trace_id(raw) == trace_id:
            return extract_context(raw)
        return correlation_context(uuid.UUID(correlation))
    return extract_context(raw)


def _route(scope: Scope) -> str:
    """The route's template (`/appeals/{appeal_id}`), never the raw path: label values stay few."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"
