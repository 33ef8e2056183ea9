"""Given an appeal referred to a partner department: we stay liaison, and its time does not count."""

from datetime import datetime

import pytest

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.commands import (
    CloseUnresolved,
    FollowUpReferral,
    RecordDepartmentReport,
    ResolveAppeal,
)
from jingzhang.appeals.domain.deadlines import check_deadlines, due_at, next_check_at, warning_at
from jingzhang.appeals.domain.handling import (
    decide_close_unresolved,
    decide_follow_up,
    decide_report_back,
    decide_resolve,
)
from jingzhang.appeals.domain.vocabulary import Outcome, ReportOutcome, Status
from jingzhang.shared.errors import DomainRejected
from jingzhang.shared.events import DomainEvent

from .samples import (
    APPEAL_ID,
    DAY,
    HOUR,
    POLICE_A,
    T0,
    acknowledged,
    after,
    chiefs,
    given,
    given_appeal,
    raised,
    referred,
)

REFERRED_AT = T0 + 2 * DAY
DEPARTMENT = "urban_management_enforcement"


def referral() -> list[DomainEvent]:
    return [*raised(), acknowledged(), referred(REFERRED_AT)]


def reported(outcome: ReportOutcome, at: datetime) -> ev.DepartmentReportedBack:
    return ev.DepartmentReportedBack(
        department_id=DEPARTMENT, outcome=outcome, note="brigade acted", recorded_by=POLICE_A, reported_at=at
    )


class TestWhenReferred:
    def test_it_stays_open_with_the_department_named(self) -> None:
        appeal = given_appeal(referral())

        assert appeal.status.is_open
        assert (appeal.status, appeal.department_id) == (Status.REFERRED, DEPARTMENT)

    def test_follow_ups_are_recorded_against_the_department(self) -> None:
        cmd = FollowUpReferral(APPEAL_ID, "called the brigade", POLICE_A)

        events = decide_follow_up(given(referral()), cmd, REFERRED_AT + DAY)

        assert events == [
            ev.ReferralFollowedUp(
                department_id=DEPARTMENT,
                note="called the brigade",
                followed_up_by=POLICE_A,
                followed_up_at=REFERRED_AT + DAY,
            )
        ]
        assert given_appeal(referral(), events).follow_ups == 1

    def test_it_cannot_be_resolved_by_us_until_the_department_reports_back(self) -> None:
        with pytest.raises(DomainRejected):
            decide_resolve(given(referral()), ResolveAppeal(APPEAL_ID, "done", POLICE_A), REFERRED_AT + DAY)

    def test_the_clock_is_paused_so_no_deadline_fires_however_long_it_waits(self) -> None:
        state = given(referral())

        assert due_at(state) is None
        assert warning_at(state) is None
        assert next_check_at(state) is None
        assert check_deadlines(state, T0 + 60 * DAY, chiefs()) == []

    def test_a_done_report_closes_it_as_referred_and_done(self) -> None:
        events = decide_report_back(
            given(referral()),
            RecordDepartmentReport(APPEAL_ID, ReportOutcome.DONE, "brigade acted", POLICE_A),
            T0 + 20 * DAY,
        )

        assert events == [reported(ReportOutcome.DONE, T0 + 20 * DAY)]
        appeal = given_appeal(referral(), events)
        assert (appeal.status, appeal.outcome) == (Status.RESOLVED, Outcome.REFERRED_AND_DONE)

    def test_a_returned_report_resumes_the_clock_where_it_stopped(self) -> None:
        back_at = REFERRED_AT + 10 * DAY

        state = after(given(referral()), [reported(ReportOutcome.RETURNED, back_at)])

        # 2 of the 7 days were used before the referral; the 10 days away do not count
        assert due_at(state) == back_at + 5 * DAY
        assert [e.event_type for e in check_deadlines(state, back_at + 5 * DAY - HOUR, chiefs())] == [
            "DeadlineWarningRaised"
        ]

    def test_a_returned_appeal_is_back_on_our_desk(self) -> None:
        state = after(given(referral()), [reported(ReportOutcome.RETURNED, REFERRED_AT + DAY)])

        events = decide_resolve(
            state, ResolveAppeal(APPEAL_ID, "handled it ourselves", POLICE_A), REFERRED_AT + 2 * DAY
        )

        assert [e.event_type for e in events] == ["AppealResolved"]

    def test_it_can_still_be_closed_unresolved(self) -> None:
        events = decide_close_unresolved(
            given(referral()), CloseUnresolved(APPEAL_ID, "project cancelled", POLICE_A), T0 + 9 * DAY
        )

        assert given_appeal(referral(), events).status is Status.CLOSED
