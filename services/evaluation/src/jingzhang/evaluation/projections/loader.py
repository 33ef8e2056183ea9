"""Reads the facts tables back into the pure domain's `Facts`, joining what crosses streams.

Joins made here rather than when events are applied (see `facts`): a forum appeal's forum, a duty's
visit time, and the chiefs a spot-check answer is about. Merged duplicates are left out (they live on
in the appeal they were merged into). An appeal not routed yet, or a duty nobody answers for, is kept
for the figure table under officer "", which no scorecard asks for.
"""

from collections.abc import Iterable
from datetime import datetime

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
from jingzhang.evaluation.domain.period import Period
from jingzhang.evaluation.domain.vocabulary import ActivityKind, ChiefTier, EnterpriseClass, Slot
from jingzhang.evaluation.projections.facts import PROJECTION
from jingzhang.shared.projection import use_schema

_APPEALS = """
SELECT a.*, f.forum_id FROM appeals a LEFT JOIN forum_appeals f USING (appeal_id)
WHERE a.merged_into IS NULL
"""
_DUTIES = """
SELECT d.*, coalesce(v.started_at, d.fulfilled_at) AS done_at FROM duties d LEFT JOIN visits v USING (visit_id)
"""


async def load_facts(pool: asyncpg.Pool) -> Facts:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await use_schema(conn, PROJECTION)
        return await read_facts(conn)


async def read_facts(conn: asyncpg.Connection) -> Facts:
    """Everything, in one snapshot; the caller has set the search path (see `use_schema`)."""
    terms = tuple(_term(r) for r in await conn.fetch("SELECT * FROM chief_terms"))
    answers = await conn.fetch("SELECT * FROM spot_check_answers")
    return Facts(
        appeals=tuple(_appeal(r) for r in await conn.fetch(_APPEALS)),
        duties=tuple(_duty(r) for r in await conn.fetch(_DUTIES)),
        activities=tuple(_activity(r) for r in await conn.fetch("SELECT * FROM activities")),
        ratings=tuple(_rating(r) for r in await conn.fetch("SELECT * FROM ratings")),
        spot_checks=tuple(_answer(r, terms) for r in answers),
        officers=tuple(_officer(r) for r in await conn.fetch("SELECT * FROM officers")),
        enterprises=tuple(_enterprise(r) for r in await conn.fetch("SELECT * FROM enterprise_spans")),
        chief_terms=terms,
        police_offices=tuple(_office(r) for r in await conn.fetch("SELECT * FROM police_offices")),
    )


def _span(row: asyncpg.Record) -> Span:
    return Span(row["active_from"], row["active_until"])


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
        recorded_at=row["recorded_at"],
        first_response_at=row["first_response_at"],
        closed_at=row["closed_at"],
        rating=rating,
        reopened_at=tuple(row["reopened_at"]),
        forum_id=row["forum_id"],
    )


def _duty(row: asyncpg.Record) -> DutyFact:
    return DutyFact(
        fact_id=str(row["event_id"]),
        duty_id=row["duty_id"],
        officer_id=row["officer_id"] or "",
        enterprise_id=row["enterprise_id"],
        due_at=row["due_at"],
        recorded_at=row["recorded_at"],
        done_at=row["done_at"],
    )


def _activity(row: asyncpg.Record) -> ActivityFact:
    return ActivityFact(
        fact_id=str(row["event_id"]),
        kind=ActivityKind(row["kind"]),
        officer_ids=frozenset(row["officer_ids"]),
        at=row["at"],
        recorded_at=row["recorded_at"],
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
        recorded_at=row["recorded_at"],
    )


def _answer(row: asyncpg.Record, terms: Iterable[ChiefTermFact]) -> SpotCheckFact:
    return SpotCheckFact(
        fact_id=str(row["event_id"]),
        spot_check_id=row["spot_check_id"],
        enterprise_id=row["enterprise_id"],
        officer_ids=chiefs_at(terms, row["enterprise_id"], row["answered_at"]),
        satisfied=row["satisfied"],
        level=row["level"],
        recorded_at=row["recorded_at"],
    )


def chiefs_at(terms: Iterable[ChiefTermFact], enterprise_id: str, instant: datetime) -> frozenset[str]:
    return frozenset(t.officer_id for t in terms if t.enterprise_id == enterprise_id and t.span.holds_at(instant))


def _officer(row: asyncpg.Record) -> OfficerFact:
    return OfficerFact(str(row["event_id"]), row["officer_id"], _span(row), row["recorded_at"])


def _enterprise(row: asyncpg.Record) -> EnterpriseFact:
    cls = EnterpriseClass(row["enterprise_class"])
    return EnterpriseFact(str(row["event_id"]), row["enterprise_id"], cls, _span(row), row["recorded_at"])


def _term(row: asyncpg.Record) -> ChiefTermFact:
    return ChiefTermFact(
        fact_id=str(row["event_id"]),
        enterprise_id=row["enterprise_id"],
        officer_id=row["officer_id"],
        tier=ChiefTier(row["tier"]),
        slot=Slot(row["slot"]),
        span=_span(row),
        recorded_at=row["recorded_at"],
    )


def _office(row: asyncpg.Record) -> PoliceOfficeFact:
    ids = (str(row["event_id"]), row["office_id"], row["enterprise_id"])
    return PoliceOfficeFact(*ids, _span(row), row["recorded_at"])
