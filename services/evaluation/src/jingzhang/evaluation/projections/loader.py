"""Reads the facts tables back into the pure domain's `Facts`, joining what crosses streams.

Joins made here rather than when events are applied (see `facts`): a forum appeal's forum (its day and
when it was recorded), a duty's visit time, and the chiefs a spot-check answer is about. Merged
duplicates are left out (they live on in the appeal they were merged into). An appeal not routed yet,
or a duty nobody answers for, is kept for the figure table under officer "", which no scorecard asks for.

Knowledge time: every fact's `learned_at` is the `occurred_at` of the event behind it (`fact_events`,
by the row's `event_id`), and a span's end was learned when the event that ended it (`ended_by`)
occurred. That is the recording service's clock; the rows' `recorded_at` (the store's commit time) is
not read.

A read for one period (`Scope`) loads only the facts that can matter for it, by indexed business
times: the appeals received in it or collected at a forum held in it, the duties due in it, the work
done in it, the ratings of periods inside its years, the spot-check answers given in it, and the spans
that overlap it as known at the scope's instant or later (a span that ended before the period, its end
known by then, can count for no figure of the period as of that instant or after it). So its cost
grows with the period, not with all of history; `read_facts` without a scope reads everything.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

import asyncpg

from jingzhang.evaluation.domain.facts import (
    ActivityFact,
    AppealFact,
    AppealRating,
    ChiefTermFact,
    DutyFact,
    EnterpriseFact,
    Facts,
    OfficerFact,
    PoliceOfficeFact,
    RatingFact,
    Span,
    SpotCheckFact,
)
from jingzhang.evaluation.domain.period import BUREAU_TZ, Period
from jingzhang.evaluation.domain.vocabulary import ActivityKind, ChiefTier, EnterpriseClass, Slot
from jingzhang.evaluation.projections.facts import PROJECTION
from jingzhang.evaluation.reads import Position, Reading, Scope
from jingzhang.shared.projection import use_schema

_APPEALS = """
SELECT a.*, l.occurred_at AS learned_at, f.forum_id, fa.at AS forum_at, fl.occurred_at AS forum_learned_at
FROM appeals a JOIN fact_events l ON l.event_id = a.event_id
LEFT JOIN forum_appeals f USING (appeal_id)
LEFT JOIN activities fa ON fa.event_id = f.event_id
LEFT JOIN fact_events fl ON fl.event_id = f.event_id
WHERE a.merged_into IS NULL
"""
_DUTIES = """
SELECT d.*, coalesce(v.started_at, d.fulfilled_at) AS done_at, l.occurred_at AS learned_at
FROM duties d JOIN fact_events l ON l.event_id = d.event_id LEFT JOIN visits v USING (visit_id)
"""


def _learned(table: str) -> str:
    """Every row of `table` with when the bureau learned of it."""
    return f"SELECT t.*, l.occurred_at AS learned_at FROM {table} t JOIN fact_events l ON l.event_id = t.event_id"


def _spans(table: str) -> str:
    """Every row of `table` with when the bureau learned of it and of its end."""
    return (
        f"SELECT t.*, l.occurred_at AS learned_at, e.occurred_at AS end_learned_at FROM {table} t"
        " JOIN fact_events l ON l.event_id = t.event_id LEFT JOIN fact_events e ON e.event_id = t.ended_by"
    )


# $1, $2: the period; $3: the instant (spans only)
_IN_PERIOD = " AND {column} >= $1 AND {column} < $2"
_APPEALS_IN = (
    " AND a.appeal_id IN (SELECT appeal_id FROM appeals WHERE raised_at >= $1 AND raised_at < $2"
    " UNION SELECT f.appeal_id FROM forum_appeals f JOIN activities x ON x.event_id = f.event_id"
    " WHERE x.at >= $1 AND x.at < $2)"
)
_SPAN_IN = " WHERE t.active_from < $2 AND (t.active_until IS NULL OR t.active_until > $1 OR e.occurred_at > $3)"
_RATINGS_IN = " WHERE t.period >= $1 AND t.period < $2"


async def load_facts(pool: asyncpg.Pool) -> Facts:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await use_schema(conn, PROJECTION)
        return await read_facts(conn)


_LATEST = """
SELECT greatest(
    (SELECT max(occurred_at) FROM fact_events),
    (SELECT max(routed_at) FROM appeals),
    (SELECT max(first_response_at) FROM appeals),
    (SELECT max(closed_at) FROM appeals),
    (SELECT max(rating_at) FROM appeals),
    (SELECT max(r) FROM appeals, unnest(reopened_at) r WHERE reopened_at <> '{}'),
    (SELECT max(fulfilled_at) FROM duties)
)"""
"""No earlier than any learned time `Facts.latest_learned` takes (every `learned_at`, a span's end and a
forum's are events' `occurred_at`; the rest are the appeals' milestones and the duties' fulfilment),
each found in an index."""
_LATE = """
WITH late AS (SELECT event_id, occurred_at FROM fact_events WHERE occurred_at >= $1),
     known AS (SELECT a.* FROM appeals a WHERE a.merged_into IS NULL
               AND EXISTS (SELECT 1 FROM fact_events l WHERE l.event_id = a.event_id))
