"""Publishing a year's ranking: once per year, and only once the year is over, because the result is
used (强化结果运用) and a ranking of half a year would name the wrong people."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import assert_never

from jingzhang.evaluation.domain.events import PublishedWeighting, RankingEvent, RankingPublished
from jingzhang.evaluation.domain.period import Period
from jingzhang.evaluation.domain.ranking import Ranking
from jingzhang.shared.aggregate import Aggregate
from jingzhang.shared.errors import DomainRejected
from jingzhang.shared.events import DomainEvent

RankingState = RankingPublished | None


@dataclass(frozen=True, slots=True)
class PublishRanking:
    """Publish `year`'s ranking, as the facts give it when the command is handled."""

    year: int


def ranking_stream_id(year: int) -> str:
    return str(year)


def ranking_id(year: int, ranking: Ranking) -> str:
    """Derived from the content, so a retry of the same publication is recognised as the same one."""
    parts = [ranking.weighting.model_dump_json(), str(ranking.min_sample)]
    parts += [o.model_dump_json() for o in (*ranking.models, *ranking.laggards, *ranking.unranked)]
    return f"{year}-" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def evolve(state: RankingState, event: DomainEvent) -> RankingState:
    if not isinstance(event, RankingEvent):
        raise TypeError(f"{event.event_type} is not a ranking event")
    match event:
        case RankingPublished():
            return event
        case _:
            assert_never(event)


def decide_publish(state: RankingState, command: PublishRanking, ranking: Ranking, now: datetime) -> list[DomainEvent]:
    """`ranking` is computed by `ranking.rank` from the year's scorecards, by the handler."""
    identity = ranking_id(command.year, ranking)
    if state is not None:
        if state.ranking_id == identity:
            return []
        raise DomainRejected(f"the {command.year} ranking is already published", code="already_published")
    if now < Period.year(command.year).end:
        raise DomainRejected(f"{command.year} is not over yet", code="year_not_over")
    return [
        RankingPublished(
            ranking_id=identity,
            year=command.year,
            weighting=PublishedWeighting(**ranking.weighting.model_dump()),
            min_rated_appeals=ranking.min_sample,
            min_sample=ranking.min_sample,
            models=ranking.models,
            laggards=ranking.laggards,
            unranked_on_rates=ranking.unranked,
            published_at=now,
        )
    ]


RANKING: Aggregate[RankingState] = Aggregate("ranking", None, evolve)
