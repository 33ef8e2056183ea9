"""The server span of a request is made only while something receives spans; the latency histogram and
the correlation id do not depend on it."""

import uuid
from collections.abc import Sequence

import httpx
from opentelemetry.context import Context
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, Span, SpanKind
from opentelemetry.util.types import Attributes
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from jingzhang.shared.metrics import ObservedRequests, ServiceMetrics
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.settings import ServiceSettings
from jingzhang.shared.tracing import GatedTracer, ServiceTracerProvider


class CountingTracer(GatedTracer):
    """The gated tracer, counting the spans asked of it (recording or not)."""

    asked = 0

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
        self.asked += 1
        return super().start_span(
            name, context, kind, attributes, links, start_time, record_exception, set_status_on_exception
        )


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"correlation": request.headers["x-correlation-id"]})


def observed() -> tuple[Starlette, ServiceMetrics, ServiceTracerProvider, CountingTracer]:
    provider = ServiceTracerProvider()
    tracer = CountingTracer(provider)
    metrics = ServiceMetrics(Runtime("observed", ServiceSettings(), []))
    app = Starlette(routes=[Route("/hello/{name}", hello)])
    app.add_middleware(ObservedRequests, metrics=metrics, tracer=tracer)
    return app, metrics, provider, tracer


def count(metrics: ServiceMetrics) -> float | None:
    labels = {"method": "GET", "route": "/hello/{name}", "status": "200"}
    return metrics.registry.get_sample_value("jingzhang_http_request_duration_seconds_count", labels)


async def test_no_span_is_made_while_nothing_receives_them() -> None:
    app, metrics, _, tracer = observed()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = await client.get("/hello/a")
    assert answer.status_code == 200
    correlation = answer.headers["x-correlation-id"]
    assert uuid.UUID(correlation)
    assert answer.json() == {"correlation": correlation}
    assert count(metrics) == 1
    assert tracer.asked == 0


async def test_once_spans_are_exported_each_request_has_its_server_span_in_the_correlations_trace() -> None:
    app, metrics, provider, tracer = observed()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    correlation = uuid.uuid4()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = await client.get("/hello/b", headers={"X-Correlation-Id": str(correlation)})
    assert answer.headers["x-correlation-id"] == str(correlation)
    [span] = exporter.get_finished_spans()
    assert (span.name, span.kind) == ("GET /hello/{name}", SpanKind.SERVER)
    assert span.context is not None
    assert span.context.trace_id == correlation.int
    assert count(metrics) == 1
    assert tracer.asked == 1
