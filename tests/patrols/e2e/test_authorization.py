"""Who may record and read patrols work, role by role, through HTTP, NATS and PostgreSQL.

The scene: `ent-1` has the usual six chiefs, of whom `chief-a` serves at Hengkou station; `ent-2`
has only chiefs from Beiguan station (`far-1`, `far-2`). A refusal is a 403 whose reason names who
and what, and it writes nothing; the events of an allowed command record the token's `role:sub`.
"""

from typing import Any

import httpx
import pytest

from jingzhang.assignment.domain.events import ChiefTier
from jingzhang.shared.auth import Role
from jingzhang.shared.auth.links import PostgresAccess
from jingzhang.shared.envelope import Envelope, StreamId
from tests.auth import BUREAU, bearer
from tests.kernel.helpers import eventually

from .conftest import AssignmentFeed, Patrols, subjects_known

HENGKOU = "Hengkou station"
BEIGUAN = "Beiguan station"

OFFICER = bearer(Role.OFFICER, "u-chief-a", officer_id="chief-a")  # a chief of ent-1
STRANGER = bearer(Role.OFFICER, "u-far-1", officer_id="far-1")  # a chief of ent-2 only
STATION_CHIEF = bearer(Role.STATION_CHIEF, "u-hengkou", officer_id="sc-hengkou", station=HENGKOU)
CONTACT = bearer(Role.ENTERPRISE_CONTACT, "u-ent-1", enterprise_id="ent-1")
AUDITOR = bearer(Role.AUDITOR, "u-audit")

NOT_POLICE = "recording police work needs one of the roles officer, station_chief, bureau; you are enterprise_contact"
ONE_ENTERPRISE = "read one enterprise's work, hazards included, at GET /enterprises/{enterprise_id}/ledger"


@pytest.fixture
async def scene(feed: AssignmentFeed, patrols: Patrols) -> Patrols:
    await feed.register_with_chiefs("ent-1")
    far = {tier: (f"far-{n}", f"far-{n + 1}") for n, tier in zip((1, 3, 5), ChiefTier, strict=True)}
    await feed.register_with_chiefs("ent-2", far)
    await feed.enrol("chief-a", HENGKOU)
    await feed.enrol("far-1", BEIGUAN)
    access = PostgresAccess(lambda: patrols.runtime.pool)

    async def links_known() -> bool:
        one, two = await access.enterprise("ent-1"), await access.enterprise("ent-2")
        return HENGKOU in one.stations and BEIGUAN in two.stations and "far-6" in two.officer_ids

    await eventually(links_known, timeout=20)
    await subjects_known(patrols, ["ent-1", "ent-2"], ["chief-a", "far-1"])
    return patrols


def visit(visit_id: str, enterprise_id: str) -> dict[str, Any]:
    return {
        "visit_id": visit_id,
        "enterprise_id": enterprise_id,
        "kind": "weekly_revisit",
        "officer_ids": ["chief-a"],
        "started_at": "2025-03-05T08:00:00+08:00",
        "ended_at": "2025-03-05T09:00:00+08:00",
        "location": "site gate",
        "person_times": 1,
        "findings": "Mr Liu of the night shift reports the gate light broken",
    }


def hazard(hazard_id: str, enterprise_id: str) -> dict[str, Any]:
    return {
        "hazard_id": hazard_id,
        "enterprise_id": enterprise_id,
        "description": "Mr Liu's lorry blocks the fire exit",
        "found_on": "2025-03-05",
        "rectification_due": "2025-03-12",
        "officer_ids": ["chief-a"],
    }


def activity(activity_id: str, enterprise_id: str | None) -> dict[str, Any]:
    return {
        "activity_id": activity_id,
        "enterprise_id": enterprise_id,
        "officer_ids": ["far-1"],
        "occurred_on": "2025-03-05",
    }


