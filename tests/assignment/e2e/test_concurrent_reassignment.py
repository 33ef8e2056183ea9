"""Feature: two reassignments of one tier against the same version: exactly one wins, the other is 409."""

import asyncio

import httpx

from jingzhang.assignment.domain.events import Slot

from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC, SPARE_STATION_OFFICER, day
from .scenario import enrol_officers, getter, register, until


async def test_concurrent_reassignments_of_one_tier_let_exactly_one_through(client: httpx.AsyncClient) -> None:
    await enrol_officers(client)
    version = (await register(client))["version"]

    def reassign(officer_id: str) -> dict[str, object]:
        return {
            "tier": "police_chief",
            "slot": "A",
            "officer_id": officer_id,
            "effective_from": day(1).isoformat(),
            "expected_version": version,
        }

    answers = await asyncio.gather(
        client.post(f"/enterprises/{ENTERPRISE_ID}/chiefs", json=reassign(OFFICERS[(PC, Slot.A)])),
        client.post(f"/enterprises/{ENTERPRISE_ID}/chiefs", json=reassign(SPARE_STATION_OFFICER)),
    )

    assert sorted(a.status_code for a in answers) == [200, 409]
    assert next(a.json() for a in answers if a.status_code == 409)["code"] == "stale_version"
    winner = next(a.json() for a in answers if a.status_code == 200)
    assert winner["version"] > version
    stale = await client.post(f"/enterprises/{ENTERPRISE_ID}/chiefs", json=reassign(SPARE_STATION_OFFICER))
    assert stale.status_code == 409
    unknown = await client.post("/enterprises/no-such-enterprise/suspend", json={"reason": "x"})
    assert unknown.status_code == 404
    invalid = await client.post(f"/enterprises/{ENTERPRISE_ID}/chiefs", json={**reassign("x"), "tier": "mayor"})
    assert (invalid.status_code, invalid.json()["field"]) == (422, "tier")
    await until(getter(client, f"/enterprises/{ENTERPRISE_ID}/chiefs"), lambda answer: answer is not None)
