"""Given an appeal referred to a department with a reply limit (issue 14 item 3): the department is
reminded as its limit nears, its reply is overdue once the limit passes (its own figure), and a grace
later the appeal goes one chief up like a breach; a report back in time stops the chase."""

from datetime import datetime

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.commands import ReferAppeal
from jingzhang.appeals.domain.deadlines import check_deadlines, next_check_at
from jingzhang.appeals.domain.departments import REPLY_WITHIN
from jingzhang.appeals.domain.handling import decide_refer
from jingzhang.appeals.domain.state import Appeal
from jingzhang.appeals.domain.vocabulary import ChiefTier, EscalationReason, ReportOutcome
from jingzhang.shared.events import DomainEvent

from .samples import DAY, HOUR, POLICE_A, T0, acknowledged, after, chiefs, given, raised, types

REFERRED_AT = T0 + 2 * DAY
DUE = REFERRED_AT + REPLY_WITHIN  # five days by default
DEPARTMENT = "urban_management_enforcement"


def referral() -> list[DomainEvent]:
    state = given(raised(), acknowledged())
    cmd = ReferAppeal("ap-1", DEPARTMENT, "illegal building by the gate", POLICE_A)
    return [*raised(), acknowledged(), *decide_refer(state, cmd, REFERRED_AT)]


def chase(at: datetime, *history: DomainEvent) -> list[DomainEvent]:
    return check_deadlines(given(referral(), *history), at, chiefs())


class TestWhenReferred:
    def test_the_referral_says_when_the_department_must_report_back(self) -> None:
        referred = referral()[-1]
        assert isinstance(referred, ev.AppealReferred)
        assert referred.reply_due_at == DUE

    def test_nothing_before_four_fifths_of_the_limit_then_a_reminder_once(self) -> None:
        assert chase(REFERRED_AT + 3 * DAY) == []
        [reminder] = chase(REFERRED_AT + 4 * DAY + HOUR)
        assert reminder == ev.ReferralReplyReminded(
            department_id=DEPARTMENT, due_at=DUE, officer_id=POLICE_A, reminded_at=REFERRED_AT + 4 * DAY + HOUR
        )
        assert chase(REFERRED_AT + 4 * DAY + 2 * HOUR, reminder) == []

    def test_past_its_limit_the_reply_is_overdue_and_a_grace_later_the_appeal_goes_one_chief_up(self) -> None:
        [overdue] = chase(DUE + HOUR)
        assert isinstance(overdue, ev.ReferralReplyOverdue)
        assert chase(DUE + 2 * HOUR, overdue) == []

        escalated = chase(DUE + DAY, overdue)
        [up] = escalated
        assert isinstance(up, ev.AppealEscalated)
        assert (up.from_tier, up.to_tier, up.reason) == (
            ChiefTier.POLICE_CHIEF,
            ChiefTier.STATION_CHIEF,
            EscalationReason.REFERRAL_UNANSWERED,
        )
        assert chase(DUE + 2 * DAY, overdue, up) == []
        state = given(referral(), overdue, up)
        assert isinstance(state, Appeal)
        assert next_check_at(state) is None  # nothing more to chase; the paused clock waits for the report

    def test_a_service_down_through_the_whole_limit_records_overdue_and_escalation_at_once(self) -> None:
        assert types(chase(DUE + 3 * DAY)) == ["ReferralReplyOverdue", "AppealEscalated"]

    def test_the_next_check_is_the_reminder_then_the_limit_then_the_grace(self) -> None:
        state = given(referral())
        assert isinstance(state, Appeal)
        assert next_check_at(state) == REFERRED_AT + 4 * DAY
        reminded = after(state, chase(REFERRED_AT + 4 * DAY))
        assert isinstance(reminded, Appeal)
        assert next_check_at(reminded) == DUE

    def test_a_report_back_stops_the_chase(self) -> None:
        back = ev.DepartmentReportedBack(
            department_id=DEPARTMENT,
            outcome=ReportOutcome.RETURNED,
            note="not ours",
            recorded_by=POLICE_A,
            reported_at=REFERRED_AT + DAY,
        )
        assert [e for e in chase(DUE + 3 * DAY, back) if e.event_type.startswith("Referral")] == []
