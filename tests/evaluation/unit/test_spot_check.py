"""Given a spot check in some state, when the bureau draws, records or closes, then the rules hold."""

from fractions import Fraction

import pytest

from jingzhang.evaluation.domain.events import SpotCheckAnswerRecorded, SpotCheckClosed, SpotCheckDrawn
from jingzhang.evaluation.domain.spot_check import (
    SPOT_CHECK,
    CloseSpotCheck,
    Draw,
    DrawSpotCheck,
    RecordSpotCheckAnswer,
    SpotCheckState,
    SpotCheckStatus,
    compare_with_reported,
    decide_answer,
    decide_close,
    decide_draw,
    draw_sample,
    evolve,
    population_digest,
)
from jingzhang.shared.aggregate import fold
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from tests.evaluation.unit.builders import at, rating

POPULATION = tuple(f"e{i:03d}" for i in range(146))


DRAWN_AT, ANSWERED_AT, CLOSED_AT = at(6, 1), at(6, 2), at(7, 1)


def draw(seed: int = 7, size: int = 10, population: tuple[str, ...] = POPULATION) -> Draw:
    return Draw("sc1", seed, size, population)


def answer(enterprise_id: str, satisfied: bool = True, level: int = 5) -> RecordSpotCheckAnswer:
    return RecordSpotCheckAnswer("sc1", enterprise_id, satisfied, level, "")


def given(*commands: Draw | RecordSpotCheckAnswer | CloseSpotCheck) -> SpotCheckState:
    state = SPOT_CHECK.initial
    for command in commands:
        match command:
            case Draw():
                events = decide_draw(state, command, DRAWN_AT)
            case RecordSpotCheckAnswer():
                events = decide_answer(state, command, ANSWERED_AT)
            case CloseSpotCheck():
                events = decide_close(state, command, CLOSED_AT)
        state = fold(evolve, state, events)
    return state


class TestTheSample:
    def test_the_same_seed_draws_the_same_sample_whatever_the_population_order(self) -> None:
        shuffled = tuple(reversed(POPULATION))

        assert draw_sample(POPULATION, 7, 10) == draw_sample(shuffled, 7, 10)

    def test_another_seed_draws_another_sample(self) -> None:
        assert draw_sample(POPULATION, 7, 10) != draw_sample(POPULATION, 8, 10)

    def test_the_sample_has_no_repeats_and_comes_from_the_population(self) -> None:
        sample = draw_sample(POPULATION, 7, 30)

        assert len(set(sample)) == 30
        assert set(sample) <= set(POPULATION)


class TestWhenNotDrawn:
    def test_drawing_records_seed_sample_and_a_digest_of_the_population(self) -> None:
        [event] = decide_draw(SpotCheckState(), draw(), DRAWN_AT)

        assert isinstance(event, SpotCheckDrawn)
        assert (event.seed, event.population_size) == (7, 146)
        assert event.sample == draw_sample(POPULATION, 7, 10)
        assert event.population_digest == population_digest(reversed(POPULATION))

    @pytest.mark.parametrize("size", [0, 147])
    def test_a_sample_size_outside_the_population_is_invalid(self, size: int) -> None:
        with pytest.raises(InvalidCommand) as refused:
            decide_draw(SpotCheckState(), draw(size=size), DRAWN_AT)
        assert refused.value.field == "sample_size"

    def test_answers_are_refused(self) -> None:
        with pytest.raises(DomainRejected, match="not been drawn"):
            decide_answer(SpotCheckState(), answer("e001"), ANSWERED_AT)


