"""Handlers through `execute` on the in-memory store: what reaches the store, retries, unknown ids,
ids drawn for new streams, authorization on the state a command loaded (one read per command), and
who a report may name (a hand-written `SubjectsView` standing in for the subjects projection)."""

import asyncio
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import assert_never

import pytest

from jingzhang.patrols import handlers
from jingzhang.patrols.domain.activity import (
    ActivityCommand,
    ActivityState,
    DistributeLeaflets,
    HandleCase,
    HoldForum,
    HoldTraining,
    MediateDispute,
    ServeOnBehalf,
)
from jingzhang.patrols.domain.cadence import plan_duties, responsible
from jingzhang.patrols.domain.common import VisitKind, local_date
from jingzhang.patrols.domain.duty import (
    DutyFulfilled,
    FulfilDuty,
    MarkDutyOverdue,
    ReassignDuty,
    ReassignReason,
    ScheduleDuty,
)
from jingzhang.patrols.domain.hazard import (
    HazardState,
    MarkRectificationOverdue,
    RecordHazard,
    RectifyHazard,
    VerifyHazard,
)
from jingzhang.patrols.domain.planning import current_and_next, plan_ahead
from jingzhang.patrols.domain.subjects import Claim, Known, KnownEnterprise, KnownOfficer, SubjectKind
from jingzhang.patrols.domain.visit import RecordVisit
from jingzhang.patrols.events import REGISTRY
from jingzhang.patrols.handlers import Deps
from jingzhang.shared.aggregate import Decided
from jingzhang.shared.auth.policy import Forbidden
from jingzhang.shared.clock import FixedClock, sequential_ids
from jingzhang.shared.envelope import Envelope, Metadata, StreamId
from jingzhang.shared.errors import (
    ConcurrencyError,
    DomainRejected,
    InvalidCommand,
    NotFound,
    NotYetKnown,
    UnknownSubject,
)
from jingzhang.shared.store.memory import InMemoryEventStore

from ..unit.samples import ACTIVITIES, COMMANDS, DAY, MONDAY, NEXT_MONDAY, at, away, snapshot

META = Metadata(actor="tester", correlation_id=uuid.uuid4())
WEEKLY = next(d for d in plan_duties(snapshot(), MONDAY, NEXT_MONDAY) if d.kind is VisitKind.WEEKLY_REVISIT)
FIRST_ID = str(uuid.UUID(int=1))  # what `sequential_ids()` draws first


class CountingStore(InMemoryEventStore):
    """The in-memory store, counting the stream reads a command makes."""

    def __init__(self) -> None:
        super().__init__("patrols")
        self.reads: list[StreamId] = []

    async def read_stream(self, stream: StreamId) -> list[Envelope]:
        self.reads.append(stream)
        return await super().read_stream(stream)


REGISTERED_ON = date(2025, 1, 1)


@dataclass
class Published:
    """What assignment has published, as patrols' subjects projection would hold it; `applied` says
    whether patrols has applied all of it (`caught_up`)."""

    enterprises: dict[str, KnownEnterprise] = field(
        default_factory=lambda: {e: KnownEnterprise(e, REGISTERED_ON) for e in ("ent-1", "ent-2")}
    )
    officers: dict[str, KnownOfficer] = field(
        default_factory=lambda: {o: KnownOfficer(o, REGISTERED_ON) for o in ("chief-a", "chief-b", "chief-c")}
    )
    applied: bool = True
    asked: list[str] = field(default_factory=list)

    async def known(self, claim: Claim) -> Known:
        enterprises = {i: self.enterprises[i] for i in claim.idents(SubjectKind.ENTERPRISE) if i in self.enterprises}
        officers = {i: self.officers[i] for i in claim.idents(SubjectKind.OFFICER) if i in self.officers}
        return Known(enterprises, officers)

    async def caught_up(self, producer: str) -> bool:
        self.asked.append(producer)
        return self.applied