SELECT DISTINCT at FROM (
    SELECT l.occurred_at AS at FROM late l JOIN activities t USING (event_id)
    UNION ALL SELECT l.occurred_at FROM late l JOIN ratings t USING (event_id)
    UNION ALL SELECT l.occurred_at FROM late l JOIN spot_check_answers t USING (event_id)
    UNION ALL SELECT l.occurred_at FROM late l JOIN officers t USING (event_id)
    UNION ALL SELECT l.occurred_at FROM late l JOIN enterprise_spans t USING (event_id)
    UNION ALL SELECT l.occurred_at FROM late l JOIN chief_terms t USING (event_id)
    UNION ALL SELECT l.occurred_at FROM late l JOIN police_offices t USING (event_id)
    UNION ALL SELECT l.occurred_at FROM late l JOIN officers t ON t.ended_by = l.event_id
        WHERE t.active_until IS NOT NULL AND EXISTS (SELECT 1 FROM fact_events f WHERE f.event_id = t.event_id)
    UNION ALL SELECT l.occurred_at FROM late l JOIN enterprise_spans t ON t.ended_by = l.event_id
        WHERE t.active_until IS NOT NULL AND EXISTS (SELECT 1 FROM fact_events f WHERE f.event_id = t.event_id)
    UNION ALL SELECT l.occurred_at FROM late l JOIN chief_terms t ON t.ended_by = l.event_id
        WHERE t.active_until IS NOT NULL AND EXISTS (SELECT 1 FROM fact_events f WHERE f.event_id = t.event_id)
    UNION ALL SELECT l.occurred_at FROM late l JOIN police_offices t ON t.ended_by = l.event_id
        WHERE t.active_until IS NOT NULL AND EXISTS (SELECT 1 FROM fact_events f WHERE f.event_id = t.event_id)
    UNION ALL SELECT l.occurred_at FROM late l JOIN duties t USING (event_id)
    UNION ALL SELECT d.fulfilled_at FROM duties d WHERE d.fulfilled_at >= $1
        AND EXISTS (SELECT 1 FROM fact_events f WHERE f.event_id = d.event_id)
    UNION ALL SELECT l.occurred_at FROM late l JOIN known a USING (event_id)
    UNION ALL SELECT l.occurred_at FROM late l JOIN forum_appeals f USING (event_id) JOIN known a USING (appeal_id)
    UNION ALL SELECT a.routed_at FROM known a WHERE a.routed_at >= $1
    UNION ALL SELECT a.first_response_at FROM known a WHERE a.first_response_at >= $1
    UNION ALL SELECT a.closed_at FROM known a WHERE a.closed_at >= $1
    UNION ALL SELECT a.rating_at FROM known a WHERE a.rating_at >= $1 AND a.rating_level IS NOT NULL
    UNION ALL SELECT r FROM known a, unnest(a.reopened_at) r WHERE a.reopened_at <> '{}' AND r >= $1
) times"""
"""The learned times of every fact (`Facts.latest_learned` takes their maximum) that are `$1` or later,
looked for only among those (the events that occurred then, the appeals' milestones and the duties'
fulfilment, by their indexes), so its cost follows what happened since `$1`, not all of history."""
_POSITION = "SELECT 'fact_events'::regclass::oid::bigint AS tables, coalesce(max(seq), 0) AS seq FROM fact_events"


async def load_reading(pool: asyncpg.Pool, scope: Scope, now: datetime) -> Reading:
    """What can matter for `scope`, the position it was read at and the latest learned time, in one
    snapshot. The latest is exact only when it is not earlier than `now` (see `Reading.latest`): the bound the
    indexes give is enough otherwise, and when it is not (another service's clock ahead of ours, or a
    controlled clock standing still) the times at or after `now` are looked for (`_LATE`)."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await use_schema(conn, PROJECTION)
        return await read_reading(conn, scope, now)


