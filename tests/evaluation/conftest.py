"""Fixtures for evaluation's e2e tests: the other services as event stores relayed to JetStream, and the
evaluation app running in-process against the same servers."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NATS

from jingzhang.evaluation.bootstrap import create_app
from jingzhang.evaluation.domain.period import BUREAU_TZ
from jingzhang.evaluation.projections.facts import PROJECTION as FACTS
from jingzhang.evaluation.settings import EvaluationSettings
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.envelope import Metadata, NewEvent, StreamId
from jingzhang.shared.relay import Relay
from jingzhang.shared.store.postgres import PostgresEventStore, install_schema
from tests.apps import running
from tests.conftest import ServiceEnv
from tests.kernel.helpers import eventually

from .samples import Step

NOW = datetime(2026, 2, 2, 10, tzinfo=BUREAU_TZ)
META = Metadata(actor="sample", correlation_id=uuid.UUID(int=7))


@dataclass
class Upstream:
    """Another service as the evaluation service sees it: its own store, relayed to its own stream."""

    store: PostgresEventStore
    relay: Relay
    versions: dict[StreamId, int] = field(default_factory=dict)
    recorded: int = 0

    async def record(self, steps: list[Step]) -> None:
        for step in steps:
            stream = StreamId(step.aggregate_type, step.aggregate_id)
            version = self.versions.get(stream, 0)
            await self.store.append(stream, version, [NewEvent(step.payload, step.occurred_at)], META)
            self.versions[stream] = version + 1
            self.recorded += 1


@pytest.fixture
async def upstreams(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[dict[str, Upstream]]:
    stop = asyncio.Event()
    pools: list[asyncpg.Pool] = []
    tasks = []
    found: dict[str, Upstream] = {}
    for service in ("assignment", "appeals", "patrols"):
        settings = await service_env.settings(service)
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
        assert pool is not None
        pools.append(pool)
        async with pool.acquire() as conn, conn.transaction():
            await install_schema(conn)
        store = PostgresEventStore(pool, service)
        relay = Relay(store, nc, window=64, poll_interval=0.05)
        tasks.append(asyncio.create_task(relay.run(stop)))
        found[service] = Upstream(store, relay)
    yield found
    stop.set()
    await asyncio.gather(*tasks)
    for pool in pools:
        await pool.close()


@dataclass
class Evaluation:
    app: FastAPI
    client: httpx.AsyncClient
    clock: FixedClock

    @property
    def pool(self) -> asyncpg.Pool:
        pool: asyncpg.Pool = self.app.state.runtime.pool
        return pool

    async def applied(self) -> int:
        value = await self.pool.fetchval(f'SELECT count(*) FROM "{FACTS.schema}".fact_events')
        return int(value)

    async def settle(self, expected: int) -> None:
        """Wait until the facts projection has applied `expected` events in all."""

        async def all_applied() -> bool:
            return await self.applied() >= expected

        await eventually(all_applied, timeout=20)


async def start_evaluation(service_env: ServiceEnv, **policy: object) -> tuple[FastAPI, FixedClock]:
    base = await service_env.settings("evaluation", consumer_batch=64)
    settings = EvaluationSettings.of(base).model_copy(update=policy)
    clock = FixedClock(NOW)
    return create_app(settings, clock), clock


@pytest.fixture
async def evaluation(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[Evaluation]:
    app, clock = await start_evaluation(service_env, ranking_min_sample=2)
    async with running(app) as client:
        yield Evaluation(app, client, clock)


async def record_all(upstreams: dict[str, Upstream], steps: dict[str, list[Step]]) -> int:
    """Record each service's steps in its store; returns how many events that was."""
    for service, mine in steps.items():
        await upstreams[service].record(mine)
    return sum(len(mine) for mine in steps.values())
