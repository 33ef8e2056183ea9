"""Given facts about one officer's year, when the scorecard is taken, then it shows the hand count."""

from datetime import timedelta
from fractions import Fraction

from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.period import Period
from jingzhang.evaluation.domain.scorecard import scorecard
from jingzhang.evaluation.domain.vocabulary import ActivityKind, Slot
from tests.evaluation.unit.builders import YEAR, activity, answer, appeal, at, duty, rating

LATE = timedelta(hours=30)
AFTER = at(1, 10, year=2025)
"""Read after the year: everything in it was due."""
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
        card = scorecard("o1", YEAR, SMALL_CASE, AFTER)

        assert card.appeals_handled.fact_ids == ("a1", "a2", "a3", "a4")
        assert (card.appeals_as_a.total, card.appeals_as_b.total) == (3, 1)

    def test_rates_match_the_hand_computed_fractions(self) -> None:
        card = scorecard("o1", YEAR, SMALL_CASE, AFTER)

        assert card.response_rate.value == Fraction(2, 4)
        assert card.resolution_rate.value == Fraction(2, 3)
        assert card.satisfaction_rate.value == Fraction(2, 3)
        assert card.on_time_closure.value == Fraction(2, 4)
        assert card.reopen_rate.value == Fraction(1, 3)
        assert card.visit_compliance.value == Fraction(1, 3)
        assert card.spot_check_satisfaction.value == Fraction(1, 2)

    def test_activities_count_once_per_officer_who_took_part(self) -> None:
        card = scorecard("o1", YEAR, SMALL_CASE, AFTER)

        assert card.hazards_rectified.total == 1
        assert card.disputes_mediated.total == 0
        assert card.patrol_person_times.total == 2
        assert card.activity_volume == 3

    def test_ratings_for_periods_inside_the_year_are_averaged(self) -> None:
        card = scorecard("o1", YEAR, SMALL_CASE, AFTER)

        assert card.ratings_received.fact_ids == ("r1", "r2")
        assert card.ratings_average == Fraction(9, 2)

    def test_the_sample_is_what_the_enterprises_said_ratings_rated_appeals_and_spot_check_answers(self) -> None:
        card = scorecard("o1", YEAR, SMALL_CASE, AFTER)

        assert (card.ratings_received.total, card.rated_appeals, card.spot_check_satisfaction.denominator) == (2, 3, 2)
        assert card.sample == 7

    def test_every_number_lists_the_facts_behind_it(self) -> None:
        evidence = scorecard("o1", YEAR, SMALL_CASE, AFTER).evidence()

        assert evidence["satisfaction_rate"] == ("a1", "a2", "a3")
        assert evidence["visit_compliance"] == ("d1", "d2", "d3")
        assert scorecard("o1", YEAR, SMALL_CASE, AFTER).satisfaction_rate.numerator_ids == ("a1", "a3")


class TestWhenNothingWasMeasured:
    def test_rates_are_none_not_zero(self) -> None:
        card = scorecard("nobody", YEAR, SMALL_CASE, AFTER)

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


class TestReadNow:
    """A scorecard read now counts only what is due now: the rest is pending, not missed."""

    MINUTES_OLD = Facts(
        appeals=(
            appeal("a1", raised=at(3, 1, hour=9), responded_after=None, closed_after=None),
            appeal("a2", raised=at(3, 1, hour=9), responded_after=timedelta(minutes=5), closed_after=None),
        ),
        duties=(duty("d1", due=at(3, 8), missed=True), duty("d2", due=at(2, 20), missed=True)),
    )
    NOW = at(3, 1, hour=9) + timedelta(minutes=10)

    def test_appeals_still_within_their_time_limits_are_pending_not_missed(self) -> None:
        card = scorecard("o1", YEAR, self.MINUTES_OLD, self.NOW)

        assert (card.response_rate.numerator, card.response_rate.denominator) == (1, 1)
        assert card.response_rate.pending_ids == ("a1",)
        assert (card.on_time_closure.denominator, card.on_time_closure.pending) == (0, 2)

    def test_a_visit_not_yet_due_is_pending_and_one_past_due_undone_is_missed(self) -> None:
        card = scorecard("o1", YEAR, self.MINUTES_OLD, self.NOW)

        assert (card.visit_compliance.numerator, card.visit_compliance.denominator_ids) == (0, ("d2",))
        assert card.visit_compliance.pending_ids == ("d1",)

    def test_once_the_limits_pass_the_unanswered_appeal_is_a_miss(self) -> None:
        card = scorecard("o1", YEAR, self.MINUTES_OLD, at(3, 9))

        assert (card.response_rate.numerator, card.response_rate.denominator, card.response_rate.pending) == (1, 2, 0)
        assert card.visit_compliance.denominator_ids == ("d1", "d2")


class TestTimeLimitsThatRanOutBeforeTheAppealReachedTheChief:
    """Charged to nobody, as the appeals service records them (DeadlinePassedAtDutyDesk)."""

    def test_a_limit_that_ran_out_at_the_duty_desk_is_neither_a_hit_nor_a_miss(self) -> None:
        held = appeal("a1", routed=at(3, 2, hour=12), responded_after=timedelta(hours=28))  # limit: 24 h

        card = scorecard("o1", YEAR, Facts(appeals=(held,)), AFTER)

        assert (card.response_rate.denominator, card.response_rate.pending) == (0, 0)
        assert card.on_time_closure.denominator_ids == ("a1",)  # due in 7 days: still running then
        assert card.appeals_handled.fact_ids == ("a1",)

    def test_an_appeal_entered_after_its_limits_ran_out_charges_nobody_for_them(self) -> None:
        late = appeal("a1", learned=at(3, 10), responded_after=timedelta(days=9, hours=1), closed_after=None)

        card = scorecard("o1", YEAR, Facts(appeals=(late,)), AFTER)

        assert (card.response_rate.denominator, card.on_time_closure.denominator) == (0, 0)


class TestTwoClocks:
    def test_an_appeal_counts_in_the_period_it_was_received_in_from_when_it_was_recorded(self) -> None:
        # received by phone on 31 December, entered on 2 January
        late = appeal("a1", raised=at(12, 31, hour=20), learned=at(1, 2, year=2025), rating=(5, True))
        facts = Facts(appeals=(late,))

        on_new_years_eve = scorecard("o1", YEAR, facts, at(12, 31, hour=23))
        in_january = scorecard("o1", YEAR, facts, at(1, 20, year=2025))

        assert on_new_years_eve.appeals_handled.total == 0
        assert in_january.appeals_handled.fact_ids == ("a1",)
        assert scorecard("o1", Period.year(2025), facts, at(1, 20, year=2025)).appeals_handled.total == 0

    def test_a_spot_check_answer_counts_in_the_period_it_was_given_in(self) -> None:
        facts = Facts(spot_checks=(answer("s1", when=at(12, 31)), answer("s2", when=at(1, 2, year=2025))))

        card = scorecard("o1", YEAR, facts, AFTER)

        assert card.spot_check_satisfaction.denominator_ids == ("s1",)
