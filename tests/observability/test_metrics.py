"""`/metrics` of a running service: names present, each series once, values moving with the work it does."""

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from nats.aio.client import Client as NATS

from jingzhang.assignment.bootstrap import create_app
from jingzhang.shared.envelope import Envelope, StreamId, encode

from ..apps import running
from ..assignment.handlers.world import enrol
from ..conftest import ServiceEnv
from ..kernel.helpers import eventually
from .helpers import scrape, series, value

SHARED_METRICS = (
    "jingzhang_consumer_lag",
    "jingzhang_consumer_pending",
    "jingzhang_consumer_ack_pending",
    "jingzhang_projection_events_total",
    "jingzhang_relay_published_total",
    "jingzhang_relay_backlog",
    "jingzhang_relay_leading",
    "jingzhang_parked_events",
    "jingzhang_ready",
    "jingzhang_ready_check",
)
PROCESS_METRICS = (
    "process_cpu_seconds_total",
    "process_resident_memory_bytes",
    "process_open_fds",
    "process_start_time_seconds",
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

    async def test_the_process_metrics_are_exposed(self, client: httpx.AsyncClient) -> None:
        samples = await scrape(client)

        assert [name for name in PROCESS_METRICS if name not in samples] == []
        assert value(samples, "process_resident_memory_bytes") > 0

    async def test_no_series_is_exposed_twice(self, client: httpx.AsyncClient) -> None:
        await enrol_one(client)  # every kind of series: outcomes, lag of owned partitions, HTTP latency

        async def consuming() -> bool:
            return "jingzhang_consumer_lag" in await scrape(client)

        await eventually(consuming, timeout=15)

        found = await series(client)
        twice = [key for key, n in Counter(found).items() if n > 1]
        assert twice == [], f"{len(twice)} series exposed more than once, e.g. {twice[:3]}"
        assert "jingzhang_projection_events_total" in {name for name, _ in found}  # one per projection and source

    async def test_readiness_names_the_relay_state_and_stays_ready(self, client: httpx.AsyncClient) -> None:
        async def publishing() -> bool:
            answer = await client.get("/health/ready")
            return answer.status_code == 200 and answer.json()["checks"]["relay"] == "running"

        await eventually(publishing, timeout=15)
        assert (await client.get("/health/live")).json() == {"status": "ok"}


class TestWhenNatsIsAway:
    async def test_the_ready_gauge_says_what_readiness_says_and_recovers(
        self, client: httpx.AsyncClient, service_env: ServiceEnv
    ) -> None:
        async def ready_is(expected: int) -> None:
            async def agrees() -> bool:
                samples = await scrape(client)
                answer = await client.get("/health/ready")
                return (
                    value(samples, "jingzhang_ready") == expected
                    and value(samples, "jingzhang_ready_check", check="nats") == expected
                    and value(samples, "jingzhang_ready_check", check="postgres") == 1
                    and (answer.status_code == 200) == bool(expected)
                )

            await eventually(agrees, timeout=15)

        await ready_is(1)
        service_env.nats.stop()
        try:
            await ready_is(0)
        finally:
            service_env.nats.start()
        await ready_is(1)


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


def broken_enrolment(officer_id: str) -> bytes:
    """A real assignment event, as the relay would publish it, whose payload no projection can read."""
    now = datetime.now(UTC)
    return encode(
        Envelope(
            event_id=uuid.uuid4(),
            service="assignment",
            stream=StreamId("officer", officer_id),
            version=1,
            event_type="OfficerEnrolled",
            schema_version=1,
            data={"officer_id": officer_id, "nonsense": True},
            occurred_at=now,
            recorded_at=now,
            correlation_id=uuid.uuid4(),
            causation_id=None,
            actor="tester",
        )
    )


class TestWhenAnEventCannotBeRead:
    async def test_parked_events_and_rejected_messages_show_apart_in_the_parked_gauge(
        self, client: httpx.AsyncClient, nc: NATS
    ) -> None:
        await enrol_one(client)  # the relay has published before we write into its stream behind its back

        async def published() -> bool:
            return value(await scrape(client), "jingzhang_relay_backlog") == 0

        await eventually(published, timeout=15)
        js = nc.jetstream()
        await js.publish("jz.assignment.evt.officer.broken.OfficerEnrolled", b"not an event")
        await js.publish("jz.assignment.evt.officer.invalid.OfficerEnrolled", broken_enrolment("invalid"))

        async def set_aside() -> bool:
            samples = await scrape(client)
            return (
                value(samples, "jingzhang_parked_events", projection="absence_boundaries", kind="rejected") == 1
                and value(samples, "jingzhang_parked_events", projection="absence_boundaries", kind="parked") == 1
                and value(samples, "jingzhang_parked_events", projection="absence_boundaries") == 2
                and value(
                    samples, "jingzhang_projection_events_total", projection="absence_boundaries", outcome="parked"
                )
                == 2  # a rejected message's delivery ends as parked too: set aside, acked
            )

        await eventually(set_aside, timeout=15)
