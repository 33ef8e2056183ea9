"""The service-specific gauges read their projections at scrape time.

The projections' rows are written directly here: what is under test is the counting, not how
events fill the tables (the services' own tests cover that).
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NATS

from jingzhang.appeals.metrics import appeals_metrics
from jingzhang.appeals.projections import board
from jingzhang.patrols.metrics import patrols_metrics
from jingzhang.patrols.projections import duties
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.service import ServiceSpec, build_app

from ..apps import running
from ..conftest import ServiceEnv
from .helpers import scrape, value

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
async def appeals(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = await service_env.settings("appeals")
    spec = ServiceSpec("appeals", "appeals", settings, [board.PROJECTION], metrics=[appeals_metrics(FixedClock(NOW))])
    app = build_app(spec)
    async with running(app) as client:
        yield app, client


@pytest.fixture
async def patrols(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = await service_env.settings("patrols")
    spec = ServiceSpec("patrols", "patrols", settings, [duties.PROJECTION], metrics=[patrols_metrics(FixedClock(NOW))])
    app = build_app(spec)
    async with running(app) as client:
        yield app, client


async def an_appeal(
    app: FastAPI, appeal_id: str, *, due_at: datetime, warning_at: datetime, is_open: bool, unrouted: bool = False
) -> None:
    await app.state.runtime.pool.execute(
        f'INSERT INTO "{board.PROJECTION.schema}".appeals (appeal_id, enterprise_id, channel, category, limit_class,'
        " emergency, description, raised_by, raised_at, received_at, status, unrouted, is_open, informed_officer_ids,"
        " due_at, warning_at, warned, breached, escalations, reopen_count, version, updated_at, open311)"
        " VALUES ($1, 'e', 'phone', 'c', 'general', false, 'd', 'r', $2, $2, 's', $6, $3, '{}', $4, $5,"
        " false, false, 0, 0, 1, $2, '{}')",
        appeal_id,
        NOW - 24 * HOUR,
        is_open,
        due_at,
        warning_at,
        unrouted,
    )


async def a_duty(app: FastAPI, duty_id: str, *, status: str, due_at: datetime, tier: str = "police_chief") -> None:
    await app.state.runtime.pool.execute(
        f'INSERT INTO "{duties.PROJECTION.schema}".duty (duty_id, enterprise_id, kind, tier, period_key,'
        " period_start, period_end, due_at, status) VALUES ($1, 'e', 'visit', $2, '2026-03', $3, $3, $4, $5)",
        duty_id,
        tier,
        NOW.date(),
        due_at,
        status,
    )


class TestAppealsGauges:
    async def test_count_open_appeals_near_and_past_their_limit(
        self, appeals: tuple[FastAPI, httpx.AsyncClient]
    ) -> None:
        app, client = appeals
        await an_appeal(app, "near", due_at=NOW + HOUR, warning_at=NOW - HOUR, is_open=True)
        await an_appeal(app, "calm", due_at=NOW + 2 * HOUR, warning_at=NOW + HOUR, is_open=True)
        await an_appeal(app, "late", due_at=NOW - HOUR, warning_at=NOW - 2 * HOUR, is_open=True)
        await an_appeal(app, "closed", due_at=NOW - HOUR, warning_at=NOW - 2 * HOUR, is_open=False)
        await an_appeal(app, "held", due_at=NOW + 2 * HOUR, warning_at=NOW + HOUR, is_open=True, unrouted=True)

        samples = await scrape(client)

        assert value(samples, "jingzhang_appeals_near_time_limit") == 1
        assert value(samples, "jingzhang_appeals_past_time_limit") == 1
        assert value(samples, "jingzhang_appeals_unrouted") == 1  # held at the duty desk


class TestPatrolsGauges:
    async def test_count_overdue_duties_by_tier_and_open_ones_past_due(
        self, patrols: tuple[FastAPI, httpx.AsyncClient]
    ) -> None:
        app, client = patrols
        await a_duty(app, "d1", status="overdue", due_at=NOW - HOUR)
        await a_duty(app, "d2", status="overdue", due_at=NOW - HOUR, tier="station_chief")
        await a_duty(app, "d3", status="open", due_at=NOW - HOUR)
        await a_duty(app, "d4", status="open", due_at=NOW + HOUR)
        await a_duty(app, "d5", status="fulfilled", due_at=NOW - HOUR)

        samples = await scrape(client)

        assert value(samples, "jingzhang_patrols_duties_overdue", tier="police_chief") == 1
        assert value(samples, "jingzhang_patrols_duties_overdue") == 2
        assert value(samples, "jingzhang_patrols_duties_open_past_due") == 1