DISPUTE = {"parties": ["Mr Liu", "the contractor"], "outcome": "wages paid", "agreement_reached": True}
CASE = {"police_case_number": "HK-2025-0042", "kind": "other"}
SERVICE = {"item": "residence permits", "mode": "act_for"}
TRAINING = {"kind": "legal", "attendees": 30, "topic": "labour law"}


async def events_of(scene: Patrols, aggregate_type: str, aggregate_id: str) -> list[Envelope]:
    return await scene.runtime.store.read_stream(StreamId(aggregate_type, aggregate_id))


def refused(response: httpx.Response, reason: str) -> None:
    assert (response.status_code, response.json()["detail"]) == (403, reason), response.text


async def test_an_officer_records_work_and_outreach_only_where_linked_and_events_name_their_token(
    scene: Patrols,
) -> None:
    client = scene.client
    allowed = await client.post("/visits", json=visit("v-1", "ent-1"), headers=OFFICER)
    assert allowed.status_code == 201, allowed.text
    assert [e.actor for e in await events_of(scene, "visit", "v-1")] == ["officer:u-chief-a"]

    not_linked = "officer chief-a is not linked to enterprise ent-2"
    refused(await client.post("/visits", json=visit("v-2", "ent-2"), headers=OFFICER), not_linked)
    refused(await client.post("/hazards", json=hazard("hz-2", "ent-2"), headers=OFFICER), not_linked)
    for path, specific in (("/disputes", DISPUTE), ("/cases", CASE), ("/services-on-behalf", SERVICE)):
        body = {**activity(path.strip("/"), "ent-1"), **specific}
        refused(await client.post(path, json=body, headers=STRANGER), "officer far-1 is not linked to enterprise ent-1")
    assert await events_of(scene, "visit", "v-2") == await events_of(scene, "hazard", "hz-2") == []
    assert (
        int(await scene.runtime.pool.fetchval("SELECT count(*) FROM es.events WHERE aggregate_type = 'activity'")) == 0
    )

    # a hazard's enterprise comes from its own stream: only those linked there rectify it
    assert (await client.post("/hazards", json=hazard("hz-1", "ent-1"), headers=OFFICER)).status_code == 201
    rectify = {"rectified_on": "2025-03-05", "measures": "lorry moved", "officer_ids": ["chief-a"]}
    refused(
        await client.post("/hazards/hz-1/rectify", json=rectify, headers=STRANGER),
        "officer far-1 is not linked to enterprise ent-1",
    )
    assert len(await events_of(scene, "hazard", "hz-1")) == 1
    assert (await client.post("/hazards/hz-1/rectify", json=rectify, headers=OFFICER)).status_code == 200

    # outreach may be zone-wide; a forum may name only enterprises the officer acts for, appeals included
    zone_wide = await client.post("/trainings", json={**activity("tr-1", None), **TRAINING}, headers=STRANGER)
    assert zone_wide.status_code == 201, zone_wide.text
    assert [e.actor for e in await events_of(scene, "activity", "tr-1")] == ["officer:u-far-1"]

    appeals = [
        {"description": "gate blocked", "category": "traffic"},
        {"enterprise_id": "ent-1", "description": "theft", "category": "theft"},
    ]
    forum = {**activity("forum-1", "ent-2"), "attendees": 9, "appeals": appeals}
    refused(
        await client.post("/forums", json=forum, headers=STRANGER), "officer far-1 is not linked to enterprise ent-1"
    )
    assert await events_of(scene, "activity", "forum-1") == []
    allowed = await client.post("/forums", json={**forum, "appeals": appeals[:1]}, headers=STRANGER)
    assert allowed.status_code == 201, allowed.text


