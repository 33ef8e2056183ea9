"""Duties as officers and the cadence worker read them: who owes which visit, by when, and how it went."""

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from jingzhang.patrols.domain.cadence import Duty
from jingzhang.patrols.domain.common import VisitKind
from jingzhang.patrols.domain.duty import (
    DutyFulfilled,
    DutyOverdue,
    DutyReassigned,
    DutyScheduled,
    DutyState,
    DutyStatus,
)
from jingzhang.patrols.domain.periods import Period
from jingzhang.patrols.domain.vocabulary import ChiefTier
from jingzhang.patrols.events import REGISTRY
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, use_schema
from jingzhang.shared.statements import Statement, applying, sql

SQL = """
CREATE TABLE IF NOT EXISTS duty (
    duty_id          text PRIMARY KEY,
    enterprise_id    text NOT NULL,
    kind             text NOT NULL,
    tier             text NOT NULL,
    period_key       text NOT NULL,
    period_start     date NOT NULL,
    period_end       date NOT NULL,
    due_at           timestamptz NOT NULL,
    assignee         text,
    status           text NOT NULL,
    missed_by        text,
    fulfilled_by     text,
    fulfilled_on_time boolean
);
CREATE INDEX IF NOT EXISTS duty_by_assignee ON duty (assignee, status, due_at);
CREATE INDEX IF NOT EXISTS duty_by_status ON duty (status, due_at);
"""


def plan(env: Envelope, payload: DomainEvent) -> Iterator[Statement]:
    """The statements an event causes here (run set-based per batch by the kernel)."""
    match payload:
        case DutyScheduled():
            yield sql(
                "INSERT INTO duty (duty_id, enterprise_id, kind, tier, period_key, period_start, period_end, due_at,"
                " assignee, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open')"
                " ON CONFLICT (duty_id) DO NOTHING",
                payload.duty_id,
                payload.enterprise_id,
                payload.kind.value,
                payload.tier.value,
                payload.period.key,
                payload.period.start,
                payload.period.end,
                payload.due_at,
                payload.assignee_officer_id,
            )
        case DutyFulfilled():
            yield sql(
                "UPDATE duty SET status = 'fulfilled', fulfilled_by = $2, fulfilled_on_time = $3 WHERE duty_id = $1",
                payload.duty_id,
                payload.visit_id,
                payload.on_time,
            )
        case DutyOverdue():
            yield sql(
                "UPDATE duty SET status = 'overdue', missed_by = $2 WHERE duty_id = $1",
                payload.duty_id,
                payload.assignee_officer_id,
            )
        case DutyReassigned():
            yield sql("UPDATE duty SET assignee = $2 WHERE duty_id = $1", payload.duty_id, payload.to_officer_id)


apply, apply_many = applying(plan)


PROJECTION = Projection(
    name="patrols_duties",
    schema_sql=SQL,
    sources=(Source("patrols", "duty"),),
    registry=REGISTRY,
    apply=apply,
    apply_many=apply_many,
    description="Every planned duty with its assignee and status",
)


@dataclass(frozen=True, slots=True)
class DutyView:
    duty_id: str
    enterprise_id: str
    kind: str
    tier: str
    period_key: str
    due_at: datetime
    assignee: str | None
    status: str
    missed_by: str | None
    fulfilled_by: str | None
    fulfilled_on_time: bool | None


def _view(r: asyncpg.Record) -> DutyView:
    return DutyView(**{f: r[f] for f in DutyView.__slots__})


def _state(r: asyncpg.Record) -> DutyState:
    period = Period(key=r["period_key"], start=r["period_start"], end=r["period_end"])
    duty = Duty(r["duty_id"], r["enterprise_id"], VisitKind(r["kind"]), ChiefTier(r["tier"]), period, r["due_at"])
    return DutyState(duty, r["assignee"], DutyStatus(r["status"]), r["fulfilled_by"])


class PostgresDuties:
    """Duties read from this projection, by officers (their own) and by the cadence worker (every open one)."""

    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async with self._pool().acquire() as conn, conn.transaction():
            await use_schema(conn, PROJECTION)
            return list(await conn.fetch(sql, *args))

    async def duty(self, duty_id: str) -> DutyView | None:
        rows = await self._fetch("SELECT * FROM duty WHERE duty_id = $1", duty_id)
        return _view(rows[0]) if rows else None

    async def officer_duties(self, officer_id: str, status: DutyStatus) -> list[DutyView]:
        """An officer's duties in `status` (open = due, overdue), earliest due first."""
        rows = await self._fetch(
            "SELECT * FROM duty WHERE assignee = $1 AND status = $2 ORDER BY due_at, duty_id", officer_id, status.value
        )
        return [_view(r) for r in rows]

    async def duties(self, status: DutyStatus, only: Collection[str] | None = None) -> list[DutyView]:
        """Duties in `status` at every enterprise, or at the enterprises `only`, earliest due first."""
        rows = await self._fetch(
            "SELECT * FROM duty WHERE status = $1 AND ($2::text[] IS NULL OR enterprise_id = ANY($2))"
            " ORDER BY due_at, duty_id",
            status.value,
            None if only is None else sorted(only),
        )
        return [_view(r) for r in rows]

    async def known_ids(self, duty_ids: list[str]) -> set[str]:
        rows = await self._fetch("SELECT duty_id FROM duty WHERE duty_id = ANY($1::text[])", duty_ids)
        return {r["duty_id"] for r in rows}

    async def due_states(self, now: datetime, enterprises: Collection[str]) -> list[DutyState]:
        """Open duties at `enterprises` due by `now`, earliest due first: what the cadence worker marks missed."""
        rows = await self._fetch(
            "SELECT * FROM duty WHERE status = 'open' AND due_at <= $1 AND enterprise_id = ANY($2::text[])"
            " ORDER BY due_at, duty_id",
            now,
            sorted(enterprises),
        )
        return [_state(r) for r in rows]

    async def misassigned_states(
        self, now: datetime, answering: Collection[tuple[str, ChiefTier, str]]
    ) -> list[DutyState]:
        """Open duties not yet due whose assignee is not who answers for their enterprise and tier now
        (`duty.answering`), earliest due first: all the cadence worker may have to move."""
        holders = list(answering)
        rows = await self._fetch(
            "SELECT d.* FROM duty AS d"
            " JOIN unnest($2::text[], $3::text[], $4::text[]) AS a (enterprise_id, tier, officer_id)"
            " ON d.enterprise_id = a.enterprise_id AND d.tier = a.tier"
            " WHERE d.status = 'open' AND d.due_at > $1 AND d.assignee IS DISTINCT FROM a.officer_id"
            " ORDER BY d.due_at, d.duty_id",
            now,
            [enterprise for enterprise, _, _ in holders],
            [tier.value for _, tier, _ in holders],
            [officer for _, _, officer in holders],
        )
        return [_state(r) for r in rows]
