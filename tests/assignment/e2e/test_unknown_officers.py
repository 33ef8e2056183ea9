"""Feature: only facts about someone count. Every command naming an officer in its body refuses one the
service never enrolled (422 `unknown_officer` naming the field: assignment owns officers, so there is no
lag to wait for) and a retired one (409), writing nothing."""

import httpx
from fastapi import FastAPI

from jingzhang.assignment.domain.events import Slot
from jingzhang.shared.envelope import StreamId

from ..unit.samples import BL, ENTERPRISE_ID, OFFICERS, PC, REGISTER
from .scenario import enrol_officers, ok

LEADER, MEMBER = OFFICERS[(BL, Slot.A)], OFFICERS[(PC, Slot.A)]


async def test_unknown_and_retired_officers_are_refused_naming_the_field(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await enrol_officers(client)
    await ok(client.post("/enterprises", json=REGISTER.model_dump(mode="json")), 201)
    path = f"/enterprises/{ENTERPRISE_ID}"
    stream = StreamId("enterprise", ENTERPRISE_ID)
    before = len(await app.state.runtime.store.read_stream(stream))

    unknown = [
        (f"{path}/chiefs", {"tier": "police_chief", "slot": "A", "officer_id": "nobody"}, "officer_id"),
        (f"{path}/task-force", {"name": "专班", "leader_officer_id": "nobody"}, "leader_officer_id"),
    ]
    for url, body, field in unknown:
        answer = await client.post(url, json=body)
        assert answer.status_code == 422, answer.text
        assert (answer.json()["code"], answer.json()["field"]) == ("unknown_officer", field)
        assert "nobody" in answer.json()["detail"]
    await ok(client.post(f"{path}/task-force", json={"name": "专班", "leader_officer_id": LEADER}), 201)
    member = await client.post(f"{path}/task-force/members", json={"officer_id": "nobody", "role": "联络员"})
    assert (member.status_code, member.json()["code"], member.json()["field"]) == (422, "unknown_officer", "officer_id")

    await ok(client.post(f"/officers/{MEMBER}/retire", json={}))
    retired = await client.post(f"{path}/task-force/members", json={"officer_id": MEMBER, "role": "联络员"})
    as_chief = await client.post(f"{path}/chiefs", json={"tier": "police_chief", "slot": "A", "officer_id": MEMBER})
    assert (retired.status_code, retired.json()["code"]) == (409, "officer_retired")
    assert (as_chief.status_code, as_chief.json()["code"]) == (409, "officer_retired")
    recorded = [e.event_type for e in await app.state.runtime.store.read_stream(stream)][before:]
    assert recorded == ["TaskForceFormed"]