class TestWhenOpen:
    SAMPLE = draw_sample(POPULATION, 7, 10)

    def test_drawing_again_with_the_same_seed_records_nothing(self) -> None:
        assert decide_draw(given(draw()), draw(), DRAWN_AT) == []

    def test_a_retry_that_left_the_seed_and_size_to_the_service_is_the_same_draw(self) -> None:
        """The service settled them afresh for the retry (another random seed): what was asked is the same."""
        retry = draw(seed=99, size=3, population=POPULATION[:50])

        assert decide_draw(given(draw()), retry, DRAWN_AT, DrawSpotCheck("sc1")) == []
        with pytest.raises(DomainRejected):
            decide_draw(given(draw()), retry, DRAWN_AT, DrawSpotCheck("sc1", sample_size=3))

    def test_drawing_again_with_another_seed_is_refused(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            decide_draw(given(draw()), draw(seed=8), DRAWN_AT)
        assert (refused.value.code, refused.value.field) == ("duplicate", "spot_check_id")

    def test_an_answer_from_a_sampled_enterprise_is_recorded(self) -> None:
        [event] = decide_answer(given(draw()), answer(self.SAMPLE[0]), ANSWERED_AT)

        assert isinstance(event, SpotCheckAnswerRecorded)
        assert (event.enterprise_id, event.satisfied, event.level) == (self.SAMPLE[0], True, 5)

    def test_an_answer_from_outside_the_sample_is_invalid(self) -> None:
        outsider = next(e for e in POPULATION if e not in self.SAMPLE)

        with pytest.raises(InvalidCommand) as refused:
            decide_answer(given(draw()), answer(outsider), ANSWERED_AT)
        assert refused.value.field == "enterprise_id"

    def test_a_second_different_answer_is_refused_and_the_same_one_ignored(self) -> None:
        state = given(draw(), answer(self.SAMPLE[0]))

        assert decide_answer(state, answer(self.SAMPLE[0]), ANSWERED_AT) == []
        with pytest.raises(DomainRejected, match="already answered"):
            decide_answer(state, answer(self.SAMPLE[0], satisfied=False, level=2), ANSWERED_AT)

    def test_a_retry_is_recognised_although_the_recorded_comment_is_sealed(self) -> None:
        drawn = given(draw())
        [recorded] = decide_answer(drawn, answer(self.SAMPLE[0]), ANSWERED_AT)
        assert isinstance(recorded, SpotCheckAnswerRecorded)
        sealed = evolve(drawn, recorded.model_copy(update={"comment": "pii:1:free_text:contact/e1:c2VhbGVk"}))

        assert decide_answer(sealed, answer(self.SAMPLE[0]), ANSWERED_AT) == []
        with pytest.raises(DomainRejected, match="already answered"):
            decide_answer(sealed, answer(self.SAMPLE[0], level=3), ANSWERED_AT)

    def test_an_answer_about_one_chief_names_them_and_a_retry_must_name_the_same(self) -> None:
        about_o1 = RecordSpotCheckAnswer("sc1", self.SAMPLE[0], True, 5, officer_id="o1")

        [event] = decide_answer(given(draw()), about_o1, ANSWERED_AT)
        state = given(draw(), about_o1)

        assert isinstance(event, SpotCheckAnswerRecorded)
        assert event.officer_id == "o1"
        assert decide_answer(state, about_o1, ANSWERED_AT) == []
        with pytest.raises(DomainRejected, match="already answered"):
            decide_answer(state, answer(self.SAMPLE[0]), ANSWERED_AT)

    def test_an_answer_recorded_before_answers_could_name_a_chief_reads_as_about_all_of_them(self) -> None:
        [event] = decide_answer(given(draw()), answer(self.SAMPLE[0]), ANSWERED_AT)
        old = event.model_dump(mode="json", exclude={"officer_id"})

        decoded = SpotCheckAnswerRecorded.model_validate(old)

        assert decoded.officer_id is None
        assert given(draw(), answer(self.SAMPLE[0])).answers[0].officer_id is None

    def test_closing_lists_who_never_answered(self) -> None:
        [event] = decide_close(given(draw(), answer(self.SAMPLE[0])), CloseSpotCheck("sc1"), CLOSED_AT)

        assert isinstance(event, SpotCheckClosed)
        assert event.answered == 1
        assert event.unanswered == self.SAMPLE[1:]


class TestWhenClosed:
    SAMPLE = draw_sample(POPULATION, 7, 10)
    STATE = given(draw(), CloseSpotCheck("sc1"))

    def test_it_is_closed_and_further_answers_are_refused(self) -> None:
        assert self.STATE.status is SpotCheckStatus.CLOSED
        with pytest.raises(DomainRejected, match="closed"):
            decide_answer(self.STATE, answer(self.SAMPLE[0]), ANSWERED_AT)

    def test_closing_again_records_nothing(self) -> None:
        assert decide_close(self.STATE, CloseSpotCheck("sc1"), at(7, 2)) == []


class TestComparingWithReportedRatings:
    def test_the_gap_is_reported_minus_sampled_satisfaction(self) -> None:
        sample = draw_sample(("e1", "e2", "e3"), 1, 2)
        state = given(
            draw(population=("e1", "e2", "e3"), size=2, seed=1),
            answer(sample[0]),
            answer(sample[1], satisfied=False, level=2),
        )
        outsider = next(e for e in ("e1", "e2", "e3") if e not in sample)
        reported = [
            rating("r1", 5, enterprise=sample[0]),
            rating("r2", 4, enterprise=sample[1]),
            rating("r3", 2, enterprise=sample[1]),
            rating("r4", 1, enterprise=outsider),
        ]

        comparison = compare_with_reported(state, reported)

        assert comparison.sampled.value == Fraction(1, 2)
        assert comparison.reported.value == Fraction(2, 3)
        assert comparison.gap == Fraction(1, 6)