class RacingStore(CountingStore):
    """Lets another command run between reading a stream and appending to it, as two requests may."""

    async def read_stream(self, stream: StreamId) -> list[Envelope]:
        envelopes = await super().read_stream(stream)
        await asyncio.sleep(0)
        return envelopes


@pytest.fixture
def store() -> CountingStore:
    return CountingStore()


@pytest.fixture
def published() -> Published:
    return Published()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at(MONDAY, 18))


@pytest.fixture
def deps(store: CountingStore, clock: FixedClock, published: Published) -> Deps:
    return Deps(store, clock, sequential_ids(), published)


def visit_command(visit_id: str | None = "v-1", expected_version: int | None = None) -> RecordVisit:
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
        expected_version=expected_version,
    )


class TestVisits:
    async def test_a_visit_is_recorded_once_and_a_retry_answers_what_the_first_did(
        self, deps: Deps, store: CountingStore
    ) -> None:
        first = await handlers.record_visit(deps, visit_command(), META)
        assert store.reads == []  # a new report is appended at version 0 without reading its stream first
        again = await handlers.record_visit(deps, visit_command(expected_version=0), META)
        assert store.reads == [StreamId("visit", "v-1")]  # the retry's append conflicted: it read once
        assert (again.version, [e.event_type for e in again.events]) == (first.version, ["PatrolCompleted"])
        assert first.version == 1
        assert [e.event_type for e in store.log] == ["PatrolCompleted"]
        assert again.state.visit_id == "v-1"

    async def test_other_facts_under_a_recorded_visits_id_are_a_duplicate(
        self, deps: Deps, store: CountingStore
    ) -> None:
        await handlers.record_visit(deps, visit_command(), META)
        with pytest.raises(DomainRejected) as refused:
            await handlers.record_visit(deps, replace(visit_command(), location="back gate"), META)
        assert (refused.value.code, refused.value.field) == ("duplicate", "visit_id")
        assert len(store.log) == 1

    async def test_a_retry_answers_as_the_first_did_after_the_stream_moved_on(
        self, deps: Deps, clock: FixedClock, store: CountingStore
    ) -> None:
        first = await handlers.record_hazard(deps, found(), META)
        clock.advance(timedelta(days=1))
        await handlers.rectify_hazard(deps, rectify(MONDAY + timedelta(days=1)), META)
        again = await handlers.record_hazard(deps, found(), META)
        assert (
            (again.version, [e.event_type for e in again.events])
            == (1, ["HazardFound"])
            == (
                first.version,
                [e.event_type for e in first.events],
            )
        )
        assert len(store.log) == 2

    async def test_two_identical_first_reports_racing_both_answer_as_the_first(self, deps: Deps) -> None:
        racing = RacingStore()
        deps = replace(deps, store=racing)
        answers = await asyncio.gather(*(handlers.record_visit(deps, visit_command(), META) for _ in range(2)))
        assert [(a.version, [e.event_type for e in a.events]) for a in answers] == [(1, ["PatrolCompleted"])] * 2
        assert len(racing.log) == 1
        assert len(racing.reads) == 1  # neither read before appending; the loser's append conflicted and it read

    async def test_a_stale_expected_version_is_a_conflict(self, deps: Deps, store: CountingStore) -> None:
        with pytest.raises(ConcurrencyError):
            await handlers.record_visit(deps, visit_command(expected_version=3), META)
        assert store.log == []

    async def test_a_visit_without_an_id_is_recorded_under_one_the_handler_draws(
        self, deps: Deps, store: CountingStore
    ) -> None:
        decided = await handlers.record_visit(deps, visit_command(visit_id=None), META)
        assert decided.state.visit_id == FIRST_ID
        assert [(e.stream.aggregate_id, e.data["visit_id"]) for e in store.log] == [(FIRST_ID, FIRST_ID)]

    async def test_a_visit_is_judged_against_the_clock_read_when_it_is_handled(
        self, deps: Deps, clock: FixedClock, store: CountingStore
    ) -> None:
        clock.set(at(MONDAY, 9))  # the visit has not ended yet
        with pytest.raises(InvalidCommand, match="before it ends") as refused:
            await handlers.record_visit(deps, visit_command(), META)
        assert refused.value.field == "ended_at"
        assert store.log == []


