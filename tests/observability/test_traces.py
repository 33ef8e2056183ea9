"""One correlation, one trace: a command over HTTP, its event through the relay, a consumer in another service."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NATS
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from jingzhang.appeals.bootstrap import create_app as create_appeals
from jingzhang.assignment.bootstrap import create_app as create_assignment

from ..apps import running
from ..assignment.unit.samples import REGISTER
from ..conftest import ServiceEnv
from ..kernel.helpers import eventually

CORRELATION = uuid.UUID("5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f")


def traced(app: FastAPI) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    app.state.runtime.tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def of_kind(exporter: InMemorySpanExporter, kind: SpanKind) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.kind is kind]


@pytest.fixture
async def assignment(
    service_env: ServiceEnv, nc: NATS
) -> AsyncIterator[tuple[httpx.AsyncClient, InMemorySpanExporter]]:
    app = create_assignment(await service_env.settings("assignment"))
    exporter = traced(app)
    async with running(app) as client:
        yield client, exporter


@pytest.fixture
async def appeals(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[InMemorySpanExporter]:
    app = create_appeals(await service_env.settings("appeals"))
    exporter = traced(app)
    async with running(app):
        yield exporter


class TestWhenACommandCarriesACorrelationId:
    async def test_http_relay_and_the_other_services_consumer_share_its_trace(
        self,
        assignment: tuple[httpx.AsyncClient, InMemorySpanExporter],
        appeals: InMemorySpanExporter,
    ) -> None:
        client, sent = assignment
        headers = {"X-Actor": "tester", "X-Correlation-Id": str(CORRELATION)}

        response = await client.post("/enterprises", json=REGISTER.model_dump(mode="json"), headers=headers)
        assert response.status_code == 201, response.text

        async def applied_in_appeals() -> bool:
            # appeals follows assignment's enterprises twice: its chiefs view and its access facts
            return {s.name for s in in_trace(of_kind(appeals, SpanKind.CONSUMER))} == APPEALS_APPLIES

        await eventually(applied_in_appeals, timeout=15)
        server = [s for s in of_kind(sent, SpanKind.SERVER) if (s.attributes or {}).get("http.route") == "/enterprises"]
        published = in_trace(of_kind(sent, SpanKind.PRODUCER))
        consumed = in_trace(of_kind(appeals, SpanKind.CONSUMER))
        assert len(in_trace(server)) == 1
        assert published
        assert {s.name for s in consumed} == APPEALS_APPLIES
        publish_ids = {s.context.span_id for s in published if s.context}
        assert all(s.parent is not None and s.parent.span_id in publish_ids for s in consumed)


APPEALS_APPLIES = {"apply chiefs", "apply access"}


def in_trace(spans: list[ReadableSpan]) -> list[ReadableSpan]:
    """The spans of the correlation's trace: its trace id is the correlation id (see `shared.tracing`)."""
    return [s for s in spans if s.context is not None and s.context.trace_id == CORRELATION.int]
