"""Neutral input facts: what evaluation needs to know about the other services' work.

Projections fill these from the assignment, appeals and patrols events; the calculations here never
see those events, so the other services can evolve their contracts without touching this domain.

Two clocks (see DOMAIN.md). Every fact has a business time, when it happened in the scheme: an
officer's enrolment, an enterprise's registration, an office's opening (`Span.active_from`), an appeal's
receipt (`AppealFact.raised_at`), a day of work (`ActivityFact.at`). It may be earlier than when the
bureau learned of it: a paper appeal or an old registration entered later. And every fact has a
`learned_at`, its knowledge time: the `occurred_at` of the event behind it, the recording service's
clock when it recorded it (never the database's commit time, which runs on another clock in a demo
set in another year). A figure "as of" an instant ignores whatever was learned later (`known_at`):
later facts, and the later parts of earlier ones (an appeal's callback, a span's end, a duty's visit).

Every fact has a `fact_id`: the id of the event behind it (for an appeal, of its `AppealRaised`, the
rest of its events being found by appeal id).
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, Self, TypeVar

from jingzhang.evaluation.domain.period import Period
from jingzhang.evaluation.domain.vocabulary import ActivityKind, ChiefTier, EnterpriseClass, Slot

SATISFIED_LEVEL = 4
"""A rating of 4 or 5 out of 5 counts as satisfied (满意); 3 is neutral, not satisfied."""


def is_satisfied(level: int) -> bool:
    return level >= SATISFIED_LEVEL


class Learned(Protocol):
    @property
    def learned_at(self) -> datetime: ...


L = TypeVar("L", bound=Learned)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AppealRating:
    """The enterprise's verdict on one appeal: 1..5 and whether it was resolved."""

    level: int
    resolved: bool
    at: datetime


@dataclass(frozen=True, slots=True)
class AppealFact:
    """One appeal, credited to `officer_id`, the officer who acted on it (A or B, as `slot` says).

    `raised_at` is when the appeal was received (business time), from which its time limits run;
    `learned_at` when it was recorded; `routed_at` when it first reached a chief (later than intake
    when the duty desk held it: nobody could be given it). Milestones are None until they happen; each
    is recorded as it happens, so its time is also when it became known and `known_at` can rewind the
    appeal to any instant. An appeal collected at a forum carries the forum (`forum_id`), its day
    (`forum_at`) and when the forum was recorded.
    """

    fact_id: str
    appeal_id: str
    officer_id: str
    slot: Slot
    enterprise_id: str
    raised_at: datetime
    first_response_due: datetime
    due_at: datetime
    learned_at: datetime
    routed_at: datetime | None = None
    first_response_at: datetime | None = None
    closed_at: datetime | None = None
    rating: AppealRating | None = None
    reopened_at: tuple[datetime, ...] = ()
    forum_id: str | None = None
    forum_at: datetime | None = None
    forum_learned_at: datetime | None = None

    def known_at(self, instant: datetime) -> "AppealFact | None":
        if self.learned_at > instant:
            return None
        if self._all_known_by(instant):  # the common case (a reading as of now): nothing to rewind
            return self
        return self._rewound(instant)

    def _rewound(self, instant: datetime) -> "AppealFact":
        forum_known = self.forum_learned_at is None or self.forum_learned_at <= instant
        return replace(
            self,
            routed_at=_until(self.routed_at, instant),
            first_response_at=_until(self.first_response_at, instant),
            closed_at=_until(self.closed_at, instant),
            rating=self.rating if self.rating is not None and self.rating.at <= instant else None,
            reopened_at=tuple(at for at in self.reopened_at if at <= instant),
            forum_id=self.forum_id if forum_known else None,
            forum_at=self.forum_at if forum_known else None,
        )

    def _all_known_by(self, instant: datetime) -> bool:
        return (
            (self.routed_at is None or self.routed_at <= instant)
            and (self.first_response_at is None or self.first_response_at <= instant)
            and (self.closed_at is None or self.closed_at <= instant)
            and (self.rating is None or self.rating.at <= instant)
            and all(at <= instant for at in self.reopened_at)
            and (self.forum_learned_at is None or self.forum_learned_at <= instant)
        )

    def reached_in_time(self, limit: datetime) -> bool:
        """Whether the time `limit` was still running when the appeal reached its chief: one that ran out
        while nobody held it (the duty desk, an appeal entered after its limit) is charged to nobody."""
        return self.routed_at is None or self.routed_at < limit

    @property
    def counted_at(self) -> datetime:
        """When the figure table counts it: a forum's appeals on the forum's day, others when received."""
        return self.forum_at if self.forum_id is not None and self.forum_at is not None else self.raised_at


def _until(at: datetime | None, instant: datetime) -> datetime | None:
    return at if at is not None and at <= instant else None


@dataclass(frozen=True, slots=True)
class DutyFact:
    """A scheduled duty (a weekly revisit, a monthly meeting): due at `due_at`, done at `done_at` (the
    visit's start), which the bureau learned at `done_learned_at` (when the duty was marked fulfilled)."""

    fact_id: str
    duty_id: str
    officer_id: str
    enterprise_id: str
    due_at: datetime
    learned_at: datetime
    done_at: datetime | None = None
    done_learned_at: datetime | None = None

    def known_at(self, instant: datetime) -> "DutyFact | None":
        if self.learned_at > instant:
            return None
        learned = self.done_learned_at or self.done_at
        if learned is not None and learned > instant:
            return replace(self, done_at=None, done_learned_at=None)
        return self

    @property
    def on_time(self) -> bool:
        return self.done_at is not None and self.done_at <= self.due_at


