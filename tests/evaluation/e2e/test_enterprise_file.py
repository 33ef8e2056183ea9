"""一企一档 end to end (issue 14 item 1): the bureau staffs an enterprise in assignment (A and B at every
tier), opens its police office and later relieves a chief; its contact raises an appeal in appeals (which
routes it) and rates the police chief in evaluation; patrols records a hazard found there. Evaluation's
`GET /enterprises/{id}/file` then answers with the record, the office, the chiefs now and every term,
and a timeline of all of it, newest first by business time, paged; read like the enterprise itself.
"""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from nats.aio.client import Client as NATS

from jingzhang.appeals.bootstrap import create_app as appeals_app
from jingzhang.assignment.bootstrap import create_app as assignment_app
from jingzhang.assignment.domain.events import ChiefTier, Slot
from jingzhang.evaluation.projections.enterprise_file import PROJECTION as FILES
from jingzhang.patrols.bootstrap import create_app as patrols_app
from jingzhang.shared.auth import Role
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.replay import rebuild
from tests.apps import running
from tests.auth import bearer
from tests.conftest import ServiceEnv
from tests.kernel.helpers import eventually

from ...assignment.e2e.scenario import ok, staffed
from ...assignment.unit.samples import ENTERPRISE_ID, OFFICERS, REGISTER, T0
from ..conftest import Evaluation

POLICE_A = OFFICERS[(ChiefTier.POLICE_CHIEF, Slot.A)]
POLICE_B = OFFICERS[(ChiefTier.POLICE_CHIEF, Slot.B)]
CONTACT = bearer(Role.ENTERPRISE_CONTACT, "contact-yafang", enterprise_id=ENTERPRISE_ID)
OTHER_CONTACT = bearer(Role.ENTERPRISE_CONTACT, "contact-other", enterprise_id="ent-other")
LINKED = bearer(Role.OFFICER, "u-police-a", officer_id=POLICE_A)
UNLINKED = bearer(Role.OFFICER, "u-stranger", officer_id="off-stranger")
OWN_STATION = bearer(Role.STATION_CHIEF, "u-hk", officer_id="sc-hk", station="恒口派出所")
OTHER_STATION = bearer(Role.STATION_CHIEF, "u-cg", officer_id="sc-cg", station="城关派出所")
AUDITOR = bearer(Role.AUDITOR, "auditor-1")
EXPECTED = {
    ("assignment", "EnterpriseRegistered"),
    ("assignment", "ChiefAssigned"),
    ("assignment", "PoliceOfficeOpened"),
    ("assignment", "ChiefRelieved"),
    ("appeals", "AppealRaised"),
    ("appeals", "AppealRouted"),  # names no enterprise: known from the appeal's first event
    ("patrols", "HazardFound"),
    ("evaluation", "ChiefRated"),
}


