"""Given a rating stream, when an enterprise rates a chief, then one rating per period is recorded."""

from datetime import datetime

import pytest

from jingzhang.evaluation.domain.events import ChiefRated
from jingzhang.evaluation.domain.rating import RateChief, RatingState, decide_rate, evolve, rating_stream_id
from jingzhang.evaluation.domain.vocabulary import ChiefTier
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent
from tests.evaluation.unit.builders import at

SEALED = "pii:1:free_text:contact/e1:c2VhbGVkLWJ5LXRoZS1wcml2YWN5LWtlcm5lbA"
"""What the store holds instead of a comment once the privacy kernel has sealed it."""


NOW = at(4, 2)


def rate(level: int = 5, period: str = "2024-03", comment: str = "好") -> RateChief:
    return RateChief("e1", "o1", ChiefTier.POLICE_CHIEF, period, level, comment)


def decide(state: RatingState, command: RateChief, now: datetime = NOW) -> list[DomainEvent]:
    return decide_rate(state, command, now)


class TestWhenNotYetRated:
    def test_the_rating_is_recorded(self) -> None:
        events = decide(None, rate())

        assert events == [
            ChiefRated(
                rating_id=rating_stream_id("e1", "o1", "2024-03"),
                enterprise_id="e1",
                officer_id="o1",
                tier=ChiefTier.POLICE_CHIEF,
                period="2024-03",
                level=5,
                comment="好",
                rated_at=NOW,
            )
        ]

    @pytest.mark.parametrize("level", [0, 6])
    def test_a_level_outside_one_to_five_is_invalid(self, level: int) -> None:
        with pytest.raises(InvalidCommand) as refused:
            decide(None, rate(level=level))
        assert refused.value.field == "level"

    @pytest.mark.parametrize("period", ["2024-13", "24", "2024/03", "2024-3"])
    def test_a_malformed_period_is_invalid(self, period: str) -> None:
        with pytest.raises(InvalidCommand) as refused:
            decide(None, rate(period=period))
        assert refused.value.field == "period"

    def test_a_period_that_has_not_begun_cannot_be_rated(self) -> None:
        with pytest.raises(InvalidCommand, match="before it begins"):
            decide(None, rate(period="2024-05"))

    def test_an_overlong_comment_is_invalid(self) -> None:
        with pytest.raises(InvalidCommand) as refused:
            decide(None, rate(comment="x" * 501))
        assert refused.value.field == "comment"


class TestWhenAlreadyRated:
    STATE = evolve(None, decide(None, rate())[0])

    def test_the_same_rating_sent_again_records_nothing(self) -> None:
        assert decide(self.STATE, rate(), at(4, 3)) == []

    def test_a_retry_is_recognised_although_the_recorded_comment_is_sealed(self) -> None:
        recorded = self.STATE
        assert recorded is not None
        sealed = evolve(None, recorded.model_copy(update={"comment": SEALED}))

        assert decide(sealed, rate(), at(4, 3)) == []
        with pytest.raises(DomainRejected):
            decide(sealed, rate(level=2))

    def test_a_different_rating_for_the_same_period_is_refused(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            decide(self.STATE, rate(level=2))
        assert (refused.value.code, refused.value.field) == ("duplicate", "level")


class TestTheStreamId:
    def test_one_stream_per_enterprise_officer_and_period(self) -> None:
        assert rating_stream_id("e1", "o1", "2024") == rating_stream_id("e1", "o1", "2024")
        assert rating_stream_id("e1", "o1", "2024") != rating_stream_id("e1", "o1", "2024-01")
        assert rating_stream_id("e1", "o1x", "2024") != rating_stream_id("e1o", "1x", "2024")

    def test_a_commands_rating_id_is_its_stream_id(self) -> None:
        assert rate(period="2024").rating_id == rating_stream_id("e1", "o1", "2024")
