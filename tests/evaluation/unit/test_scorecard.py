"""Given facts about one officer's year, when the scorecard is taken, then it shows the hand count."""

from datetime import timedelta
from fractions import Fraction

from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.scorecard import scorecard
from jingzhang.evaluation.domain.vocabulary import ActivityKind, Slot
from tests.evaluation.unit.builders import YEAR, activity, answer, appeal, at, duty, rating

LATE = timedelta(hours=30)
SMALL_CASE = Facts(
    appeals=(
        appeal("a1", rating=(5, True)),
        appeal("a2", responded_after=LATE, closed_after=timedelta(days=9), rating=(3, True)),
        appeal("a3", responded_after=timedelta(hours=1), rating=(4, False), reopened=1),
        appeal("a4", responded_after=None, closed_after=None, slot=Slot.B),
        appeal("a5", officer="o2", rating=(1, False)),
        appeal("a6", raised=at(12, 1, year=2023), rating=(5, True)),
    ),
    duties=(
        duty("d1"),
        duty("d2", late_by=timedelta(hours=3)),
        duty("d3", missed=True),
        duty("d4", officer="o2"),
    ),
    activities=(
        activity("h1", ActivityKind.HAZARD_RECTIFIED, "o1", "o2"),
        activity("m1", ActivityKind.DISPUTE_MEDIATED, "o2"),
        activity("p1", ActivityKind.PATROL, "o1", count=5),
        activity("p2", ActivityKind.PATROL, "o1"),
    ),
    ratings=(rating("r1", 5), rating("r2", 4, period="2024-06"), rating("r3", 2, period="2023")),
    spot_checks=(answer("s1", "o1"), answer("s2", "o1", "o2", satisfied=False)),
)


class TestHandCountedYear:
    def test_appeals_are_credited_to_who_acted_and_split_by_slot(self) -> None:
        card = scorecard("o1", YEAR, SMALL_CASE)

        assert card.appeals_handled.fact_ids == ("a1", "a2", "a3", "a4")
        assert (card.appeals_as_a.total, card.appeals_as_b.total) == (3, 1)

    def test_rates_match_the_hand_computed_fractions(self) -> None:
        card = scorecard("o1", YEAR, SMALL_CASE)

        assert card.response_rate.value == Fraction(2, 4)
        assert card.resolution_rate.value == Fraction(2, 3)
        assert card.satisfaction_rate.value == Fraction(2, 3)
        assert card.on_time_closure.value == Fraction(2, 4)
        assert card.reopen_rate.value == Fraction(1, 3)
        assert card.visit_compliance.value == Fraction(1, 3)
        assert card.spot_check_satisfaction.value == Fraction(1, 2)

    def test_activities_count_once_per_officer_who_took_part(self) -> None:
        card = scorecard("o1", YEAR, SMALL_CASE)

        assert card.hazards_rectified.total == 1
        assert card.disputes_mediated.total == 0
        assert card.patrol_person_times.total == 2
        assert card.activity_volume == 3

    def test_ratings_for_periods_inside_the_year_are_averaged(self) -> None:
        card = scorecard("o1", YEAR, SMALL_CASE)

        assert card.ratings_received.fact_ids == ("r1", "r2")
        assert card.ratings_average == Fraction(9, 2)

    def test_every_number_lists_the_facts_behind_it(self) -> None:
        evidence = scorecard("o1", YEAR, SMALL_CASE).evidence()

        assert evidence["satisfaction_rate"] == ("a1", "a2", "a3")
        assert evidence["visit_compliance"] == ("d1", "d2", "d3")
        assert scorecard("o1", YEAR, SMALL_CASE).satisfaction_rate.numerator_ids == ("a1", "a3")


class TestWhenNothingWasMeasured:
    def test_rates_are_none_not_zero(self) -> None:
        card = scorecard("nobody", YEAR, SMALL_CASE)

        assert card.response_rate.value is None
        assert card.satisfaction_rate.percent is None
        assert card.visit_compliance.value is None
        assert card.ratings_average is None
        assert card.appeals_handled.total == 0


class TestAsOfAnInstant:
    def test_an_appeal_still_within_its_response_limit_is_not_yet_a_miss(self) -> None:
        facts = Facts(appeals=(appeal("a1", responded_after=None, closed_after=None),))

        card = scorecard("o1", YEAR, facts, as_of=at(3, 1, hour=12))

        assert card.appeals_handled.total == 1
        assert card.response_rate.value is None

    def test_an_appeal_past_its_limit_without_answer_is_a_miss(self) -> None:
        facts = Facts(appeals=(appeal("a1", responded_after=None, closed_after=None),))

        card = scorecard("o1", YEAR, facts, as_of=at(3, 5))

        assert card.response_rate.value == 0

    def test_a_response_after_the_instant_is_not_known_yet(self) -> None:
        facts = Facts(appeals=(appeal("a1", responded_after=timedelta(hours=30)),))

        before = scorecard("o1", YEAR, facts, as_of=at(3, 1, hour=20))
        after = scorecard("o1", YEAR, facts, as_of=at(3, 3))

        assert before.response_rate.denominator == 0
        assert after.response_rate.value == 0

    def test_a_rating_given_after_the_instant_is_ignored(self) -> None:
        facts = Facts(appeals=(appeal("a1", rating=(5, True)),))

        card = scorecard("o1", YEAR, facts, as_of=at(3, 3, hour=10))

        assert card.satisfaction_rate.denominator == 0
        assert scorecard("o1", YEAR, facts, as_of=at(3, 5)).satisfaction_rate.value == 1
