"""Given an appeal closed unresolved, or merged into another: finished, refusing further work."""

import pytest

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.commands import (
    AcknowledgeAppeal,
    CloseUnresolved,
    MergeAppeal,
    RecordCallback,
    ReferAppeal,
    RequestExtension,
)
from jingzhang.appeals.domain.deadlines import check_deadlines, next_check_at
from jingzhang.appeals.domain.extensions import decide_request_extension
from jingzhang.appeals.domain.feedback import decide_merge, decide_record_callback
from jingzhang.appeals.domain.handling import decide_acknowledge, decide_close_unresolved, decide_refer
from jingzhang.appeals.domain.vocabulary import Status
from jingzhang.shared.errors import DomainRejected

from .samples import APPEAL_ID, CONTACT, DAY, POLICE_A, T0, chiefs, given, given_appeal, raised, types

CLOSED = ev.AppealClosedUnresolved(reason="enterprise withdrew", closed_by=POLICE_A, closed_at=T0 + DAY)
MERGED = ev.AppealMerged(into_appeal_id="ap-0002", merged_by=POLICE_A, merged_at=T0 + DAY)


class TestWhenClosedUnresolved:
    def test_a_dissatisfied_callback_is_recorded_but_does_not_reopen(self) -> None:
        events = decide_record_callback(
            given(raised(), CLOSED), RecordCallback(APPEAL_ID, 1, False, "", CONTACT), T0 + 2 * DAY
        )

        assert types(events) == ["CallbackRecorded"]
        assert given_appeal(raised(), CLOSED, events).status is Status.CLOSED

    def test_no_deadline_fires(self) -> None:
        assert next_check_at(given(raised(), CLOSED)) is None
        assert check_deadlines(given(raised(), CLOSED), T0 + 30 * DAY, chiefs()) == []

    def test_it_cannot_be_closed_twice(self) -> None:
        with pytest.raises(DomainRejected) as err:
            decide_close_unresolved(
                given(raised(), CLOSED), CloseUnresolved(APPEAL_ID, "again", POLICE_A), T0 + 2 * DAY
            )
        assert err.value.code == "not_open"

    def test_it_cannot_be_referred(self) -> None:
        with pytest.raises(DomainRejected):
            decide_refer(given(raised(), CLOSED), ReferAppeal(APPEAL_ID, "telecom", "x", POLICE_A), T0 + 2 * DAY)


class TestWhenMerged:
    def test_it_takes_no_more_work(self) -> None:
        with pytest.raises(DomainRejected):
            decide_acknowledge(given(raised(), MERGED), AcknowledgeAppeal(APPEAL_ID, POLICE_A), T0 + 2 * DAY)
        with pytest.raises(DomainRejected):
            decide_request_extension(
                given(raised(), MERGED), RequestExtension(APPEAL_ID, DAY, "x", POLICE_A), T0 + 2 * DAY
            )

    def test_no_callback_is_taken_on_the_duplicate(self) -> None:
        with pytest.raises(DomainRejected):
            decide_record_callback(
                given(raised(), MERGED), RecordCallback(APPEAL_ID, 5, True, "", CONTACT), T0 + 2 * DAY
            )

    def test_another_duplicate_cannot_be_merged_into_it(self) -> None:
        with pytest.raises(DomainRejected):
            decide_merge(
                given(raised(appeal_id="ap-0003")),
                MergeAppeal(APPEAL_ID, "ap-0001", POLICE_A),
                T0 + 2 * DAY,
                given(raised(), MERGED),
            )
