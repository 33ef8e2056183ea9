"""OpenTelemetry traces that follow one appeal's path across services, through HTTP and NATS.

The trace id is the correlation id. A correlation id is a UUID (128 bits), and so is a W3C trace id,
so `trace_id = correlation_id.int`: every event of one correlation (a command, the events it caused,
the reactions of other services, which copy the correlation id) lands in one trace, and nothing new
is stored in the event store. Each trace has a virtual root span whose id is the correlation id's low
64 bits; the HTTP server span and the relay's publish spans hang under it, and a consumer's apply
span is a child of the publish span whose `traceparent` travelled in the NATS message's headers.

A request that arrives with a W3C `traceparent` and no correlation id of its own joins the caller's
trace: its correlation id becomes the caller's trace id, and its server span a child of the caller's.

Each service gets its own `TracerProvider` (several apps can share one test process); the exporter
comes from `OTEL_TRACES_EXPORTER`: `none` (the default), `console`, or `otlp` (OTLP over HTTP to a
collector, configured by the standard `OTEL_EXPORTER_OTLP_*` variables, batched by the standard
`OTEL_BSP_*` ones). With no exporter (and no processor added since), spans are not made at all: a
`GatedTracer` hands out non-recording spans that carry their parent's context, so `traceparent` still
travels and nothing is paid for spans nobody receives (the consumers' apply spans alone took a tenth
of a service's CPU in the demo year).
"""

import contextlib
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.trace import Link, NonRecordingSpan, Span, SpanContext, SpanKind, TraceFlags, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes

TRACER_NAME = "jingzhang"
_LOW64 = (1 << 64) - 1
_PROPAGATOR = TraceContextTextMapPropagator()  # W3C only, whatever OTEL_PROPAGATORS says


class ServiceTracerProvider(TracerProvider):
    """A provider that knows whether anything receives its spans (a processor was added)."""

    exporting = False

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        super().add_span_processor(span_processor)
        self.exporting = True


class GatedTracer(Tracer):
    """The provider's tracer while it exports; until then spans that record nothing and carry their
    parent's context (what a sampler's drop would give, without making the span first)."""

    def __init__(self, provider: ServiceTracerProvider, name: str = TRACER_NAME) -> None:
        self._provider = provider
        self._tracer = provider.get_tracer(name)

    @property
    def recording(self) -> bool:
        return self._provider.exporting

    def start_span(
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> Span:
        if self._provider.exporting:
            return self._tracer.start_span(
                name, context, kind, attributes, links, start_time, record_exception, set_status_on_exception
            )
        return NonRecordingSpan(trace.get_current_span(context).get_span_context())

    @contextlib.contextmanager
    def start_as_current_span(  # type: ignore[override]  # the API's own decorator is private
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> Iterator[Span]:
        span = self.start_span(
            name, context, kind, attributes, links, start_time, record_exception, set_status_on_exception
        )
        with trace.use_span(span, end_on_exit=end_on_exit, record_exception=record_exception) as current:
            yield current


def provider_for(service: str, exporter: str | None = None) -> ServiceTracerProvider:
    """A provider per service, exporting as `OTEL_TRACES_EXPORTER` says (`none` unless set)."""
    provider = ServiceTracerProvider(resource=Resource.create({"service.name": f"jingzhang-{service}"}))
    choice = (exporter or os.environ.get("OTEL_TRACES_EXPORTER", "none")).strip().lower()
    if choice == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    elif choice == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # only when asked

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    elif choice != "none":
        raise ValueError(f"OTEL_TRACES_EXPORTER={choice!r}: choose none, console or otlp")
    return provider


def incoming_trace_id(headers: Mapping[str, str]) -> int | None:
    """The trace id of a valid W3C `traceparent` among `headers`, if there is one."""
    context = extract_context(headers)
    if context is None:
        return None
    span = trace.get_current_span(context).get_span_context()
    return span.trace_id if span.is_valid else None


def correlation_context(correlation_id: uuid.UUID) -> Context:
    """The context of the correlation's virtual root span: the parent of everything in its trace."""
    span_id = (correlation_id.int & _LOW64) or 1  # a span id must not be zero
    root = SpanContext(
        trace_id=correlation_id.int or 1,
        span_id=span_id,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    return trace.set_span_in_context(NonRecordingSpan(root))


def inject_headers(headers: dict[str, str], context: Context | None = None) -> dict[str, str]:
    """Add `traceparent` (and `tracestate`) for `context`, or for the current span."""
    _PROPAGATOR.inject(headers, context=context)
    return headers


def extract_context(headers: Mapping[str, str] | None) -> Context | None:
    """The remote parent carried by message headers, if any."""
    if not headers or "traceparent" not in headers:
        return None
    return _PROPAGATOR.extract(dict(headers))
