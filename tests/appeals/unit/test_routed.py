"""Given a routed appeal (a dispute raised at T0 through the police chief's service point)."""

from datetime import timedelta

import pytest

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.commands import (
    AcknowledgeAppeal,
    CloseUnresolved,
    MergeAppeal,
    ReferAppeal,
    ResolveAppeal,
)
from jingzhang.appeals.domain.deadlines import check_deadlines, due_at, first_response_due, next_check_at
from jingzhang.appeals.domain.feedback import decide_merge
from jingzhang.appeals.domain.handling import (
    decide_acknowledge,
    decide_close_unresolved,
    decide_refer,
    decide_resolve,
)
from jingzhang.appeals.domain.vocabulary import Outcome, Status
from jingzhang.shared.errors import DomainRejected, InvalidCommand

from .samples import (
    APPEAL_ID,
    DAY,
    HOUR,
    POLICE_A,
    STATION_A,
    T0,
    acknowledged,
    chiefs,
    given,
    given_appeal,
    raised,
    resolved,
    types,
)


class TestWhenRouted:
    def test_the_first_response_moves_it_in_progress_and_stops_the_answer_clock(self) -> None:
        events = decide_acknowledge(given(raised()), AcknowledgeAppeal(APPEAL_ID, POLICE_A, "on my way"), T0 + HOUR)

        assert events == [ev.AppealAcknowledged(officer_id=POLICE_A, note="on my way", acknowledged_at=T0 + HOUR)]
        appeal = given_appeal(raised(), events)
        assert appeal.status is Status.IN_PROGRESS
        assert first_response_due(appeal) is None

    def test_acknowledging_twice_is_refused(self) -> None:
        with pytest.raises(DomainRejected):
            decide_acknowledge(given(raised(), acknowledged()), AcknowledgeAppeal(APPEAL_ID, POLICE_A), T0 + 2 * HOUR)

    def test_done_in_one_go_resolves_it_with_what_was_done(self) -> None:
        events = decide_resolve(given(raised()), ResolveAppeal(APPEAL_ID, "mediated on site", POLICE_A), T0 + 3 * HOUR)

        assert types(events) == ["AppealResolved"]
        appeal = given_appeal(raised(), events)
        assert (appeal.status, appeal.outcome, appeal.outcome_note) == (
            Status.RESOLVED,
            Outcome.RESOLVED_IN_DUTY,
            "mediated on site",
        )
        assert due_at(appeal) is None
        assert next_check_at(appeal) is None

    def test_resolving_without_saying_what_was_done_names_the_field(self) -> None:
        with pytest.raises(InvalidCommand) as err:
            decide_resolve(given(raised()), ResolveAppeal(APPEAL_ID, " ", POLICE_A), T0)
        assert err.value.field == "what_was_done"

    def test_out_of_duty_it_is_referred_to_a_partner_department(self) -> None:
        cmd = ReferAppeal(APPEAL_ID, "urban_management_enforcement", "illegal building", POLICE_A)

        events = decide_refer(given(raised(), acknowledged()), cmd, T0 + HOUR)

        assert types(events) == ["AppealReferred"]
        appeal = given_appeal(raised(), acknowledged(), events)
        assert (appeal.status, appeal.department_id) == (Status.REFERRED, "urban_management_enforcement")

    def test_an_unknown_department_names_the_field(self) -> None:
        with pytest.raises(InvalidCommand) as err:
            decide_refer(given(raised()), ReferAppeal(APPEAL_ID, "tax_office", "x", POLICE_A), T0)
        assert err.value.field == "department_id"

    def test_it_can_be_closed_unresolved_with_a_reason(self) -> None:
        events = decide_close_unresolved(
            given(raised()), CloseUnresolved(APPEAL_ID, "enterprise withdrew", POLICE_A), T0 + DAY
        )

        appeal = given_appeal(raised(), events)
        assert (appeal.status, appeal.outcome) == (Status.CLOSED, Outcome.CLOSED_UNRESOLVED)

    def test_closing_without_a_reason_names_the_field(self) -> None:
        with pytest.raises(InvalidCommand) as err:
            decide_close_unresolved(given(raised()), CloseUnresolved(APPEAL_ID, "", POLICE_A), T0)
        assert err.value.field == "reason"


