"""The rating aggregate: an enterprise rates one of its chiefs once per period.

One stream per (enterprise, officer, period), so a second rating for the same period is caught by the
aggregate itself (409 `duplicate`); a retry of the very same rating records nothing (and the handler
answers it as the first was answered). Whether the enterprise and officer exist, and the officer really
is a chief of the enterprise, is checked by the handler against the facts read model.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import assert_never

from jingzhang.evaluation.domain.events import ChiefRated, RatingEvent
from jingzhang.evaluation.domain.period import Period, is_period_label
from jingzhang.evaluation.domain.vocabulary import ChiefTier
from jingzhang.shared.aggregate import Aggregate
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent

MAX_COMMENT = 500
_NOT_COMPARED = {"rated_at", "comment"}
"""A retry is recognised without its comment: the recorded comment is sealed (personal data), never plaintext."""

RatingState = ChiefRated | None


@dataclass(frozen=True, slots=True)
class RateChief:
    """An enterprise rates one of its chiefs for `period` ("2024" or "2024-03")."""

    enterprise_id: str
    officer_id: str
    tier: ChiefTier
    period: str
    level: int
    comment: str = ""
    expected_version: int | None = None

    @property
    def rating_id(self) -> str:
        """The rating's id, which is also its stream's: one rating per enterprise, officer and period."""
        return rating_stream_id(self.enterprise_id, self.officer_id, self.period)


def rating_stream_id(enterprise_id: str, officer_id: str, period: str) -> str:
    """A stream id from the three keys; hashed because ids may hold any character a subject forbids."""
    key = "\x1f".join((enterprise_id, officer_id, period)).encode()
    return "r" + hashlib.sha256(key).hexdigest()[:40]


def evolve(state: RatingState, event: DomainEvent) -> RatingState:
    if not isinstance(event, RatingEvent):
        raise TypeError(f"{event.event_type} is not a rating event")
    match event:
        case ChiefRated():
            return event
        case _:
            assert_never(event)


def decide_rate(state: RatingState, command: RateChief, now: datetime) -> list[DomainEvent]:
    _check(command, now)
    event = ChiefRated(
        rating_id=command.rating_id,
        enterprise_id=command.enterprise_id,
        officer_id=command.officer_id,
        tier=command.tier,
        period=command.period,
        level=command.level,
        comment=command.comment,
        rated_at=now,
    )
    if state is None:
        return [event]
    if state.model_dump(exclude=_NOT_COMPARED) == event.model_dump(exclude=_NOT_COMPARED):
        return []
    raise DomainRejected(
        f"{command.enterprise_id} 已对 {command.officer_id} 作出 {command.period} 的不同评价"
        f" ({command.enterprise_id} already rated {command.officer_id} for {command.period} otherwise)",
        field="level",
        code="duplicate",
    )


def _check(command: RateChief, now: datetime) -> None:
    if not 1 <= command.level <= 5:
        raise InvalidCommand("level must be 1..5", field="level")
    if len(command.comment) > MAX_COMMENT:
        raise InvalidCommand(f"comment longer than {MAX_COMMENT} characters", field="comment")
    if not is_period_label(command.period):
        raise InvalidCommand("period must be YYYY or YYYY-MM", field="period")
    if now < Period.parse(command.period).start:
        raise InvalidCommand("a period cannot be rated before it begins", field="period")


RATING: Aggregate[RatingState] = Aggregate("rating", None, evolve)
