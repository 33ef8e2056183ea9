"""Who may do what to an appeal, through HTTP on real NATS and PostgreSQL (issue 8's role matrix).

Every refusal is a 403 whose reason names who or what, and writes nothing; every recorded event's
actor is the token's `role:sub`. The enterprise's six chiefs all serve at station 恒口 (see feeds).
"""

from datetime import timedelta
from typing import Any

import httpx

from jingzhang.appeals.domain.state import APPEAL
from jingzhang.appeals.domain.vocabulary import ChiefTier
from jingzhang.appeals.projections.officers import PostgresOfficers
from jingzhang.shared.auth import Role

from ...auth import bearer, token
from ...kernel.helpers import eventually
from ..unit.samples import CONTACT, ENTERPRISE, LEADER_A, POLICE_A, POLICE_B, STATION_A
from .conftest import Appeals
from .feeds import Feed, enrol, register_enterprise
from .samples import raise_body

STATION = "恒口"
OWN_CONTACT = bearer(Role.ENTERPRISE_CONTACT, "yuan", enterprise_id=ENTERPRISE)
OTHER_CONTACT = bearer(Role.ENTERPRISE_CONTACT, "qian", enterprise_id="ent-other")
HOLDER = bearer(Role.OFFICER, "sun", officer_id=POLICE_A)
LINKED = bearer(Role.OFFICER, "li", officer_id=POLICE_B)
STRANGER = bearer(Role.OFFICER, "zhou", officer_id="off-zhou")
STATION_CHIEF = bearer(Role.STATION_CHIEF, "chen", officer_id=STATION_A, station=STATION)
"""The enterprise's own station chief (A), not its bureau leader."""
SAME_STATION = bearer(Role.STATION_CHIEF, "gao", officer_id="off-gao", station=STATION)
"""A station chief of 恒口, so in scope, but none of the enterprise's chiefs."""
OTHER_STATION = bearer(Role.STATION_CHIEF, "wu", officer_id="off-wu", station="城关")
AUDITOR = bearer(Role.AUDITOR, "audit")


async def ready(assignment: Feed, appeals: Appeals) -> None:
    """The enterprise, its chiefs and the access facts (links, stations) known to the service."""
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)

    async def linked() -> bool:
        links = await appeals.app.state.access.enterprise(ENTERPRISE)
        return len(links.officer_ids) == 6 and await appeals.app.state.access.officer_station(POLICE_A) == STATION

    await eventually(linked, timeout=15)


async def version(appeals: Appeals, appeal_id: str) -> int:
    """The appeal's version in the event store itself: what a refused command must leave as it was."""
    return len(await appeals.app.state.runtime.store.read_stream(APPEAL.stream(appeal_id)))


def refused(response: httpx.Response, *words: str) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["code"] == "forbidden"
    for word in words:
        assert word in body["detail"], body["detail"]


def refused_as_georeport(response: httpx.Response, *words: str) -> None:
    """Open311's errors are GeoReport's: `[{code, description}]`."""
    assert response.status_code == 403, response.text
    [error] = response.json()
    assert error["code"] == 403
    for word in words:
        assert word in error["description"], error["description"]


async def actors(appeals: Appeals, appeal_id: str) -> list[tuple[str, str]]:
    stored = await appeals.app.state.runtime.store.read_stream(APPEAL.stream(appeal_id))
    return [(e.event_type, e.actor) for e in stored]


def post(appeals: Appeals, path: str, body: dict[str, Any], who: dict[str, str]) -> Any:
    return appeals.client.post(path, json=body, headers=who)


def get(appeals: Appeals, path: str, who: dict[str, str]) -> Any:
    return appeals.client.get(path, headers=who)


