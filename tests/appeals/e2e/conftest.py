"""The appeals service in-process on real NATS and PostgreSQL, fed assignment events through a relay."""

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NATS

from jingzhang.appeals.bootstrap import create_app
from jingzhang.appeals.projections.chiefs import PostgresChiefs
from jingzhang.appeals.projections.officers import PostgresOfficers
from jingzhang.appeals.settings import AppealsSettings
from jingzhang.shared.clock import FixedClock, sequential_ids

from ...apps import running
from ...conftest import ServiceEnv
from ...kernel.helpers import eventually
from ..unit.samples import ENTERPRISE, T0
from .feeds import Feed, feed

POLL = 0.05
IDS = 0xA99
"""The prefix of the ids the app gives what the caller did not name (`sequential_ids`)."""


@dataclass
class Appeals:
    """The running service as a test talks to it."""

    app: FastAPI
    client: httpx.AsyncClient
    clock: FixedClock

    async def post(self, path: str, body: dict[str, Any], status: int | None = None) -> dict[str, Any]:
        response = await self.client.post(path, json=body)
        assert response.status_code == (status or response.status_code), response.text
        assert response.status_code < 300, response.text
        result: dict[str, Any] = response.json()
        return result

    async def get(self, path: str) -> Any:
        response = await self.client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    async def appeal_when(self, appeal_id: str, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The appeal's view once the projections show `check` holding (reads are eventually consistent)."""
        seen: dict[str, Any] = {}

        async def holds() -> bool:
            nonlocal seen
            response = await self.client.get(f"/appeals/{appeal_id}")
            seen = response.json() if response.status_code == 200 else {}
            # Two projections answer (the board and the history): wait until both have caught up alike.
            return bool(seen) and seen["version"] == len(seen["history"]) and check(seen)

        await eventually(holds, timeout=15)
        return seen

    async def chiefs_known(self, police_acting: str) -> None:
        """The enterprise's chiefs, and the officers they are, as this service's projections know them."""

        async def known() -> bool:
            pool = self.app.state.runtime.pool
            snapshot = await PostgresChiefs(lambda: pool).snapshot(ENTERPRISE, self.clock.now())
            officers = PostgresOfficers(lambda: pool)
            enrolled = [await officers.officer(o) for o in (snapshot.officer_ids() if snapshot else ())]
            return (
                len(enrolled) == 6
                and None not in enrolled
                and snapshot is not None
                and len(snapshot.tiers) == 3
                and (
                    snapshot.tiers.get("police_chief") is not None
                    and snapshot.tiers["police_chief"].acting_officer_id == police_acting
                )
            )

        await eventually(known, timeout=15)


async def appeals_config(service_env: ServiceEnv) -> AppealsSettings:
    base = await service_env.settings("appeals")
    return AppealsSettings.of(base).model_copy(update={"deadline_poll_interval": POLL})


@contextlib.asynccontextmanager
async def started(config: AppealsSettings, clock: FixedClock) -> AsyncIterator[Appeals]:
    app = create_app(config, clock, sequential_ids(IDS))
    async with running(app) as client:
        yield Appeals(app, client, clock)


@pytest.fixture
async def assignment(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[Feed]:
    async with feed(service_env, nc, "assignment") as f:
        yield f


@pytest.fixture
async def config(service_env: ServiceEnv, nc: NATS) -> AppealsSettings:
    return await appeals_config(service_env)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
async def appeals(assignment: Feed, config: AppealsSettings, clock: FixedClock) -> AsyncIterator[Appeals]:
    """Started with every A at work; a test that wants A away writes that itself."""
    async with started(config, clock) as service:
        yield service