@pytest.fixture
async def assignment(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[httpx.AsyncClient]:
    async with running(assignment_app(await service_env.settings("assignment"), FixedClock(T0))) as client:
        yield client


@pytest.fixture
async def appeals(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[httpx.AsyncClient]:
    async with running(appeals_app(await service_env.settings("appeals"), FixedClock(T0 + timedelta(days=1)))) as c:
        yield c


@pytest.fixture
async def patrols(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[httpx.AsyncClient]:
    async with running(patrols_app(await service_env.settings("patrols"), FixedClock(T0 + timedelta(days=2)))) as c:
        yield c


async def once_known(client: httpx.AsyncClient, path: str, body: dict[str, Any], **headers: str) -> None:
    """POST until the service has learnt the enterprise and its chiefs from assignment's events."""

    async def accepted() -> bool:
        answer = await client.post(path, json=body, headers=headers or None)
        assert answer.status_code in (201, 404, 409, 422), answer.text
        return answer.status_code == 201

    await eventually(accepted, timeout=20, every=0.1)


async def read(evaluation: Evaluation, who: dict[str, str] | None = None, **params: str) -> httpx.Response:
    return await evaluation.client.get(f"/enterprises/{ENTERPRISE_ID}/file", params=params, headers=who)


async def whole_timeline(evaluation: Evaluation, **params: str) -> list[dict[str, Any]]:
    page = (await read(evaluation, **params)).json()
    lines: list[dict[str, Any]] = page["timeline"]
    while page["next"] is not None:
        page = (await read(evaluation, **params, after=page["next"])).json()
        lines += page["timeline"]
    return lines


async def test_one_call_gives_an_enterprises_whole_file_from_every_service(
    evaluation: Evaluation, assignment: httpx.AsyncClient, appeals: httpx.AsyncClient, patrols: httpx.AsyncClient
) -> None:
    await staffed(assignment)
    office = {
        "office_id": "office-1",
        "online": True,
        "offline": True,
        "location": "综合楼一层",
        "opened_on": "2024-03-01",
    }
    await ok(assignment.post(f"/enterprises/{ENTERPRISE_ID}/police-office", json=office), 201)
    relieve = {
        "tier": "police_chief",
        "slot": "B",
        "reason": "调任",
        "effective_from": (T0 + timedelta(hours=1)).isoformat(),
    }
    await ok(assignment.post(f"/enterprises/{ENTERPRISE_ID}/chiefs/relieve", json=relieve))
    appeal = {
        "appeal_id": "ap-file",
        "enterprise_id": ENTERPRISE_ID,
        "channel": "police_chief_service_point",
        "category": "dispute",
        "description": "工地门口停车纠纷",
        "raised_by": REGISTER.contact_name,
    }

    async def appeals_routes_to_police_a() -> bool:  # it learns the chiefs one event after another
        answer = await appeals.get(f"/enterprises/{ENTERPRISE_ID}/chiefs")
        tiers = {t["tier"]: t for t in answer.json()} if answer.status_code == 200 else {}
        police = tiers.get("police_chief", {})
        # routing follows who acts (ActingChiefChanged), which arrives after the A/B posts: until then
        # an appeal goes up the ladder to the station chief (a fresh-clone CI run raised it in between)
        named = (police.get("a_officer_id"), police.get("b_officer_id"), police.get("acting_officer_id"))
        return named == (POLICE_A, None, POLICE_A)

    await eventually(appeals_routes_to_police_a, timeout=30)
    await once_known(appeals, "/appeals", appeal, **CONTACT)
    rating = {"enterprise_id": ENTERPRISE_ID, "officer_id": POLICE_A, "tier": "police_chief", "period": "2025"}
    await once_known(evaluation.client, "/ratings", {**rating, "level": 5, "comment": "处理及时"}, **CONTACT)
    hazard = {
        "hazard_id": "hz-file",
        "enterprise_id": ENTERPRISE_ID,
        "description": "消防通道堵塞",
        "found_on": "2024-03-02",
        "rectification_due": "2024-03-09",
        "officer_ids": [POLICE_A],
    }
    await once_known(patrols, "/hazards", hazard)

    async def complete() -> bool:
        answer = await read(evaluation, limit="500")
        if answer.status_code != 200:
            return False
        seen = {(line["service"], line["event_type"]) for line in answer.json()["timeline"]}
        return seen >= EXPECTED and answer.json()["office"] is not None

    await eventually(complete, timeout=30)
    whole = (await read(evaluation, limit="500")).json()

    # the record, the office, the chiefs now (A/B) and every term
    assert (whole["record"]["name"], whole["record"]["contact_phone"]) == (REGISTER.name, REGISTER.contact_phone)
    assert (whole["record"]["enterprise_class"], whole["record"]["status"]) == ("city_key_project", "active")
    assert (whole["office"]["office_id"], whole["office"]["opened_on"]) == ("office-1", "2024-03-01")
    now = {(c["tier"], c["slot"]): c["officer_id"] for c in whole["chiefs"]}
    assert now == {key: officer for key, officer in OFFICERS.items() if officer != POLICE_B}
    assert all(c["officer_name"] == f"name of {c['officer_id']}" for c in whole["chiefs"])
    [ended] = [t for t in whole["history"] if t["effective_until"] is not None]
    assert (ended["officer_id"], ended["relieved_reason"]) == (POLICE_B, "调任")
    assert len(whole["history"]) == len(OFFICERS)

    # the timeline: every service, newest first by business time, the data as published
    lines = whole["timeline"]
    assert {line["service"] for line in lines} == {"assignment", "appeals", "patrols", "evaluation"}
    order = [(line["at"], line["event_id"]) for line in lines]
    assert order == sorted(order, reverse=True)
    assert all(line["at"].endswith("+08:00") for line in lines)
    [found] = [line for line in lines if line["event_type"] == "HazardFound"]
    assert (found["at"], found["data"]["description"]) == ("2024-03-02T00:00:00+08:00", "消防通道堵塞")
    [routed] = [line for line in lines if line["event_type"] == "AppealRouted"]
    assert (routed["aggregate_id"], routed["data"]["officer_id"]) == ("ap-file", POLICE_A)
    only_appeals = await whole_timeline(evaluation, service="appeals")
    assert only_appeals == [line for line in lines if line["service"] == "appeals"]

    # pages of three add up to the whole timeline, nothing twice
    paged = await whole_timeline(evaluation, limit="3")
    assert [line["event_id"] for line in paged] == [line["event_id"] for line in lines]

    # read like the enterprise: its contact, linked officers, its stations' chiefs; auditors masked
    for who in (CONTACT, LINKED, OWN_STATION, AUDITOR):
        assert (await read(evaluation, who)).status_code == 200
    masked = (await read(evaluation, AUDITOR)).json()["record"]["contact_phone"]
    assert masked == "138****0000"
    for who, why in (
        (OTHER_CONTACT, "own enterprise"),
        (UNLINKED, "not linked"),
        (OTHER_STATION, "no chief from station"),
    ):
        refused = await read(evaluation, who)
        assert refused.status_code == 403, refused.text
        assert why in refused.json()["detail"]

    # rebuilt from the streams, the file is the same
    nc: NATS = evaluation.app.state.runtime.nc
    await rebuild(evaluation.pool, nc, FILES)
    assert (await read(evaluation, limit="500")).json() == whole

    # what it cannot answer names the parameter or the enterprise
    unknown = await evaluation.client.get("/enterprises/ent-nobody/file")
    assert unknown.status_code == 404, unknown.text
    for field, params in {
        "after": {"after": "00000000-0000-0000-0000-000000000001"},
        "limit": {"limit": "0"},
        "service": {"service": "weather"},
    }.items():
        answer = await read(evaluation, **params)
        assert (answer.status_code, answer.json()["field"]) == (422, field), answer.text
