"""Intake through HTTP on real NATS and PostgreSQL: the receipt time limits run from, the duty desk holding
what nobody can be given yet, idempotent retries and `expected_version` on a raise."""

from datetime import timedelta
from typing import Any

from jingzhang.appeals.domain.state import APPEAL

from ...kernel.helpers import eventually
from ..unit.samples import DAY, ENTERPRISE, HOUR, POLICE_A, POLICE_B, T0
from .conftest import Appeals
from .feeds import CHIEFS, Feed, chiefs_appointed, enrol, register_enterprise, registered
from .samples import ack_body, raise_body, types


async def recorded(appeals: Appeals, appeal_id: str) -> int:
    """The appeal's version in the event store itself."""
    return len(await appeals.app.state.runtime.store.read_stream(APPEAL.stream(appeal_id)))


def problem(response: Any) -> tuple[int, str | None, str]:
    body = response.json()
    return response.status_code, body["field"], body["code"]


async def test_an_appeal_entered_later_runs_its_limits_from_receipt(assignment: Feed, appeals: Appeals) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    appeals.clock.advance(2 * DAY)  # the paper appeal is entered two days after the phone call
    phoned = T0 + HOUR

    accepted = await appeals.post("/appeals", raise_body("ap-phone", "phone", received_at=phoned.isoformat()), 201)

    assert accepted["events"] == ["AppealRaised", "AppealRouted"]
    view = await appeals.appeal_when("ap-phone", lambda v: "DeadlineBreached" in types(v))
    assert (view["received_at"], view["raised_at"]) == ("2026-03-02T10:00:00Z", "2026-03-04T09:00:00Z")
    breach = next(e["data"] for e in view["history"] if e["event_type"] == "DeadlineBreached")
    assert (breach["kind"], breach["due_at"]) == ("first_response", "2026-03-03T10:00:00Z")  # 24 h after receipt
    assert view["history"][0]["data"]["received_at"] == "2026-03-02T10:00:00Z"
    [request] = await appeals.get("/open311/v2/requests/ap-phone.json")
    assert request["requested_datetime"] == "2026-03-02T10:00:00Z"


async def test_a_receipt_in_the_future_or_before_the_registration_names_the_field(
    assignment: Feed, appeals: Appeals
) -> None:
    await register_enterprise(assignment, police_a_away=False)  # registered on T0's day (2 March, Shanghai)
    await appeals.chiefs_known(police_acting=POLICE_A)

    for received_at in (
        (T0 + timedelta(minutes=6)).isoformat(),  # beyond the five minutes of clock skew allowed
        "2026-03-01T23:59:00+08:00",  # the evening before the registration day
        "2026-03-02T09:00:00",  # no offset: which 9 o'clock?
    ):
        refused = await appeals.client.post("/appeals", json=raise_body("ap-x", received_at=received_at))
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "received_at"
    assert await recorded(appeals, "ap-x") == 0
    on_the_day = await appeals.client.post("/appeals", json=raise_body("ap-x", received_at="2026-03-02T00:10:00+08:00"))
    assert on_the_day.status_code == 201, on_the_day.text


async def test_with_nobody_to_route_to_the_duty_desk_holds_it_until_a_chief_is_known(
    assignment: Feed, appeals: Appeals
) -> None:
    for tier, officers in CHIEFS.items():
        for officer_id in officers:
            await enrol(assignment, officer_id, tier)
    await assignment.write("enterprise", ENTERPRISE, registered())  # registered, no chief appointed yet

    async def enterprise_known() -> bool:
        return (await appeals.client.get(f"/enterprises/{ENTERPRISE}/chiefs")).status_code == 200

    await eventually(enterprise_known, timeout=15)

    accepted = await appeals.post("/appeals", raise_body("ap-gap"), 201)

    assert accepted["events"] == ["AppealRaised", "AppealHeldAtDutyDesk"]
    view = await appeals.appeal_when("ap-gap", lambda v: v["unrouted"] and v["held_reason"] is not None)
    assert (view["status"], view["held_reason"], view["officer_id"]) == ("raised", "no_acting_chief", None)
    assert [a["appeal_id"] for a in await appeals.get("/appeals/unrouted")] == ["ap-gap"]
    [listed] = await appeals.get(f"/enterprises/{ENTERPRISE}/appeals")
    assert listed["unrouted"] is True
    waiting = await appeals.client.post("/appeals/ap-gap/acknowledge", json=ack_body())
    assert problem(waiting) == (409, None, "not_routed")

    appeals.clock.advance(3 * HOUR)
    await assignment.write("enterprise", ENTERPRISE, *chiefs_appointed())  # the station appoints the chiefs

    view = await appeals.appeal_when("ap-gap", lambda v: v["officer_id"] == POLICE_A)
    assert types(view) == ["AppealRaised", "AppealHeldAtDutyDesk", "AppealRouted"]
    assert (view["status"], view["unrouted"], view["held_reason"]) == ("routed", False, None)
    assert view["history"][-1]["actor"] == "appeals:duty-desk"
    assert view["history"][-1]["data"]["routed_at"] == "2026-03-02T12:00:00Z"
    assert view["due_at"] == "2026-03-09T09:00:00Z"  # 7 days from receipt, not from the routing
    assert await appeals.get("/appeals/unrouted") == []
    await appeals.post("/appeals/ap-gap/acknowledge", ack_body())


async def test_a_retry_answers_the_first_answer_and_other_content_is_a_duplicate(
    assignment: Feed, appeals: Appeals
) -> None:
    await register_enterprise(assignment, police_a_away=True)
    await appeals.chiefs_known(police_acting=POLICE_B)
    body = raise_body("ap-retry", "phone", emergency=True)

    first = await appeals.client.post("/appeals", json=body)
    await appeals.post("/appeals/ap-retry/acknowledge", ack_body(POLICE_B))
    again = await appeals.client.post("/appeals", json=body)

    assert first.status_code == again.status_code == 201
    assert (
        first.json()
        == again.json()
        == {
            "id": "ap-retry",
            "version": 3,
            "events": ["AppealRaised", "AppealDivertedTo110", "AppealRouted"],
        }
    )
    other = await appeals.client.post("/appeals", json={**body, "category": "legal_four_preventions"})
    assert problem(other) == (409, "appeal_id", "duplicate")
    assert await recorded(appeals, "ap-retry") == 4


async def test_an_expected_version_on_a_raise_is_honoured(assignment: Feed, appeals: Appeals) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)

    stale = await appeals.client.post("/appeals", json=raise_body("ap-v", expected_version=2))
    assert problem(stale) == (409, None, "stale_version")
    assert await recorded(appeals, "ap-v") == 0
    new = await appeals.client.post("/appeals", json=raise_body("ap-v", expected_version=0))
    assert (new.status_code, new.json()["version"]) == (201, 2)
    retried = await appeals.client.post("/appeals", json=raise_body("ap-v", expected_version=0))
    assert (retried.status_code, retried.json()) == (201, new.json())
    behind = await appeals.client.post("/appeals", json=raise_body("ap-v", expected_version=1))
    assert problem(behind) == (409, None, "stale_version")
    assert await recorded(appeals, "ap-v") == 2
