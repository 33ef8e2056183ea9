"""One appeal's full history: every event of its stream, in order, with who did it and when."""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from jingzhang.appeals.domain.state import AGGREGATE_TYPE
from jingzhang.appeals.events import REGISTRY
from jingzhang.shared.envelope import Envelope
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.projection import Projection, Source, Tx, use_schema

SQL = """
CREATE TABLE IF NOT EXISTS history (
    appeal_id       text NOT NULL,
    version         integer NOT NULL,
    event_id        uuid NOT NULL,
    event_type      text NOT NULL,
    data            jsonb NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL,
    actor           text NOT NULL,
    PRIMARY KEY (appeal_id, version)
);
"""


class HistoryEntry(BaseModel):
    version: int
    event_type: str
    data: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime
    actor: str


async def apply(tx: Tx, env: Envelope, payload: DomainEvent) -> None:
    # Every event of the stream belongs in the history; the payload was decoded only to validate it.
    await tx.conn.execute(
        "INSERT INTO history VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8) ON CONFLICT DO NOTHING",
        env.stream.aggregate_id,
        env.version,
        env.event_id,
        env.event_type,
        json.dumps(payload.model_dump(mode="json")),
        env.occurred_at,
        env.recorded_at,
        env.actor,
    )


PROJECTION = Projection(
    name="appeal_history",
    schema_sql=SQL,
    sources=(Source("appeals", AGGREGATE_TYPE),),
    registry=REGISTRY,
    apply=apply,
    description="Every event of each appeal, in order",
)


class AppealHistory:
    """The history's query (the pool exists once the runtime has started)."""

    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def of(self, appeal_id: str) -> list[HistoryEntry]:
        async with self._pool().acquire() as conn, conn.transaction():
            await use_schema(conn, PROJECTION)
            rows = await conn.fetch(
                "SELECT version, event_type, data::text AS data, occurred_at, recorded_at, actor"
                " FROM history WHERE appeal_id = $1 ORDER BY version",
                appeal_id,
            )
        return [HistoryEntry(**{**dict(r), "data": json.loads(r["data"])}) for r in rows]