_TICK = timedelta(microseconds=1)
"""PostgreSQL's and Python's resolution: no learned time at or after `now` means every one is at or
before `now - _TICK`, a time no earlier than the latest and earlier than `now`, as `Reading.latest` asks."""


async def read_reading(conn: asyncpg.Connection, scope: Scope, now: datetime) -> Reading:
    """`load_reading` in the caller's snapshot and search path."""
    position = await _position(conn)
    latest: datetime | None = await conn.fetchval(_LATEST)
    if latest is not None and latest >= now:  # the bound is not enough: the latest itself, if not before now
        latest = max(await learned_since(conn, now), default=now - _TICK)
    # A period's rows are a small share of the tables: look each one's event up by its key. Left to
    # itself the planner hashes all of `fact_events` (and `visits`, `appeals`) for a few thousand rows,
    # a cost that grows with history again (seen at 300k events: 374 ms of 380 for the duties).
    await conn.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
    return Reading(await read_facts(conn, scope), position, latest)


async def learned_since(conn: asyncpg.Connection, since: datetime) -> set[datetime]:
    """Every time a fact (or part of one) was learned at or after `since`, in the caller's snapshot and
    search path."""
    return {r["at"] for r in await conn.fetch(_LATE, since)}


async def load_position(pool: asyncpg.Pool) -> Position:
    async with pool.acquire() as conn, conn.transaction(readonly=True):
        await use_schema(conn, PROJECTION)
        return await _position(conn)


async def _position(conn: asyncpg.Connection) -> Position:
    """The facts tables in use and how far they were applied: writers of the projection hold its
    advisory lock one transaction at a time, so `seq` grows in commit order."""
    row = await conn.fetchrow(_POSITION)
    assert row is not None
    return int(row["tables"]), int(row["seq"])


async def read_facts(conn: asyncpg.Connection, scope: Scope | None = None) -> Facts:
    """Everything, or what can matter for `scope`, in one snapshot; the caller has set the search path
    (see `use_schema`)."""
    terms = tuple(_term(r) for r in await _spans_of(conn, "chief_terms", scope))
    answers = await _rows(conn, _learned("spot_check_answers") + " WHERE true", "t.answered_at", scope)
    return Facts(
        appeals=tuple(_appeal(r) for r in await _appeals(conn, scope)),
        duties=tuple(_duty(r) for r in await _rows(conn, _DUTIES + " WHERE true", "d.due_at", scope)),
        activities=tuple(
            _activity(r) for r in await _rows(conn, _learned("activities") + " WHERE true", "t.at", scope)
        ),
        ratings=tuple(_rating(r) for r in await _ratings(conn, scope)),
        spot_checks=tuple(_answer(r, terms) for r in answers),
        officers=tuple(_officer(r) for r in await _spans_of(conn, "officers", scope)),
        enterprises=tuple(_enterprise(r) for r in await _spans_of(conn, "enterprise_spans", scope)),
        chief_terms=terms,
        police_offices=tuple(_office(r) for r in await _spans_of(conn, "police_offices", scope)),
    )


async def _rows(conn: asyncpg.Connection, query: str, column: str, scope: Scope | None) -> list[asyncpg.Record]:
    if scope is None:
        return list(await conn.fetch(query))
    return list(await conn.fetch(query + _IN_PERIOD.format(column=column), scope.period.start, scope.period.end))


async def _appeals(conn: asyncpg.Connection, scope: Scope | None) -> list[asyncpg.Record]:
    if scope is None:
        return list(await conn.fetch(_APPEALS))
    return list(await conn.fetch(_APPEALS + _APPEALS_IN, scope.period.start, scope.period.end))


async def _ratings(conn: asyncpg.Connection, scope: Scope | None) -> list[asyncpg.Record]:
    """A rating counts for a period that covers its own (`Period.covers`): its label names a year or a
    month of the years the period spans, and labels sort by time ("2025" < "2025-03" < "2026")."""
    if scope is None:
        return list(await conn.fetch(_learned("ratings")))
    first, last = (at.astimezone(BUREAU_TZ).year for at in (scope.period.start, scope.period.end))
    return list(await conn.fetch(_learned("ratings") + _RATINGS_IN, str(first), str(last + 1)))


