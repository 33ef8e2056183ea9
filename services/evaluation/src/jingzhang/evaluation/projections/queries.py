"""The handlers' and the API's view of the facts tables: narrow queries, plus the whole `Facts`."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.vocabulary import ChiefTier
from jingzhang.evaluation.projections.facts import PROJECTION
from jingzhang.evaluation.projections.loader import load_facts, load_position, load_reading
from jingzhang.evaluation.reads import Position, Reading, Scope
from jingzhang.shared.projection import use_schema


@dataclass(frozen=True, slots=True)
class EventRef:
    """One event behind a number: where it lives and when it happened and was recorded."""

    event_id: str
    service: str
    aggregate_type: str
    aggregate_id: str
    version: int
    event_type: str
    occurred_at: datetime
    recorded_at: datetime


class PostgresFacts:
    """The facts tables of this service's `proj_facts` schema; `pool` answers the runtime's pool once started."""

    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def facts(self) -> Facts:
        return await load_facts(self._pool())

    async def reading(self, scope: Scope, now: datetime) -> Reading:
        return await load_reading(self._pool(), scope, now)

    async def position(self) -> Position:
        return await load_position(self._pool())

    async def chief_tiers(self, enterprise_id: str, officer_id: str, start: datetime, end: datetime) -> set[ChiefTier]:
        """The tiers `officer_id` held at `enterprise_id` at any time in `[start, end)`."""
        rows = await self._fetch(
            "SELECT DISTINCT tier FROM chief_terms WHERE enterprise_id = $1 AND officer_id = $2"
            " AND active_from < $4 AND (active_until IS NULL OR active_until > $3)",
            enterprise_id,
            officer_id,
            start,
            end,
        )
        return {ChiefTier(r["tier"]) for r in rows}

    async def active_enterprises(self, at: datetime) -> list[str]:
        rows = await self._fetch(
            "SELECT DISTINCT enterprise_id FROM enterprise_spans"
            " WHERE active_from <= $1 AND (active_until IS NULL OR active_until > $1) ORDER BY enterprise_id",
            at,
        )
        return [r["enterprise_id"] for r in rows]

    async def enterprise_known(self, enterprise_id: str) -> bool:
        """Whether assignment registered it (closed or not: its history stays)."""
        rows = await self._fetch("SELECT 1 FROM enterprises WHERE enterprise_id = $1", enterprise_id)
        return bool(rows)

    async def officer_known(self, officer_id: str) -> bool:
        """Whether assignment enrolled them (retired or not)."""
        rows = await self._fetch("SELECT 1 FROM officers WHERE officer_id = $1", officer_id)
        return bool(rows)

    async def events_behind(self, fact_ids: list[str]) -> list[EventRef]:
        """Each fact's own event and the rest of its stream (an appeal's routing, callback...)."""
        rows = await self._fetch(
            "SELECT e.event_id, e.service, e.aggregate_type, e.aggregate_id, e.version, e.event_type, e.occurred_at,"
            " e.recorded_at FROM fact_events e JOIN fact_events f USING (service, aggregate_type, aggregate_id)"
            " WHERE f.event_id = ANY($1::uuid[])"
            " ORDER BY e.service, e.aggregate_type, e.aggregate_id, e.version",
            [UUID(i) for i in fact_ids],
        )
        return [EventRef(**{**dict(r), "event_id": str(r["event_id"])}) for r in rows]

    async def _fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        async with self._pool().acquire() as conn, conn.transaction(readonly=True):
            await use_schema(conn, PROJECTION)
            return list(await conn.fetch(query, *args))