class TestWhenRoutedDeadlines:
    def test_nothing_is_recorded_before_the_first_check_is_due(self) -> None:
        state = given(raised(), acknowledged())
        check = next_check_at(state)

        assert check == T0 + 7 * DAY * 0.8
        assert check_deadlines(state, check - timedelta(seconds=1), chiefs()) == []

    def test_a_warning_comes_at_80_percent_of_the_limit_once(self) -> None:
        state = given(raised(), acknowledged())
        at = T0 + 7 * DAY * 0.8

        events = check_deadlines(state, at, chiefs())

        assert events == [
            ev.DeadlineWarningRaised(kind="resolution", due_at=T0 + 7 * DAY, officer_id=POLICE_A, warned_at=at)
        ]
        assert check_deadlines(given(raised(), acknowledged(), events), at + HOUR, chiefs()) == []

    def test_a_breach_escalates_one_tier_up_with_a_days_grace(self) -> None:
        state = given(raised(), acknowledged())
        at = T0 + 7 * DAY

        events = check_deadlines(state, at, chiefs())

        assert types(events) == ["DeadlineBreached", "AppealEscalated"]
        breach, escalated = events
        assert isinstance(breach, ev.DeadlineBreached)
        assert breach.officer_id == POLICE_A
        assert isinstance(escalated, ev.AppealEscalated)
        assert (escalated.from_tier, escalated.to_tier, escalated.officer_id) == (
            "police_chief",
            "station_chief",
            STATION_A,
        )
        appeal = given_appeal(raised(), acknowledged(), events)
        assert appeal.holder is not None
        assert appeal.holder.officer_id == STATION_A
        assert due_at(appeal) == at + DAY

    def test_no_answer_in_24_hours_escalates_without_moving_the_deadline(self) -> None:
        events = check_deadlines(given(raised()), T0 + DAY, chiefs())

        assert types(events) == ["DeadlineBreached", "AppealEscalated"]
        assert isinstance(events[0], ev.DeadlineBreached)
        assert events[0].kind == "first_response"
        appeal = given_appeal(raised(), events)
        assert due_at(appeal) == T0 + 7 * DAY
        assert check_deadlines(appeal, T0 + DAY + HOUR, chiefs()) == []

    def test_a_late_check_records_both_breaches_and_climbs_two_rungs(self) -> None:
        events = check_deadlines(given(raised()), T0 + 8 * DAY, chiefs())

        escalations = [e for e in events if isinstance(e, ev.AppealEscalated)]
        assert [e.to_tier for e in escalations] == ["station_chief", "bureau_leader"]

    def test_at_the_top_a_breach_is_recorded_without_escalation_and_checks_stop(self) -> None:
        state = given(raised(), acknowledged())
        climbed = [*check_deadlines(state, T0 + 7 * DAY, chiefs())]
        state = given(raised(), acknowledged(), climbed)
        climbed += check_deadlines(state, T0 + 8 * DAY, chiefs())
        state = given(raised(), acknowledged(), climbed)

        last = check_deadlines(state, T0 + 9 * DAY, chiefs())

        assert types(last) == ["DeadlineBreached"]
        assert next_check_at(given(raised(), acknowledged(), climbed, last)) is None


class TestWhenRoutedMerging:
    def test_a_duplicate_is_merged_into_an_open_appeal_of_the_same_enterprise(self) -> None:
        target = given(raised(appeal_id="ap-0002"))

        events = decide_merge(given(raised()), MergeAppeal(APPEAL_ID, "ap-0002", POLICE_A), T0 + HOUR, target)

        assert events == [ev.AppealMerged(into_appeal_id="ap-0002", merged_by=POLICE_A, merged_at=T0 + HOUR)]
        appeal = given_appeal(raised(), events)
        assert (appeal.status, appeal.merged_into) == (Status.MERGED, "ap-0002")
        assert next_check_at(appeal) is None

    def test_merging_into_itself_names_the_field(self) -> None:
        with pytest.raises(InvalidCommand) as err:
            decide_merge(given(raised()), MergeAppeal(APPEAL_ID, APPEAL_ID, POLICE_A), T0, given(raised()))
        assert err.value.field == "into_appeal_id"

    def test_merging_into_a_finished_appeal_is_refused(self) -> None:
        target = given(raised(appeal_id="ap-0002"), resolved())

        with pytest.raises(DomainRejected) as err:
            decide_merge(given(raised()), MergeAppeal(APPEAL_ID, "ap-0002", POLICE_A), T0, target)
        assert err.value.field == "into_appeal_id"

    def test_merging_into_an_appeal_never_raised_is_refused(self) -> None:
        with pytest.raises(DomainRejected):
            decide_merge(given(raised()), MergeAppeal(APPEAL_ID, "ap-0009", POLICE_A), T0, given())
