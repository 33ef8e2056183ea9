"""Report up → assign → carry out over HTTP on real NATS and PostgreSQL (issue 14 item 5): the police chief
reports a matter beyond their remit, the enterprise's bureau leader assigns it to a unit with a deadline,
progress is recorded and it is carried out; it is on both officers' queues until then; a deadline that
passes first is recorded overdue once; who may do what is checked, bad input names the field."""

from datetime import timedelta

from jingzhang.appeals.domain.matters import MATTER
from jingzhang.shared.auth import Role
from tests.auth import bearer
from tests.kernel.helpers import eventually

from ..unit.samples import DAY, ENTERPRISE, LEADER_A, POLICE_A, T0
from .conftest import Appeals
from .feeds import Feed, register_enterprise

POLICE = bearer(Role.OFFICER, "sun", officer_id=POLICE_A)
LEADER = bearer(Role.OFFICER, "zhang", officer_id=LEADER_A)
CONTACT = bearer(Role.ENTERPRISE_CONTACT, "yuan", enterprise_id=ENTERPRISE)
OTHER_CONTACT = bearer(Role.ENTERPRISE_CONTACT, "qian", enterprise_id="ent-other")
REPORT = {"matter_id": "m-road", "enterprise_id": ENTERPRISE, "summary": "工地进出道路需交通部门协调"}


async def stream(appeals: Appeals, matter_id: str) -> list[str]:
    return [e.event_type for e in await appeals.app.state.runtime.store.read_stream(MATTER.stream(matter_id))]


async def test_a_matter_goes_up_is_assigned_and_carried_out(assignment: Feed, appeals: Appeals) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    client = appeals.client

    assert (await client.post("/matters", json=REPORT, headers=CONTACT)).status_code == 403
    assert (await client.post("/matters", json=REPORT, headers=POLICE)).status_code == 201
    assert (await client.post("/matters", json=REPORT, headers=POLICE)).status_code == 201  # a retry
    assert await stream(appeals, "m-road") == ["MatterReported"]

    deadline = (T0 + 3 * DAY).isoformat()
    assign = {"unit": "economic_development_bureau", "deadline": deadline, "instruction": "三日内协调"}
    by_police = await client.post("/matters/m-road/assign", json=assign, headers=POLICE)
    assert (by_police.status_code, by_police.json()["field"]) == (409, "assigned_by"), by_police.text
    past = await client.post("/matters/m-road/assign", json={**assign, "deadline": T0.isoformat()}, headers=LEADER)
    assert (past.status_code, past.json()["field"]) == (422, "deadline"), past.text
    assert (await client.post("/matters/m-road/assign", json=assign, headers=LEADER)).status_code == 200

    async def queued(officer: str, headers: dict[str, str]) -> list[str]:
        return [m["matter_id"] for m in (await client.get(f"/officers/{officer}/matters", headers=headers)).json()]

    async def on_both_queues() -> bool:
        return await queued(POLICE_A, POLICE) == ["m-road"] == await queued(LEADER_A, LEADER)

    await eventually(on_both_queues, timeout=20)
    note = {"note": "经发局已受理"}
    assert (await client.post("/matters/m-road/progress", json=note, headers=POLICE)).status_code == 201
    appeals.clock.advance(3 * DAY + timedelta(hours=1))

    async def overdue() -> bool:
        return "MatterOverdue" in await stream(appeals, "m-road")

    await eventually(overdue, timeout=20)
    assert (
        await client.post("/matters/m-road/complete", json={"note": "道路已打通"}, headers=POLICE)
    ).status_code == 200
    assert await stream(appeals, "m-road") == [
        "MatterReported",
        "MatterAssigned",
        "MatterProgressReported",
        "MatterOverdue",
        "MatterCompleted",
    ]

    async def done() -> bool:
        found = (await client.get("/matters/m-road", headers=CONTACT)).json()
        return found.get("status") == "completed"

    await eventually(done, timeout=20)
    shown = (await client.get("/matters/m-road", headers=CONTACT)).json()
    assert (shown["unit"], shown["overdue"], shown["on_time"]) == ("economic_development_bureau", True, False)
    assert await queued(POLICE_A, POLICE) == []
    assert (await client.get(f"/enterprises/{ENTERPRISE}/matters", headers=CONTACT)).status_code == 200
    assert (await client.get("/matters/m-road", headers=OTHER_CONTACT)).status_code == 403
    again = await client.post("/matters/m-road/complete", json={"note": "again"}, headers=POLICE)
    assert (again.status_code, again.json()["field"]) == (409, "matter_id")
