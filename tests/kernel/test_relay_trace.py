"""The relay carries each event's trace to the consumers (`traceparent`, rooted at its correlation) and
makes a publish span only while something receives spans: per event, a span nobody receives cost
about a fifth of the relay's CPU (py-spy, `POST /leaflets` under wrk)."""

import uuid
from datetime import UTC, datetime
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from jingzhang.shared.envelope import Envelope, StreamId
from jingzhang.shared.relay import Relay
from jingzhang.shared.tracing import correlation_context, inject_headers

NOW = datetime(2026, 12, 6, tzinfo=UTC)


class Unused:
    """What a relay that only traces needs of NATS and the store: nothing it calls."""

    service = "relaytest"

    def jetstream(self, **_: Any) -> "Unused":
        return self

    def new_inbox(self) -> str:
        return "_INBOX.unused"


class Silent:
    """A tracer whose spans nobody receives (as `GatedTracer` before an exporter is set): asked for one, it fails."""

    recording = False

    def start_as_current_span(self, *_: Any, **__: Any) -> Any:
        raise AssertionError("a span was made while nothing receives spans")


def envelope(correlation: uuid.UUID) -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        service="relaytest",
        stream=StreamId("thing", "t-1"),
        version=1,
        event_type="ThingHappened",
        schema_version=1,
        data={},
        occurred_at=NOW,
        recorded_at=NOW,
        correlation_id=correlation,
        causation_id=None,
        actor="tester",
    )


def relay(tracer: Any) -> Relay:
    return Relay(Unused(), Unused(), tracer=tracer, partitions=1)  # type: ignore[arg-type]


def test_without_a_receiver_the_trace_travels_with_no_span_made() -> None:
    for correlation in (uuid.uuid4(), uuid.UUID(int=0), uuid.UUID(int=2**64)):
        headers: dict[str, str] = {}
        relay(Silent())._trace(envelope(correlation), headers)
        assert headers == inject_headers({}, correlation_context(correlation))  # the correlation's root


def test_with_a_receiver_each_publish_is_a_span_in_the_correlation_s_trace() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    correlation = uuid.uuid4()
    headers: dict[str, str] = {}
    relay(provider.get_tracer("test"))._trace(envelope(correlation), headers)
    (span,) = exporter.get_finished_spans()
    assert span.name == "publish ThingHappened"
    assert span.context is not None
    assert span.context.trace_id == correlation.int
    assert headers["traceparent"] == f"00-{correlation.int:032x}-{span.context.span_id:016x}-01"