async def test_an_enterprise_contact_raises_reads_and_answers_for_their_own_enterprise_only(
    assignment: Feed, appeals: Appeals
) -> None:
    await ready(assignment, appeals)

    raised = await post(appeals, "/appeals", raise_body("ap-own"), OWN_CONTACT)
    assert raised.status_code == 201, raised.text
    refused(await post(appeals, "/appeals", raise_body("ap-theirs"), OTHER_CONTACT), "own enterprise", "ent-other")
    assert await version(appeals, "ap-theirs") == 0

    await appeals.appeal_when("ap-own", lambda v: v["officer_id"] == POLICE_A)
    mine = await get(appeals, "/appeals/ap-own", OWN_CONTACT)
    assert (mine.status_code, mine.json()["description"]) == (200, raise_body("ap-own")["description"])
    listed = await get(appeals, f"/enterprises/{ENTERPRISE}/appeals", OWN_CONTACT)
    assert [a["appeal_id"] for a in listed.json()] == ["ap-own"]
    refused(await get(appeals, "/appeals/ap-own", OTHER_CONTACT), "own enterprise")
    refused(await get(appeals, f"/enterprises/{ENTERPRISE}/appeals", OTHER_CONTACT), "own enterprise")
    refused(await get(appeals, f"/enterprises/{ENTERPRISE}/chiefs", OTHER_CONTACT), "own enterprise")
    refused_as_georeport(await get(appeals, "/open311/v2/requests/ap-own.json", OTHER_CONTACT), "own enterprise")
    refused(await get(appeals, "/appeals/overdue", OWN_CONTACT), "bureau, auditor", "/enterprises/{id}/appeals")
    refused_as_georeport(await get(appeals, "/open311/v2/requests.json", OWN_CONTACT), "bureau, auditor")
    refused(await get(appeals, f"/officers/{POLICE_A}/queue", OWN_CONTACT), "officers' records")
    for path in ("/departments", "/open311/v2/services.json"):
        assert (await get(appeals, path, OWN_CONTACT)).status_code == 200

    # Police work is not the enterprise's to record.
    refused(await post(appeals, "/appeals/ap-own/resolve", {"what_was_done": "x"}, OWN_CONTACT), "enterprise_contact")
    assert await version(appeals, "ap-own") == 2
    await post(appeals, "/appeals/ap-own/resolve", {"what_was_done": "mediated"}, HOLDER)

    answer = {"rating": 5, "resolved": True, "comment": "thank you", "recorded_by": "袁女士"}
    refused(await post(appeals, "/appeals/ap-own/callback", answer, OTHER_CONTACT), "own enterprise")
    assert await version(appeals, "ap-own") == 3
    assert (await post(appeals, "/appeals/ap-own/callback", answer, OWN_CONTACT)).status_code == 201
    assert await actors(appeals, "ap-own") == [
        ("AppealRaised", "enterprise_contact:yuan"),
        ("AppealRouted", "enterprise_contact:yuan"),
        ("AppealResolved", "officer:sun"),
        ("CallbackRecorded", "enterprise_contact:yuan"),
    ]


async def test_officers_act_for_linked_enterprises_and_as_themselves(assignment: Feed, appeals: Appeals) -> None:
    await enrol(assignment, "off-gao", ChiefTier.STATION_CHIEF)
    await ready(assignment, appeals)
    officers = PostgresOfficers(lambda: appeals.app.state.runtime.pool)

    async def enrolled() -> bool:
        return await officers.officer("off-gao") is not None

    await eventually(enrolled, timeout=15)
    await appeals.post("/appeals", raise_body("ap-1"), status=201)
    await appeals.appeal_when("ap-1", lambda v: v["officer_id"] == POLICE_A)

    refused(await post(appeals, "/appeals/ap-1/acknowledge", {}, STRANGER), "off-zhou", "not linked", ENTERPRISE)
    refused(await post(appeals, "/appeals", raise_body("ap-2"), STRANGER), "not linked")
    refused(await get(appeals, "/appeals/ap-1", STRANGER), "not linked")
    naming = {"what_was_done": "x", "resolved_by": POLICE_A}
    refused(await post(appeals, "/appeals/ap-1/resolve", naming, LINKED), "resolved_by", POLICE_B, "own work")
    assert (await version(appeals, "ap-1"), await version(appeals, "ap-2")) == (2, 0)

    # A linked officer who is not the holder may still answer; the event names them, not the holder.
    acked = await post(appeals, "/appeals/ap-1/acknowledge", {"note": "on my way"}, LINKED)
    assert acked.status_code == 200, acked.text
    [_, _, acknowledged] = await appeals.app.state.runtime.store.read_stream(APPEAL.stream("ap-1"))
    assert (acknowledged.actor, acknowledged.data["officer_id"]) == ("officer:li", POLICE_B)

    assert (await get(appeals, f"/officers/{POLICE_A}/queue", HOLDER)).status_code == 200
    refused(await get(appeals, f"/officers/{POLICE_A}/queue", LINKED), POLICE_B, "themselves")
    refused(await get(appeals, "/appeals/near-breach", HOLDER), "you are officer", "/officers/{id}/queue")

    # Extensions: the holder asks; a leader of the enterprise decides (its station chief or bureau leader),
    # which the station_chief and bureau roles admit, the domain checking the very officer.
    ask = {"extra": "P2D", "reason": "waiting for the landlord"}
    assert (await post(appeals, "/appeals/ap-1/extension-requests", ask, HOLDER)).status_code == 201
    refused(await post(appeals, "/appeals/ap-1/extension-approvals", {}, LINKED), "station_chief, bureau")
    refused(await post(appeals, "/appeals/ap-1/extension-approvals", {}, OTHER_STATION), "station 城关")
    no_leader = await post(appeals, "/appeals/ap-1/extension-approvals", {}, SAME_STATION)
    assert (no_leader.status_code, no_leader.json()["code"], no_leader.json()["field"]) == (
        409,
        "not_a_leader",
        "approved_by",
    )
    assert await version(appeals, "ap-1") == 4
    approved = await post(appeals, "/appeals/ap-1/extension-approvals", {}, STATION_CHIEF)
    assert approved.status_code == 201, approved.text
    assert (await actors(appeals, "ap-1"))[-1] == ("ExtensionApproved", "station_chief:chen")
    [*_, decided] = await appeals.app.state.runtime.store.read_stream(APPEAL.stream("ap-1"))
    assert decided.data["approved_by"] == STATION_A
    # the bureau records a bureau leader's decision, naming them
    assert (await post(appeals, "/appeals/ap-1/extension-requests", ask, HOLDER)).status_code == 201
    by_leader = await post(
        appeals, "/appeals/ap-1/extension-refusals", {"reason": "do it now", "refused_by": LEADER_A}, {}
    )
    assert by_leader.status_code == 201, by_leader.text
    assert by_leader.json()["events"] == ["ExtensionRefused", "AppealEscalated"]

    # A station chief reads their station's officers and enterprises, not another station's.
    assert (await get(appeals, f"/officers/{POLICE_A}/queue", STATION_CHIEF)).status_code == 200
    refused(await get(appeals, f"/officers/{POLICE_A}/queue", OTHER_STATION), "station 城关")
    refused(await get(appeals, f"/enterprises/{ENTERPRISE}/appeals", OTHER_STATION), "station 城关")


