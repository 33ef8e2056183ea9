"""Given officers' scorecards for a year, when the ranking is computed, then models and laggards follow the rules."""

from fractions import Fraction

import pytest
from pydantic import ValidationError

from jingzhang.evaluation.domain.facts import AppealFact, Facts
from jingzhang.evaluation.domain.ranking import DEFAULT_WEIGHTING, Component, Weighting, explain, rank, score
from jingzhang.evaluation.domain.scorecard import Scorecard, scorecard
from jingzhang.evaluation.domain.vocabulary import ActivityKind
from tests.evaluation.unit.builders import YEAR, activity, answer, appeal, at, duty, rating

AFTER = at(1, 10, year=2025)


def rated(officer: str, total: int, satisfied: int) -> list[AppealFact]:
    return [
        appeal(f"{officer}-{i}", officer=officer, rating=(5 if i < satisfied else 2, i < satisfied))
        for i in range(total)
    ]


def cards_of(facts: Facts, *officers: str) -> list[Scorecard]:
    return [scorecard(officer, YEAR, facts, AFTER) for officer in officers]


def cards(*specs: tuple[str, int, int]) -> list[Scorecard]:
    facts = Facts(appeals=tuple(a for spec in specs for a in rated(*spec)))
    return cards_of(facts, *(officer for officer, _, _ in specs))


ONLY_CALLBACKS = Weighting(satisfaction=0.5, resolution=0.25, response=0.25)


class TestTheSampleGuard:
    def test_an_officer_with_too_small_a_sample_is_not_ranked_and_the_ranking_says_why(self) -> None:
        ranking = rank(cards(("o1", 5, 5), ("o2", 5, 0), ("o3", 4, 4)), min_sample=5)

        ranked = {r.officer_id for r in ranking.models + ranking.laggards}
        assert "o3" not in ranked
        assert [(u.officer_id, u.rated_appeals, u.sample) for u in ranking.unranked] == [("o3", 4, 4)]
        assert "fewer than the minimum 5" in ranking.unranked[0].reason
        assert ranking.unranked[0].reason.startswith("样本不足")

    def test_an_officer_at_the_minimum_is_ranked(self) -> None:
        ranking = rank(cards(("o1", 5, 5), ("o2", 5, 0)), min_sample=5)

        assert [r.officer_id for r in ranking.models] == ["o1"]
        assert [r.officer_id for r in ranking.laggards] == ["o2"]
        assert ranking.unranked == ()

    def test_ratings_and_spot_check_answers_count_towards_the_sample_with_rated_appeals(self) -> None:
        facts = Facts(
            appeals=tuple(rated("o1", 2, 2)),
            ratings=(rating("r1", 5), rating("r2", 4, period="2024-03")),
            spot_checks=(answer("s1"),),
        )
        [card] = cards_of(facts, "o1")

        assert card.sample == 5
        assert rank([card], min_sample=5).table[0].sample == 5
        assert [u.sample for u in rank([card], min_sample=6).unranked] == [5]


class TestWithManyOfficers:
    SPECS = tuple((f"o{i:02d}", 10, i % 11) for i in range(30))

    def test_ten_models_and_ten_laggards_never_overlap(self) -> None:
        ranking = rank(cards(*self.SPECS))

        models = [r.officer_id for r in ranking.models]
        laggards = [r.officer_id for r in ranking.laggards]
        assert (len(models), len(laggards)) == (10, 10)
        assert not set(models) & set(laggards)

    def test_models_are_best_first_and_laggards_worst_first(self) -> None:
        ranking = rank(cards(*self.SPECS))

        assert [r.rank for r in ranking.models] == list(range(1, 11))
        assert [r.rank for r in ranking.laggards] == list(range(30, 20, -1))
        assert ranking.models[0].score >= ranking.models[-1].score >= ranking.laggards[-1].score

    def test_ties_break_by_score_then_officer_id_whatever_the_input_order(self) -> None:
        forward = rank(cards(*self.SPECS))
        backward = rank(list(reversed(cards(*self.SPECS))))

        assert forward == backward
        assert [r.officer_id for r in forward.models[:3]] == ["o10", "o21", "o09"]


class TestWithFewOfficers:
    def test_the_lists_take_half_each_so_nobody_is_in_both(self) -> None:
        ranking = rank(cards(("a", 5, 5), ("b", 5, 4), ("c", 5, 3)))

        assert [r.officer_id for r in ranking.models] == ["a"]
        assert [r.officer_id for r in ranking.laggards] == ["c"]


class TestTheEnterprisesWordComesFirst:
    """Two officers with the same appeals and visits; only what the enterprises said of them differs."""

    APPEALS = (*rated("o1", 3, 2), *rated("o2", 3, 2))

    def ranking(self, ratings: tuple[int, int] | None = None, checks: tuple[bool, bool] | None = None) -> list[str]:
        """o1's and o2's rating levels and spot-check answers (satisfied or not), if any."""
        given = (rating("r1", ratings[0], officer="o1"), rating("r2", ratings[1], officer="o2")) if ratings else ()
        answered = (answer("s1", "o1", satisfied=checks[0]), answer("s2", "o2", satisfied=checks[1])) if checks else ()
        facts = Facts(appeals=self.APPEALS, ratings=given, spot_checks=answered)
        return [r.officer_id for r in rank(cards_of(facts, "o1", "o2"), min_sample=3).table]

    def test_with_nothing_but_appeals_the_tie_breaks_by_officer_id(self) -> None:
        assert self.ranking() == ["o1", "o2"]

    def test_a_rating_campaign_that_changes_only_the_ratings_changes_the_ranking(self) -> None:
        assert self.ranking(ratings=(5, 4)) == ["o1", "o2"]
        assert self.ranking(ratings=(4, 5)) == ["o2", "o1"]

    def test_spot_check_results_move_it_too(self) -> None:
        assert self.ranking(ratings=(5, 4), checks=(True, True)) == ["o1", "o2"]
        assert self.ranking(ratings=(5, 4), checks=(False, True)) == ["o2", "o1"]