async def test_an_enterprise_contact_reads_its_own_ledger_but_records_no_police_work(scene: Patrols) -> None:
    client = scene.client
    assert (await client.post("/hazards", json=hazard("hz-1", "ent-1"))).status_code == 201

    async def own_ledger() -> list[dict[str, Any]]:
        response = await client.get("/enterprises/ent-1/ledger", headers=CONTACT)
        assert response.status_code == 200, response.text
        lines: list[dict[str, Any]] = response.json()
        return lines

    async def filed() -> bool:
        return len(await own_ledger()) == 1

    await eventually(filed, timeout=20)
    [line] = await own_ledger()
    assert line["summary"] == "Mr Liu's lorry blocks the fire exit (due 2025-03-12)"  # its own contact's text
    stored = await scene.runtime.pool.fetchval("SELECT summary FROM proj_patrols_ledger.entry")
    assert stored.startswith("pii:1:free_text:contact/ent-1:")
    assert "Liu" not in stored

    own_only = "enterprise contacts may only read for their own enterprise (ent-1)"
    refused(await client.get("/enterprises/ent-2/ledger", headers=CONTACT), own_only)
    refused(await client.post("/visits", json=visit("v-1", "ent-1"), headers=CONTACT), NOT_POLICE)
    refused(await client.post("/trainings", json={**activity("tr-1", None), **TRAINING}, headers=CONTACT), NOT_POLICE)
    refused(
        await client.post(
            "/hazards/hz-1/rectify",
            json={"rectified_on": "2025-03-05", "measures": "moved", "officer_ids": ["chief-a"]},
            headers=CONTACT,
        ),
        NOT_POLICE,
    )
    refused(
        await client.get("/officers/chief-a/duties", headers=CONTACT),
        "enterprise contacts have no access to officers' records",
    )
    assert await events_of(scene, "visit", "v-1") == await events_of(scene, "activity", "tr-1") == []
    assert len(await events_of(scene, "hazard", "hz-1")) == 1


async def test_a_station_chief_acts_where_their_station_has_a_chief_and_reads_their_officers_duties(
    scene: Patrols,
) -> None:
    client = scene.client
    allowed = await client.post("/hazards", json=hazard("hz-1", "ent-1"), headers=STATION_CHIEF)
    assert allowed.status_code == 201, allowed.text
    assert [e.actor for e in await events_of(scene, "hazard", "hz-1")] == ["station_chief:u-hengkou"]
    refused(
        await client.post("/hazards", json=hazard("hz-2", "ent-2"), headers=STATION_CHIEF),
        "enterprise ent-2 has no chief from station Hengkou station",
    )
    assert await events_of(scene, "hazard", "hz-2") == []
    refused(
        await client.get("/enterprises/ent-2/ledger", headers=STATION_CHIEF),
        "enterprise ent-2 has no chief from station Hengkou station",
    )

    assert (await client.get("/officers/chief-a/duties", headers=STATION_CHIEF)).status_code == 200
    refused(
        await client.get("/officers/far-1/duties", headers=STATION_CHIEF),
        "officer far-1 does not serve at station Hengkou station",
    )

    async def planned() -> bool:
        return bool((await client.get("/officers/chief-a/duties", headers=OFFICER)).json())

    await eventually(planned, timeout=20)
    duty_id = (await client.get("/officers/chief-a/duties", headers=OFFICER)).json()[0]["duty_id"]
    for reader in (OFFICER, STATION_CHIEF, AUDITOR):
        assert (await client.get(f"/duties/{duty_id}", headers=reader)).status_code == 200
    refused(
        await client.get(f"/duties/{duty_id}", headers=STRANGER),
        f"duty {duty_id} belongs to chief-a: officers may only read for themselves (far-1), not chief-a",
    )
    refused(
        await client.get("/officers/chief-a/duties", headers=STRANGER),
        "officers may only read for themselves (far-1), not chief-a",
    )


