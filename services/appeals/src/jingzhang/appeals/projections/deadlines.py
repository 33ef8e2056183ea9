"""The deadline schedule: for each appeal, the next moment a check could record something.

Derived from the events alone, so the deadline worker finds every pending check after a restart.
An appeal with nothing pending (finished, or paused with a department and already answered) has no row.
"""

from datetime import datetime

import asyncpg

from jingzhang.appeals.domain.deadlines import next_check_at
from jingzhang.appeals.domain.state import AGGREGATE_TYPE
from jingzhang.appeals.events import REGISTRY
from jingzhang.appeals.projections.log import LOG_SQL, record_and_fold
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx, use_schema

SQL = (
    LOG_SQL
    + """
CREATE TABLE IF NOT EXISTS deadlines (
    appeal_id      text PRIMARY KEY,
    next_check_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS deadlines_due ON deadlines (next_check_at);
"""
)


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    at = next_check_at(await record_and_fold(tx.conn, env))
    appeal_id = env.stream.aggregate_id
    if at is None:
        await tx.conn.execute("DELETE FROM deadlines WHERE appeal_id = $1", appeal_id)
        return
    await tx.conn.execute(
        "INSERT INTO deadlines VALUES ($1, $2) ON CONFLICT (appeal_id) DO UPDATE SET next_check_at = $2",
        appeal_id,
        at,
    )


PROJECTION = Projection(
    name="appeal_deadlines",
    schema_sql=SQL,
    sources=(Source("appeals", AGGREGATE_TYPE),),
    registry=REGISTRY,
    apply=apply,
    description="(appeal_id, next_check_at) for the deadline worker",
)


async def due(pool: asyncpg.Pool, now: datetime, limit: int = 500) -> list[str]:
    """Appeals with a check due at `now`, oldest first."""
    async with pool.acquire() as conn, conn.transaction():
        await use_schema(conn, PROJECTION)
        rows = await conn.fetch(
            "SELECT appeal_id FROM deadlines WHERE next_check_at <= $1 ORDER BY next_check_at LIMIT $2", now, limit
        )
    return [r["appeal_id"] for r in rows]


async def next_check(pool: asyncpg.Pool, appeal_id: str) -> datetime | None:
    async with pool.acquire() as conn, conn.transaction():
        await use_schema(conn, PROJECTION)
        value: datetime | None = await conn.fetchval(
            "SELECT next_check_at FROM deadlines WHERE appeal_id = $1", appeal_id
        )
    return value
