"""Given officers' scorecards for a year, when the ranking is computed, then models and laggards follow the rules."""

from fractions import Fraction

import pytest
from pydantic import ValidationError

from jingzhang.evaluation.domain.facts import AppealFact, Facts
from jingzhang.evaluation.domain.ranking import Weighting, rank, score
from jingzhang.evaluation.domain.scorecard import Scorecard, scorecard
from jingzhang.evaluation.domain.vocabulary import ActivityKind
from tests.evaluation.unit.builders import YEAR, activity, appeal


def rated(officer: str, total: int, satisfied: int) -> list[AppealFact]:
    return [
        appeal(f"{officer}-{i}", officer=officer, rating=(5 if i < satisfied else 2, i < satisfied))
        for i in range(total)
    ]


def cards(*specs: tuple[str, int, int]) -> list[Scorecard]:
    facts = Facts(appeals=tuple(a for spec in specs for a in rated(*spec)))
    return [scorecard(officer, YEAR, facts) for officer, _, _ in specs]


class TestTheSampleGuard:
    def test_an_officer_with_too_few_rated_appeals_is_not_ranked_and_the_ranking_says_why(self) -> None:
        ranking = rank(cards(("o1", 5, 5), ("o2", 5, 0), ("o3", 4, 4)), min_rated_appeals=5)

        ranked = {r.officer_id for r in ranking.models + ranking.laggards}
        assert "o3" not in ranked
        assert [(u.officer_id, u.rated_appeals) for u in ranking.unranked] == [("o3", 4)]
        assert "fewer than the minimum 5" in ranking.unranked[0].reason

    def test_an_officer_at_the_minimum_is_ranked(self) -> None:
        ranking = rank(cards(("o1", 5, 5), ("o2", 5, 0)), min_rated_appeals=5)

        assert [r.officer_id for r in ranking.models] == ["o1"]
        assert [r.officer_id for r in ranking.laggards] == ["o2"]
        assert ranking.unranked == ()


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

    def test_ties_break_by_officer_id_whatever_the_input_order(self) -> None:
        forward = rank(cards(*self.SPECS))
        backward = rank(list(reversed(cards(*self.SPECS))))

        assert forward == backward
        assert [r.officer_id for r in forward.models[:3]] == ["o10", "o21", "o09"]


class TestWithFewOfficers:
    def test_the_lists_take_half_each_so_nobody_is_in_both(self) -> None:
        ranking = rank(cards(("a", 5, 5), ("b", 5, 4), ("c", 5, 3)))

        assert [r.officer_id for r in ranking.models] == ["a"]
        assert [r.officer_id for r in ranking.laggards] == ["c"]


class TestTheScore:
    def test_an_unmeasured_component_drops_out_and_the_rest_are_reweighted(self) -> None:
        # satisfied 1/2, resolved 1/2, answered in time 2/2, no visits due, no activity anywhere
        card = cards(("o1", 2, 1))[0]

        expected = (Fraction("0.35") / 2 + Fraction("0.25") / 2 + Fraction("0.15")) / Fraction("0.85")
        assert score(card, Weighting(), busiest=0) == expected

    def test_activity_volume_is_normalised_to_the_busiest_ranked_officer(self) -> None:
        facts = Facts(
            appeals=tuple(rated("o1", 1, 1)),
            activities=(activity("h1", ActivityKind.HAZARD_RECTIFIED, "o1"),),
        )
        card = scorecard("o1", YEAR, facts)
        only_volume = Weighting(satisfaction=0, resolution=0, response=0, visit_compliance=0, activity_volume=1)

        assert score(card, only_volume, busiest=4) == Fraction(1, 4)


class TestTheWeighting:
    def test_defaults_are_the_documented_ones(self) -> None:
        w = Weighting()

        assert (w.satisfaction, w.resolution, w.response, w.visit_compliance, w.activity_volume) == (
            0.35,
            0.25,
            0.15,
            0.15,
            0.10,
        )

    def test_weights_that_do_not_sum_to_one_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="sum to 1"):
            Weighting(satisfaction=0.5)

    def test_a_negative_weight_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            Weighting(satisfaction=-0.1, resolution=0.7)
