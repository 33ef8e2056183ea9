"""`/metrics` of a running service: names present, values moving with the work it does."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from nats.aio.client import Client as NATS

from jingzhang.assignment.bootstrap import create_app

from ..apps import running
from ..assignment.handlers.world import enrol
from ..conftest import ServiceEnv
from ..kernel.helpers import eventually
from .helpers import scrape, value

SHARED_METRICS = (
    "jingzhang_consumer_lag",
    "jingzhang_consumer_pending",
    "jingzhang_consumer_ack_pending",
    "jingzhang_projection_events_total",
    "jingzhang_relay_published_total",
    "jingzhang_relay_backlog",
    "jingzhang_relay_leading",
    "jingzhang_parked_events",
)


@pytest.fixture
async def client(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(await service_env.settings("assignment"))) as client:
        yield client


async def enrol_one(client: httpx.AsyncClient) -> None:
    body = enrol(f"officer-{uuid.uuid4().hex[:8]}").model_dump(mode="json")
    response = await client.post("/officers", json=body, headers={"X-Actor": "tester"})
    assert response.status_code == 201, response.text


class TestWhenStarted:
    async def test_every_shared_metric_is_exposed(self, client: httpx.AsyncClient) -> None:
        async def all_there() -> bool:
            samples = await scrape(client)
            return all(name in samples for name in SHARED_METRICS)

        await eventually(all_there, timeout=15)

    async def test_readiness_names_the_relay_state_and_stays_ready(self, client: httpx.AsyncClient) -> None:
        async def publishing() -> bool:
            answer = await client.get("/health/ready")
            return answer.status_code == 200 and answer.json()["checks"]["relay"] == "running"

        await eventually(publishing, timeout=15)
        assert (await client.get("/health/live")).json() == {"status": "ok"}


class TestWhenACommandIsHandled:
    async def test_the_relay_publishes_and_the_projections_apply(self, client: httpx.AsyncClient) -> None:
        before = await scrape(client)
        await enrol_one(client)

        async def moved() -> bool:
            now = await scrape(client)
            return (
                value(now, "jingzhang_relay_published_total") > value(before, "jingzhang_relay_published_total")
                and value(now, "jingzhang_projection_events_total", projection="absence_boundaries", outcome="applied")
                > value(before, "jingzhang_projection_events_total", projection="absence_boundaries", outcome="applied")
                and value(now, "jingzhang_consumer_lag", projection="absence_boundaries") == 0
                and value(now, "jingzhang_relay_backlog") == 0
            )

        await eventually(moved, timeout=15)

    async def test_its_latency_is_observed_by_route_template_and_status(self, client: httpx.AsyncClient) -> None:
        await enrol_one(client)
        assert (await client.get("/officers/nobody-here")).status_code == 404

        samples = await scrape(client)

        assert value(samples, "jingzhang_http_request_duration_seconds_count", route="/officers", status="201") == 1
        templated = [labels["route"] for labels, _ in samples["jingzhang_http_request_duration_seconds_count"]]
        assert "/officers/nobody-here" not in templated

    async def test_the_response_carries_the_correlation_id(self, client: httpx.AsyncClient) -> None:
        given = str(uuid.uuid4())
        answer = await client.get("/health/live", headers={"X-Correlation-Id": given})
        assert answer.headers["x-correlation-id"] == given


class TestWhenAnEventCannotBeRead:
    async def test_it_shows_in_the_parked_gauge(self, client: httpx.AsyncClient, nc: NATS) -> None:
        await enrol_one(client)  # the relay has published before we write into its stream behind its back

        async def published() -> bool:
            return value(await scrape(client), "jingzhang_relay_backlog") == 0

        await eventually(published, timeout=15)
        await nc.jetstream().publish("jz.assignment.evt.officer.broken.OfficerEnrolled", b"not an event")

        async def parked() -> bool:
            samples = await scrape(client)
            return value(samples, "jingzhang_parked_events", projection="absence_boundaries") == 1 and (
                value(samples, "jingzhang_projection_events_total", projection="absence_boundaries", outcome="parked")
                == 1
            )

        await eventually(parked, timeout=15)