async def test_without_a_token_nothing_and_lists_across_enterprises_only_for_the_bureau_and_auditors(
    scene: Patrols,
) -> None:
    client = scene.client
    anonymous = {"Authorization": ""}
    for response in (
        await client.post("/visits", json=visit("v-1", "ent-1"), headers=anonymous),
        await client.get("/enterprises/ent-1/ledger", headers=anonymous),
        await client.get("/hazards/open", headers=anonymous),
    ):
        assert (response.status_code, response.json()["code"]) == (401, "unauthenticated"), response.text
    assert await events_of(scene, "visit", "v-1") == []

    assert (await client.post("/hazards", json=hazard("hz-1", "ent-1"))).status_code == 201
    counts = "/activity-counts?from=2025-03-01&to=2025-03-31"
    for who, role in ((OFFICER, "officer"), (STATION_CHIEF, "station_chief"), (CONTACT, "enterprise_contact")):
        needs = f"needs one of the roles bureau, auditor; you are {role}; {ONE_ENTERPRISE}"
        refused(await client.get(counts, headers=who), f"the activity counts of every enterprise {needs}")
        if who is not STATION_CHIEF:
            refused(await client.get("/hazards/open", headers=who), f"the open hazards of every enterprise {needs}")
    refused(
        await client.get("/hazards/open", headers=STATION_CHIEF),
        "the open hazards of every enterprise needs one of the roles bureau, auditor; you are station_chief;"
        f" station chiefs list their own station's with ?station={HENGKOU}",
    )

    async def listed() -> bool:
        return len((await client.get("/hazards/open", headers=AUDITOR)).json()) == 1

    await eventually(listed, timeout=20)
    [seen_by_auditor] = (await client.get("/hazards/open", headers=AUDITOR)).json()
    [seen_by_bureau] = (await client.get("/hazards/open", headers=BUREAU)).json()
    assert (seen_by_auditor["description"], seen_by_bureau["description"]) == (
        "[hidden]",
        "Mr Liu's lorry blocks the fire exit",
    )
    for path in (counts, "/enterprises/ent-2/ledger", "/officers/far-1/duties"):
        assert (await client.get(path, headers=AUDITOR)).status_code == 200, path

    refused(await client.post("/visits", json=visit("v-1", "ent-1"), headers=AUDITOR), "auditors have read-only access")
    refused(
        await client.post(
            "/hazards/hz-1/rectify",
            json={"rectified_on": "2025-03-05", "measures": "moved", "officer_ids": ["chief-a"]},
            headers=AUDITOR,
        ),
        "auditors have read-only access",
    )
    assert await events_of(scene, "visit", "v-1") == []
    assert len(await events_of(scene, "hazard", "hz-1")) == 1


async def test_a_station_chief_lists_their_own_stations_hazards_and_duties_with_station(scene: Patrols) -> None:
    client = scene.client
    for hazard_id, enterprise_id in (("hz-hk", "ent-1"), ("hz-bg", "ent-2")):
        assert (await client.post("/hazards", json=hazard(hazard_id, enterprise_id))).status_code == 201

    async def everything_listed() -> bool:
        hazards = (await client.get("/hazards/open")).json()
        duties = (await client.get("/duties")).json()
        return len(hazards) == 2 and {d["enterprise_id"] for d in duties} == {"ent-1", "ent-2"}

    await eventually(everything_listed, timeout=20)
    own = {"station": HENGKOU}
    hazards = (await client.get("/hazards/open", params=own, headers=STATION_CHIEF)).json()
    duties = (await client.get("/duties", params=own, headers=STATION_CHIEF)).json()
    by_bureau = (await client.get("/duties", params={"station": BEIGUAN})).json()

    assert [h["hazard_id"] for h in hazards] == ["hz-hk"]
    assert duties
    assert {d["enterprise_id"] for d in duties} == {"ent-1"}
    assert {d["enterprise_id"] for d in by_bureau} == {"ent-2"}
    other = "you are station_chief; station chiefs list their own station's with ?station=Hengkou station"
    for path in ("/hazards/open", "/duties"):
        elsewhere = await client.get(path, params={"station": BEIGUAN}, headers=STATION_CHIEF)
        assert elsewhere.status_code == 403, elsewhere.text
        assert other in elsewhere.json()["detail"]
    for who in (OFFICER, CONTACT):
        assert (await client.get("/duties", params=own, headers=who)).status_code == 403
    assert (await client.get("/duties", params={"status": "late"})).json()["field"] == "status"