class TestTheScore:
    def test_an_unmeasured_component_drops_out_and_the_rest_are_reweighted(self) -> None:
        # satisfied 1/2, resolved 1/2, answered in time 2/2; no ratings, spot checks, visits or activity
        card = cards(("o1", 2, 1))[0]
        weights = DEFAULT_WEIGHTING

        measured = Fraction("0.15") + Fraction("0.10") + Fraction("0.10")
        expected = (Fraction("0.15") / 2 + Fraction("0.10") / 2 + Fraction("0.10")) / measured
        assert score(card, weights, busiest=0) == expected

    def test_ratings_score_their_mean_level_and_spot_checks_their_satisfied_share(self) -> None:
        facts = Facts(
            ratings=(rating("r1", 5), rating("r2", 2, period="2024-05")),
            spot_checks=(answer("s1"), answer("s2", satisfied=False), answer("s3")),
        )
        [card] = cards_of(facts, "o1")
        only_them = Weighting(ratings=0.6, spot_checks=0.4)

        parts = {p.component: p for p in explain(card, only_them, busiest=0).parts}

        assert parts[Component.RATINGS].value == Fraction(5 + 2 - 2, 2 * 4)  # mean 3.5 on 1..5
        assert parts[Component.SPOT_CHECKS].value == Fraction(2, 3)
        assert score(card, only_them, 0) == Fraction(6, 10) * Fraction(5, 8) + Fraction(4, 10) * Fraction(2, 3)

    def test_activity_volume_is_normalised_to_the_busiest_ranked_officer(self) -> None:
        facts = Facts(
            appeals=tuple(rated("o1", 1, 1)),
            activities=(activity("h1", ActivityKind.HAZARD_RECTIFIED, "o1"),),
        )
        [card] = cards_of(facts, "o1")
        only_volume = Weighting(activity_volume=1)

        assert score(card, only_volume, busiest=4) == Fraction(1, 4)


class TestTheExplanation:
    FACTS = Facts(
        appeals=tuple(rated("o1", 2, 1)),
        duties=(duty("d1"), duty("d2", missed=True)),
        ratings=(rating("r1", 4),),
        spot_checks=(answer("s1"),),
    )

    def test_the_parts_add_up_to_the_score_and_name_the_events_behind_each(self) -> None:
        [card] = cards_of(self.FACTS, "o1")

        explained = explain(card, DEFAULT_WEIGHTING, busiest=0)
        parts = {p.component: p for p in explained.parts}

        assert sum(p.contribution for p in explained.parts) == explained.score
        assert sum(p.share for p in explained.parts) == 1
        assert parts[Component.RATINGS].fact_ids == ("r1",)
        assert parts[Component.SPOT_CHECKS].fact_ids == ("s1",)
        assert parts[Component.SATISFACTION].fact_ids == ("o1-0", "o1-1")
        assert parts[Component.SATISFACTION].counted_ids == ("o1-0",)
        assert parts[Component.VISIT_COMPLIANCE].fact_ids == ("d1", "d2")
        assert parts[Component.VISIT_COMPLIANCE].counted_ids == ("d1",)
        assert parts[Component.ACTIVITY_VOLUME].share == 0  # weight 0 by default

    def test_the_ranking_explains_every_officer_ranked_or_not(self) -> None:
        facts = Facts(appeals=(*self.FACTS.appeals, *rated("o2", 1, 1)), ratings=self.FACTS.ratings)

        ranking = rank(cards_of(facts, "o1", "o2"), min_sample=2)

        assert [o.officer_id for o in ranking.table] == ["o1"]
        explained = ranking.explanation("o2")
        assert explained is not None
        assert explained.sample == 1
        assert ranking.explanation("nobody") is None
        assert ranking.table[0].components == explain(cards_of(facts, "o1")[0], DEFAULT_WEIGHTING, 0).components()


class TestTheWeighting:
    def test_defaults_put_ratings_and_spot_checks_first(self) -> None:
        w = DEFAULT_WEIGHTING

        assert w.model_dump() == {
            "ratings": 0.30,
            "spot_checks": 0.20,
            "satisfaction": 0.15,
            "resolution": 0.10,
            "response": 0.10,
            "visit_compliance": 0.15,
            "activity_volume": 0.0,
        }

    def test_a_weight_left_out_is_zero(self) -> None:
        assert ONLY_CALLBACKS.ratings == ONLY_CALLBACKS.activity_volume == 0

    def test_weights_that_do_not_sum_to_one_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="sum to 1"):
            Weighting(satisfaction=0.5)
        with pytest.raises(ValidationError, match="sum to 1"):
            Weighting(**{**DEFAULT_WEIGHTING.model_dump(), "ratings": 0.4})

    def test_a_negative_weight_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            Weighting(satisfaction=-0.1, resolution=1.1)

    def test_an_unknown_component_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            Weighting.model_validate({"ratings": 1, "charm": 0})