@dataclass(frozen=True, slots=True)
class ActivityFact:
    """Countable work on day `at`: `count` is what the report adds up (leaflets handed out, patrol
    person-times, usually 1 otherwise); every officer in `officer_ids` acted and is credited once for it."""

    fact_id: str
    kind: ActivityKind
    officer_ids: frozenset[str]
    at: datetime
    learned_at: datetime
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
    learned_at: datetime


@dataclass(frozen=True, slots=True)
class SpotCheckFact:
    """One answer in a satisfaction spot check, given at `answered_at`: about the officer it names, or
    else about the enterprise's chiefs at the time (`officer_ids` either way)."""

    fact_id: str
    spot_check_id: str
    enterprise_id: str
    officer_ids: frozenset[str]
    satisfied: bool
    level: int
    answered_at: datetime
    learned_at: datetime


@dataclass(frozen=True, slots=True)
class Span:
    """When something held, in business time: from `active_from` until `active_until` (open when None).
    The end was learned at `end_learned_at` (None: together with the start)."""

    active_from: datetime
    active_until: datetime | None = None
    end_learned_at: datetime | None = None

    def holds_at(self, instant: datetime) -> bool:
        return self.active_from <= instant and (self.active_until is None or instant < self.active_until)

    def overlaps(self, period: Period) -> bool:
        return self.active_from < period.end and (self.active_until is None or self.active_until > period.start)

    def known_at(self, instant: datetime) -> "Span":
        """The span as known at `instant`: still open if its end was learned later."""
        if self.end_learned_at is not None and self.end_learned_at > instant:
            return Span(self.active_from)
        return self


@dataclass(frozen=True, slots=True)
class OfficerFact:
    """An officer in the scheme (enrolled until retired)."""

    fact_id: str
    officer_id: str
    span: Span
    learned_at: datetime


@dataclass(frozen=True, slots=True)
class EnterpriseFact:
    """An enterprise in one class while active; a reclassification ends one fact and starts another."""

    fact_id: str
    enterprise_id: str
    enterprise_class: EnterpriseClass
    span: Span
    learned_at: datetime


@dataclass(frozen=True, slots=True)
class ChiefTermFact:
    """An officer's term as one of an enterprise's chiefs."""

    fact_id: str
    enterprise_id: str
    officer_id: str
    tier: ChiefTier
    slot: Slot
    span: Span
    learned_at: datetime


@dataclass(frozen=True, slots=True)
class PoliceOfficeFact:
    fact_id: str
    office_id: str
    enterprise_id: str
    span: Span
    learned_at: datetime


S = TypeVar("S", OfficerFact, EnterpriseFact, ChiefTermFact, PoliceOfficeFact)


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

    def known_at(self, instant: datetime) -> Self:
        """The facts as the bureau knew them at `instant`: later records dropped, the rest rewound."""
        return replace(
            self,
            appeals=_present(a.known_at(instant) for a in self.appeals),
            duties=_present(d.known_at(instant) for d in self.duties),
            activities=_learned(self.activities, instant),
            ratings=_learned(self.ratings, instant),
            spot_checks=_learned(self.spot_checks, instant),
            officers=_spans_known(self.officers, instant),
            enterprises=_spans_known(self.enterprises, instant),
            chief_terms=_spans_known(self.chief_terms, instant),
            police_offices=_spans_known(self.police_offices, instant),
        )

    def latest_learned(self) -> datetime | None:
        """When the latest fact (or part of one) these facts hold was learned."""
        return max(_learned_times(self), default=None)

    def next_change_after(self, instant: datetime) -> datetime | None:
        """The first instant after `instant` at which a reading of these facts can differ: something is
        learned (`known_at` compares these times with the instant) or a time limit or due time passes
        (the rates compare those). For every instant in `[instant, next_change_after(instant))`, a figure
        table, scorecard or ranking of these facts is the same but for the `as_of` it names. None: never."""
        return min((t for t in _times_read_against_as_of(self) if t > instant), default=None)


def _learned_times(facts: Facts) -> Iterable[datetime]:
    for group in (facts.activities, facts.ratings, facts.spot_checks):
        yield from (f.learned_at for f in group)
    for spanned in (facts.officers, facts.enterprises, facts.chief_terms, facts.police_offices):
        for s in spanned:
            yield s.learned_at
            if s.span.end_learned_at is not None:
                yield s.span.end_learned_at
    for d in facts.duties:
        yield from (t for t in (d.learned_at, d.done_learned_at) if t is not None)
    for a in facts.appeals:
        yield a.learned_at
        yield from (t for t in (a.routed_at, a.first_response_at, a.closed_at, a.forum_learned_at) if t is not None)
        yield from a.reopened_at
        if a.rating is not None:
            yield a.rating.at


def _times_read_against_as_of(facts: Facts) -> Iterable[datetime]:
    yield from _learned_times(facts)
    for d in facts.duties:
        yield d.due_at
        if d.done_at is not None:  # `DutyFact.known_at` reads it when the duty has no done_learned_at
            yield d.done_at
    for a in facts.appeals:
        yield a.first_response_due
        yield a.due_at


def _learned(items: tuple[L, ...], instant: datetime) -> tuple[L, ...]:
    return tuple(item for item in items if item.learned_at <= instant)


def _spans_known(items: tuple[S, ...], instant: datetime) -> tuple[S, ...]:
    return tuple(replace(item, span=item.span.known_at(instant)) for item in items if item.learned_at <= instant)


def _present(items: Iterable[T | None]) -> tuple[T, ...]:
    return tuple(item for item in items if item is not None)
