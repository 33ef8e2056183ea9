"""Feature: many assignments at once (as the demo year loads 158 enterprises) all go through. Each holds
its officers' locks on a pooled connection while it reads and appends through others of the same pool:
holders can never take the whole pool and then wait on each other for a connection."""

import asyncio

import httpx
from nats.aio.client import Client as NATS

from jingzhang.assignment.bootstrap import create_app
from jingzhang.assignment.domain.events import UnitKind
from jingzhang.shared.clock import FixedClock
from tests.apps import running
from tests.conftest import ServiceEnv

from ..handlers.world import enrol
from ..unit.samples import REGISTER, T0
from .scenario import ok

FIRMS = 16


async def test_a_crowd_of_assignments_on_a_small_pool_all_complete(service_env: ServiceEnv, nc: NATS) -> None:
    settings = await service_env.settings("assignment", db_pool_max=10)
    async with running(create_app(settings, FixedClock(T0))) as client:
        for n in range(FIRMS):
            await ok(client.post("/officers", json=enrol(f"pc-{n}", UnitKind.STATION).model_dump(mode="json")), 201)
            registration = {**REGISTER.model_dump(mode="json"), "enterprise_id": f"ent-{n}"}
            await ok(client.post("/enterprises", json=registration), 201)

        async def take_post(n: int) -> httpx.Response:
            body = {"tier": "police_chief", "slot": "A", "officer_id": f"pc-{n}", "effective_from": T0.isoformat()}
            return await client.post(f"/enterprises/ent-{n}/chiefs", json=body)

        answers = await asyncio.wait_for(asyncio.gather(*(take_post(n) for n in range(FIRMS))), timeout=60)

    assert [a.status_code for a in answers] == [200] * FIRMS, [a.text for a in answers if a.status_code != 200]
