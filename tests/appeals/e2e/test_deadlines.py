"""Time limits through the deadline worker: warning, breach and escalation, the referral pause, restarts."""

import asyncio
from datetime import datetime

from jingzhang.appeals.settings import AppealsSettings
from jingzhang.shared.clock import FixedClock

from ..unit.samples import DAY, HOUR, LEADER_A, POLICE_A, STATION_A, T0
from .conftest import POLL, Appeals, started
from .feeds import Feed, register_enterprise
from .samples import ack_body, raise_body, types


async def raised_and_acknowledged(
    appeals: Appeals, appeal_id: str, channel: str = "police_chief_service_point"
) -> None:
    await appeals.post("/appeals", raise_body(appeal_id, channel), status=201)
    officer = LEADER_A if channel == "director_direct_line" else POLICE_A
    await appeals.post(f"/appeals/{appeal_id}/acknowledge", ack_body(officer))
    await appeals.appeal_when(appeal_id, lambda v: v["status"] == "in_progress")


def at(view_value: str) -> datetime:
    return datetime.fromisoformat(view_value)


async def test_a_breach_escalates_one_tier_up(assignment: Feed, appeals: Appeals) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    await raised_and_acknowledged(appeals, "ap-gate")
    await raised_and_acknowledged(appeals, "ap-top", "director_direct_line")

    appeals.clock.advance(6 * DAY)  # past 80 % of the 7-day limit
    view = await appeals.appeal_when("ap-gate", lambda v: v["warned"])
    assert types(view)[-1] == "DeadlineWarningRaised"
    near = {a["appeal_id"] for a in await appeals.get("/appeals/near-breach")}
    assert near == {"ap-gate", "ap-top"}

    appeals.clock.advance(2 * DAY)
    view = await appeals.appeal_when("ap-gate", lambda v: v["tier"] == "station_chief")
    assert types(view)[-2:] == ["DeadlineBreached", "AppealEscalated"]
    assert view["officer_id"] == STATION_A
    assert at(view["due_at"]) == T0 + 8 * DAY + 24 * HOUR  # the station chief's grace, in full
    assert [a["appeal_id"] for a in await appeals.get(f"/officers/{STATION_A}/queue")] == ["ap-gate"]
    # The bureau leader is the top of the ladder: the breach stays on record and the appeal is overdue.
    top = await appeals.appeal_when("ap-top", lambda v: v["breached"])
    assert top["officer_id"] == LEADER_A
    assert [a["appeal_id"] for a in await appeals.get("/appeals/overdue")] == ["ap-top"]


async def test_time_with_a_department_does_not_count(assignment: Feed, appeals: Appeals) -> None:
    await register_enterprise(assignment, police_a_away=False)
    await appeals.chiefs_known(police_acting=POLICE_A)
    await raised_and_acknowledged(appeals, "ap-wall")
    appeals.clock.advance(HOUR)
    refer = {"department_id": "urban_management_enforcement", "note": "their wall", "referred_by": POLICE_A}
    await appeals.post("/appeals/ap-wall/refer", refer)
    await appeals.appeal_when("ap-wall", lambda v: v["status"] == "referred")

    appeals.clock.advance(10 * DAY)  # far past the 7-day limit, but the department has it
    await asyncio.sleep(POLL * 6)  # several passes of the deadline worker
    report = {"outcome": "returned", "note": "not ours after all", "recorded_by": POLICE_A}
    await appeals.post("/appeals/ap-wall/report-back", report)

    view = await appeals.appeal_when("ap-wall", lambda v: v["status"] == "in_progress")
    assert "DeadlineBreached" not in types(view)
    assert "DeadlineWarningRaised" not in types(view)
    # 1 h was used before the referral: 7 days less that hour remain from the report back.
    assert at(view["due_at"]) == (T0 + HOUR + 10 * DAY) + (7 * DAY - HOUR)


async def test_deadlines_fire_after_a_restart(assignment: Feed, config: AppealsSettings) -> None:
    clock = FixedClock(T0)
    async with started(config, clock) as first:
        await register_enterprise(assignment, police_a_away=False)
        await first.chiefs_known(police_acting=POLICE_A)
        await raised_and_acknowledged(first, "ap-gate")
    clock.advance(8 * DAY)  # the deadline passes while the service is down

    async with started(config, clock) as second:
        view = await second.appeal_when("ap-gate", lambda v: v["tier"] == "station_chief")
        assert types(view)[-2:] == ["DeadlineBreached", "AppealEscalated"]
        assert view["officer_id"] == STATION_A
        breach = view["history"][-2]["data"]
        assert (at(breach["due_at"]), at(breach["breached_at"])) == (T0 + 7 * DAY, T0 + 8 * DAY)