class TestActivities:
    async def record(self, deps: Deps, command: ActivityCommand) -> Decided[ActivityState]:
        match command:
            case MediateDispute():
                return await handlers.mediate_dispute(deps, command, META)
            case HandleCase():
                return await handlers.handle_case(deps, command, META)
            case ServeOnBehalf():
                return await handlers.serve_on_behalf(deps, command, META)
            case HoldTraining():
                return await handlers.hold_training(deps, command, META)
            case DistributeLeaflets():
                return await handlers.distribute_leaflets(deps, command, META)
            case HoldForum():
                return await handlers.hold_forum(deps, command, META)
            case _:
                assert_never(command)

    async def test_each_activity_lands_in_its_own_stream_and_decodes_as_reported(
        self, deps: Deps, clock: FixedClock, store: CountingStore
    ) -> None:
        clock.set(at(DAY, 20))
        for command in COMMANDS:
            await self.record(deps, command)
        assert [env.payload(REGISTRY) for env in store.log] == list(ACTIVITIES)
        assert [env.stream.aggregate_id for env in store.log] == [a.activity_id for a in ACTIVITIES]
        assert [env.occurred_at for env in store.log] == [at(DAY, 20)] * len(ACTIVITIES)

    async def test_an_activity_without_an_id_is_recorded_under_one_the_handler_draws(
        self, deps: Deps, clock: FixedClock, store: CountingStore
    ) -> None:
        clock.set(at(DAY, 20))
        leaflets = COMMANDS[4].model_copy(update={"activity_id": None})
        decided = await self.record(deps, leaflets)
        assert decided.state.activity_id == FIRST_ID
        assert [(e.stream.aggregate_id, e.event_type) for e in store.log] == [(FIRST_ID, "LeafletsDistributed")]

    async def test_an_activity_reported_before_it_happened_is_refused_by_the_day_of_the_clock(
        self, deps: Deps, clock: FixedClock, store: CountingStore
    ) -> None:
        clock.set(at(DAY - timedelta(days=1), 20))
        with pytest.raises(InvalidCommand, match="in the future") as refused:
            await self.record(deps, COMMANDS[0])
        assert refused.value.field == "occurred_on"
        assert store.log == []


def found(hazard_id: str | None = "hz-1") -> RecordHazard:
    return RecordHazard(
        hazard_id=hazard_id,
        enterprise_id="ent-1",
        description="blocked exit",
        found_on=MONDAY,
        rectification_due=MONDAY + timedelta(days=3),
        officer_ids=("chief-a",),
    )


def rectify(on: date, hazard_id: str = "hz-1", expected_version: int | None = None) -> RectifyHazard:
    return RectifyHazard(
        hazard_id=hazard_id,
        rectified_on=on,
        measures="exit cleared",
        officer_ids=("chief-a",),
        expected_version=expected_version,
    )


