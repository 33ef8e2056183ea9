"""Given a year's ranking stream, when the bureau publishes, then the year is published once, after it ends."""

from datetime import datetime

import pytest

from jingzhang.evaluation.domain.events import RankingPublished
from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.ranking import Ranking, rank
from jingzhang.evaluation.domain.ranking_publication import PublishRanking, decide_publish, evolve, ranking_id
from jingzhang.evaluation.domain.scorecard import scorecard
from jingzhang.evaluation.events import REGISTRY
from jingzhang.shared.errors import DomainRejected
from jingzhang.shared.events import DomainEvent
from tests.evaluation.unit.builders import YEAR, appeal, at

FACTS = Facts(
    appeals=tuple(
        appeal(f"{o}-{i}", officer=o, rating=(5 if i < good else 2, True))
        for o, good in (("o1", 5), ("o2", 1), ("o3", 0))
        for i in range(5 if o != "o3" else 2)
    )
)
AFTER_YEAR = at(1, 5, year=2025)
CARDS = [scorecard(o, YEAR, FACTS, AFTER_YEAR) for o in ("o1", "o2", "o3")]
RANKING = rank(CARDS)
OTHER_RANKING = rank(CARDS, min_sample=2)


def publish(
    state: RankingPublished | None, ranking: Ranking = RANKING, now: datetime = AFTER_YEAR
) -> list[DomainEvent]:
    return decide_publish(state, PublishRanking(2024), ranking, now)


class TestWhenNotPublished:
    def test_publishing_records_the_lists_the_weighting_the_guard_and_who_was_not_ranked(self) -> None:
        [event] = publish(None)

        assert isinstance(event, RankingPublished)
        assert [m.officer_id for m in event.models] == ["o1"]
        assert [m.officer_id for m in event.laggards] == ["o2"]
        assert [(u.officer_id, u.sample) for u in event.unranked_on_rates] == [("o3", 2)]
        assert (event.weighting.model_dump(), event.min_sample, event.min_rated_appeals) == (
            RANKING.weighting.model_dump(),
            5,
            5,
        )
        assert event.models[0].components == RANKING.explanations[0].components()

    def test_a_ranking_published_before_the_guard_counted_ratings_still_reads(self) -> None:
        """An older RankingPublished: weights of the components it knew, no min_sample, no samples."""
        [event] = publish(None)
        old = event.model_dump(mode="json", exclude={"min_sample"})
        old["weighting"] = {"satisfaction": 0.35, "resolution": 0.25, "response": 0.15, "visit_compliance": 0.15,
                            "activity_volume": 0.10}  # fmt: skip
        for officer in (*old["models"], *old["laggards"], *old["unranked_on_rates"]):
            officer.pop("sample"), officer.pop("components", None)

        decoded = REGISTRY.decode("RankingPublished", 1, old)

        assert isinstance(decoded, RankingPublished)
        assert (decoded.weighting.ratings, decoded.weighting.satisfaction, decoded.min_sample) == (0, 0.35, None)

    def test_a_year_that_is_not_over_cannot_be_published(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            publish(None, now=at(12, 31))
        assert refused.value.code == "year_not_over"

    def test_the_ranking_id_is_derived_from_the_content_so_a_retry_is_recognised(self) -> None:
        [event] = publish(None)

        assert isinstance(event, RankingPublished)
        assert event.ranking_id == ranking_id(2024, RANKING) == ranking_id(2024, rank(CARDS))
        assert ranking_id(2024, OTHER_RANKING) != event.ranking_id
        assert event.ranking_id.startswith("2024-")

    def test_the_event_survives_the_wire(self) -> None:
        [event] = publish(None)

        decoded = REGISTRY.decode("RankingPublished", 1, event.model_dump(mode="json"))

        assert decoded == event


class TestWhenPublished:
    STATE = evolve(None, publish(None)[0])

    def test_the_same_publication_again_records_nothing(self) -> None:
        assert publish(self.STATE) == []

    def test_another_ranking_for_the_same_year_is_refused(self) -> None:
        with pytest.raises(DomainRejected) as refused:
            publish(self.STATE, OTHER_RANKING)
        assert refused.value.code == "already_published"
