"""Publishing a year's ranking: once per year, and only once the year is over, because the result is
used (强化结果运用) and a ranking of half a year would name the wrong people."""

from dataclasses import dataclass
from datetime import datetime
from typing import assert_never

from jingzhang.evaluation.domain.events import RankingEvent, RankingPublished
from jingzhang.evaluation.domain.period import Period
from jingzhang.evaluation.domain.ranking import Ranking
from jingzhang.shared.aggregate import Aggregate
from jingzhang.shared.errors import DomainRejected
from jingzhang.shared.events import DomainEvent

RankingState = RankingPublished | None


@dataclass(frozen=True, slots=True)
class PublishRanking:
    """`ranking` is computed by `ranking.rank` from the year's scorecards before the command is sent."""

    ranking_id: str
    year: int
    ranking: Ranking
    now: datetime


def ranking_stream_id(year: int) -> str:
    return str(year)


def evolve(state: RankingState, event: DomainEvent) -> RankingState:
    if not isinstance(event, RankingEvent):
        raise TypeError(f"{event.event_type} is not a ranking event")
    match event:
        case RankingPublished():
            return event
        case _:
            assert_never(event)


def decide_publish(state: RankingState, command: PublishRanking) -> list[DomainEvent]:
    if state is not None:
        if state.ranking_id == command.ranking_id:
            return []
        raise DomainRejected(f"the {command.year} ranking is already published", code="already_published")
    if command.now < Period.year(command.year).end:
        raise DomainRejected(f"{command.year} is not over yet", code="year_not_over")
    ranking = command.ranking
    return [
        RankingPublished(
            ranking_id=command.ranking_id,
            year=command.year,
            weighting=ranking.weighting,
            min_rated_appeals=ranking.min_rated_appeals,
            models=ranking.models,
            laggards=ranking.laggards,
            unranked_on_rates=ranking.unranked,
            published_at=command.now,
        )
    ]


RANKING: Aggregate[RankingState] = Aggregate("ranking", None, evolve)
