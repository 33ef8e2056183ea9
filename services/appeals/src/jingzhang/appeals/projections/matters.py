"""Matters reported up (issue 14 item 5), one row each: who reported it, who assigned it to which unit by
when, how it stands; read by the enterprise, by the officers whose queue it is on (the reporter and the
leader who assigned it), and by the deadline pass (assigned, not done, past due)."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg

from jingzhang.appeals.domain.matters import (
    MATTER,
    MatterAssigned,
    MatterCompleted,
    MatterOverdue,
    MatterReported,
)
from jingzhang.appeals.events import REGISTRY
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx, use_schema

SQL = """
CREATE TABLE IF NOT EXISTS matters (
    matter_id     text PRIMARY KEY,
    enterprise_id text NOT NULL,
    summary       text NOT NULL,
    reported_by   text NOT NULL,
    reported_at   timestamptz NOT NULL,
    status        text NOT NULL,
    unit          text,
    deadline      timestamptz,
    assigned_by   text,
    overdue       boolean NOT NULL DEFAULT false,
    completed_at  timestamptz,
    on_time       boolean,
    version       integer NOT NULL
);
CREATE INDEX IF NOT EXISTS matters_due ON matters (deadline) WHERE status = 'assigned' AND NOT overdue;
"""


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    mid, conn = env.stream.aggregate_id, tx.conn
    match payload:
        case MatterReported():
            await conn.execute(
                "INSERT INTO matters (matter_id, enterprise_id, summary, reported_by, reported_at, status, version)"
                " VALUES ($1, $2, $3, $4, $5, 'reported', $6) ON CONFLICT DO NOTHING",
                mid, payload.enterprise_id, payload.summary, payload.reported_by, payload.reported_at, env.version,
            )  # fmt: skip
        case MatterAssigned():
            await conn.execute(
                "UPDATE matters SET status = 'assigned', unit = $2, deadline = $3, assigned_by = $4, overdue = false"
                " WHERE matter_id = $1",
                mid, payload.unit, payload.deadline, payload.assigned_by,
            )  # fmt: skip
        case MatterOverdue():
            await conn.execute("UPDATE matters SET overdue = true WHERE matter_id = $1", mid)
        case MatterCompleted():
            await conn.execute(
                "UPDATE matters SET status = 'completed', completed_at = $2, on_time = $3 WHERE matter_id = $1",
                mid, payload.completed_at, payload.on_time,
            )  # fmt: skip
        case _:
            pass
    await conn.execute("UPDATE matters SET version = $2 WHERE matter_id = $1", mid, env.version)


PROJECTION = Projection(
    name="matters",
    schema_sql=SQL,
    sources=(Source("appeals", MATTER.aggregate_type),),
    registry=REGISTRY,
    apply=apply,
    description="Matters reported up, assigned and carried out (上报、批办、落实)",
)


class PostgresMatters:
    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def _fetch(self, where: str, *args: object) -> list[dict[str, Any]]:
        async with self._pool().acquire() as conn, conn.transaction():
            await use_schema(conn, PROJECTION)
            rows = await conn.fetch(f"SELECT * FROM matters WHERE {where} ORDER BY reported_at, matter_id", *args)
        return [dict(r) for r in rows]

    async def matter(self, matter_id: str) -> dict[str, Any] | None:
        found = await self._fetch("matter_id = $1", matter_id)
        return found[0] if found else None

    async def of_enterprise(self, enterprise_id: str) -> list[dict[str, Any]]:
        return await self._fetch("enterprise_id = $1", enterprise_id)

    async def queue(self, officer_id: str) -> list[dict[str, Any]]:
        """Not yet carried out, reported or assigned by the officer."""
        return await self._fetch("status <> 'completed' AND (reported_by = $1 OR assigned_by = $1)", officer_id)

    async def past_due(self, now: datetime) -> list[str]:
        rows = await self._fetch("status = 'assigned' AND NOT overdue AND deadline <= $1", now)
        return [r["matter_id"] for r in rows]
