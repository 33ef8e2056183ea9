"""Given an appeal reopened by a dissatisfied callback: same holder, a fresh window, a fresh outcome."""

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.commands import RecordCallback, ResolveAppeal
from jingzhang.appeals.domain.deadlines import check_deadlines, due_at, first_response_due
from jingzhang.appeals.domain.feedback import decide_record_callback
from jingzhang.appeals.domain.handling import decide_resolve
from jingzhang.appeals.domain.vocabulary import Status

from .samples import (
    APPEAL_ID,
    CONTACT,
    DAY,
    POLICE_A,
    T0,
    acknowledged,
    chiefs,
    given,
    given_appeal,
    raised,
    resolved,
    types,
)

REOPENED_AT = T0 + 3 * DAY
HISTORY = [
    *raised(),
    acknowledged(),
    resolved(),
    ev.CallbackRecorded(
        rating=1, resolved=False, comment="", officer_id=POLICE_A, recorded_by=CONTACT, recorded_at=REOPENED_AT
    ),
    ev.AppealReopened(reason="callback rated 1/5, not solved", reopened_at=REOPENED_AT),
]


class TestWhenReopened:
    def test_it_is_back_in_progress_with_the_same_holder(self) -> None:
        appeal = given_appeal(HISTORY)

        assert appeal.status is Status.IN_PROGRESS
        assert appeal.holder is not None
        assert appeal.holder.officer_id == POLICE_A
        assert (appeal.outcome, appeal.callback, appeal.reopen_count) == (None, None, 1)

    def test_it_gets_a_fresh_window_of_its_own_limit(self) -> None:
        assert due_at(given(HISTORY)) == REOPENED_AT + 7 * DAY

    def test_the_first_response_is_not_asked_for_again(self) -> None:
        assert first_response_due(given(HISTORY)) is None

    def test_the_fresh_window_can_breach_and_escalate_again(self) -> None:
        events = check_deadlines(given(HISTORY), REOPENED_AT + 7 * DAY, chiefs())

        assert types(events) == ["DeadlineBreached", "AppealEscalated"]

    def test_it_can_be_resolved_and_called_back_again(self) -> None:
        done = decide_resolve(given(HISTORY), ResolveAppeal(APPEAL_ID, "fence rebuilt", POLICE_A), REOPENED_AT + DAY)
        happy = decide_record_callback(
            given(HISTORY, done), RecordCallback(APPEAL_ID, 5, True, "thanks", CONTACT), REOPENED_AT + 2 * DAY
        )

        assert types(happy) == ["CallbackRecorded"]
        assert given_appeal(HISTORY, done, happy).status is Status.RESOLVED
