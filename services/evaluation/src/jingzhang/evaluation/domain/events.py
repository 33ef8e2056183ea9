"""The evaluation service's public event contract.

Streams: `rating` (one per enterprise, officer and period: see `rating.rating_stream_id`),
`spot_check` (id = spot check id) and `ranking` (id = the year). Names are stable: bump
`schema_version` and register an upcaster rather than rename or drop a field.
"""

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from jingzhang.evaluation.domain.ranking import RankedOfficer, UnrankedOfficer
from jingzhang.evaluation.domain.vocabulary import ChiefTier
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.privacy.fields import Personal, PersonalKind

EnterpriseText = Annotated[str, Personal(PersonalKind.FREE_TEXT, subject="contact/{enterprise_id}")]
"""Free text an enterprise's contact wrote (it may name people): sealed under the contact's key; its
length is checked on the command, since the stored value is a token."""

Level = Annotated[
    int, Field(ge=1, le=5, description="1 (very dissatisfied) .. 5 (very satisfied); 4 and 5 count as satisfied")
]


class ChiefRated(DomainEvent):
    """An enterprise rated one of its chiefs for `period` ("2024" or "2024-03") (打评评比)."""

    rating_id: str
    enterprise_id: str
    officer_id: str
    tier: ChiefTier
    period: str
    level: Level
    comment: EnterpriseText
    rated_at: AwareDatetime


class SpotCheckDrawn(DomainEvent):
    """A satisfaction spot check (满意度抽查) drew `sample` from the sorted population with `seed`.

    `population_digest` is the SHA-256 of the sorted, newline-joined population ids, so anyone holding
    the population can redraw the sample and check it.
    """

    spot_check_id: str
    seed: int
    population_size: int
    population_digest: str
    sample: tuple[str, ...]
    drawn_at: AwareDatetime


class SpotCheckAnswerRecorded(DomainEvent):
    """A sampled enterprise's answer: about the chief `officer_id` names, or (None) about its chiefs at
    the time of answering."""

    spot_check_id: str
    enterprise_id: str
    satisfied: bool
    level: Level
    comment: EnterpriseText
    answered_at: AwareDatetime
    officer_id: str | None = None


class SpotCheckClosed(DomainEvent):
    """No more answers; `unanswered` lists the sampled enterprises that never answered."""

    spot_check_id: str
    answered: int
    unanswered: tuple[str, ...]
    closed_at: AwareDatetime


Weight = Annotated[float, Field(default=0.0, ge=0, le=1)]


class PublishedWeighting(BaseModel):
    """The weights a published ranking was computed by (the configured `ranking.Weighting`, which sums
    to 1). Recorded as they were, so not checked again on reading: a ranking published before ratings
    and spot checks were weighed has no `ratings` or `spot_checks` and reads them as 0."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ratings: Weight
    spot_checks: Weight
    satisfaction: Weight
    resolution: Weight
    response: Weight
    visit_compliance: Weight
    activity_volume: Weight


class RankingPublished(DomainEvent):
    """The year's model chiefs (标兵警长, best first) and laggard chiefs (后进警长, worst first), with the
    weights and the minimum-sample guard they were ranked by (see `domain.ranking`)."""

    ranking_id: str
    year: int
    weighting: PublishedWeighting
    min_rated_appeals: int = Field(
        description="The guard's minimum sample; named for what it first counted (rated appeals), see min_sample"
    )
    models: tuple[RankedOfficer, ...]
    laggards: tuple[RankedOfficer, ...]
    unranked_on_rates: tuple[UnrankedOfficer, ...]
    published_at: AwareDatetime
    min_sample: int | None = Field(
        default=None, description="The guard: fewest ratings + rated appeals + spot-check answers to be ranked"
    )


RatingEvent = ChiefRated
SpotCheckEvent = SpotCheckDrawn | SpotCheckAnswerRecorded | SpotCheckClosed
RankingEvent = RankingPublished

EVALUATION_EVENTS: tuple[type[DomainEvent], ...] = (
    ChiefRated,
    SpotCheckDrawn,
    SpotCheckAnswerRecorded,
    SpotCheckClosed,
    RankingPublished,
)
