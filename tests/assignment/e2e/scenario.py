"""Steps the end-to-end tests share: enrol the sample officers, register and staff the sample enterprise."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel

from jingzhang.assignment.domain.events import ChiefTier, Slot, UnitKind

from ..handlers.world import enrol
from ..unit.samples import BL, ENTERPRISE_ID, OFFICERS, REGISTER, SPARE_STATION_OFFICER, T0

PATIENCE = 20.0  # seconds a read model may take to catch up before the test fails


async def ok(response: Awaitable[httpx.Response], status: int = 200) -> dict[str, Any]:
    answered = await response
    assert answered.status_code == status, answered.text
    body: dict[str, Any] = answered.json()
    return body


SAMPLE_DAY = T0.date().isoformat()
"""The day the sample world says its officers were enrolled and its enterprise registered: on or before
the chiefs' terms (from T0), whatever day the service's own clock reads (a fixed T0, a fuzzer's 2025,
the wall clock of a local stack)."""


async def enrol_officers(client: httpx.AsyncClient) -> None:
    for (tier, _), officer_id in OFFICERS.items():
        kind = UnitKind.BUREAU_LEADERSHIP if tier is BL else UnitKind.STATION
        await ok(client.post("/officers", json=_dated(enrol(officer_id, kind), "enrolled_on")), 201)
    await ok(client.post("/officers", json=_dated(enrol(SPARE_STATION_OFFICER), "enrolled_on")), 201)


async def register(client: httpx.AsyncClient) -> dict[str, Any]:
    return await ok(client.post("/enterprises", json=_dated(REGISTER, "registered_on")), 201)


def _dated(command: BaseModel, field: str) -> dict[str, Any]:
    return {**command.model_dump(mode="json"), field: SAMPLE_DAY}


async def assign(
    client: httpx.AsyncClient, tier: ChiefTier, slot: Slot, officer_id: str, at: datetime = T0
) -> httpx.Response:
    body = {"tier": tier, "slot": slot, "officer_id": officer_id, "effective_from": at.isoformat()}
    return await client.post(f"/enterprises/{ENTERPRISE_ID}/chiefs", json=body)


async def staffed(client: httpx.AsyncClient, *slots: Slot) -> None:
    await enrol_officers(client)
    await register(client)
    for (tier, slot), officer_id in OFFICERS.items():
        if slot in (slots or (Slot.A, Slot.B)):
            await ok(assign(client, tier, slot, officer_id))


async def until(fetch: Callable[[], Awaitable[Any]], holds: Callable[[Any], bool]) -> Any:
    """Poll a read model until `holds(answer)`: projections follow the events a moment later."""
    deadline = time.monotonic() + PATIENCE
    answer = await fetch()
    while not holds(answer):
        assert time.monotonic() < deadline, f"read model never satisfied the test; last answer: {answer!r}"
        await asyncio.sleep(0.05)
        answer = await fetch()
    return answer


def getter(client: httpx.AsyncClient, path: str, **params: str) -> Callable[[], Awaitable[Any]]:
    async def fetch() -> Any:
        response = await client.get(path, params=params)
        return response.json() if response.status_code == 200 else None

    return fetch