class TestHazards:
    async def test_rectifying_an_unknown_hazard_is_not_found(self, deps: Deps) -> None:
        with pytest.raises(NotFound):
            await handlers.rectify_hazard(deps, rectify(MONDAY, hazard_id="nope"), META)

    async def test_found_rectified_verified(self, deps: Deps, clock: FixedClock, store: CountingStore) -> None:
        await handlers.record_hazard(deps, found(), META)
        clock.advance(timedelta(days=2))
        today = local_date(clock.now())
        await handlers.rectify_hazard(deps, rectify(today), META)
        verify = VerifyHazard(hazard_id="hz-1", on_visit_id="v-9", verified_on=today, officer_ids=("chief-b",))
        done = await handlers.verify_hazard(deps, verify, META)
        assert [e.event_type for e in store.log] == ["HazardFound", "HazardRectified", "HazardVerified"]
        assert done.version == 3

    async def test_a_hazard_without_an_id_is_recorded_under_one_the_handler_draws(
        self, deps: Deps, store: CountingStore
    ) -> None:
        decided = await handlers.record_hazard(deps, found(hazard_id=None), META)
        assert decided.state.hazard_id == FIRST_ID
        assert [e.stream.aggregate_id for e in store.log] == [FIRST_ID]

    async def test_an_overdue_rectification_is_raised_once(
        self, deps: Deps, clock: FixedClock, store: CountingStore
    ) -> None:
        await handlers.record_hazard(deps, found(), META)
        clock.advance(timedelta(days=4))
        await handlers.mark_rectification_overdue(deps, MarkRectificationOverdue("hz-1"), META)
        await handlers.mark_rectification_overdue(deps, MarkRectificationOverdue("hz-1"), META)
        assert [e.event_type for e in store.log] == ["HazardFound", "HazardRectificationOverdue"]


class TestAuthorizingOnTheLoadedHazard:
    """A command on a hazard is checked against the hazard it loaded: one read of its stream."""

    async def test_the_hook_sees_the_loaded_hazard_and_the_stream_is_read_once(
        self, deps: Deps, store: CountingStore
    ) -> None:
        await handlers.record_hazard(deps, found(), META)
        seen: list[str] = []

        async def authorize(state: HazardState) -> None:
            assert state.found is not None
            seen.append(state.found.enterprise_id)

        store.reads.clear()
        await handlers.rectify_hazard(deps, rectify(MONDAY), META, authorize=authorize)
        assert seen == ["ent-1"]
        assert store.reads == [StreamId("hazard", "hz-1")]

    async def test_a_refusal_records_nothing(self, deps: Deps, store: CountingStore) -> None:
        await handlers.record_hazard(deps, found(), META)

        async def refuse(state: HazardState) -> None:
            raise Forbidden("officer far-1 is not linked to enterprise ent-1")

        with pytest.raises(Forbidden, match="not linked"):
            await handlers.rectify_hazard(deps, rectify(MONDAY), META, authorize=refuse)
        assert [e.event_type for e in store.log] == ["HazardFound"]

    async def test_an_unknown_hazard_is_not_found_before_the_caller_or_the_version_is_checked(self, deps: Deps) -> None:
        async def refuse(state: HazardState) -> None:
            raise Forbidden("never asked")

        with pytest.raises(NotFound):
            await handlers.rectify_hazard(deps, rectify(MONDAY, "nope", expected_version=3), META, authorize=refuse)

    async def test_the_caller_is_checked_before_a_stale_version(self, deps: Deps) -> None:
        await handlers.record_hazard(deps, found(), META)

        async def refuse(state: HazardState) -> None:
            raise Forbidden("refused")

        with pytest.raises(Forbidden):
            await handlers.rectify_hazard(deps, rectify(MONDAY, expected_version=7), META, authorize=refuse)


