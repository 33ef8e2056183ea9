"""Given a resolved appeal: the enterprise's callback (回访), and reopening when it is unhappy."""

import pytest

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.commands import RecordCallback, ResolveAppeal
from jingzhang.appeals.domain.deadlines import due_at
from jingzhang.appeals.domain.feedback import decide_record_callback
from jingzhang.appeals.domain.handling import decide_resolve
from jingzhang.appeals.domain.vocabulary import Status
from jingzhang.shared.errors import DomainRejected, InvalidCommand

from .samples import (
    APPEAL_ID,
    CONTACT,
    DAY,
    ENTERPRISE,
    POLICE_A,
    T0,
    acknowledged,
    given,
    given_appeal,
    raised,
    resolved,
    types,
)

CALLED_AT = T0 + 2 * DAY


def callback(rating: int, solved: bool = True, comment: str = "") -> RecordCallback:
    return RecordCallback(APPEAL_ID, rating, solved, comment, CONTACT)


class TestWhenResolved:
    @pytest.mark.parametrize("rating", [3, 4, 5])
    def test_a_satisfied_callback_is_recorded_against_the_holder(self, rating: int) -> None:
        events = decide_record_callback(given(raised(), resolved()), callback(rating), CALLED_AT)

        assert events == [
            ev.CallbackRecorded(
                rating=rating,
                resolved=True,
                comment="",
                officer_id=POLICE_A,
                recorded_by=CONTACT,
                recorded_at=CALLED_AT,
                enterprise_id=ENTERPRISE,
            )
        ]
        assert given_appeal(raised(), resolved(), events).status is Status.RESOLVED

    @pytest.mark.parametrize("rating", [1, 2])
    def test_a_low_rating_reopens_it_without_copying_the_enterprises_words(self, rating: int) -> None:
        events = decide_record_callback(
            given(raised(), resolved()), callback(rating, comment="gate blocked again"), CALLED_AT
        )

        assert types(events) == ["CallbackRecorded", "AppealReopened"]
        reopened = events[1]
        assert isinstance(reopened, ev.AppealReopened)
        assert reopened.reason == f"callback rated {rating}/5, solved"  # the comment is personal: in the callback only

    def test_not_solved_reopens_it_even_when_rated_well(self) -> None:
        events = decide_record_callback(given(raised(), resolved()), callback(4, solved=False), CALLED_AT)

        assert types(events) == ["CallbackRecorded", "AppealReopened"]

    def test_a_second_callback_for_the_same_outcome_is_refused(self) -> None:
        first = decide_record_callback(given(raised(), resolved()), callback(5), CALLED_AT)

        with pytest.raises(DomainRejected):
            decide_record_callback(given(raised(), resolved(), first), callback(1), CALLED_AT)

    @pytest.mark.parametrize("rating", [0, 6])
    def test_a_rating_outside_1_to_5_names_the_field(self, rating: int) -> None:
        with pytest.raises(InvalidCommand) as err:
            decide_record_callback(given(raised(), resolved()), callback(rating), CALLED_AT)
        assert err.value.field == "rating"

    def test_it_cannot_be_resolved_again(self) -> None:
        with pytest.raises(DomainRejected):
            decide_resolve(given(raised(), resolved()), ResolveAppeal(APPEAL_ID, "again", POLICE_A), CALLED_AT)

    def test_it_has_no_deadline(self) -> None:
        assert due_at(given(raised(), acknowledged(), resolved())) is None


class TestWhenStillOpen:
    def test_no_callback_is_taken_before_there_is_an_outcome(self) -> None:
        with pytest.raises(DomainRejected):
            decide_record_callback(given(raised()), callback(5), CALLED_AT)
