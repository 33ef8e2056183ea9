"""Cadence end to end: assignment events in, duties planned, missed, handed over and moved; and the
cadence as the kernel's periodic worker under the demo's controlled clock."""

from datetime import datetime, timedelta
from typing import Any

from nats.aio.client import Client as NATS

from jingzhang.assignment.domain.events import AbsenceDeclared, ChiefAssigned, ChiefRelieved, ChiefTier, Slot
from jingzhang.patrols.bootstrap import create_app
from jingzhang.patrols.domain.common import ZONE_TZ
from jingzhang.patrols.projections import assignments
from jingzhang.patrols.settings import PatrolsSettings
from jingzhang.shared.clock import ShiftedClock
from tests.apps import running
from tests.conftest import ServiceEnv
from tests.kernel.helpers import eventually

from .conftest import NOW, AssignmentFeed, Patrols, subjects_known

WEEKLY_W10 = "ent-1-weekly_revisit-2025-W10"
WEEKLY_W11 = "ent-1-weekly_revisit-2025-W11"
PLAN = {
    "chief-a": {WEEKLY_W10, WEEKLY_W11},
    "leader-a": {"ent-1-leader_meeting-2025-03", "ent-1-leader_meeting-2025-04"},
    "station-a": {"ent-1-inspection-2025-03", "ent-1-inspection-2025-04"},
}


async def duties_of(patrols: Patrols, officer: str, status: str = "due") -> list[dict[str, Any]]:
    response = await patrols.client.get(f"/officers/{officer}/duties", params={"status": status})
    assert response.status_code == 200
    body: list[dict[str, Any]] = response.json()
    return body


async def wait_for_duties(patrols: Patrols, officer: str, expected: set[str], status: str = "due") -> None:
    async def holds() -> bool:
        return {d["duty_id"] for d in await duties_of(patrols, officer, status)} == expected

    holds.__name__ = f"{officer} has {status} {sorted(expected)}"
    await eventually(holds, timeout=20)


async def duty_events(patrols: Patrols) -> int:
    return int(await patrols.runtime.pool.fetchval("SELECT count(*) FROM es.events WHERE aggregate_type = 'duty'"))


async def test_a_new_enterprise_gets_weekly_and_monthly_duties_and_a_visit_fulfils_one(
    feed: AssignmentFeed, patrols: Patrols, nc: NATS
) -> None:
    await feed.register_with_chiefs()
    await feed.enrol("chief-a")
    for officer, expected in PLAN.items():
        await wait_for_duties(patrols, officer, expected)
    await subjects_known(patrols, ["ent-1"], ["chief-a"])
    planned = await duty_events(patrols)
    visit = {
        "visit_id": "v-1",
        "enterprise_id": "ent-1",
        "kind": "weekly_revisit",
        "officer_ids": ["chief-a"],
        "started_at": "2025-03-05T08:00:00+08:00",
        "ended_at": "2025-03-05T09:00:00+08:00",
        "location": "site gate",
        "person_times": 2,
        "findings": "all quiet",
    }
    response = await patrols.client.post("/visits", json=visit)
    assert response.status_code == 201
    assert response.json()["events"] == ["PatrolCompleted"]
    await wait_for_duties(patrols, "chief-a", {WEEKLY_W11})
    duty = (await patrols.client.get(f"/duties/{WEEKLY_W10}")).json()
    assert (duty["status"], duty["fulfilled_by"], duty["fulfilled_on_time"]) == ("fulfilled", "v-1", True)
    # Passes keep running: planning again appends nothing beyond the one fulfilment.
    assert await duty_events(patrols) == planned + 1


