"""Feature: every assignment route checks the caller's token and scope, through HTTP on real servers.

One app for the module (its own nats-server): two stations, two enterprises, each staffed from its
station, one of them also by an officer of the other station. Each role is tried on what it may and
may not do; a refusal is a 403 naming why and writes nothing; events record the token's `role:sub`.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from fastapi import FastAPI

from jingzhang.app.services import SERVICES
from jingzhang.assignment.bootstrap import create_app
from jingzhang.assignment.settings import AssignmentSettings
from jingzhang.shared.auth import Role
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.envelope import Envelope, StreamId
from jingzhang.shared.local.nats import NatsServer
from jingzhang.shared.local.postgres import EmbeddedPostgres
from jingzhang.shared.streams import provision
from tests.apps import running
from tests.auth import BUREAU, bearer
from tests.conftest import ServiceEnv

from ..handlers.world import enrol
from ..unit.samples import REGISTER, T0
from .scenario import ok, until

HK, CG = "恒口派出所", "城关派出所"
ENT_1, ENT_2 = "ent-hk", "ent-cg"
HK_1, HK_2, CG_1, CG_2 = "off-hk-1", "off-hk-2", "off-cg-1", "off-cg-2"

CONTACT_1 = bearer(Role.ENTERPRISE_CONTACT, "contact-hk", enterprise_id=ENT_1)
OFFICER_HK_1 = bearer(Role.OFFICER, "officer-hk-1", officer_id=HK_1)
CHIEF_HK = bearer(Role.STATION_CHIEF, "chief-hk", officer_id="chief-hk", station=HK)
AUDITOR = bearer(Role.AUDITOR, "auditor-1")


@dataclass
class World:
    app: FastAPI
    http: httpx.AsyncClient

    async def stream(self, aggregate_type: str, aggregate_id: str) -> list[Envelope]:
        envelopes: list[Envelope] = await self.app.state.runtime.store.read_stream(
            StreamId(aggregate_type, aggregate_id)
        )
        return envelopes


@pytest.fixture(scope="module")
async def world(pg_server: EmbeddedPostgres, state_root: Path) -> AsyncIterator[World]:
    server = NatsServer(state_root / "nats-assignment-authz").start()
    nc = await nats.connect(server.url)
    try:
        await provision(nc.jetstream(), SERVICES)
        settings = await ServiceEnv(pg_server, server).settings("assignment")
        app = create_app(AssignmentSettings(**settings.model_dump()), FixedClock(T0))
        async with running(app, headers={}) as http:
            await _populate(http)
            yield World(app, http)
    finally:
        await nc.close()
        server.stop()


async def _populate(http: httpx.AsyncClient) -> None:
    """As the bureau: ENT_1 staffed from HK (and CG_2), ENT_2 from CG; then wait for the access model."""
    for officer_id, station in ((HK_1, HK), (HK_2, HK), (CG_1, CG), (CG_2, CG)):
        body = enrol(officer_id).model_copy(update={"unit_name": station}).model_dump(mode="json")
        await ok(http.post("/officers", json=body, headers=BUREAU), 201)
    for enterprise_id in (ENT_1, ENT_2):
        body = REGISTER.model_copy(update={"enterprise_id": enterprise_id}).model_dump(mode="json")
        await ok(http.post("/enterprises", json=body, headers=BUREAU), 201)
    for enterprise_id, tier, officer_id in (
        (ENT_1, "police_chief", HK_1),
        (ENT_1, "station_chief", CG_2),
        (ENT_2, "police_chief", CG_1),
    ):
        body = {"tier": tier, "slot": "A", "officer_id": officer_id}
        await ok(http.post(f"/enterprises/{enterprise_id}/chiefs", json=body, headers=BUREAU))
    await until(lambda: ids(http, "/enterprises", station=HK), lambda found: found == {ENT_1})
    await until(lambda: ids(http, "/enterprises", station=CG), lambda found: found == {ENT_1, ENT_2})
    await until(lambda: ids(http, "/coverage-gaps"), lambda found: found == {ENT_1, ENT_2})
    for officer_id, posts in ((HK_1, {ENT_1}), (HK_2, set()), (CG_1, {ENT_2}), (CG_2, {ENT_1})):
        await until(lambda o=officer_id: ids(http, f"/officers/{o}/enterprises"), lambda found, p=posts: found == p)


async def ids(http: httpx.AsyncClient, path: str, **params: str) -> set[str] | None:
    """The enterprises a list names, asked as the bureau; None until the read model knows the path."""
    response = await http.get(path, params=params, headers=BUREAU)
    return {row["enterprise_id"] for row in response.json()} if response.status_code == 200 else None


def refused(response: httpx.Response, *words: str) -> str:
    """Assert a 403 whose reason says all of `words`; returns the reason."""
    assert response.status_code == 403, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == "forbidden"
    for word in words:
        assert word in body["detail"], body["detail"]
    return str(body["detail"])


def absence(absence_id: str, day: int) -> dict[str, str]:
    start = T0.replace(day=day)
    return {
        "absence_id": absence_id,
        "starts_at": start.isoformat(),
        "ends_at": start.replace(hour=18).isoformat(),
        "reason": "培训",
    }


# --- no token ----------------------------------------------------------------------------------


async def test_without_a_token_every_route_answers_401_and_nothing_is_written(world: World) -> None:
    before = await world.stream("enterprise", ENT_1)

    reads = [await world.http.get(path) for path in ("/enterprises", f"/enterprises/{ENT_1}", f"/officers/{HK_1}")]
    write = await world.http.post(f"/enterprises/{ENT_1}/suspend", json={"reason": "检查"})

    assert [r.status_code for r in (*reads, write)] == [401, 401, 401, 401]
    assert write.headers["WWW-Authenticate"].startswith("Bearer")
    assert await world.stream("enterprise", ENT_1) == before


# --- enterprise contact ------------------------------------------------------------------------


async def test_a_contact_reads_their_own_enterprise_and_not_another(world: World) -> None:
    own = await world.http.get(f"/enterprises/{ENT_1}", headers=CONTACT_1)
    card = await world.http.get(f"/enterprises/{ENT_2}/chiefs", headers=CONTACT_1)

    assert own.status_code == 200
    assert own.json()["enterprise_id"] == ENT_1
    refused(card, "enterprise contacts may only read for their own enterprise", ENT_1)


async def test_a_contact_may_not_list_enterprises_and_is_pointed_to_their_own(world: World) -> None:
    for path in ("/enterprises", "/coverage-gaps", "/police-offices"):
        refused(await world.http.get(path, headers=CONTACT_1), "bureau and auditors only", f"/enterprises/{ENT_1}")


async def test_a_contact_may_not_run_their_enterprise_nor_see_officers_records(world: World) -> None:
    before = await world.stream("enterprise", ENT_1), await world.stream("officer", HK_1)

    suspend = await world.http.post(f"/enterprises/{ENT_1}/suspend", json={"reason": "x"}, headers=CONTACT_1)
    assign = await world.http.post(
        f"/enterprises/{ENT_1}/chiefs",
        json={"tier": "police_chief", "slot": "B", "officer_id": HK_2},
        headers=CONTACT_1,
    )
    leave = await world.http.post(f"/officers/{HK_1}/absences", json=absence("c-1", 20), headers=CONTACT_1)
    officer = await world.http.get(f"/officers/{HK_1}", headers=CONTACT_1)

    refused(suspend, "suspending an enterprise needs one of the roles bureau", "you are enterprise_contact")
    refused(assign, "assigning or relieving chiefs needs one of the roles bureau, station_chief")
    refused(leave, "enterprise contacts have no access to officers' records")
    refused(officer, "enterprise contacts have no access to officers' records")
    assert (await world.stream("enterprise", ENT_1), await world.stream("officer", HK_1)) == before


# --- officer -----------------------------------------------------------------------------------


async def test_an_officer_reads_the_enterprises_they_are_linked_to_only(world: World) -> None:
    linked = [await world.http.get(f"/enterprises/{ENT_1}{tail}", headers=OFFICER_HK_1) for tail in ("", "/chiefs")]
    other = await world.http.get(f"/enterprises/{ENT_2}", headers=OFFICER_HK_1)
    listed = await world.http.get("/enterprises", headers=OFFICER_HK_1)

    assert [r.status_code for r in linked] == [200, 200]
    refused(other, f"officer {HK_1} is not linked to enterprise {ENT_2}")
    refused(listed, f"/officers/{HK_1}/enterprises")


async def test_an_officer_reads_and_acts_for_themselves_only(world: World) -> None:
    before = await world.stream("officer", CG_1)

    own = await world.http.get(f"/officers/{HK_1}/enterprises", headers=OFFICER_HK_1)
    other = await world.http.get(f"/officers/{CG_1}", headers=OFFICER_HK_1)
    leave_other = await world.http.post(f"/officers/{CG_1}/absences", json=absence("o-1", 21), headers=OFFICER_HK_1)
    retire_self = await world.http.post(f"/officers/{HK_1}/retire", json={}, headers=OFFICER_HK_1)

    assert own.status_code == 200
    assert [p["enterprise_id"] for p in own.json()] == [ENT_1]
    refused(other, f"officers may only read for themselves ({HK_1}), not {CG_1}")
    refused(leave_other, f"officers may only act for themselves ({HK_1}), not {CG_1}")
    refused(retire_self, "retiring an officer needs one of the roles bureau", "you are officer")
    assert await world.stream("officer", CG_1) == before


async def test_an_officer_declares_their_own_absence_recorded_as_their_token(world: World) -> None:
    declared = await world.http.post(f"/officers/{HK_1}/absences", json=absence("o-2", 22), headers=OFFICER_HK_1)
    ended = await world.http.post(f"/officers/{HK_1}/absences/o-2/end", json={}, headers=OFFICER_HK_1)

    assert (declared.status_code, ended.status_code) == (201, 200), (declared.text, ended.text)
    mine = [(e.event_type, e.actor) for e in await world.stream("officer", HK_1) if e.event_type.startswith("Absence")]
    assert ("AbsenceDeclared", "officer:officer-hk-1") in mine
    assert ("AbsenceEnded", "officer:officer-hk-1") in mine


# --- station chief -----------------------------------------------------------------------------


async def test_a_station_chief_lists_their_station_only_with_the_filter(world: World) -> None:
    theirs = await world.http.get("/enterprises", params={"station": HK}, headers=CHIEF_HK)
    gaps = await world.http.get("/coverage-gaps", params={"station": HK}, headers=CHIEF_HK)
    unfiltered = await world.http.get("/enterprises", headers=CHIEF_HK)
    another = await world.http.get("/enterprises", params={"station": CG}, headers=CHIEF_HK)

    assert (theirs.status_code, gaps.status_code) == (200, 200)
    assert [e["enterprise_id"] for e in theirs.json()] == [ENT_1]
    assert [g["enterprise_id"] for g in gaps.json()] == [ENT_1]
    refused(unfiltered, f"?station={HK}")
    refused(another, f"?station={HK}")


async def test_a_station_chief_reads_their_station_s_enterprises_and_officers(world: World) -> None:
    enterprise = await world.http.get(f"/enterprises/{ENT_1}", headers=CHIEF_HK)
    officer = await world.http.get(f"/officers/{HK_1}", headers=CHIEF_HK)
    other_enterprise = await world.http.get(f"/enterprises/{ENT_2}/notice-card", headers=CHIEF_HK)
    other_officer = await world.http.get(f"/officers/{CG_1}/enterprises", headers=CHIEF_HK)

    assert (enterprise.status_code, officer.status_code) == (200, 200)
    refused(other_enterprise, f"enterprise {ENT_2} has no chief from station {HK}")
    refused(other_officer, f"officer {CG_1} does not serve at station {HK}")


async def test_a_station_chief_posts_their_own_officers_in_their_enterprises(world: World) -> None:
    body = {"tier": "police_chief", "slot": "B", "officer_id": HK_2}

    posted = await world.http.post(f"/enterprises/{ENT_1}/chiefs", json=body, headers=CHIEF_HK)

    assert posted.status_code == 200, posted.text
    assigned = [e for e in await world.stream("enterprise", ENT_1) if e.event_type == "ChiefAssigned"]
    assert (assigned[-1].data["officer_id"], assigned[-1].actor) == (HK_2, "station_chief:chief-hk")


async def test_a_station_chief_may_not_post_another_station_s_officers_or_enterprises(world: World) -> None:
    before = await world.stream("enterprise", ENT_1), await world.stream("enterprise", ENT_2)
    relieve = {"tier": "station_chief", "slot": "A", "reason": "调整"}

    newcomer = await world.http.post(
        f"/enterprises/{ENT_1}/chiefs", json={"tier": "police_chief", "slot": "B", "officer_id": CG_1}, headers=CHIEF_HK
    )
    holder = await world.http.post(f"/enterprises/{ENT_1}/chiefs/relieve", json=relieve, headers=CHIEF_HK)
    elsewhere = await world.http.post(
        f"/enterprises/{ENT_2}/chiefs", json={"tier": "police_chief", "slot": "B", "officer_id": HK_2}, headers=CHIEF_HK
    )
    register = await world.http.post("/enterprises", json=REGISTER.model_dump(mode="json"), headers=CHIEF_HK)

    refused(
        newcomer, "station chiefs post only their station's officers", f"officer {CG_1} does not serve at station {HK}"
    )
    refused(holder, f"officer {CG_2} does not serve at station {HK}")
    refused(elsewhere, f"enterprise {ENT_2} has no chief from station {HK}")
    refused(register, "registering an enterprise needs one of the roles bureau", "you are station_chief")
    assert (await world.stream("enterprise", ENT_1), await world.stream("enterprise", ENT_2)) == before


# --- auditor and bureau ------------------------------------------------------------------------


async def test_an_auditor_reads_everything_and_writes_nothing(world: World) -> None:
    before = await world.stream("enterprise", ENT_2), await world.stream("officer", CG_1)

    reads = [
        await world.http.get(path, headers=AUDITOR)
        for path in ("/enterprises", "/coverage-gaps", "/police-offices", f"/enterprises/{ENT_2}", f"/officers/{CG_1}")
    ]
    suspend = await world.http.post(f"/enterprises/{ENT_2}/suspend", json={"reason": "x"}, headers=AUDITOR)
    leave = await world.http.post(f"/officers/{CG_1}/absences", json=absence("a-1", 23), headers=AUDITOR)

    assert [r.status_code for r in reads] == [200] * 5
    refused(suspend, "you are auditor")
    refused(leave, "auditors have read-only access")
    assert (await world.stream("enterprise", ENT_2), await world.stream("officer", CG_1)) == before


async def test_the_bureau_s_commands_record_the_bureau_token_as_actor(world: World) -> None:
    registered = (await world.stream("enterprise", ENT_2))[0]
    enrolled = (await world.stream("officer", CG_1))[0]

    assert (registered.event_type, registered.actor) == ("EnterpriseRegistered", "bureau:bureau-tester")
    assert (enrolled.event_type, enrolled.actor) == ("OfficerEnrolled", "bureau:bureau-tester")


# --- personal data -----------------------------------------------------------------------------


async def test_personal_data_is_stored_sealed_and_shown_by_role(world: World) -> None:
    stored = (await world.stream("officer", CG_2))[0].data
    registered = (await world.stream("enterprise", ENT_2))[0].data

    phones = {
        who: (await world.http.get(f"/officers/{CG_2}", headers=headers)).json()["phone"]
        for who, headers in (("bureau", BUREAU), ("auditor", AUDITOR))
    }
    contact = (await world.http.get(f"/enterprises/{ENT_1}", headers=CONTACT_1)).json()

    assert stored["phone"].startswith(f"pii:1:phone:officer/{CG_2}:")
    assert stored["name"].startswith(f"pii:1:name:officer/{CG_2}:")
    assert registered["contact_phone"].startswith(f"pii:1:phone:contact/{ENT_2}:")
    assert phones == {"bureau": "13900000000", "auditor": "139****0000"}
    assert (contact["contact_name"], contact["contact_phone"]) == ("王经理", "13800000000")  # their own