class TestDuties:
    async def test_planning_twice_appends_nothing_the_second_time(self, deps: Deps, store: CountingStore) -> None:
        planned = plan_ahead(snapshot(), MONDAY)
        for _ in range(2):
            for duty in planned:
                await handlers.schedule_duty(deps, ScheduleDuty(duty, "chief-a"), META)
        assert len(store.log) == len(planned) == len({d.duty_id for d in planned})

    async def test_the_plan_covers_this_and_next_week_and_month(self) -> None:
        keys = {d.period.key for d in plan_ahead(snapshot(), MONDAY)}
        assert keys == {p.key for p in current_and_next(MONDAY)} == {"2025-W10", "2025-W11", "2025-03", "2025-04"}

    async def test_a_missed_duty_goes_overdue_against_a_and_passes_to_b(self, deps: Deps, clock: FixedClock) -> None:
        await handlers.schedule_duty(deps, ScheduleDuty(WEEKLY, "chief-a"), META)
        clock.set(WEEKLY.due_at + timedelta(hours=1))
        now_responsible = responsible(WEEKLY, snapshot(absences=(away("chief-a", MONDAY, 14),)), clock.now())
        decided = await handlers.mark_duty_overdue(deps, MarkDutyOverdue(WEEKLY.duty_id, now_responsible), META)
        assert [e.model_dump() for e in decided.events] == [
            {"duty_id": WEEKLY.duty_id, "assignee_officer_id": "chief-a"},
            {"duty_id": WEEKLY.duty_id, "to_officer_id": "chief-b", "reason": "a_away"},
        ]

    async def test_a_duty_is_not_overdue_before_the_clock_reaches_its_due_time(
        self, deps: Deps, clock: FixedClock
    ) -> None:
        await handlers.schedule_duty(deps, ScheduleDuty(WEEKLY, "chief-a"), META)
        clock.set(WEEKLY.due_at - timedelta(seconds=1))
        with pytest.raises(DomainRejected, match="not due until"):
            await handlers.mark_duty_overdue(deps, MarkDutyOverdue(WEEKLY.duty_id, None), META)

    async def test_an_unknown_duty_is_not_found(self, deps: Deps) -> None:
        with pytest.raises(NotFound):
            await handlers.reassign_duty(deps, ReassignDuty("nope", "x", ReassignReason.CHIEF_CHANGED), META)
        with pytest.raises(NotFound):
            await handlers.mark_duty_overdue(deps, MarkDutyOverdue("nope", None), META)

    async def test_a_fulfilled_duty_refuses_a_second_visit(self, deps: Deps) -> None:
        await handlers.schedule_duty(deps, ScheduleDuty(WEEKLY, "chief-a"), META)
        done = await handlers.fulfil_duty(deps, FulfilDuty(WEEKLY.duty_id, "v-1", at(MONDAY, 9)), META)
        assert done.events == [DutyFulfilled(duty_id=WEEKLY.duty_id, visit_id="v-1", on_time=True)]
        with pytest.raises(DomainRejected):
            await handlers.fulfil_duty(deps, FulfilDuty(WEEKLY.duty_id, "v-2", at(MONDAY, 11)), META)


