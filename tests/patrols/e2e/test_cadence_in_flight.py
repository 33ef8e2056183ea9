"""A visit recorded on time is never counted as a miss because it was still on its way to the reactor.

A visit fulfils its duty through the pipeline (store -> relay -> JetStream -> fulfilment reactor ->
`DutyFulfilled`). Here the reactor is held (its consumer waits at the reactor's gate, as a slow or
busy consumer would) while a visit is recorded just before the duty falls due; a pass after the due
time then records no `DutyOverdue` for that duty, nor for any other (it cannot show that its own
events are applied, so it defers), and once the reactor runs the duty is fulfilled on time. A duty
nobody visited becomes overdue at the next pass, as before."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from nats.aio.client import Client as NATS

from jingzhang.patrols import handlers
from jingzhang.patrols.bootstrap import create_app
from jingzhang.patrols.domain.common import ZONE_TZ, local_date
from jingzhang.patrols.domain.duty import DutyScheduled, ScheduleDuty
from jingzhang.patrols.domain.planning import plan_ahead
from jingzhang.patrols.domain.vocabulary import ChiefTier, Slot
from jingzhang.patrols.events import REGISTRY
from jingzhang.patrols.projections.assignments import PostgresAssignments
from jingzhang.patrols.projections.duties import PROJECTION as DUTIES
from jingzhang.patrols.reactors.fulfilment import REACTOR
from jingzhang.patrols.settings import PatrolsSettings
from jingzhang.patrols.workers import PassReport, cadence_pass
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.envelope import Metadata, StreamId
from tests.apps import running
from tests.conftest import ServiceEnv
from tests.kernel.helpers import eventually

from .conftest import IDS, NOW, AssignmentFeed, Patrols, subjects_known

VISITED = "ent-1-weekly_revisit-2025-W10"
MISSED = "ent-2-weekly_revisit-2025-W10"
META = Metadata(actor="test", correlation_id=uuid.uuid4())
DUE = datetime(2025, 3, 10, 0, tzinfo=ZONE_TZ)  # W10's revisits fall due at Monday's midnight


@dataclass
class Stack(Patrols):
    """The patrols app with no periodic pass running: the test runs each pass."""

    async def run_pass(self) -> PassReport:
        return await cadence_pass(self.runtime, self.clock, IDS.factory()).run()

    async def duty_events(self, duty_id: str) -> list[str]:
        rows = await self.runtime.pool.fetch(
            "SELECT event_type FROM es.events WHERE aggregate_type = 'duty' AND aggregate_id = $1 ORDER BY version",
            duty_id,
        )
        return [r["event_type"] for r in rows]


async def chiefs_known(stack: Stack, *enterprises: str) -> None:
    """Wait until patrols' assignments projection holds each enterprise with all six chiefs, so that
    a pass plans their duties with their assignees (and has none to move)."""

    async def known() -> bool:
        snapshot = await PostgresAssignments(stack.runtime.pool_of).snapshot(stack.clock.now())
        found = [snapshot.enterprise(e) for e in enterprises]
        return all(e is not None and all(e.tier(t).holder(s) for t in ChiefTier for s in Slot) for e in found)

    known.__name__ = f"chiefs of {enterprises} known"
    await eventually(known, timeout=20)


@pytest.fixture
async def stack(service_env: ServiceEnv, nc: NATS) -> AsyncIterator[Stack]:
    base = await service_env.settings("patrols")
    # no pass but the test's own; a pass that cannot show its events applied gives up after half a second
    settings = PatrolsSettings(**{**base.model_dump(), "cadence_poll_interval": 3600, "subject_wait": 0.5})
    clock = FixedClock(NOW)
    app = create_app(settings, clock, IDS.factory())
    async with running(app) as client:
        yield Stack(client, clock, app.state.runtime)


async def test_a_visit_on_its_way_to_the_reactor_is_not_counted_as_a_miss(
    feed: AssignmentFeed, stack: Stack, nc: NATS
) -> None:
    await feed.register_with_chiefs("ent-1")
    await feed.register_with_chiefs("ent-2")
    await feed.enrol("chief-a")
    await subjects_known(stack, ["ent-1", "ent-2"], ["chief-a"])
    await chiefs_known(stack, "ent-1", "ent-2")

    async def planned() -> bool:
        await stack.run_pass()
        return await stack.duty_events(VISITED) == await stack.duty_events(MISSED) == ["DutyScheduled"]

    await eventually(planned, timeout=20)

    async def projected() -> bool:  # the duties projection shows both open, as the pass will read them
        rows = await stack.client.get("/officers/chief-a/duties", params={"status": "due"})
        return {VISITED, MISSED} <= {d["duty_id"] for d in rows.json()}

    await eventually(projected, timeout=20)

    gate = stack.runtime.consumers[0].gates[REACTOR.name]
    await gate.acquire()  # the reactor's consumer now waits here with whatever it fetched
    try:
        stack.clock.set(datetime(2025, 3, 9, 22, tzinfo=ZONE_TZ))
        visit = {
            "visit_id": "v-late-evening",
            "enterprise_id": "ent-1",
            "kind": "weekly_revisit",
            "officer_ids": ["chief-a"],
            "started_at": "2025-03-09T20:00:00+08:00",
            "ended_at": "2025-03-09T21:00:00+08:00",
            "location": "site gate",
            "person_times": 1,
            "findings": "all quiet",
        }
        response = await stack.client.post("/visits", json=visit)
        assert response.status_code == 201, response.text
        stack.clock.set(datetime(2025, 3, 10, 1, tzinfo=ZONE_TZ))  # both duties are past due now
        report = await stack.run_pass()
        assert (report.overdue, report.deferred) == (0, 2)
        assert await stack.duty_events(VISITED) == ["DutyScheduled"]
        assert await stack.duty_events(MISSED) == ["DutyScheduled"]
    finally:
        gate.release()

    async def fulfilled() -> bool:
        duty = (await stack.client.get(f"/duties/{VISITED}")).json()
        return bool(duty["status"] == "fulfilled")

    await eventually(fulfilled, timeout=20)
    duty = (await stack.client.get(f"/duties/{VISITED}")).json()
    assert (duty["fulfilled_by"], duty["fulfilled_on_time"]) == ("v-late-evening", True)
    assert await stack.duty_events(VISITED) == ["DutyScheduled", "DutyFulfilled"]

    async def missed_recorded() -> bool:  # nothing in flight any more: the next pass records the miss
        await stack.run_pass()
        return "DutyOverdue" in await stack.duty_events(MISSED)

    await eventually(missed_recorded, timeout=20)
    assert await stack.duty_events(VISITED) == ["DutyScheduled", "DutyFulfilled"]
    assert await stack.duty_events(MISSED) == ["DutyScheduled", "DutyOverdue"]


async def test_new_duties_go_in_chunks_and_one_the_projection_did_not_know_costs_its_chunk_nothing(
    feed: AssignmentFeed, stack: Stack, nc: NATS
) -> None:
    await feed.register_with_chiefs("ent-1")
    await chiefs_known(stack, "ent-1")
    gate = stack.runtime.consumers[0].gates[DUTIES.name]
    await gate.acquire()  # the duties projection knows nothing the pass plans
    try:
        deps = cadence_pass(stack.runtime, stack.clock, IDS.factory()).deps
        snapshot = await PostgresAssignments(stack.runtime.pool_of).snapshot(NOW)
        w10 = next(d for d in plan_ahead(snapshot, local_date(NOW)) if d.duty_id == VISITED)
        early = ScheduleDuty(w10, "chief-b")  # planned elsewhere a moment ago, with another assignee
        assert (await handlers.schedule_duty(deps, early, META)).events
        report = await stack.run_pass()
    finally:
        gate.release()
    assert report.conflicts == []
    assert report.scheduled == 5  # W10, W11 and both months' meetings and inspections, but W10
    planned = await stack.runtime.pool.fetch(
        "SELECT aggregate_id, count(*) AS n FROM es.events WHERE aggregate_type = 'duty' GROUP BY aggregate_id"
    )
    assert {r["aggregate_id"]: r["n"] for r in planned} == {
        VISITED: 1,
        "ent-1-weekly_revisit-2025-W11": 1,
        "ent-1-leader_meeting-2025-03": 1,
        "ent-1-leader_meeting-2025-04": 1,
        "ent-1-inspection-2025-03": 1,
        "ent-1-inspection-2025-04": 1,
    }
    (scheduled,) = await stack.runtime.store.read_stream(StreamId("duty", VISITED))
    payload = scheduled.payload(REGISTRY)
    assert isinstance(payload, DutyScheduled)
    assert payload.assignee_officer_id == "chief-b"  # left as it was recorded
