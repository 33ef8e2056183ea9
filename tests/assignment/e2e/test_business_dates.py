"""Feature: business dates (bi-temporal). Registrations, enrolments and offices say the day they happened,
today by the service's clock in bureau time unless the caller says; a day in the future or before its
subject existed is a 422 naming the field, with nothing written; the file and the directory show them."""

from typing import Any

import httpx
from fastapi import FastAPI

from jingzhang.assignment.domain.events import Slot
from jingzhang.shared.envelope import StreamId

from ..handlers.world import enrol
from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC, REGISTER, day
from .scenario import getter, ok, until

PC_A = OFFICERS[(PC, Slot.A)]
TODAY = "2024-03-01"  # T0 is 2024-03-01 09:00 UTC, 17:00 in Asia/Shanghai


async def refused(answer: httpx.Response, field: str) -> dict[str, Any]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = answer.json()
    assert problem["field"] == field
    return problem


async def versions(app: FastAPI, aggregate_type: str, aggregate_id: str) -> int:
    return len(await app.state.runtime.store.read_stream(StreamId(aggregate_type, aggregate_id)))


async def test_dates_default_to_today_are_shown_and_a_day_to_come_is_refused(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    tomorrow = {**REGISTER.model_dump(mode="json"), "registered_on": "2024-03-02"}
    problem = await refused(await client.post("/enterprises", json=tomorrow), "registered_on")
    assert "2024-03-02" in problem["detail"]
    assert await versions(app, "enterprise", ENTERPRISE_ID) == 0
    await refused(
        await client.post("/officers", json={**enrol(PC_A).model_dump(mode="json"), "enrolled_on": "2024-04-01"}),
        "enrolled_on",
    )
    assert await versions(app, "officer", PC_A) == 0

    await ok(client.post("/enterprises", json=REGISTER.model_dump(mode="json")), 201)
    await ok(client.post("/officers", json=enrol(PC_A).model_dump(mode="json")), 201)
    office = {"office_id": "po-1", "online": True, "offline": False}
    await ok(client.post(f"/enterprises/{ENTERPRISE_ID}/police-office", json=office), 201)

    file = await until(getter(client, f"/enterprises/{ENTERPRISE_ID}"), lambda f: f and f["office"])
    officer = await until(getter(client, f"/officers/{PC_A}"), lambda o: o is not None)
    offices = await until(getter(client, "/police-offices"), bool)
    assert (file["registered_on"], file["office"]["opened_on"]) == (TODAY, TODAY)
    assert officer["enrolled_on"] == TODAY
    assert offices[0]["opened_on"] == TODAY


async def test_days_given_are_recorded_and_nothing_predates_its_subject(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await ok(client.post("/enterprises", json={**REGISTER.model_dump(mode="json"), "registered_on": "2024-02-20"}), 201)
    await ok(client.post("/officers", json={**enrol(PC_A).model_dump(mode="json"), "enrolled_on": "2024-02-25"}), 201)
    file = await until(getter(client, f"/enterprises/{ENTERPRISE_ID}"), lambda f: f is not None)
    officer = await until(getter(client, f"/officers/{PC_A}"), lambda o: o is not None)
    assert (file["registered_on"], officer["enrolled_on"]) == ("2024-02-20", "2024-02-25")
    before = await versions(app, "enterprise", ENTERPRISE_ID)

    early_office = {"office_id": "po-1", "online": True, "offline": False, "opened_on": "2024-02-19"}
    await refused(await client.post(f"/enterprises/{ENTERPRISE_ID}/police-office", json=early_office), "opened_on")
    term = {"tier": "police_chief", "slot": "A", "officer_id": PC_A, "effective_from": "2024-02-24T09:00:00+08:00"}
    problem = await refused(await client.post(f"/enterprises/{ENTERPRISE_ID}/chiefs", json=term), "effective_from")
    assert "2024-02-25" in problem["detail"]  # the officer's enrolment, after the enterprise's registration
    assert await versions(app, "enterprise", ENTERPRISE_ID) == before
    leave = {"starts_at": "2024-02-24T09:00:00+08:00", "ends_at": day(2).isoformat(), "reason": "年休"}
    await refused(await client.post(f"/officers/{PC_A}/absences", json=leave), "starts_at")
    assert await versions(app, "officer", PC_A) == 1

    late_office = {**early_office, "opened_on": "2024-02-21"}
    await ok(client.post(f"/enterprises/{ENTERPRISE_ID}/police-office", json=late_office), 201)
    await ok(
        client.post(
            f"/enterprises/{ENTERPRISE_ID}/chiefs", json={**term, "effective_from": "2024-02-25T00:00:00+08:00"}
        )
    )
    shown = await until(getter(client, f"/enterprises/{ENTERPRISE_ID}"), lambda f: f and f["office"] and f["chiefs"])
    assert shown["office"]["opened_on"] == "2024-02-21"
    assert shown["chiefs"][0]["officer_id"] == PC_A