class TestOnlyFactsAboutSomeoneCount:
    """Every report is checked against who assignment published, after the 404 and the caller's check."""

    async def test_an_enterprise_nobody_registered_is_unknown_once_everything_is_applied(
        self, deps: Deps, store: CountingStore, published: Published
    ) -> None:
        with pytest.raises(UnknownSubject) as refused:
            await handlers.record_hazard(deps, replace(found(), enterprise_id="ent-9"), META)
        assert (refused.value.code, refused.value.field) == ("unknown_enterprise", "enterprise_id")
        assert (published.asked, store.log) == (["assignment"], [])

    async def test_an_officer_nobody_enrolled_is_named_by_their_place_in_the_list(
        self, deps: Deps, clock: FixedClock, store: CountingStore
    ) -> None:
        clock.set(at(DAY, 20))
        leaflets = COMMANDS[4].model_copy(update={"officer_ids": ("chief-a", "chief-b", "nobody")})
        with pytest.raises(UnknownSubject) as refused:
            await handlers.distribute_leaflets(deps, leaflets, META)
        assert (refused.value.code, refused.value.field) == ("unknown_officer", "officer_ids.2")
        assert store.log == []

    async def test_while_assignment_events_are_still_arriving_an_unknown_id_is_not_yet_known(
        self, deps: Deps, clock: FixedClock, store: CountingStore, published: Published
    ) -> None:
        clock.set(at(DAY, 20))
        published.applied = False
        forum = COMMANDS[5]
        assert isinstance(forum, HoldForum)
        late = forum.model_copy(update={"appeals": (forum.appeals[0].model_copy(update={"enterprise_id": "ent-new"}),)})
        with pytest.raises(NotYetKnown) as refused:
            await handlers.hold_forum(deps, late, META)
        assert (refused.value.code, refused.value.field, refused.value.retry_after) == (
            "not_yet_known",
            "appeals.0.enterprise_id",
            2,
        )
        assert store.log == []

    async def test_known_subjects_never_ask_whether_everything_was_applied(
        self, deps: Deps, published: Published, store: CountingStore
    ) -> None:
        published.applied = False
        await handlers.record_visit(deps, visit_command(), META)
        assert (published.asked, [e.event_type for e in store.log]) == ([], ["PatrolCompleted"])

    async def test_work_before_the_enterprise_was_registered_is_refused_naming_its_day(
        self, deps: Deps, published: Published, store: CountingStore
    ) -> None:
        published.enterprises["ent-1"] = KnownEnterprise("ent-1", MONDAY + timedelta(days=1))
        with pytest.raises(InvalidCommand) as refused:
            await handlers.record_visit(deps, visit_command(), META)
        assert (refused.value.field, store.log) == ("started_at", [])

    async def test_work_by_an_officer_enrolled_later_is_refused_naming_its_day(
        self, deps: Deps, clock: FixedClock, published: Published, store: CountingStore
    ) -> None:
        clock.set(at(DAY, 20))
        published.officers["chief-a"] = KnownOfficer("chief-a", DAY + timedelta(days=1))
        with pytest.raises(InvalidCommand) as refused:
            await handlers.handle_case(deps, COMMANDS[1], META)
        assert (refused.value.field, store.log) == ("occurred_on", [])

    async def test_a_hazard_rectified_by_a_retired_officer_is_a_conflict_naming_them(
        self, deps: Deps, clock: FixedClock, published: Published, store: CountingStore
    ) -> None:
        await handlers.record_hazard(deps, found(), META)
        published.officers["chief-a"] = KnownOfficer("chief-a", REGISTERED_ON, retired_at=at(MONDAY, 12))
        clock.advance(timedelta(days=1))
        with pytest.raises(DomainRejected) as refused:
            await handlers.rectify_hazard(deps, rectify(MONDAY + timedelta(days=1)), META)
        assert (refused.value.code, refused.value.field) == ("officer_retired", "officer_ids.0")
        assert [e.event_type for e in store.log] == ["HazardFound"]

    async def test_an_unknown_hazard_is_not_found_and_a_refused_caller_forbidden_before_whom_it_names(
        self, deps: Deps, published: Published
    ) -> None:
        nobody = RectifyHazard(hazard_id="nope", rectified_on=MONDAY, measures="x", officer_ids=("nobody",))
        with pytest.raises(NotFound):
            await handlers.rectify_hazard(deps, nobody, META)
        await handlers.record_hazard(deps, found(), META)

        async def refuse(state: HazardState) -> None:
            raise Forbidden("officer far-1 is not linked to enterprise ent-1")

        with pytest.raises(Forbidden):
            await handlers.rectify_hazard(deps, replace(nobody, hazard_id="hz-1"), META, authorize=refuse)
        assert published.asked == []

    async def test_work_dated_tomorrow_counts_within_the_clocks_five_minutes_of_skew(
        self, deps: Deps, clock: FixedClock, store: CountingStore
    ) -> None:
        tomorrow = DAY + timedelta(days=1)
        leaflets = COMMANDS[4].model_copy(update={"occurred_on": tomorrow})
        clock.set(datetime(DAY.year, DAY.month, DAY.day, 23, 54, 59, tzinfo=at(DAY).tzinfo))
        with pytest.raises(InvalidCommand, match="in the future"):
            await handlers.distribute_leaflets(deps, leaflets, META)
        clock.set(datetime(DAY.year, DAY.month, DAY.day, 23, 55, tzinfo=at(DAY).tzinfo))
        await handlers.distribute_leaflets(deps, leaflets, META)
        assert [e.event_type for e in store.log] == ["LeafletsDistributed"]
