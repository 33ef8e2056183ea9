"""The evaluation service's public event contract.

Streams: `rating` (one per enterprise, officer and period: see `rating.rating_stream_id`),
`spot_check` (id = spot check id) and `ranking` (id = the year). Names are stable: bump
`schema_version` and register an upcaster rather than rename or drop a field.
"""

from typing import Annotated

from pydantic import AwareDatetime, Field

from jingzhang.evaluation.domain.ranking import RankedOfficer, UnrankedOfficer, Weighting
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
    spot_check_id: str
    enterprise_id: str
    satisfied: bool
    level: Level
    comment: EnterpriseText
    answered_at: AwareDatetime


class SpotCheckClosed(DomainEvent):
    """No more answers; `unanswered` lists the sampled enterprises that never answered."""

    spot_check_id: str
    answered: int
    unanswered: tuple[str, ...]
    closed_at: AwareDatetime


class RankingPublished(DomainEvent):
    """The year's model chiefs (标兵警长, best first) and laggard chiefs (后进警长, worst first)."""

    ranking_id: str
    year: int
    weighting: Weighting
    min_rated_appeals: int
    models: tuple[RankedOfficer, ...]
    laggards: tuple[RankedOfficer, ...]
    unranked_on_rates: tuple[UnrankedOfficer, ...]
    published_at: AwareDatetime


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