async def test_the_auditor_only_reads_and_no_token_gets_anything(assignment: Feed, appeals: Appeals) -> None:
    await ready(assignment, appeals)
    await appeals.post("/appeals", raise_body("ap-1"), status=201)
    await appeals.appeal_when("ap-1", lambda v: v["officer_id"] == POLICE_A)

    for path in (
        "/appeals/ap-1",
        "/appeals/overdue",
        "/appeals/near-breach",
        f"/enterprises/{ENTERPRISE}/appeals",
        f"/enterprises/{ENTERPRISE}/chiefs",
        f"/officers/{POLICE_A}/queue",
        "/open311/v2/requests.json",
        "/open311/v2/requests/ap-1.json",
    ):
        assert (await get(appeals, path, AUDITOR)).status_code == 200, path
    refused(await post(appeals, "/appeals", raise_body("ap-2"), AUDITOR), "read-only")
    refused(await post(appeals, "/appeals/ap-1/acknowledge", {"officer_id": POLICE_A}, AUDITOR), "read-only")
    assert (await version(appeals, "ap-1"), await version(appeals, "ap-2")) == (2, 0)

    expired = {"Authorization": f"Bearer {token(Role.BUREAU, ttl=-timedelta(hours=1))}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=appeals.app), base_url="http://service") as anon:
        for headers in ({}, expired):
            assert (await anon.post("/appeals", json=raise_body("ap-2"), headers=headers)).status_code == 401
            assert (await anon.get("/appeals/ap-1", headers=headers)).status_code == 401
            assert (await anon.get("/departments", headers=headers)).status_code == 401
    assert await version(appeals, "ap-2") == 0


async def test_the_bureau_names_the_officer_whose_work_it_records(assignment: Feed, appeals: Appeals) -> None:
    await ready(assignment, appeals)
    await appeals.post("/appeals", raise_body("ap-1"), status=201)

    unnamed = await appeals.client.post("/appeals/ap-1/resolve", json={"what_was_done": "mediated"})
    assert (unnamed.status_code, unnamed.json()["field"]) == (422, "resolved_by")
    a_name = await appeals.client.post("/appeals/ap-1/resolve", json={"what_was_done": "x", "resolved_by": "孙警官"})
    assert (a_name.status_code, a_name.json()["field"]) == (422, "resolved_by")
    await appeals.post("/appeals/ap-1/resolve", {"what_was_done": "mediated", "resolved_by": POLICE_A})

    [raised, _, resolved] = await appeals.app.state.runtime.store.read_stream(APPEAL.stream("ap-1"))
    assert (resolved.actor, resolved.data["resolved_by"]) == ("bureau:bureau-tester", POLICE_A)
    # Stored sealed under each person's key; the HTTP edge shows the values to those who may see them.
    assert raised.data["raised_by"].startswith(f"pii:1:name:contact/{ENTERPRISE}:")
    assert resolved.data["what_was_done"].startswith(f"pii:1:free_text:officer/{POLICE_A}:")
    view = await appeals.appeal_when("ap-1", lambda v: v["status"] == "resolved")
    assert view["raised_by"] == CONTACT
    mine = await get(appeals, "/appeals/ap-1", OWN_CONTACT)
    assert mine.json()["outcome_note"] == "mediated"


async def test_an_unknown_appeal_is_not_found_for_whoever_may_do_the_work(assignment: Feed, appeals: Appeals) -> None:
    """The appeal is looked up once, by the command itself: nobody there is a 404 for every role that may
    do the work (linked or not, as nothing links anyone to it), and a role that may not is refused first."""
    await ready(assignment, appeals)
    answer = {"rating": 5, "resolved": True, "recorded_by": "袁女士"}
    for path, body, who in [
        ("/appeals/ap-none/acknowledge", {}, HOLDER),
        ("/appeals/ap-none/acknowledge", {}, STRANGER),
        ("/appeals/ap-none/resolve", {"what_was_done": "x", "resolved_by": POLICE_A}, {}),  # the bureau
        ("/appeals/ap-none/extension-approvals", {}, STATION_CHIEF),
        ("/appeals/ap-none/extension-refusals", {"reason": "no"}, OTHER_STATION),
        ("/appeals/ap-none/callback", answer, OWN_CONTACT),
        ("/appeals/ap-none/merge", {"into_appeal_id": "ap-other"}, HOLDER),
        ("/appeals/not.an.id/close", {"reason": "x"}, HOLDER),
    ]:
        response = await post(appeals, path, body, who)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), (path, response.text)

    refused(await post(appeals, "/appeals/ap-none/resolve", {"what_was_done": "x"}, OWN_CONTACT), "enterprise_contact")
    refused(await post(appeals, "/appeals/ap-none/acknowledge", {}, AUDITOR), "read-only")
    refused(await post(appeals, "/appeals/ap-none/extension-approvals", {}, HOLDER), "station_chief, bureau")
    assert await version(appeals, "ap-none") == 0


