"""Feature: A and B are never both away, on every path, and a tier with nobody acting is never silent.

Assigning a chief who is away while the partner is away is refused (409 `partners_both_away` naming both,
the dates and the tier). A tier left with nobody acting (its chiefs relieved, or both away as recorded
before the rule) is published as `NobodyActing` and `NobodyActingEnded`, listed at
`GET /enterprises/nobody-acting` and counted by `jingzhang_tiers_nobody_acting`.
"""

import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from nats.aio.client import Client as NATS

from jingzhang.assignment.domain.events import AbsenceDeclared, Slot
from jingzhang.shared.auth import Role
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.envelope import Metadata, NewEvent, StreamId
from tests.auth import bearer
from tests.kernel.helpers import read_stream_messages

from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC, REGISTER, T0, day
from .scenario import assign, getter, ok, staffed, until

PC_A, PC_B = OFFICERS[(PC, Slot.A)], OFFICERS[(PC, Slot.B)]
NOBODY = "/enterprises/nobody-acting"


def leave(start: float, end: float, absence_id: str) -> dict[str, str]:
    return {
        "absence_id": absence_id,
        "starts_at": day(start).isoformat(),
        "ends_at": day(end).isoformat(),
        "reason": "年休",
    }


async def gauge(client: httpx.AsyncClient, name: str) -> float | None:
    text = (await client.get("/metrics")).text
    values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(f"{name} ")]
    return values[0] if values else None


async def published(nc: NATS, *types: str) -> list[dict[str, Any]]:
    return [env.data for _, env in await read_stream_messages(nc, "assignment") if env.event_type in types]


async def test_assigning_a_b_who_is_away_while_the_a_is_away_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await staffed(client, Slot.A)
    await ok(client.post(f"/officers/{PC_A}/absences", json=leave(2, 5, "leave-a")), 201)
    await ok(client.post(f"/officers/{PC_B}/absences", json=leave(4, 8, "leave-b")), 201)  # no partner yet
    before = len(await app.state.runtime.store.read_stream(StreamId("enterprise", ENTERPRISE_ID)))

    refused = await assign(client, PC, Slot.B, PC_B)

    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "partners_both_away"
    for named in (PC_A, PC_B, "police_chief", "辖区警长", "2024-03-05 17:00 至 2024-03-06 17:00"):
        assert named in problem["detail"]
    assert len(await app.state.runtime.store.read_stream(StreamId("enterprise", ENTERPRISE_ID))) == before
    assert (await ok(assign(client, PC, Slot.B, PC_B, at=day(5))))["events"][0] == "ChiefAssigned"  # after A is back


async def test_a_tier_whose_chiefs_are_relieved_is_signalled_listed_and_counted_until_someone_acts(
    client: httpx.AsyncClient, clock: FixedClock, nc: NATS
) -> None:
    await staffed(client, Slot.A, Slot.B)
    acting = getter(client, f"/enterprises/{ENTERPRISE_ID}/acting", tier="police_chief")
    await until(acting, lambda r: r and r[0]["officer_id"] == PC_A)
    for slot in (Slot.A, Slot.B):
        body = {"tier": "police_chief", "slot": slot, "reason": "调整", "effective_from": day(1).isoformat()}
        await ok(client.post(f"/enterprises/{ENTERPRISE_ID}/chiefs/relieve", json=body))
    # decided today for day 1: nobody acts from day 1 (recorded now), the alarm is raised when it is so
    await until(acting, lambda r: r and [c["officer_id"] for c in r[0]["upcoming"]] == [None])
    assert await getter(client, NOBODY)() == []
    clock.set(day(1.5))

    listed = await until(getter(client, NOBODY), bool)
    assert [(row["enterprise_id"], row["tier"], row["chiefs"]) for row in listed] == [
        (ENTERPRISE_ID, "police_chief", [])
    ]
    assert listed[0]["since"].startswith(day(1).date().isoformat())
    assert listed[0]["enterprise_name"] == "恒口雅纺织科技有限公司"
    assert await gauge(client, "jingzhang_tiers_nobody_acting") == 1
    chief = bearer(Role.STATION_CHIEF, "chief", officer_id="c", station="恒口派出所")
    station = await client.get(NOBODY, params={"station": "恒口派出所"}, headers=chief)
    assert station.status_code == 200, station.text
    assert [row["enterprise_id"] for row in station.json()] == [ENTERPRISE_ID]
    assert (await client.get(NOBODY, headers=chief)).status_code == 403  # every station's: the bureau's
    assert (await client.get(NOBODY, headers=bearer(Role.OFFICER, "o", officer_id=PC_A))).status_code == 403

    named_like_the_list = {**REGISTER.model_dump(mode="json"), "enterprise_id": "nobody-acting"}
    refused = await client.post("/enterprises", json=named_like_the_list)
    assert (refused.status_code, refused.json()["field"]) == (422, "enterprise_id")

    await ok(assign(client, PC, Slot.A, PC_A, at=day(2)))
    assert await getter(client, NOBODY)() != []  # A acts from day 2
    clock.set(day(2.5))
    await until(getter(client, NOBODY), lambda rows: rows == [])
    assert await gauge(client, "jingzhang_tiers_nobody_acting") == 0
    began = await published(nc, "NobodyActing")
    ended = await published(nc, "NobodyActingEnded")
    assert [(e["tier"], e["reason"]) for e in began] == [("police_chief", "police_chief A relieved")]
    assert [(e["tier"], e["officer_id"]) for e in ended] == [("police_chief", PC_A)]


async def test_both_away_as_recorded_before_the_rule_is_found_by_the_acting_worker(
    client: httpx.AsyncClient, app: FastAPI, clock: FixedClock, nc: NATS
) -> None:
    await staffed(client, Slot.A, Slot.B)
    await until(getter(client, f"/officers/{PC_B}/enterprises"), bool)
    store = app.state.runtime.store
    meta = Metadata(actor="assignment:before-the-rule", correlation_id=uuid.uuid4())
    for officer_id in (PC_A, PC_B):  # what an older version let through: both away from day 1 to day 3
        away = AbsenceDeclared(
            officer_id=officer_id, absence_id=f"old-{officer_id}", starts_at=day(1), ends_at=day(3), reason="x"
        )
        stream = StreamId("officer", officer_id)
        await store.append(stream, len(await store.read_stream(stream)), [NewEvent(away, T0)], meta)

    clock.set(day(2))
    listed = await until(getter(client, NOBODY), bool)
    clock.set(day(3) + timedelta(minutes=1))
    await until(getter(client, NOBODY), lambda rows: rows == [])

    assert [(row["tier"], [c["officer_id"] for c in row["chiefs"]]) for row in listed] == [
        ("police_chief", [PC_A, PC_B])
    ]
    assert len(await published(nc, "NobodyActing")) == 1  # once, whoever noticed it first
    assert len(await published(nc, "NobodyActingEnded")) == 1
