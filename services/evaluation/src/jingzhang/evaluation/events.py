"""The evaluation service's published language: its event registry, aggregates and contract."""

from jingzhang.evaluation.domain.events import EVALUATION_EVENTS, RankingEvent, RatingEvent, SpotCheckEvent
from jingzhang.evaluation.domain.ranking_publication import RANKING
from jingzhang.evaluation.domain.rating import RATING
from jingzhang.evaluation.domain.spot_check import SPOT_CHECK
from jingzhang.shared.contract.catalog import AggregateEvents, ServiceContract, members
from jingzhang.shared.events import EventRegistry

SERVICE = "evaluation"

REGISTRY = EventRegistry(EVALUATION_EVENTS)

CONTRACT = ServiceContract(
    SERVICE,
    REGISTRY,
    (
        AggregateEvents(RATING.aggregate_type, members(RatingEvent), "One enterprise's rating of a chief."),
        AggregateEvents(SPOT_CHECK.aggregate_type, members(SpotCheckEvent), "A satisfaction spot check."),
        AggregateEvents(RANKING.aggregate_type, members(RankingEvent), "The published yearly ranking."),
    ),
    "Ratings, spot checks and the yearly ranking of chiefs.",
)