async def test_a_missed_weekly_revisit_becomes_overdue_and_moves_to_b_while_a_is_away(
    feed: AssignmentFeed, patrols: Patrols, nc: NATS
) -> None:
    await feed.register_with_chiefs()
    await wait_for_duties(patrols, "chief-a", PLAN["chief-a"])
    leave = datetime(2025, 3, 9, 20, tzinfo=ZONE_TZ)
    away = AbsenceDeclared(
        officer_id="chief-a", absence_id="leave-1", starts_at=leave, ends_at=leave + timedelta(days=14), reason="leave"
    )
    await feed.emit("officer", "chief-a", NOW, away)

    async def absence_known() -> bool:
        return bool((await assignments.PostgresAssignments(lambda: patrols.runtime.pool).snapshot(NOW)).absences)

    await eventually(absence_known, timeout=20)
    patrols.clock.set(datetime(2025, 3, 10, 1, tzinfo=ZONE_TZ))  # W10's revisit was due at midnight
    await wait_for_duties(patrols, "chief-b", {WEEKLY_W10}, status="overdue")
    missed = (await patrols.client.get(f"/duties/{WEEKLY_W10}")).json()
    assert (missed["status"], missed["missed_by"], missed["assignee"]) == ("overdue", "chief-a", "chief-b")
    assert await duties_of(patrols, "chief-a", "overdue") == []


async def test_a_reassignment_moves_future_duties_to_the_new_chief(
    feed: AssignmentFeed, patrols: Patrols, nc: NATS
) -> None:
    await feed.register_with_chiefs()
    await wait_for_duties(patrols, "chief-a", PLAN["chief-a"])
    tier, slot = ChiefTier.POLICE_CHIEF, Slot.A
    relieved = ChiefRelieved(
        enterprise_id="ent-1", tier=tier, slot=slot, officer_id="chief-a", effective_from=NOW, reason="reassigned"
    )
    assigned = ChiefAssigned(enterprise_id="ent-1", tier=tier, slot=slot, officer_id="chief-c", effective_from=NOW)
    await feed.emit("enterprise", "ent-1", NOW, relieved, assigned)
    await wait_for_duties(patrols, "chief-c", PLAN["chief-a"])
    assert await duties_of(patrols, "chief-a") == []
    assert await duties_of(patrols, "leader-a") != []  # other tiers keep their chiefs


async def test_under_the_demos_clock_moving_time_runs_a_cadence_pass_and_a_restart_never_goes_back(
    feed: AssignmentFeed, service_env: ServiceEnv, nc: NATS
) -> None:
    base = await service_env.settings("patrols", clock_control=True, clock_start=NOW)
    settings = PatrolsSettings(**{**base.model_dump(), "cadence_poll_interval": 3600})  # no pass but ours
    # Monday of week 12: only a pass at this time plans weeks 12 and 13 (one at start, in week 10, never
    # could, whether or not it already saw the enterprise)
    moved_to = datetime(2025, 3, 17, 10, tzinfo=ZONE_TZ)
    app = create_app(settings, ShiftedClock(NOW))
    async with running(app) as client:
        await feed.register_with_chiefs()

        async def enterprise_known() -> bool:
            return bool((await assignments.PostgresAssignments(app.state.runtime.pool_of).snapshot(NOW)).enterprises)

        await eventually(enterprise_known, timeout=20)
        moved = await client.put("/clock", json={"now": moved_to.isoformat()})
        assert moved.status_code == 200, moved.text
        assert moved.json()["passes"]["cadence"] >= 4  # weeks 12 and 13, and more (months, or 10 and 11 missed)

        async def settled() -> bool:
            return bool((await client.get("/clock")).json()["unsettled"] == 0)

        # once what a pass recorded is read back, the next pass at a later time has nothing left to record
        for minutes in (1, 2):
            await eventually(settled, timeout=20)
            again = await client.put("/clock", json={"now": (moved_to + timedelta(minutes=minutes)).isoformat()})
        assert again.json()["passes"] == {"cadence": 0}

        async def planned_at_the_new_time() -> bool:
            due = (await client.get("/officers/chief-a/duties")).json()
            return {"ent-1-weekly_revisit-2025-W12", "ent-1-weekly_revisit-2025-W13"} <= {d["duty_id"] for d in due}

        await eventually(planned_at_the_new_time, timeout=20)
        recorded_at = await app.state.runtime.pool.fetchval("SELECT max(occurred_at) FROM es.events")
        assert moved_to <= recorded_at < moved_to + timedelta(minutes=2)

    restarted = create_app(settings, ShiftedClock(NOW - timedelta(days=30)))
    async with running(restarted) as client:
        reading = await client.get("/clock")
        assert datetime.fromisoformat(reading.json()["now"]) >= recorded_at