async def test_a_station_chief_lists_their_own_stations_appeals_with_station(
    assignment: Feed, appeals: Appeals
) -> None:
    await ready(assignment, appeals)
    await appeals.post("/appeals", raise_body("ap-1"), status=201)
    await appeals.appeal_when("ap-1", lambda v: v["officer_id"] == POLICE_A)
    appeals.clock.advance(timedelta(days=30))

    async def overdue() -> bool:
        listed = (await get(appeals, "/appeals/overdue", AUDITOR)).json()
        return [a["appeal_id"] for a in listed] == ["ap-1"]

    await eventually(overdue, timeout=15)
    own = await appeals.client.get("/appeals/overdue", params={"station": STATION}, headers=SAME_STATION)
    elsewhere = await appeals.client.get("/appeals/overdue", params={"station": "城关"}, headers=OTHER_STATION)
    by_bureau = await appeals.client.get("/appeals/overdue", params={"station": "城关"})

    assert [a["appeal_id"] for a in own.json()] == ["ap-1"]
    assert (elsewhere.status_code, elsewhere.json(), by_bureau.json()) == (200, [], [])
    for path in ("/appeals/near-breach", "/appeals/unrouted"):
        listed = await appeals.client.get(path, params={"station": STATION}, headers=STATION_CHIEF)
        assert (listed.status_code, listed.json()) == (200, []), path
    for path in ("/appeals/overdue", "/appeals/near-breach", "/appeals/unrouted"):
        refused(await get(appeals, path, STATION_CHIEF), "you are station_chief", f"?station={STATION}")
        other = await appeals.client.get(path, params={"station": "城关"}, headers=STATION_CHIEF)
        refused(other, "you are station_chief", f"?station={STATION}")
        refused(await appeals.client.get(path, params={"station": STATION}, headers=HOLDER), "you are officer")
