"""The gated tracer: no spans are made while nothing receives them, and the trace still travels."""

import uuid

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from jingzhang.shared.tracing import GatedTracer, correlation_context, extract_context, inject_headers, provider_for

CORRELATION = uuid.UUID("5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f")


def test_without_an_exporter_spans_record_nothing_and_carry_the_parent() -> None:
    provider = provider_for("appeals", exporter="none")
    tracer = GatedTracer(provider)
    root = correlation_context(CORRELATION)

    with tracer.start_as_current_span("publish x", context=root, kind=SpanKind.PRODUCER) as span:
        headers = inject_headers({})

    assert not tracer.recording
    assert not span.is_recording()
    assert span.get_span_context().trace_id == CORRELATION.int
    assert headers["traceparent"].split("-")[1] == f"{CORRELATION.int:032x}"  # the consumers join the trace
    assert extract_context(headers) is not None
    assert not tracer.start_span("apply y", context=root).is_recording()


def test_once_a_processor_is_added_the_same_tracer_records() -> None:
    provider = provider_for("appeals", exporter="none")
    tracer = GatedTracer(provider)  # made before the processor, as a service's relay and consumers are
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    with tracer.start_as_current_span("publish x", context=correlation_context(CORRELATION)) as span:
        assert span.is_recording()
    tracer.start_span("apply y").end()

    assert tracer.recording
    assert [s.name for s in exporter.get_finished_spans()] == ["publish x", "apply y"]
    assert exporter.get_finished_spans()[0].context.trace_id == CORRELATION.int


def test_a_console_exporter_records_from_the_start() -> None:
    assert GatedTracer(provider_for("appeals", exporter="console")).recording
