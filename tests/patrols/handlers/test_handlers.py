"""Handlers through `execute` on the in-memory store: what reaches the store, retries, unknown ids."""

import uuid
from datetime import timedelta

import pytest

from jingzhang.patrols import handlers
from jingzhang.patrols.domain.cadence import plan_duties, responsible
from jingzhang.patrols.domain.common import VisitKind, local_date
from jingzhang.patrols.domain.duty import DutyFulfilled, FulfilDuty, ReassignDuty, ReassignReason
from jingzhang.patrols.domain.hazard import RecordHazard, RectifyHazard, VerifyHazard
from jingzhang.patrols.domain.planning import current_and_next, plan_ahead
from jingzhang.patrols.domain.visit import RecordVisit
from jingzhang.patrols.events import REGISTRY
from jingzhang.shared.clock import FixedClock
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.errors import ConcurrencyError, DomainRejected, NotFound
from jingzhang.shared.store.memory import InMemoryEventStore

from ..unit.samples import ACTIVITIES, DAY, MONDAY, NEXT_MONDAY, at, away, snapshot

META = Metadata(actor="tester", correlation_id=uuid.uuid4())
WEEKLY = next(d for d in plan_duties(snapshot(), MONDAY, NEXT_MONDAY) if d.kind is VisitKind.WEEKLY_REVISIT)


@pytest.fixture
def store() -> InMemoryEventStore:
    return InMemoryEventStore("patrols")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at(MONDAY, 18))


def visit_command(clock: FixedClock, visit_id: str = "v-1") -> RecordVisit:
    return RecordVisit(
        visit_id=visit_id,
        enterprise_id="ent-1",
        kind=VisitKind.WEEKLY_REVISIT,
        officer_ids=("chief-a",),
        started_at=at(MONDAY, 9),
        ended_at=at(MONDAY, 10),
        location="gate",
        person_times=2,
        findings="all quiet",
        now=clock.now(),
    )


class TestVisits:
    async def test_a_visit_is_recorded_once_even_when_the_request_is_retried(
        self, store: InMemoryEventStore, clock: FixedClock
    ) -> None:
        first = await handlers.record_visit(store, clock, visit_command(clock), META)
        again = await handlers.record_visit(store, clock, visit_command(clock), META)
        assert (first.version, again.version, len(again.events)) == (1, 1, 0)
        assert [e.event_type for e in store.log] == ["PatrolCompleted"]

    async def test_a_stale_expected_version_is_a_conflict(self, store: InMemoryEventStore, clock: FixedClock) -> None:
        with pytest.raises(ConcurrencyError):
            await handlers.record_visit(store, clock, visit_command(clock), META, expected_version=3)


class TestActivities:
    async def test_each_activity_lands_in_its_own_stream_and_decodes(
        self, store: InMemoryEventStore, clock: FixedClock
    ) -> None:
        clock.set(at(DAY, 20))
        for recorded in ACTIVITIES:
            await handlers.record_activity(store, clock, recorded, META)
        assert [env.payload(REGISTRY) for env in store.log] == list(ACTIVITIES)
        assert {env.stream.aggregate_id for env in store.log} == {a.activity_id for a in ACTIVITIES}


class TestHazards:
    def found(self) -> RecordHazard:
        return RecordHazard("hz-1", "ent-1", "blocked exit", MONDAY, MONDAY + timedelta(days=3), ("chief-a",), MONDAY)

    async def test_rectifying_an_unknown_hazard_is_not_found(
        self, store: InMemoryEventStore, clock: FixedClock
    ) -> None:
        with pytest.raises(NotFound):
            await handlers.rectify_hazard(
                store, clock, "nope", RectifyHazard(MONDAY, "fixed", ("chief-a",), MONDAY), META
            )

    async def test_found_rectified_verified(self, store: InMemoryEventStore, clock: FixedClock) -> None:
        await handlers.record_hazard(store, clock, self.found(), META)
        clock.advance(timedelta(days=2))
        today = local_date(clock.now())
        await handlers.rectify_hazard(
            store, clock, "hz-1", RectifyHazard(today, "exit cleared", ("chief-a",), today), META
        )
        done = await handlers.verify_hazard(store, clock, "hz-1", VerifyHazard("v-9", today, ("chief-b",), today), META)
        assert [e.event_type for e in store.log] == ["HazardFound", "HazardRectified", "HazardVerified"]
        assert done.version == 3

    async def test_an_overdue_rectification_is_raised_once(self, store: InMemoryEventStore, clock: FixedClock) -> None:
        await handlers.record_hazard(store, clock, self.found(), META)
        clock.advance(timedelta(days=4))
        await handlers.mark_rectification_overdue(store, clock, "hz-1", META)
        await handlers.mark_rectification_overdue(store, clock, "hz-1", META)
        assert [e.event_type for e in store.log] == ["HazardFound", "HazardRectificationOverdue"]


class TestDuties:
    async def test_planning_twice_appends_nothing_the_second_time(
        self, store: InMemoryEventStore, clock: FixedClock
    ) -> None:
        planned = plan_ahead(snapshot(), MONDAY)
        for _ in range(2):
            for duty in planned:
                await handlers.schedule_duty(store, clock, duty, "chief-a", META)
        assert len(store.log) == len(planned) == len({d.duty_id for d in planned})

    async def test_the_plan_covers_this_and_next_week_and_month(self) -> None:
        keys = {d.period.key for d in plan_ahead(snapshot(), MONDAY)}
        assert keys == {p.key for p in current_and_next(MONDAY)} == {"2025-W10", "2025-W11", "2025-03", "2025-04"}

    async def test_a_missed_duty_goes_overdue_against_a_and_passes_to_b(
        self, store: InMemoryEventStore, clock: FixedClock
    ) -> None:
        await handlers.schedule_duty(store, clock, WEEKLY, "chief-a", META)
        clock.set(WEEKLY.due_at + timedelta(hours=1))
        now_responsible = responsible(WEEKLY, snapshot(absences=(away("chief-a", MONDAY, 14),)), clock.now())
        decided = await handlers.mark_duty_overdue(store, clock, WEEKLY.duty_id, now_responsible, META)
        assert [e.model_dump() for e in decided.events] == [
            {"duty_id": WEEKLY.duty_id, "assignee_officer_id": "chief-a"},
            {"duty_id": WEEKLY.duty_id, "to_officer_id": "chief-b", "reason": "a_away"},
        ]

    async def test_an_unknown_duty_is_not_found(self, store: InMemoryEventStore, clock: FixedClock) -> None:
        with pytest.raises(NotFound):
            await handlers.reassign_duty(store, clock, ReassignDuty("nope", "x", ReassignReason.CHIEF_CHANGED), META)

    async def test_a_fulfilled_duty_refuses_a_second_visit(self, store: InMemoryEventStore, clock: FixedClock) -> None:
        await handlers.schedule_duty(store, clock, WEEKLY, "chief-a", META)
        done = await handlers.fulfil_duty(store, clock, WEEKLY.duty_id, FulfilDuty("v-1", at(MONDAY, 9)), META)
        assert done.events == [DutyFulfilled(duty_id=WEEKLY.duty_id, visit_id="v-1", on_time=True)]
        with pytest.raises(DomainRejected):
            await handlers.fulfil_duty(store, clock, WEEKLY.duty_id, FulfilDuty("v-2", at(MONDAY, 11)), META)
