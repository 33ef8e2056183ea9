"""Recurring problems as the bureau reads them (issue 14 item 4): one row per problem with its appeals
and verdict; and the facts the detector reads: every appeal (from the board) with its enterprise's
station (the station of its police chief, from the `access` projection)."""

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

import asyncpg

from jingzhang.appeals.domain.recurring import (
    RECURRING,
    AppealFact,
    RecurringProblemConfirmed,
    RecurringProblemDetected,
    RecurringProblemDismissed,
    RecurringProblemGrew,
)
from jingzhang.appeals.domain.vocabulary import Category
from jingzhang.appeals.events import REGISTRY
from jingzhang.appeals.projections import board
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx, use_schema

SQL = """
CREATE TABLE IF NOT EXISTS problems (
    problem_id   text PRIMARY KEY,
    kind         text NOT NULL,
    scope        text NOT NULL,
    category     text NOT NULL,
    appeal_ids   text[] NOT NULL,
    status       text NOT NULL,
    detected_at  timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    note         text
);
"""


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    pid = env.stream.aggregate_id
    match payload:
        case RecurringProblemDetected():
            await tx.conn.execute(
                "INSERT INTO problems VALUES ($1, $2, $3, $4, $5, 'open', $6, $6, NULL) ON CONFLICT DO NOTHING",
                pid, payload.kind.value, payload.scope, payload.category.value, list(payload.appeal_ids),
                payload.detected_at,
            )  # fmt: skip
        case RecurringProblemGrew():
            await tx.conn.execute(
                "UPDATE problems SET appeal_ids = $2, updated_at = $3 WHERE problem_id = $1",
                pid, list(payload.appeal_ids), payload.grew_at,
            )  # fmt: skip
        case RecurringProblemConfirmed():
            await _verdict(tx.conn, pid, "confirmed", payload.note, payload.confirmed_at)
        case RecurringProblemDismissed():
            await _verdict(tx.conn, pid, "dismissed", payload.note, payload.dismissed_at)
        case _:
            return


async def _verdict(conn: asyncpg.Connection, problem_id: str, status: str, note: str, at: datetime) -> None:
    await conn.execute(
        "UPDATE problems SET status = $2, note = $3, updated_at = $4 WHERE problem_id = $1",
        problem_id,
        status,
        note,
        at,
    )


PROJECTION = Projection(
    name="recurring_problems",
    schema_sql=SQL,
    sources=(Source("appeals", RECURRING.aggregate_type),),
    registry=REGISTRY,
    apply=apply,
    description="Recurring problems: clusters of similar appeals, their appeals and the bureau's verdict",
)

_FACTS = f"""
SELECT a.appeal_id, a.enterprise_id, a.category, a.received_at,
 (SELECT min(o.unit_name) FROM proj_access.links l JOIN proj_access.officers o USING (officer_id)
   WHERE l.enterprise_id = a.enterprise_id AND l.via LIKE 'chief:police_chief:%') AS station
FROM "{board.PROJECTION.schema}".appeals a WHERE a.merged_into IS NULL AND a.received_at >= $1
"""


class PostgresRecurring:
    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def facts(self, since: datetime) -> list[AppealFact]:
        """Every appeal received since `since` (not merged into another), with its enterprise's station."""
        rows = await self._pool().fetch(_FACTS, since)
        return [
            AppealFact(r["appeal_id"], r["enterprise_id"], r["station"], Category(r["category"]), r["received_at"])
            for r in rows
        ]

    async def known(self) -> dict[str, frozenset[str]]:
        """Each recorded problem's appeals, so a pass loads only the streams of clusters new or grown."""
        async with self._pool().acquire() as conn, conn.transaction():
            await use_schema(conn, PROJECTION)
            rows = await conn.fetch("SELECT problem_id, appeal_ids FROM problems")
        return {r["problem_id"]: frozenset(r["appeal_ids"]) for r in rows}

    async def problems(self, status: str | None = None, only: Collection[str] | None = None) -> list[dict[str, Any]]:
        """Problems newest first; `only`: those with an appeal of these enterprises (a station's)."""
        async with self._pool().acquire() as conn, conn.transaction():
            await use_schema(conn, PROJECTION)
            rows = await conn.fetch(
                "SELECT p.* FROM problems p WHERE ($1::text IS NULL OR status = $1) AND ($2::text[] IS NULL OR"
                f' EXISTS (SELECT 1 FROM "{board.PROJECTION.schema}".appeals a WHERE a.appeal_id = ANY(p.appeal_ids)'
                " AND a.enterprise_id = ANY($2))) ORDER BY detected_at DESC, problem_id",
                status,
                None if only is None else sorted(only),
            )
        return [dict(r) for r in rows]
