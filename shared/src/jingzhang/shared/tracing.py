"""OpenTelemetry traces that follow one appeal's path across services, through HTTP and NATS.

The trace id is the correlation id. A correlation id is a UUID (128 bits), and so is a W3C trace id,
so `trace_id = correlation_id.int`: every event of one correlation (a command, the events it caused,
the reactions of other services, which copy the correlation id) lands in one trace, and nothing new
is stored in the event store. Each trace has a virtual root span whose id is the correlation id's low
64 bits; the HTTP server span and the relay's publish spans hang under it, and a consumer's apply
span is a child of the publish span whose `traceparent` travelled in the NATS message's headers.

Each service gets its own `TracerProvider` (several apps can share one test process); the exporter
comes from `OTEL_TRACES_EXPORTER`: `none` (the default) or `console`.
"""

import os
import uuid
from collections.abc import Mapping

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACER_NAME = "jingzhang"
_LOW64 = (1 << 64) - 1
_PROPAGATOR = TraceContextTextMapPropagator()  # W3C only, whatever OTEL_PROPAGATORS says


def provider_for(service: str, exporter: str | None = None) -> TracerProvider:
    """A provider per service; spans are exported only if `OTEL_TRACES_EXPORTER=console`."""
    provider = TracerProvider(resource=Resource.create({"service.name": f"jingzhang-{service}"}))
    choice = (exporter or os.environ.get("OTEL_TRACES_EXPORTER", "none")).strip().lower()
    if choice == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    return provider


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
