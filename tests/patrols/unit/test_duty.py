"""The duty stream, given/when/then, grouped by the duty's state."""

from datetime import date, datetime, timedelta

import pytest

from jingzhang.patrols.domain.cadence import Duty, plan_duties, responsible
from jingzhang.patrols.domain.common import VisitKind
from jingzhang.patrols.domain.duty import (
    DutyFulfilled,
    DutyOverdue,
    DutyReassigned,
    DutyScheduled,
    DutyState,
    DutyStatus,
    FulfilDuty,
    MarkDutyOverdue,
    ReassignDuty,
    ReassignReason,
    ScheduleDuty,
    answering,
    decide_fulfil,
    decide_mark_overdue,
    decide_reassign,
    decide_schedule,
    evolve,
    reassignments,
)
from jingzhang.patrols.domain.snapshot import TierChiefs
from jingzhang.patrols.domain.vocabulary import ChiefTier
from jingzhang.shared.aggregate import fold
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent

from .samples import CHIEFS, MONDAY, NEXT_MONDAY, at, away, enterprise, snapshot

WEEK = plan_duties(snapshot(), MONDAY, NEXT_MONDAY)
DUTY = next(d for d in WEEK if d.kind is VisitKind.WEEKLY_REVISIT)
DUE = DUTY.due_at
A_AWAY = snapshot(absences=(away("chief-a", MONDAY, 14),))


def given(*events: DomainEvent) -> DutyState:
    return fold(evolve, DutyState(), events)


def fulfil(visit_id: str, visited_at: datetime) -> FulfilDuty:
    return FulfilDuty(DUTY.duty_id, visit_id, visited_at)


def scheduled(duty: Duty = DUTY, assignee: str | None = "chief-a") -> DutyScheduled:
    (event,) = decide_schedule(DutyState(), ScheduleDuty(duty, assignee))
    assert isinstance(event, DutyScheduled)
    return event


class TestWhenUnscheduled:
    def test_scheduling_records_the_duty_with_its_assignee(self) -> None:
        assert decide_schedule(DutyState(), ScheduleDuty(DUTY, "chief-a")) == [
            DutyScheduled(
                duty_id=DUTY.duty_id,
                enterprise_id="ent-1",
                kind=VisitKind.WEEKLY_REVISIT,
                tier=DUTY.tier,
                period=DUTY.period,
                due_at=DUE,
                assignee_officer_id="chief-a",
            )
        ]

    def test_it_cannot_be_fulfilled(self) -> None:
        with pytest.raises(DomainRejected, match="no such duty"):
            decide_fulfil(DutyState(), FulfilDuty(DUTY.duty_id, "visit-1", at(MONDAY)))

    def test_it_cannot_be_overdue(self) -> None:
        with pytest.raises(DomainRejected, match="no such duty"):
            decide_mark_overdue(DutyState(), MarkDutyOverdue(DUTY.duty_id, None), DUE)

    def test_it_cannot_be_reassigned(self) -> None:
        with pytest.raises(DomainRejected, match="no such duty"):
            decide_reassign(DutyState(), ReassignDuty(DUTY.duty_id, "chief-b", ReassignReason.A_AWAY))


