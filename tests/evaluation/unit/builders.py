"""Small fact builders: defaults for everything a test does not talk about."""

from datetime import datetime, timedelta

from jingzhang.evaluation.domain.facts import (
    ActivityFact,
    AppealFact,
    AppealRating,
    ChiefTermFact,
    DutyFact,
    EnterpriseFact,
    OfficerFact,
    PoliceOfficeFact,
    RatingFact,
    Span,
    SpotCheckFact,
)
from jingzhang.evaluation.domain.period import BUREAU_TZ, Period
from jingzhang.evaluation.domain.vocabulary import ActivityKind, ChiefTier, EnterpriseClass, Slot

YEAR = Period.year(2024)


def at(month: int, day: int, hour: int = 9, year: int = 2024) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BUREAU_TZ)


def appeal(
    fact_id: str,
    *,
    officer: str = "o1",
    raised: datetime | None = None,
    responded_after: timedelta | None = timedelta(hours=2),
    closed_after: timedelta | None = timedelta(days=2),
    rating: tuple[int, bool] | None = None,
    reopened: int = 0,
    slot: Slot = Slot.A,
    forum_id: str | None = None,
    forum_at: datetime | None = None,
    learned: datetime | None = None,
    routed: datetime | None = None,
) -> AppealFact:
    """Response limit 24 h, due in 7 days; a rating arrives a day after closure. Recorded when received
    unless `learned` says later (a phone appeal entered afterwards); routed then unless `routed` says
    later (the duty desk held it)."""
    raised = raised or at(3, 1)
    closed = raised + closed_after if closed_after is not None else None
    return AppealFact(
        fact_id=fact_id,
        appeal_id=f"appeal-{fact_id}",
        officer_id=officer,
        slot=slot,
        enterprise_id="e1",
        raised_at=raised,
        first_response_due=raised + timedelta(hours=24),
        due_at=raised + timedelta(days=7),
        learned_at=learned or raised,
        routed_at=routed or learned or raised,
        first_response_at=raised + responded_after if responded_after is not None else None,
        closed_at=closed,
        rating=_rating(rating, closed or raised),
        reopened_at=tuple(raised + timedelta(days=1, hours=i) for i in range(reopened)),
        forum_id=forum_id,
        forum_at=forum_at or (raised if forum_id else None),
        forum_learned_at=forum_at or (raised if forum_id else None),
    )


def _rating(rating: tuple[int, bool] | None, after: datetime) -> AppealRating | None:
    if rating is None:
        return None
    return AppealRating(level=rating[0], resolved=rating[1], at=after + timedelta(days=1))


def duty(
    fact_id: str,
    *,
    officer: str = "o1",
    due: datetime | None = None,
    late_by: timedelta | None = None,
    missed: bool = False,
) -> DutyFact:
    due = due or at(3, 8)
    done = None if missed else due + (late_by or timedelta(hours=-1))
    scheduled = due - timedelta(days=7)
    return DutyFact(
        fact_id, f"duty-{fact_id}", officer, "e1", due, learned_at=scheduled, done_at=done, done_learned_at=done
    )


def activity(
    fact_id: str,
    kind: ActivityKind,
    *officers: str,
    when: datetime | None = None,
    count: int = 1,
    recorded: datetime | None = None,
) -> ActivityFact:
    when = when or at(4, 1)
    return ActivityFact(fact_id, kind, frozenset(officers or ("o1",)), when, recorded or when, count)


def rating(
    fact_id: str,
    level: int,
    *,
    officer: str = "o1",
    period: str = "2024",
    enterprise: str = "e1",
    learned: datetime | None = None,
) -> RatingFact:
    tier = ChiefTier.POLICE_CHIEF
    return RatingFact(fact_id, enterprise, officer, tier, Period.parse(period), level, learned or at(12, 20))


def answer(fact_id: str, *officers: str, satisfied: bool = True, when: datetime | None = None) -> SpotCheckFact:
    when = when or at(6, 1)
    return SpotCheckFact(
        fact_id, "sc1", "e1", frozenset(officers or ("o1",)), satisfied, 5 if satisfied else 2, when, when
    )


def officer(
    officer_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    learned: datetime | None = None,
    end_learned: datetime | None = None,
) -> OfficerFact:
    """Learned when enrolled (`since`) unless `learned` says later; the end learned when it came."""
    since = since or at(1, 2)
    span = Span(since, until, end_learned or until)
    return OfficerFact(f"f-{officer_id}", officer_id, span, learned or since)


def enterprise(
    enterprise_id: str,
    cls: EnterpriseClass,
    since: datetime | None = None,
    *,
    until: datetime | None = None,
    learned: datetime | None = None,
    fact_id: str | None = None,
) -> EnterpriseFact:
    since = since or at(1, 2)
    span = Span(since, until, until)
    return EnterpriseFact(fact_id or f"f-{enterprise_id}", enterprise_id, cls, span, learned or since)


def term(
    enterprise_id: str,
    officer_id: str,
    tier: ChiefTier,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ChiefTermFact:
    since = since or at(1, 3)
    span = Span(since, until, until)
    return ChiefTermFact(f"t-{enterprise_id}-{officer_id}", enterprise_id, officer_id, tier, Slot.A, span, since)


def office(
    office_id: str,
    enterprise_id: str,
    since: datetime | None = None,
    *,
    until: datetime | None = None,
    learned: datetime | None = None,
) -> PoliceOfficeFact:
    since = since or at(2, 1)
    return PoliceOfficeFact(f"f-{office_id}", office_id, enterprise_id, Span(since, until, until), learned or since)
