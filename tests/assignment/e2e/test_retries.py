"""Feature: retries are idempotent. `POST /enterprises` and `POST /officers` sent again under the same id
with the same content answer what the first answered (status and body) and record nothing; other
content under that id is a 409 `duplicate` naming the field."""

import asyncio
from datetime import timedelta

import httpx
from fastapi import FastAPI

from jingzhang.assignment.domain.events import Slot
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.envelope import StreamId

from ..handlers.world import enrol
from ..unit.samples import ENTERPRISE_ID, OFFICERS, PC, REGISTER
from .scenario import assign, ok

PC_A = OFFICERS[(PC, Slot.A)]


async def recorded(app: FastAPI, aggregate_type: str, aggregate_id: str) -> list[str]:
    return [e.event_type for e in await app.state.runtime.store.read_stream(StreamId(aggregate_type, aggregate_id))]


async def test_a_retried_registration_and_enrolment_answer_as_the_first_did(
    client: httpx.AsyncClient, app: FastAPI, clock: FixedClock
) -> None:
    registration, enrolment = REGISTER.model_dump(mode="json"), enrol(PC_A).model_dump(mode="json")
    first_registration = await client.post("/enterprises", json=registration)
    first_enrolment = await client.post("/officers", json=enrolment)
    await ok(assign(client, PC, Slot.A, PC_A))  # the stream moves on: the retry still answers the first
    clock.advance(timedelta(days=1))  # a retry the next day: `registered_on` left out is the day recorded

    retries = [await client.post("/enterprises", json=registration), await client.post("/officers", json=enrolment)]

    for first, again in zip((first_registration, first_enrolment), retries, strict=True):
        assert (again.status_code, again.json()) == (first.status_code, first.json()) == (201, first.json())
    assert first_registration.json() == {
        "id": ENTERPRISE_ID,
        "version": 2,
        "events": ["EnterpriseRegistered", "CoverageGapOpened"],
    }
    assert await recorded(app, "officer", PC_A) == ["OfficerEnrolled"]
    assert (await recorded(app, "enterprise", ENTERPRISE_ID))[:2] == ["EnterpriseRegistered", "CoverageGapOpened"]
    assert (await recorded(app, "enterprise", ENTERPRISE_ID)).count("EnterpriseRegistered") == 1


async def test_other_content_under_the_same_id_is_a_duplicate_and_writes_nothing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    registration, enrolment = REGISTER.model_dump(mode="json"), enrol(PC_A).model_dump(mode="json")
    await ok(client.post("/enterprises", json=registration), 201)
    await ok(client.post("/officers", json=enrolment), 201)

    clashes = [
        (await client.post("/enterprises", json={**registration, "industry": "chemicals"}), "industry"),
        (await client.post("/enterprises", json={**registration, "registered_on": "2024-01-01"}), "registered_on"),
        (await client.post("/officers", json={**enrolment, "rank": "二级警长"}), "rank"),
    ]

    for answer, field in clashes:
        assert answer.status_code == 409, answer.text
        assert (answer.json()["code"], answer.json()["field"]) == ("duplicate", field)
    assert await recorded(app, "enterprise", ENTERPRISE_ID) == ["EnterpriseRegistered", "CoverageGapOpened"]
    assert await recorded(app, "officer", PC_A) == ["OfficerEnrolled"]


async def test_the_same_first_request_sent_twice_at_once_records_once_and_answers_alike(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    registration = REGISTER.model_dump(mode="json")

    answers = await asyncio.gather(*(client.post("/enterprises", json=registration) for _ in range(2)))

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert await recorded(app, "enterprise", ENTERPRISE_ID) == ["EnterpriseRegistered", "CoverageGapOpened"]