class TestWhenOpen:
    state = given(scheduled())

    def test_the_state_is_open_with_its_assignee(self) -> None:
        assert (self.state.status, self.state.assignee, self.state.duty) == (DutyStatus.OPEN, "chief-a", DUTY)

    def test_planning_it_again_changes_nothing(self) -> None:
        assert decide_schedule(self.state, ScheduleDuty(DUTY, "chief-b")) == []

    def test_the_same_id_with_other_terms_is_refused(self) -> None:
        moved = Duty(DUTY.duty_id, DUTY.enterprise_id, DUTY.kind, DUTY.tier, DUTY.period, DUE + timedelta(days=1))
        with pytest.raises(DomainRejected, match="other terms"):
            decide_schedule(self.state, ScheduleDuty(moved, "chief-a"))

    def test_a_visit_in_time_fulfils_it_on_time(self) -> None:
        assert decide_fulfil(self.state, fulfil("visit-1", at(MONDAY + timedelta(days=2)))) == [
            DutyFulfilled(duty_id=DUTY.duty_id, visit_id="visit-1", on_time=True)
        ]

    def test_a_visit_before_its_period_is_invalid(self) -> None:
        with pytest.raises(InvalidCommand) as refused:
            decide_fulfil(self.state, fulfil("visit-1", at(MONDAY) - timedelta(days=1)))
        assert refused.value.field == "visited_at"

    def test_it_cannot_be_marked_overdue_before_its_due_time(self) -> None:
        with pytest.raises(DomainRejected, match="not due until"):
            decide_mark_overdue(self.state, MarkDutyOverdue(DUTY.duty_id, None), DUE - timedelta(seconds=1))

    def test_a_miss_while_a_is_present_stays_with_a(self) -> None:
        now_responsible = responsible(DUTY, snapshot(), DUE)
        assert decide_mark_overdue(self.state, MarkDutyOverdue(DUTY.duty_id, now_responsible), DUE) == [
            DutyOverdue(duty_id=DUTY.duty_id, assignee_officer_id="chief-a")
        ]

    def test_a_missed_revisit_is_raised_against_a_and_moves_to_b_while_a_is_away(self) -> None:
        now_responsible = responsible(DUTY, A_AWAY, DUE)
        assert decide_mark_overdue(self.state, MarkDutyOverdue(DUTY.duty_id, now_responsible), DUE) == [
            DutyOverdue(duty_id=DUTY.duty_id, assignee_officer_id="chief-a"),
            DutyReassigned(duty_id=DUTY.duty_id, to_officer_id="chief-b", reason=ReassignReason.A_AWAY),
        ]

    def test_reassigning_to_the_current_assignee_changes_nothing(self) -> None:
        assert decide_reassign(self.state, ReassignDuty(DUTY.duty_id, "chief-a", ReassignReason.A_BACK)) == []


class TestWhenOverdue:
    state = given(
        scheduled(),
        DutyOverdue(duty_id=DUTY.duty_id, assignee_officer_id="chief-a"),
        DutyReassigned(duty_id=DUTY.duty_id, to_officer_id="chief-b", reason=ReassignReason.A_AWAY),
    )

    def test_the_state_is_overdue_and_held_by_b(self) -> None:
        assert (self.state.status, self.state.assignee) == (DutyStatus.OVERDUE, "chief-b")

    def test_it_is_raised_only_once(self) -> None:
        assert decide_mark_overdue(self.state, MarkDutyOverdue(DUTY.duty_id, None), DUE + timedelta(days=1)) == []

    def test_b_making_up_the_visit_fulfils_it_late(self) -> None:
        assert decide_fulfil(self.state, fulfil("visit-9", at(NEXT_MONDAY))) == [
            DutyFulfilled(duty_id=DUTY.duty_id, visit_id="visit-9", on_time=False)
        ]

    def test_a_later_reassignment_leaves_it_with_b(self) -> None:
        assert reassignments([self.state], snapshot(), at(NEXT_MONDAY)) == []


class TestWhenFulfilled:
    state = given(scheduled(), DutyFulfilled(duty_id=DUTY.duty_id, visit_id="visit-1", on_time=True))

    def test_the_same_visit_again_changes_nothing(self) -> None:
        assert decide_fulfil(self.state, fulfil("visit-1", at(MONDAY))) == []

    def test_another_visit_cannot_fulfil_it_again(self) -> None:
        with pytest.raises(DomainRejected, match="already fulfilled by visit visit-1"):
            decide_fulfil(self.state, fulfil("visit-2", at(MONDAY)))

    def test_it_is_never_marked_overdue(self) -> None:
        assert decide_mark_overdue(self.state, MarkDutyOverdue(DUTY.duty_id, None), DUE + timedelta(days=1)) == []

    def test_its_assignee_is_history(self) -> None:
        with pytest.raises(DomainRejected, match="history"):
            decide_reassign(self.state, ReassignDuty(DUTY.duty_id, "chief-b", ReassignReason.CHIEF_CHANGED))


MARCH = plan_duties(snapshot(), date(2025, 3, 1), date(2025, 3, 24))
WEEKS = sorted((d for d in MARCH if d.kind is VisitKind.WEEKLY_REVISIT), key=lambda d: d.due_at)
PAST = given(scheduled(WEEKS[0]), DutyOverdue(duty_id=WEEKS[0].duty_id, assignee_officer_id="chief-a"))
DONE = given(scheduled(WEEKS[1]), DutyFulfilled(duty_id=WEEKS[1].duty_id, visit_id="v", on_time=True))
FUTURE = tuple(given(scheduled(w)) for w in WEEKS[2:])