async def _spans_of(conn: asyncpg.Connection, table: str, scope: Scope | None) -> list[asyncpg.Record]:
    if scope is None:
        return list(await conn.fetch(_spans(table)))
    return list(await conn.fetch(_spans(table) + _SPAN_IN, scope.period.start, scope.period.end, scope.since))


def _span(row: asyncpg.Record) -> Span:
    ended = row["active_until"]
    return Span(row["active_from"], ended, row["end_learned_at"] if ended is not None else None)


def _appeal(row: asyncpg.Record) -> AppealFact:
    rating = None
    if row["rating_level"] is not None:
        rating = AppealRating(row["rating_level"], row["rating_resolved"], row["rating_at"])
    return AppealFact(
        fact_id=str(row["event_id"]),
        appeal_id=row["appeal_id"],
        officer_id=row["officer_id"] or "",
        slot=Slot(row["slot"] or Slot.A),
        enterprise_id=row["enterprise_id"],
        raised_at=row["raised_at"],
        first_response_due=row["first_response_due"],
        due_at=row["due_at"],
        learned_at=row["learned_at"],
        routed_at=row["routed_at"],
        first_response_at=row["first_response_at"],
        closed_at=row["closed_at"],
        rating=rating,
        reopened_at=tuple(row["reopened_at"]),
        forum_id=row["forum_id"],
        forum_at=row["forum_at"],
        forum_learned_at=row["forum_learned_at"],
    )


def _duty(row: asyncpg.Record) -> DutyFact:
    return DutyFact(
        fact_id=str(row["event_id"]),
        duty_id=row["duty_id"],
        officer_id=row["officer_id"] or "",
        enterprise_id=row["enterprise_id"],
        due_at=row["due_at"],
        learned_at=row["learned_at"],
        done_at=row["done_at"],
        done_learned_at=row["fulfilled_at"],
    )


def _activity(row: asyncpg.Record) -> ActivityFact:
    return ActivityFact(
        fact_id=str(row["event_id"]),
        kind=ActivityKind(row["kind"]),
        officer_ids=frozenset(row["officer_ids"]),
        at=row["at"],
        learned_at=row["learned_at"],
        count=row["count"],
        enterprise_id=row["enterprise_id"],
    )


def _rating(row: asyncpg.Record) -> RatingFact:
    return RatingFact(
        fact_id=str(row["event_id"]),
        enterprise_id=row["enterprise_id"],
        officer_id=row["officer_id"],
        tier=ChiefTier(row["tier"]),
        period=Period.parse(row["period"]),
        level=row["level"],
        learned_at=row["learned_at"],
    )


def _answer(row: asyncpg.Record, terms: Iterable[ChiefTermFact]) -> SpotCheckFact:
    """About the officer it names, or about the enterprise's chiefs when it was given."""
    named = row["officer_id"]
    officers = frozenset({named}) if named else chiefs_at(terms, row["enterprise_id"], row["answered_at"])
    return SpotCheckFact(
        fact_id=str(row["event_id"]),
        spot_check_id=row["spot_check_id"],
        enterprise_id=row["enterprise_id"],
        officer_ids=officers,
        satisfied=row["satisfied"],
        level=row["level"],
        answered_at=row["answered_at"],
        learned_at=row["learned_at"],
    )


def chiefs_at(terms: Iterable[ChiefTermFact], enterprise_id: str, instant: datetime) -> frozenset[str]:
    return frozenset(t.officer_id for t in terms if t.enterprise_id == enterprise_id and t.span.holds_at(instant))


def _officer(row: asyncpg.Record) -> OfficerFact:
    return OfficerFact(str(row["event_id"]), row["officer_id"], _span(row), row["learned_at"])


def _enterprise(row: asyncpg.Record) -> EnterpriseFact:
    cls = EnterpriseClass(row["enterprise_class"])
    return EnterpriseFact(str(row["event_id"]), row["enterprise_id"], cls, _span(row), row["learned_at"])


def _term(row: asyncpg.Record) -> ChiefTermFact:
    return ChiefTermFact(
        fact_id=str(row["event_id"]),
        enterprise_id=row["enterprise_id"],
        officer_id=row["officer_id"],
        tier=ChiefTier(row["tier"]),
        slot=Slot(row["slot"]),
        span=_span(row),
        learned_at=row["learned_at"],
    )


def _office(row: asyncpg.Record) -> PoliceOfficeFact:
    ids = (str(row["event_id"]), row["office_id"], row["enterprise_id"])
    return PoliceOfficeFact(*ids, _span(row), row["learned_at"])
