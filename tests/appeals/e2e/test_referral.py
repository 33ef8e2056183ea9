"""Out of duty: referred to a department, followed up, and open on our side until it reports back."""

from typing import Any

from ..unit.samples import DAY, ENTERPRISE, HOUR, POLICE_A, STATION_A
from .conftest import Appeals
from .feeds import Feed, register_enterprise
from .samples import ack_body, raise_body, types

DEPARTMENT = "urban_management_enforcement"


async def test_a_referral_stays_open_until_the_department_reports_back(assignment: Feed, appeals: Appeals) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    await appeals.post("/appeals", raise_body("ap-wall"), status=201)
    await appeals.post("/appeals/ap-wall/acknowledge", ack_body())
    refer = {"department_id": DEPARTMENT, "note": "illegal wall by the gate", "referred_by": POLICE_A}
    await appeals.post("/appeals/ap-wall/refer", refer)
    await appeals.post("/appeals/ap-wall/follow-ups", {"note": "called the brigade", "followed_up_by": POLICE_A}, 201)

    view = await appeals.appeal_when("ap-wall", lambda v: "ReferralFollowedUp" in types(v))
    assert (view["status"], view["is_open"], view["department_id"], view["due_at"]) == (
        "referred",
        True,
        DEPARTMENT,
        None,
    )
    assert [a["appeal_id"] for a in await appeals.get(f"/enterprises/{ENTERPRISE}/appeals?open=true")] == ["ap-wall"]
    [request] = await appeals.get("/open311/v2/requests/ap-wall.json")
    assert (request["status"], request["agency_responsible"]) == ("open", "城管执法大队")

    # chased (issue 14 item 3): reminded at 4/5 of the department's 5 days, overdue past them, and a day
    # later the appeal goes to the station chief; the late reply counts in the department's own figures
    assert view["referral_due_at"] is not None
    assert not view["referral_overdue"]
    appeals.clock.advance(4 * DAY + HOUR)
    await appeals.appeal_when("ap-wall", lambda v: types(v)[-1] == "ReferralReplyReminded")
    appeals.clock.advance(DAY)
    view = await appeals.appeal_when("ap-wall", lambda v: v["referral_overdue"])
    [queued] = await appeals.get(f"/officers/{POLICE_A}/queue")
    assert (queued["appeal_id"], queued["referral_overdue"]) == ("ap-wall", True)
    assert (await figures(appeals))["overdue_now"] == 1
    appeals.clock.advance(DAY)
    view = await appeals.appeal_when("ap-wall", lambda v: types(v)[-1] == "AppealEscalated")
    assert (view["officer_id"], view["status"]) == (STATION_A, "referred")

    report = {"outcome": "done", "note": "wall demolished", "recorded_by": POLICE_A}
    await appeals.post("/appeals/ap-wall/report-back", report)
    view = await appeals.appeal_when("ap-wall", lambda v: not v["is_open"])
    assert (view["status"], view["outcome"]) == ("resolved", "referred_and_done")
    assert await appeals.get(f"/enterprises/{ENTERPRISE}/appeals?open=true") == []
    [request] = await appeals.get("/open311/v2/requests/ap-wall.json")
    assert request["status"] == "closed"
    closed = await appeals.get("/open311/v2/requests.json?status=closed")
    assert [r["service_request_id"] for r in closed] == ["ap-wall"]
    counted = await figures(appeals)
    assert (counted["reply_within"], counted["referrals"], counted["replied"]) == ("P5D", 1, 1)
    assert (counted["replied_late"], counted["overdue_now"], counted["ever_overdue"]) == (1, 0, 1)


async def figures(appeals: Appeals) -> dict[str, Any]:
    """The department's own figures, as the bureau reads them."""
    listed = await appeals.get("/departments/figures")
    [mine] = [d for d in listed if d["department_id"] == DEPARTMENT]
    return dict(mine)


async def test_errors_name_the_problem(assignment: Feed, appeals: Appeals) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    await appeals.post("/appeals", raise_body("ap-1"), status=201)
    unknown = await appeals.client.post("/appeals/ap-none/acknowledge", json=ack_body())
    assert unknown.status_code == 404
    bad = await appeals.client.post(
        "/appeals/ap-1/refer", json={"department_id": "nope", "note": "x", "referred_by": POLICE_A}
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "department_id")
    nobody = await appeals.client.post(
        "/appeals/ap-1/refer", json={"department_id": DEPARTMENT, "note": "x", "referred_by": "off-nobody"}
    )
    assert (nobody.status_code, nobody.json()["field"], nobody.json()["code"]) == (
        422,
        "referred_by",
        "unknown_officer",
    )
    stale = await appeals.client.post("/appeals/ap-1/acknowledge", json={**ack_body(), "expected_version": 1})
    assert stale.status_code == 409
    missing = await appeals.client.post("/appeals", json={"enterprise_id": ENTERPRISE})
    assert (missing.status_code, missing.json()["field"]) == (422, "channel")
    stranger = await appeals.client.post("/appeals", json={**raise_body("ap-2"), "enterprise_id": "ent-none"})
    assert (stranger.status_code, stranger.json()["field"], stranger.json()["code"]) == (
        422,
        "enterprise_id",
        "unknown_enterprise",
    )
    assert (await appeals.client.get("/appeals/ap-2")).status_code == 404