class TestWhenChiefsChange:
    """A reassignment moves future duties only: past and fulfilled ones keep who answered then."""

    def test_a_new_chief_takes_over_only_the_open_duties_not_yet_due(self) -> None:
        police = TierChiefs(a="chief-c", b="chief-b")
        new_chief = enterprise(chiefs={**CHIEFS, ChiefTier.POLICE_CHIEF: police})
        commands = reassignments([PAST, DONE, *FUTURE], snapshot(new_chief), at(MONDAY, 12))
        assert commands == [ReassignDuty(w.duty_id, "chief-c", ReassignReason.CHIEF_CHANGED) for w in WEEKS[2:]]
        assert len(commands) == 2  # W11 and W12; W09 is past, W10 fulfilled

    def test_an_absence_hands_future_duties_to_b_and_a_takes_them_back_on_return(self) -> None:
        absent = snapshot(absences=(away("chief-a", MONDAY, 3),))
        to_b = reassignments(FUTURE, absent, at(MONDAY, 12))
        assert {(c.to_officer_id, c.reason) for c in to_b} == {("chief-b", ReassignReason.A_AWAY)}
        with_b = [fold(evolve, s, decide_reassign(s, c)) for s, c in zip(FUTURE, to_b, strict=True)]
        back = reassignments(with_b, absent, at(MONDAY + timedelta(days=3)))
        assert {(c.to_officer_id, c.reason) for c in back} == {("chief-a", ReassignReason.A_BACK)}


class TestWhoAnswersNow:
    """`answering` names, per enterprise and tier, whom `reassignments` would move an open duty to; the
    cadence worker reads only the open duties not yet due whose assignee differs (in SQL)."""

    def test_a_or_b_while_a_is_away_and_nobody_for_an_empty_tier(self) -> None:
        police_only = enterprise("ent-2", chiefs={ChiefTier.POLICE_CHIEF: TierChiefs(a="chief-c")})
        absent = snapshot(enterprise(), police_only, absences=(away("chief-a", MONDAY, 3),))
        assert answering(absent, at(MONDAY, 12)) == [
            ("ent-1", ChiefTier.BUREAU_LEADER, "leader-a"),
            ("ent-1", ChiefTier.STATION_CHIEF, "station-a"),
            ("ent-1", ChiefTier.POLICE_CHIEF, "chief-b"),
            ("ent-2", ChiefTier.POLICE_CHIEF, "chief-c"),
        ]
        assert ("ent-1", ChiefTier.POLICE_CHIEF, "chief-a") in answering(absent, at(MONDAY + timedelta(days=3)))

    @pytest.mark.parametrize(
        ("case", "when"),
        [
            ("chief changed", at(MONDAY, 12)),
            ("a away", at(MONDAY, 12)),
            ("a back", at(MONDAY + timedelta(days=3))),
            ("nothing changed", at(MONDAY, 12)),
            ("tier emptied", at(MONDAY, 12)),
        ],
    )
    def test_reading_only_the_mismatched_duties_misses_no_reassignment(self, case: str, when: datetime) -> None:
        absent = (away("chief-a", MONDAY, 3),)
        snapshots = {
            "chief changed": snapshot(enterprise(chiefs={**CHIEFS, ChiefTier.POLICE_CHIEF: TierChiefs(a="chief-c")})),
            "a away": snapshot(absences=absent),
            "a back": snapshot(absences=absent),
            "nothing changed": snapshot(),
            "tier emptied": snapshot(enterprise(chiefs={**CHIEFS, ChiefTier.POLICE_CHIEF: TierChiefs()})),
        }
        current = snapshots[case]
        to_b = [(s, ReassignDuty(s.duty.duty_id, "chief-b", ReassignReason.A_AWAY)) for s in FUTURE if s.duty]
        with_b = [fold(evolve, s, decide_reassign(s, c)) for s, c in to_b]  # the same duties, held by B
        states = [PAST, DONE, *FUTURE, *with_b]
        holders = {(e, t): officer for e, t, officer in answering(current, when)}
        read = [
            s
            for s in states
            if s.duty is not None
            and s.status is DutyStatus.OPEN
            and s.duty.due_at > when
            and (s.duty.enterprise_id, s.duty.tier) in holders
            and s.assignee != holders[(s.duty.enterprise_id, s.duty.tier)]
        ]
        moved = reassignments(states, current, when)
        assert reassignments(read, current, when) == moved
        assert bool(moved) == (case != "tier emptied")  # B holds some of them: A takes those back
