"""Neutral input facts: what evaluation needs to know about the other services' work.

Projections fill these from the assignment, appeals and patrols events; the calculations here never
see those events, so the other services can evolve their contracts without touching this domain.

Every fact has a `fact_id` (the id of the event behind it; for an appeal, of its `AppealRaised`, the
rest of its events being found by appeal id) and a `recorded_at`, when the system learned it. A figure
"as of" a past date ignores whatever was recorded later (`known_at`).
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from jingzhang.evaluation.domain.period import Period
from jingzhang.evaluation.domain.vocabulary import ActivityKind, ChiefTier, EnterpriseClass, Slot

T = TypeVar("T")

SATISFIED_LEVEL = 4
"""A rating of 4 or 5 out of 5 counts as satisfied (满意); 3 is neutral, not satisfied."""


def is_satisfied(level: int) -> bool:
    return level >= SATISFIED_LEVEL


@dataclass(frozen=True, slots=True)
class AppealRating:
    """The enterprise's verdict on one appeal: 1..5 and whether it was resolved."""

    level: int
    resolved: bool
    at: datetime


@dataclass(frozen=True, slots=True)
class AppealFact:
    """One appeal, credited to `officer_id`, the officer who acted on it (A or B, as `slot` says).

    Milestones are None until they happen; each carries its own time, which is also when it became
    known, so `known_at` can rewind the appeal to any instant.
    """

    fact_id: str
    appeal_id: str
    officer_id: str
    slot: Slot
    enterprise_id: str
    raised_at: datetime
    first_response_due: datetime
    due_at: datetime
    recorded_at: datetime
    first_response_at: datetime | None = None
    closed_at: datetime | None = None
    rating: AppealRating | None = None
    reopened_at: tuple[datetime, ...] = ()
    forum_id: str | None = None

    def known_at(self, instant: datetime) -> "AppealFact | None":
        if self.recorded_at > instant:
            return None
        return replace(
            self,
            first_response_at=_until(self.first_response_at, instant),
            closed_at=_until(self.closed_at, instant),
            rating=self.rating if self.rating is not None and self.rating.at <= instant else None,
            reopened_at=tuple(at for at in self.reopened_at if at <= instant),
        )


def _until(at: datetime | None, instant: datetime) -> datetime | None:
    return at if at is not None and at <= instant else None


@dataclass(frozen=True, slots=True)
class DutyFact:
    """A scheduled duty (a weekly revisit, a monthly meeting): due at `due_at`, done at `done_at`."""

    fact_id: str
    duty_id: str
    officer_id: str
    enterprise_id: str
    due_at: datetime
    recorded_at: datetime
    done_at: datetime | None = None

    def known_at(self, instant: datetime) -> "DutyFact | None":
        if self.recorded_at > instant:
            return None
        return replace(self, done_at=_until(self.done_at, instant))

    @property
    def on_time(self) -> bool:
        return self.done_at is not None and self.done_at <= self.due_at


@dataclass(frozen=True, slots=True)
class ActivityFact:
    """Countable work: `count` is what the report adds up (leaflets handed out, patrol person-times,
    usually 1 otherwise); every officer in `officer_ids` acted and is credited once for it."""

    fact_id: str
    kind: ActivityKind
    officer_ids: frozenset[str]
    at: datetime
    recorded_at: datetime
    count: int = 1
    enterprise_id: str | None = None


@dataclass(frozen=True, slots=True)
class RatingFact:
    """An enterprise's rating of one of its chiefs for a period (evaluation's own `ChiefRated`)."""

    fact_id: str
    enterprise_id: str
    officer_id: str
    tier: ChiefTier
    period: Period
    level: int
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class SpotCheckFact:
    """One answer in a satisfaction spot check, about the enterprise's chiefs at the time."""

    fact_id: str
    spot_check_id: str
    enterprise_id: str
    officer_ids: frozenset[str]
    satisfied: bool
    level: int
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Span:
    """When something held: from `active_from` until `active_until` (open when None)."""

    active_from: datetime
    active_until: datetime | None = None

    def holds_at(self, instant: datetime) -> bool:
        return self.active_from <= instant and (self.active_until is None or instant < self.active_until)


@dataclass(frozen=True, slots=True)
class OfficerFact:
    """An officer in the scheme (enrolled until retired)."""

    fact_id: str
    officer_id: str
    span: Span
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class EnterpriseFact:
    """An enterprise in one class while active; a reclassification ends one fact and starts another."""

    fact_id: str
    enterprise_id: str
    enterprise_class: EnterpriseClass
    span: Span
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class ChiefTermFact:
    """An officer's term as one of an enterprise's chiefs."""

    fact_id: str
    enterprise_id: str
    officer_id: str
    tier: ChiefTier
    slot: Slot
    span: Span
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class PoliceOfficeFact:
    fact_id: str
    office_id: str
    enterprise_id: str
    span: Span
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the calculations read. Order inside each tuple never matters."""

    appeals: tuple[AppealFact, ...] = ()
    duties: tuple[DutyFact, ...] = ()
    activities: tuple[ActivityFact, ...] = ()
    ratings: tuple[RatingFact, ...] = ()
    spot_checks: tuple[SpotCheckFact, ...] = ()
    officers: tuple[OfficerFact, ...] = ()
    enterprises: tuple[EnterpriseFact, ...] = ()
    chief_terms: tuple[ChiefTermFact, ...] = ()
    police_offices: tuple[PoliceOfficeFact, ...] = ()

    def known_at(self, instant: datetime) -> "Facts":
        """The facts as the system knew them at `instant`: later records dropped, appeals rewound."""
        return Facts(
            appeals=_present(a.known_at(instant) for a in self.appeals),
            duties=_present(d.known_at(instant) for d in self.duties),
            activities=tuple(a for a in self.activities if a.recorded_at <= instant),
            ratings=tuple(r for r in self.ratings if r.recorded_at <= instant),
            spot_checks=tuple(s for s in self.spot_checks if s.recorded_at <= instant),
            officers=tuple(o for o in self.officers if o.recorded_at <= instant),
            enterprises=tuple(e for e in self.enterprises if e.recorded_at <= instant),
            chief_terms=tuple(c for c in self.chief_terms if c.recorded_at <= instant),
            police_offices=tuple(p for p in self.police_offices if p.recorded_at <= instant),
        )


def _present(items: Iterable[T | None]) -> tuple[T, ...]:
    return tuple(item for item in items if item is not None)
