"""Feature: key enterprises (every class but small and micro) owe an A and a B in every tier (AB角); a tier
held by one chief is a coverage shortfall, published when it begins and ends, listed with its count at
`GET /coverage/shortfalls` and counted by the `jingzhang_coverage_shortfall_*` gauges."""

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from nats.aio.client import Client as NATS

from jingzhang.assignment.domain.events import ChiefAssigned, ChiefTier, EnterpriseClass, Slot
from jingzhang.shared.auth import Role
from jingzhang.shared.envelope import Metadata, NewEvent, StreamId
from tests.auth import bearer
from tests.kernel.helpers import read_stream_messages

from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC, REGISTER, T0, registered
from .scenario import assign, enrol_officers, getter, ok, staffed, until

SHORTFALLS = "/coverage/shortfalls"
PC_B = OFFICERS[(PC, Slot.B)]


async def gauge(client: httpx.AsyncClient, name: str) -> float | None:
    text = (await client.get("/metrics")).text
    values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(f"{name} ")]
    return values[0] if values else None


def counted(tiers: int) -> Any:
    return lambda answer: answer is not None and answer["tiers"] == tiers


async def test_a_key_project_with_only_its_as_falls_short_in_every_tier_until_the_bs_come(
    client: httpx.AsyncClient, nc: NATS
) -> None:
    await staffed(client, Slot.A)
    small = {**REGISTER.model_dump(mode="json"), "enterprise_id": "ent-small", "enterprise_class": "small_micro"}
    await ok(client.post("/enterprises", json=small), 201)
    for (tier, slot), officer_id in OFFICERS.items():
        if slot is Slot.A:
            body = {"tier": tier, "slot": slot, "officer_id": officer_id, "effective_from": T0.isoformat()}
            await ok(client.post("/enterprises/ent-small/chiefs", json=body))

    listed = await until(getter(client, SHORTFALLS), counted(3))
    assert listed["enterprises"] == 1
    assert [(s["enterprise_id"], s["tier"], s["vacant"], s["held_by"]) for s in listed["shortfalls"]] == [
        (ENTERPRISE_ID, tier.value, "B", OFFICERS[(tier, Slot.A)]) for tier in ChiefTier
    ]
    assert listed["shortfalls"][0]["enterprise_class"] == EnterpriseClass.CITY_KEY_PROJECT
    assert await gauge(client, "jingzhang_coverage_shortfall_tiers") == 3
    assert await gauge(client, "jingzhang_coverage_shortfall_enterprises") == 1

    await ok(assign(client, PC, Slot.B, PC_B))
    narrowed = await until(getter(client, SHORTFALLS), counted(2))
    chief = bearer(Role.STATION_CHIEF, "chief", officer_id="c", station="恒口派出所")
    scoped = await client.get(SHORTFALLS, params={"station": "恒口派出所"}, headers=chief)
    assert scoped.status_code == 200, scoped.text
    assert scoped.json()["tiers"] == 2
    assert (await client.get(SHORTFALLS, headers=bearer(Role.OFFICER, "o", officer_id=PC_B))).status_code == 403
    assert "police_chief" not in [s["tier"] for s in narrowed["shortfalls"]]
    assert await gauge(client, "jingzhang_coverage_shortfall_tiers") == 2
    events = [
        (env.event_type, env.data["tier"])
        for _, env in await read_stream_messages(nc, "assignment")
        if env.event_type.startswith("CoverageShortfall")
    ]
    assert events == [
        *(("CoverageShortfallOpened", tier.value) for tier in ChiefTier),
        ("CoverageShortfallClosed", "police_chief"),
    ]


async def test_a_shortfall_recorded_before_the_rule_is_found_and_recorded_by_the_acting_worker(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await enrol_officers(client)
    store = app.state.runtime.store
    meta = Metadata(actor="assignment:before-the-rule", correlation_id=uuid.uuid4())
    old = "ent-old"
    history = [  # what an older version recorded: an above-scale firm with a police chief A, and no shortfall
        registered(EnterpriseClass.ABOVE_SCALE, old),
        ChiefAssigned(enterprise_id=old, tier=PC, slot=Slot.A, officer_id=OFFICERS[(PC, Slot.A)], effective_from=T0),
    ]
    await store.append(StreamId("enterprise", old), 0, [NewEvent(e, T0) for e in history], meta)

    listed = await until(getter(client, SHORTFALLS), counted(1))

    assert [(s["enterprise_id"], s["tier"], s["vacant"]) for s in listed["shortfalls"]] == [(old, "police_chief", "B")]
    recorded = [e.event_type for e in await store.read_stream(StreamId("enterprise", old))]
    assert recorded.count("CoverageShortfallOpened") == 1
